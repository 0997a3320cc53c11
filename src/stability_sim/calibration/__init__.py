"""Calibration and forecast scoring: targets, history matching, ABC-SMC, proper scores.

Layer: above ``experiments`` (it runs sweeps through their executors and result store),
below ``analysis`` (which draws its figures and reports). The Python API::

    from stability_sim.calibration import calibrate, load_calibration, score
    outcome = calibrate("configs/calibrations/recovery.yaml", out="results/recovery")
    outcome.summary["parameters"]       # prior, posterior median and 90 % interval
    table = score("results/demo", "configs/observations/example.yaml")

The names are imported on first use: the emulators (scikit-learn) and pyabc take seconds
to import, which a command that only reads a targets file should not pay.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_API = {
    "calibrate": "run", "CalibrationOutcome": "run", "RunsFailedError": "run", "plan": "run",
    "weighted_quantiles": "weights",
    "load_calibration": "spec", "Calibration": "spec",
    "load_targets": "targets", "load_observations": "targets", "TargetSet": "targets",
    "ObservationSet": "targets",
    "score": "scoring", "write_scores": "scoring", "ScoreTable": "scoring",
    "synthetic_targets": "synthetic",
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_API[name]}"), name)
