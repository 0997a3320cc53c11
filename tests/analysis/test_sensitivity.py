"""Sensitivity: Sobol' indices of the Ishigami function, SRC of a known linear model."""

from __future__ import annotations

import numpy as np
import pytest
from SALib.sample import sobol as sobol_sample

from stability_sim.analysis import sensitivity, sobol_from_samples, sobol_indices, src_ranking
from stability_sim.errors import UserError
from tests.analysis.conftest import synthetic

# Ishigami & Homma (1990) with a = 7, b = 0.1: analytic first-order and total indices
# (Saltelli et al. 2008, "Global Sensitivity Analysis: The Primer", §2.8).
ISHIGAMI_S1 = [0.3139, 0.4424, 0.0]
ISHIGAMI_ST = [0.5576, 0.4424, 0.2437]
PROBLEM = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}


def ishigami(x: np.ndarray) -> np.ndarray:
    return (np.sin(x[:, 0]) + 7.0 * np.sin(x[:, 1]) ** 2
            + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0]))


def test_sobol_indices_of_the_ishigami_function() -> None:
    x = sobol_sample.sample(PROBLEM, 2048, calc_second_order=False, seed=3)
    table = sobol_from_samples(PROBLEM, ishigami(x), second_order=False)
    assert table["S1"].to_numpy() == pytest.approx(ISHIGAMI_S1, abs=0.05)
    assert table["ST"].to_numpy() == pytest.approx(ISHIGAMI_ST, abs=0.05)
    assert (table["S1_conf"] > 0).all() and (table["S1_conf"] < 0.1).all()


def _sobol_results(y_of_point, replications: int = 2):
    """A sobol design over cooperation/funds/recovery with an outcome given per point."""
    names = ["cooperation.level", "jihadists.funds_effect", "jihadists.recovery_months"]
    problem = {"num_vars": 3, "names": names, "bounds": [[-np.pi, np.pi]] * 3}
    x = sobol_sample.sample(problem, 512, calc_second_order=False, seed=4)
    y = y_of_point(x)
    design = {"kind": "sobol", "parameters": names, "points": x.tolist(),
              "ranges": {n: [-np.pi, np.pi] for n in names},
              "info": {"second_order": False, "samples": 512}}
    point = np.repeat(np.arange(len(x)), replications)
    # ± 0.5 on the two replicates of a point: averages out in the point means.
    noise = np.tile([0.5, -0.5], len(x)) if replications == 2 else np.zeros(len(point))
    runs = {"point_id": point, "replicate": np.tile(range(replications), len(x)),
            **{n: x[point, i] for i, n in enumerate(names)},
            "attacks_central_asia_total": y[point] + noise}
    return synthetic(design, runs), problem, x, y


def test_sobol_indices_of_a_sweep_use_point_means_in_design_order() -> None:
    results, problem, _, y = _sobol_results(ishigami)
    table = sobol_indices(results, "attacks_central_asia_total")
    expected = sobol_from_samples(problem, y, second_order=False)
    np.testing.assert_allclose(table["S1"], expected["S1"])
    assert list(table["parameter"]) == problem["names"]
    assert table.attrs["method"].startswith("Sobol")


def test_src_ranks_a_known_linear_model() -> None:
    # y = 3 x1 - x2 + 0 x3 on the unit cube: SRC_j = b_j sd_j / sd_y, R² = 1.
    results, _, x, y = _sobol_results(lambda x: 3 * x[:, 0] - x[:, 1], replications=1)
    results.manifest["design"]["kind"] = "lhs"
    table = src_ranking(results, "attacks_central_asia_total")
    sd = x.std(axis=0)
    expected = np.array([3 * sd[0], -sd[1], 0.0]) / y.std()
    assert table["SRC"].to_numpy() == pytest.approx(expected, abs=1e-9)
    assert list(table["rank"]) == [1, 2, 3]
    assert table.attrs["r2"] == pytest.approx(1.0)
    assert "regression" in table.attrs["method"]


def test_sensitivity_picks_the_method_and_skips_unusable_outcomes() -> None:
    results, *_ = _sobol_results(ishigami)
    results.runs["first_incursion_month"] = np.where(results.runs["replicate"] == 0, 3.0,
                                                     np.nan)
    table = sensitivity(results, ["attacks_central_asia_total", "first_incursion_month",
                                  "destabilized_tjk"])
    assert set(table["outcome"]) == {"attacks_central_asia_total"}
    skipped = table.attrs["skipped"]
    assert "never happened" in skipped["first_incursion_month"]
    assert skipped["destabilized_tjk"] == "does not vary across the design"
    results.manifest["design"]["kind"] = "lhs"
    assert "SRC" in sensitivity(results, ["attacks_central_asia_total"]).columns
    with pytest.raises(UserError, match="need a sobol design"):
        sobol_indices(results, "attacks_central_asia_total")
