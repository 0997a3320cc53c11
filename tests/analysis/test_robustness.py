"""Robustness metrics against small tables worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stability_sim.analysis.robustness import robustness


def table(values: dict[str, list[float]], reps: int = 1) -> pd.DataFrame:
    rows = [{"policy": p, "world": w, "v": v}
            for p, vs in values.items() for w, v in enumerate(vs) for _ in range(reps)]
    return pd.DataFrame(rows)


# Two policies in three worlds; less is better.
#          w0  w1  w2
#   A       1   5   3     mean 3,    meets <= 3 in w0, w2: 2/3; regret 0, 3, 0 -> max 3
#   B       2   2   4     mean 8/3,  meets <= 3 in w0, w1: 2/3; regret 1, 0, 1 -> max 1
HAND = {"A": [1.0, 5.0, 3.0], "B": [2.0, 2.0, 4.0]}


def test_minimisation_by_hand() -> None:
    r = robustness(table(HAND), "v", direction="min", threshold=3.0, bootstrap=0)
    assert r.table.loc["A", "mean"] == pytest.approx(3.0)
    assert r.table.loc["B", "mean"] == pytest.approx(8 / 3)
    assert r.table["satisficing"].tolist() == pytest.approx([2 / 3, 2 / 3])
    assert r.regret.loc["A"].tolist() == [0.0, 3.0, 0.0]
    assert r.regret.loc["B"].tolist() == [1.0, 0.0, 1.0]
    assert r.table["max_regret"].tolist() == [3.0, 1.0]
    assert r.best == "B"
    assert r.table.loc["A", "p50"] == 3.0 and r.table.loc["B", "p50"] == 2.0


def test_maximisation_by_hand() -> None:
    # More is better: the best in each world is 2, 5, 4; A's regret 1, 0, 1; B's 0, 3, 0.
    r = robustness(table(HAND), "v", direction="max", threshold=3.0, bootstrap=0)
    assert r.regret.loc["A"].tolist() == [1.0, 0.0, 1.0]
    assert r.regret.loc["B"].tolist() == [0.0, 3.0, 0.0]
    assert r.best == "A"
    # Meets >= 3: A in w1, w2; B in w2 only.
    assert r.table["satisficing"].tolist() == pytest.approx([2 / 3, 1 / 3])


def test_replications_are_averaged_and_a_world_without_runs_is_dropped() -> None:
    frame = pd.DataFrame({"policy": ["A", "A", "B", "B", "A", "B", "A"],
                          "world": [0, 0, 0, 0, 1, 1, 2],
                          "v": [1.0, 3.0, 4.0, 4.0, 0.0, 1.0, 9.0]})
    r = robustness(frame, "v", bootstrap=0)
    assert r.dropped_worlds == (2,)  # B has no run in world 2
    assert r.values.loc["A"].tolist() == [2.0, 0.0]
    assert r.regret.loc["B"].tolist() == [2.0, 1.0]
    assert r.table.loc["A", "runs"] == 3 and r.table.loc["A", "worlds"] == 2


def test_events_count_as_probabilities() -> None:
    frame = pd.DataFrame({"policy": ["A"] * 4 + ["B"] * 4, "world": [0, 0, 1, 1] * 2,
                          "v": [True, False, True, True, False, False, True, False]})
    r = robustness(frame, "v", threshold=0.5, bootstrap=0)
    assert r.values.loc["A"].tolist() == [0.5, 1.0]
    assert r.values.loc["B"].tolist() == [0.0, 0.5]
    assert r.table["satisficing"].tolist() == [0.5, 1.0]


def test_intervals_collapse_without_noise_and_cover_with_it() -> None:
    exact = robustness(table(HAND, reps=4), "v", threshold=3.0, bootstrap=200)
    for k in ("mean", "satisficing", "max_regret"):
        assert (exact.table[f"{k}_lo"] == exact.table[k]).all()
        assert (exact.table[f"{k}_hi"] == exact.table[k]).all()
    rng = np.random.default_rng(0)
    noisy = table(HAND, reps=20)
    noisy["v"] += rng.normal(scale=1.0, size=len(noisy))
    r = robustness(noisy, "v", bootstrap=500, seed=1)
    # The interval of each policy's mean holds its true mean (3 and 8/3) here.
    assert r.table.loc["A", "mean_lo"] < 3.0 < r.table.loc["A", "mean_hi"]
    assert r.table.loc["B", "mean_lo"] < 8 / 3 < r.table.loc["B", "mean_hi"]
    assert (r.table["mean_hi"] - r.table["mean_lo"]).max() < 1.0


def test_a_wrong_direction_is_refused() -> None:
    with pytest.raises(ValueError, match="direction"):
        robustness(table(HAND), "v", direction="lower")
