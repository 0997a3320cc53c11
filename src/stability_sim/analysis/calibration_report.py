"""The report of a calibration folder: ``report.md``, ``report.html`` and the figures.

It says what was calibrated from what (the input files and their sha256), how many runs
each stage took, the posterior of each parameter against its prior (and the truth when
the targets were synthetic), how far history matching narrowed the prior box, how well
the emulators predicted left-out points, and whether the posterior predictive covers each
target. A calibration stopped before a stage still reports, with a note on what is
missing. Rendered with the sweep report's blocks (:class:`~stability_sim.analysis.report._Doc`),
which escape everything the folder says.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from stability_sim import __version__
from stability_sim.analysis.calibration_figures import (
    CalibrationFigure,
    calibration_figures,
    save_figures,
)
from stability_sim.analysis.calibration_folder import CalibrationFolder, read_calibration
from stability_sim.analysis.report import Report, _Doc, _fmt
from stability_sim.calibration.constraints import constraining_targets, first_stage
from stability_sim.experiments.folder import refuse_links, storage
from stability_sim.paths import safe_output_dir
from stability_sim.runio import atomic_write_bytes

#: Significant digits of the posterior table: a troop count shows whole.
DIGITS = 5
#: A wave's emulator of a target passes the leave-one-out check when this share of the
#: points lies within ``LOO_BOUND`` sd of its prediction (as for normal errors).
LOO_SHARE, LOO_BOUND = 0.95, 3.0


def write_calibration_report(folder: str | Path, out: str | Path | None = None) -> Report:
    """Write the report of a calibration folder into ``out`` (default ``<folder>/report``).

    Args:
        folder: A calibration folder (complete or not).
        out: The report folder.

    Returns:
        What was written; ``counts`` holds the runs (``total``, ``ok``, ``failed``,
        ``pending`` = 0), ``notes`` what was left out.

    Raises:
        UserError: If the folder is not a readable calibration.
    """
    cal = read_calibration(folder)
    target = safe_output_dir(Path(out) if out is not None else cal.path / "report",
                             option="report folder", allow_climb=True)
    with storage(target, "run the report again"):
        return _write(cal, target)


def _write(cal: CalibrationFolder, folder: Path) -> Report:
    refuse_links(folder, ("report.md", "report.html"), listed=("figures",))
    m = cal.manifest
    runs = m.get("runs") if isinstance(m.get("runs"), dict) else {}
    counts = {k: int(runs[k]) if isinstance(runs.get(k), int) else 0
              for k in ("total", "ok", "failed")}
    counts["pending"] = 0
    report = Report(folder, folder / "report.md", folder / "report.html", counts=counts)
    figures = calibration_figures(cal)
    report.figures = save_figures(figures, folder / "figures")
    shown = {f.name: f for f in figures}

    doc = _Doc()
    title = f"Calibration report: {cal.name}"
    doc.heading(title, 1)
    if m.get("description"):
        doc.para(" ".join(str(m["description"]).split()))
    status = str(m.get("status", "unknown"))
    doc.para(f"Written {datetime.now(UTC).replace(microsecond=0).isoformat()} by "
             f"stability_sim {__version__} from {cal.path}. Status: {status}.")
    if status != "complete":
        doc.para("The calibration is not complete: the report shows the stages it "
                 "finished.")
    _inputs(doc, cal)
    _stages(doc, cal, counts)

    doc.heading("Posterior")
    if cal.posterior is None:
        note = ("no posterior: the calibration ended before its ABC stage; the table "
                "shows the prior box only")
        report.notes.append(note)
        doc.para(note[0].upper() + note[1:] + ".")
    else:
        doc.para(f"{len(cal.posterior)} weighted parameter sets (ABC-SMC); the median and "
                 "the 90% interval are weighted quantiles.")
    doc.table(posterior_table(cal))
    best = best_draw_table(cal)
    if len(best):
        fit = cal.summary["best_draw"]
        doc.para(f"The posterior predictive draw that fits every target at once best "
                 f"(smallest sum of squared z over the targets, z in observation sd): "
                 f"draw {fit.get('draw')}, sum of z² {float(fit.get('sum_z2', 'nan')):.1f}. "
                 "Parameter values:")
        doc.table(best)
    _figure(doc, shown, "posterior_marginals.png")
    _figure(doc, shown, "posterior_pairs.png")

    doc.heading("History matching")
    shares = cal.nroy_shares()
    if shares:
        doc.para(f"Implausibility cutoff {cal.cutoff:g}: a parameter set is ruled out when "
                 "a target's implausibility (the distance between emulator and observation "
                 "in units of the combined sd) reaches it in any wave.")
        doc.table(nroy_table(cal))
    else:
        report.notes.append("no history-matching wave in the folder")
        doc.para("No history-matching wave in the folder.")
    _figure(doc, shown, "implausibility.png")

    doc.heading("Emulators")
    loo = loo_table(cal)
    if len(loo):
        doc.para(f"Leave-one-out per wave and target: each design point predicted by the "
                 f"emulator fitted without it. An emulator passes when at least "
                 f"{LOO_SHARE:.0%} of |z| are below {LOO_BOUND:g}, z = (simulated − "
                 "predicted) / sd, the sd including the point's own noise.")
        doc.table(loo)
    else:
        report.notes.append("no emulator diagnostics (no emulators.parquet)")
        doc.para("No emulator diagnostics in the folder.")
    _figure(doc, shown, "emulator_loo.png")

    doc.heading("Posterior predictive check")
    if cal.predictive is not None and len(cal.predictive):
        table = predictive_table(cal)
        covered = int((table["covered"] == "yes").sum())
        doc.para(f"{covered} of {len(table)} targets covered: the observed value lies in "
                 "the posterior predictive 5–95% band (observation error included).")
        doc.table(table)
    else:
        report.notes.append("no posterior predictive check (no predictive.parquet)")
        doc.para("No posterior predictive check in the folder.")
    _figure(doc, shown, "predictive.png")

    notes = cal.summary.get("notes")
    if isinstance(notes, list) and notes:
        doc.heading("Notes from the calibration")
        doc.bullets([str(n) for n in notes])
    atomic_write_bytes(report.markdown, doc.markdown().encode())
    atomic_write_bytes(report.html, doc.page(title).encode())
    return report


def _figure(doc: _Doc, shown: dict[str, CalibrationFigure], name: str) -> None:
    item = shown[name]
    if item.figure is None:  # the section's own note says so on the command line
        doc.para(f"Figure {name} left out: {item.note}.")
    else:
        doc.figure(name, item.caption)


def _inputs(doc: _Doc, cal: CalibrationFolder) -> None:
    m = cal.manifest
    doc.heading("Inputs")
    inputs = m.get("inputs") if isinstance(m.get("inputs"), dict) else {}
    if inputs:
        doc.table(pd.DataFrame({"file": [str(k) for k in inputs],
                                "sha256": [str(v) for v in inputs.values()]}))
    items = [f"parameters: {len(cal.parameters)} ({', '.join(cal.parameters)})",
             f"targets: {len(cal.targets)} ({', '.join(cal.targets)})"]
    for key in ("seed", "replications", "budget"):
        if key in m:
            items.append(f"{key}: {_fmt(m[key])}")
    method = m.get("method") if isinstance(m.get("method"), dict) else {}
    for key, value in method.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {_fmt(v)}" for k, v in value.items())
        items.append(f"{key.replace('_', ' ')}: {value}")
    doc.bullets(items)


def _stages(doc: _Doc, cal: CalibrationFolder, counts: dict[str, int]) -> None:
    doc.heading("Runs")
    stages = cal.manifest.get("stages")
    rows = [s for s in stages if isinstance(s, dict)] if isinstance(stages, list) else []
    if rows:
        doc.table(pd.DataFrame({"stage": [str(s.get("name", "")) for s in rows],
                                "folder": [str(s.get("folder", "")) for s in rows],
                                "points": [_fmt(s.get("points")) for s in rows],
                                "runs": [_fmt(s.get("runs")) for s in rows]}))
    line = (f"{counts['total']} runs in all, {counts['ok']} ok, {counts['failed']} failed")
    elapsed = cal.manifest.get("elapsed_s", cal.summary.get("elapsed_s"))
    if isinstance(elapsed, int | float) and not isinstance(elapsed, bool):
        line += f"; wall time {elapsed / 60:.1f} min"
    doc.para(line + ".")


def posterior_table(cal: CalibrationFolder) -> pd.DataFrame:
    """Per parameter: prior range, posterior median and 90% interval, truth if known."""
    stats = cal.posterior_stats()
    table = pd.DataFrame({
        "parameter": stats["parameter"],
        "prior range": [f"[{_fmt(lo, DIGITS)}, {_fmt(hi, DIGITS)}]" for lo, hi in
                        zip(stats["low"], stats["high"], strict=True)],
        "median": [_fmt(v, DIGITS) for v in stats["median"]],
        "90% interval": ["–" if np.isnan(lo) else f"[{_fmt(lo, DIGITS)}, {_fmt(hi, DIGITS)}]"
                         for lo, hi in zip(stats["q05"], stats["q95"], strict=True)],
        "interval / prior width": [
            "–" if np.isnan(lo) else f"{(hi - lo) / (high - low):.2f}"
            for lo, hi, low, high in zip(stats["q05"], stats["q95"], stats["low"],
                                         stats["high"], strict=True)]})
    if cal.runs is not None:
        # Read from the runs, not the summary, so that folders written before the summary
        # recorded it get the column too.
        links = constraining_targets(first_stage(cal.runs), list(stats["parameter"]),
                                     cal.targets)
        table["constrained by (|rho| >= 0.3, wave 1)"] = [
            ", ".join(f"{e['target']} ({float(e['rho']):+.2f})" for e in links[p]) or "none"
            for p in stats["parameter"]]
    if stats["truth"].notna().any():
        table["truth"] = [_fmt(v, DIGITS) for v in stats["truth"]]
        table["truth in 90%"] = [
            "–" if np.isnan(t) or np.isnan(lo) else ("yes" if lo <= t <= hi else "no")
            for t, lo, hi in zip(stats["truth"], stats["q05"], stats["q95"], strict=True)]
    return table


def best_draw_table(cal: CalibrationFolder) -> pd.DataFrame:
    """The best joint predictive draw's parameter values (empty when not recorded)."""
    fit = cal.summary.get("best_draw")
    if not isinstance(fit, dict) or not isinstance(fit.get("values"), dict):
        return pd.DataFrame()
    return pd.DataFrame({"parameter": list(fit["values"]),
                         "value": [_fmt(float(v), DIGITS) for v in fit["values"].values()]})


