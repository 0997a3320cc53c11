"""Reading a calibration folder for its figures and report.

A calibration folder (written by :mod:`stability_sim.calibration`) holds a manifest, the
per-wave and per-run tables, the emulators' leave-one-out checks, the posterior and the
posterior predictive check. A calibration stopped early (interrupted, or no parameter set
left after history matching) lacks the later files: each is read when present, and what
is missing is said in :attr:`CalibrationFolder.notes`, never raised. What is present but
unreadable, or a manifest that is not a calibration's, is one line (:class:`UserError`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from stability_sim.calibration.weights import weighted_quantiles
from stability_sim.errors import UserError

MANIFEST = "manifest.json"
#: The manifest's ``kind`` that marks a calibration folder.
KIND = "calibration"
#: Tables a calibration folder may hold, by attribute name.
TABLES = ("runs", "waves", "implausibility", "emulators", "posterior", "predictive")
#: Columns of ``posterior.parquet`` that are not parameters.
POSTERIOR_EXTRA = ("weight", "generation")
#: The usual implausibility cutoff (Pukelsheim's three-sigma rule), when none is recorded.
DEFAULT_CUTOFF = 3.0
#: Largest JSON file read (a manifest or summary is a few kB; a huge one is not ours).
MAX_JSON_BYTES = 50 * 2**20


@dataclass
class CalibrationFolder:
    """What a calibration folder holds.

    Attributes:
        path: The folder.
        manifest: ``manifest.json``.
        summary: ``summary.json``, or an empty mapping.
        parameters: Calibrated parameter → prior range (low, high), in natural units.
        targets: Target names, in the calibration's order.
        cutoff: Implausibility cutoff of history matching.
        runs: ``runs.parquet`` (every run of every stage), or None.
        waves: ``waves.parquet`` (per wave and design point), or None.
        implausibility: ``implausibility.parquet`` (the fixed reference sample of the
            prior box with ``max_implausibility_wave_K`` columns), or None.
        emulators: ``emulators.parquet`` (leave-one-out per wave and target), or None.
        posterior: ``posterior.parquet`` (parameters, ``weight``, ``generation``), or None.
        predictive: ``predictive.parquet`` (per target), or None.
        notes: What is missing, and so left out of the report.
    """

    path: Path
    manifest: dict[str, Any]
    summary: dict[str, Any]
    parameters: dict[str, tuple[float, float]]
    targets: list[str]
    cutoff: float
    runs: pd.DataFrame | None = None
    waves: pd.DataFrame | None = None
    implausibility: pd.DataFrame | None = None
    emulators: pd.DataFrame | None = None
    posterior: pd.DataFrame | None = None
    predictive: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The calibration's name."""
        return str(self.manifest.get("name", self.path.name))

    @property
    def truth(self) -> dict[str, float]:
        """Parameter → true value, when the targets were synthetic and it is known."""
        out = {}
        for name, entry in (self.summary.get("parameters") or {}).items():
            value = entry.get("truth") if isinstance(entry, dict) else None
            if _number(value):
                out[str(name)] = float(value)
        return out

    @property
    def wave_columns(self) -> list[tuple[int, str]]:
        """(wave, column) of the reference sample's implausibility, in wave order."""
        if self.implausibility is None:
            return []
        prefix = "max_implausibility_wave_"
        waves = [(int(c[len(prefix):]), c) for c in self.implausibility.columns
                 if c.startswith(prefix) and c[len(prefix):].isdigit()]
        return sorted(waves)

    def nroy_shares(self) -> list[float]:
        """The share of the prior box not ruled out after each wave.

        As the summary or manifest records it (a wave that found no point left to run has
        a share, 0, but no column in the reference sample); else measured on the
        reference sample.
        """
        for source in (self.summary, self.manifest):
            shares = source.get("nroy")
            if isinstance(shares, list) and shares and all(map(_number, shares)):
                return [float(s) for s in shares]
        return [float(np.mean(self.implausibility[c].to_numpy(dtype=float) < self.cutoff))
                for _, c in self.wave_columns]

    def posterior_stats(self) -> pd.DataFrame:
        """Per parameter: prior, posterior median and 90% interval, truth.

        The summary's numbers when it has them (what the calibration reported); else
        computed from ``posterior.parquet``; missing ones are NaN.
        """
        rows = []
        truth = self.truth
        recorded = self.summary.get("parameters") or {}
        for name, (low, high) in self.parameters.items():
            entry = recorded.get(name) if isinstance(recorded.get(name), dict) else {}
            stats = {k: float(entry[k]) if _number(entry.get(k)) else math.nan
                     for k in ("median", "q05", "q95")}
            if any(math.isnan(v) for v in stats.values()) and self.posterior is not None \
                    and name in self.posterior.columns:
                q05, median, q95 = weighted_quantiles(
                    self.posterior[name].to_numpy(dtype=float), self.weights(),
                    (0.05, 0.5, 0.95))
                stats = {"median": median, "q05": q05, "q95": q95}
            rows.append({"parameter": name, "low": low, "high": high, **stats,
                         "truth": truth.get(name, math.nan)})
        return pd.DataFrame(rows, columns=["parameter", "low", "high", "median", "q05",
                                           "q95", "truth"])

    def weights(self) -> np.ndarray:
        """The posterior's weights, normalised (equal when the file has none)."""
        if self.posterior is None:
            return np.array([])
        if "weight" not in self.posterior.columns:
            return np.full(len(self.posterior), 1.0 / max(len(self.posterior), 1))
        w = np.clip(np.nan_to_num(self.posterior["weight"].to_numpy(dtype=float)), 0, None)
        total = w.sum()
        return w / total if total > 0 else np.full(len(w), 1.0 / max(len(w), 1))

    def narrowing(self) -> list[str]:
        """The parameters, the most narrowed first (90% interval over the prior width).

        From the posterior when there is one, else from the points the last wave left
        non-implausible; in the manifest's order when neither is there.
        """
        widths: dict[str, float] = {}
        for name, (low, high) in self.parameters.items():
            if self.posterior is not None and name in self.posterior.columns:
                q05, q95 = weighted_quantiles(self.posterior[name].to_numpy(dtype=float),
                                              self.weights(), (0.05, 0.95))
            elif self.wave_columns and name in self.implausibility.columns:
                last = self.implausibility[self.wave_columns[-1][1]].to_numpy(dtype=float)
                kept = self.implausibility[name].to_numpy(dtype=float)[last < self.cutoff]
                if not kept.size:
                    continue
                q05, q95 = np.quantile(kept, (0.05, 0.95))
            else:
                continue
            widths[name] = (q95 - q05) / (high - low)
        order = sorted(widths, key=widths.__getitem__)
        return order + [n for n in self.parameters if n not in widths]


