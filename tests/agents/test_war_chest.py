"""War chests in isolation: income, the fighters it pays, the bound it sets.

The Taliban's comes from the ground they hold; the Central Asian networks' from the fees
on the consignments that enter the ground around their bands.

The last test iterates the rules month by month without a model: a force that recruits
without limit grows without limit; with the chest it levels off at what the income pays,
and a force above that shrinks back to it.
"""

from __future__ import annotations

import numpy as np
import pytest

from stability_sim.agents.war_chest import (
    affordable_fighters,
    fee_income,
    headroom,
    monthly_income,
    smooth,
    tons_entering,
    unpaid_release,
)

KW = dict(tax_share=0.15, price_usd_kg=170.0, local_tax_usd=5.0, outside_usd_m=120.0)


def test_income_is_the_held_share_of_opium_people_and_outside_money() -> None:
    tons = np.array([100.0, 300.0])
    people = np.array([1e6, 2e6])
    # The state holds everything: only outside money.
    assert monthly_income(opium_tons=tons, population=people, control=np.ones(2),
                          **KW) == pytest.approx(10e6)
    # The insurgents hold the second cell outright and half the first.
    held = monthly_income(opium_tons=tons, population=people,
                          control=np.array([0.5, 0.0]), **KW)
    opium = 0.15 * 170_000 * (50 + 300)
    local = 5.0 / 12 * (0.5e6 + 2e6)
    assert held == pytest.approx(opium + local + 10e6)
    # Losing ground loses income.
    less = monthly_income(opium_tons=tons, population=people,
                          control=np.array([0.5, 0.5]), **KW)
    assert less < held


def test_smoothing_keeps_a_year_of_income() -> None:
    assert smooth(12e6, 1e6, 12.0) == pytest.approx(12e6)  # steady income, steady year
    # A harvest month lifts the year by a twelfth of its excess, not by all of it.
    assert smooth(12e6, 13e6, 12.0) == pytest.approx(12e6 + 12e6)


def test_affordable_fighters_and_headroom() -> None:
    assert affordable_fighters(100e6, 4_000.0) == pytest.approx(25_000)
    assert affordable_fighters(-1.0, 4_000.0) == 0.0
    assert headroom(0.0, 25_000) == 1.0
    assert headroom(12_500, 25_000) == pytest.approx(0.5)
    assert headroom(30_000, 25_000) == 0.0
    assert headroom(10.0, 0.0) == 0.0  # nothing paid, no growth
    assert unpaid_release(20_000, 25_000, 6.0) == 0.0
    assert unpaid_release(31_000, 25_000, 6.0) == pytest.approx(1_000)


def _grow(months: int, start: float, recruits: float, affordable: float | None) -> float:
    """A force gaining ``recruits`` a month, with or without a chest paying ``affordable``."""
    fighters = start
    for _ in range(months):
        if affordable is None:
            fighters += recruits
        else:
            fighters -= unpaid_release(fighters, affordable, 6.0)
            fighters += recruits * headroom(fighters, affordable)
    return fighters


def test_the_chest_bounds_a_force_that_would_grow_without_limit() -> None:
    unbounded = _grow(120, 20_000, 1_000, None)
    bounded = _grow(120, 20_000, 1_000, 30_000)
    assert unbounded == pytest.approx(140_000)
    assert 29_000 < bounded <= 30_000
    # Above what it is paid, the force shrinks back toward it.
    assert 30_000 <= _grow(36, 60_000, 1_000, 30_000) < 32_000


# A route 0 → 1 → 2 → 3 → exit carrying 10 t (1 t seized at cell 1), and a second route
# 4 → 2 joining it with 5 t.
FLOW = np.array([10.0, 9.0, 14.0, 14.0, 5.0])
SEIZED = np.array([0.0, 1.0, 0.0, 0.0, 0.0])
DOWN = np.array([1, 2, 3, -1, 2])


def test_a_route_through_an_area_is_taxed_once_not_once_per_cell() -> None:
    def enter(*cells: int) -> float:
        area = np.zeros(5, dtype=bool)
        area[list(cells)] = True
        return tons_entering(flow=FLOW, seized=SEIZED, downstream=DOWN, area=area)

    assert enter(0) == pytest.approx(10.0)
    # Three cells of the same route: what entered at its first cell, not 10 + 10 + 14.
    assert enter(0, 1, 2) == pytest.approx(10.0 + 5.0)
    # The seizure at cell 1 happened inside: the 10 t still entered.
    assert enter(1, 2) == pytest.approx(10.0 + 5.0)
    # Entering at the junction: both routes' tons.
    assert enter(2, 3) == pytest.approx(14.0)
    assert enter() == 0.0
    # Leaving and coming back is a second entry.
    assert enter(0, 2) == pytest.approx(10.0 + 9.0 + 5.0)


def test_an_entry_is_taxed_by_the_networks_hold_where_it_happens() -> None:
    def enter(hold: list[float], *cells: int) -> float:
        area = np.zeros(5, dtype=bool)
        area[list(cells)] = True
        return tons_entering(flow=FLOW, seized=SEIZED, downstream=DOWN, area=area,
                             hold=np.array(hold))

    # Full hold everywhere is the unweighted count.
    assert enter([1.0] * 5, 0, 1, 2) == pytest.approx(10.0 + 5.0)
    # Where the state holds the ground (hold 0) the network collects nothing.
    assert enter([0.0] * 5, 0, 1, 2) == 0.0
    # Half a hold where the 10 t enter (cell 0); none where the 5 t join (cell 2): the
    # hold inside the area, past the entry, does not matter.
    assert enter([0.5, 1.0, 0.0, 1.0, 1.0], 0, 1, 2) == pytest.approx(5.0)
    assert enter([0.5, 0.0, 1.0, 1.0, 1.0], 0, 1, 2) == pytest.approx(5.0 + 5.0)


def test_fee_income_is_the_fee_on_the_value_plus_outside_money() -> None:
    usd = fee_income(tons=20.0, fee_share=0.1, price_usd_kg=400.0, outside_usd_m=1.2)
    assert usd == pytest.approx(0.1 * 400.0 * 20_000 + 100_000)
    assert fee_income(tons=0.0, fee_share=0.1, price_usd_kg=400.0,
                      outside_usd_m=0.0) == 0.0
