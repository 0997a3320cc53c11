"""Exogenous monthly inputs: the international troop schedule, the opium harvest, NDN revenue.

These are step 1 of the monthly schedule (MODEL.md §3). They depend on parameters only,
never on the simulation state, so they are computed once per run as arrays indexed by
step.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from stability_sim.timeline import add_months, month_ordinal

#: The calendar months of the spring harvest (April-June, UNODC): together they take the
#: share ``trafficking.seasonality`` of the yearly harvest, the other months the rest,
#: evenly. A structural constant (docs/ODD.md): the calendar, not a rate.
_SPRING = (4, 5, 6)


def schedule_points(values: Mapping[str, Any]) -> tuple[tuple[str, int], ...]:
    """The ``(month, troops)`` points that define the international troop level.

    An explicit ``drawdown.schedule`` wins; otherwise the preset: ``isaf_2014_plan`` goes
    linearly from ``drawdown.initial_troops`` at ``drawdown.initial_date`` to
    ``drawdown.residual_troops`` at ``drawdown.end`` [KL13]; ``full_withdrawal`` goes to
    zero by ``drawdown.end``; ``no_drawdown`` stays at the initial level.
    """
    explicit = values.get("drawdown.schedule")
    if explicit:
        return tuple(explicit)
    start = values["drawdown.initial_date"]
    initial = int(values["drawdown.initial_troops"])
    end = values["drawdown.end"]
    if month_ordinal(end) <= month_ordinal(start):  # an end before the anchor: drop at once
        end = add_months(start, 1)
    preset = values["drawdown.preset"]
    if preset == "no_drawdown":
        return ((start, initial),)
    final = int(values["drawdown.residual_troops"]) if preset == "isaf_2014_plan" else 0
    return ((start, initial), (end, final))


def troop_series(values: Mapping[str, Any], *, with_initial: bool = False) -> np.ndarray:
    """International troops for each step (length ``months``), linearly interpolated.

    Before the first point the level is the first point's; after the last, the last's.
    With ``with_initial``, the series starts one month earlier: the level of the initial
    state (step 0, the month before ``start``).
    """
    points = schedule_points(values)
    first = month_ordinal(values["start"]) - int(with_initial)
    steps = first + np.arange(int(values["months"]) + int(with_initial))
    xs = np.array([month_ordinal(d) for d, _ in points], dtype=float)
    ys = np.array([t for _, t in points], dtype=float)
    return np.interp(steps, xs, ys)


def harvest_series(values: Mapping[str, Any]) -> np.ndarray:
    """Tons of opium harvested in Afghanistan in each step (seasonal, spring-heavy).

    ``trafficking.opium_tons`` a year (UNODC 2013: about 5,500 t); the share
    ``trafficking.seasonality`` falls in April-June, the rest evenly over the other months.
    """
    first = month_ordinal(values["start"])
    calendar_month = (first + np.arange(int(values["months"]))) % 12 + 1
    spring = np.isin(calendar_month, _SPRING)
    share = np.where(
        spring,
        values["trafficking.seasonality"] / len(_SPRING),
        (1.0 - values["trafficking.seasonality"]) / (12 - len(_SPRING)),
    )
    return values["trafficking.opium_tons"] * share


def ndn_active_series(values: Mapping[str, Any]) -> np.ndarray:
    """Whether NDN transit revenue flows in each step: while the withdrawal runs.

    [KL13]: ISAF countries pay for the transit routes during the withdrawal; the revenue
    stops when the drawdown reaches its end (or never starts without a drawdown).
    """
    first = month_ordinal(values["start"])
    steps = first + np.arange(int(values["months"]))
    points = schedule_points(values)
    if len(points) < 2:
        return np.zeros(len(steps), dtype=bool)
    end = month_ordinal(points[-1][0])
    return steps <= end
