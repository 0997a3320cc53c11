"""Events for scenario discovery and robustness: an outcome made true or false per run.

An event is written as a researcher would say it on the command line:

- a true/false outcome: ``destabilized_tjk``, ``destabilized_central_asia``;
- a month outcome, happened at all or within a number of months:
  ``afg_government_collapse_month``, ``afg_government_collapse_month<=36``;
- a threshold on a value: ``attacks_central_asia_total>500``,
  ``afg_insurgent_control_final>=0.5``.

A month outcome is null when the thing never happened, so ``month<=36`` is false there.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stability_sim.analysis.frames import check_outcomes, outcome_kind
from stability_sim.errors import UserError
from stability_sim.experiments.results import Results

#: Comparison operators an event may use (the pattern below tries ``<=`` before ``<``).
OPERATORS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt,
}

_EVENT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:(<=|>=|<|>)\s*([-+0-9.eE]+))?\s*$")


@dataclass(frozen=True)
class Event:
    """A parsed event.

    Attributes:
        text: As written (``afg_government_collapse_month<=36``).
        outcome: The outcome it reads.
        op: The comparison (``<=``, ...) or ``""`` for a true/false or happened-at-all event.
        value: The threshold (NaN without one).
    """

    text: str
    outcome: str
    op: str = ""
    value: float = float("nan")

    def label(self) -> str:
        """The event in words, for tables and figure titles."""
        if not self.op:
            kind = outcome_kind(self.outcome)
            return f"{self.outcome} (happened)" if kind == "month" else self.outcome
        return f"{self.outcome} {self.op} {self.value:g}"

    def of(self, runs: pd.DataFrame) -> np.ndarray:
        """Whether the event happened in each run (a boolean array)."""
        column = runs[self.outcome]
        kind = outcome_kind(self.outcome)
        if not self.op:
            if kind == "month":
                return column.notna().to_numpy()
            return column.fillna(False).astype(bool).to_numpy()
        values = pd.to_numeric(column, errors="coerce").astype(float).to_numpy()
        with np.errstate(invalid="ignore"):
            hit = OPERATORS[self.op](values, self.value)
        # A null month ("never happened") meets no threshold; nor does a null value.
        return np.where(np.isnan(values), False, hit)


def parse_event(text: str, results: Results, *, source: str = "--event") -> Event:
    """An :class:`Event` from its text, refused in one line if it is not one.

    Raises:
        UserError: The text is not ``outcome``, ``outcome<op>number``, the outcome is
            unknown, or a threshold is put on a true/false outcome.
    """
    match = _EVENT.match(text)
    if match is None:
        raise UserError("expected an outcome, optionally compared with a number "
                        "(e.g. afg_government_collapse_month<=36 or "
                        "attacks_central_asia_total>500)", source=source, key=text)
    name, op, number = match.groups()
    check_outcomes(results, [name], source=source)
    if op is None:
        if outcome_kind(name) == "value":
            raise UserError(f"'{name}' is a number, not an event: give a threshold (e.g. "
                            f"{name}>0)", source=source, key=text)
        return Event(text=text, outcome=name)
    if outcome_kind(name) == "event":
        raise UserError(f"'{name}' is true or false; compare numbers or months only",
                        source=source, key=text)
    try:
        value = float(number)
    except ValueError:
        raise UserError(f"'{number}' is not a number", source=source, key=text) from None
    if not np.isfinite(value):
        raise UserError("the threshold must be a finite number", source=source, key=text)
    return Event(text=text, outcome=name, op=op, value=value)


def check_varies(hits: np.ndarray, event: Event, *, source: str) -> None:
    """Refuse an event that happens in every run or in none: there is nothing to explain.

    Raises:
        UserError: The event never or always happens.
    """
    n, k = int(hits.size), int(np.sum(hits))
    if n == 0:
        raise UserError("no finished runs to analyse", source=source, key=event.text)
    if k == 0:
        raise UserError(f"the event never happens (0 of {n} runs): nothing to discover; "
                        f"try a lower threshold or a later month", source=source,
                        key=event.text)
    if k == n:
        raise UserError(f"the event happens in every run ({n} of {n}): nothing to "
                        f"discover; try a higher threshold or an earlier month",
                        source=source, key=event.text)
