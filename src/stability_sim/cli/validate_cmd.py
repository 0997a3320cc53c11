"""``stability-sim validate``: check input files against the registry."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from stability_sim.cli.common import console, user_errors
from stability_sim.config import SCENARIO_DIR, load_scenario


@user_errors
def validate_command(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Scenario files to check; without any, the shipped configs/scenarios/*.yaml.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check scenario files against the parameter registry.

    Each file is reported as ok, or the first problem is printed as one line naming the
    file and key, with exit code 2. (The stylized-fact ensembles of MODEL.md §8 join this
    command with the model.)
    """
    paths = files or sorted(SCENARIO_DIR.glob("*.yaml"))
    for path in paths:
        scenario = load_scenario(path)
        console.print(f"ok  {path}  ({scenario.name}: {len(scenario.explicit)} keys set)")
