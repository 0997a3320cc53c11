"""ABC-SMC with pyabc, its simulations run in batches through the project's executors.

pyabc proposes one particle at a time (``simulate_one``: draw a parameter, simulate,
accept or reject) and leaves parallelism to its samplers, which run the model themselves.
Here the model's runs must go through the sweep machinery instead (the executors, the
seeding rule, the result store, resume), so :class:`BatchSampler` evaluates a generation
in batches of three phases:

1. *propose*: call ``simulate_one`` for each job of the batch; the model
   (:class:`LookupModel`) does not know the parameter yet and raises :class:`Proposed`,
   which carries it out;
2. *run*: the batch's parameters are run as one sweep (a folder of the calibration);
3. *accept*: call ``simulate_one`` again for each job with the same random state: it
   draws the same parameter, the model now returns its statistics, and pyabc's acceptor
   decides as usual.

pyabc draws from numpy's global generator and offers no other; each job therefore sets
that generator from its own SeedSequence child (generation, job) for the two calls and
puts the previous state back afterwards. The model's runs never use it. Everything is a
function of the seeds and of the runs' results, not of timing, so a resumed calibration
replays the same generations and finds its runs already in the store.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pyabc

#: A parameter as pyabc holds it, on the unit cube: p0, p1, ... in the file's order.
Key = tuple[float, ...]

#: Largest batch, in multiples of the population: bounds a generation whose acceptance
#: rate collapsed (its cost is then reported by the budget, not by memory).
MAX_BATCH_FACTOR = 10

#: Spawn-key prefix of the ABC streams (far from the runs' keys).
ABC_STREAM = 0xABC


def par_names(d: int) -> list[str]:
    """Pyabc's names of the unit-cube coordinates (its storage wants plain names)."""
    return [f"p{i}" for i in range(d)]


class Proposed(Exception):  # noqa: N818  (a signal, not an error)
    """Raised by :class:`LookupModel` for a parameter it has no statistics for yet."""

    def __init__(self, key: Key) -> None:
        super().__init__(key)
        self.key = key


def key_of(parameter: Any, d: int) -> Key:
    """The lookup key of a pyabc parameter (its unit-cube coordinates)."""
    return tuple(float(parameter[f"p{i}"]) for i in range(d))


class LookupModel(pyabc.Model):
    """A pyabc model that returns statistics already computed, or asks for them.

    Args:
        evaluations: Key → summary statistics (target name → ensemble statistic).
        d: Number of parameters.
    """

    def __init__(self, evaluations: dict[Key, dict[str, float]], d: int) -> None:
        super().__init__(name="stability_sim")
        self.evaluations = evaluations
        self.d = d

    def sample(self, pars: Any) -> dict[str, float]:
        """The statistics of ``pars``; raises :class:`Proposed` when they are not known."""
        key = key_of(pars, self.d)
        try:
            return self.evaluations[key]
        except KeyError:
            raise Proposed(key) from None


class RegionPrior(pyabc.DistributionBase):
    """Uniform on the part of the unit cube that ``inside`` accepts (the NROY space).

    Args:
        d: Number of parameters.
        inside: Maps points ``(n, d)`` to a boolean mask; None accepts the whole cube.
        pool: Points of the region drawn beforehand (uniform candidates that ``inside``
            accepted). When given, a draw is one of them, not a rejection from the cube:
            a region of a small share of the cube would take thousands of emulator
            evaluations per draw.
    """

    def __init__(self, d: int, inside: Callable[[np.ndarray], np.ndarray] | None,
                 pool: np.ndarray | None = None) -> None:
        self.d = d
        self.inside = inside
        self.pool = pool

    def _accepts(self, u: np.ndarray) -> bool:
        if np.any(u < 0.0) or np.any(u > 1.0):
            return False
        return self.inside is None or bool(self.inside(u[None, :])[0])

    def rvs(self, *args: Any, **kwargs: Any) -> pyabc.Parameter:
        """A draw by rejection, or from the pool (pyabc's global generator, seeded per job)."""
        if self.pool is not None and len(self.pool):
            u = self.pool[np.random.randint(len(self.pool))]
            return pyabc.Parameter(dict(zip(par_names(self.d), u.tolist(), strict=True)))
        while True:
            u = np.random.uniform(size=self.d)
            if self._accepts(u):
                return pyabc.Parameter(dict(zip(par_names(self.d), u.tolist(), strict=True)))

    def pdf(self, x: Any) -> float:
        """Constant inside the region, 0 outside (importance weights are normalised)."""
        return 1.0 if self._accepts(np.array(key_of(x, self.d))) else 0.0


@contextmanager
def global_stream(seed: np.random.SeedSequence) -> Iterator[None]:
    """Set numpy's global generator from ``seed`` for pyabc, and restore it afterwards."""
    saved = np.random.get_state()
    np.random.seed(seed.generate_state(4))
    try:
        yield
    finally:
        np.random.set_state(saved)


Evaluate = Callable[[int, int, Sequence[Key]], None]


class BatchSampler(pyabc.sampler.Sampler):
    """A pyabc sampler that runs each batch of proposals as one sweep.

    Args:
        evaluate: ``evaluate(t, batch, keys)`` runs the keys' parameters (in this order)
            and puts their statistics into the model's evaluations.
        seed: The calibration's master seed.
        particles_left: How many more particles the budget allows (runs / replications).
    """

    def __init__(self, evaluate: Evaluate, seed: int,
                 particles_left: Callable[[], int]) -> None:
        super().__init__()
        self.evaluate = evaluate
        self.seed = seed
        self.particles_left = particles_left
        self.rate = 1.0  # acceptance rate of the last generation: sizes the first batch
        self.stopped_by_budget = False

    def _stream(self, t: int, job: int) -> np.random.SeedSequence:
        return np.random.SeedSequence(self.seed, spawn_key=(ABC_STREAM, t + 1, job))

    def sample_until_n_accepted(self, n: int, simulate_one: Callable[[], Any], t: int, *,
                                max_eval: float = np.inf, all_accepted: bool = False,
                                ana_vars: Any = None) -> Any:
        """Evaluate proposals in batches until ``n`` are accepted (pyabc's sampler API)."""
        sample = self._create_empty_sample()
        evaluated = job = batch = 0
        rate = 1.0 if all_accepted else self.rate
        while sample.n_accepted < n:
            need = n - sample.n_accepted
            size = need if all_accepted else math.ceil(1.2 * need / max(rate, 0.01))
            size = min(size, MAX_BATCH_FACTOR * n, self.particles_left(),
                       int(max_eval - evaluated) if math.isfinite(max_eval) else size)
            if size <= 0:
                self.stopped_by_budget = self.particles_left() <= 0
                sample.ok = False
                break
            jobs = range(job, job + size)
            proposals: list[Key] = []
            for j in jobs:
                with global_stream(self._stream(t, j)):
                    try:
                        simulate_one()
                    except Proposed as proposed:
                        proposals.append(proposed.key)
            self.evaluate(t, batch, proposals)
            for j in jobs:
                with global_stream(self._stream(t, j)):
                    particle = simulate_one()
                sample.append(particle)
                evaluated += 1
                if sample.n_accepted >= n:
                    break
            rate = sample.n_accepted / evaluated
            job += size
            batch += 1
        if not all_accepted and evaluated:
            self.rate = sample.n_accepted / evaluated
        self.nr_evaluations_ = evaluated
        return sample


def quiet() -> None:
    """Pyabc logs every generation at INFO; the calibration reports progress itself."""
    for name in ("ABC", "pyabc"):
        logging.getLogger(name).setLevel(logging.WARNING)
