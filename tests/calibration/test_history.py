"""History matching on arrays: emulators, implausibility, NROY spaces, the next wave's points.

A known function stands in for the model: two outputs of three inputs, the third of weak
effect, observed with noise. Its truth ``X_STAR`` gives the targets, so every test knows
where the answer is and can check that history matching keeps it, and that it does not
when the targets or variances are wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pytest
from scipy.stats import qmc

from stability_sim.calibration.emulator import Emulator
from stability_sim.calibration.history import (
    NoSpaceLeft,
    Wave,
    fit_wave,
    implausibility,
    max_implausibility,
    nroy_fraction,
    sample_nroy,
)

D = 3
X_STAR = np.array([0.3, 0.6, 0.5])
#: Standard deviation of one run of each output about its expected value.
SD_RUN = 0.03
REPLICATIONS = 10
#: Observation error of each target.
SD_OBS = 0.02
POINTS = 20


def f(x: np.ndarray) -> np.ndarray:
    """The stand-in model's expected outputs, shape (n, 2); input 2 has a weak effect."""
    x = np.atleast_2d(x)
    return np.column_stack([np.sin(5 * x[:, 0]) + 2 * x[:, 1] ** 2 + 0.05 * x[:, 2],
                            np.cos(4 * x[:, 1]) + x[:, 0] * x[:, 1] - 0.05 * x[:, 2]])


Z_STAR = f(X_STAR)[0]
VAR_OBS = np.full(2, SD_OBS**2)
VAR_ENS = np.full(2, SD_RUN**2)


