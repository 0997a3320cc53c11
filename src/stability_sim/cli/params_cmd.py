"""``stability-sim params``: print the parameter registry."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from stability_sim import params
from stability_sim.cli.common import console, user_errors
from stability_sim.errors import UserError


class Format(StrEnum):
    """Output formats of ``params``."""

    table = "table"
    json = "json"
    markdown = "markdown"


def registry_markdown(selected: list[params.Parameter]) -> str:
    """The registry as a Markdown table (also what ``docs/PARAMETERS.md`` holds)."""
    lines = [
        "| name | role | default | bounds | unit | meaning | source |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in selected:
        cells = [f"`{p.name}`", p.role_text(), p.default_text(), p.bounds_text(), p.unit,
                 p.meaning, p.source_text()]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _as_json(p: params.Parameter) -> dict[str, object]:
    return {
        "name": p.name,
        "kind": str(p.kind),
        "default": p.default,
        "derived_from": p.derive_doc or None,
        "low": p.low,
        "high": p.high,
        "choices": list(p.choices) or None,
        "unit": p.unit,
        "meaning": p.meaning,
        "source": p.source,
        "calibrated": p.calibrated or None,
        "role": str(p.role),
        "lever": p.lever or None,
    }


@user_errors
def params_command(
    names: Annotated[
        list[str] | None,
        typer.Argument(help="Show only these parameters (dotted names).", show_default=False),
    ] = None,
    group: Annotated[
        str | None,
        typer.Option("--group", "-g", help="Show one group, e.g. drawdown, cooperation."),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
) -> None:
    """List every model parameter: role, default, bounds, unit, meaning and source.

    The role is a policy lever (with its group: drawdown, cooperation, repression ...),
    an uncertainty, or a run setting.

    This registry is the single place parameters are declared; scenario files, --set,
    sweeps and the visual server are all checked against it.
    """
    selected = list(params.REGISTRY.values())
    if names:
        selected = [params.get(n) for n in names]
    if group:
        groups = sorted({p.group for p in params.REGISTRY.values()})
        if group not in groups:
            raise UserError(
                f"unknown group{params.suggest(group, groups)}; groups: {', '.join(groups)}",
                source="--group",
            )
        selected = [p for p in selected if p.group == group]
    if fmt is Format.json:
        typer.echo(json.dumps([_as_json(p) for p in selected], indent=2))
        return
    if fmt is Format.markdown:
        typer.echo(registry_markdown(selected), nl=False)
        return
    table = Table(title=f"stability_sim parameters ({len(selected)})", show_lines=False)
    for column, style in (("name", "bold"), ("role", ""), ("default", ""), ("bounds", ""),
                          ("unit", ""), ("meaning / source", "")):
        # Names whole (they are what users copy into files); the rest folds.
        table.add_column(column, style=style, overflow="fold", no_wrap=column == "name")
    for p in selected:
        table.add_row(p.name, p.role_text(), p.default_text(), p.bounds_text(), p.unit,
                      f"{p.meaning}\n[dim]{p.source_text()}[/dim]")
    console.print(table)
