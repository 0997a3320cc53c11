"""The ``stability-sim`` application: registers each command group's module."""

from __future__ import annotations

from typing import Annotated

import typer

from stability_sim import __version__
from stability_sim.cli.calibrate_cmd import calibrate_command
from stability_sim.cli.explore_cmd import discover_command, robustness_command
from stability_sim.cli.params_cmd import params_command
from stability_sim.cli.report_cmd import report_command
from stability_sim.cli.run_cmd import run_command
from stability_sim.cli.score_cmd import score_command
from stability_sim.cli.serve_cmd import serve_command
from stability_sim.cli.sweep_cmd import sweep_command
from stability_sim.cli.validate_cmd import validate_command

app = typer.Typer(
    name="stability-sim",
    help="Agent-based simulation of regional stability in Central Asia after the "
    "international drawdown from Afghanistan (Mesa 3).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"stability-sim {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Agent-based simulation of regional stability in Central Asia (Mesa 3)."""


app.command("params")(params_command)
app.command("run")(run_command)
app.command("validate")(validate_command)
app.command("sweep")(sweep_command)
app.command("calibrate")(calibrate_command)
app.command("report")(report_command)
app.command("score")(score_command)
app.command("discover")(discover_command)
app.command("robustness")(robustness_command)
app.command("serve")(serve_command)
