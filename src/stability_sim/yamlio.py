"""Safe YAML reading for every user file: safe loader, no aliases, bounded size.

Scenario and sweep files come from users and, on shared machines, from other people.
PyYAML's safe loader already refuses Python-object tags; on top of that this module
refuses anchors and aliases (the "billion laughs" bomb expands through them, and no
config here needs them) and files above :data:`MAX_BYTES`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from stability_sim.errors import UserError

#: Config files are a few KB; anything near this size is not a config file.
MAX_BYTES = 1_000_000


class _RefusedFeature(yaml.composer.ComposerError):
    """A YAML feature this project refuses (anchors, aliases)."""


class _NoAliasLoader(yaml.SafeLoader):
    """The safe loader, refusing anchors and aliases."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _RefusedFeature(
                None, None, "YAML aliases (*name) are not allowed", event.start_mark
            )
        event = self.peek_event()
        if getattr(event, "anchor", None) is not None:
            raise _RefusedFeature(
                None, None, "YAML anchors and aliases (&name, *name) are not allowed",
                event.start_mark,
            )
        return super().compose_node(parent, index)


def describe_yaml_error(exc: yaml.YAMLError) -> str:
    """One line: where (line, column) and what is wrong."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    problem = " ".join(str(problem).split())
    if isinstance(exc, _RefusedFeature):
        what = problem
    elif isinstance(exc, yaml.constructor.ConstructorError):
        what = f"unsupported YAML tag ({problem}); only plain values are allowed"
    else:
        what = f"malformed YAML ({problem})"
    if mark is not None:
        return f"line {mark.line + 1}, column {mark.column + 1}: {what}"
    return what


def loads(text: str, *, source: str) -> Any:
    """Parse YAML text with the hardened safe loader.

    Raises:
        UserError: Naming ``source`` and the line, for any YAML problem.
    """
    try:
        return yaml.load(text, Loader=_NoAliasLoader)
    except yaml.YAMLError as exc:
        raise UserError(describe_yaml_error(exc), source=source) from None
    except RecursionError:
        raise UserError("malformed YAML (nested too deeply)", source=source) from None


def load_file(path: Path) -> Any:
    """Read and parse a YAML file.

    Raises:
        UserError: For a missing, unreadable, oversized, binary or malformed file.
    """
    source = str(path)
    if not path.exists():
        raise UserError("no such file", source=source)
    if not path.is_file():
        raise UserError("not a regular file", source=source)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise UserError(f"file too large ({size:,} bytes; limit {MAX_BYTES:,})", source=source)
        raw = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read file ({exc.strerror})", source=source) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError("not a UTF-8 text file", source=source) from None
    if "\x00" in text:
        raise UserError("not a text file (contains NUL bytes)", source=source)
    return loads(text, source=source)
