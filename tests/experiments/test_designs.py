"""Design generation: full-factorial grids, Latin hypercubes, Sobol' samples, scenarios.

Every design is built from a plain ``design`` mapping, as a sweep file holds it, and every
mistake must be a :class:`~stability_sim.errors.UserError` naming the file and the key.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest

from stability_sim import params
from stability_sim.errors import UserError
from stability_sim.experiments import designs
from stability_sim.experiments.designs import Design

SOURCE = "s.yaml"

#: Two floats and an integer, ranges well inside the registry bounds.
SAMPLED = {
    "cooperation.level": [0.1, 0.9],
    "drawdown.residual_troops": [8000, 12000],
    "jihadists.recovery_months": [12, 72],
}


def build(section: Any, seed: int = 1) -> Design:
    return designs.build(section, seed=seed, source=SOURCE)


def build_error(section: Any, key: str | None, *fragments: str) -> UserError:
    """Build a bad design; check the error names the file and ``key`` and holds ``fragments``."""
    with pytest.raises(UserError) as info:
        build(section)
    error = info.value
    assert error.source == SOURCE
    assert error.key == key, error.line()
    line = error.line()
    assert "\n" not in line
    assert line.startswith(f"{SOURCE}: {key}: " if key else f"{SOURCE}: ")
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    return error


def rows(design: Design) -> list[tuple[Any, ...]]:
    return [tuple(p.values[n] for n in design.parameters) for p in design.points]


# --- grid ---------------------------------------------------------------------------------


def test_grid_is_the_full_factorial_in_file_order() -> None:
    # Not in alphabetical order: the file's order decides which parameter varies slowest.
    levels = {
        "drawdown.residual_troops": [12000, 8000, 10000],
        "cooperation.level": [0.25, 0.5, 0.8],
        "grid.resolution": [0.5, 0.25],
    }
    design = build({"kind": "grid", "parameters": levels})
    assert design.kind == "grid"
    assert design.parameters == tuple(levels)
    assert len(design.points) == 3 * 3 * 2
    assert rows(design) == list(itertools.product(*levels.values()))
    assert design.info["levels"] == {name: len(v) for name, v in levels.items()}
    assert all(p.label == "" and p.scenario is None for p in design.points)
    assert design.ranges == {}


def test_grid_single_level_is_one_point() -> None:
    design = build({"kind": "grid", "parameters": {"cooperation.level": [0.3]}})
    assert [dict(p.values) for p in design.points] == [{"cooperation.level": 0.3}]


def test_grid_values_are_coerced_by_the_registry() -> None:
    design = build({"kind": "grid", "parameters": {
        "drawdown.residual_troops": [8000.0, 9000],
        "cooperation.level": [0, 1],
    }})
    troops = [p.values["drawdown.residual_troops"] for p in design.points]
    levels = [p.values["cooperation.level"] for p in design.points]
    assert troops == [8000, 8000, 9000, 9000]
    assert all(type(t) is int for t in troops)
    assert levels == [0.0, 1.0, 0.0, 1.0]
    assert all(type(v) is float for v in levels)


def test_grid_allows_choice_parameters() -> None:
    design = build({"kind": "grid", "parameters": {
        "drawdown.preset": ["full_withdrawal", "no_drawdown", "isaf_2014_plan"],
        "grid.resolution": [0.5],
    }})
    assert [p.values["drawdown.preset"] for p in design.points] == [
        "full_withdrawal", "no_drawdown", "isaf_2014_plan"]
    assert {p.values["grid.resolution"] for p in design.points} == {0.5}


def test_grid_to_json_lists_rows_in_parameter_order() -> None:
    design = build({"kind": "grid", "parameters": {
        "drawdown.residual_troops": [8000, 9000], "cooperation.level": [0.5]}})
    record = design.to_json()
    assert record["kind"] == "grid"
    assert record["parameters"] == ["drawdown.residual_troops", "cooperation.level"]
    assert record["points"] == [[8000, 0.5], [9000, 0.5]]


# --- lhs ----------------------------------------------------------------------------------


def lhs(samples: int = 20, seed: int = 1, parameters: dict[str, Any] | None = None) -> Design:
    return build({"kind": "lhs", "samples": samples, "parameters": parameters or SAMPLED},
                 seed=seed)


@pytest.mark.parametrize("samples", [1, 7, 20])
def test_lhs_has_samples_points_within_the_ranges(samples: int) -> None:
    design = lhs(samples)
    assert design.kind == "lhs"
    assert len(design.points) == samples
    assert design.info["samples"] == samples
    assert design.ranges == {name: (float(lo), float(hi)) for name, (lo, hi) in SAMPLED.items()}
    for point in design.points:
        assert set(point.values) == set(SAMPLED)
        for name, (low, high) in SAMPLED.items():
            assert low <= point.values[name] <= high, (name, point.values[name])


def test_lhs_integer_parameters_give_integers() -> None:
    troops = [p.values["drawdown.residual_troops"] for p in lhs(50).points]
    assert all(type(t) is int for t in troops)
    assert len(set(troops)) > 40  # spread over the range, not stuck on the ends
    assert all(type(p.values["cooperation.level"]) is float for p in lhs(5).points)


@pytest.mark.parametrize("name", ["cooperation.level", "jihadists.recovery_months"])
@pytest.mark.parametrize("samples", [5, 20, 64])
def test_lhs_is_latin_each_stratum_holds_one_point(name: str, samples: int) -> None:
    low, high = SAMPLED[name]
    values = [p.values[name] for p in lhs(samples).points]
    strata = sorted(min(samples - 1, math.floor((v - low) / (high - low) * samples))
                    for v in values)
    assert strata == list(range(samples))


def test_lhs_is_reproducible_from_the_seed() -> None:
    assert rows(lhs(20, seed=7)) == rows(lhs(20, seed=7))
    assert rows(lhs(20, seed=7)) != rows(lhs(20, seed=8))


# --- sobol --------------------------------------------------------------------------------


def sobol(samples: int = 8, *, second_order: bool = False, seed: int = 1,
          parameters: dict[str, Any] | None = None) -> Design:
    return build({"kind": "sobol", "samples": samples, "second_order": second_order,
                  "parameters": parameters or SAMPLED}, seed=seed)


@pytest.mark.parametrize(("second_order", "per_sample"), [(False, 3 + 2), (True, 2 * 3 + 2)])
@pytest.mark.parametrize("samples", [1, 4, 16])
def test_sobol_point_count(samples: int, second_order: bool, per_sample: int) -> None:
    design = sobol(samples, second_order=second_order)
    assert len(design.points) == samples * per_sample
    assert design.info["samples"] == samples
    assert design.info["second_order"] is second_order
    assert design.info["rows_per_sample"] == per_sample


def test_sobol_second_order_defaults_to_false() -> None:
    design = build({"kind": "sobol", "samples": 4, "parameters": SAMPLED})
    assert len(design.points) == 4 * (3 + 2)
    assert design.info["second_order"] is False


@pytest.mark.parametrize("second_order", [False, True])
def test_sobol_values_within_ranges_and_typed(second_order: bool) -> None:
    design = sobol(16, second_order=second_order)
    for point in design.points:
        for name, (low, high) in SAMPLED.items():
            assert low <= point.values[name] <= high
        assert type(point.values["drawdown.residual_troops"]) is int
        assert type(point.values["cooperation.level"]) is float


def test_sobol_is_reproducible_from_the_seed() -> None:
    assert rows(sobol(8, seed=3)) == rows(sobol(8, seed=3))
    assert rows(sobol(8, seed=3)) != rows(sobol(8, seed=4))


def test_sobol_blocks_follow_the_saltelli_radial_scheme() -> None:
    design = sobol(8)
    dims = len(design.parameters)
    table = rows(design)
    assert len(table) % (dims + 2) == 0
    for start in range(0, len(table), dims + 2):
        block = table[start:start + dims + 2]
        a, b = block[0], block[-1]
        assert all(x != y for x, y in zip(a, b, strict=True))  # A and B are independent rows
        for k in range(1, dims + 1):
            expected = tuple(b[j] if j == k - 1 else a[j] for j in range(dims))
            assert block[k] == expected, (start, k)


def test_sobol_second_order_blocks_add_the_b_a_rows() -> None:
    design = sobol(4, second_order=True)
    dims = len(design.parameters)
    table = rows(design)
    size = 2 * dims + 2
    for start in range(0, len(table), size):
        block = table[start:start + size]
        a, b = block[0], block[-1]
        for k in range(1, dims + 1):
            assert block[k] == tuple(b[j] if j == k - 1 else a[j] for j in range(dims))
            assert block[dims + k] == tuple(a[j] if j == k - 1 else b[j] for j in range(dims))


def test_sobol_matches_salib_on_the_design_stream() -> None:
    from SALib.sample import sobol as salib_sobol

    floats = {"cooperation.level": [0.1, 0.9], "jihadists.recovery_months": [12, 72]}
    seed = 20140103
    design = sobol(16, seed=seed, parameters=floats)
    rng = np.random.Generator(np.random.PCG64(
        np.random.SeedSequence(seed, spawn_key=designs.DESIGN_STREAM)))
    problem = {"num_vars": 2, "names": list(floats), "bounds": [[0.0, 1.0]] * 2}
    unit = salib_sobol.sample(problem, 16, calc_second_order=False, seed=rng)
    lows = np.array([lo for lo, _ in floats.values()], dtype=float)
    widths = np.array([hi - lo for lo, hi in floats.values()], dtype=float)
    np.testing.assert_allclose(np.array(rows(design)), lows + unit * widths, rtol=0, atol=1e-12)


@pytest.mark.parametrize(("samples", "hint"), [(3, "try 2 or 4"), (6, "try 4 or 8"),
                                               (100, "try 64 or 128")])
def test_sobol_samples_must_be_a_power_of_two(samples: int, hint: str) -> None:
    build_error({"kind": "sobol", "samples": samples, "parameters": SAMPLED},
                "design.samples", "power of two", str(samples), hint)


def test_sobol_second_order_must_be_boolean() -> None:
    build_error({"kind": "sobol", "samples": 4, "second_order": "yes", "parameters": SAMPLED},
                "design.second_order", "true or false")


# --- scenarios ----------------------------------------------------------------------------


def test_scenarios_keep_labels_and_flatten_their_settings() -> None:
    design = build({"kind": "scenarios", "scenarios": [
        {"name": "plain"},
        {"name": "nested", "set": {"cooperation": {"level": 1}}},
        {"name": "dotted", "set": {"drawdown.residual_troops": 8000.0,
                                   "cooperation.level": 0.5}},
        {"name": "other-file", "scenario": "../scenarios/no_drawdown.yaml",
         "set": {"drawdown": {"preset": "no_drawdown"}}},
    ]})
    assert design.kind == "scenarios"
    assert [p.label for p in design.points] == ["plain", "nested", "dotted", "other-file"]
    assert design.info["labels"] == ["plain", "nested", "dotted", "other-file"]
    assert [dict(p.values) for p in design.points] == [
        {},
        {"cooperation.level": 1.0},
        {"drawdown.residual_troops": 8000, "cooperation.level": 0.5},
        {"drawdown.preset": "no_drawdown"},
    ]
    assert type(design.points[1].values["cooperation.level"]) is float
    assert type(design.points[2].values["drawdown.residual_troops"]) is int
    assert [p.scenario for p in design.points] == [None, None, None,
                                                   "../scenarios/no_drawdown.yaml"]
    # Every parameter any point sets, in order of first appearance.
    assert design.parameters == ("cooperation.level", "drawdown.residual_troops",
                                 "drawdown.preset")


SCENARIO_ERRORS = [
    ("duplicate name", [{"name": "a"}, {"name": "b"}, {"name": "a"}],
     "design.scenarios[2].name", ["'a'", "twice"]),
    ("unknown key", [{"name": "a", "sett": {}}], "design.scenarios[0].sett",
     ["unknown key", "did you mean 'set'"]),
    ("bad name", [{"name": "High Coop"}], "design.scenarios[0].name", ["[a-z0-9_-]"]),
    ("missing name", [{"set": {"cooperation.level": 0.5}}], "design.scenarios[0].name",
     ["None"]),
    ("entry not a mapping", ["baseline"], "design.scenarios[0]", ["expected a mapping"]),
    ("set not a mapping", [{"name": "a", "set": 5}], "design.scenarios[0].set",
     ["expected a mapping"]),
    ("set unknown parameter", [{"name": "a", "set": {"cooperation": {"levl": 0.5}}}],
     "design.scenarios[0].set.cooperation.levl", ["did you mean 'cooperation.level'"]),
    ("set out of bounds", [{"name": "a", "set": {"cooperation.level": 1.5}}],
     "design.scenarios[0].set.cooperation.level", ["out of bounds [0.0, 1.0]"]),
    ("set seed", [{"name": "a", "set": {"seed": 3}}], "design.scenarios[0].set.seed",
     ["seed"]),
    ("scenario not a path", [{"name": "a", "scenario": 5}], "design.scenarios[0].scenario",
     ["path of a scenario file"]),
]


@pytest.mark.parametrize(("case", "entries", "key", "fragments"), SCENARIO_ERRORS,
                         ids=[c[0] for c in SCENARIO_ERRORS])
def test_bad_scenarios_design(case: str, entries: Any, key: str, fragments: list[str]) -> None:
    build_error({"kind": "scenarios", "scenarios": entries}, key, *fragments)


@pytest.mark.parametrize("entries", [[], None, {"name": "a"}, "baseline"])
def test_scenarios_design_needs_a_list(entries: Any) -> None:
    build_error({"kind": "scenarios", "scenarios": entries}, "design.scenarios",
                "expected a list")


# --- errors -------------------------------------------------------------------------------


def grid(**levels: Any) -> dict[str, Any]:
    return {"kind": "grid", "parameters": {k.replace("__", "."): v for k, v in levels.items()}}


def ranged(kind: str, parameters: dict[str, Any], samples: Any = 4) -> dict[str, Any]:
    return {"kind": kind, "samples": samples, "parameters": parameters}


ERRORS = [
    # The section itself and its kind.
    ("not a mapping", ["grid"], "design", ["'kind'", "grid, lhs, sobol, scenarios"]),
    ("unknown kind", {"kind": "grd"}, "design.kind",
     ["grid, lhs, sobol, scenarios", "'grd'"]),
    ("missing kind", {"parameters": {"cooperation.level": [0.5]}}, "design.kind",
     ["grid, lhs, sobol, scenarios", "None"]),
    # Extra keys.
    ("grid with samples", {**grid(cooperation__level=[0.5]), "samples": 4}, "design.samples",
     ["unknown key for a grid design"]),
    ("lhs misspelt samples", {"kind": "lhs", "sample": 4, "parameters": SAMPLED},
     "design.sample", ["unknown key for a lhs design", "did you mean 'samples'"]),
    ("lhs with second_order", {**ranged("lhs", SAMPLED), "second_order": True},
     "design.second_order", ["unknown key for a lhs design"]),
    ("sobol misspelt second_order", {**ranged("sobol", SAMPLED), "second_ordr": True},
     "design.second_ordr", ["did you mean 'second_order'"]),
    ("scenarios with parameters", {"kind": "scenarios", "scenarios": [{"name": "a"}],
                                   "parameters": SAMPLED},
     "design.parameters", ["unknown key for a scenarios design"]),
    # The parameters mapping.
    ("no parameters", {"kind": "grid"}, "design.parameters", ["expected a mapping"]),
    ("empty parameters", {"kind": "lhs", "samples": 4, "parameters": {}}, "design.parameters",
     ["expected a mapping"]),
    ("parameters a list", {"kind": "grid", "parameters": ["cooperation.level"]},
     "design.parameters", ["expected a mapping"]),
    ("non-text parameter name", {"kind": "grid", "parameters": {1: [1]}},
     "design.parameters.1", ["must be text"]),
    ("seed in a grid", grid(seed=[1, 2]), "design.parameters.seed", ["seed", "not swept"]),
    ("seed in an lhs", ranged("lhs", {"seed": [1, 100]}), "design.parameters.seed",
     ["not swept"]),
    ("seed in a sobol", ranged("sobol", {**SAMPLED, "seed": [1, 100]}),
     "design.parameters.seed", ["not swept"]),
    # Ranges of sampled designs.
    ("range above bounds", ranged("lhs", {"cooperation.level": [0.0, 2.0]}),
     "design.parameters.cooperation.level", ["2.0 is out of bounds [0.0, 1.0]"]),
    ("int range below bounds", ranged("sobol", {"drawdown.residual_troops": [-1, 100]}),
     "design.parameters.drawdown.residual_troops", ["out of bounds [0, 30,000]"]),
    ("range low equals high", ranged("lhs", {"cooperation.level": [0.5, 0.5]}),
     "design.parameters.cooperation.level", ["low < high", "[0.5, 0.5]"]),
    ("range reversed", ranged("sobol", {"cooperation.level": [0.8, 0.2]}),
     "design.parameters.cooperation.level", ["low < high", "[0.8, 0.2]"]),
    ("range of one value", ranged("lhs", {"cooperation.level": [0.2]}),
     "design.parameters.cooperation.level", ["range [low, high]", "[0.0, 1.0]"]),
    ("range of three values", ranged("lhs", {"cooperation.level": [0.1, 0.2, 0.3]}),
     "design.parameters.cooperation.level", ["range [low, high]"]),
    ("range a scalar", ranged("lhs", {"cooperation.level": 0.2}),
     "design.parameters.cooperation.level", ["range [low, high]"]),
    ("range of text", ranged("lhs", {"cooperation.level": ["low", "high"]}),
     "design.parameters.cooperation.level", ["expected a number"]),
    ("range of a choice", ranged("lhs", {"drawdown.preset": ["full_withdrawal",
                                                             "no_drawdown"]}),
     "design.parameters.drawdown.preset", ["number parameter", "choice", "grid or scenarios"]),
    ("range of a numeric choice", ranged("sobol", {"grid.resolution": [0.25, 0.5]}),
     "design.parameters.grid.resolution", ["number parameter"]),
    ("range of a month", ranged("lhs", {"drawdown.end": ["2014-06", "2015-06"]}),
     "design.parameters.drawdown.end", ["number parameter", "month"]),
    # Grid levels.
    ("grid value out of bounds", grid(cooperation__level=[0.5, 1.5]),
     "design.parameters.cooperation.level", ["1.5 is out of bounds [0.0, 1.0]"]),
    ("grid int not whole", grid(drawdown__residual_troops=[8000.5]),
     "design.parameters.drawdown.residual_troops", ["whole number"]),
    ("grid bad choice", grid(drawdown__preset=["isaf_2014_plan", "half"]),
     "design.parameters.drawdown.preset", ["one of", "'half'"]),
    ("grid empty list", grid(cooperation__level=[]), "design.parameters.cooperation.level",
     ["non-empty list"]),
    ("grid scalar", grid(cooperation__level=0.5), "design.parameters.cooperation.level",
     ["non-empty list"]),
    ("grid duplicate", grid(cooperation__level=[0.25, 0.5, 0.25]),
     "design.parameters.cooperation.level", ["listed twice"]),
    ("grid duplicate after coercion", grid(drawdown__residual_troops=[8000, 8000.0]),
     "design.parameters.drawdown.residual_troops", ["listed twice"]),
    ("grid int and float duplicate", grid(cooperation__level=[1, 1.0]),
     "design.parameters.cooperation.level", ["listed twice"]),
]


@pytest.mark.parametrize(("case", "section", "key", "fragments"), ERRORS,
                         ids=[c[0] for c in ERRORS])
def test_bad_design(case: str, section: Any, key: str, fragments: list[str]) -> None:
    build_error(section, key, *fragments)


@pytest.mark.parametrize("kind", ["lhs", "sobol"])
@pytest.mark.parametrize("samples", [0, -1, 2.5, True, False, "4", None, [4]])
def test_samples_must_be_a_positive_whole_number(kind: str, samples: Any) -> None:
    section = {"kind": kind, "parameters": SAMPLED}
    if samples is not None:
        section["samples"] = samples
    build_error(section, "design.samples", "whole number ≥ 1", repr(samples))


@pytest.mark.parametrize("kind", ["grid", "lhs", "sobol"])
def test_unknown_parameter_suggests_the_closest(kind: str) -> None:
    section = {"kind": kind, "samples": 4, "parameters": {"cooperation.levl": [0.2, 0.4]}}
    if kind == "grid":
        del section["samples"]
    with pytest.raises(UserError) as info:
        build(section)
    line = info.value.line()
    assert info.value.source == SOURCE
    assert "cooperation.levl" in line
    assert "unknown parameter (did you mean 'cooperation.level'?)" in line


def test_unknown_parameter_key_is_its_path_in_the_file() -> None:
    build_error(grid(cooperation__levl=[0.2]), "design.parameters.cooperation.levl",
                "did you mean 'cooperation.level'")


def test_every_registry_number_parameter_can_be_sampled_over_its_bounds() -> None:
    numbers = {n: [p.low, p.high] for n, p in params.REGISTRY.items()
               if p.kind in (params.Kind.FLOAT, params.Kind.INT)
               and n not in designs.NOT_SWEEPABLE and p.low < p.high}
    design = lhs(4, parameters=numbers)
    for point in design.points:
        for name, (low, high) in numbers.items():
            assert low <= point.values[name] <= high
