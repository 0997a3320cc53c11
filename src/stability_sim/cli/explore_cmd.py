"""``stability-sim discover`` and ``stability-sim robustness``: exploratory analysis of runs."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from stability_sim.cli.common import console, say, user_errors
from stability_sim.paths import safe_output_dir


class Method(StrEnum):
    """Scenario-discovery methods."""

    PRIM = "prim"
    CART = "cart"


class Direction(StrEnum):
    """Whether less or more of an outcome is better."""

    MIN = "min"
    MAX = "max"


@user_errors
def discover_command(
    results_dir: Annotated[Path, typer.Argument(help="A sweep's results folder.",
                                                show_default=False)],
    event: Annotated[str, typer.Option(
        "--event", "-e", show_default=False,
        help="What to explain: a true/false outcome (destabilized_central_asia), a month "
        "outcome with or without a limit (afg_government_collapse_month<=36), or a "
        "threshold on a number (attacks_central_asia_total>500).")],
    method: Annotated[Method, typer.Option(
        "--method", help="prim: peeling and pasting with its coverage-density trade-off; "
        "cart: a classification tree's leaves.")] = Method.PRIM,
    min_coverage: Annotated[float, typer.Option(
        "--min-coverage", help="Choose the densest box that covers at least this share of "
        "the event's runs.")] = 0.5,
    box: Annotated[int | None, typer.Option(
        "--box", help="PRIM: report this box of the trajectory instead (see "
        "tradeoff.csv).")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Output folder (default RESULTS_DIR/discovery/EVENT).")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the resampling and the "
                                      "feature scoring.")] = 0,
) -> None:
    """Find the conditions (uncertainties and levers) under which an event happens.

    Scenario discovery with EMA Workbench: PRIM or CART on the runs, with the swept
    parameters as inputs, and extra-trees feature scores. Writes box.csv, features.csv,
    discovery.md, discovery.json and figures (trade-off curve, box limits, pairwise
    scatter, feature scores). Reads the folder only; the model is never run.
    """
    if out is not None:
        safe_output_dir(out)
    from stability_sim.analysis.exploratory import box_table, discover

    result = discover(results_dir, event, method=method.value, out=out,
                      min_coverage=min_coverage, box=box, seed=seed)
    say(f"{result.event.label()}: {result.hits} of {result.runs} runs "
        f"(base rate {result.hits / result.runs:.3f})")
    shown = Table(title=f"{method.value.upper()} box: coverage {result.coverage:.3f}, "
                  f"density {result.density:.3f}")
    for column in ("dimension", "within", "quasi-p"):
        shown.add_column(column, no_wrap=column == "dimension", overflow="fold")
    for row in box_table(result.limits).itertuples(index=False):
        shown.add_row(*map(str, row))
    console.print(shown)
    top = ", ".join(f"{k} {v:.2f}" for k, v in result.features.head(4).items())
    say(f"feature scores: {top}")
    say(f"wrote {len(result.files)} files in {result.folder}")


@user_errors
def robustness_command(
    results_dir: Annotated[Path, typer.Argument(help="A sweep's results folder.",
                                                show_default=False)],
    outcome: Annotated[str, typer.Option(
        "--outcome", show_default=False,
        help="A summary outcome (attacks_central_asia_total), or an event "
        "(destabilized_central_asia, afg_government_collapse_month<=36), counted as its "
        "probability.")],
    threshold: Annotated[float | None, typer.Option(
        "--threshold", help="Satisficing: a world is acceptable when the outcome's mean "
        "there is at most this (at least, with --direction max).")] = None,
    direction: Annotated[Direction, typer.Option(
        "--direction", help="min: less is better; max: more is better.")] = Direction.MIN,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Output folder (default RESULTS_DIR/robustness/OUTCOME).")] = None,
    bootstrap: Annotated[int, typer.Option(
        "--bootstrap", min=0, help="Resamples of the replications for the intervals.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap.")] = 0,
) -> None:
    """How each policy (a setting of the levers) does across the sampled worlds.

    Per policy: the mean and 10th/50th/90th percentiles over worlds, satisficing (share
    of worlds meeting --threshold) and maximum regret, each with a bootstrap interval over
    the replications. Writes robustness.csv/.md/.json, regret.csv, values.csv and
    robustness.png. Reads the folder only; the model is never run.
    """
    if out is not None:
        safe_output_dir(out)
    from stability_sim.analysis.exploratory import robust, robustness_display

    report = robust(results_dir, outcome, direction=direction.value, threshold=threshold,
                    out=out, bootstrap=bootstrap, seed=seed)
    rob = report.result
    worlds, runs = int(rob.table["worlds"].iloc[0]), int(rob.table["runs"].sum())
    shown = Table(title=f"robustness of {report.label} over {worlds} worlds, {runs} runs "
                  f"({'less' if rob.direction == 'min' else 'more'} is better; 90% "
                  "intervals)")
    # Two digits and no counts: the table fits a terminal (the files have everything).
    display = robustness_display(rob, digits=2).drop(columns=["worlds", "runs"])
    for column in display.columns:
        shown.add_column(str(column), overflow="fold")
    for row in display.itertuples(index=False):
        shown.add_row(*map(str, row))
    console.print(shown)
    say(f"minimax regret: {rob.best}")
    if rob.dropped_worlds:
        say(f"note: {len(rob.dropped_worlds)} worlds left out (some policy has no finished "
            "run there)")
    say(f"wrote {len(report.files)} files in {report.folder}")
