"""History matching: implausibility, the not-ruled-out-yet (NROY) space, the next wave's points.

A wave fits one emulator per target (:mod:`stability_sim.calibration.emulator`) to the
ensemble means at its design points. A parameter point is *implausible* for a target when
the emulator's prediction there is too far from the observed value, measured against every
uncertainty the comparison has: the observation's, the emulator's, and the model's own
stochastic variance (the record is one realisation, so one run's spread around the
ensemble mean); see Craig, Goldstein, Seheult & Smith (1997) and Vernon, Goldstein & Bower
(2010). Points whose largest implausibility, over the targets of every wave so far, stays
below a cutoff (3, by Pukelsheim's 1994 three-sigma rule) form the NROY space; the next
wave samples it. Pure arrays on the unit cube: no model runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import qmc

from stability_sim.calibration.emulator import Emulator

#: Default cutoff on the largest implausibility (Pukelsheim's three-sigma rule: for any
#: unimodal distribution, at least 95% of the mass lies within three standard deviations).
CUTOFF = 3.0
#: Points evaluated at once: bounds the memory of the emulators' cross-covariances.
CHUNK = 20_000


# The name states the finding (the calibration reports it as such), hence no "Error" suffix.
class NoSpaceLeft(ValueError):  # noqa: N818
    """No candidate point survives the implausibility cutoff: the NROY space is (nearly) empty."""


def implausibility(mean: np.ndarray, var_em: np.ndarray, z: np.ndarray | float,
                   var_obs: np.ndarray | float, var_ens: np.ndarray | float) -> np.ndarray:
    """The implausibility ``|z - mean| / sqrt(var_obs + var_em + var_ens)``, elementwise.

    Args:
        mean: The emulator's mean at each point.
        var_em: The emulator's variance at each point.
        z: The observed value of the target.
        var_obs: The observation's variance (its error).
        var_ens: The model's stochastic variance of a single realisation about the ensemble
            mean: the observed record is one realisation, not an ensemble mean.

    Returns:
        The implausibility, broadcast over the arguments.

    Raises:
        ValueError: If a total variance is not positive (the distance has no scale).
    """
    total = np.asarray(var_obs, float) + np.asarray(var_em, float) + np.asarray(var_ens, float)
    if np.any(~(total > 0)):
        raise ValueError("implausibility needs a positive total variance "
                         "(observation + emulator + ensemble); got zero, negative or NaN")
    return np.abs(np.asarray(z, float) - np.asarray(mean, float)) / np.sqrt(total)


@dataclass(eq=False)  # arrays have no single truth value: compare waves by identity
class Wave:
    """The emulators of one wave and what each target is compared with.

    Attributes:
        emulators: One fitted emulator per target, in the order of ``names``.
        z: The observed value of each target, shape ``(k,)``.
        var_obs: The observation variance of each target, shape ``(k,)``.
        var_ens: The stochastic variance of a single run of each target, shape ``(k,)``
            (estimated from this wave's ensembles).
        names: The targets' names.
    """

    emulators: list[Emulator]
    z: np.ndarray
    var_obs: np.ndarray
    var_ens: np.ndarray
    names: tuple[str, ...]

    def __post_init__(self) -> None:
        self.z, self.var_obs, self.var_ens = (np.asarray(a, dtype=float).ravel()
                                              for a in (self.z, self.var_obs, self.var_ens))
        self.names = tuple(self.names)
        k = len(self.emulators)
        sizes = {len(self.z), len(self.var_obs), len(self.var_ens), len(self.names)}
        if sizes != {k}:
            raise ValueError(f"a wave needs one z, var_obs, var_ens and name per emulator ({k}), "
                             f"got {len(self.z)}, {len(self.var_obs)}, {len(self.var_ens)} and "
                             f"{len(self.names)}")

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each target's emulator mean and variance at points ``x``, each of shape ``(n, k)``."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        means = np.zeros((len(x), len(self.emulators)))
        variances = np.zeros_like(means)
        for j, emulator in enumerate(self.emulators):
            means[:, j], variances[:, j] = emulator.predict(x)
        return means, variances

    def implausibility(self, x: np.ndarray) -> np.ndarray:
        """The implausibility of each target at points ``x`` (unit cube), shape ``(n, k)``."""
        means, variances = self.predict(x)
        return implausibility(means, variances, self.z, self.var_obs, self.var_ens)


def fit_wave(x: np.ndarray, means: np.ndarray, noise_var: np.ndarray, z: np.ndarray,
             var_obs: np.ndarray, var_ens: np.ndarray, names: Sequence[str],
             random_state: int = 0) -> Wave:
    """Fit one emulator per target to a wave's design points.

    Pass the design points of every wave so far, not only the newest wave's. The newest
    points crowd along the level sets where each target is matched, where the output
    barely varies: an emulator fitted to them alone can learn a spuriously short (or no)
    effect across those sets and be confidently wrong there; the earlier points keep the
    gradient in view. (In tests on a known function, this kept the truth's implausibility
    low in every wave, where newest-only emulators sometimes raised it from 0.3 to 2.5.)

    A point whose mean or noise variance is NaN for a target (e.g. every run there failed)
    is left out of that target's emulator only.

    Args:
        x: The wave's design points in the unit cube, shape ``(n, d)``.
        means: The ensemble mean of each target at each point, shape ``(n, k)``.
        noise_var: The variance of each of those means (ensemble variance / replications),
            shape ``(n, k)``.
        z: The observed value of each target, shape ``(k,)``.
        var_obs: The observation variance of each target, shape ``(k,)``.
        var_ens: The single-run stochastic variance of each target, shape ``(k,)``.
        names: The targets' names, ``k`` of them.
        random_state: Seed of the emulators' optimiser restarts.

    Returns:
        The fitted wave.

    Raises:
        ValueError: If shapes disagree or a target has fewer than two usable points.
    """
    x = np.atleast_2d(np.asarray(x, dtype=float))
    means = np.asarray(means, dtype=float).reshape(len(x), -1)
    noise_var = np.asarray(noise_var, dtype=float).reshape(means.shape)
    names = tuple(names)
    if means.shape[1] != len(names):
        raise ValueError(f"expected one column of means per target ({len(names)}), "
                         f"got {means.shape[1]}")
    emulators = []
    for j, name in enumerate(names):
        usable = np.isfinite(means[:, j]) & np.isfinite(noise_var[:, j])
        if usable.sum() < 2:
            raise ValueError(f"target {name!r} has {int(usable.sum())} usable design points; "
                             "an emulator needs at least two")
        emulators.append(Emulator(random_state=random_state).fit(
            x[usable], means[usable, j], noise_var[usable, j]))
    return Wave(emulators, np.asarray(z), np.asarray(var_obs), np.asarray(var_ens), names)


def max_implausibility(waves: Sequence[Wave], x: np.ndarray) -> np.ndarray:
    """The largest implausibility at each point over the targets of every wave.

    Taking the maximum over all waves so far, not only the last, keeps each NROY space
    inside the previous one: a region ruled out once stays out, even where a later wave's
    emulators (fitted only inside the previous NROY space) extrapolate kindly.

    Args:
        waves: The waves so far (none: nothing is ruled out, every value is 0).
        x: Points in the unit cube, shape ``(n, d)``.

    Returns:
        Shape ``(n,)``.
    """
    x = np.atleast_2d(np.asarray(x, dtype=float))
    result = np.zeros(len(x))
    for start in range(0, len(x), CHUNK):
        part = x[start:start + CHUNK]
        for wave in waves:
            values = wave.implausibility(part)
            if values.size:
                result[start:start + CHUNK] = np.maximum(result[start:start + CHUNK],
                                                         values.max(axis=1))
    return result


def sample_nroy(waves: Sequence[Wave], n: int, rng: np.random.Generator,
                cutoff: float = CUTOFF, *, d: int, candidates: int | None = None,
                max_candidates: int = 200_000) -> np.ndarray:
    """Draw ``n`` well-spread points of the NROY space for the next wave.

    Candidates are Latin hypercube samples of the unit cube; those whose largest
    implausibility is below ``cutoff`` survive. While fewer than ``10 n`` survive (and
    fewer than ``max_candidates`` were drawn), more batches are drawn, each twice the size
    of the last. From the survivors, a greedy maximin selection starts at the least
    implausible one and keeps adding the survivor farthest from those chosen, so the wave
    covers the space rather than clustering where it is densest.

    Args:
        waves: The waves so far.
        n: Points wanted.
        rng: The source of randomness; the same generator state gives the same points.
        cutoff: Largest implausibility allowed.
        d: Number of inputs (dimension of the unit cube).
        candidates: Size of the first batch (default: ``max(1000, 50 n)``).
        max_candidates: Most candidates drawn in all.

    Returns:
        Shape ``(m, d)`` with ``m = n``, unless the NROY space is so small that fewer than
        ``n`` of ``max_candidates`` candidates survive: then all survivors (``m < n``).

    Raises:
        NoSpaceLeft: If no candidate survives.
        ValueError: If ``n`` or ``d`` is less than 1.
    """
    if n < 1 or d < 1:
        raise ValueError(f"need n ≥ 1 points in d ≥ 1 dimensions, got n={n}, d={d}")
    sampler = qmc.LatinHypercube(d=d, rng=rng)
    batch = candidates or max(1000, 50 * n)
    kept: list[np.ndarray] = []
    kept_values: list[np.ndarray] = []
    drawn, survivors, lowest = 0, 0, np.inf
    while survivors < 10 * n and drawn < max_candidates:
        size = min(batch, max_candidates - drawn)
        points = sampler.random(size)
        values = max_implausibility(waves, points)
        inside = values < cutoff
        kept.append(points[inside])
        kept_values.append(values[inside])
        drawn += size
        survivors += int(inside.sum())
        lowest = min(lowest, float(values.min()))
        batch *= 2
    if survivors == 0:
        raise NoSpaceLeft(
            f"no point of the parameter space is left: none of {drawn} candidates has an "
            f"implausibility below {cutoff:g} (the least implausible has {lowest:.3g}). "
            "The model cannot match the targets within these ranges, or the variances "
            "allowed (observation, ensemble) are too small.")
    pool = np.concatenate(kept)
    return pool[_maximin(pool, np.concatenate(kept_values), n)]


def nroy_fraction(waves: Sequence[Wave], rng: np.random.Generator, cutoff: float = CUTOFF, *,
                  d: int, samples: int = 10_000) -> float:
    """The share of the unit cube not ruled out, estimated on a Latin hypercube sample.

    To compare waves without sampling noise, pass generators in the same state (common
    random numbers): the same points are then judged by each set of waves.

    Args:
        waves: The waves so far.
        rng: The source of the sample.
        cutoff: Largest implausibility allowed.
        d: Number of inputs.
        samples: Size of the sample.

    Returns:
        A number in ``[0, 1]``.
    """
    points = qmc.LatinHypercube(d=d, rng=rng).random(samples)
    return float(np.mean(max_implausibility(waves, points) < cutoff))


def _maximin(points: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Indices of ``n`` points chosen greedily, each the farthest from those chosen before.

    Starts at the least implausible point; stops early when only duplicates are left.
    """
    chosen = [int(np.argmin(values))]
    nearest = np.linalg.norm(points - points[chosen[0]], axis=1)
    while len(chosen) < min(n, len(points)):
        far = int(np.argmax(nearest))
        if nearest[far] <= 0.0:
            break
        chosen.append(far)
        nearest = np.minimum(nearest, np.linalg.norm(points - points[far], axis=1))
    return np.array(chosen)
