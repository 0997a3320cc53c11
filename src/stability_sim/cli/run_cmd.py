"""``stability-sim run``: one scenario, one seed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from stability_sim import __version__
from stability_sim.cli.common import (
    ConfigArgument,
    SeedOption,
    SetOption,
    cell,
    console,
    err_console,
    say,
    user_errors,
)
from stability_sim.config import Scenario, load_scenario
from stability_sim.errors import UserError
from stability_sim.paths import safe_output_dir
from stability_sim.runio import write_run


def scenario_from_cli(
    config: Path, seed: int | None, months: int | None, sets: list[str] | None
) -> Scenario:
    """Load a scenario and apply the shared command-line overrides in their order.

    ``--seed`` and ``--months`` are shorthands for ``--set seed=..`` and
    ``--set months=..`` and are checked by the registry the same way.
    """
    extra = list(sets or [])
    if seed is not None:
        extra.append(f"seed={seed}")
    if months is not None:
        extra.append(f"months={months}")
    return load_scenario(config, extra)


def print_scenario(scenario: Scenario) -> None:
    """Print the scenario's name, source and explicitly set values as a table."""
    table = Table(title=cell(f"scenario {scenario.name} ({scenario.source})"), show_header=True)
    table.add_column("parameter", style="bold")
    table.add_column("value")
    shown: dict[str, Any] = dict(scenario.explicit)
    for key in ("start", "months", "seed", "grid.resolution"):
        shown.setdefault(key, scenario[key])
    for key, value in shown.items():
        table.add_row(key, cell(value))
    console.print(table)


def print_grid_summary(resolution: float) -> None:
    """Print the regional grid's summary for one resolution."""
    from stability_sim.geography import RegionalGrid

    summary = RegionalGrid.load(resolution).summary()
    table = Table(title=f"regional grid at {resolution}°")
    table.add_column("item", style="bold")
    table.add_column("value")
    for key, value in summary.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}"
                              for k, v in value.items())
        elif isinstance(value, int | float):
            value = f"{value:,}"
        table.add_row(key, str(value))
    console.print(table)


@user_errors
def run_command(
    config: ConfigArgument,
    seed: SeedOption = None,
    months: Annotated[
        int | None, typer.Option("--months", help="Horizon in months (overrides the file).")
    ] = None,
    sets: SetOption = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for timeseries.parquet and summary.json."),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Validate the scenario and show what would run."),
    ] = False,
) -> None:
    """Run one scenario with one seed and print its summary.

    With --out, writes DIR/timeseries.parquet (one row per month: step, date, then the
    outcomes) and DIR/summary.json (the summary plus scenario, seed and version).

    Example: stability-sim run configs/scenarios/baseline.yaml --seed 7 --set
    cooperation.level=0.8 --out results/one
    """
    scenario = scenario_from_cli(config, seed, months, sets)
    if out is not None and safe_output_dir(out).exists() and not out.is_dir():
        raise UserError("exists and is not a folder", source="--out", key=str(out))
    print_scenario(scenario)
    if dry_run:
        print_grid_summary(scenario["grid.resolution"])
        console.print("dry run: scenario valid; nothing simulated.")
        return
    summary, model = simulate(scenario)
    print_summary(summary)
    if out is not None:
        write_run(out, model.timeseries(), summary, run_meta(scenario, model))
        say(f"wrote {out / 'timeseries.parquet'} and {out / 'summary.json'}")


def simulate(scenario: Scenario) -> tuple[dict[str, Any], Any]:
    """Build and run the model with a progress bar; return the summary and the model."""
    from stability_sim.model import StabilityModel

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err_console, transient=True) as progress:
        task = progress.add_task(f"building {scenario.name}", total=scenario["months"])
        model = StabilityModel(scenario)
        progress.update(task, description=f"running {scenario.name}")
        while model.running and model.steps < model.months:
            model.step()
            progress.advance(task)
    return model.summary(), model


def run_meta(scenario: Scenario, model: Any) -> dict[str, Any]:
    """What summary.json records besides the summary: scenario, seed, version."""
    return {
        "scenario": scenario.to_nested(resolved=True),
        "seed": scenario["seed"],
        "seed_entropy": model.seed_entropy,
        "spawn_key": list(model.spawn_key),
        "version": __version__,
    }


def print_summary(summary: dict[str, Any]) -> None:
    """The run summary as a readable two-column table."""
    table = Table(title="run summary")
    table.add_column("outcome", style="bold")
    table.add_column("value", justify="right")
    for key, value in summary.items():
        if value is None:
            text = "—"
        elif isinstance(value, bool):
            text = "yes" if value else "no"
        elif isinstance(value, float):
            text = f"{value:,.3f}" if abs(value) < 100 else f"{value:,.0f}"
        else:
            text = f"{value:,}" if isinstance(value, int) else str(value)
        table.add_row(key, text)
    console.print(table)
