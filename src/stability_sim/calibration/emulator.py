"""Gaussian-process emulators of one calibration target over the unit cube of parameters.

An :class:`Emulator` learns how one ensemble statistic (a target's mean over replicate
runs) varies with the calibrated parameters, scaled to ``[0, 1]^d``, from the design points
of a wave. It predicts a mean and an emulator variance anywhere in the cube, which history
matching turns into implausibility (:mod:`stability_sim.calibration.history`), and it
checks itself by leave-one-out. Pure arrays: it never runs the model.

The model is scikit-learn's ``GaussianProcessRegressor`` with a ``ConstantKernel *
Matern(ν=2.5)`` covariance, one length scale per input (ARD), a constant mean, and a
known, per-point noise variance (the variance of each point's mean over its replicates),
as emulators are used in history matching (Vernon, Goldstein & Bower 2010, *Bayesian
Analysis* 5(4)); the leave-one-out check follows Bastos & O'Hagan (2009, *Technometrics* 51).
"""

from __future__ import annotations

import functools
import warnings
from contextlib import AbstractContextManager
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Kernel, Matern
from threadpoolctl import ThreadpoolController

#: Bounds of the length scales on the unit cube. Below 0.03 the output would vary faster
#: than any design of tens of points can resolve; above 30 the input has no visible effect
#: (the correlation across the whole cube stays above 0.99), so larger values change nothing.
LENGTH_SCALE_BOUNDS = (0.03, 30.0)
#: Bounds of the signal variance, in units of the standardised output (variance 1).
SIGNAL_VARIANCE_BOUNDS = (1e-3, 1e3)
#: Smallest noise variance, as a share of the output's variance: a point's mean may come
#: from a deterministic statistic (zero ensemble variance), and a little jitter keeps the
#: covariance matrix well conditioned.
NOISE_FLOOR = 1e-6
#: Restarts of the hyperparameter optimiser from random starting points (besides the
#: default start): the marginal likelihood of a few tens of points may have several modes.
N_RESTARTS = 2


@functools.cache
def _controller() -> ThreadpoolController:
    # Finding the loaded BLAS libraries scans the process's shared objects: tens of
    # milliseconds, once per process rather than once per prediction (ABC's rejection
    # sampler predicts one point at a time, and spent most of a calibration here).
    return ThreadpoolController()


def _one_blas_thread() -> AbstractContextManager[Any]:
    """Keep linear algebra on one thread while it runs.

    The emulators' matrices have tens to hundreds of rows: handing them to several BLAS
    threads costs more than it saves, and on a machine shared with model runs it made the
    tests 2.5 times slower. (threadpoolctl comes with scikit-learn, which requires it.)
    """
    return _controller().limit(limits=1, user_api="blas")


