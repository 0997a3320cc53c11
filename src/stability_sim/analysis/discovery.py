"""Scenario discovery: which uncertain conditions and levers lead to an event.

Rows are runs, columns the design's varied parameters (its uncertainties and levers, as
the registry tags them), the answer whether the event happened in the run. Three
well-kept methods from EMA Workbench's analysis module do the work (Kwakkel 2017):

- PRIM (Friedman & Fisher 1999; Bryant & Lempert 2010): peeling and pasting give a
  trajectory of nested boxes trading coverage (the share of all event runs inside the
  box) for density (the share of runs inside the box with the event); the chosen box
  comes with its restricted dimensions, quasi-p-values and a resampling test of how
  often the same dimensions are restricted on half the runs.
- CART (Breiman et al. 1984): a classification tree whose leaves are boxes.
- Feature scoring: the importance of each input in an extra-trees ensemble (Geurts et
  al. 2006), for an event (classification) or a number (regression).

With replications the same world appears several times with different outcomes; the
density of a box is then the event's probability there, which is what a researcher asks
("where does Tajikistan destabilise with probability above 0.3?").
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

#: PRIM's defaults (EMA Workbench's, after Friedman & Fisher 1999): the share of runs
#: peeled or pasted at a step, and the smallest box (as a share of the runs).
PEEL_ALPHA = 0.05
PASTE_ALPHA = 0.05
MASS_MIN = 0.05
#: The box chosen on PRIM's trajectory unless told: the densest box that still covers at
#: least this share of the event's runs (Bryant & Lempert 2010 read the trade-off this
#: way; 0.5 is a common "most of the cases" floor, stated before any run).
MIN_COVERAGE = 0.5
#: Resampling test of the chosen box: this many PRIM runs on half the data each.
RESAMPLES = 10


def _workbench() -> Any:
    """EMA Workbench's analysis module, imported on first use (it takes seconds)."""
    with warnings.catch_warnings():
        # It warns on import that ipyparallel (a cluster evaluator we do not use) is absent.
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import cart, feature_scoring, prim
    return prim, cart, feature_scoring


@contextmanager
def _pandas_deprecations_ignored() -> Iterator[None]:
    """PRIM of the workbench 3.0 calls a pandas API that pandas 3.1 deprecates (drop inplace)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        yield


def as_inputs(frame: pd.DataFrame) -> pd.DataFrame:
    """The inputs as PRIM and CART take them: numbers as floats, anything else a category."""
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for name in frame.columns:
        column = frame[name].reset_index(drop=True)
        numeric = pd.to_numeric(column, errors="coerce")
        if numeric.notna().all() and column.dtype != bool:
            out[name] = numeric.astype(float)
        else:
            out[name] = column.astype(str).astype("category")
    return out


@dataclass(frozen=True)
class PrimResult:
    """PRIM's answer for one event.

    Attributes:
        tradeoff: The peeling trajectory: ``coverage``, ``density``, ``mass``,
            ``res_dim`` (restricted dimensions) and ``n`` per box, box 0 the whole space.
        chosen: Index of the chosen box on the trajectory.
        limits: The chosen box's restricted dimensions: ``min``, ``max`` (numbers) or
            ``values`` (categories), and the quasi-p-value of each limit.
        stability: Per dimension, the percentage of half-sample PRIM runs that restrict it
            in a box of about the same coverage and of about the same density.
        base_rate: The event's share of all runs (the density of box 0).
    """

    tradeoff: pd.DataFrame
    chosen: int
    limits: pd.DataFrame
    stability: pd.DataFrame
    base_rate: float
    box: Any = field(default=None, repr=False, compare=False)

    @property
    def coverage(self) -> float:
        """The chosen box's coverage."""
        return float(self.tradeoff.loc[self.chosen, "coverage"])

    @property
    def density(self) -> float:
        """The chosen box's density."""
        return float(self.tradeoff.loc[self.chosen, "density"])

    @property
    def mass(self) -> float:
        """The chosen box's share of all runs."""
        return float(self.tradeoff.loc[self.chosen, "mass"])


