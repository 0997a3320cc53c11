"""A small but complete calibration folder, written by hand in the calibration's formats.

The figures and report are tested on it without running the model: two parameters, two
targets, two history-matching waves, a weighted posterior concentrated near a known
truth and a posterior predictive check with one target covered and one not.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

COOP, TROOPS = "cooperation.level", "drawdown.residual_troops"
PRIORS = {COOP: [0.0, 1.0], TROOPS: [4000.0, 20000.0]}
TRUTH = {COOP: 0.3, TROOPS: 12000.0}
TARGETS = ["attacks_tjk_2014", "destabilized_share"]
CUTOFF = 3.0
#: Posterior quantiles written into summary.json (the report must show these).
SUMMARY = {COOP: {"median": 0.3125, "q05": 0.2031, "q95": 0.4219},
           TROOPS: {"median": 12345.0, "q05": 9876.0, "q95": 14321.0}}


def _write(path: Path, frame: pd.DataFrame, metadata: dict[str, Any] | None = None) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if metadata is not None:
        table = table.replace_schema_metadata(
            {**(table.schema.metadata or {}), b"stability_sim": json.dumps(metadata).encode()})
    pq.write_table(table, path)


def make_calibration(folder: Path, *, posterior: bool = True, truth: bool = True) -> Path:
    """Write a calibration folder; without ``posterior`` it stops after history matching.

    Returns:
        The folder.
    """
    rng = np.random.default_rng(7)
    folder.mkdir(parents=True, exist_ok=True)
    inputs = {}
    for name, text in (("calib.yaml", "name: toy\n"), ("targets.yaml", "cutoff: 2016-12\n"),
                       ("baseline.yaml", "name: baseline\n")):
        (folder / name).write_text(text)
        inputs[str(folder / name)] = hashlib.sha256(text.encode()).hexdigest()
    stages = [{"name": "wave-1", "folder": "waves/wave-1", "runs": 40, "points": 20, "ran": 40},
              {"name": "wave-2", "folder": "waves/wave-2", "runs": 40, "points": 20, "ran": 40}]
    if posterior:
        stages += [{"name": "abc-g0-b0", "folder": "abc/g0-b0", "runs": 60, "points": 30,
                    "ran": 60},
                   {"name": "predictive", "folder": "predictive", "runs": 50, "points": 25,
                    "ran": 50}]

    # History matching: a reference LHS-like sample; implausibility grows with the distance
    # to the truth, wave 2 sharper than wave 1 (so NROY shrinks).
    n = 400
    unit = rng.random((n, 2))
    natural = {COOP: unit[:, 0], TROOPS: 4000 + 16000 * unit[:, 1]}
    dist = np.hypot(unit[:, 0] - 0.3, unit[:, 1] - 0.5)
    impl = pd.DataFrame(natural)
    impl["max_implausibility_wave_1"] = 8 * dist
    impl["max_implausibility_wave_2"] = 16 * dist
    _write(folder / "implausibility.parquet", impl)
    nroy = [float(np.mean(impl[f"max_implausibility_wave_{k}"] < CUTOFF)) for k in (1, 2)]

    waves = []
    loo = []
    for k in (1, 2):
        rows = pd.DataFrame({"wave": k, "point_id": np.arange(20), COOP: unit[:20, 0],
                             TROOPS: 4000 + 16000 * unit[:20, 1]})
        for t in TARGETS:
            rows[f"{t}_mean"] = rng.random(20)
            rows[f"{t}_var"] = 0.01
        rows["max_implausibility"] = 8 * k * dist[:20]
        rows["nroy"] = rows["max_implausibility"] < CUTOFF
        waves.append(rows)
        for t in TARGETS:
            observed = rng.normal(10, 3, 20)
            mean = observed + rng.normal(0, 0.5, 20)
            loo.append(pd.DataFrame({"wave": k, "target": t, "point": np.arange(20),
                                     "observed": observed, "mean": mean, "sd": 0.5,
                                     "z": (observed - mean) / 0.5}))
    _write(folder / "waves.parquet", pd.concat(waves, ignore_index=True))
    _write(folder / "emulators.parquet", pd.concat(loo, ignore_index=True))

    runs = pd.DataFrame({"stage": "wave-1", "run_id": np.arange(40), "point_id": np.arange(40) // 2,
                         "replicate": np.arange(40) % 2, "status": "ok",
                         COOP: rng.random(40), TROOPS: rng.integers(4000, 20000, 40)})
    for t in TARGETS:
        runs[t] = rng.random(40)
    # The first target follows the cooperation level (rank correlation 1), the second
    # nothing: the report's "constrained by" column must say so.
    runs[TARGETS[0]] = 10 * runs[COOP] ** 2
    _write(folder / "runs.parquet", runs)

    params: dict[str, Any] = {}
    for name, prior in PRIORS.items():
        params[name] = {"prior": prior}
        if posterior:
            params[name].update(SUMMARY[name])
        if truth:
            params[name]["truth"] = TRUTH[name]
    if posterior:
        m = 300
        post = pd.DataFrame({COOP: np.clip(rng.normal(0.3, 0.06, m), 0, 1),
                             TROOPS: np.clip(rng.normal(12000, 1500, m), 4000, 20000)})
        w = rng.random(m)
        post["weight"] = w / w.sum()
        post["generation"] = 3
        _write(folder / "posterior.parquet", post, metadata={
            "calibration": "toy", "parameters": list(PRIORS), "prior": PRIORS,
            "targets": TARGETS, "cutoff": "2016-12"})
        _write(folder / "predictive.parquet", pd.DataFrame({
            "target": TARGETS, "observed": [12.0, 0.4], "lo": [7.0, 0.3], "hi": [17.0, 0.5],
            "median": [11.5, 0.9], "q05": [8.0, 0.8], "q95": [15.0, 0.95],
            "covered": [True, False]}))
    summary = {"calibration": "toy", "parameters": params, "nroy": nroy, "stages": stages,
               "runs_counted": sum(s["runs"] for s in stages if s["name"] != "predictive"),
               "elapsed_s": 123.4, "notes": ["a note from the calibration"]}
    if posterior:
        summary["best_draw"] = {"draw": 7, "sum_z2": 3.25, "z": [1.5, -1.0],
                                "values": {COOP: 0.29, TROOPS: 11800.0}}
    (folder / "summary.json").write_text(json.dumps(summary, indent=2))
    total = sum(s["runs"] for s in stages)
    manifest = {
        "kind": "calibration", "name": "toy", "status": "complete" if posterior else
        "interrupted", "description": "a toy calibration", "fingerprint": "0" * 64,
        "inputs": inputs, "targets_file": {"path": str(folder / "targets.yaml"),
                                           "cutoff": "2016-12"},
        "versions": {"stability_sim": "0.0"}, "seed": 1, "replications": 2, "budget": 400,
        "parameters": PRIORS, "targets": TARGETS,
        "method": {"history_matching": {"waves": 2, "points": 20, "cutoff": CUTOFF},
                   "abc": {"population": 30, "generations": 1, "predictive": 25}},
        "stages": stages, "runs": {"total": total, "ok": total, "failed": 0},
        "elapsed_s": 123.4, "nroy": nroy}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return folder
