"""Which targets constrain which parameters: rank correlations over the first wave."""

from __future__ import annotations

import numpy as np
import pandas as pd

from stability_sim.calibration.constraints import constraining_targets, first_stage


def runs(n: int = 120, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a, b, c = rng.random(n), rng.random(n), rng.random(n)
    return pd.DataFrame({
        "stage": "wave-1", "a": a, "b": b, "c": c,
        # t1 rises with a (steeply, not linearly), falls weakly with b; t2 is noise;
        # t3 falls with c and is missing in some runs.
        "t1": np.exp(6 * a) - 40 * b + rng.normal(0, 5, n),
        "t2": rng.random(n),
        "t3": np.where(rng.random(n) < 0.2, np.nan, -c + rng.normal(0, 0.1, n))})


def test_the_followed_targets_strongest_first() -> None:
    found = constraining_targets(runs(), ["a", "b", "c"], ["t1", "t2", "t3"])
    assert [e["target"] for e in found["a"]] == ["t1"]
    assert float(found["a"][0]["rho"]) > 0.8
    assert [e["target"] for e in found["c"]] == ["t3"]
    assert float(found["c"][0]["rho"]) < -0.8
    # The noise target constrains nothing; a weak link is left out at a high threshold.
    assert all(e["target"] != "t2" for v in found.values() for e in v)
    assert constraining_targets(runs(), ["b"], ["t1"], min_rho=0.9) == {"b": []}


def test_ordering_by_absolute_rho() -> None:
    frame = runs()
    frame["t4"] = -frame["a"]
    found = constraining_targets(frame, ["a"], ["t1", "t4"])
    assert [e["target"] for e in found["a"]] == ["t4", "t1"]


def test_constant_or_missing_columns_give_nothing() -> None:
    frame = runs()
    frame["flat"] = 1.0
    assert constraining_targets(frame, ["a", "zz"], ["flat", "nope"]) == {"a": [], "zz": []}


def test_first_stage_prefers_wave_1_then_pilot() -> None:
    frame = pd.concat([runs().assign(stage="abc-g0-b0"), runs(10).assign(stage="wave-1")])
    assert len(first_stage(frame)) == 10
    assert len(first_stage(frame.assign(stage="pilot"))) == len(frame)
    assert first_stage(frame.assign(stage="predictive")).empty
    assert first_stage(frame.drop(columns="stage")).empty
