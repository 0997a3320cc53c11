"""Safe YAML reading for every user file: safe loader, no aliases, bounded size.

Scenario and sweep files come from users and, on shared machines, from other people.
PyYAML's safe loader already refuses Python-object tags; on top of that this module
refuses anchors and aliases (the "billion laughs" bomb expands through them, and no
config here needs them), files above :data:`MAX_BYTES`, integers longer than
:data:`MAX_INT_DIGITS`, and reports a scalar its type cannot read (an unquoted
``2014-13-01`` is a YAML date) as a YAML error with its line rather than a crash.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from stability_sim.errors import UserError

#: Config files are a few KB; anything near this size is not a config file.
MAX_BYTES = 1_000_000

#: No setting needs an integer this long (a seed has at most 19 digits), and Python
#: cannot even print one of more than 4,300 digits, which an error message would need.
MAX_INT_DIGITS = 100
_INT_LIMIT = 10**MAX_INT_DIGITS

#: YAML types by tag suffix, as the messages name them.
_KINDS = {"int": "an integer", "float": "a number", "bool": "a boolean",
          "timestamp": "a date", "binary": "base64 data", "null": "null"}


class _RefusedFeature(yaml.composer.ComposerError):
    """A YAML feature this project refuses (anchors, aliases)."""


class _BadScalar(yaml.constructor.ConstructorError):
    """A scalar its (implicit or explicit) type cannot read, or an absurd integer."""


class _NoAliasLoader(yaml.SafeLoader):
    """The safe loader, refusing anchors, aliases and unreadable or absurd scalars."""

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

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        # PyYAML's scalar constructors raise plain Python errors for values that match a
        # type's pattern but are not valid (2014-13-01 is resolved as a date, ``!!int x``,
        # ``!!bool x``); turn them into a YAML error at the node's line.
        try:
            return super().construct_object(node, deep)
        except (ArithmeticError, AttributeError, LookupError, TypeError, ValueError) as exc:
            tag = node.tag.rpartition(":")[2]
            kind = _KINDS.get(tag, f"!!{tag}")
            value = node.value if isinstance(node.value, str) else ""
            shown = repr(value if len(value) <= 40 else value[:40] + "...")
            # ValueError says what is wrong ("month must be in 1..12"); the others are
            # PyYAML's internals tripping over the text.
            reason = (f" ({' '.join(str(exc).split())[:120]})"
                      if isinstance(exc, ValueError | ArithmeticError) else "")
            raise _BadScalar(None, None, f"cannot read {shown} as {kind}{reason}; quote it "
                             "if it is text", node.start_mark) from None

    def construct_yaml_int(self, node: Any) -> int:
        """An integer, refused when longer than :data:`MAX_INT_DIGITS` digits."""
        try:
            value = super().construct_yaml_int(node)
        except ValueError:
            if len(str(node.value)) <= MAX_INT_DIGITS:
                raise
            value = _INT_LIMIT  # beyond Python's own limit for decimal text
        if abs(value) >= _INT_LIMIT:
            raise _BadScalar(None, None, f"integer of more than {MAX_INT_DIGITS} digits; no "
                             "setting takes one", node.start_mark)
        return value


_NoAliasLoader.add_constructor("tag:yaml.org,2002:int", _NoAliasLoader.construct_yaml_int)


def describe_yaml_error(exc: yaml.YAMLError) -> str:
    """One line: where (line, column) and what is wrong."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    problem = " ".join(str(problem).split())
    if isinstance(exc, _RefusedFeature | _BadScalar):
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
    try:
        exists, regular = path.exists(), path.is_file()
    except OSError as exc:  # e.g. a name too long for the file system
        raise UserError(f"cannot read file ({exc.strerror or exc})", source=source) from None
    if not exists:
        raise UserError("no such file", source=source)
    if not regular:
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
