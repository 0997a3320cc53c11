"""The ``exploratory`` design: every policy (a grid of levers) meets every sampled world.

Policies must be levers and worlds uncertainties, as the registry tags them; each point
records its policy and world, worlds outermost, and every mistake is one line naming the
file and key.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from stability_sim.errors import UserError
from stability_sim.experiments import designs

SOURCE = "s.yaml"
POLICIES = {"drawdown.residual_troops": [0, 10000], "cooperation.level": [0.25, 0.5, 0.8]}
WORLDS = {"kind": "lhs", "samples": 7,
          "parameters": {"jihadists.repression_backlash": [0.0, 10.0],
                         "csto.mandate_window": [1, 24]}}


def build(policies: Any = None, worlds: Any = None, seed: int = 3, **extra: Any
          ) -> designs.Design:
    section = {"kind": "exploratory", "policies": POLICIES if policies is None else policies,
               "worlds": WORLDS if worlds is None else worlds, **extra}
    return designs.build(section, seed=seed, source=SOURCE)


def test_every_policy_meets_every_world_worlds_outermost() -> None:
    d = build()
    assert d.kind == "exploratory"
    assert len(d.points) == 6 * 7
    assert d.info["policies"] == 6 and d.info["worlds"] == 7
    assert [p.policy for p in d.points[:6]] == list(range(6))
    assert {p.world for p in d.points[:6]} == {0}
    pairs = {(p.policy, p.world) for p in d.points}
    assert pairs == {(i, j) for i in range(6) for j in range(7)}
    # A world's values are the same for every policy; a policy's the same in every world.
    for j in range(7):
        rows = [p for p in d.points if p.world == j]
        assert len({p.values["jihadists.repression_backlash"] for p in rows}) == 1
    for i in range(6):
        rows = [p for p in d.points if p.policy == i]
        assert len({(p.values["drawdown.residual_troops"], p.values["cooperation.level"])
                    for p in rows}) == 1
    assert d.parameters == ("drawdown.residual_troops", "cooperation.level",
                            "jihadists.repression_backlash", "csto.mandate_window")


def test_worlds_are_a_latin_hypercube_reproducible_from_the_seed() -> None:
    a, b, c = build(seed=3), build(seed=3), build(seed=4)
    world = [p.values["jihadists.repression_backlash"] for p in a.points if p.policy == 0]
    assert world == [p.values["jihadists.repression_backlash"] for p in b.points
                     if p.policy == 0]
    assert world != [p.values["jihadists.repression_backlash"] for p in c.points
                     if p.policy == 0]
    # One world in each seventh of the range.
    assert sorted(np.floor(np.array(world) / 10.0 * 7).astype(int)) == list(range(7))
    windows = [p.values["csto.mandate_window"] for p in a.points]
    assert all(isinstance(w, int) and 1 <= w <= 24 for w in windows)


def test_sobol_worlds_need_a_power_of_two() -> None:
    d = build(worlds={**WORLDS, "kind": "sobol", "samples": 8})
    assert d.info["worlds"] == 8
    with pytest.raises(UserError, match="power of two"):
        build(worlds={**WORLDS, "kind": "sobol", "samples": 6})


def test_the_json_records_each_points_policy_and_world() -> None:
    record = build().to_json()
    assert record["point_policy"][:7] == [0, 1, 2, 3, 4, 5, 0]
    assert record["point_world"][:7] == [0, 0, 0, 0, 0, 0, 1]
    assert len(record["points"]) == 42


ERRORS = [
    ("an uncertainty as a policy", {"jihadists.repression_backlash": [1.0, 2.0]}, None,
     "design.policies.jihadists.repression_backlash", "an uncertainty: put it under "
     "design.worlds"),
    ("a lever as a world", None, {**WORLDS, "parameters": {"cooperation.level": [0, 1]}},
     "design.worlds.parameters.cooperation.level", "a lever: put it under design.policies"),
    ("a setting as a world", None, {**WORLDS, "parameters": {"months": [12, 24]}},
     "design.worlds.parameters.months", "run setting"),
    ("no worlds", None, 5, "design.worlds", "expected a mapping"),
    ("bad world kind", None, {**WORLDS, "kind": "grid"}, "design.worlds.kind",
     "one of lhs, sobol, posterior"),
    ("unknown world key", None, {**WORLDS, "sample": 3}, "design.worlds.sample",
     "unknown key"),
    ("no samples", None, {"kind": "lhs", "parameters": WORLDS["parameters"]},
     "design.worlds.samples", "whole number"),
    ("bad range", None, {**WORLDS, "parameters": {"jihadists.repression_backlash": [5, 1]}},
     "design.worlds.parameters.jihadists.repression_backlash", "low < high"),
    ("policy out of bounds", {"cooperation.level": [0.5, 1.5]}, None,
     "design.policies.cooperation.level", "out of bounds"),
    ("unknown policy", {"cooperation.levl": [0.5]}, None, "design.policies.cooperation.levl",
     "did you mean"),
]


@pytest.mark.parametrize(("case", "policies", "worlds", "key", "fragment"), ERRORS,
                         ids=[e[0] for e in ERRORS])
def test_bad_exploratory_designs_are_one_line(case: str, policies: Any, worlds: Any,
                                               key: str, fragment: str) -> None:
    with pytest.raises(UserError) as info:
        build(policies, worlds)
    line = info.value.line()
    assert "\n" not in line and line.startswith(f"{SOURCE}: {key}: "), line
    assert fragment in line, line


def test_an_oversized_exploratory_design_is_refused_before_it_is_built() -> None:
    with pytest.raises(UserError, match="more than the 100 allowed"):
        designs.build({"kind": "exploratory", "policies": POLICIES, "worlds": WORLDS},
                      seed=1, source=SOURCE, replications=3, max_runs=100)


def test_worlds_can_be_drawn_from_a_calibrations_posterior(tmp_path) -> None:
    # Worlds from the posterior: its parameters must be uncertainties, drawn by weight.
    from tests.experiments.test_posterior_design import write_posterior

    backlash, rate = "jihadists.repression_backlash", "jihadists.imu.recruitment_rate"
    write_posterior(tmp_path / "calib", [
        {backlash: 2.0, rate: 0.1, "weight": 0.0, "generation": 1},
        {backlash: 7.0, rate: 0.5, "weight": 1.0, "generation": 1}],
        meta={"calibration": "toy", "parameters": [backlash, rate],
              "prior": {backlash: [0, 10], rate: [0, 1]}})
    section = {"kind": "exploratory", "policies": {"cooperation.level": [0.25, 0.8]},
               "worlds": {"kind": "posterior", "calibration": "calib", "samples": 3}}
    d = designs.build(section, seed=1, source=str(tmp_path / "s.yaml"))
    assert len(d.points) == 6 and d.info["world_kind"] == "posterior"
    assert {p.values[backlash] for p in d.points} == {7.0}  # weight 0 is never drawn
    # A posterior of levers is refused: worlds are uncertainties.
    write_posterior(tmp_path / "levers", [
        {"cooperation.level": 0.5, "weight": 1.0, "generation": 1}],
        meta={"calibration": "toy", "parameters": ["cooperation.level"],
              "prior": {"cooperation.level": [0, 1]}})
    section["policies"] = {"drawdown.residual_troops": [0, 10000]}
    section["worlds"]["calibration"] = "levers"
    with pytest.raises(UserError, match=r"a lever: put it under design\.policies"):
        designs.build(section, seed=1, source=str(tmp_path / "s.yaml"))
