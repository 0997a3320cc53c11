"""Safe YAML reading for every user file: safe loader, no aliases, bounded size.

Scenario and sweep files come from users and, on shared machines, from other people.
PyYAML's safe loader already refuses Python-object tags; on top of that this module
refuses anchors and aliases (the "billion laughs" bomb expands through them, and no
config here needs them), files above :data:`MAX_BYTES`, integers longer than
:data:`MAX_INT_DIGITS`, and reports a scalar its type cannot read (an unquoted
``2014-13-01`` is a YAML date) as a YAML error with its line rather than a crash.

A key given twice in one mapping is refused, naming both lines: PyYAML would keep the
last silently. So are merge keys (``<<``), which hide such duplicates. Every mapping is
read as a :class:`LinedDict`, which remembers the line of each key, so later checks
(a dotted key colliding with a nested one, see :func:`stability_sim.config.flatten`) can
name both lines too.
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


_MERGE_TAG = "tag:yaml.org,2002:merge"


class LinedDict(dict):
    """A mapping read from YAML, with the 1-based line of each key in :attr:`lines`.

    A plain ``dict`` otherwise (equal to one, JSON- and pickle-able), so code that only
    needs the values does not notice.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines: dict[Any, int] = {}


def line_of(mapping: Any, key: Any) -> int | None:
    """The line ``key`` was written on, if ``mapping`` was read from YAML."""
    return getattr(mapping, "lines", {}).get(key)


def given_twice(first: int | None, second: int | None) -> str:
    """The message for a key given twice: ``given twice (lines 3 and 7)``."""
    if first is None or second is None:
        return "given twice"
    if first == second:
        return f"given twice (both on line {first})"
    return f"given twice (lines {min(first, second)} and {max(first, second)})"


class _RefusedFeature(yaml.composer.ComposerError):
    """A YAML feature this project refuses (anchors, aliases, merge keys)."""


class _DuplicateKey(yaml.constructor.ConstructorError):
    """A key given twice in one mapping; ``path`` is its dotted path in the document."""

    def __init__(self, path: str, first: yaml.Mark, second: yaml.Mark) -> None:
        super().__init__(None, None, f"{path}: {given_twice(first.line + 1, second.line + 1)}",
                         second)
        self.path = path
        self.first = first
        self.second = second


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

    def construct_document(self, node: Any) -> Any:
        self._document = node  # to name a duplicate key's path (found only on error)
        return super().construct_document(node)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        # Checked before PyYAML builds the dict, where a second key silently replaces the
        # first; keys are compared as Python values, so 1 and 1.0 (or true) collide too.
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                raise _RefusedFeature(None, None, "YAML merge keys (<<) are not allowed; "
                                      "write the keys out", key_node.start_mark)
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node)
            except TypeError:  # unhashable: PyYAML's own check reports it
                continue
            if first is not key_node:
                shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else key
                path = _path_to(self._document, node, shown)
                raise _DuplicateKey(path, first.start_mark, key_node.start_mark)
        return super().construct_mapping(node, deep)

    def construct_yaml_lined_map(self, node: Any) -> Any:
        """A mapping as a :class:`LinedDict` (filled after it is yielded, for recursion)."""
        data = LinedDict()
        yield data
        data.update(self.construct_mapping(node))
        data.lines = {self.construct_object(k): k.start_mark.line + 1 for k, _ in node.value}

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
_NoAliasLoader.add_constructor("tag:yaml.org,2002:map", _NoAliasLoader.construct_yaml_lined_map)


def _path_to(root: Any, target: Any, key: Any) -> str:
    """The dotted path of ``key`` in mapping node ``target`` under ``root`` (``a.b[2].c``)."""

    def walk(node: Any, path: str) -> str | None:
        if node is target:
            return f"{path}.{key}" if path else str(key)
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                name = k.value if isinstance(k, yaml.ScalarNode) else "?"
                found = walk(v, f"{path}.{name}" if path else str(name))
                if found is not None:
                    return found
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                found = walk(v, f"{path}[{i}]")
                if found is not None:
                    return found
        return None

    return walk(root, "") or str(key)


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
    except _DuplicateKey as exc:
        raise UserError(given_twice(exc.first.line + 1, exc.second.line + 1), source=source,
                        key=exc.path) from None
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
