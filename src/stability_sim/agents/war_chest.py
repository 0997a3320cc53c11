"""War chests: the income of an armed network and the fighters it can pay.

An insurgency fields the fighters it can feed, arm and pay. Before 2014 the Taliban's
income came from taxing the opium crop (the ``ushr`` tithe and levies on traders and
laboratories; UNODC 2009, *Addiction, Crime and Insurgency*, put the insurgents' drug
income at about USD 125 million a year in 2005–2009), from taxing people and trade in
the areas they held, and from donors abroad. The model turns that into a bound on the
insurgency's size (docs/ODD.md §7, "The Taliban's war chest"):

- Income a month (:func:`monthly_income`): the opium tax on the month's production in
  each cell weighted by the insurgents' share of it (``1 - g``, control ``g``), a local
  tax on the people there likewise weighted, and outside money.
- The income is smoothed over a year (the harvest comes once a year, the payroll every
  month) and pays :func:`affordable_fighters`.
- Recruitment and the sanctuary's inflow slow as the force nears what the chest pays
  (:func:`headroom`); fighters the chest cannot pay go home over some months
  (:func:`unpaid_release`).

The Central Asian networks (the IMU, the IJU, Jund al-Khilafah) hold no ground; they
were "largely financed by the heroin trade" [KL13]. Their income is a protection fee on
the consignments that enter the ground around their bands, where they hold it
(:func:`tons_entering`, :func:`fee_income`), plus outside money, and it bounds their size
in the same way (docs/ODD.md §7, "War chests of the Central Asian networks").

Pure functions over arrays; the network (``agents/jihadists.py``) keeps the smoothed
income and applies them.
"""

from __future__ import annotations

import numpy as np

#: Kilograms per ton: opium production is in tons, its price per kilogram.
KG_PER_TON = 1_000.0
#: Months per year: annual figures (outside money, local tax, a fighter's cost) to months.
MONTHS_PER_YEAR = 12.0


def monthly_income(*, opium_tons: np.ndarray, population: np.ndarray,
                   control: np.ndarray, tax_share: float, price_usd_kg: float,
                   local_tax_usd: float, outside_usd_m: float) -> float:
    """Income in USD for one month.

    ::

        I = τ·P·Σ_c q_c(1 - g_c) + t_l/12·Σ_c pop_c(1 - g_c) + O·10⁶/12

    Args:
        opium_tons: The month's opium production per cell (tons).
        population: People per cell (the same cells).
        control: State control ``g`` per cell (the same cells); the insurgents collect
            the share ``1 - g``.
        tax_share: τ, the insurgents' take of the farm-gate value.
        price_usd_kg: P, the farm-gate price of dry opium (USD per kg).
        local_tax_usd: t_l, what they raise a year per person they hold (USD).
        outside_usd_m: O, money from abroad a year (USD million).

    Returns:
        USD in the month.
    """
    held = 1.0 - control
    opium = tax_share * price_usd_kg * KG_PER_TON * float(np.dot(opium_tons, held))
    local = local_tax_usd / MONTHS_PER_YEAR * float(np.dot(population, held))
    return opium + local + outside_usd_m * 1e6 / MONTHS_PER_YEAR


def smooth(annual: float, month_income: float, memory_months: float) -> float:
    """Running annual income: an exponential average of 12× the month's income."""
    return ((memory_months - 1.0) * annual + MONTHS_PER_YEAR * month_income) / memory_months


def affordable_fighters(annual_income_usd: float, cost_usd: float) -> float:
    """Fighters the annual income pays at ``cost_usd`` per fighter-year."""
    return max(0.0, annual_income_usd) / cost_usd


def headroom(fighters: float, affordable: float) -> float:
    """How far the force can still grow: ``max(0, 1 - F/F*)`` (0 when nothing is paid)."""
    if affordable <= 0.0:
        return 0.0
    return max(0.0, 1.0 - fighters / affordable)


def unpaid_release(fighters: float, affordable: float, months: float) -> float:
    """Fighters who leave this month: the unpaid excess ``(F - F*)⁺`` over ``months``."""
    return max(0.0, fighters - affordable) / months


def tons_entering(*, flow: np.ndarray, seized: np.ndarray, downstream: np.ndarray,
                  area: np.ndarray, hold: np.ndarray | None = None) -> float:
    """Tons of the month's consignments that enter an area (each entry counted once).

    A consignment crossing several cells of the area passes one checkpoint, not one per
    cell: summing the flow over the area's cells would count a route once per cell it
    runs through. What enters the area at a cell is what arrives there (``flow +
    seized``: the flow is counted after seizure) less what came from another of its
    cells; each entry is weighted by the network's hold on the cell where it happens::

        T = Σ_{v∈S} h_v·(flow_v + seized_v - Σ_{u∈S, down(u)=v} flow_u)

    A consignment that leaves the area and comes back enters it twice. The hold ``h``
    is the insurgents' share ``1 - g`` of the cell (control ``g``), as for the
    Taliban's opium tax (:func:`monthly_income`): where the state holds the ground a
    trafficker pays its officials, not the network (the bribes of
    ``agents/trafficking.py``).

    Args:
        flow: Tons passing each cell (after seizure there).
        seized: Tons seized in each cell.
        downstream: Each cell's next cell on its route (-1 where the route ends or
            none passes).
        area: Boolean mask of the area's cells.
        hold: The network's hold on each cell, in [0, 1]; ``None`` counts every entry
            in full.

    Returns:
        Tons entering the area, weighted by the hold where they enter.
    """
    inside = area & (downstream >= 0)
    inside[inside] = area[downstream[inside]]
    from_inside = np.bincount(downstream[inside], weights=flow[inside], minlength=flow.size)
    # Clipped per cell: rounding can leave a cell's arrivals a hair below its inflow.
    entering = np.where(area, np.maximum(0.0, flow + seized - from_inside), 0.0)
    if hold is not None:
        entering = entering * hold
    return float(entering.sum())


def fee_income(*, tons: float, fee_share: float, price_usd_kg: float,
               outside_usd_m: float) -> float:
    """A network's income in USD for one month from protection fees and outside money.

    ::

        I = f·P·T + O·10⁶/12

    Args:
        tons: T, tons of opium equivalent entering the ground it covers
            (:func:`tons_entering`).
        fee_share: f, the share of a consignment's value paid for protection.
        price_usd_kg: P, the value of a kg of opium equivalent in transit (USD).
        outside_usd_m: O, money from abroad a year (USD million).

    Returns:
        USD in the month.
    """
    return fee_share * price_usd_kg * KG_PER_TON * tons + outside_usd_m * 1e6 / MONTHS_PER_YEAR
