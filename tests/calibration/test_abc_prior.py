"""The ABC prior on the space left by history matching: by rejection, or from a pool."""

from __future__ import annotations

import numpy as np

from stability_sim.calibration.abc import RegionPrior, global_stream, key_of, par_names


def inside(u: np.ndarray) -> np.ndarray:
    """A small corner of the square: 1 % of it."""
    return (u[:, 0] < 0.1) & (u[:, 1] < 0.1)


def test_rejection_draws_are_inside_and_uniform_there() -> None:
    prior = RegionPrior(2, inside)
    with global_stream(np.random.SeedSequence(5)):
        draws = np.array([key_of(prior.rvs(), 2) for _ in range(400)])
    assert inside(draws).all()
    assert abs(np.mean(draws[:, 0] < 0.05) - 0.5) < 0.1


def test_pool_draws_are_the_pools_points_and_the_density_still_checks_the_region() -> None:
    rng = np.random.default_rng(1)
    candidates = rng.random((20_000, 2))
    pool = candidates[inside(candidates)]
    prior = RegionPrior(2, inside, pool)
    with global_stream(np.random.SeedSequence(5)):
        draws = np.array([key_of(prior.rvs(), 2) for _ in range(300)])
    as_rows = {tuple(p) for p in pool.tolist()}
    assert all(tuple(d) in as_rows for d in draws.tolist())
    assert len({tuple(d) for d in draws.tolist()}) > 100  # many of them, not one
    # A perturbed particle outside the region still has density 0.
    names = par_names(2)
    assert prior.pdf(dict(zip(names, [0.5, 0.05], strict=True))) == 0.0
    assert prior.pdf(dict(zip(names, [0.05, 0.05], strict=True))) == 1.0
