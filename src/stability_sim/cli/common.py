"""What every command shares: user-error handling and the common options.

A :class:`~stability_sim.errors.UserError` raised anywhere inside a command becomes one
line on stderr and exit code 2; any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from stability_sim import shipped
from stability_sim.errors import UserError
from stability_sim.untrusted import printable

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def user_errors[F: Callable[..., Any]](func: F) -> F:
    """Turn a :class:`UserError` raised by ``func`` into a one-line message and exit 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except UserError as exc:
            fail(exc)

    return wrapper  # type: ignore[return-value]


def fail(exc: UserError) -> None:
    """Print ``error: <line>`` on stderr and exit with the error's code."""
    # UserError.line already escapes control characters; printable again is a no-op then
    # but guards a subclass. No markup or emoji: "[red]" or ":x:" is printed as typed.
    err_console.print(f"error: {printable(exc.line())}", markup=False, emoji=False)
    raise typer.Exit(exc.exit_code)


def say(text: str, *, stderr: bool = False) -> None:
    """Print a line that echoes user-supplied strings (paths, names, notes) literally.

    Control and bidi characters are shown as escapes and Rich markup is not read, so a
    file name cannot drive the terminal or restyle the output.
    """
    (err_console if stderr else console).print(printable(text), markup=False, emoji=False)


def cell(text: object) -> Text:
    """A table cell or title holding user-supplied text, shown literally (no markup)."""
    return Text(printable(str(text)))


SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="KEY=VALUE",
        help="Override a parameter, typed by the registry (repeatable), "
        "e.g. --set cooperation.level=0.8. See `stability-sim params`.",
    ),
]
SeedOption = Annotated[
    int | None,
    typer.Option("--seed", help="Master seed of the run (overrides the file's `seed`)."),
]
ConfigArgument = Annotated[
    Path,
    typer.Argument(
        help="Scenario file (YAML), e.g. configs/scenarios/baseline.yaml, or the name of a "
        f"shipped scenario: {', '.join(shipped.names('scenarios'))} (an existing file of "
        "that name wins).",
        show_default=False,
    ),
]
