"""Ensemble statistics: summaries per group, event probabilities, scenario comparisons.

Events (true/false outcomes) are summarised as a probability with its Wilson score
interval (Wilson 1927; Agresti & Coull 1998 for why it beats the normal interval at the
run counts of a sweep); numbers as mean, median and the 5–95% range over runs. Months of a
first event are summarised over the runs where it happened, with the share that saw it.
Comparisons give the difference b − a with a bootstrap interval (scipy.stats.bootstrap,
BCa) and a test: Fisher's exact for events, Mann–Whitney U for numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from stability_sim.analysis.frames import (
    DEFAULT_OUTCOMES,
    as_results,
    check_outcomes,
    groups,
    numeric,
    ok_runs,
    outcome_kind,
    short_names,
)
from stability_sim.errors import UserError
from stability_sim.experiments.results import Results

#: Seed of the bootstrap resampling: a report is the same every time it is written.
BOOTSTRAP_SEED = 20140101


def wilson_interval(successes: int | np.ndarray, n: int | np.ndarray,
                    confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a binomial proportion (NaN where ``n`` is 0).

    Args:
        successes: Runs in which the event happened.
        n: Runs.
        confidence: Two-sided confidence level.

    Returns:
        (low, high), arrays shaped like the inputs.
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    z = stats.norm.ppf(0.5 + confidence / 2.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1.0 + z * z / n
        centre = (p + z * z / (2.0 * n)) / denom
        half = z * np.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n)) / denom
    low, high = np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)
    return np.where(n > 0, low, np.nan), np.where(n > 0, high, np.nan)


def bootstrap_difference(a: np.ndarray, b: np.ndarray, *, confidence: float = 0.95,
                         n_resamples: int = 2000, statistic: str = "mean",
                         seed: int = BOOTSTRAP_SEED) -> tuple[float, float, float]:
    """Difference ``stat(b) - stat(a)`` of two independent samples with a bootstrap CI.

    Args:
        a: First sample.
        b: Second sample.
        confidence: Two-sided confidence level.
        n_resamples: Bootstrap resamples.
        statistic: ``mean`` or ``median``.
        seed: Seed of the resampling.

    Returns:
        (difference, low, high); the interval is NaN when a sample has fewer than two
        values or does not vary at all (there is nothing to resample).
    """
    func = {"mean": np.mean, "median": np.median}[statistic]
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.size == 0 or b.size == 0:
        return np.nan, np.nan, np.nan
    diff = float(func(b) - func(a))
    if a.size < 2 or b.size < 2 or (np.ptp(a) == 0 and np.ptp(b) == 0):
        return diff, np.nan, np.nan

    def stat(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
        return func(y, axis=axis) - func(x, axis=axis)

    # BCa needs jackknife variation; a sample that is all one value (an event that
    # never happens at one point) breaks it, so fall back to percentiles there.
    method = "BCa" if np.ptp(a) > 0 and np.ptp(b) > 0 else "percentile"
    res = stats.bootstrap((a, b), stat, n_resamples=n_resamples, vectorized=True,
                          confidence_level=confidence, method=method,
                          rng=np.random.default_rng(seed))
    return diff, float(res.confidence_interval.low), float(res.confidence_interval.high)


def summarise(results: Results | str, outcomes: Sequence[str] | None = None,
              by: str | None = None, *, confidence: float = 0.95) -> pd.DataFrame:
    """One row per group and outcome: how the ensemble is distributed.

    Columns: ``group``, ``outcome``, ``kind``, ``n`` (runs), then for events
    ``probability``, ``ci_low``, ``ci_high``; for numbers and months ``mean``, ``median``,
    ``p5``, ``p95`` (months over the runs where the event happened) and ``share`` (the
    share of runs with a value: for months, how often the event happened at all).

    Args:
        results: Results, or a results folder.
        outcomes: Outcome names (default :data:`DEFAULT_OUTCOMES`).
        by: Grouping, as in :func:`stability_sim.analysis.frames.groups`.
        confidence: Level of the event probabilities' intervals.
    """
    results = as_results(results)
    outcomes = check_outcomes(results, outcomes or DEFAULT_OUTCOMES, source="outcomes")
    runs = ok_runs(results)
    label = groups(results, runs, by)
    rows = []
    for group, part in runs.groupby(label, observed=True, sort=True):
        for name in outcomes:
            rows.append({"group": str(group), "outcome": name,
                         **_describe(part[name], outcome_kind(name), confidence)})
    columns = ["group", "outcome", "kind", "n", "probability", "ci_low", "ci_high",
               "mean", "median", "p5", "p95", "share"]
    return pd.DataFrame(rows, columns=columns)


def _describe(values: pd.Series, kind: str, confidence: float) -> dict[str, object]:
    n = len(values)
    out: dict[str, object] = {"kind": kind, "n": n}
    if kind == "event":
        k = int(values.sum())
        low, high = wilson_interval(k, n, confidence)
        out.update(probability=k / n if n else np.nan, ci_low=float(low), ci_high=float(high))
        return out
    x = numeric(values)
    out["share"] = x.size / n if n else np.nan
    if x.size:
        out.update(mean=float(x.mean()), median=float(np.median(x)),
                   p5=float(np.percentile(x, 5)), p95=float(np.percentile(x, 95)))
    return out


def compare(a: pd.DataFrame, b: pd.DataFrame, outcomes: Sequence[str], *,
            labels: tuple[str, str] = ("a", "b"), confidence: float = 0.95,
            n_resamples: int = 2000) -> pd.DataFrame:
    """Compare two sets of runs outcome by outcome.

    Args:
        a: Runs of the reference (rows of :func:`ok_runs`).
        b: Runs compared with it.
        outcomes: Outcome columns.
        labels: Names of ``a`` and ``b`` for the table.
        confidence: Level of the bootstrap intervals.
        n_resamples: Bootstrap resamples.

    Returns:
        One row per outcome: ``a``, ``b`` (the labels), ``outcome``, ``kind``, ``n_a``,
        ``n_b``, ``value_a``, ``value_b`` (probability or mean; months over the runs
        where the event happened), ``difference`` (b − a), ``ci_low``, ``ci_high``,
        ``test`` and ``p_value``.
    """
    rows = []
    for name in outcomes:
        kind = outcome_kind(name)
        xa, xb = numeric(a[name]), numeric(b[name])
        diff, low, high = bootstrap_difference(xa, xb, confidence=confidence,
                                               n_resamples=n_resamples)
        if kind == "event":
            table = [[int(xa.sum()), int(xa.size - xa.sum())],
                     [int(xb.sum()), int(xb.size - xb.sum())]]
            test = "Fisher exact"
            p = stats.fisher_exact(table).pvalue if xa.size and xb.size else np.nan
        else:
            test = "Mann-Whitney U"
            p = (stats.mannwhitneyu(xa, xb, alternative="two-sided").pvalue
                 if xa.size and xb.size and np.ptp(np.r_[xa, xb]) != 0 else np.nan)
        rows.append({"a": labels[0], "b": labels[1], "outcome": name, "kind": kind,
                     "n_a": int(xa.size), "n_b": int(xb.size),
                     "value_a": float(xa.mean()) if xa.size else np.nan,
                     "value_b": float(xb.mean()) if xb.size else np.nan,
                     "difference": diff, "ci_low": low, "ci_high": high, "test": test,
                     "p_value": float(p)})
    return pd.DataFrame(rows)


def compare_groups(results: Results | str, a: str, b: str,
                   outcomes: Sequence[str] | None = None, by: str | None = None,
                   **kwargs: object) -> pd.DataFrame:
    """Compare two groups of a results folder (e.g. two scenarios), outcome by outcome.

    Args:
        results: Results, or a results folder.
        a: The reference group's label (as :func:`summarise` shows it).
        b: The other group's label.
        outcomes: Outcome names (default :data:`DEFAULT_OUTCOMES`).
        by: Grouping, as in :func:`stability_sim.analysis.frames.groups`.
        **kwargs: Passed to :func:`compare`.
    """
    results = as_results(results)
    outcomes = check_outcomes(results, outcomes or DEFAULT_OUTCOMES, source="outcomes")
    runs = ok_runs(results)
    label = groups(results, runs, by).astype(str)
    for name in (a, b):
        if name not in set(label):
            raise UserError(f"no group '{name}' (groups: {', '.join(sorted(set(label)))})",
                            source=str(results.path), key=name)
    return compare(runs[label == a], runs[label == b], outcomes, labels=(a, b), **kwargs)


def contrasts(results: Results | str, outcomes: Sequence[str] | None = None,
              **kwargs: object) -> pd.DataFrame:
    """The comparisons a report shows, chosen by the design.

    - ``scenarios``: every scenario against the first;
    - ``grid``: for each swept parameter, its lowest against its highest value, pooled
      over the other parameters (a main effect);
    - ``lhs``/``sobol``: for each parameter, the runs in its lowest quarter of the range
      against those in its highest quarter, pooled over the others.

    Returns:
        The rows of :func:`compare` for each pair, stacked.
    """
    results = as_results(results)
    outcomes = check_outcomes(results, outcomes or DEFAULT_OUTCOMES, source="outcomes")
    runs = ok_runs(results)
    kind = results.manifest["design"]["kind"]
    parts = []
    if kind == "scenarios":
        label = groups(results, runs, "point").astype(str)
        names = list(dict.fromkeys(label))
        for other in names[1:]:
            parts.append(compare(runs[label == names[0]], runs[label == other], outcomes,
                                 labels=(names[0], other), **kwargs))
    else:
        short = short_names(results.parameters)
        for param in results.parameters:
            values = runs[param].astype(float)
            if kind == "grid":
                lo_mask, hi_mask = values == values.min(), values == values.max()
                lo_lab = f"{short[param]}={values.min():g}"
                hi_lab = f"{short[param]}={values.max():g}"
            else:
                # A points design has no ranges: the values' own span stands in.
                low, high = results.manifest["design"].get("ranges", {}).get(
                    param, (values.min(), values.max()))
                q1, q3 = low + 0.25 * (high - low), low + 0.75 * (high - low)
                lo_mask, hi_mask = values <= q1, values >= q3
                lo_lab, hi_lab = f"{short[param]}≤{q1:g}", f"{short[param]}≥{q3:g}"
            if lo_mask.any() and hi_mask.any() and lo_lab != hi_lab:
                parts.append(compare(runs[lo_mask], runs[hi_mask], outcomes,
                                     labels=(lo_lab, hi_lab), **kwargs))
    if not parts:
        return compare(runs.iloc[:0], runs.iloc[:0], [])
    return pd.concat(parts, ignore_index=True)


def event_grid(results: Results | str, event: str | pd.Series, x: str | None = None,
               y: str | None = None, *, bins: int = 5, confidence: float = 0.95,
               ) -> pd.DataFrame:
    """The probability of an event over two swept parameters, with Wilson intervals.

    Parameter values are used as they are when a parameter takes at most ``bins``
    distinct values (a grid); otherwise they are cut into ``bins`` equal-width bins of
    the design's range, labelled by their midpoints (an LHS or Sobol design).

    Args:
        results: Results, or a results folder.
        event: An event outcome (e.g. ``destabilized_tjk``), or a named boolean Series
            over the rows of :func:`ok_runs` for an event of your own (e.g.
            ``within(runs, "first_destabilized_month_tjk", 36)`` or
            ``runs["attacks_central_asia_total"] >= 20``).
        x: Parameter on the horizontal axis (default the first swept).
        y: Parameter on the vertical axis (default the second swept).
        bins: Bins for a parameter with more distinct values than this.
        confidence: Level of the intervals.

    Returns:
        Columns ``x``, ``y`` (values or bin midpoints), ``n``, ``k``, ``probability``,
        ``ci_low``, ``ci_high``; ``attrs`` holds the parameter names.
    """
    results = as_results(results)
    runs = ok_runs(results)
    if isinstance(event, pd.Series):
        if not event.index.equals(runs.index) or event.dtype != bool:
            raise UserError("a custom event must be a boolean Series over the rows of "
                            "ok_runs(results)", source="event", key=str(event.name))
        hits, event = event, str(event.name or "event")
    else:
        check_outcomes(results, [event], source="event")
        if outcome_kind(event) != "event":
            raise UserError(f"'{event}' is not an event (a true/false outcome)",
                            source="event", key=event)
        hits = runs[event]
    params = [p for p in results.parameters if p != "scenario"]
    x = x or (params[0] if params else None)
    y = y or (params[1] if len(params) > 1 else None)
    for name in (x, y):
        if name is None or name not in params:
            raise UserError("the probability grid needs two swept numeric parameters "
                            f"(this sweep varies: {', '.join(params) or 'none'})",
                            source=str(results.path), key=str(name))
    ranges = results.manifest["design"].get("ranges", {})
    cx, cy = _binned(runs[x], bins, ranges.get(x)), _binned(runs[y], bins, ranges.get(y))
    table = (pd.DataFrame({"x": cx, "y": cy, "hit": hits.astype(int)})
             .groupby(["x", "y"]).agg(n=("hit", "size"), k=("hit", "sum")).reset_index())
    table["probability"] = table["k"] / table["n"]
    low, high = wilson_interval(table["k"].to_numpy(), table["n"].to_numpy(), confidence)
    table["ci_low"], table["ci_high"] = low, high
    table.attrs.update(x=x, y=y, event=event)
    return table


def _binned(values: pd.Series, bins: int, span: Sequence[float] | None) -> pd.Series:
    values = values.astype(float)
    if values.nunique() <= bins:
        return values
    low, high = span if span is not None else (values.min(), values.max())
    edges = np.linspace(low, high, bins + 1)
    mids = (edges[:-1] + edges[1:]) / 2.0
    index = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, bins - 1)
    return pd.Series(mids[index], index=values.index)