def prim(x: pd.DataFrame, y: np.ndarray, *, box: int | None = None,
         min_coverage: float = MIN_COVERAGE, peel_alpha: float = PEEL_ALPHA,
         paste_alpha: float = PASTE_ALPHA, mass_min: float = MASS_MIN,
         resamples: int = RESAMPLES, seed: int = 0) -> PrimResult:
    """PRIM on runs ``x`` (inputs) and ``y`` (the event per run).

    Args:
        x: One row per run, one column per input.
        y: Whether the event happened in each run.
        box: The box to report (an index on the trajectory), or None for the densest box
            whose coverage is at least ``min_coverage``.
        min_coverage: See ``box``.
        peel_alpha: Share of the runs in the box peeled off at each step.
        paste_alpha: Share of the runs pasted back at each step.
        mass_min: Smallest box, as a share of all runs.
        resamples: Half-sample PRIM runs of the stability test (0 skips it).
        seed: Seed of the half-samples.
    """
    prim_mod, _, _ = _workbench()
    inputs = as_inputs(x)
    with _pandas_deprecations_ignored():
        finder = prim_mod.Prim(inputs, np.asarray(y, dtype=bool), peel_alpha=peel_alpha,
                               paste_alpha=paste_alpha, mass_min=mass_min)
        found = finder.find_box()
    trajectory = found.peeling_trajectory.reset_index(drop=True)
    tradeoff = trajectory[["coverage", "density", "mass", "res_dim", "n"]].astype(
        {"coverage": float, "density": float, "mass": float, "res_dim": int, "n": int})
    if box is None:
        ok = tradeoff.index[tradeoff["coverage"] >= min_coverage]
        box = int(tradeoff.loc[ok, "density"].idxmax()) if len(ok) else 0
    elif not 0 <= box < len(tradeoff):
        raise ValueError(f"box {box} is not on the trajectory (0..{len(tradeoff) - 1})")
    limits = _limits(found, box, inputs)
    with _pandas_deprecations_ignored():
        stability = (found.resample(box, iterations=resamples, rng=seed) if resamples and box
                     else pd.DataFrame(columns=["reproduce coverage", "reproduce density"]))
    return PrimResult(tradeoff=tradeoff, chosen=box, limits=limits,
                      stability=stability.astype(float), base_rate=float(np.mean(y)),
                      box=found)


def _limits(found: Any, i: int, inputs: pd.DataFrame) -> pd.DataFrame:
    """The restricted dimensions of box ``i`` with their limits and quasi-p-values."""
    rows = []
    if i == 0:
        return pd.DataFrame(columns=["min", "max", "values", "qp_lower", "qp_upper"])
    qp = found.p_values[i]
    lims = found.box_lims[i]
    for name, (lower, upper) in qp.items():
        # The workbench marks a side that is not restricted with -1.
        lower, upper = (np.nan if q is None or q < 0 else float(q) for q in (lower, upper))
        values = lims[name]
        if isinstance(inputs[name].dtype, pd.CategoricalDtype):
            kept = sorted(str(v) for v in values.iloc[0])
            rows.append({"dimension": name, "min": np.nan, "max": np.nan,
                         "values": ", ".join(kept), "qp_lower": lower, "qp_upper": upper})
        else:
            rows.append({"dimension": name, "min": float(values.iloc[0]),
                         "max": float(values.iloc[1]), "values": "",
                         "qp_lower": lower, "qp_upper": upper})
    return pd.DataFrame(rows).set_index("dimension")


