"""Tidy views of a results folder: usable runs, outcome kinds, groups, calendar dates.

Everything in :mod:`stability_sim.analysis` reads results through these helpers, so that
"which runs count", "what a group is" and "what an event is" mean the same in every table
and figure. Nothing here runs the model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from stability_sim.errors import UserError
from stability_sim.experiments.results import Results, load_results
from stability_sim.outcomes import CENTRAL_ASIA, summary_types

#: Outcomes derived from the summary, usable wherever a summary outcome is.
DERIVED: dict[str, tuple[str, Callable[[pd.DataFrame], pd.Series]]] = {
    "destabilized_central_asia": (
        "bool", lambda runs: runs["first_destabilized_month_central_asia"].notna()),
    "collapsed_central_asia": (
        "bool", lambda runs: runs[[f"collapsed_{s.lower()}" for s in CENTRAL_ASIA]]
        .astype(bool).any(axis=1)),
}

#: The outcomes a report shows unless told otherwise.
DEFAULT_OUTCOMES = (
    "destabilized_central_asia",
    "destabilized_tjk",
    "destabilized_kgz",
    "destabilized_uzb",
    "first_destabilized_month_central_asia",
    "afg_insurgent_control_final",
    "attacks_central_asia_total",
    "fatalities_central_asia_total",
    "incursions_total",
    "csto_interventions",
    "trafficking_north_share",
    "fighters_ca_networks_final",
)

#: Summary outcomes that name a month and are null when the thing never happened.
MONTH_SUFFIX = "_month"


def as_results(source: Results | str | Path) -> Results:
    """A :class:`Results` from itself or from a results folder's path."""
    return source if isinstance(source, Results) else load_results(source)


def outcome_kind(name: str) -> str:
    """An outcome's kind: ``event``, ``month`` or ``value``.

    ``event`` is true/false, ``month`` when something first happened (null if never),
    ``value`` a number.
    """
    types = {**summary_types(), **{k: t for k, (t, _) in DERIVED.items()}}
    if types.get(name) == "bool":
        return "event"
    if name.endswith(MONTH_SUFFIX) or "_month_" in name:
        return "month"
    return "value"


def known_outcomes(results: Results) -> list[str]:
    """Every outcome of a results folder: the summary's and the derived ones."""
    return [*results.outcomes, *DERIVED]


def check_outcomes(results: Results, outcomes: Sequence[str], *,
                   source: str = "--outcomes") -> list[str]:
    """The given outcome names, refused with a clear message if one is unknown."""
    known = known_outcomes(results)
    for name in outcomes:
        if name not in known:
            close = [k for k in known if name.split("_")[0] in k][:4]
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise UserError(f"unknown outcome '{name}'{hint}", source=source, key=name)
    return list(outcomes)


def ok_runs(results: Results) -> pd.DataFrame:
    """The runs that finished, with the derived outcomes added and events as ``bool``.

    Failed runs have no outcomes; leaving them out is the analysis's only choice, and the
    reports say how many there were.
    """
    runs = results.runs
    ok = runs[runs["status"] == "ok"].copy()
    for name in results.outcomes:
        if outcome_kind(name) == "event":
            ok[name] = ok[name].astype(bool)
    for name, (_, rule) in DERIVED.items():
        ok[name] = rule(ok) if len(ok) else pd.Series(dtype=bool)
    return ok.reset_index(drop=True)


def short_names(parameters: Sequence[str]) -> dict[str, str]:
    """A short label per dotted parameter: its last part, or more where that is ambiguous."""
    out = {}
    for name in parameters:
        parts = name.split(".")
        for k in range(1, len(parts) + 1):
            label = ".".join(parts[-k:])
            if sum(p.endswith(label) for p in parameters) == 1:
                break
        out[name] = label
    return out


