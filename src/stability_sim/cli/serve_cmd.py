"""``stability-sim serve``: the live visual server (Mesa SolaraViz) on localhost."""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from stability_sim.cli.common import console, err_console, user_errors
from stability_sim.config import load_scenario
from stability_sim.errors import UserError
from stability_sim.experiments.stops import run_child

LOOPBACK = "127.0.0.1"
APP = "stability_sim.viz.app"


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def server_command(host: str, port: int) -> list[str]:
    """The Solara server command line for the app (production mode, no browser opened)."""
    return [sys.executable, "-m", "solara", "run", APP, "--host", host, "--port", str(port),
            "--production", "--no-open", "--no-check-version", "--theme-variant", "light",
            "--log-level", "warning"]


@user_errors
def serve_command(
    config: Annotated[Path | None, typer.Argument(
        help="Scenario file to start from (default: the registry defaults).")] = None,
    host: Annotated[str, typer.Option(
        help="Address to listen on. Only 127.0.0.1 (this machine) unless you opt in, "
        "e.g. 0.0.0.0 for every interface.")] = LOOPBACK,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8765,
) -> None:
    """Start the live visual server (Mesa SolaraViz) and print its address."""
    if config is not None:
        load_scenario(config)  # a bad file is refused here, with its message
    try:
        import solara  # noqa: F401
        import solara_assets  # noqa: F401
    except ImportError:
        raise UserError("the visual server needs the viz extra: pip install -e '.[viz]' "
                        "(make demo/test install it)", source="serve") from None
    if not is_loopback(host):
        err_console.print(f"warning: serving on {host}: anyone who can reach this machine "
                          "can use the page; use the default 127.0.0.1 unless you mean it",
                          markup=False)
    env = dict(os.environ)
    if config is not None:
        env["STABILITY_SIM_SERVE_CONFIG"] = str(config.resolve())
    console.print(f"serving stability_sim on http://{host}:{port} (Ctrl-C stops it)")
    # run_child stops the server with this command: on Ctrl-C, SIGTERM or SIGHUP, and
    # when this process is killed outright.
    raise typer.Exit(run_child(server_command(host, port), env=env))
