"""``stability-sim run``: one scenario, one seed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from stability_sim.cli.common import ConfigArgument, SeedOption, SetOption, console, user_errors
from stability_sim.config import Scenario, load_scenario
from stability_sim.errors import UserError


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
    table = Table(title=f"scenario {scenario.name} ({scenario.source})", show_header=True)
    table.add_column("parameter", style="bold")
    table.add_column("value")
    shown: dict[str, Any] = dict(scenario.explicit)
    for key in ("start", "months", "seed", "grid.resolution"):
        shown.setdefault(key, scenario[key])
    for key, value in shown.items():
        table.add_row(key, str(value))
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

    Example: stability-sim run configs/scenarios/baseline.yaml --seed 7 --set
    cooperation.level=0.8 --out results/one
    """
    scenario = scenario_from_cli(config, seed, months, sets)
    print_scenario(scenario)
    print_grid_summary(scenario["grid.resolution"])
    if dry_run:
        console.print("dry run: scenario valid; nothing simulated.")
        return
    raise UserError(
        "the model itself is not in this version yet (it lands with the model issue); "
        "use --dry-run to check a scenario"
    )
