"""Proper scores of a results folder's forecasts against what was later observed.

The forecast of an observation is its per-run values over the runs that finished (of
each design point, with ``by="point"``): an ensemble. A number is scored with the
continuous ranked probability score (CRPS; lower is better), an event with the Brier score
of the share of runs in which it happened [GR07]. Both are *proper*: the forecast that
scores best in expectation is the true distribution, so a model cannot gain by hedging.

Beside the scores, calibration checks per observation: the probability integral
transform (PIT; over many observations a calibrated forecast gives uniform PITs) and
whether the observation fell in the ensemble's central 50% and 90% intervals. With a
reference folder (another model version, a naive forecast), the skill score
``1 - S / S_ref`` says how much better (> 0) or worse (< 0) the forecast is.

The CRPS uses the *fair* ensemble estimator [F14], which estimates the CRPS of the
distribution the runs are drawn from rather than that of the finite ensemble, so folders
with different numbers of runs compare fairly; an ensemble of one run gets the absolute
error (there is no fair estimate from one member).

[GR07] Gneiting T, Raftery AE (2007). Strictly proper scoring rules, prediction, and
estimation. JASA 102(477), 359-378.
[F14] Ferro CAT (2014). Fair scores for ensemble forecasts. QJRMS 140, 1917-1923.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import scoringrules as sr

from stability_sim import __version__
from stability_sim.calibration.targets import Observation, ObservationSet, load_observations
from stability_sim.errors import UserError
from stability_sim.experiments.folder import refuse_links, storage
from stability_sim.experiments.results import Results, load_results
from stability_sim.paths import safe_output_dir
from stability_sim.runio import atomic_write_bytes, jsonable
from stability_sim.untrusted import markdown

By = Literal["all", "point"]
#: Seed of the PIT's randomisation of ties (fixed, so the scores are reproducible).
PIT_SEED = 20170101
#: Files :func:`write_scores` writes (the figures are drawn by the analysis layer).
FILES = ("scores.csv", "scores.md", "scores.json")
#: The default output folder, inside the results folder.
FOLDER = "scores"


def crps(observed: float, members: np.ndarray) -> float:
    """CRPS of an ensemble forecast: the fair estimator, or the absolute error for one run.

    Raises:
        ValueError: For an empty ensemble.
    """
    m = np.asarray(members, dtype=float)
    if m.size == 0:
        raise ValueError("an empty ensemble has no CRPS")
    estimator = "fair" if m.size >= 2 else "nrg"
    return float(sr.crps_ensemble(float(observed), m, estimator=estimator, backend="numpy"))


def brier(observed: bool, probability: float) -> float:
    """Brier score of a forecast probability of an event that did (not) happen."""
    return float(sr.brier_score(float(bool(observed)), float(probability), backend="numpy"))


def pit(observed: float, members: np.ndarray, rng: np.random.Generator) -> float:
    """Randomised probability integral transform of an observation in an ensemble.

    ``(#{x < y} + U (#{x = y} + 1)) / (m + 1)`` with ``U ~ Uniform(0, 1)``: when the
    observation is exchangeable with the ``m`` members (a calibrated forecast), its rank
    among them is uniform on ``0..m`` and this is exactly uniform on (0, 1), ties
    included (a count outcome has many).
    """
    m = np.asarray(members, dtype=float)
    below = int(np.sum(m < observed))
    ties = int(np.sum(m == observed))
    return float((below + rng.uniform() * (ties + 1)) / (m.size + 1))


def covered(observed: float, members: np.ndarray, level: float) -> bool:
    """Whether ``observed`` is in the ensemble's central ``level`` interval (ends included)."""
    lo, hi = np.quantile(np.asarray(members, dtype=float), [(1 - level) / 2, (1 + level) / 2])
    return bool(lo <= observed <= hi)


def skill(score: float, reference: float) -> float:
    """Skill score ``1 - S / S_ref`` (> 0: better than the reference); NaN if ``S_ref`` is 0."""
    if not math.isfinite(score) or not math.isfinite(reference) or reference == 0:
        return math.nan
    return 1.0 - score / reference


@dataclass
class ScoreTable:
    """Scores of one results folder against one observations file.

    Attributes:
        rows: One row per observation (and design point, with ``by="point"``):
            ``observation``, ``point`` (``"all"`` or the point id), ``kind``
            (``continuous`` or ``event``), ``statistic``, ``observed``, ``runs``, the
            forecast (``mean``, ``median``, ``q05``, ``q25``, ``q75``, ``q95`` for a
            number; ``probability`` for an event), ``score_name`` (``CRPS``/``Brier``),
            ``score``, ``pit``, ``in50``, ``in90``, and with a reference
            ``reference_score`` and ``skill``.
        overall: One row per group (``point``): the parameters of the point, the number
            of observations of each kind, mean ``crps`` and ``brier``, ``coverage50`` and
            ``coverage90``, and with a reference ``crps_reference``, ``brier_reference``,
            ``crps_skill``, ``brier_skill`` (of the mean scores).
        info: What was scored: results, observations (path, sha256), reference, by.
    """

    rows: pd.DataFrame
    overall: pd.DataFrame
    info: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Everything as strict JSON (NaN as null)."""
        return jsonable({**self.info, "overall": self.overall.to_dict("records"),
                         "rows": self.rows.to_dict("records")})


def fingerprint(results: Results) -> str:
    """A digest of a results folder's runs: it changes when the sweep is redone or grows.

    Recorded with the scores, so a report can tell scores of another state of the folder.
    """
    m = results.manifest
    record = [m.get("fingerprint"), m.get("status"),
              sorted(str(c.get("runs_sha256")) for c in m.get("chunks", []))]
    return hashlib.sha256(json.dumps(record).encode()).hexdigest()


def score(results: str | Path | Results, observations: str | Path | ObservationSet, *,
          reference: str | Path | Results | None = None, by: By = "all") -> ScoreTable:
    """Score a results folder's forecasts against observations.

    Args:
        results: A sweep's results folder (or its :class:`Results`).
        observations: An observations file (or a loaded one).
        reference: Another results folder whose forecasts (all its runs pooled) the
            skill scores compare with.
        by: ``all``: one forecast from every finished run; ``point``: one per design
            point.

    Raises:
        UserError: For a bad observations file, a folder that is not a sweep's, runs that
            do not cover an observation's months, or no finished run.
    """
    if by not in ("all", "point"):
        raise UserError(f"expected all or point, got {by!r}", source="--by")
    obs = observations if isinstance(observations, ObservationSet) \
        else load_observations(observations)
    res = results if isinstance(results, Results) else load_results(results)
    values, runs = _values(res, obs)
    groups = ([("all", runs["run_id"].to_numpy())] if by == "all" else
              [(int(p), g["run_id"].to_numpy()) for p, g in runs.groupby("point_id")])
    rng = np.random.default_rng(np.random.SeedSequence(PIT_SEED))
    rows = [_row(o, point, values.loc[ids, o.name].to_numpy(), rng)
            for point, ids in groups for o in obs.observations]
    table = pd.DataFrame(rows)
    info: dict[str, Any] = {
        "kind": "scores", "version": __version__, "by": by, "crps_estimator": "fair",
        "pit_seed": PIT_SEED,
        "results": {"path": str(res.path), "name": res.manifest.get("name"),
                    "fingerprint": fingerprint(res), "runs_ok": len(runs)},
        "observations": {"path": obs.source, "sha256": obs.sha256,
                         "description": obs.description},
        "reference": None}
    if reference is not None:
        ref = reference if isinstance(reference, Results) else load_results(reference)
        ref_values, ref_runs = _values(ref, obs)
        ref_rng = np.random.default_rng(np.random.SeedSequence(PIT_SEED))
        ref_scores = {o.name: _row(o, "all", ref_values[o.name].to_numpy(), ref_rng)["score"]
                      for o in obs.observations}
        table["reference_score"] = table["observation"].map(ref_scores).astype(float)
        table["skill"] = [skill(s, r) for s, r in
                          zip(table["score"], table["reference_score"], strict=True)]
        info["reference"] = {"path": str(ref.path), "name": ref.manifest.get("name"),
                             "fingerprint": fingerprint(ref), "runs_ok": len(ref_runs)}
    return ScoreTable(table, _overall(table, runs, res, by, reference is not None), info)


def _values(res: Results, obs: ObservationSet) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-run values of every observation over the finished runs (index ``run_id``)."""
    for base in res.manifest.get("base_scenarios", []):
        resolved = base.get("resolved", {})
        if "start" in resolved and "months" in resolved:
            obs.check_run(str(resolved["start"]), int(resolved["months"]),
                          source=str(res.path))
    runs = res.runs[res.runs["status"] == "ok"]
    if runs.empty:
        raise UserError("no run finished; there is nothing to score", source=str(res.path))
    ids = [int(i) for i in runs["run_id"]]
    series = res.series(columns=list(obs.columns), run_ids=ids) if obs.columns else None
    return obs.per_run(runs, series), runs


def _row(o: Observation, point: str | int, values: np.ndarray,
         rng: np.random.Generator) -> dict[str, Any]:
    v = values[np.isfinite(values)]
    row: dict[str, Any] = {"observation": o.name, "point": point,
                           "kind": "event" if o.is_event else "continuous",
                           "statistic": o.describe(), "observed": float(o.observed),
                           "runs": int(v.size)}
    nan = math.nan
    if o.is_event:
        p = float(np.mean(v)) if v.size else nan
        row.update(probability=p, score_name="Brier",
                   score=brier(bool(o.observed), p) if v.size else nan,
                   pit=nan, in50=nan, in90=nan)
        return row
    y = float(o.observed)
    if v.size:
        q = np.quantile(v, [0.05, 0.25, 0.5, 0.75, 0.95])
        row.update(mean=float(np.mean(v)), median=q[2], q05=q[0], q25=q[1], q75=q[3],
                   q95=q[4], score_name="CRPS", score=crps(y, v), pit=pit(y, v, rng),
                   in50=float(covered(y, v, 0.5)), in90=float(covered(y, v, 0.9)))
    else:  # no run has a value (all NaN): nothing to score, said as NaN, not as 0
        row.update(mean=nan, median=nan, q05=nan, q25=nan, q75=nan, q95=nan,
                   score_name="CRPS", score=nan, pit=nan, in50=nan, in90=nan)
    return row


def _overall(table: pd.DataFrame, runs: pd.DataFrame, res: Results, by: By,
             with_reference: bool) -> pd.DataFrame:
    records = []
    swept = [p for p in res.parameters if p in runs.columns]
    for point, rows in table.groupby("point", sort=False):
        cont = rows[rows["kind"] == "continuous"]
        events = rows[rows["kind"] == "event"]
        record: dict[str, Any] = {"point": point}
        if by == "point":
            first = runs[runs["point_id"] == point].iloc[0]
            record.update({p: first[p] for p in swept})
        record.update(
            runs=int(rows["runs"].max()), continuous=len(cont), events=len(events),
            crps=_mean(cont["score"]), brier=_mean(events["score"]),
            coverage50=_mean(cont["in50"]), coverage90=_mean(cont["in90"]))
        if with_reference:
            record.update(crps_reference=_mean(cont["reference_score"]),
                          brier_reference=_mean(events["reference_score"]))
            record["crps_skill"] = skill(record["crps"], record["crps_reference"])
            record["brier_skill"] = skill(record["brier"], record["brier_reference"])
        records.append(record)
    return pd.DataFrame(records)


def _mean(values: pd.Series) -> float:
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    return float(np.mean(v)) if v.size else math.nan


def default_folder(results: str | Path) -> Path:
    """Where the scores of a results folder go by default: ``RESULTS/scores``."""
    return Path(results) / FOLDER


def write_scores(table: ScoreTable, out: str | Path, *, allow_climb: bool = True
                 ) -> list[Path]:
    """Write ``scores.csv``, ``scores.md`` and ``scores.json`` into ``out``.

    Args:
        table: The scores.
        out: The folder (created if needed).
        allow_climb: Accept a relative ``out`` through ``..`` (the CLI says no).

    Returns:
        The files written.

    Raises:
        UserError: For an unsafe output folder or a link where a file goes; a full or
            read-only disk as a one-line :class:`~stability_sim.experiments.folder.StorageError`.
    """
    folder = safe_output_dir(Path(out), option="scores folder", allow_climb=allow_climb)
    if folder.exists() and not folder.is_dir():
        raise UserError("exists and is not a folder; remove it or choose another --out",
                        source=str(folder))
    with storage(folder, "run the scoring again"):
        refuse_links(folder, FILES, listed=())
        folder.mkdir(parents=True, exist_ok=True)
        paths = [folder / name for name in FILES]
        atomic_write_bytes(paths[0], table.rows.to_csv(index=False).encode())
        atomic_write_bytes(paths[1], scores_markdown(table).encode())
        atomic_write_bytes(paths[2], (json.dumps(table.to_json(), indent=1) + "\n").encode())
    return paths


def scores_markdown(table: ScoreTable) -> str:
    """The scores as Markdown: what was scored, the overall table, one row per observation."""
    info = table.info
    per = "per design point" if info["by"] == "point" else "from all runs"
    lines = [f"# Forecast scores: {markdown(str(info['results']['name']))}", "",
             f"Results: {markdown(info['results']['path'])} ({info['results']['runs_ok']} "
             f"finished runs, forecasts {per}).",
             f"Observations: {markdown(info['observations']['path'])} (sha256 "
             f"{info['observations']['sha256'][:12]}).", ""]
    if info.get("reference"):
        lines += [f"Reference: {markdown(info['reference']['path'])}; skill = 1 - S / S_ref "
                  "(> 0: better than the reference).", ""]
    lines += ["CRPS (fair ensemble estimator) for numbers, Brier score for events: lower is "
              "better. PIT and the central 50%/90% interval coverage check calibration.", ""]
    lines += [*md_table(overall_display(table.overall)), ""]
    lines += [*md_table(rows_display(table.rows)), ""]
    return "\n".join(lines)


def overall_display(overall: pd.DataFrame) -> pd.DataFrame:
    """The overall table with numbers formatted, for Markdown, a report or a terminal."""
    shown = overall.copy()
    for column in shown.columns:
        if column not in ("point", "runs", "continuous", "events"):
            shown[column] = [fmt(v) for v in shown[column]]
    return shown


def rows_display(rows: pd.DataFrame) -> pd.DataFrame:
    """One line per observation with numbers formatted, for Markdown, a report or a terminal."""
    out = []
    for r in rows.to_dict("records"):
        if r["kind"] == "event":
            observed = "yes" if r["observed"] else "no"
            forecast = f"P = {fmt(r.get('probability'))}"
        else:
            observed = fmt(r["observed"])
            forecast = (f"median {fmt(r.get('median'))} [90%: {fmt(r.get('q05'))} – "
                        f"{fmt(r.get('q95'))}]")
        line = {"observation": r["observation"], "point": r["point"],
                "statistic": r["statistic"], "observed": observed, "forecast": forecast,
                "score": f"{r['score_name']} {fmt(r['score'])}", "PIT": fmt(r.get("pit")),
                "in 50%/90%": _inside(r)}
        if "skill" in r:
            line["skill"] = fmt(r["skill"])
        out.append(line)
    return pd.DataFrame(out)


def fmt(value: Any, digits: int = 3) -> str:
    """A number in a few significant digits; ``–`` for none."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return "0" if value == 0 else f"{float(value):.{digits}g}"
    return str(value)


def _inside(row: dict[str, Any]) -> str:
    if row["kind"] == "event" or row.get("in50") is None or not math.isfinite(row["in50"]):
        return "–"
    return "/".join("yes" if row[k] else "no" for k in ("in50", "in90"))


def md_table(frame: pd.DataFrame) -> list[str]:
    """A frame as the lines of a Markdown table, every cell escaped."""
    head = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(markdown(h) for h in head) + " |",
             "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(markdown(str(v)) for v in row) + " |"
              for row in frame.itertuples(index=False)]
    return lines


def read_scores(folder: str | Path) -> dict[str, Any]:
    """Read ``scores.json`` from a scores folder.

    Raises:
        UserError: If it is missing or not the scores this module writes.
    """
    path = Path(folder) / "scores.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError("no scores.json; run stability-sim score first",
                        source=str(folder)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"not readable scores ({' '.join(str(exc).split())[:120]})",
                        source=str(path)) from None
    if not isinstance(data, dict) or data.get("kind") != "scores" \
            or not isinstance(data.get("rows"), list) \
            or not isinstance(data.get("overall"), list):
        raise UserError("not a scores file written by stability-sim score", source=str(path))
    return data

