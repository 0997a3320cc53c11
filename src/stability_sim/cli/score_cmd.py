"""``stability-sim score``: proper scores of a results folder against observations."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from stability_sim.cli.common import cell, console, say, user_errors
from stability_sim.paths import safe_output_dir


class ByChoice(StrEnum):
    """How runs are pooled into forecasts."""

    ALL = "all"
    POINT = "point"


@user_errors
def score_command(
    results_dir: Annotated[Path, typer.Argument(help="A sweep's results folder.",
                                                show_default=False)],
    observations: Annotated[Path, typer.Argument(
        help="Observations file (YAML), or the name of a shipped one (example: an "
        "illustration of the format, not evidence).", show_default=False)],
    reference: Annotated[Path | None, typer.Option(
        "--reference", help="Another results folder to compare with: skill = 1 - S/S_ref "
        "(all its runs pooled).")] = None,
    by: Annotated[ByChoice, typer.Option(
        "--by", help="all: one forecast from every finished run; point: one per design "
        "point.")] = ByChoice.ALL,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Scores folder (default RESULTS_DIR/scores).")] = None,
) -> None:
    """Score a results folder's forecasts against what was later observed.

    CRPS for numbers, Brier score for events (lower is better); PIT and 50%/90%
    interval coverage. Writes scores.csv, scores.md, scores.json, pit.png and crps.png.
    Reads the folders only; the model is never run.
    """
    if out is not None:
        safe_output_dir(out)
    # matplotlib is only needed for the figures: headless before anything draws.
    import matplotlib

    matplotlib.use("Agg")
    from stability_sim.analysis.score_figures import write_score_figures
    from stability_sim.calibration.scoring import (
        default_folder,
        fmt,
        overall_display,
        score,
        write_scores,
    )
    from stability_sim.experiments.folder import storage

    table = score(results_dir, observations, reference=reference, by=by.value)
    folder = out if out is not None else default_folder(results_dir)
    files = write_scores(table, folder)
    with storage(folder, "run the scoring again"):
        files += write_score_figures(table.rows, folder)

    say(f"forecasts of {results_dir} scored against {observations}")
    shown = Table(title="forecast scores (lower is better)")
    per_point = by is ByChoice.POINT
    columns = ["observation", *(["point"] if per_point else []), "observed", "forecast",
               "score", "PIT", "in 50/90", *(["skill"] if reference is not None else [])]
    for column in columns:
        # The names are what a reader looks for: never broken across lines.
        shown.add_column(column, no_wrap=column == "observation", overflow="fold")
    for r in table.rows.to_dict("records"):
        if r["kind"] == "event":
            observed, forecast, inside = ("yes" if r["observed"] else "no",
                                          f"P = {fmt(r['probability'])}", "–")
        else:
            observed = fmt(r["observed"])
            forecast = f"{fmt(r['median'])} [{fmt(r['q05'])}, {fmt(r['q95'])}]"
            inside = ("–" if r["runs"] == 0 else
                      "/".join("yes" if r[k] else "no" for k in ("in50", "in90")))
        row = [cell(r["observation"]), *([cell(r["point"])] if per_point else []), observed,
               forecast, f"{r['score_name']} {fmt(r['score'])}", fmt(r["pit"]), inside]
        if reference is not None:
            row.append(fmt(r["skill"]))
        shown.add_row(*row)
    console.print(shown)
    overall = overall_display(table.overall)
    for record in overall.to_dict("records"):
        line = (f"{'all runs' if record['point'] == 'all' else 'point ' + str(record['point'])}: "
                f"mean CRPS {record['crps']} over {record['continuous']} numbers, mean Brier "
                f"{record['brier']} over {record['events']} events, coverage 50% "
                f"{record['coverage50']}, 90% {record['coverage90']}")
        if reference is not None:
            line += f"; skill CRPS {record['crps_skill']}, Brier {record['brier_skill']}"
        say(line)
    say(f"wrote {', '.join(p.name for p in files)} in {folder}")
