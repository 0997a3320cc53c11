"""Calendar months as the model counts them: ``YYYY-MM`` strings and month arithmetic.

One step is one month (MODEL.md §2). Outputs carry both the step index and the calendar
month, and scenario dates (drawdown end, schedule points) are written as ``YYYY-MM``.
"""

from __future__ import annotations

import re

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(text: str) -> tuple[int, int]:
    """Parse ``YYYY-MM`` into ``(year, month)``.

    Raises:
        ValueError: If the text is not a valid ``YYYY-MM`` month.
    """
    match = _MONTH.match(text)
    if not match:
        raise ValueError(f"expected a month as YYYY-MM, got {text!r}")
    return int(match.group(1)), int(match.group(2))


def month_ordinal(text: str) -> int:
    """Months since year 0 (so that differences of ordinals count months)."""
    year, month = parse_month(text)
    return year * 12 + (month - 1)


def from_ordinal(ordinal: int) -> str:
    """Inverse of :func:`month_ordinal`."""
    year, month0 = divmod(ordinal, 12)
    return f"{year:04d}-{month0 + 1:02d}"


def add_months(text: str, months: int) -> str:
    """The month ``months`` after ``text`` (negative goes back)."""
    return from_ordinal(month_ordinal(text) + months)


def months_between(start: str, end: str) -> int:
    """Whole months from ``start`` to ``end`` (negative if ``end`` is earlier)."""
    return month_ordinal(end) - month_ordinal(start)
