"""Exogenous monthly inputs: troops, the opium harvest, NDN revenue, Afghan funding.

These are step 1 of the monthly schedule (MODEL.md §3). They depend on parameters only,
never on the simulation state, so they are computed once per run as arrays indexed by
step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from stability_sim.errors import UserError
from stability_sim.history import History
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
    share = seasonal_share(month_ordinal(values["start"]), int(values["months"]),
                           values["trafficking.seasonality"])
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


def funding_series(values: Mapping[str, Any], troops: np.ndarray,
                   last_history_level: float) -> np.ndarray:
    """International funding of the Afghan forces in each scenario step, USD bn a year.

    The ``chicago`` preset (the default, MODEL.md §4 "Afghan forces") keeps the last
    year of the history window's level through 2014 and tapers linearly to the Chicago
    pledge (``afg_funding.pledge_usd_bn``, USD 4.1 bn a year) by ``afg_funding.taper_end``:
    the "gradual managed force reduction" of the 2012 Chicago declaration. ``cut`` is the
    same until ``afg_funding.cut_date``, then nothing. Either is multiplied by
    ``afg_forces.funding`` (the share of the pledge that arrives) and by the presence
    condition ``1 - d·(1 - min(1, troops/T))``: with ``d = afg_funding.presence_dependence``
    of the pledge tied to a continuing international presence of at least
    ``T = afg_funding.presence_troops``.

    Args:
        values: The run's parameter values.
        troops: International troops in each scenario step.
        last_history_level: Funding in the history window's last month, USD bn a year.
    """
    first = month_ordinal(values["start"])
    steps = first + np.arange(int(values["months"]))
    taper_from = month_ordinal("2015-01")  # the Chicago pledge is for 2015 onwards
    taper_end = max(month_ordinal(values["afg_funding.taper_end"]), taper_from)
    pledge = float(values["afg_funding.pledge_usd_bn"])
    level = np.interp(steps, [taper_from - 1, taper_end],
                      [last_history_level, pledge])
    if values["afg_funding.preset"] == "cut":
        level = np.where(steps >= month_ordinal(values["afg_funding.cut_date"]), 0.0, level)
    threshold = float(values["afg_funding.presence_troops"])
    present = np.minimum(1.0, troops / threshold) if threshold > 0 else np.ones_like(troops)
    condition = 1.0 - float(values["afg_funding.presence_dependence"]) * (1.0 - present)
    return level * float(values["afg_forces.funding"]) * condition


def seasonal_share(first_ordinal: int, months: int, seasonality: float) -> np.ndarray:
    """Share of a year's harvest that falls in each of ``months`` months from ``first``."""
    calendar_month = (first_ordinal + np.arange(months)) % 12 + 1
    spring = np.isin(calendar_month, _SPRING)
    return np.where(spring, seasonality / len(_SPRING),
                    (1.0 - seasonality) / (12 - len(_SPRING)))


@dataclass(frozen=True)
class RunInputs:
    """Every exogenous input of a run, one value per simulated month.

    Months run from the history window's start to the horizon; month ``k`` is calendar
    month ``ordinals[k]``. Up to the history's end the inputs are the record of 2010-2013
    (:mod:`stability_sim.history`); after it, the scenario's (its drawdown schedule, the
    opium of ``trafficking.opium_tons``, its funding schedule, ``afg_forces.target``).

    Attributes:
        ordinals: Month ordinal of each month.
        scenario_from: Index of the first month of the scenario (the run's ``start``).
        initial_troops: International troops in the month before the first.
        troops: International troops.
        harvest: Opium harvested, tons.
        ndn: Whether NDN transit revenue flows.
        funding: International funding of the Afghan forces, USD bn a year.
        goal: The Afghan forces' growth target (authorised strength), troops.
    """

    ordinals: np.ndarray
    scenario_from: int
    initial_troops: float
    troops: np.ndarray
    harvest: np.ndarray
    ndn: np.ndarray
    funding: np.ndarray
    goal: np.ndarray


def run_inputs(values: Mapping[str, Any], history: History) -> RunInputs:
    """The inputs of a run that starts at the history window and branches at ``start``.

    Raises:
        UserError: When ``start`` is before the month after the history window.
    """
    first = month_ordinal(history.start)
    end = month_ordinal(history.end)
    start = month_ordinal(values["start"])
    if start <= end:
        raise UserError(f"the scenario must start after the history window (which ends "
                        f"{history.end}); got {values['start']}", key="start")
    ordinals = np.arange(first, start + int(values["months"]))
    known = ordinals <= end
    record = history.series
    # After the record, the scenario's own series (the same functions a run without a
    # history would use), from the month after the window.
    after = {**values, "start": add_months(history.end, 1), "months": int((~known).sum())}
    troops = record["intl_troops"].at(ordinals)
    troops[~known] = troop_series(after)
    funding = record["afg_security_funding_usd_bn"].at(ordinals)
    last_level = float(record["afg_security_funding_usd_bn"].at(np.array([end]))[0])
    funding[~known] = funding_series(after, troops[~known], last_level)
    harvest = (record["opium_tons"].at(ordinals[known])
               * seasonal_share(first, int(known.sum()), values["trafficking.seasonality"]))
    harvest = np.concatenate([harvest, harvest_series(after)])
    goal = np.where(known, record["afg_forces_target"].at(ordinals),
                    float(values["afg_forces.target"]))
    # The NDN carried supplies through the history window; after it, transit revenue
    # flows while the withdrawal runs.
    ndn = np.concatenate([np.ones(int(known.sum()), dtype=bool), ndn_active_series(after)])
    initial = float(record["intl_troops"].at(np.array([first - 1]))[0])
    return RunInputs(ordinals, int(start - first), initial, troops, harvest, ndn, funding,
                     goal)