class Emulator:
    """A Gaussian-process emulator of one target over the unit cube.

    Args:
        random_state: Seed of the optimiser's random restarts, so fits are reproducible.
        n_restarts: Restarts of the hyperparameter optimiser.
    """

    def __init__(self, random_state: int = 0, n_restarts: int = N_RESTARTS):
        self.random_state = random_state
        self.n_restarts = n_restarts
        self._fit: _Fit | None = None
        self._x = np.empty((0, 0))
        self._y = np.empty(0)
        self._noise_var = np.empty(0)

    def fit(self, x: np.ndarray, y: np.ndarray, noise_var: np.ndarray) -> Emulator:
        """Fit the kernel's hyperparameters and condition on the design points.

        Args:
            x: Design points in ``[0, 1]^d``, shape ``(n, d)``.
            y: The target's ensemble mean at each point, shape ``(n,)``.
            noise_var: Variance of each mean (ensemble variance / replications), shape
                ``(n,)`` or a scalar; floored at :data:`NOISE_FLOOR` of the variance of ``y``.

        Returns:
            The emulator itself, fitted.

        Raises:
            ValueError: If the shapes disagree, values are not finite, a point lies outside
                the unit cube, or there are fewer than two points.
        """
        x, y, noise_var = _checked(x, y, noise_var)
        d = x.shape[1]
        kernel = ConstantKernel(1.0, SIGNAL_VARIANCE_BOUNDS) * Matern(
            length_scale=np.full(d, 0.3), length_scale_bounds=LENGTH_SCALE_BOUNDS, nu=2.5)
        with warnings.catch_warnings(), _one_blas_thread():
            # A length scale at its upper bound is a finding, not a failure: that input has
            # no visible effect on this target (``kernel_text`` shows it). Other convergence
            # warnings (a length scale at its lower bound: the design cannot resolve the
            # output) still reach the user.
            warnings.filterwarnings("ignore", message=r".*close to the specified upper bound",
                                    category=ConvergenceWarning)
            self._fit = _regressor(x, y, noise_var, kernel, optimize=True,
                                  n_restarts=self.n_restarts, random_state=self.random_state)
        self._x, self._y, self._noise_var = x, y, noise_var
        return self

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The emulator's mean and variance at ``x``.

        Args:
            x: Points, shape ``(m, d)``.

        Returns:
            ``(mean, var)``, each of shape ``(m,)``: the prediction of the target's
            expected value and the emulator's variance about it (the design points' noise
            is not added: a new point's mean would have its own).
        """
        fit = self._fitted()
        x = np.atleast_2d(np.asarray(x, dtype=float))
        if x.shape[1] != self._x.shape[1]:
            raise ValueError(f"expected points with {self._x.shape[1]} inputs, got {x.shape[1]}")
        with _one_blas_thread():
            return _predict(fit, x)

    def loo(self) -> pd.DataFrame:
        """Leave-one-out diagnostics, the kernel's hyperparameters kept as fitted.

        Each design point is predicted by the emulator conditioned on the others (the
        hyperparameters are not re-estimated: the check is of the fitted emulator, as in
        Bastos & O'Hagan's diagnostics).

        Returns:
            One row per design point: ``point`` (its index), ``observed`` (its mean),
            ``mean`` (the prediction), ``sd`` (the square root of the emulator variance plus
            the point's own noise variance: the observed mean is noisy), and
            ``z = (observed - mean) / sd``, roughly standard normal if the emulator is right.
        """
        kernel = self._fitted().gp.kernel_
        x, y, noise = self._x, self._y, self._noise_var
        rows = []
        for i in range(len(y)):
            keep = np.arange(len(y)) != i
            with _one_blas_thread():
                others = _regressor(x[keep], y[keep], noise[keep], kernel, optimize=False)
                mean, var = _predict(others, x[i:i + 1])
            sd = float(np.sqrt(var[0] + noise[i]))
            rows.append((i, y[i], float(mean[0]), sd, (y[i] - float(mean[0])) / sd))
        return pd.DataFrame(rows, columns=["point", "observed", "mean", "sd", "z"])

    def loo_ok(self, frac_within: float = 0.95, bound: float = 3.0) -> bool:
        """Whether at least ``frac_within`` of the leave-one-out ``|z|`` are below ``bound``."""
        return bool(np.mean(np.abs(self.loo()["z"].to_numpy()) < bound) >= frac_within)

    @property
    def length_scales(self) -> np.ndarray:
        """The fitted length scale of each input (unit-cube units; large = little effect)."""
        return np.atleast_1d(self._fitted().gp.kernel_.k2.length_scale).astype(float)

    @property
    def kernel_text(self) -> str:
        """The fitted kernel in one line, e.g. for a report.

        The signal variance is in units of the standardised output; length scales are in
        unit-cube units, marked ``(at bound)`` where an input has no visible effect.
        """
        kernel = self._fitted().gp.kernel_
        upper = LENGTH_SCALE_BOUNDS[1]
        scales = ", ".join(f"{s:.3g}" + (" (at bound)" if s >= 0.99 * upper else "")
                           for s in self.length_scales)
        return f"{kernel.k1.constant_value:.3g} * Matern(nu=2.5, length_scale=[{scales}])"

    @property
    def n_points(self) -> int:
        """Number of design points the emulator was fitted to."""
        return len(self._y)

    def _fitted(self) -> _Fit:
        if self._fit is None:
            raise RuntimeError("the emulator is not fitted yet: call fit(x, y, noise_var) first")
        return self._fit


class _Fit(NamedTuple):
    """A regressor on the standardised output and how to undo the scaling.

    The output is standardised here rather than by ``normalize_y=True`` because the noise
    variance (``alpha``) enters the covariance in the units of the standardised output; doing
    both scalings in one place keeps them consistent, for the fit and for every leave-one-out
    refit (whose scaling differs slightly).
    """

    gp: GaussianProcessRegressor
    shift: float
    scale: float


def _regressor(x: np.ndarray, y: np.ndarray, noise_var: np.ndarray, kernel: Kernel, *,
               optimize: bool, n_restarts: int = 0, random_state: int = 0) -> _Fit:
    shift = float(np.mean(y))
    spread = float(np.std(y))
    # A constant output (all points alike) has nothing to scale: keep its units.
    scale = spread if spread > 1e-12 * max(1.0, abs(shift)) else 1.0
    alpha = np.maximum(noise_var / scale**2, NOISE_FLOOR)
    gp = GaussianProcessRegressor(kernel=kernel, alpha=alpha,
                                  optimizer="fmin_l_bfgs_b" if optimize else None,
                                  n_restarts_optimizer=n_restarts, normalize_y=False,
                                  random_state=random_state)
    gp.fit(x, (y - shift) / scale)
    return _Fit(gp, shift, scale)


def _predict(fit: _Fit, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean, sd = fit.gp.predict(x, return_std=True)
    return mean * fit.scale + fit.shift, (sd * fit.scale) ** 2


def _checked(x: np.ndarray, y: np.ndarray,
             noise_var: np.ndarray | float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float).ravel()
    if x.ndim != 2:
        raise ValueError(f"expected design points as an (n, d) array, got shape {x.shape}")
    n = x.shape[0]
    noise = np.asarray(noise_var, dtype=float)
    noise = np.full(n, float(noise)) if noise.ndim == 0 else noise.ravel()
    if len(y) != n or len(noise) != n:
        raise ValueError(f"expected {n} outputs and noise variances (one per design point), "
                         f"got {len(y)} and {len(noise)}")
    if n < 2:
        raise ValueError(f"an emulator needs at least two design points, got {n}")
    if not (np.isfinite(x).all() and np.isfinite(y).all() and np.isfinite(noise).all()):
        raise ValueError("design points, outputs and noise variances must be finite numbers")
    if x.min() < 0.0 or x.max() > 1.0:
        raise ValueError("design points must lie in the unit cube [0, 1]^d "
                         f"(got values in [{x.min():.3g}, {x.max():.3g}])")
    if noise.min() < 0.0:
        raise ValueError(f"noise variances must be ≥ 0, got {noise.min():.3g}")
    return x, y, noise
