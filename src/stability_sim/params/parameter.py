"""What a parameter is: :class:`Parameter`, its :class:`Kind` and :class:`Role`, coercion.

This module owns the declaration machinery only; the declarations live in one module per
family beside it (``run``, ``policy``, ``states``, ``security``, ``jihadists``, ``cells``,
``trafficking``, ``intelligence``, ``responders``) and
:mod:`stability_sim.params.registry` assembles them into the one
:data:`~stability_sim.params.REGISTRY`.

Each :class:`Parameter` carries its dotted name, kind, default, bounds, unit, one-line
meaning, source and role. Sources cite the seeds as [KL13] (Kunze & Logvinov 2013) and
[W06] (Weitz 2006) with the figure, another public source dated before 2014, or say
``assumption: <why>``. Initial conditions use facts up to 2013 only: the model is judged
on what happened later.

A parameter whose default is ``None`` and which has a ``derive`` rule takes its value from
other parameters unless it is set explicitly (the cooperation sub-knobs follow
``cooperation.level`` this way).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from stability_sim.errors import UserError
from stability_sim.timeline import month_ordinal, parse_month


class Kind(StrEnum):
    """The value kinds a parameter can have."""

    FLOAT = "float"
    INT = "int"
    BOOL = "bool"
    CHOICE = "choice"
    MONTH = "month"
    SCHEDULE = "schedule"


class Role(StrEnum):
    """What a parameter is to a policy analysis (EMA Workbench's levers vs uncertainties).

    ``LEVER``: a policy-maker chooses it (each lever belongs to a lever group such as
    ``drawdown`` or ``repression``); ``UNCERTAINTY``: a fact, effect size or behaviour
    the model assumes and a robustness analysis varies; ``SETTING``: how the run is done
    (start, horizon, seed, resolution), neither.
    """

    LEVER = "lever"
    UNCERTAINTY = "uncertainty"
    SETTING = "setting"


#: Hard ceiling for troop numbers in a schedule: above any force ever deployed there
#: (ISAF peaked near 130,000 in 2011), so a larger number is a typo.
MAX_SCHEDULE_TROOPS = 200_000


@dataclass(frozen=True)
class Parameter:
    """One model parameter.

    Attributes:
        name: Dotted name, e.g. ``cooperation.level``; the YAML nesting follows the dots.
        kind: What kind of value it holds.
        default: Default value (``None`` only for derived or optional parameters).
        unit: Unit of the value (``"1"`` for dimensionless shares).
        meaning: One line saying what it controls.
        source: Where the default comes from: a citation with the figure, or
            ``assumption: <why>``.
        low: Lower bound (numbers and months), inclusive.
        high: Upper bound (numbers and months), inclusive.
        choices: Allowed values for ``Kind.CHOICE``.
        derive: For a parameter whose default is ``None``: how its value follows from the
            other (resolved) parameters when not set explicitly.
        derive_doc: The rule of ``derive`` in words, shown to users.
        optional: ``None`` is a valid explicit value (e.g. no explicit schedule).
        role: Lever, uncertainty or run setting.
        lever: The lever group (``drawdown``, ``cooperation`` ...) of a lever, else empty.
        calibrated: For a default taken from a calibration's posterior: the targets file
            it was calibrated to and the targets that constrained it (``source`` then
            says where the prior range came from); empty for a hand-set default.
    """

    name: str
    kind: Kind
    default: Any
    unit: str
    meaning: str
    source: str
    low: Any = None
    high: Any = None
    choices: tuple[Any, ...] = ()
    derive: Callable[[Mapping[str, Any]], Any] | None = field(default=None, repr=False)
    derive_doc: str = ""
    optional: bool = False
    role: Role = Role.UNCERTAINTY
    lever: str = ""
    calibrated: str = ""

    def __post_init__(self) -> None:
        if bool(self.lever) != (self.role is Role.LEVER):
            raise ValueError(f"{self.name}: a lever needs a lever group, and only a lever has one")

    @property
    def group(self) -> str:
        """The first component of the dotted name (``run`` for top-level settings)."""
        return self.name.split(".", 1)[0] if "." in self.name else "run"

    def source_text(self) -> str:
        """The source, and for a calibrated default what it was calibrated to."""
        if not self.calibrated:
            return self.source
        return f"calibrated to {self.calibrated}; prior: {self.source}"

    def role_text(self) -> str:
        """``lever: <group>``, ``uncertainty`` or ``setting``, for tables."""
        return f"lever: {self.lever}" if self.role is Role.LEVER else str(self.role)

    def bounds_text(self) -> str:
        """The allowed values in words, for tables and error messages."""
        if self.kind is Kind.CHOICE:
            return "one of " + ", ".join(_fmt(c) for c in self.choices)
        if self.kind is Kind.BOOL:
            return "true or false"
        if self.kind is Kind.SCHEDULE:
            return f"list of {{date: YYYY-MM, troops: 0..{MAX_SCHEDULE_TROOPS}}}"
        return f"[{_fmt(self.low)}, {_fmt(self.high)}]"

    def default_text(self) -> str:
        """The default in words (derived parameters show their rule)."""
        if self.default is None and self.derive_doc:
            return f"= {self.derive_doc}"
        return _fmt(self.default)

    def coerce(self, value: Any) -> Any:
        """Check a value parsed from YAML and return it in canonical form.

        Raises:
            UserError: With what was expected (the caller adds the file and key).
        """
        if value is None:
            if self.optional or self.derive is not None:
                return None
            raise UserError(f"a value is required ({self.bounds_text()})")
        return _COERCERS[self.kind](self, value)

    def coerce_text(self, text: str) -> Any:
        """Parse a command-line string (``--set key=text``) as this parameter's kind.

        Raises:
            UserError: If the text does not parse or is out of bounds.
        """
        text = text.strip()
        if text.lower() in ("", "null", "none", "~"):
            return self.coerce(None)
        if self.kind is Kind.SCHEDULE:
            from stability_sim.yamlio import loads  # schedules are written as YAML lists

            return self.coerce(loads(text, source=f"--set {self.name}"))
        return self.coerce(_parse_scalar(self, text))


def _parse_scalar(p: Parameter, text: str) -> Any:
    """Type a command-line word by the parameter's kind (numbers as Python reads them)."""
    if p.kind is Kind.BOOL:
        words = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
        return words.get(text.lower(), text)
    numeric = p.kind in (Kind.FLOAT, Kind.INT) or (
        p.kind is Kind.CHOICE and not any(isinstance(c, str) for c in p.choices)
    )
    if numeric:
        try:
            return int(text.replace("_", ""))
        except ValueError:
            try:
                return float(text.replace("_", ""))
            except ValueError:
                return text  # coerce() reports it as the wrong type
    return text


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1000:
        return f"{int(value):,}"
    if isinstance(value, int) and abs(value) >= 10_000:
        return f"{value:,}"
    if value is None:
        return "none"
    return str(value)


def _type_name(value: Any) -> str:
    return {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        list: "list",
        dict: "mapping",
    }.get(type(value), type(value).__name__)


def _number(p: Parameter, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UserError(f"expected a number {p.bounds_text()}, got {_type_name(value)} {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise UserError(f"expected a finite number {p.bounds_text()}, got {value!r}")
    # Compare before float(): an integer beyond 1.8e308 (from --set or Python) overflows it.
    if not p.low <= value <= p.high:
        raise UserError(f"{_fmt(value)} is out of bounds {p.bounds_text()}")
    return float(value)


def _coerce_float(p: Parameter, value: Any) -> float:
    return _number(p, value)


def _coerce_int(p: Parameter, value: Any) -> int:
    if isinstance(value, float) and math.isfinite(value) and not value.is_integer():
        raise UserError(f"expected a whole number {p.bounds_text()}, got {value!r}")
    if isinstance(value, int) and not isinstance(value, bool):
        # Integers stay exact: through float, a seed above 2**53 would silently change.
        if not p.low <= value <= p.high:
            raise UserError(f"{_fmt(value)} is out of bounds {p.bounds_text()}")
        return value
    return int(_number(p, value))


def _coerce_bool(p: Parameter, value: Any) -> bool:
    if not isinstance(value, bool):
        raise UserError(f"expected true or false, got {_type_name(value)} {value!r}")
    return value


def _coerce_choice(p: Parameter, value: Any) -> Any:
    for choice in p.choices:
        same_kind = isinstance(choice, str) == isinstance(value, str)
        if same_kind and not isinstance(value, bool) and value == choice:
            return choice
    raise UserError(f"expected {p.bounds_text()}, got {value!r}")


def _coerce_month(p: Parameter, value: Any) -> str:
    if not isinstance(value, str):
        raise UserError(f"expected a month as 'YYYY-MM' (quoted), got {_type_name(value)}")
    try:
        parse_month(value)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if not month_ordinal(p.low) <= month_ordinal(value) <= month_ordinal(p.high):
        raise UserError(f"{value} is out of bounds {p.bounds_text()}")
    return value


def _coerce_schedule(p: Parameter, value: Any) -> tuple[tuple[str, int], ...]:
    if not isinstance(value, list | tuple) or not value:
        raise UserError(f"expected a non-empty list of {{date: YYYY-MM, troops: N}}, got {value!r}")
    points: list[tuple[str, int]] = []
    for i, item in enumerate(value):
        if isinstance(item, tuple) and len(item) == 2:  # canonical form, from Python
            item = {"date": item[0], "troops": item[1]}
        if not isinstance(item, dict) or set(item) != {"date", "troops"}:
            raise UserError(f"item {i}: expected {{date: YYYY-MM, troops: N}}, got {item!r}")
        date = item["date"]
        if not isinstance(date, str):
            raise UserError(f"item {i}: date must be a quoted 'YYYY-MM' string, got {date!r}")
        try:
            parse_month(date)
        except ValueError as exc:
            raise UserError(f"item {i}: {exc}") from None
        troops = item["troops"]
        if isinstance(troops, bool) or not isinstance(troops, int | float):
            raise UserError(f"item {i}: troops must be a number, got {troops!r}")
        # Bounds only (NaN and infinities fail them too): math.isfinite() would overflow
        # on an integer beyond 1.8e308.
        if not 0 <= troops <= MAX_SCHEDULE_TROOPS:
            raise UserError(f"item {i}: troops {troops!r} out of bounds [0, 200,000]")
        if points and month_ordinal(date) <= month_ordinal(points[-1][0]):
            raise UserError(f"item {i}: dates must increase, {date} follows {points[-1][0]}")
        points.append((date, round(troops)))
    return tuple(points)


_COERCERS: dict[Kind, Callable[[Parameter, Any], Any]] = {
    Kind.FLOAT: _coerce_float,
    Kind.INT: _coerce_int,
    Kind.BOOL: _coerce_bool,
    Kind.CHOICE: _coerce_choice,
    Kind.MONTH: _coerce_month,
    Kind.SCHEDULE: _coerce_schedule,
}


# --------------------------------------------------------------------------------------
# Declaring
# --------------------------------------------------------------------------------------
#: Every :class:`Section` made, in the order made, so the registry can check that its
#: reading order lists each one.
SECTIONS: list[Section] = []


class Section:
    """A block of declarations with a default role: a heading of ``docs/PARAMETERS.md``.

    A family module makes one section per block and binds its declarers before the block
    (``_p, _share = DRAWDOWN.p, DRAWDOWN.share``), so each declaration reads as one call.
    A declaration may override the section's role: ``lever="repression"`` makes it a lever
    of that group, ``role=Role.UNCERTAINTY`` an uncertainty.
    """

    def __init__(self, title: str, *, role: Role = Role.UNCERTAINTY, lever: str = "") -> None:
        self.title = title
        self.role = Role.LEVER if lever else role
        self.lever = lever
        self.parameters: list[Parameter] = []
        SECTIONS.append(self)

    def __repr__(self) -> str:
        return f"Section({self.title!r}, {len(self.parameters)} parameters)"

    def p(self, name: str, kind: Kind, default: Any, unit: str, meaning: str, source: str,
          **kw: Any) -> None:
        """Declare one parameter (keywords as :class:`Parameter`'s)."""
        if "lever" in kw:
            kw.setdefault("role", Role.LEVER)
        elif "role" not in kw:
            kw.update(role=self.role, lever=self.lever)
        self.parameters.append(Parameter(name, kind, default, unit, meaning, source, **kw))

    def share(self, name: str, default: float | None, meaning: str, source: str,
              **kw: Any) -> None:
        """Declare a dimensionless share in [0, 1]."""
        self.p(name, Kind.FLOAT, default, "1", meaning, source, low=0.0, high=1.0, **kw)

    def per_state(self, suffix: str, kind: Kind, values: Mapping[str, Any], unit: str,
                  meaning: str, source: str, low: Any, high: Any, **kw: Any) -> None:
        """Declare ``states.<iso3>.<suffix>`` for each study state from one table."""
        for iso3, value in values.items():
            self.p(f"states.{iso3.lower()}.{suffix}", kind, value, unit,
                   f"{meaning} ({iso3})", source, low=low, high=high, **kw)
