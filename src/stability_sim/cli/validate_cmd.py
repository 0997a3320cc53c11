"""``stability-sim validate``: the stylized facts, or input files against the registry."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from stability_sim import params
from stability_sim.cli.common import console, say, user_errors
from stability_sim.config import load_scenario
from stability_sim.errors import UserError


@user_errors
def validate_command(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Scenario files (or shipped scenarios' names, e.g. baseline) to "
                       "check against the registry instead.",
                       show_default=False),
    ] = None,
    runs: Annotated[
        int | None,
        typer.Option("--runs", min=2, help="Runs per ensemble (default: each fact's own)."),
    ] = None,
    resolution: Annotated[
        float, typer.Option("--resolution", help="Grid resolution of the ensembles.")
    ] = 0.5,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Processes.")] = 2,
) -> None:
    """Run the stylized facts of MODEL.md §8 and print fact, statistic, threshold, pass.

    Exits 1 if any fact fails. With FILES, checks those scenario files against the
    parameter registry instead (ok, or one line naming the file and key, exit 2).
    """
    if files:
        for path in files:
            scenario = load_scenario(path)
            # The source, so that a name shows which file it stood for.
            say(f"ok  {scenario.source}  ({scenario.name}: {len(scenario.explicit)} keys set)")
        return
    from stability_sim.experiments.facts import check_all

    try:  # the registry declares the allowed resolutions
        resolution = params.get("grid.resolution").coerce(resolution)
    except UserError as exc:
        raise exc.at(source="--resolution") from None

    results = check_all(workers=workers, runs=runs, resolution=resolution)
    table = Table(title=f"stylized facts at {resolution}°")
    for column in ("fact", "statistic", "threshold", "result"):
        table.add_column(column, overflow="fold")
    for r in results:
        table.add_row(r.fact, r.statistic, r.threshold,
                      "[green]pass[/green]" if r.passed else "[red]FAIL[/red]")
    console.print(table)
    failed = [r.fact for r in results if not r.passed]
    if failed:
        console.print(f"{len(failed)} of {len(results)} facts failed: {', '.join(failed)}")
        raise typer.Exit(1)
