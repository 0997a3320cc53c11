"""Scenario files: load, validate against the registry, apply ``--set`` overrides.

A scenario file is YAML with a top-level ``name`` (``[a-z0-9_-]+``), an optional
``description``, and the registry's dotted keys written as nested mappings::

    name: baseline
    start: 2014-01
    months: 120
    grid: {resolution: 0.25}
    drawdown: {preset: isaf_2014_plan, residual_troops: 10000}
    cooperation: {level: 0.25}

Every mistake is a :class:`~stability_sim.errors.UserError` naming the file and the key
path; nothing here prints or exits (the CLI does). A bare name such as ``baseline`` is a
shipped scenario (see :mod:`stability_sim.shipped` for the rule).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from stability_sim import params, shipped
from stability_sim.errors import UserError
from stability_sim.yamlio import LinedDict, given_twice, line_of, load_file

NAME_PATTERN = re.compile(r"[a-z0-9_-]{1,64}")  # use fullmatch: "$" allows a final newline

#: Keys of a scenario file that are not parameters.
META_KEYS = ("name", "description")

#: Folder of the scenario files shipped with the package (package data, not the repository's
#: ``configs/``, so that an installed package finds them too).
SCENARIO_DIR = shipped.folder("scenarios")
#: Folder of the sweep files shipped with the package.
SWEEP_DIR = shipped.folder("sweeps")


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: a name and the explicitly set parameter values.

    Attributes:
        name: Short identifier, ``[a-z0-9_-]+``.
        explicit: Dotted name → value for the parameters the file or ``--set`` set.
        description: Free text from the file.
        source: Where it came from (a file path, or ``"defaults"``).
    """

    name: str
    explicit: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    source: str = "defaults"

    @cached_property
    def values(self) -> dict[str, Any]:
        """Every parameter: explicit values, then defaults, then derived values."""
        return params.resolve(self.explicit)

    def __getitem__(self, name: str) -> Any:
        params.get(name)  # unknown names are an error, not a silent None
        return self.values[name]

    def with_overrides(self, overrides: Mapping[str, Any] | Sequence[str]) -> Scenario:
        """A copy with more values set.

        Args:
            overrides: Either ``key=value`` strings as given to ``--set`` (typed by the
                registry), or a mapping of dotted name → value (checked by the registry).

        Raises:
            UserError: For an unknown key, a malformed option or a bad value.
        """
        if isinstance(overrides, Mapping):
            extra = {name: _coerce(name, value, source="override") for name, value in
                     overrides.items()}
        else:
            extra = parse_overrides(overrides)
        return Scenario(self.name, {**self.explicit, **extra}, self.description, self.source)

    def to_nested(self, *, resolved: bool = False) -> dict[str, Any]:
        """The scenario as the nested mapping a YAML file would hold.

        Args:
            resolved: Include every parameter (defaults and derived), not only explicit.
        """
        flat = self.values if resolved else dict(self.explicit)
        nested: dict[str, Any] = {"name": self.name}
        if self.description:
            nested["description"] = self.description
        for name, value in flat.items():
            if isinstance(value, tuple):  # schedules: back to YAML's list of mappings
                value = [{"date": d, "troops": t} for d, t in value]
            node = nested
            *heads, last = name.split(".")
            for head in heads:
                node = node.setdefault(head, {})
            node[last] = value
        return nested


def default_scenario() -> Scenario:
    """The registry defaults, as a scenario named ``defaults``."""
    return Scenario("defaults")


def load_scenario(path: str | Path, overrides: Sequence[str] = ()) -> Scenario:
    """Load and validate a scenario file, then apply ``--set`` overrides.

    Args:
        path: The YAML file, or the name of a shipped scenario (``baseline``); a file
            that exists at ``path`` wins over a shipped name.
        overrides: ``key=value`` strings.

    Raises:
        UserError: Naming the file (or ``--set``) and the key for any problem.
    """
    path = shipped.resolve(path, "scenarios")
    source = str(path)
    data = load_file(path)
    if data is None:
        raise UserError("empty file; expected a mapping with at least 'name'", source=source)
    if not isinstance(data, dict):
        raise UserError(
            f"expected a mapping of keys at the top level, got {_kind(data)}", source=source
        )
    name = _check_name(data.get("name"), source=source)
    description = data.get("description", "")
    if not isinstance(description, str):
        raise UserError("expected text", source=source, key="description")
    body = LinedDict((k, v) for k, v in data.items() if k not in META_KEYS)
    body.lines = getattr(data, "lines", {})  # so a key set twice is named with its lines
    explicit = flatten(body, source=source)
    return Scenario(name, explicit, description, source).with_overrides(overrides)