def label_value(value: object) -> str:
    """A parameter value as group and policy labels show it (``8000``, ``0.25``)."""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def point_labels(results: Results, *, compact: bool = False) -> dict[int, str]:
    """A readable label per design point: the scenario's name, or its parameter values.

    Args:
        results: The results.
        compact: Values only, joined by `` / `` (``8000 / 0.25``), for crowded axes; the
            full form is ``residual_troops=8000, level=0.25``.
    """
    design = results.manifest["design"]
    if design["kind"] == "scenarios":
        return {i: p["label"] for i, p in enumerate(design["points"])}
    names = short_names(design["parameters"])
    if compact:
        return {i: " / ".join(label_value(v) for v in row)
                for i, row in enumerate(design["points"])}
    return {i: ", ".join(f"{names[n]}={label_value(v)}"
                         for n, v in zip(design["parameters"], row, strict=True))
            for i, row in enumerate(design["points"])}


def compact_legend(results: Results) -> str:
    """What the parts of a compact point label are (``residual_troops / level``)."""
    if results.manifest["design"]["kind"] == "scenarios":
        return "scenario"
    return " / ".join(short_names(results.parameters).values())


def groups(results: Results, runs: pd.DataFrame, by: str | None = None, *,
           compact: bool = False) -> pd.Series:
    """The group of each run: how tables and figures split an ensemble.

    Args:
        results: The results the runs come from.
        runs: Rows of ``results.runs`` (e.g. :func:`ok_runs`).
        by: ``None`` for the design's natural groups (the scenarios of a ``scenarios``
            design, the points of a ``grid``, one group ``all`` for ``lhs``/``sobol``,
            whose points are all different), ``point`` for design points, ``all``, or a
            swept parameter's name (its values).
        compact: Compact point labels (see :func:`point_labels`).
    """
    kind = results.manifest["design"]["kind"]
    if by is None:
        by = "point" if kind in ("scenarios", "grid") else "all"
    if by == "all":
        return pd.Series("all", index=runs.index, name="group")
    if by == "point":
        labels = point_labels(results, compact=compact)
        order = list(dict.fromkeys(labels.values()))
        values = runs["point_id"].map(labels)
        return pd.Series(pd.Categorical(values, categories=order), index=runs.index,
                         name="group")
    if by not in results.parameters:
        raise UserError(f"cannot group by '{by}': it is not a swept parameter (these are: "
                        f"{', '.join(results.parameters)})", source=str(results.path), key=by)
    values = runs[by]
    order = sorted(values.dropna().unique())
    labels = [f"{short_names([by])[by]}={label_value(v)}" for v in order]
    return pd.Series(pd.Categorical(values.map(dict(zip(order, labels, strict=True))),
                                    categories=labels), index=runs.index, name="group")


def within(runs: pd.DataFrame, month_outcome: str, months: int) -> pd.Series:
    """Whether a ``*_month`` outcome happened within ``months`` months of the start.

    E.g. ``within(runs, "first_destabilized_month_tjk", 60)``: Tajikistan destabilised
    within five years.
    """
    values = runs[month_outcome]
    return values.notna() & (values.astype(float) <= months)


def calendar(dates: pd.Series | Sequence[str]) -> pd.DatetimeIndex:
    """``YYYY-MM`` strings as month-start timestamps (for a calendar axis)."""
    return pd.DatetimeIndex(pd.to_datetime(pd.Series(dates).astype(str), format="%Y-%m"))


def run_resolutions(results: Results, runs: pd.DataFrame) -> pd.Series:
    """The grid resolution of each run (swept, or that of the point's base scenario)."""
    if "grid.resolution" in runs.columns:
        return runs["grid.resolution"].astype(float)
    bases = results.manifest["base_scenarios"]
    point_base = results.manifest["point_base"]
    per_point = {i: float(bases[b]["resolved"]["grid"]["resolution"])
                 for i, b in enumerate(point_base)}
    return runs["point_id"].map(per_point).astype(float)


def numeric(values: pd.Series) -> np.ndarray:
    """An outcome's non-null values as floats (events as 0/1)."""
    return values.dropna().astype(float).to_numpy()
