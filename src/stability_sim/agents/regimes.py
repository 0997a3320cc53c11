"""Regimes: upheavals that need no jihadists, and what counts as destabilised.

Each rule is a function on plain values, tested alone in ``tests/agents/test_regimes.py``;
:class:`~stability_sim.agents.states.StateAgent` applies them (docs/ODD.md, "Regimes:
upheaval and destabilisation", where the definitions were fixed from the record before any
run was looked at).

The record 2000-2013 of the five Central Asian states holds five upheavals (elite contest
or mass protest): Kyrgyzstan March 2005 and April 2010 (the government fell), Andijan May
2005 (crushed; 187 dead by the official count [KL13]), Zhanaozen December 2011 and Khorog
July 2012 (both put down by force).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

#: Deaths of the five recorded upheavals, in the order above: Kyrgyzstan 2005 (about 3),
#: Andijan 2005 (187, [KL13]), Kyrgyzstan 2010 (about 87), Zhanaozen 2011 (16), Khorog
#: 2012 (about 47: 17 soldiers and 30 insurgents by the official count). All but
#: Andijan's are recalled and to be checked against a dated source. An upheaval's toll is
#: one of these: the record, not a fitted distribution.
UPHEAVAL_TOLLS: tuple[int, ...] = (3, 187, 87, 16, 47)


def upheaval_hazard(legitimacy: np.ndarray | float, mean_standing0: float, *, rate: float,
                    exponent: float) -> np.ndarray:
    """Monthly hazard of an upheaval: ``rate·((1 - L)/(1 - L̄0))^exponent``, at most 1.

    Args:
        legitimacy: Each state's legitimacy L now.
        mean_standing0: L̄0, the mean 2013 legitimacy of the Central Asian states, so that
            at their 2013 standing the mean hazard is about ``rate`` (exactly so at
            exponent 1): the record's five upheavals in 70 state-years.
        rate: ``regimes.upheaval_rate`` (5/840 a state-month).
        exponent: ``regimes.legitimacy_exponent``: 0 makes the hazard flat; larger
            values send upheavals where standing is lowest.
    """
    lack = np.clip(1.0 - np.asarray(legitimacy, dtype=float), 0.0, 1.0)
    return np.minimum(1.0, rate * (lack / (1.0 - mean_standing0)) ** exponent)


class Upheaval(NamedTuple):
    """One upheaval: its toll, whether the regime fell, and where (a uniform in [0, 1))."""

    toll: int
    fell: bool
    place: float


def draw_upheaval(hazard: float, rng: np.random.Generator, *, fall_probability: float,
                  tolls: Sequence[int] = UPHEAVAL_TOLLS) -> Upheaval | None:
    """Draw this month's upheaval in one state, or None.

    Four draws are always taken, so that whether an upheaval happens in one state does
    not shift the random numbers of the rest of the month. ``place`` picks the cell: the
    caller maps it onto the state's population (the record's upheavals were in the
    capital or a populous province: Bishkek, Andijan, Zhanaozen, Khorog).
    """
    happens, which, falls, place = (rng.random(), int(rng.integers(len(tolls))),
                                    rng.random(), rng.random())
    if happens >= hazard:
        return None
    return Upheaval(int(tolls[which]), bool(falls < fall_probability), float(place))


def violent_crisis(recent_deaths: Sequence[float], *, months: int, threshold: float) -> bool:
    """Whether the political-violence deaths of the last ``months`` months reach ``threshold``.

    ``recent_deaths`` holds one figure a month, the latest last; fewer than ``months``
    figures never make a crisis on their own account unless they already sum to it.
    """
    return float(sum(list(recent_deaths)[-months:])) >= threshold


def ground_lost(months_below: int, *, months: int) -> bool:
    """Whether control has been below ``stability.control_lost`` for ``months`` months."""
    return months_below >= months


def in_crisis(*, upheaval: bool, violent: bool, lost: bool) -> bool:
    """A state is in crisis in a month its regime falls, or in a violent crisis or lost ground.

    ``upheaval`` is an upheaval that toppled the regime; one put down by force counts
    only through its deaths (``violent``), as Andijan's 187 do and Zhanaozen's 16 do not.

    Its first month in crisis is the month it is destabilised; while in crisis a CSTO
    member may ask for help (``agents/responders.py``).
    """
    return upheaval or violent or lost
