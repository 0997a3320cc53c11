"""Sweep files: loading, seeding, scenario paths, ``--set``, fingerprints and bad input.

``load_sweep`` validates everything before any run starts (and runs nothing), so these
tests are fast. Bad sweep files given to ``stability-sim sweep FILE --dry-run`` must end
with exit code 2 and one line on stderr naming the file and the key, never a traceback.
"""

from __future__ import annotations

import copy
import itertools
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from click.testing import Result
from typer.testing import CliRunner

from stability_sim.cli.main import app
from stability_sim.config import SCENARIO_DIR
from stability_sim.errors import UserError
from stability_sim.experiments.spec import MAX_RUNS, Sweep, load_sweep

runner = CliRunner()
SWEEP_DIR = Path(__file__).resolve().parents[2] / "configs" / "sweeps"
SHIPPED = sorted(SWEEP_DIR.glob("*.yaml"))
BASELINE = str(SCENARIO_DIR / "baseline.yaml")

#: A small valid sweep (2 x 3 grid, 4 replications) on the shipped baseline.
GOOD: dict[str, Any] = {
    "name": "small",
    "description": "a small grid",
    "scenario": BASELINE,
    "months": 24,
    "seed": 42,
    "replications": 4,
    "set": {"grid": {"resolution": 0.5}, "jihadists.funds_effect": 0.7},
    "design": {
        "kind": "grid",
        "parameters": {
            "drawdown.residual_troops": [8000, 12000],
            "cooperation.level": [0.0, 0.5, 1.0],
        },
    },
}
DROP = object()


def invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