def ensemble_means(x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Each point's mean over REPLICATIONS noisy runs, and the variance of that mean."""
    noise_var = SD_RUN**2 / REPLICATIONS
    means = f(x) + rng.normal(0.0, np.sqrt(noise_var), (len(x), 2))
    return means, np.full(means.shape, noise_var)


@dataclass
class Matching:
    waves: list[Wave]
    designs: list[np.ndarray]


def history_match(z: np.ndarray, *, var_ens: np.ndarray = VAR_ENS, waves: int = 3,
                  seed: int = 0) -> Matching:
    """Run ``waves`` waves of POINTS points; each wave's emulators see every point so far."""
    rng = np.random.default_rng(seed)
    x = qmc.LatinHypercube(D, rng=rng).random(POINTS)
    xs, ms, vs = np.empty((0, D)), np.empty((0, 2)), np.empty((0, 2))
    result = Matching([], [])
    for _ in range(waves):
        means, noise_var = ensemble_means(x, rng)
        xs, ms, vs = np.vstack([xs, x]), np.vstack([ms, means]), np.vstack([vs, noise_var])
        result.waves.append(fit_wave(xs, ms, vs, z, VAR_OBS, var_ens, ("a", "b")))
        result.designs.append(x)
        x = sample_nroy(result.waves, POINTS, rng, d=D)
    return result


def truth_kept(waves: list[Wave]) -> bool:
    """The check every history match must pass: the truth is not ruled out."""
    return bool(max_implausibility(waves, X_STAR)[0] < 3.0)


def fractions(waves: list[Wave]) -> list[float]:
    """NROY share of the cube after each wave, on one common sample (no sampling noise)."""
    return [nroy_fraction(waves[:k + 1], np.random.default_rng(99), d=D, samples=10_000)
            for k in range(len(waves))]


@pytest.fixture(scope="module")
def matching() -> Matching:
    return history_match(Z_STAR)


class Fixed:
    """A stand-in emulator predicting a given mean and variance everywhere."""

    def __init__(self, mean: float, var: float):
        self.mean, self.var = mean, var

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(np.atleast_2d(x))
        return np.full(n, self.mean), np.full(n, self.var)


# --- implausibility: hand-computed ---------------------------------------------------------

def test_implausibility_matches_hand_computed_values() -> None:
    # Totals 1 + 0.5 + 2.5 = 4, 1 + 0 + 8 = 9, 1 + 5 + 10 = 16.
    got = implausibility(np.array([1.0, 2.0, 7.0]), np.array([0.5, 0.0, 5.0]), 3.0, 1.0,
                         np.array([2.5, 8.0, 10.0]))
    np.testing.assert_allclose(got, [2 / 2, 1 / 3, 4 / 4])


def test_implausibility_needs_a_positive_variance() -> None:
    with pytest.raises(ValueError, match="positive total variance"):
        implausibility(np.array([1.0]), np.array([0.0]), 1.0, 0.0, 0.0)


def test_wave_and_max_implausibility_take_the_largest_over_targets_and_waves() -> None:
    # Wave 1: |0 - 1| / sqrt(1 + 3) = 0.5 and |2 - 8| / sqrt(1 + 1 + 7) = 2.
    first = Wave([Fixed(1.0, 3.0), Fixed(8.0, 1.0)], np.array([0.0, 2.0]), np.array([1.0, 1.0]),
                 np.array([0.0, 7.0]), ("a", "b"))
    # Wave 2: |0 - 4| / sqrt(1 + 0 + 15) = 1.
    second = Wave([Fixed(4.0, 0.0)], np.array([0.0]), np.array([1.0]), np.array([15.0]), ("a",))
    x = np.full((4, D), 0.5)
    np.testing.assert_allclose(first.implausibility(x), np.tile([0.5, 2.0], (4, 1)))
    np.testing.assert_allclose(max_implausibility([second], x), np.full(4, 1.0))
    np.testing.assert_allclose(max_implausibility([first, second], x), np.full(4, 2.0))
    np.testing.assert_allclose(max_implausibility([], x), np.zeros(4))


def test_a_wave_needs_one_target_setting_per_emulator() -> None:
    with pytest.raises(ValueError, match="one z, var_obs, var_ens and name per emulator"):
        Wave([Fixed(0.0, 1.0)], np.array([0.0, 1.0]), np.array([1.0]), np.array([1.0]), ("a",))


# --- history matching on the known function -------------------------------------------------

def test_nroy_keeps_the_truth_and_shrinks_wave_by_wave(matching: Matching) -> None:
    for k in range(len(matching.waves)):
        assert truth_kept(matching.waves[:k + 1]), f"wave {k + 1} ruled the truth out"
    first, second, third = fractions(matching.waves)
    assert first > second > third > 0.0
    assert third < 0.75 * first
    # Converged: close to the NROY space of the true function (no emulator uncertainty).
    sample = qmc.LatinHypercube(D, rng=np.random.default_rng(99)).random(10_000)
    ideal = np.mean(implausibility(f(sample), 0.0, Z_STAR, VAR_OBS, VAR_ENS).max(axis=1) < 3)
    assert third == pytest.approx(ideal, rel=0.15)


def test_each_wave_samples_inside_the_previous_nroy_space(matching: Matching) -> None:
    for k, design in enumerate(matching.designs[1:]):
        assert (max_implausibility(matching.waves[:k + 1], design) < 3.0).all()


def test_targets_shifted_off_the_truth_rule_it_out() -> None:
    # The failure the check above exists to catch: the same truth_kept turns False when
    # the targets are wrong by ten times their total standard deviation.
    shift = 10 * np.sqrt(VAR_OBS + VAR_ENS)
    wrong = history_match(Z_STAR + shift, waves=1)
    assert not truth_kept(wrong.waves)


def test_ignoring_the_ensemble_variance_rules_out_a_truth_seen_through_one_realisation() -> None:
    # The record is one run: 2.5 run standard deviations off the expected value is
    # unremarkable once var_ens is allowed for, but implausible if it is left out.
    waves = history_match(Z_STAR + 2.5 * SD_RUN, waves=2).waves
    assert truth_kept(waves)
    assert not truth_kept([replace(wave, var_ens=np.zeros(2)) for wave in waves])


# --- emulator -------------------------------------------------------------------------------

def smooth(x: np.ndarray) -> np.ndarray:
    return np.sin(2 * np.pi * x[:, 0]) * np.cos(np.pi * x[:, 1]) + x[:, 1]


@pytest.fixture(scope="module")
def smooth_emulator() -> Emulator:
    rng = np.random.default_rng(4)
    x = qmc.LatinHypercube(2, rng=rng).random(30)
    noise_var = 0.01**2
    y = smooth(x) + rng.normal(0.0, np.sqrt(noise_var), len(x))
    return Emulator(random_state=0).fit(x, y, np.full(len(x), noise_var))


def test_leave_one_out_is_within_bounds_on_a_smooth_function(smooth_emulator: Emulator) -> None:
    loo = smooth_emulator.loo()
    assert list(loo.columns) == ["point", "observed", "mean", "sd", "z"]
    assert len(loo) == 30
    assert np.mean(np.abs(loo["z"]) < 3) >= 0.9
    assert smooth_emulator.loo_ok(frac_within=0.9)
    np.testing.assert_allclose(loo["z"], (loo["observed"] - loo["mean"]) / loo["sd"])


def test_predictions_are_close_to_the_truth_with_honest_variances(
        smooth_emulator: Emulator) -> None:
    x = qmc.LatinHypercube(2, rng=np.random.default_rng(5)).random(300)
    mean, var = smooth_emulator.predict(x)
    error = mean - smooth(x)
    assert np.sqrt(np.mean(error**2)) < 0.05  # the output spans about 3
    assert (var >= 0).all()
    assert np.mean(np.abs(error) < 3 * np.sqrt(var)) >= 0.9


def test_leave_one_out_z_is_standard_when_the_design_points_are_noisy() -> None:
    # Each observed mean carries its own noise, so the LOO sd must include it: the z then
    # spread like a standard normal (they would spread about twice as wide without it).
    rng = np.random.default_rng(1)
    x = qmc.LatinHypercube(2, rng=rng).random(60)
    y = smooth(x) + rng.normal(0.0, 0.2, len(x))
    loo = Emulator().fit(x, y, np.full(len(x), 0.2**2)).loo()
    assert 0.75 < loo["z"].std() < 1.35


def test_leave_one_out_singles_out_a_point_the_emulator_cannot_predict() -> None:
    # A narrow spike seen by one design point: the others cannot predict it, so that
    # point's |z| stands out and a strict loo_ok fails.
    rng = np.random.default_rng(0)
    x = qmc.LatinHypercube(2, rng=rng).random(30)
    distance2 = (x[:, 0] - 0.8) ** 2 + (x[:, 1] - 0.8) ** 2
    y = np.exp(-distance2 / 0.01) + 0.1 * x[:, 0]
    loo = Emulator().fit(x, y, np.full(len(x), 1e-6)).loo()
    z = loo["z"].abs()
    on_spike = int(np.argmin(distance2))
    assert z[on_spike] > 5
    assert z.drop(on_spike).max() < 3
    assert not Emulator().fit(x, y, np.full(len(x), 1e-6)).loo_ok(frac_within=1.0)


def test_an_input_without_effect_gets_the_longest_length_scale() -> None:
    rng = np.random.default_rng(7)
    x = qmc.LatinHypercube(3, rng=rng).random(25)
    emulator = Emulator().fit(x, smooth(x), np.full(len(x), 1e-6))
    scales = emulator.length_scales
    assert scales[2] > 5 * max(scales[0], scales[1])
    assert "Matern(nu=2.5" in emulator.kernel_text
    assert emulator.kernel_text.count("(at bound)") == 1
    assert emulator.kernel_text.endswith("(at bound)])")


def test_the_noise_variance_is_in_the_units_of_the_output() -> None:
    # Rescaling the output by 1000 (and its noise variance by 1000²) must rescale the
    # prediction and leave the fit otherwise unchanged.
    rng = np.random.default_rng(8)
    x = rng.random((20, 2))
    y = smooth(x) + rng.normal(0.0, 0.1, len(x))
    noise_var = np.full(len(x), 0.1**2)
    small = Emulator().fit(x, y, noise_var).predict(x)
    large = Emulator().fit(x, 1000 * y, 1000**2 * noise_var).predict(x)
    np.testing.assert_allclose(large[0], 1000 * small[0], rtol=1e-6)
    np.testing.assert_allclose(large[1], 1000**2 * small[1], rtol=1e-4)
    # The declared noise is honoured: the fit does not pass through the noisy points.
    assert np.sqrt(np.mean((small[0] - y) ** 2)) > 0.03


def test_emulator_rejects_bad_input() -> None:
    emulator = Emulator()
    with pytest.raises(RuntimeError, match="not fitted"):
        emulator.predict(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="unit cube"):
        emulator.fit(np.array([[0.0, 1.5], [0.5, 0.5]]), np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match="one per design point"):
        emulator.fit(np.zeros((3, 2)), np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="finite"):
        emulator.fit(np.zeros((2, 2)), np.array([0.0, np.nan]), np.zeros(2))


def test_fit_wave_leaves_a_failed_point_out_of_that_target_only() -> None:
    rng = np.random.default_rng(9)
    x = rng.random((12, D))
    means, noise_var = ensemble_means(x, rng)
    means[3, 0] = np.nan
    wave = fit_wave(x, means, noise_var, Z_STAR, VAR_OBS, VAR_ENS, ("a", "b"))
    assert [e.n_points for e in wave.emulators] == [11, 12]
    means_em, var_em = wave.predict(x)
    assert means_em.shape == var_em.shape == (12, 2)
    np.testing.assert_array_equal(means_em[:, 1], wave.emulators[1].predict(x)[0])
    np.testing.assert_allclose(wave.implausibility(x),
                               implausibility(means_em, var_em, Z_STAR, VAR_OBS, VAR_ENS))


# --- sampling the NROY space ----------------------------------------------------------------

def test_sample_nroy_gives_distinct_spread_non_implausible_points(matching: Matching) -> None:
    waves = matching.waves[:1]
    points = sample_nroy(waves, 25, np.random.default_rng(10), d=D)
    assert points.shape == (25, D)
    assert ((points >= 0) & (points <= 1)).all()
    assert (max_implausibility(waves, points) < 3.0).all()
    assert len(np.unique(points, axis=0)) == 25
    # Maximin spreads them: their closest pair is farther apart than that of 25 survivors
    # taken as they come.
    candidates = qmc.LatinHypercube(D, rng=np.random.default_rng(11)).random(5000)
    plain = candidates[max_implausibility(waves, candidates) < 3.0][:25]
    assert closest_pair(points) > 1.5 * closest_pair(plain)


def closest_pair(points: np.ndarray) -> float:
    distances = np.linalg.norm(points[:, None] - points[None], axis=-1)
    return float(distances[np.triu_indices(len(points), 1)].min())


def test_sample_nroy_says_when_no_space_is_left(matching: Matching) -> None:
    impossible = fit_wave(matching.designs[0], f(matching.designs[0]),
                          np.full((POINTS, 2), 1e-4), Z_STAR + 100.0, VAR_OBS, VAR_ENS,
                          ("a", "b"))
    with pytest.raises(NoSpaceLeft, match="no point of the parameter space is left") as info:
        sample_nroy([impossible], 5, np.random.default_rng(0), d=D, max_candidates=4000)
    assert isinstance(info.value, ValueError)
    assert "none of 4000 candidates" in str(info.value)
    assert nroy_fraction([impossible], np.random.default_rng(0), d=D, samples=1000) == 0.0


class Slope:
    """A stand-in emulator of the output x0, known exactly."""

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.atleast_2d(x)
        return x[:, 0], np.zeros(len(x))


def test_sample_nroy_returns_every_survivor_when_fewer_than_asked() -> None:
    # Non-implausible: x0 < 3 * 0.001, a share 0.003 of the cube: about 6 of 2000 candidates.
    wave = Wave([Slope()], np.array([0.0]), np.array([0.001**2]), np.array([0.0]), ("x0",))
    points = sample_nroy([wave], 50, np.random.default_rng(15), d=2, max_candidates=2000)
    assert 1 <= len(points) < 50
    assert (points[:, 0] < 0.003).all()


def test_same_seed_same_samples_different_seed_different(matching: Matching) -> None:
    waves = matching.waves[:2]
    one = sample_nroy(waves, 10, np.random.default_rng(12), d=D)
    again = sample_nroy(waves, 10, np.random.default_rng(12), d=D)
    other = sample_nroy(waves, 10, np.random.default_rng(13), d=D)
    np.testing.assert_array_equal(one, again)
    assert not np.allclose(one, other)


def test_same_seed_same_emulators() -> None:
    first, second = (history_match(Z_STAR, waves=2, seed=3) for _ in range(2))
    x = np.random.default_rng(14).random((50, D))
    np.testing.assert_array_equal(max_implausibility(first.waves, x),
                                  max_implausibility(second.waves, x))
    np.testing.assert_array_equal(first.designs[1], second.designs[1])
