"""``stability-sim serve``: the live visual server (Mesa SolaraViz) on localhost."""

from __future__ import annotations

import ipaddress
import os
import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from stability_sim import shipped
from stability_sim.cli.common import say, user_errors
from stability_sim.config import load_scenario
from stability_sim.errors import UserError
from stability_sim.experiments.stops import run_child

LOOPBACK = "127.0.0.1"
SERVER = "stability_sim.viz.server"


#: A host name or an IPv4/IPv6 address (with an optional zone). Anything else is refused
#: before Solara, which prints the host raw, gets to show it.
HOST_PATTERN = re.compile(r"[A-Za-z0-9._:%\[\]-]{1,253}")


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def server_command(host: str, port: int) -> list[str]:
    """The server command line: Solara's app behind the origin guard (``viz/server.py``)."""
    return [sys.executable, "-m", SERVER, "--host", host, "--port", str(port)]


@user_errors
def serve_command(
    config: Annotated[Path | None, typer.Argument(
        help="Scenario file, or a shipped scenario's name, to start from (default: the "
        "registry defaults).")] = None,
    host: Annotated[str, typer.Option(
        help="Address to listen on. Only 127.0.0.1 (this machine) unless you opt in, "
        "e.g. 0.0.0.0 for every interface.")] = LOOPBACK,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8765,
) -> None:
    """Start the live visual server (Mesa SolaraViz) and print its address."""
    if not HOST_PATTERN.fullmatch(host):
        raise UserError("expected a host name or IP address, e.g. 127.0.0.1", source="--host",
                        key=host)
    if config is not None:
        # The server runs in another folder's process: hand it the file a name stands for.
        config = shipped.resolve(config, "scenarios")
        load_scenario(config)  # a bad file is refused here, with its message
    try:
        import solara  # noqa: F401
        import solara_assets  # noqa: F401
    except ImportError:
        raise UserError("the visual server needs the viz extra: pip install -e '.[viz]' "
                        "(make demo/test install it)", source="serve") from None
    if not is_loopback(host):
        say(f"warning: serving on {host}: anyone who can reach this machine can use the "
            "page; use the default 127.0.0.1 unless you mean it", stderr=True)
    env = dict(os.environ)
    if config is not None:
        env["STABILITY_SIM_SERVE_CONFIG"] = str(config.resolve())
    say(f"serving stability_sim on http://{host}:{port} (Ctrl-C stops it)")
    # run_child stops the server with this command: on Ctrl-C, SIGTERM or SIGHUP, and
    # when this process is killed outright.
    raise typer.Exit(run_child(server_command(host, port), env=env))
