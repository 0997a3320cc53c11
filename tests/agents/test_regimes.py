"""Regimes' rules alone, on plain values (agents/regimes.py; docs/ODD.md, Regimes)."""

from __future__ import annotations

import numpy as np
import pytest

from stability_sim.agents.regimes import (
    UPHEAVAL_TOLLS,
    draw_upheaval,
    ground_lost,
    in_crisis,
    upheaval_hazard,
    violent_crisis,
)
from stability_sim.agents.states import legitimacy_target
from stability_sim.params import defaults

RATE = 5.0 / 840.0
#: The five Central Asian states' 2013 legitimacy (params/states.py).
L0 = np.array([0.45, 0.40, 0.50, 0.55, 0.65])


def test_at_2013_standing_the_hazard_is_the_records_rate() -> None:
    h = upheaval_hazard(L0, float(L0.mean()), rate=RATE, exponent=1.0)
    # Five upheavals in 70 state-years, on average over the five states.
    assert h.mean() * 70 * 12 == pytest.approx(5.0)
    # Kyrgyzstan (lowest standing) most at risk, Kazakhstan least.
    assert h.argmax() == 1 and h.argmin() == 4


def test_the_hazard_rises_as_legitimacy_falls_and_the_exponent_steepens_it() -> None:
    grid = np.linspace(0.0, 1.0, 11)
    h = upheaval_hazard(grid, 0.5, rate=RATE, exponent=2.0)
    assert np.all(np.diff(h) < 0)
    assert h[-1] == 0.0  # a fully legitimate regime is not contested
    flat = upheaval_hazard(grid[:-1], 0.5, rate=RATE, exponent=0.0)
    assert np.allclose(flat, RATE)  # exponent 0: no dependence on legitimacy
    assert upheaval_hazard(0.0, 0.99, rate=0.9, exponent=4.0) == 1.0  # a probability


def test_an_upheaval_happens_at_its_hazard_with_a_recorded_toll() -> None:
    rng = np.random.default_rng(7)
    draws = [draw_upheaval(0.2, rng, fall_probability=0.4) for _ in range(20_000)]
    events = [d for d in draws if d is not None]
    assert len(events) / len(draws) == pytest.approx(0.2, abs=0.01)
    assert {e.toll for e in events} == set(UPHEAVAL_TOLLS)
    assert np.mean([e.fell for e in events]) == pytest.approx(0.4, abs=0.025)
    assert all(0.0 <= e.place < 1.0 for e in events)
    never = np.random.default_rng(7)
    assert all(draw_upheaval(0.0, never, fall_probability=1.0) is None for _ in range(1_000))


def test_an_upheaval_always_takes_the_same_random_numbers() -> None:
    a, b = np.random.default_rng(3), np.random.default_rng(3)
    draw_upheaval(1.0, a, fall_probability=0.4)
    draw_upheaval(0.0, b, fall_probability=0.4)
    assert a.random() == b.random()


def test_a_violent_crisis_sums_the_window_against_the_threshold() -> None:
    assert not violent_crisis([30.0, 30.0, 30.0], months=3, threshold=100.0)
    assert violent_crisis([30.0, 30.0, 40.0], months=3, threshold=100.0)
    assert not violent_crisis([90.0, 5.0, 0.0, 4.0], months=3, threshold=100.0)  # too old
    assert violent_crisis([187.0], months=3, threshold=100.0)  # Andijan in one month


def test_ground_is_lost_only_after_the_stated_months() -> None:
    assert not ground_lost(2, months=3)
    assert ground_lost(3, months=3)


@pytest.mark.parametrize(("upheaval", "violent", "lost"),
                         [(True, False, False), (False, True, False), (False, False, True)])
def test_any_part_makes_a_crisis(upheaval: bool, violent: bool, lost: bool) -> None:
    assert in_crisis(upheaval=upheaval, violent=violent, lost=lost)
    assert not in_crisis(upheaval=False, violent=False, lost=False)


def test_legitimacy_can_recover_and_a_remittance_shock_lowers_its_target() -> None:
    d = defaults()
    kw = dict(base=d["states.legitimacy_base"],
              control_weight=d["states.legitimacy_control_weight"],
              violence_weight=d["states.legitimacy_violence_weight"])
    hurt = legitimacy_target(0.45, 0.8, 0.6, 0.0, **kw)
    healed = legitimacy_target(0.45, 1.0, 0.0, 0.0, **kw)
    assert healed == pytest.approx(0.45) and healed > hurt  # back to L0 in peace
    shocked = legitimacy_target(0.45, 1.0, 0.0, 0.0, economic_loss=0.5 * 0.47 * 0.5, **kw)
    assert shocked == pytest.approx(0.45 - 0.1175)
