"""Ensemble statistics against answers known by hand or from theory."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from stability_sim.analysis import (
    bootstrap_difference,
    compare,
    contrasts,
    event_grid,
    groups,
    ok_runs,
    summarise,
    wilson_interval,
    within,
)
from stability_sim.errors import UserError
from tests.analysis.conftest import synthetic

GRID = {"kind": "grid", "parameters": ["drawdown.residual_troops", "cooperation.level"],
        "points": [[8000, 0.25], [8000, 0.8], [12000, 0.25], [12000, 0.8]]}


def test_wilson_interval_known_values() -> None:
    # Wilson (1927): 8 of 10 → [0.4902, 0.9433]; 0 of 10 → [0, z²/(n+z²)] = [0, 0.2775].
    low, high = wilson_interval(np.array([8, 0, 10]), np.array([10, 10, 10]))
    assert low == pytest.approx([0.4902, 0.0, 0.7225], abs=1e-4)
    assert high == pytest.approx([0.9433, 0.2775, 1.0], abs=1e-4)
    low, high = wilson_interval(3, 0)
    assert np.isnan(low) and np.isnan(high)
    narrow = wilson_interval(8, 10, confidence=0.5)
    assert narrow[0] > 0.4902 and narrow[1] < 0.9433


def test_bootstrap_interval_covers_a_known_difference() -> None:
    rng = np.random.default_rng(1)
    covered = 0
    for _ in range(40):
        a, b = rng.normal(0.0, 1.0, 150), rng.normal(0.5, 1.0, 150)
        diff, low, high = bootstrap_difference(a, b, n_resamples=1000)
        assert low < diff < high
        assert diff == pytest.approx(b.mean() - a.mean())
        covered += low <= 0.5 <= high
    assert covered >= 34  # nominal 95%: 38 of 40; 34 allows for the bootstrap's slack
    a, b = rng.normal(0.0, 1.0, 400), rng.normal(1.0, 1.0, 400)
    assert bootstrap_difference(a, b)[1] > 0.0  # a clear difference excludes zero


def test_bootstrap_is_reproducible_and_handles_degenerate_samples() -> None:
    a, b = np.arange(20.0), np.arange(20.0) + 3
    assert bootstrap_difference(a, b) == bootstrap_difference(a, b)
    diff, low, high = bootstrap_difference(np.zeros(10), np.zeros(10))
    assert diff == 0 and np.isnan(low) and np.isnan(high)
    assert np.isnan(bootstrap_difference(np.array([]), b)[0])
    # An event that never happens in one group still gets an interval (percentile method).
    diff, low, high = bootstrap_difference(np.zeros(30), np.r_[np.ones(15), np.zeros(15)])
    assert diff == 0.5 and 0.25 < low < 0.5 < high < 0.75


def test_compare_uses_fisher_for_events_and_mann_whitney_for_numbers() -> None:
    a = pd.DataFrame({"destabilized_tjk": [True] + [False] * 9,
                      "attacks_central_asia_total": [1.0, 2.0, 3.0] + [np.nan] * 7})
    b = pd.DataFrame({"destabilized_tjk": [True] * 9 + [False],
                      "attacks_central_asia_total": [4.0, 5.0, 6.0] + [np.nan] * 7})
    table = compare(a, b, ["destabilized_tjk", "attacks_central_asia_total"],
                    labels=("low", "high")).set_index("outcome")
    event = table.loc["destabilized_tjk"]
    assert (event["value_a"], event["value_b"], event["difference"]) == (0.1, 0.9, 0.8)
    assert event["test"] == "Fisher exact"
    # Two-sided Fisher p for [[1, 9], [9, 1]]: the hypergeometric tables at least as
    # extreme (1 or fewer, 9 or more successes in a) out of C(20, 10).
    tail = sum(math.comb(10, k) * math.comb(10, 10 - k) for k in (0, 1, 9, 10))
    assert event["p_value"] == pytest.approx(tail / math.comb(20, 10))
    num = table.loc["attacks_central_asia_total"]
    assert num["test"] == "Mann-Whitney U" and (num["n_a"], num["n_b"]) == (3, 3)
    assert num["difference"] == 3.0
    assert num["p_value"] == pytest.approx(0.1)  # exact: U = 0, 2 of the 20 orderings


def _grid_results():
    # 4 points × 10 replicates; destabilisation falls with troops and with cooperation.
    prob = {0: 0.8, 1: 0.4, 2: 0.5, 3: 0.1}
    rows = {"point_id": [], "replicate": [], "drawdown.residual_troops": [],
            "cooperation.level": [], "destabilized_tjk": [], "attacks_central_asia_total": [],
            "first_destabilized_month_central_asia": []}
    for point, (troops, level) in enumerate(GRID["points"]):
        hits = round(prob[point] * 10)
        for r in range(10):
            rows["point_id"].append(point)
            rows["replicate"].append(r)
            rows["drawdown.residual_troops"].append(troops)
            rows["cooperation.level"].append(level)
            rows["destabilized_tjk"].append(r < hits)
            rows["attacks_central_asia_total"].append(float(10 * point + r))
            rows["first_destabilized_month_central_asia"].append(12 * (r + 1) if r < hits
                                                                 else None)
    return synthetic(GRID, rows)


def test_summarise_groups_by_design_point() -> None:
    results = _grid_results()
    table = summarise(results, ["destabilized_tjk", "attacks_central_asia_total",
                                "first_destabilized_month_central_asia",
                                "destabilized_central_asia"])
    assert table["group"].nunique() == 4 and (table["n"] == 10).all()
    row = table[(table["group"] == "residual_troops=8000, level=0.25")].set_index("outcome")
    assert row.loc["destabilized_tjk", "probability"] == 0.8
    low, high = wilson_interval(8, 10)
    assert (row.loc["destabilized_tjk", "ci_low"], row.loc["destabilized_tjk", "ci_high"]) \
        == (float(low), float(high))
    attacks = row.loc["attacks_central_asia_total"]
    assert (attacks["mean"], attacks["median"]) == (4.5, 4.5)
    assert attacks["p5"] == pytest.approx(np.percentile(np.arange(10), 5))
    month = row.loc["first_destabilized_month_central_asia"]
    assert month["share"] == 0.8 and month["mean"] == 54.0  # months 12..96
    # Derived event: a first Central Asian destabilisation happened at all.
    assert row.loc["destabilized_central_asia", "probability"] == 0.8


def test_groups_by_parameter_and_unknown_grouping() -> None:
    results = _grid_results()
    runs = ok_runs(results)
    by_level = groups(results, runs, "cooperation.level")
    assert list(by_level.cat.categories) == ["level=0.25", "level=0.8"]
    assert groups(results, runs, "all").eq("all").all()
    with pytest.raises(UserError, match="not a swept parameter"):
        groups(results, runs, "jihadists.recovery_months")


def test_contrasts_of_a_grid_are_main_effects() -> None:
    table = contrasts(_grid_results(), ["destabilized_tjk"])
    assert list(table["a"]) == ["residual_troops=8000", "level=0.25"]
    assert list(table["b"]) == ["residual_troops=12000", "level=0.8"]
    troops = table.iloc[0]
    assert (troops["value_a"], troops["value_b"]) == (0.6, 0.3)  # (8+4)/20, (5+1)/20
    assert troops["difference"] == pytest.approx(-0.3)


def test_event_grid_counts_and_bins() -> None:
    table = event_grid(_grid_results(), "destabilized_tjk")
    assert table.attrs["x"] == "drawdown.residual_troops"
    cell = table[(table["x"] == 12000) & (table["y"] == 0.8)].iloc[0]
    assert (cell["n"], cell["k"], cell["probability"]) == (10, 1, 0.1)
    # An LHS: continuous values are cut into equal-width bins labelled by their midpoints.
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0, 1, 400), rng.uniform(0, 10, 400)
    lhs = {"kind": "lhs", "parameters": ["cooperation.level", "jihadists.funds_effect"],
           "ranges": {"cooperation.level": [0, 1], "jihadists.funds_effect": [0, 10]},
           "points": np.c_[x, y].tolist()}
    results = synthetic(lhs, {"point_id": range(400), "cooperation.level": x,
                              "jihadists.funds_effect": y, "destabilized_tjk": x > 0.5})
    table = event_grid(results, "destabilized_tjk", bins=4)
    assert sorted(table["x"].unique()) == [0.125, 0.375, 0.625, 0.875]
    assert table["n"].sum() == 400
    assert set(table.loc[table["x"] > 0.5, "probability"]) == {1.0}
    with pytest.raises(UserError, match="not an event"):
        event_grid(results, "attacks_central_asia_total")
    with pytest.raises(UserError, match="unknown outcome"):
        event_grid(results, "destabilised_tjk")


def test_event_grid_of_an_event_of_ones_own() -> None:
    results = _grid_results()
    runs = ok_runs(results)
    many = (runs["attacks_central_asia_total"] >= 25).rename("25+ attacks")
    table = event_grid(results, many)
    assert table.attrs["event"] == "25+ attacks"
    # Points 0..3 have attacks 10p..10p+9: none, none, 5 of 10, all at or above 25.
    assert list(table.sort_values(["x", "y"])["k"]) == [0, 0, 5, 10]
    with pytest.raises(UserError, match="boolean Series"):
        event_grid(results, runs["attacks_central_asia_total"])


def test_within_counts_only_events_before_the_cutoff() -> None:
    runs = pd.DataFrame({"first_destabilized_month_tjk": [12, 60, 61, None]})
    assert list(within(runs, "first_destabilized_month_tjk", 60)) == [True, True, False, False]


def test_failed_runs_are_left_out() -> None:
    results = _grid_results()
    results.runs.loc[:4, "status"] = "failed"
    assert len(ok_runs(results)) == 35
    table = summarise(results, ["destabilized_tjk"])
    assert table["n"].tolist() == [5, 10, 10, 10]


def test_contrasts_of_scenarios_compare_each_with_the_first() -> None:
    design = {"kind": "scenarios", "parameters": [],
              "points": [{"label": name, "scenario": None, "set": {}}
                         for name in ("baseline", "full_withdrawal", "high_cooperation")]}
    results = synthetic(design, {"point_id": [0, 0, 1, 1, 2, 2],
                                 "scenario": ["baseline"] * 2 + ["full_withdrawal"] * 2
                                 + ["high_cooperation"] * 2,
                                 "incursions_total": [1.0, 3.0, 5.0, 7.0, 0.0, 2.0]})
    results.manifest["columns"]["parameters"] = ["scenario"]
    table = contrasts(results, ["incursions_total"])
    assert list(zip(table["a"], table["b"], table["difference"], strict=True)) == [
        ("baseline", "full_withdrawal", 4.0), ("baseline", "high_cooperation", -1.0)]