def flatten(tree: Mapping[Any, Any], *, source: str, prefix: str = "") -> dict[str, Any]:
    """Walk nested YAML keys, check each against the registry and coerce the values.

    A dotted key is the nested keys it names (``cooperation.level: 1`` is
    ``cooperation: {level: 1}``), so both forms may be mixed, but one parameter may be
    set only once: YAML itself cannot see that ``cooperation.level`` and ``level`` under
    ``cooperation`` are the same.

    Raises:
        UserError: For an unknown key (with a suggestion), a mapping where a value belongs
            or the reverse, a bad value, or a parameter set twice (naming both lines).
    """
    out: dict[str, Any] = {}
    _flatten_into(out, {}, tree, source=source, prefix=prefix)
    return out


def _flatten_into(out: dict[str, Any], lines: dict[str, int | None], tree: Mapping[Any, Any],
                  *, source: str, prefix: str) -> None:
    """:func:`flatten` into ``out``; ``lines`` holds the line each name in it was set on."""
    known_prefixes = params.prefixes()
    for key, value in tree.items():
        if not isinstance(key, str):
            where = prefix.rstrip(".") or None
            raise UserError(f"keys must be text, got {_kind(key)} {key!r}", source=source,
                            key=where)
        path = prefix + key
        if path in params.REGISTRY:
            if isinstance(value, dict):
                raise UserError(
                    f"expected a value ({params.REGISTRY[path].bounds_text()}), got a mapping",
                    source=source, key=path,
                )
            line = line_of(tree, key)
            if path in out:
                raise UserError(given_twice(lines[path], line), source=source, key=path)
            out[path] = _coerce(path, value, source=source)
            lines[path] = line
        elif path in known_prefixes:
            if not isinstance(value, dict):
                children = sorted(n[len(path) + 1:] for n in params.REGISTRY
                                  if n.startswith(path + "."))
                shown = ", ".join(children[:4]) + (", ..." if len(children) > 4 else "")
                raise UserError(f"expected a mapping of keys ({shown}), got {_kind(value)}",
                                source=source, key=path)
            _flatten_into(out, lines, value, source=source, prefix=path + ".")
        else:
            pool = [*params.REGISTRY, *known_prefixes, *(META_KEYS if not prefix else ())]
            raise UserError(f"unknown key{params.suggest(path, pool)}", source=source, key=path)


def parse_overrides(options: Iterable[str]) -> dict[str, Any]:
    """Parse ``key=value`` strings from ``--set``, typed by the registry.

    Raises:
        UserError: Naming the option for a missing ``=``, an unknown key or a bad value.
    """
    out: dict[str, Any] = {}
    given: dict[str, str] = {}
    for option in options:
        source = f"--set {option}"
        key, sep, text = option.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UserError("expected key=value, e.g. cooperation.level=0.8", source=source)
        if key == "name":
            raise UserError("the scenario name cannot be set with --set", source=source)
        if key in given:  # the last would win silently, whichever the user meant
            raise UserError(f"given twice ({given[key]} and {option.strip()})", source="--set",
                            key=key)
        given[key] = option.strip()
        param = _param(key, source=source)
        try:
            out[key] = param.coerce_text(text)
        except UserError as exc:
            raise exc.at(source=source, key=key) from None
    return out


def _coerce(name: str, value: Any, *, source: str) -> Any:
    param = _param(name, source=source)
    try:
        return param.coerce(value)
    except UserError as exc:
        raise exc.at(source=source, key=name) from None


def _param(name: str, *, source: str) -> params.Parameter:
    try:
        return params.get(name)
    except UserError as exc:
        raise exc.at(source=source) from None


def _check_name(name: Any, *, source: str) -> str:
    if name is None:
        raise UserError("missing key; expected a scenario name like 'baseline'", source=source,
                        key="name")
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise UserError(
            f"expected 1-64 characters from [a-z0-9_-], got {name!r}", source=source, key="name"
        )
    return name


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "a boolean", int: "a number",
            float: "a number", type(None): "nothing"}.get(type(value), type(value).__name__)
