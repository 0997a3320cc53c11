"""Security mechanisms in isolation: combat with intelligence, Afghan effectiveness."""

from __future__ import annotations

import numpy as np
import pytest

from stability_sim.agents.security import afghan_effectiveness, engage, spread

RATES = dict(detection_coeff=0.01, insurgent_loss_rate=0.1, force_loss_rate=0.01,
             terrain_factor=0.002, collateral_rate=0.02, engaged_per_fighter=10.0)


def fight(security, fighters, intel, rugged=0.0):
    arr = lambda x: np.array([x], dtype=float)  # noqa: E731
    return engage(arr(security), arr(fighters), arr(intel), arr(rugged), **RATES)


def test_detection_follows_kress_szechtman_form() -> None:
    result = fight(100.0, 50.0, 1.0)
    assert result.detection[0] == pytest.approx(1 - np.exp(-0.01 * 100 * 1.0))


def test_better_intelligence_kills_more_insurgents_and_fewer_civilians() -> None:
    poor, good = fight(500.0, 200.0, 0.1), fight(500.0, 200.0, 0.9)
    assert good.insurgent_losses[0] > poor.insurgent_losses[0]
    assert good.collateral[0] < poor.collateral[0]  # Bennett 2008


def test_rugged_terrain_costs_the_forces_more() -> None:
    assert fight(500.0, 200.0, 0.5, 1500.0).force_losses[0] > fight(500.0, 200.0, 0.5,
                                                                     0.0).force_losses[0]


def test_no_combat_without_both_sides() -> None:
    for s, f in ((0.0, 100.0), (100.0, 0.0)):
        r = fight(s, f, 1.0)
        assert r.insurgent_losses[0] == r.force_losses[0] == r.collateral[0] == 0.0


def test_losses_never_exceed_what_is_there() -> None:
    r = fight(1e6, 5.0, 1.0)
    assert r.insurgent_losses[0] == 5.0


def test_afghan_effectiveness_falls_with_support() -> None:
    full = afghan_effectiveness(87_207, 87_207, 0.6, 0.4)
    residual = afghan_effectiveness(10_000, 87_207, 0.6, 0.4)
    none = afghan_effectiveness(0, 87_207, 0.6, 0.4)
    assert full == pytest.approx(0.6)
    assert none == pytest.approx(0.6 * 0.4)
    assert full > residual > none
    assert afghan_effectiveness(200_000, 87_207, 0.6, 0.4) == pytest.approx(0.6)  # capped


def test_spread_keeps_mass_inside_the_grid() -> None:
    deposit = np.zeros(100)
    deposit[55] = 90.0
    out = spread(deposit, (10, 10), 1)
    assert out.sum() == pytest.approx(90.0)
    assert out[55] == pytest.approx(10.0)
    assert np.count_nonzero(out) == 9
