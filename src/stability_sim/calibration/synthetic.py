"""Synthetic targets: what the model itself says at a known parameter set.

A calibration method is trusted only if it recovers parameters it could in principle
recover: targets made by the model at a known ``truth`` are the test (the parameter-
recovery test, the shipped ``recovery`` calibration, the notebook). The observed value of
each target is one run's statistic (the record, too, happened once), its observation
uncertainty a stated share of it, and the file says so in every ``source`` and records
the truth.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from stability_sim import __version__
from stability_sim.calibration.targets import load_targets
from stability_sim.config import Scenario


def model_runs(scenario: Scenario, seeds: Sequence[np.random.SeedSequence]
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the model in this process; the runs table and the monthly series of a sweep."""
    from stability_sim.model import StabilityModel

    rows, frames = [], []
    for run_id, seed in enumerate(seeds):
        model = StabilityModel(scenario, rng=seed)
        summary = model.run()
        frame = model.timeseries()
        frame.insert(0, "run_id", run_id)
        frames.append(frame)
        rows.append({"run_id": run_id, "point_id": 0, "replicate": run_id, "status": "ok",
                     **summary})
    return pd.DataFrame(rows), pd.concat(frames, ignore_index=True)


def synthetic_targets(scenario: Scenario, truth: Mapping[str, float],
                      specs: Sequence[Mapping[str, Any]], *, seed: int, out: str | Path,
                      runs: int = 1, sd_share: float = 0.1, sd_floor: float = 1.0,
                      cutoff: str | None = None) -> Path:
    """Write a targets file of what the model gives at ``truth``.

    Args:
        scenario: The calibration's base scenario (its months and fixed settings).
        truth: The known parameter values.
        specs: Target entries without ``observed``, ``sd`` and ``source`` (name,
            outcome, reduction, month or window, ...), as in a targets file.
        seed: Seed of the runs (children ``0..runs-1`` of ``SeedSequence(seed)``).
        out: The targets file to write.
        runs: Runs whose mean is the observed value (1: one realisation, like a record).
        sd_share: Observation uncertainty as a share of the observed value.
        sd_floor: Smallest observation uncertainty (a count of 0 is not exact either).
        cutoff: The file's cutoff (default: the run's last month).

    Returns:
        The file written.
    """
    at_truth = scenario.with_overrides(dict(truth))
    values = at_truth.values
    from stability_sim.timeline import add_months

    last = add_months(values["start"], values["months"] - 1)
    cutoff = cutoff or last
    draft = {"cutoff": cutoff, "description": "draft",
             "targets": [{**dict(s), "observed": 0.0, "sd": 1.0, "source": "draft"}
                         for s in specs]}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "draft.yaml"
        path.write_text(yaml.safe_dump(draft, sort_keys=False))
        targets = load_targets(path)
    targets.check_run(values["start"], values["months"], source=str(out))
    seeds = np.random.SeedSequence(seed).spawn(runs)
    table, series = model_runs(at_truth, seeds)
    per_run = targets.per_run(table, series)
    setting = ", ".join(f"{k}={v:g}" for k, v in truth.items())
    entries = []
    for spec, target in zip(specs, targets.targets, strict=True):
        observed = float(target.statistic(per_run[target.name].to_numpy(dtype=float)))
        sd = max(sd_share * abs(observed), sd_floor)
        entries.append({**dict(spec), "observed": round(observed, 6), "sd": round(sd, 6),
                        "source": f"synthetic: stability_sim {__version__} at {setting}, "
                        f"{runs} run(s) of seed {seed}; sd = {sd_share:g} × observed "
                        f"(at least {sd_floor:g})"})
    document = {"cutoff": cutoff,
                "description": "Synthetic targets made by the model at a known parameter "
                "set (the truth below), for parameter-recovery checks. Not evidence.",
                "truth": {k: float(v) for k, v in truth.items()},
                "targets": entries}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    return out