def assert_user_error(result: Result, *fragments: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    message = result.stderr.strip()
    assert message.startswith("error: ")
    assert "\n" not in message, message
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


def sweep_data(**changes: Any) -> dict[str, Any]:
    """GOOD with top-level keys replaced (or removed with ``DROP``)."""
    data = copy.deepcopy(GOOD)
    for key, value in changes.items():
        if value is DROP:
            del data[key]
        else:
            data[key] = value
    return data


def write(tmp_path: Path, content: dict[str, Any] | str | bytes,
          name: str = "sweep.yaml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, dict):
        path.write_text(yaml.safe_dump(content, sort_keys=False, allow_unicode=True))
    else:
        path.write_text(content)
    return path


def expected_points(design: dict[str, Any]) -> int:
    """Design points of a ``design`` section, computed from the file alone."""
    kind = design["kind"]
    if kind == "grid":
        return math.prod(len(v) for v in design["parameters"].values())
    if kind == "lhs":
        return design["samples"]
    if kind == "sobol":
        dims = len(design["parameters"])
        return design["samples"] * (2 * dims + 2 if design.get("second_order") else dims + 2)
    if kind == "exploratory":
        return (math.prod(len(v) for v in design["policies"].values())
                * design["worlds"]["samples"])
    assert kind == "scenarios"
    return len(design["scenarios"])


# --- shipped files ------------------------------------------------------------------------


def test_the_shipped_sweeps_are_there() -> None:
    assert {p.stem for p in SHIPPED} >= {"demo", "drawdown_x_cooperation", "scenarios",
                                         "sobol", "uncertainty_lhs"}


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_sweep_loads_with_expected_size(path: Path) -> None:
    data = yaml.safe_load(path.read_text())
    sweep = load_sweep(path)
    points = expected_points(data["design"])
    assert sweep.name == data["name"] == path.stem
    assert sweep.seed == data["seed"]
    assert sweep.replications == data["replications"]
    assert len(sweep.design.points) == len(sweep.bases) == points
    assert sweep.total_runs == points * data["replications"]
    assert sweep.design.kind == data["design"]["kind"]
    # Every run's scenario is complete and within the file's fixed settings.
    for run_id in (0, sweep.total_runs - 1):
        scenario = sweep.run(run_id).scenario
        assert scenario["months"] == data.get("months", 120)
        resolution = data.get("set", {}).get("grid", {}).get("resolution", 0.25)
        assert scenario["grid.resolution"] == resolution


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_sweep_dry_run(path: Path) -> None:
    data = yaml.safe_load(path.read_text())
    total = expected_points(data["design"]) * data["replications"]
    result = invoke("sweep", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "dry run" in result.stdout
    assert re.search(rf"\bruns\b\W+{total:,}\b", result.stdout), result.stdout
    assert data["name"] in result.stdout
    assert result.stderr == ""
    if data["design"]["kind"] == "grid":  # levels listed in the file's order
        for values in data["design"]["parameters"].values():
            assert f"levels: {', '.join(map(str, values))}" in " ".join(result.stdout.split())


# --- runs and seeds -----------------------------------------------------------------------


def test_run_seeds_are_the_master_seeds_children() -> None:
    sweep = load_sweep(SWEEP_DIR / "demo.yaml")
    children = np.random.SeedSequence(sweep.seed).spawn(sweep.total_runs)
    for i, child in enumerate(children):
        run = sweep.run(i)
        assert run.run_id == i
        assert run.seed.spawn_key == child.spawn_key == (i,)
        assert run.seed.entropy == sweep.seed
        assert np.array_equal(run.seed.generate_state(4), child.generate_state(4))
        assert run.point_id == i // sweep.replications
        assert run.replicate == i % sweep.replications
    states = {tuple(sweep.run(i).seed.generate_state(4)) for i in range(sweep.total_runs)}
    assert len(states) == sweep.total_runs


def test_runs_iterates_in_id_order_and_skips() -> None:
    sweep = load_sweep(SWEEP_DIR / "demo.yaml")
    assert [r.run_id for r in sweep.runs()] == list(range(sweep.total_runs))
    assert [r.run_id for r in sweep.runs(skip={0, 5, 89})] == [
        i for i in range(sweep.total_runs) if i not in {0, 5, 89}]


def test_run_scenario_carries_point_values_set_and_months(tmp_path: Path) -> None:
    sweep = load_sweep(write(tmp_path, GOOD))
    levels = GOOD["design"]["parameters"]
    combos = list(itertools.product(*levels.values()))
    assert sweep.total_runs == len(combos) * 4
    for run in sweep.runs():
        troops, level = combos[run.point_id]
        scenario = run.scenario
        assert scenario["drawdown.residual_troops"] == troops
        assert scenario["cooperation.level"] == level
        assert scenario["cooperation.nato_link"] == pytest.approx(level**2)  # derived
        assert scenario["months"] == 24  # the sweep's months, not the scenario's 120
        assert scenario["grid.resolution"] == 0.5
        assert scenario["jihadists.funds_effect"] == 0.7
        assert scenario["drawdown.preset"] == "isaf_2014_plan"  # from the base scenario
        assert sweep.point_values(run.point_id) == {
            "drawdown.residual_troops": troops, "cooperation.level": level}


def test_the_same_run_is_the_same_whatever_asked_before(tmp_path: Path) -> None:
    sweep = load_sweep(write(tmp_path, GOOD))
    late = sweep.run(17)
    list(sweep.runs())
    again = sweep.run(17)
    assert again.scenario.values == late.scenario.values
    assert np.array_equal(again.seed.generate_state(4), late.seed.generate_state(4))


def test_months_default_to_the_scenarios(tmp_path: Path) -> None:
    sweep = load_sweep(write(tmp_path, sweep_data(months=DROP)))
    assert sweep.run(0).scenario["months"] == 120


def test_scenarios_design_uses_each_points_scenario_file() -> None:
    sweep = load_sweep(SWEEP_DIR / "scenarios.yaml")
    by_label = {p.label: i for i, p in enumerate(sweep.design.points)}
    assert list(by_label) == ["baseline", "full_withdrawal", "no_drawdown", "high_cooperation"]
    presets = {label: sweep.run(i * sweep.replications).scenario["drawdown.preset"]
               for label, i in by_label.items()}
    assert presets == {"baseline": "isaf_2014_plan", "full_withdrawal": "full_withdrawal",
                       "no_drawdown": "no_drawdown", "high_cooperation": "isaf_2014_plan"}
    cooperation = sweep.run(by_label["high_cooperation"] * sweep.replications).scenario
    assert cooperation["cooperation.level"] == 0.8
    for i in range(len(sweep.design.points)):
        scenario = sweep.run(i * sweep.replications).scenario
        assert scenario["grid.resolution"] == 0.5  # the sweep's set reaches every file
        assert sweep.point_values(i)["scenario"] == sweep.design.points[i].label


def test_scenarios_design_point_set_overrides_the_sweep_set(tmp_path: Path) -> None:
    design = {"kind": "scenarios", "scenarios": [
        {"name": "low", "set": {"cooperation": {"level": 0.1}}},
        {"name": "base"},
        {"name": "short", "set": {"months": 6}},
    ]}
    sweep = load_sweep(write(tmp_path, sweep_data(design=design, replications=2)))
    assert sweep.total_runs == 6
    assert [sweep.run(i).scenario["cooperation.level"] for i in (0, 2, 4)] == [0.1, 0.25, 0.25]
    assert [sweep.run(i).scenario["months"] for i in (0, 2, 4)] == [24, 24, 6]
    assert sweep.point_values(0) == {"scenario": "low", "cooperation.level": 0.1,
                                     "months": 24}


# --- scenario paths -----------------------------------------------------------------------

OWN_BASE = "name: own_base\nmonths: 36\ncooperation:\n  level: 0.6\n"


def test_scenario_path_is_relative_to_the_sweep_file(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, OWN_BASE, "configs/scenarios/own.yaml")
    write(tmp_path, "name: other\ndrawdown:\n  preset: no_drawdown\n",
          "configs/scenarios/other.yaml")
    design = {"kind": "scenarios", "scenarios": [
        {"name": "own"}, {"name": "other", "scenario": "../scenarios/other.yaml"}]}
    path = write(tmp_path, sweep_data(scenario="../scenarios/own.yaml", months=DROP,
                                      design=design), "configs/sweeps/s.yaml")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    sweep = load_sweep(path)
    own, other = sweep.run(0).scenario, sweep.run(sweep.replications).scenario
    assert own["cooperation.level"] == 0.6 and own["months"] == 36
    assert other["drawdown.preset"] == "no_drawdown" and other["months"] == 120
    assert Path(sweep.bases[0].source).resolve() == tmp_path / "configs/scenarios/own.yaml"


def test_scenario_path_falls_back_to_the_working_folder(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, OWN_BASE, "work/own.yaml")
    path = write(tmp_path, sweep_data(scenario="own.yaml", months=DROP), "sweeps/s.yaml")
    monkeypatch.chdir(tmp_path / "work")
    assert load_sweep(path).run(0).scenario["months"] == 36


def test_missing_scenario_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, sweep_data(scenario="nowhere.yaml"), "sweeps/s.yaml")
    with pytest.raises(UserError) as info:
        load_sweep(path)
    assert info.value.source == str(path)
    assert info.value.key == "scenario"
    assert "'nowhere.yaml'" in info.value.message


def test_missing_point_scenario_file(tmp_path: Path) -> None:
    design = {"kind": "scenarios", "scenarios": [
        {"name": "a"}, {"name": "b", "scenario": "gone.yaml"}]}
    path = write(tmp_path, sweep_data(design=design))
    with pytest.raises(UserError) as info:
        load_sweep(path)
    assert info.value.source == str(path)
    assert info.value.key == "design.scenarios[1].scenario"
    assert "'gone.yaml'" in info.value.message


def test_error_in_the_scenario_file_names_that_file(tmp_path: Path) -> None:
    scenario = write(tmp_path, "name: broken\ncooperation:\n  level: 3\n", "broken.yaml")
    path = write(tmp_path, sweep_data(scenario="broken.yaml"))
    assert_user_error(invoke("sweep", str(path), "--dry-run"),
                      f"{scenario}: cooperation.level:", "out of bounds")


# --- --set --------------------------------------------------------------------------------


def test_set_overrides_reach_every_run(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    sweep = load_sweep(path, ["jihadists.funds_effect=0.9", "months=12",
                              "drawdown.preset=no_drawdown"])
    assert sweep.overrides == ("jihadists.funds_effect=0.9", "months=12",
                               "drawdown.preset=no_drawdown")
    for run in sweep.runs():
        assert run.scenario["jihadists.funds_effect"] == 0.9  # beats the file's set
        assert run.scenario["months"] == 12  # beats the file's months
        assert run.scenario["drawdown.preset"] == "no_drawdown"
    result = invoke("sweep", str(path), "--dry-run", "--set", "months=12")
    assert result.exit_code == 0, result.output
    assert re.search(r"\bmonths\b\W+12\b", result.stdout)


@pytest.mark.parametrize("option", ["cooperation.level=0.3", "drawdown.residual_troops=9000"])
def test_set_of_a_swept_parameter_is_refused(tmp_path: Path, option: str) -> None:
    path = write(tmp_path, GOOD)
    name = option.partition("=")[0]
    with pytest.raises(UserError) as info:
        load_sweep(path, [option])
    assert name in info.value.line()
    assert "varied by the design" in info.value.message
    assert_user_error(invoke("sweep", str(path), "--dry-run", "--set", option),
                      f"--set {name}", "varied by the design")


def test_set_of_a_parameter_a_scenario_point_sets_is_refused(tmp_path: Path) -> None:
    design = {"kind": "scenarios", "scenarios": [
        {"name": "a", "set": {"cooperation.level": 0.1}}, {"name": "b"}]}
    path = write(tmp_path, sweep_data(design=design))
    with pytest.raises(UserError, match="varied by the design"):
        load_sweep(path, ["cooperation.level=0.3"])


def test_set_seed_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    with pytest.raises(UserError) as info:
        load_sweep(path, ["seed=3"])
    assert info.value.key == "seed"
    assert info.value.source == "--set"
    assert_user_error(invoke("sweep", str(path), "--dry-run", "--set", "seed=3"),
                      "--set", "seed", "master seed")


@pytest.mark.parametrize(("option", "fragments"), [
    ("cooperation.levl=0.3", ["--set cooperation.levl=0.3", "did you mean"]),
    ("jihadists.funds_effect", ["expected key=value"]),
    ("jihadists.funds_effect=99", ["jihadists.funds_effect", "out of bounds"]),
    ("months=0", ["months", "out of bounds"]),
])
def test_bad_set_option(tmp_path: Path, option: str, fragments: list[str]) -> None:
    path = write(tmp_path, GOOD)
    assert_user_error(invoke("sweep", str(path), "--dry-run", "--set", option), *fragments)


# --- fingerprint --------------------------------------------------------------------------


def fingerprint(tmp_path: Path, content: dict[str, Any] | str, overrides: tuple[str, ...] = (),
                name: str = "fp.yaml") -> str:
    return load_sweep(write(tmp_path, content, name), overrides).fingerprint()


def test_fingerprint_is_stable_and_ignores_comments_and_description(tmp_path: Path) -> None:
    text = yaml.safe_dump(GOOD, sort_keys=False)
    reference = fingerprint(tmp_path, text)
    assert re.fullmatch(r"[0-9a-f]{64}", reference)
    assert fingerprint(tmp_path, text, name="again.yaml") == reference
    commented = "# a comment\n" + text.replace("replications: 4", "replications: 4  # per point")
    assert fingerprint(tmp_path, commented, name="commented.yaml") == reference
    assert fingerprint(tmp_path, sweep_data(description="something else entirely"),
                       name="described.yaml") == reference
    assert fingerprint(tmp_path, sweep_data(description=DROP), name="bare.yaml") == reference


def changed_design() -> dict[str, Any]:
    design = copy.deepcopy(GOOD["design"])
    design["parameters"]["cooperation.level"] = [0.0, 0.5, 0.9]
    return design


@pytest.mark.parametrize(("case", "changes", "overrides"), [
    ("design levels", {"design": changed_design()}, ()),
    ("design kind", {"design": {"kind": "lhs", "samples": 6, "parameters": {
        "drawdown.residual_troops": [8000, 12000], "cooperation.level": [0.0, 1.0]}}}, ()),
    ("seed", {"seed": 43}, ()),
    ("replications", {"replications": 5}, ()),
    ("months", {"months": 25}, ()),
    ("file set", {"set": {"grid": {"resolution": 0.5}, "jihadists.funds_effect": 0.8}}, ()),
    ("scenario", {"scenario": str(SCENARIO_DIR / "high_cooperation.yaml")}, ()),
    ("--set", {}, ("jihadists.funds_effect=0.8",)),
    ("--set months", {}, ("months=25",)),
])
def test_fingerprint_changes_with_what_decides_results(
        tmp_path: Path, case: str, changes: dict[str, Any], overrides: tuple[str, ...]) -> None:
    reference = fingerprint(tmp_path, GOOD)
    assert fingerprint(tmp_path, sweep_data(**changes), overrides, "changed.yaml") != reference


def test_lhs_fingerprint_follows_the_seed(tmp_path: Path) -> None:
    design = {"kind": "lhs", "samples": 6, "parameters": {"cooperation.level": [0.0, 1.0]}}
    one = load_sweep(write(tmp_path, sweep_data(design=design), "a.yaml"))
    two = load_sweep(write(tmp_path, sweep_data(design=design), "b.yaml"))
    other = load_sweep(write(tmp_path, sweep_data(design=design, seed=43), "c.yaml"))
    assert one.fingerprint() == two.fingerprint() != other.fingerprint()
    assert one.design.points == two.design.points != other.design.points


# --- bad sweep files through the CLI ------------------------------------------------------


def case(name: str, content: dict[str, Any] | str | bytes, key: str | None,
         *fragments: str) -> Any:
    return pytest.param(content, key, list(fragments), id=name)


def too_many_runs() -> dict[str, Any]:
    points = MAX_RUNS // 100_000 + 1
    design = {"kind": "grid", "parameters": {
        "drawdown.residual_troops": [8000 + i for i in range(points)]}}
    return sweep_data(design=design, replications=100_000)


BAD_SWEEPS = [
    case("empty", "", None, "empty file"),
    case("only comments", "# nothing here\n", None, "empty file"),
    case("list", "- name: x\n- seed: 1\n", None, "expected a mapping"),
    case("scalar", "just some text\n", None, "expected a mapping"),
    case("malformed", "name: x\nseed: [1\n", None, "line ", "malformed YAML"),
    case("bad indent", "name: x\n seed: 1\nfoo: : :\n", None, "line 2", "malformed YAML"),
    case("python tag", "name: x\nseed: !!python/object/apply:os.system ['echo hi']\n", None,
         "line 2", "unsupported YAML tag"),
    case("python object", "name: !!python/object:pathlib.Path {}\n", None,
         "unsupported YAML tag"),
    case("anchor", "name: &n x\nscenario: *n\n", None, "anchors and aliases"),
    case("binary", b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", None, "UTF-8"),
    case("nul bytes", b"name: x\x00\nseed: 1\n", None, "NUL"),
    case("unknown key", {**GOOD, "replication": 4}, "replication",
         "unknown key", "did you mean 'replications'"),
    case("unknown key typo", {**GOOD, "sed": 4}, "sed", "did you mean 'seed'"),
    *(case(f"missing {key}", sweep_data(**{key: DROP}), key, "missing key")
      for key in ("name", "scenario", "seed", "replications", "design")),
    case("name with space", sweep_data(name="My Sweep"), "name", "[a-z0-9_-]", "'My Sweep'"),
    case("name a number", sweep_data(name=5), "name", "[a-z0-9_-]"),
    case("name too long", sweep_data(name="x" * 65), "name", "1-64 characters"),
    case("description not text", sweep_data(description=["a"]), "description",
         "expected text"),
    case("scenario not a path", sweep_data(scenario=5), "scenario", "path of a scenario"),
    case("scenario blank", sweep_data(scenario="  "), "scenario", "path of a scenario"),
    case("scenario missing", sweep_data(scenario="no/such/file.yaml"), "scenario",
         "'no/such/file.yaml'"),
    case("seed negative", sweep_data(seed=-1), "seed", "out of bounds"),
    case("seed text", sweep_data(seed="abc"), "seed", "expected a number"),
    case("replications 0", sweep_data(replications=0), "replications",
         "whole number in [1, 100000]", "got 0"),
    case("replications text", sweep_data(replications="x"), "replications",
         "whole number in [1, 100000]", "'x'"),
    case("replications fraction", sweep_data(replications=2.5), "replications",
         "whole number"),
    case("replications bool", sweep_data(replications=True), "replications", "whole number"),
    case("replications 10**9", sweep_data(replications=10**9), "replications",
         "[1, 100000]", "1000000000"),
    case("too many runs", too_many_runs(), "design.parameters", "runs", "1,100,000",
         "1,000,000 allowed"),
    # Refused from the sample count alone, before a 15 GiB design would be generated.
    case("huge lhs", sweep_data(replications=1, design={
        "kind": "lhs", "samples": 10**9, "parameters": {"cooperation.level": [0, 1],
                                                        "attacks.base_rate": [0, 0.01]}}),
         "design.samples", "1,000,000,000 runs", "1,000,000 allowed"),
    case("huge sobol", sweep_data(replications=1, design={
        "kind": "sobol", "samples": 2**20, "parameters": {"cooperation.level": [0, 1]}}),
         "design.samples", "3,145,728 runs"),
    case("months 0", sweep_data(months=0), "months", "out of bounds [1, 600]"),
    case("months 601", sweep_data(months=601), "months", "out of bounds [1, 600]"),
    case("months text", sweep_data(months="long"), "months", "expected a number"),
    case("set unknown parameter", sweep_data(set={"cooperation": {"levl": 0.5}}),
         "set.cooperation.levl", "did you mean 'cooperation.level'"),
    case("set unknown dotted", sweep_data(set={"jihadists.fund_effect": 0.5}),
         "set.jihadists.fund_effect", "unknown key"),
    case("set out of bounds", sweep_data(set={"cooperation.level": 2}),
         "set.cooperation.level", "out of bounds"),
    case("set not a mapping", sweep_data(set=5), "set", "expected a mapping"),
    case("set seed", sweep_data(set={"seed": 7}), "seed", "master seed"),
    case("design not a mapping", sweep_data(design="grid"), "design", "'kind'"),
    case("design unknown kind", sweep_data(design={"kind": "random"}), "design.kind",
         "grid, lhs, sobol, scenarios"),
    case("design bad level", sweep_data(design={"kind": "grid", "parameters": {
        "cooperation.level": [0.5, 1.5]}}), "design.parameters.cooperation.level",
         "out of bounds"),
    case("design sobol samples", sweep_data(design={"kind": "sobol", "samples": 10,
                                                    "parameters": {"cooperation.level": [0, 1]}}),
         "design.samples", "power of two"),
]


@pytest.mark.parametrize(("content", "key", "fragments"), BAD_SWEEPS)
def test_bad_sweep_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                        content: dict[str, Any] | str | bytes, key: str | None,
                        fragments: list[str]) -> None:
    monkeypatch.chdir(tmp_path)  # relative scenario paths must not find the repository's
    path = write(tmp_path, content)
    message = assert_user_error(invoke("sweep", str(path), "--dry-run"), *fragments)
    where = f"error: {path}: {key}: " if key else f"error: {path}: "
    assert message.startswith(where), message


def test_missing_and_folder_sweep_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    assert_user_error(invoke("sweep", str(missing), "--dry-run"), f"{missing}: no such file")
    assert_user_error(invoke("sweep", str(tmp_path), "--dry-run"),
                      f"{tmp_path}: not a regular file")


def test_name_with_trailing_newline_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, sweep_data(name="demo\n"))
    with pytest.raises(UserError) as info:
        load_sweep(path)
    assert info.value.key == "name"


def test_load_sweep_returns_a_sweep_with_the_raw_file(tmp_path: Path) -> None:
    sweep = load_sweep(write(tmp_path, GOOD))
    assert isinstance(sweep, Sweep)
    assert sweep.raw == GOOD
    assert sweep.description == "a small grid"
    assert sweep.source == str(tmp_path / "sweep.yaml")
