"""Figures of an ensemble: outcome distributions, fan charts, event heatmaps, sensitivity.

Every function returns the matplotlib ``Figure`` it drew on and takes an ``ax`` to draw
into an existing one (a notebook's subplot grid). Figures are built with the object API
only, never pyplot's global state, so they work in scripts, notebooks and the headless
``report`` command alike.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from stability_sim.analysis.frames import (
    as_results,
    calendar,
    check_outcomes,
    compact_legend,
    groups,
    numeric,
    ok_runs,
    outcome_kind,
    short_names,
)
from stability_sim.analysis.stats import event_grid
from stability_sim.errors import UserError
from stability_sim.experiments.results import Results

KINDS = ("hist", "kde", "ecdf", "violin", "box")
#: More groups than this in one fan chart become unreadable; the rest are left out.
MAX_FAN_GROUPS = 6


def _axes(ax: Axes | None, size: tuple[float, float] = (7.0, 4.2)) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def _title(name: str) -> str:
    return name.replace("_", " ")


def distribution(results: Results | str, outcome: str, *, by: str | None = None,
                 kind: str = "hist", ax: Axes | None = None, compact: bool = False,
                 ) -> Figure:
    """The distribution of a summary outcome over runs, one per group.

    Args:
        results: Results, or a results folder.
        outcome: A summary or derived outcome. Events are drawn as the probability per
            group with its Wilson interval, whatever ``kind`` says.
        by: Grouping, as in :func:`stability_sim.analysis.frames.groups`.
        kind: ``hist``, ``kde``, ``ecdf``, ``violin`` or ``box``.
        ax: Axes to draw into (a new figure if None).
        compact: Label design points by their values only (``8000 / 0.25``).
    """
    from scipy import stats as sps

    from stability_sim.analysis.stats import wilson_interval

    if kind not in KINDS:
        raise UserError(f"unknown plot kind '{kind}' (one of {', '.join(KINDS)})",
                        source="kind", key=kind)
    results = as_results(results)
    check_outcomes(results, [outcome], source="outcome")
    runs = ok_runs(results)
    label = groups(results, runs, by, compact=compact)
    parts = [(str(g), part[outcome]) for g, part in runs.groupby(label, observed=True)]
    fig, ax = _axes(ax)
    if outcome_kind(outcome) == "event":
        k = np.array([int(v.sum()) for _, v in parts])
        n = np.array([len(v) for _, v in parts])
        p = k / np.maximum(n, 1)
        low, high = wilson_interval(k, n)
        y = np.arange(len(parts))
        # Clipped: p and its bound can differ by a rounding error of either sign.
        ax.errorbar(p, y, xerr=np.clip([p - low, high - p], 0.0, None), fmt="o", capsize=3)
        ax.set_yticks(y, [g for g, _ in parts])
        ax.set_xlim(-0.02, 1.02)
        ax.set_xlabel(f"P({_title(outcome)}) with 95% Wilson interval")
        ax.invert_yaxis()
        return fig
    data = [(g, numeric(v)) for g, v in parts]
    data = [(g, x) for g, x in data if x.size]
    if not data:
        ax.text(0.5, 0.5, f"{_title(outcome)}: no run has a value", ha="center",
                transform=ax.transAxes)
        return fig
    if kind in ("violin", "box"):
        values = [x for _, x in data]
        if kind == "violin" and all(np.ptp(x) > 0 for x in values):
            ax.violinplot(values, showmedians=True)
        else:
            ax.boxplot(values)
        ax.set_xticks(np.arange(1, len(data) + 1), [g for g, _ in data], rotation=30,
                      ha="right")
        ax.set_ylabel(_title(outcome))
        return fig
    lo = min(x.min() for _, x in data)
    hi = max(x.max() for _, x in data)
    grid = np.linspace(lo, hi if hi > lo else lo + 1.0, 200)
    for g, x in data:
        if kind == "hist":
            ax.hist(x, bins=min(30, max(5, int(np.sqrt(x.size)))), range=(lo, hi or lo + 1),
                    histtype="step", density=True, label=g)
        elif kind == "kde" and x.size > 1 and np.ptp(x) > 0:
            ax.plot(grid, sps.gaussian_kde(x)(grid), label=g)
        elif kind == "ecdf" or kind == "kde":
            xs = np.sort(x)
            ax.step(xs, np.arange(1, xs.size + 1) / xs.size, where="post", label=g)
    ax.set_xlabel(_title(outcome))
    ax.set_ylabel({"hist": "density", "kde": "density", "ecdf": "share of runs ≤ x"}[kind])
    if len(data) > 1:
        ax.legend(fontsize="small")
    return fig


def fan_chart(results: Results | str, column: str, *, by: str | None = None,
              ax: Axes | None = None, max_groups: int = MAX_FAN_GROUPS) -> Figure:
    """A monthly series across runs: the median with 50% and 90% bands, on a calendar.

    Args:
        results: Results, or a results folder.
        column: A monthly column (e.g. ``stability_index_tjk``).
        by: Grouping, as in :func:`stability_sim.analysis.frames.groups`; one fan per
            group (at most ``max_groups``).
        ax: Axes to draw into.
        max_groups: Most fans in one chart.
    """
    results = as_results(results)
    monthly = results.manifest["columns"]["monthly"]
    if column not in monthly:
        raise UserError(f"unknown monthly series '{column}'", source="column", key=column)
    runs = ok_runs(results)
    label = groups(results, runs, by)
    series = results.series(columns=[column], run_ids=runs["run_id"].tolist())
    series["group"] = series["run_id"].map(dict(zip(runs["run_id"], label.astype(str),
                                                    strict=True)))
    fig, ax = _axes(ax)
    names = [str(g) for g in pd.unique(label.astype(str))][:max_groups]
    colours = [f"C{i}" for i in range(len(names))]
    for name, colour in zip(names, colours, strict=True):
        part = series[series["group"] == name]
        q = part.groupby("date")[column].quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
        when = calendar(q.index)
        ax.fill_between(when, q[0.05], q[0.95], color=colour, alpha=0.15, linewidth=0)
        ax.fill_between(when, q[0.25], q[0.75], color=colour, alpha=0.3, linewidth=0)
        ax.plot(when, q[0.5], color=colour, label=name if len(names) > 1 else "median")
    ax.set_ylabel(_title(column))
    ax.set_title(f"{_title(column)}: median, 50% and 90% of runs", fontsize="medium")
    ax.legend(fontsize="small")
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    return fig


def event_heatmap(results: Results | str, event: str | pd.Series, x: str | None = None,
                  y: str | None = None, *, bins: int = 5, ax: Axes | None = None) -> Figure:
    """The probability of an event over two swept parameters, as a heatmap.

    Each cell is annotated with the probability, its 95% Wilson interval and the runs.
    See :func:`stability_sim.analysis.stats.event_grid` for the binning.
    """
    table = event_grid(results, event, x, y, bins=bins)
    xs, ys = sorted(table["x"].unique()), sorted(table["y"].unique())
    grid = np.full((len(ys), len(xs)), np.nan)
    fig, ax = _axes(ax, (7.0, 5.0))
    for row in table.itertuples():
        i, j = ys.index(row.y), xs.index(row.x)
        grid[i, j] = row.probability
        dark = row.probability > 0.6
        ax.text(j, i, f"{row.probability:.2f}\n[{row.ci_low:.2f}, {row.ci_high:.2f}]\n"
                f"n={row.n}", ha="center", va="center", fontsize="x-small",
                color="white" if dark else "black")
    image = ax.imshow(grid, origin="lower", cmap="Reds", vmin=0.0, vmax=1.0, aspect="auto")
    short = short_names([table.attrs["x"], table.attrs["y"]])
    ax.set_xticks(range(len(xs)), [f"{v:g}" for v in xs])
    ax.set_yticks(range(len(ys)), [f"{v:g}" for v in ys])
    ax.set_xlabel(short[table.attrs["x"]])
    ax.set_ylabel(short[table.attrs["y"]])
    ax.set_title(f"P({_title(table.attrs['event'])}) [95% Wilson CI]", fontsize="medium")
    fig.colorbar(image, ax=ax, label="probability")
    return fig


def sensitivity_chart(table: pd.DataFrame, outcome: str | None = None, *,
                      ax: Axes | None = None) -> Figure:
    """Bars of a sensitivity table (from :func:`stability_sim.analysis.sensitivity`).

    Sobol' tables show S1 and ST with their intervals; SRC tables the signed
    coefficients.
    """
    if outcome is not None and "outcome" in table.columns:
        table = table[table["outcome"] == outcome]
    fig, ax = _axes(ax, (7.0, 0.5 + 0.45 * max(1, len(table))))
    y = np.arange(len(table))
    names = short_names(list(table["parameter"]))
    labels = [names[p] for p in table["parameter"]]
    if "ST" in table.columns:
        ax.barh(y - 0.2, table["S1"], height=0.4, xerr=table["S1_conf"], label="first order")
        ax.barh(y + 0.2, table["ST"], height=0.4, xerr=table["ST_conf"], label="total")
        ax.set_xlabel("Sobol' index (95% CI)")
        ax.legend(fontsize="small")
    else:
        ax.barh(y, table["SRC"], color=["C3" if v < 0 else "C0" for v in table["SRC"]])
        ax.axvline(0.0, color="black", linewidth=0.8)
        r2 = table["r2"].iloc[0] if "r2" in table.columns and len(table) else \
            table.attrs.get("r2", np.nan)
        ax.set_xlabel(f"standardised regression coefficient (R² = {r2:.2f})")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    if outcome:
        ax.set_title(_title(outcome), fontsize="medium")
    return fig


def outcome_panel(results: Results | str, outcomes: Sequence[str], *, by: str | None = None,
                  kind: str = "box") -> Figure:
    """Several outcomes' distributions side by side (the report's overview figure)."""
    results = as_results(results)
    outcomes = check_outcomes(results, outcomes, source="outcomes")
    cols = min(3, len(outcomes))
    rows = -(-len(outcomes) // cols)
    fig = Figure(figsize=(4.6 * cols, 3.6 * rows), layout="constrained")
    compact = by in (None, "point") and results.manifest["design"]["kind"] == "grid"
    for i, name in enumerate(outcomes):
        distribution(results, name, by=by, kind=kind, ax=fig.add_subplot(rows, cols, i + 1),
                     compact=compact)
    if compact:
        fig.suptitle(f"groups: {compact_legend(results)}", fontsize="medium")
    return fig
