"""Commands whose work lands with later issues: serve.

They are registered now so that ``stability-sim --help`` shows the whole tool and scripts
can be written against the names; each refuses to run, saying so, until it is built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from stability_sim.cli.common import user_errors
from stability_sim.errors import UserError


def _not_yet(command: str, what: str) -> UserError:
    err = UserError(f"'{command}' is not in this version yet ({what}); nothing was run")
    err.exit_code = 1  # not the user's mistake
    return err


@user_errors
def serve_command(
    config: Annotated[Path | None, typer.Argument(help="Scenario file to start from.")] = None,
) -> None:
    """Start the live visual server (Mesa SolaraViz) on localhost."""
    raise _not_yet("serve", "the visual server comes with the visual server issue")
