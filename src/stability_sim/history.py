"""The record of 2010–2013 that drives every run's history window.

Every run lives through Afghanistan's 2010–2013 before its scenario branches in January
2014 (MODEL.md §2, "Time"): the international force month by month through the surge and
the start of the drawdown, the Afghan forces' growth targets, the opium harvests and the
international funding of the Afghan forces. Those inputs are facts up to 2013, shipped
with their sources in ``configs/history/afghanistan_2010_2013.yaml`` (docs/HISTORY.md),
and are the same for every scenario; what the model makes of them (Taliban strength,
control, the Afghan force's size and morale in December 2013) is its own output.

Dated series (``YYYY-MM`` points) are interpolated linearly month by month and held flat
outside their points; yearly series (``YYYY`` points) hold for every month of their year.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from stability_sim.errors import UserError
from stability_sim.timeline import from_ordinal, month_ordinal
from stability_sim.yamlio import load_file

#: The shipped record (the only one; a different history is a different model).
HISTORY_FILE = "afghanistan_2010_2013.yaml"
#: The series the model reads, and whether each is dated by month (else by year).
SERIES = {"intl_troops": True, "afg_forces_target": True, "opium_tons": False,
          "afg_security_funding_usd_bn": False}


@dataclass(frozen=True)
class Series:
    """One input series: its points and its source.

    Attributes:
        xs: Month ordinals (monthly series) or years (yearly series) of the points.
        ys: Values at the points.
        monthly: Whether the points are months (else years).
        source: Where the numbers come from.
    """

    xs: np.ndarray
    ys: np.ndarray
    monthly: bool
    source: str

    def at(self, months: np.ndarray) -> np.ndarray:
        """The value in each month (month ordinals)."""
        if self.monthly:
            return np.interp(months, self.xs, self.ys)
        years = np.array([int(from_ordinal(int(m))[:4]) for m in months], dtype=float)
        # A year's value holds for its months; years outside the points take the nearest.
        return np.interp(years, self.xs, self.ys)


@dataclass(frozen=True)
class History:
    """The history window: its months and its input series.

    Attributes:
        start: First simulated month (``YYYY-MM``).
        end: Last simulated month; scenarios branch the month after.
        series: The input series by name (:data:`SERIES`).
    """

    start: str
    end: str
    series: dict[str, Series]

    @property
    def months(self) -> int:
        """Number of months in the window."""
        return month_ordinal(self.end) - month_ordinal(self.start) + 1

    def ordinals(self) -> np.ndarray:
        """Month ordinals of the window's months."""
        return month_ordinal(self.start) + np.arange(self.months)

    def values(self, name: str) -> np.ndarray:
        """Series ``name`` for each month of the window."""
        return self.series[name].at(self.ordinals())


def history_path() -> Path:
    """The shipped history file."""
    return Path(str(resources.files("stability_sim").joinpath("configs", "history",
                                                              HISTORY_FILE)))


@cache
def load_history(path: Path | None = None) -> History:
    """Read and check the history file (the shipped one by default).

    Raises:
        UserError: A malformed file, naming the file and the key.
    """
    path = history_path() if path is None else path
    raw = load_file(path)
    if not isinstance(raw, dict):
        raise UserError("expected a mapping", source=path.name)
    start, end = (_month(raw, key, path) for key in ("start", "end"))
    if month_ordinal(end) < month_ordinal(start):
        raise UserError(f"the window ends ({end}) before it starts ({start})",
                        source=path.name, key="end")
    given = raw.get("series")
    if not isinstance(given, dict):
        raise UserError("expected a mapping of series", source=path.name, key="series")
    series = {name: _series(given, name, monthly, path) for name, monthly in SERIES.items()}
    return History(start, end, series)


def _month(raw: dict, key: str, path: Path) -> str:
    value = str(raw.get(key, ""))
    try:
        month_ordinal(value)
    except (ValueError, UserError):
        raise UserError(f"expected a month YYYY-MM, got {value!r}", source=path.name,
                        key=key) from None
    return value


def _series(given: dict, name: str, monthly: bool, path: Path) -> Series:
    key = f"series.{name}"
    entry = given.get(name)
    if not isinstance(entry, dict) or not entry.get("source"):
        raise UserError("missing, or without a source", source=path.name, key=key)
    points = entry.get("points")
    if not isinstance(points, list) or not points:
        raise UserError("expected a list of [date, value] points", source=path.name,
                        key=f"{key}.points")
    xs, ys = [], []
    for k, point in enumerate(points):
        x, y = _point(point, monthly, path, f"{key}.points[{k}]")
        xs.append(x)
        ys.append(y)
    if any(b <= a for a, b in itertools.pairwise(xs)):
        raise UserError("points must be in increasing date order", source=path.name,
                        key=f"{key}.points")
    return Series(np.array(xs, dtype=float), np.array(ys, dtype=float), monthly,
                  str(entry["source"]))


def _point(point: Any, monthly: bool, path: Path, key: str) -> tuple[float, float]:
    if not (isinstance(point, list) and len(point) == 2):
        raise UserError("expected [date, value]", source=path.name, key=key)
    date, value = point
    try:
        x = float(month_ordinal(str(date))) if monthly else float(int(date))
        y = float(value)
    except (TypeError, ValueError, UserError):
        what = "YYYY-MM" if monthly else "a year"
        raise UserError(f"expected [{what}, number], got {point!r}", source=path.name,
                        key=key) from None
    if not y >= 0:
        raise UserError(f"expected a value >= 0, got {value!r}", source=path.name, key=key)
    return x, y
