"""Golden baseline: fixed-seed runs fingerprinted, so a refactor can show it moved nothing.

Each case runs a shipped scenario with a fixed seed and hashes (sha256) its monthly
series, its run summary and its per-cell summary, exactly (every bit of every float).
The fingerprints are committed in ``golden.json``. A change that is meant to alter
results says so in its commit, shows the distributions before and after, and
re-baselines once::

    .venv/bin/python -m tests.model.test_golden --update

(Starsim's ``tests/test_baselines.py`` is the model for this.)
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stability_sim.config import SCENARIO_DIR, load_scenario
from stability_sim.model import StabilityModel

GOLDEN = Path(__file__).with_name("golden.json")

#: name → (scenario, overrides, rng). Both resolutions, the four shipped scenarios, a
#: long horizon, a sweep-style SeedSequence child and a few non-default branches
#: (no rivalry, no CSTO delay, a schedule).
CASES: dict[str, tuple[str, tuple[str, ...], object]] = {
    "baseline_050_60": ("baseline", ("grid.resolution=0.5", "months=60"), None),
    "full_withdrawal_050_60": ("full_withdrawal", ("grid.resolution=0.5", "months=60"), None),
    "high_cooperation_050_60": ("high_cooperation", ("grid.resolution=0.5", "months=60"),
                                None),
    "no_drawdown_050_60": ("no_drawdown", ("grid.resolution=0.5", "months=60"), None),
    "baseline_025_36": ("baseline", ("grid.resolution=0.25", "months=36"), None),
    "high_cooperation_025_36": ("high_cooperation", ("grid.resolution=0.25", "months=36"),
                                None),
    "baseline_050_360": ("baseline", ("grid.resolution=0.5", "months=360"), None),
    "child_050_48": ("baseline", ("grid.resolution=0.5", "months=48"),
                     ("spawn", 7, 3)),
    "branches_050_72": ("baseline",
                        ("grid.resolution=0.5", "months=72", "rivalry.scale=0",
                         "csto.mobilisation_months=0", "csto.mandate_window=24",
                         "cooperation.level=0.9", "stability.crisis_fatalities=20",
                         "jihadists.imu.initial_fighters=6000",
                         "drawdown.schedule=[{date: 2014-06, troops: 30000}, "
                         "{date: 2015-06, troops: 0}]"),
                        None),
}


def _rng(spec: object) -> object:
    if spec is None:
        return None
    _, entropy, child = spec  # type: ignore[misc]
    return np.random.SeedSequence(entropy).spawn(child + 1)[child]


def _digest_frame(frame: pd.DataFrame) -> str:
    h = hashlib.sha256()
    h.update(json.dumps(list(map(str, frame.columns))).encode())
    for name in frame.columns:
        column = frame[name]
        if not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)):
            # Text (object or a string dtype): its values, never the bytes of pointers.
            h.update(json.dumps([str(v) for v in column]).encode())
        else:
            h.update(np.ascontiguousarray(column.to_numpy()).tobytes())
            h.update(str(column.dtype).encode())
    return h.hexdigest()


def _digest_summary(summary: dict) -> str:
    def exact(value: object) -> object:
        if isinstance(value, float | np.floating):
            return float(value).hex()
        if isinstance(value, np.integer | np.bool_):
            return value.item()
        return value

    text = json.dumps({k: exact(v) for k, v in summary.items()}, sort_keys=False)
    return hashlib.sha256(text.encode()).hexdigest()


def fingerprint(name: str) -> dict[str, str]:
    """Run one case and return the digests of its three outputs."""
    scenario, sets, rng = CASES[name]
    model = StabilityModel(load_scenario(SCENARIO_DIR / f"{scenario}.yaml", list(sets)),
                           rng=_rng(rng))
    summary = model.run()
    return {"timeseries": _digest_frame(model.timeseries()),
            "summary": _digest_summary(summary),
            "cells": _digest_frame(model.cell_summary())}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_baseline(name: str) -> None:
    recorded = json.loads(GOLDEN.read_text())
    assert name in recorded, f"no baseline for {name}: run the --update command"
    got = fingerprint(name)
    moved = [part for part in got if got[part] != recorded[name][part]]
    assert not moved, (f"{name}: {', '.join(moved)} changed from the golden baseline; a "
                       "change that alters results must say so and re-baseline")


def test_every_case_is_recorded() -> None:
    assert sorted(json.loads(GOLDEN.read_text())) == sorted(CASES)


if __name__ == "__main__":  # re-baseline: python -m tests.model.test_golden --update
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python -m tests.model.test_golden --update")
    GOLDEN.write_text(json.dumps({n: fingerprint(n) for n in sorted(CASES)}, indent=1)
                      + "\n")
    print(f"wrote {GOLDEN}")
