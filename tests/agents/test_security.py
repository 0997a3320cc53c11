"""Security mechanisms in isolation: guerrilla combat with intelligence, presence."""

from __future__ import annotations

import numpy as np
import pytest

from stability_sim.agents.security import box, engage, spread

RATES = dict(detection_coeff=0.01, insurgent_loss_rate=0.001, force_loss_rate=0.01,
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
    assert r.insurgent_losses[0] <= 5.0
    assert r.insurgent_losses[0] == pytest.approx(5.0)


def test_insurgent_losses_follow_deitchman_area_fire() -> None:
    """F(1 - exp(-b s D)): proportional to the fighters present, rising with the forces."""
    r = fight(200.0, 100.0, 0.5)
    d = r.detection[0]
    assert r.insurgent_losses[0] == pytest.approx(100.0 * (1 - np.exp(-0.001 * 200 * d)))
    # Twice the fighters, twice the losses: the losses depend on both sides' numbers.
    assert fight(200.0, 200.0, 0.5).insurgent_losses[0] == pytest.approx(
        2 * r.insurgent_losses[0])
    assert fight(400.0, 100.0, 0.5).insurgent_losses[0] > r.insurgent_losses[0]


def test_a_band_survives_a_month_against_a_large_force() -> None:
    """No force wipes out a band in a month unless detection and numbers are overwhelming."""
    r = fight(300.0, 500.0, 0.5)
    assert 0.0 < r.insurgent_losses[0] < 0.5 * 500.0


def test_force_losses_grow_with_the_fighters_not_the_forces() -> None:
    """The fighters' aimed fire (Deitchman): a * F * (1 + tau * rugged)."""
    assert fight(500.0, 100.0, 0.5).force_losses[0] == pytest.approx(0.01 * 100.0)
    assert fight(5000.0, 100.0, 0.5).force_losses[0] == pytest.approx(0.01 * 100.0)
    assert fight(500.0, 200.0, 0.5).force_losses[0] == pytest.approx(0.01 * 200.0)


def test_intensity_scales_fire_and_collateral() -> None:
    arr = lambda x: np.array([x], dtype=float)  # noqa: E731
    mild = engage(arr(300.0), arr(100.0), arr(0.5), arr(0.0), **RATES, intensity=0.5)
    harsh = engage(arr(300.0), arr(100.0), arr(0.5), arr(0.0), **RATES, intensity=1.5)
    assert harsh.insurgent_losses[0] > mild.insurgent_losses[0]
    assert harsh.collateral[0] == pytest.approx(3 * mild.collateral[0])


def test_spread_keeps_mass_inside_the_grid() -> None:
    deposit = np.zeros(100)
    deposit[55] = 90.0
    out = spread(deposit, (10, 10), box(0.25, 0.25))  # 3 x 3 whole cells
    assert out.sum() == pytest.approx(90.0)
    assert out[55] == pytest.approx(10.0)
    assert np.count_nonzero(out) == 9
