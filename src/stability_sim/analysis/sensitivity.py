"""Sensitivity of outcomes to the swept parameters.

For a ``sobol`` design: first-order and total Sobol' indices with bootstrap confidence
intervals, from SALib's analyser on the Saltelli sample the sweep ran (Saltelli et al.
2010 estimators). For other designs, whose samples do not support Sobol' estimators: a
simpler ranking by standardised regression coefficients (SRC) of a linear fit, labelled
as such with the fit's R², which says how far a linear ranking can be trusted.

Both work on design-point means over replications, so the stochastic noise of single runs
is averaged out before the parameters are judged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from stability_sim.analysis.frames import as_results, check_outcomes, ok_runs, outcome_kind
from stability_sim.errors import UserError
from stability_sim.experiments.results import Results

#: Seed of SALib's bootstrap of the index intervals: same report every time.
SOBOL_SEED = 20140101

SOBOL_METHOD = "Sobol' indices (SALib, Saltelli sampling; bootstrap CI)"
SRC_METHOD = "standardised regression coefficients (linear fit; not variance-based)"


def sobol_from_samples(problem: dict[str, Any], y: np.ndarray, *, second_order: bool,
                       confidence: float = 0.95, num_resamples: int = 1000,
                       seed: int = SOBOL_SEED) -> pd.DataFrame:
    """First-order and total Sobol' indices of outputs ``y`` of a Saltelli sample.

    Args:
        problem: SALib problem (``num_vars``, ``names``, ``bounds``).
        y: One output per row of the sample, in the sample's order.
        second_order: Whether the sample was drawn with second-order rows.
        confidence: Level of the bootstrap intervals.
        num_resamples: Bootstrap resamples.
        seed: Seed of the bootstrap.

    Returns:
        Columns ``parameter``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (the ``_conf``
        columns are half-widths of the intervals, as SALib reports them).
    """
    from SALib.analyze import sobol

    res = sobol.analyze(problem, np.asarray(y, dtype=float), calc_second_order=second_order,
                        num_resamples=num_resamples, conf_level=confidence, seed=seed)
    return pd.DataFrame({"parameter": problem["names"], "S1": res["S1"],
                         "S1_conf": res["S1_conf"], "ST": res["ST"],
                         "ST_conf": res["ST_conf"]})


def point_means(results: Results, outcome: str) -> pd.Series:
    """An outcome's mean over the ok replicates of each design point (events as shares).

    Raises:
        UserError: If the outcome names a month that never came in some runs (it has no
            value there), or a point has no finished run.
    """
    check_outcomes(results, [outcome], source="outcome")
    runs = ok_runs(results)
    if outcome_kind(outcome) == "month" and runs[outcome].isna().any():
        raise UserError(f"'{outcome}' is empty in runs where the event never happened; use "
                        "an event or a count for sensitivity", source="outcome", key=outcome)
    means = runs.groupby("point_id")[outcome].mean().astype(float)
    if means.nunique() <= 1:
        # No variance to apportion: SALib would divide by zero.
        raise UserError("does not vary across the design", source="outcome", key=outcome)
    missing = sorted(set(range(len(results.manifest["design"]["points"]))) - set(means.index))
    if missing:
        raise UserError(f"design points {missing[:5]} have no finished run, so sensitivity "
                        "cannot be computed (resume the sweep, or rerun the failed runs)",
                        source=str(results.path), key=outcome)
    return means.sort_index()


def sobol_indices(results: Results | str, outcome: str, *, confidence: float = 0.95,
                  ) -> pd.DataFrame:
    """Sobol' indices of one outcome from a ``sobol`` sweep.

    Raises:
        UserError: If the design is not ``sobol`` or the outcome cannot be used.
    """
    results = as_results(results)
    design = results.manifest["design"]
    if design["kind"] != "sobol":
        raise UserError(f"Sobol' indices need a sobol design, not {design['kind']}; use "
                        "src_ranking", source=str(results.path), key="design.kind")
    names = design["parameters"]
    problem = {"num_vars": len(names), "names": names,
               "bounds": [design["ranges"][n] for n in names]}
    table = sobol_from_samples(problem, point_means(results, outcome).to_numpy(),
                               second_order=bool(design["info"]["second_order"]),
                               confidence=confidence)
    table.attrs.update(method=SOBOL_METHOD, outcome=outcome)
    return table


def src_ranking(results: Results | str, outcome: str) -> pd.DataFrame:
    """Standardised regression coefficients of one outcome on the swept parameters.

    Returns:
        Columns ``parameter``, ``SRC`` (signed; change in the outcome, in standard
        deviations, per standard deviation of the parameter) and ``rank`` (1 = largest
        ``|SRC|``); ``attrs`` holds ``r2`` and ``method``.
    """
    results = as_results(results)
    names = [p for p in results.parameters if p != "scenario"]
    if not names:
        raise UserError("a regression ranking needs swept numeric parameters",
                        source=str(results.path), key="design.parameters")
    y = point_means(results, outcome)
    points = results.manifest["design"]["points"]
    x = np.array([[float(points[i][results.manifest["design"]["parameters"].index(n)])
                   for n in names] for i in y.index])
    return _src(x, y.to_numpy(), names, outcome)


def _src(x: np.ndarray, y: np.ndarray, names: Sequence[str], outcome: str) -> pd.DataFrame:
    sx, sy = x.std(axis=0), y.std()
    table = pd.DataFrame({"parameter": list(names), "SRC": np.nan})
    if sy == 0 or x.shape[0] <= x.shape[1] + 1:
        table["rank"] = np.nan
        table.attrs.update(method=SRC_METHOD, outcome=outcome, r2=np.nan)
        return table
    varied = sx > 0
    z = (x[:, varied] - x[:, varied].mean(axis=0)) / sx[varied]
    design = np.column_stack([np.ones(len(y)), z])
    coef, *_ = np.linalg.lstsq(design, (y - y.mean()) / sy, rcond=None)
    table.loc[varied, "SRC"] = coef[1:]
    fitted = design @ coef
    r2 = 1.0 - float(np.sum(((y - y.mean()) / sy - fitted) ** 2)) / len(y)
    table["rank"] = table["SRC"].abs().rank(ascending=False, method="min")
    table.attrs.update(method=SRC_METHOD, outcome=outcome, r2=r2)
    return table


def sensitivity(results: Results | str, outcomes: Sequence[str]) -> pd.DataFrame:
    """Sensitivity of several outcomes, by the method the design supports.

    Outcomes that cannot be used (a month that never came, an outcome that does not vary)
    are left out and listed in ``attrs['skipped']`` with the reason.

    Returns:
        A tidy table: ``outcome``, ``parameter`` and the method's columns (``S1``,
        ``S1_conf``, ``ST``, ``ST_conf`` for Sobol'; ``SRC``, ``rank``, ``r2`` for SRC);
        ``attrs['method']`` names the method. Empty for a ``scenarios`` design.
    """
    results = as_results(results)
    kind = results.manifest["design"]["kind"]
    parts, skipped = [], {}
    if kind == "scenarios":
        table = pd.DataFrame(columns=["outcome", "parameter"])
        table.attrs.update(method=None, skipped={})
        return table
    for name in outcomes:
        try:
            if kind == "sobol":
                part = sobol_indices(results, name)
            else:
                part = src_ranking(results, name)
                part["r2"] = part.attrs["r2"]
        except UserError as exc:
            skipped[name] = exc.message
            continue
        part.insert(0, "outcome", name)
        parts.append(part)
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["outcome", "parameter"])
    table.attrs.update(method=SOBOL_METHOD if kind == "sobol" else SRC_METHOD,
                       skipped=skipped)
    return table