@dataclass(frozen=True)
class CartResult:
    """CART's leaves as boxes.

    Attributes:
        leaves: One row per leaf: ``coverage``, ``density``, ``mass``, ``res_dim``.
        limits: Per leaf (same order), the restricted dimensions with ``min``/``max`` or
            ``values``.
        chosen: The leaf with the highest density among those covering at least
            ``min_coverage`` of the event's runs (or the densest leaf if none does).
    """

    leaves: pd.DataFrame
    limits: list[pd.DataFrame]
    chosen: int

    @property
    def coverage(self) -> float:
        """The chosen leaf's coverage."""
        return float(self.leaves.loc[self.chosen, "coverage"])

    @property
    def density(self) -> float:
        """The chosen leaf's density."""
        return float(self.leaves.loc[self.chosen, "density"])


def cart(x: pd.DataFrame, y: np.ndarray, *, mass_min: float = MASS_MIN,
         min_coverage: float = 0.0) -> CartResult:
    """A classification tree on runs ``x`` and the event ``y``; its leaves as boxes."""
    _, cart_mod, _ = _workbench()
    inputs = as_inputs(x)
    # The workbench sizes the smallest leaf as int(mass_min x runs): at least one run.
    mass_min = max(mass_min, (1.0 + 1e-9) / max(len(inputs), 1))
    tree = cart_mod.CART(inputs, np.asarray(y, dtype=bool), mass_min=mass_min)
    tree.build_tree()
    leaves = pd.DataFrame([{"coverage": float(s["coverage"]), "density": float(s["density"]),
                            "mass": float(s["mass"]), "res_dim": int(s["res dim"])}
                           for s in tree.stats])
    full = {name: _span(inputs[name]) for name in inputs.columns}
    limits = [_restricted(box, full, inputs) for box in tree.boxes]
    ok = leaves.index[leaves["coverage"] >= min_coverage]
    chosen = int(leaves.loc[ok if len(ok) else leaves.index, "density"].idxmax())
    return CartResult(leaves=leaves, limits=limits, chosen=chosen)


def _span(column: pd.Series) -> Any:
    if isinstance(column.dtype, pd.CategoricalDtype):
        return set(map(str, column.cat.categories))
    return (float(column.min()), float(column.max()))


def _restricted(box: pd.DataFrame, full: dict[str, Any], inputs: pd.DataFrame
                ) -> pd.DataFrame:
    rows = []
    for name in box.columns:
        if isinstance(inputs[name].dtype, pd.CategoricalDtype):
            kept = set(map(str, box[name].iloc[0]))
            if kept != full[name]:
                rows.append({"dimension": name, "min": np.nan, "max": np.nan,
                             "values": ", ".join(sorted(kept))})
            continue
        lower, upper = float(box[name].iloc[0]), float(box[name].iloc[1])
        if lower > full[name][0] or upper < full[name][1]:
            rows.append({"dimension": name, "min": lower, "max": upper, "values": ""})
    return pd.DataFrame(rows, columns=["dimension", "min", "max", "values"]).set_index(
        "dimension")


def feature_scores(x: pd.DataFrame, y: np.ndarray, *, seed: int = 0,
                   trees: int = 200) -> pd.Series:
    """Extra-trees importance of each input for ``y``, highest first (they sum to 1).

    A true/false ``y`` is scored by classification, a number by regression. Categories
    are coded as integers (a tree splits on them as on an ordered code).
    """
    _, _, scoring = _workbench()
    inputs = as_inputs(x)
    coded = pd.DataFrame({name: (col.cat.codes.astype(float)
                                 if isinstance(col.dtype, pd.CategoricalDtype) else col)
                          for name, col in inputs.items()})
    values = np.asarray(y)
    is_event = values.dtype == bool
    mode = (scoring.RuleInductionType.CLASSIFICATION if is_event
            else scoring.RuleInductionType.REGRESSION)
    scores, _ = scoring.get_ex_feature_scores(
        coded, values.astype(int) if is_event else values.astype(float), mode=mode,
        nr_trees=trees, random_state=seed)
    return scores.iloc[:, 0].rename("score").sort_values(ascending=False)
