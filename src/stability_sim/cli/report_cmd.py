"""``stability-sim report``: figures and reports of a results or a calibration folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from stability_sim.cli.common import say, user_errors
from stability_sim.errors import UserError
from stability_sim.paths import safe_output_dir


@user_errors
def report_command(
    results_dir: Annotated[Path, typer.Argument(
        help="A sweep's results folder, or a calibration folder.")],
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Report folder (default RESULTS_DIR/report).")] = None,
    outcomes: Annotated[str | None, typer.Option(
        "--outcomes", help="Comma-separated outcomes to report (default: the main ones; "
        "see `stability-sim params` for the model, docs/ODD.md for outcome names).")] = None,
) -> None:
    """Write figures, report.md and report.html for a sweep's results or a calibration.

    Reads the folder only; the model is never run. Failed runs are counted and left out.
    A calibration folder (its manifest says kind: calibration) gets the calibration
    report: inputs, runs per stage, the posterior against the prior, history matching,
    the emulators' checks and the posterior predictive check.
    """
    if out is not None:
        safe_output_dir(out)
    # matplotlib is only needed here: import it headless before anything draws.
    import matplotlib

    matplotlib.use("Agg")
    from stability_sim.analysis.calibration_folder import is_calibration
    from stability_sim.analysis.report import write_report

    if is_calibration(results_dir):
        if outcomes:
            raise UserError("applies to a sweep's results, not to a calibration folder",
                            source="--outcomes")
        _calibration_report(results_dir, out)
        return

    names = [o.strip() for o in outcomes.split(",") if o.strip()] if outcomes else None
    report = write_report(results_dir, out, names)
    c = report.counts
    say(f"runs: {c['ok']} ok, {c['failed']} failed"
                  + (f", {c['pending']} not run" if c["pending"] else "")
                  + f" of {c['total']}")
    for note in report.notes:
        say(f"note: {note}")
    say(f"wrote {report.markdown}, {report.html.name} and {len(report.figures)} figures in "
        f"{report.folder / 'figures'}")


def _calibration_report(folder: Path, out: Path | None) -> None:
    from stability_sim.analysis.calibration_report import write_calibration_report

    report = write_calibration_report(folder, out)
    c = report.counts
    say(f"calibration runs: {c['ok']} ok, {c['failed']} failed of {c['total']}")
    for note in report.notes:
        say(f"note: {note}")
    say(f"wrote {report.markdown}, {report.html.name} and {len(report.figures)} figures in "
        f"{report.folder / 'figures'}")