def is_calibration(folder: str | Path) -> bool:
    """Whether a folder's manifest says it is a calibration (False when unreadable)."""
    path = Path(folder) / MANIFEST
    try:
        if not path.is_file() or path.stat().st_size > MAX_JSON_BYTES:
            return False
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("kind") == KIND


def read_calibration(folder: str | Path) -> CalibrationFolder:
    """Read a calibration folder; missing later stages are noted, not refused.

    Raises:
        UserError: If the folder has no calibration manifest, or a file it has cannot be
            read or lacks the columns the report needs.
    """
    path = Path(folder)
    manifest = _json(path / MANIFEST, required=True)
    if manifest.get("kind") != KIND:
        raise UserError(f"is not a calibration's manifest (kind {manifest.get('kind')!r}, "
                        f"expected {KIND!r})", source=str(path / MANIFEST), key="kind")
    summary = _json(path / "summary.json", required=False)
    cal = CalibrationFolder(path, manifest, summary, {}, [], DEFAULT_CUTOFF)
    for name in TABLES:
        setattr(cal, name, _table(path / f"{name}.parquet", cal.notes))
    cal.parameters = _priors(cal)
    targets = manifest.get("targets")
    cal.targets = [str(t) for t in targets] if isinstance(targets, list) else []
    method = manifest.get("method")
    hm = method.get("history_matching") if isinstance(method, dict) else None
    cutoff = hm.get("cutoff") if isinstance(hm, dict) else None
    cal.cutoff = float(cutoff) if _number(cutoff) and cutoff > 0 else DEFAULT_CUTOFF
    _check_columns(cal)
    return cal


def _number(value: Any) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))


def _json(path: Path, *, required: bool) -> dict[str, Any]:
    if not path.is_file():
        if required:
            raise UserError("no calibration here: manifest.json is missing",
                            source=str(path.parent))
        return {}
    try:
        if path.stat().st_size > MAX_JSON_BYTES:
            raise UserError(f"is larger than {MAX_JSON_BYTES >> 20} MB; not a calibration's",
                            source=str(path))
        data = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot be read as JSON ({' '.join(str(exc).split())})",
                        source=str(path)) from None
    if not isinstance(data, dict):
        raise UserError("expected a JSON object", source=str(path))
    return data


def _table(path: Path, notes: list[str]) -> pd.DataFrame | None:
    if not path.exists():
        notes.append(f"no {path.name}")
        return None
    try:
        return pd.read_parquet(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise UserError(f"cannot be read as Parquet ({' '.join(str(exc).split())})",
                        source=str(path)) from None


def _priors(cal: CalibrationFolder) -> dict[str, tuple[float, float]]:
    """The prior box: the manifest's, else the summary's, else the posterior file's."""
    candidates: list[tuple[str, Any]] = [("manifest.json", cal.manifest.get("parameters"))]
    recorded = cal.summary.get("parameters")
    if isinstance(recorded, dict):
        candidates.append(("summary.json", {n: e.get("prior") for n, e in recorded.items()
                                            if isinstance(e, dict)}))
    for where, box in candidates:
        if not isinstance(box, dict) or not box:
            continue
        out = {}
        for name, value in box.items():
            if not (isinstance(value, list) and len(value) == 2 and all(map(_number, value))
                    and value[0] < value[1]):
                raise UserError("expected [low, high] with low < high",
                                source=str(cal.path / where), key=f"parameters.{name}")
            out[str(name)] = (float(value[0]), float(value[1]))
        return out
    raise UserError("names no calibrated parameters (expected 'parameters': "
                    "{name: [low, high]})", source=str(cal.path / MANIFEST), key="parameters")


def _check_columns(cal: CalibrationFolder) -> None:
    """Refuse tables without the columns the figures and tables read (one line each)."""
    need = {"emulators": ("wave", "target", "observed", "mean", "sd"),
            "predictive": ("target", "observed", "lo", "hi", "median", "q05", "q95"),
            "posterior": tuple(cal.parameters),
            "implausibility": tuple(cal.parameters) if cal.wave_columns else ()}
    for name, columns in need.items():
        table = getattr(cal, name)
        if table is None:
            continue
        for column in columns:
            if column not in table.columns:
                raise UserError("missing column", source=str(cal.path / f"{name}.parquet"),
                                key=column)
