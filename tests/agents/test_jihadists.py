"""Jihadist mechanisms in isolation: the severity law; the networks' places and registry."""

from __future__ import annotations

import numpy as np

from stability_sim.agents.jihadists import (
    NETWORKS,
    PowerLawSeverity,
    centre_weight,
    contest_factor,
)
from stability_sim.params import REGISTRY


def discrete_power_law_mle(x: np.ndarray, k_max: int) -> float:
    """Exponent maximising the likelihood of a truncated discrete power law on 1..k_max."""
    grid = np.linspace(1.2, 4.0, 281)
    k = np.arange(1, k_max + 1, dtype=float)
    logs = np.log(x).sum()
    ll = [-a * logs - len(x) * np.log((k**-a).sum()) for a in grid]
    return float(grid[int(np.argmax(ll))])


def test_severity_is_heavy_tailed_with_its_exponent() -> None:
    rng = np.random.default_rng(1)
    sampler = PowerLawSeverity(2.4, 500)
    draws = sampler.sample(rng, 20_000)
    assert draws.min() >= 1 and draws.max() <= 500
    assert abs(discrete_power_law_mle(draws, 500) - 2.4) < 0.05
    # A heavy tail: the largest of 20,000 events dwarfs the median.
    assert np.median(draws) == 1 and draws.max() > 50


def test_severity_is_reproducible() -> None:
    sampler = PowerLawSeverity(2.4, 500)
    a = sampler.sample(np.random.default_rng(5), 100)
    b = sampler.sample(np.random.default_rng(5), 100)
    assert np.array_equal(a, b)


def test_the_recruitment_pool_is_wider_for_hut_but_never_above_the_population() -> None:
    from stability_sim.agents.jihadists import pool_share

    assert pool_share(True, 0.002, 5.0) == 0.002 and pool_share(False, 0.002, 5.0) == 0.01
    assert pool_share(True, 0.05, 50.0) == 0.05 and pool_share(False, 0.05, 50.0) == 1.0


def test_every_network_place_has_its_weight_in_the_registry_and_no_more() -> None:
    # The places are in NETWORKS, the weights in the registry: neither may drift.
    for spec in NETWORKS:
        prefix = f"jihadists.{spec.key}."
        declared = {n[len(prefix):] for n in REGISTRY if n.startswith(prefix)
                    and n[len(prefix):].startswith(("reach_", "seed_"))}
        listed = {f"reach_{c.lower()}" for c in (*spec.reach, *spec.region_reach)} | {
            f"seed_{c.lower()}" for c in spec.seed}
        assert declared == listed, spec.key


def test_territorial_bands_value_contested_ground_and_centres() -> None:
    """1 + w_c 4g(1-g) + w_p centre: contested ground and district centres draw the bands."""
    control = np.array([1.0, 0.5, 0.0, 0.5])
    centres = np.array([0.0, 0.0, 0.0, 1.0])
    value = contest_factor(control, centres, contest=2.0, centre=1.0)
    assert value.tolist() == [1.0, 3.0, 1.0, 4.0]
    assert contest_factor(control, centres, contest=0.0, centre=0.0).tolist() == [1.0] * 4


def test_centre_weight_ranks_places_by_log_density() -> None:
    w = centre_weight(np.array([0.0, 10.0, 1000.0, 1e6]))
    assert w[0] == 0.0 and w[-1] == 1.0
    assert np.all(np.diff(w) > 0)


def test_only_the_taliban_have_a_sanctuary_and_hold_ground() -> None:
    by_key = {spec.key: spec for spec in NETWORKS}
    assert by_key["taliban"].sanctuary == "PAK" and by_key["taliban"].territorial
    assert all(not s.sanctuary and not s.territorial for k, s in by_key.items()
               if k != "taliban")
