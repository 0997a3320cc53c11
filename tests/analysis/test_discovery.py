"""Scenario discovery recovers a planted box; events parse, and refuse what is not one.

The synthetic table has six uniform inputs; the event happens exactly where
``u1 > 0.6 and u4 < 0.3`` (12 % of the runs). Any method that found another box, left
one of the two planted dimensions free or restricted a third would fail here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stability_sim.analysis import discovery
from stability_sim.analysis.events import check_varies, parse_event
from stability_sim.errors import UserError
from tests.analysis.conftest import synthetic

TOL = 0.05
LOW, HIGH = 0.6, 0.3


@pytest.fixture(scope="module")
def planted() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(20131123)
    x = pd.DataFrame(rng.uniform(size=(2000, 6)), columns=[f"u{i}" for i in range(6)])
    return x, ((x["u1"] > LOW) & (x["u4"] < HIGH)).to_numpy()


def test_prim_restricts_the_two_planted_dimensions_and_leaves_the_rest_free(planted) -> None:
    x, y = planted
    result = discovery.prim(x, y, resamples=5)
    assert set(result.limits.index) == {"u1", "u4"}
    assert result.limits.loc["u1", "min"] == pytest.approx(LOW, abs=TOL)
    assert result.limits.loc["u4", "max"] == pytest.approx(HIGH, abs=TOL)
    assert result.coverage >= 0.9 and result.density >= 0.9
    assert result.base_rate == pytest.approx(y.mean())
    # Quasi-p-values of the restricted sides are tiny; the free sides have none.
    assert result.limits.loc["u1", "qp_lower"] < 1e-10
    assert np.isnan(result.limits.loc["u1", "qp_upper"])
    # Half-samples restrict the same two dimensions, and no other, in most resamples.
    assert (result.stability.loc[["u1", "u4"], "reproduce coverage"] >= 80).all()
    assert (result.stability.drop(["u1", "u4"])["reproduce coverage"] <= 20).all()


def test_prim_trajectory_trades_coverage_for_density(planted) -> None:
    x, y = planted
    t = discovery.prim(x, y, resamples=0).tradeoff
    assert t.loc[0, "coverage"] == 1.0 and t.loc[0, "density"] == pytest.approx(y.mean())
    assert (np.diff(t["mass"]) <= 1e-12).all()  # nested boxes
    assert t["density"].iloc[-1] > 5 * t.loc[0, "density"]


def test_prim_chosen_box_follows_the_coverage_floor(planted) -> None:
    x, y = planted
    strict = discovery.prim(x, y, min_coverage=0.999, resamples=0)
    loose = discovery.prim(x, y, min_coverage=0.5, resamples=0)
    assert strict.coverage >= 0.999
    assert loose.density >= strict.density
    fixed = discovery.prim(x, y, box=0, resamples=0)
    assert fixed.chosen == 0 and fixed.limits.empty and fixed.coverage == 1.0


def test_prim_finds_a_category_and_a_number() -> None:
    rng = np.random.default_rng(1)
    x = pd.DataFrame({"u": rng.uniform(size=1500),
                      "policy": rng.choice(["a", "b", "c"], size=1500),
                      "v": rng.uniform(size=1500)})
    y = ((x["policy"] == "b") & (x["u"] > 0.5)).to_numpy()
    result = discovery.prim(x, y, resamples=0)
    assert set(result.limits.index) == {"u", "policy"}
    assert result.limits.loc["policy", "values"] == "b"
    assert result.limits.loc["u", "min"] == pytest.approx(0.5, abs=TOL)


def test_cart_leaf_is_the_planted_box(planted) -> None:
    x, y = planted
    result = discovery.cart(x, y, min_coverage=0.5)
    limits = result.limits[result.chosen]
    assert set(limits.index) == {"u1", "u4"}
    assert limits.loc["u1", "min"] == pytest.approx(LOW, abs=TOL)
    assert limits.loc["u4", "max"] == pytest.approx(HIGH, abs=TOL)
    assert result.density >= 0.95 and result.coverage >= 0.9
    assert result.leaves["mass"].sum() == pytest.approx(1.0)


def test_feature_scores_rank_the_planted_dimensions_first(planted) -> None:
    x, y = planted
    scores = discovery.feature_scores(x, y, seed=1)
    assert set(scores.index[:2]) == {"u1", "u4"}
    assert scores.sum() == pytest.approx(1.0)
    # A number driven by u2 alone is scored by regression.
    value = 3.0 * x["u2"].to_numpy() + np.random.default_rng(3).normal(0.0, 0.1, len(x))
    assert discovery.feature_scores(x, value, seed=1).index[0] == "u2"


def test_a_box_that_is_not_there_is_not_found() -> None:
    # The event is a coin flip independent of every input: the chosen box stays near
    # the whole space and its density near the base rate.
    rng = np.random.default_rng(2)
    x = pd.DataFrame(rng.uniform(size=(1500, 4)), columns=list("abcd"))
    y = rng.random(1500) < 0.3
    result = discovery.prim(x, y, resamples=0)
    assert result.density < 0.3 + 0.1


# --- events -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def results():
    return synthetic({"kind": "lhs", "parameters": ["cooperation.level"]}, {
        "cooperation.level": [0.1, 0.2, 0.3, 0.4],
        "afg_government_collapse_month": [12.0, None, 40.0, 36.0],
        "attacks_central_asia_total": [10.0, 600.0, 501.0, 0.0],
        "destabilized_tjk": [True, False, True, False],
    })


@pytest.mark.parametrize(("text", "expected"), [
    ("afg_government_collapse_month<=36", [True, False, False, True]),
    ("afg_government_collapse_month", [True, False, True, True]),
    ("attacks_central_asia_total>500", [False, True, True, False]),
    ("attacks_central_asia_total >= 600", [False, True, False, False]),
    ("destabilized_tjk", [True, False, True, False]),
])
def test_events_read_outcomes(results, text: str, expected: list[bool]) -> None:
    assert parse_event(text, results).of(results.runs).tolist() == expected


@pytest.mark.parametrize(("text", "message"), [
    ("no_such_outcome", "unknown outcome"),
    ("attacks_central_asia_total", "give a threshold"),
    ("destabilized_tjk>1", "true or false"),
    ("attacks_central_asia_total>>3", "expected an outcome"),
    ("attacks_central_asia_total>inf", "expected an outcome"),
])
def test_bad_events_are_one_line(results, text: str, message: str) -> None:
    with pytest.raises(UserError, match=message) as err:
        parse_event(text, results)
    assert "\n" not in err.value.line() and "--event" in err.value.line()


def test_an_event_that_never_or_always_happens_is_refused(results) -> None:
    never = parse_event("attacks_central_asia_total>1000", results)
    with pytest.raises(UserError, match="never happens"):
        check_varies(never.of(results.runs), never, source="--event")
    always = parse_event("attacks_central_asia_total>=0", results)
    with pytest.raises(UserError, match="every run"):
        check_varies(always.of(results.runs), always, source="--event")
