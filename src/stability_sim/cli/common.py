"""What every command shares: user-error handling and the common options.

A :class:`~stability_sim.errors.UserError` raised anywhere inside a command becomes one
line on stderr and exit code 2; any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from stability_sim.errors import UserError

F = TypeVar("F", bound=Callable[..., Any])

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def user_errors(func: F) -> F:
    """Turn a :class:`UserError` raised by ``func`` into a one-line message and exit 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except UserError as exc:
            fail(exc)

    return wrapper  # type: ignore[return-value]


#: What ``str.splitlines`` breaks at, shown escaped: a file name or YAML key may hold one
#: (``"a\nb": 1``), and the message must stay one line.
_LINE_BREAKS = str.maketrans({c: repr(c)[1:-1] for c in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"})


def fail(exc: UserError) -> None:
    """Print ``error: <line>`` on stderr and exit with the error's code."""
    # emoji=False as well as markup=False: a key like ":x:" is printed as typed.
    err_console.print(f"error: {exc.line().translate(_LINE_BREAKS)}", markup=False,
                      emoji=False)
    raise typer.Exit(exc.exit_code)


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
        help="Scenario file (YAML), e.g. configs/scenarios/baseline.yaml.",
        show_default=False,
    ),
]