def nroy_table(cal: CalibrationFolder) -> pd.DataFrame:
    """Per wave: design points, those not ruled out, the share of the prior box left."""
    shares = cal.nroy_shares()
    rows = []
    for k, share in enumerate(shares, start=1):
        row = {"wave": k, "design points": "–", "not ruled out": "–",
               "share of the prior box left": f"{100 * share:.3g}%"}
        if cal.waves is not None and {"wave", "nroy"} <= set(cal.waves.columns):
            part = cal.waves[cal.waves["wave"] == k]
            if len(part):
                row["design points"] = str(len(part))
                row["not ruled out"] = str(int(part["nroy"].astype(bool).sum()))
        rows.append(row)
    return pd.DataFrame(rows)


def loo_table(cal: CalibrationFolder) -> pd.DataFrame:
    """Per wave and target: leave-one-out coverage and the largest error in sd."""
    table = cal.emulators
    if table is None or table.empty:
        return pd.DataFrame()
    rows = []
    for (wave, target), part in table.groupby(["wave", "target"], sort=True):
        z = (part["z"] if "z" in part.columns
             else (part["observed"] - part["mean"]) / part["sd"]).to_numpy(dtype=float)
        z = np.abs(z[np.isfinite(z)])
        if not z.size:
            continue
        within = float(np.mean(z < LOO_BOUND))  # as Emulator.loo_ok counts
        rows.append({"wave": _fmt(wave), "target": str(target), "points": str(z.size),
                     "|z| < 2": f"{np.mean(z < 2):.0%}",
                     f"|z| < {LOO_BOUND:g}": f"{within:.0%}",
                     "max |z|": f"{z.max():.2f}",
                     "passes": "yes" if within >= LOO_SHARE else "no"})
    return pd.DataFrame(rows)


def predictive_table(cal: CalibrationFolder) -> pd.DataFrame:
    """Per target: observation and its 90% interval, predictive median and band, covered."""
    p = cal.predictive
    if "covered" in p.columns:
        covered = p["covered"].astype(bool)
    else:
        covered = (p["q05"] <= p["observed"]) & (p["observed"] <= p["q95"])
    return pd.DataFrame({
        "target": p["target"].astype(str),
        "observed": [_fmt(float(v), DIGITS) for v in p["observed"]],
        "observed 90%": [f"[{_fmt(float(lo), DIGITS)}, {_fmt(float(hi), DIGITS)}]"
                         for lo, hi in zip(p["lo"], p["hi"], strict=True)],
        "predictive median": [_fmt(float(v), DIGITS) for v in p["median"]],
        "predictive 5–95%": [f"[{_fmt(float(lo), DIGITS)}, {_fmt(float(hi), DIGITS)}]"
                             for lo, hi in zip(p["q05"], p["q95"], strict=True)],
        "covered": ["yes" if c else "no" for c in covered]})
