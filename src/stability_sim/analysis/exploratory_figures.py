"""Figures of scenario discovery and robustness (matplotlib; the caller picks the backend).

- :func:`tradeoff_chart`: PRIM's coverage against density, coloured by the number of
  restricted dimensions, the chosen box marked;
- :func:`box_chart`: the chosen box's limits on each restricted input, as a share of its
  range;
- :func:`pairs_chart`: the runs on pairs of the box's inputs, event runs in colour, the box
  drawn;
- :func:`features_chart`: the inputs' extra-trees scores;
- :func:`robustness_chart`: per policy, the mean outcome over worlds with its interval and
  the 10th-90th percentile range, the satisficing share and the maximum regret.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from stability_sim.analysis.frames import short_names
from stability_sim.analysis.robustness import Robustness

EVENT = "#c0392b"
OTHER = "#b0b7bf"


def tradeoff_chart(tradeoff: pd.DataFrame, chosen: int) -> Figure:
    """PRIM's peeling trajectory: coverage against density."""
    fig = Figure(figsize=(6.0, 4.6))
    ax = fig.subplots()
    points = ax.scatter(tradeoff["coverage"], tradeoff["density"], c=tradeoff["res_dim"],
                        cmap="viridis", s=22, zorder=2)
    ax.plot(tradeoff["coverage"], tradeoff["density"], color="#888", lw=0.6, zorder=1)
    ax.scatter([tradeoff.loc[chosen, "coverage"]], [tradeoff.loc[chosen, "density"]],
               s=140, facecolors="none", edgecolors="black", lw=1.5, zorder=3,
               label=f"chosen box {chosen}")
    fig.colorbar(points, ax=ax, label="restricted inputs")
    ax.set_xlabel("coverage (share of the event's runs in the box)")
    ax.set_ylabel("density (share of the box's runs with the event)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower left")
    ax.set_title("PRIM: coverage against density")
    fig.tight_layout()
    return fig


def box_chart(limits: pd.DataFrame, x: pd.DataFrame, title: str) -> Figure:
    """The restricted inputs' limits, each as a share of the input's sampled range."""
    names = list(limits.index)
    labels = short_names(list(x.columns))
    fig = Figure(figsize=(6.4, 0.6 + 0.5 * max(1, len(names))))
    ax = fig.subplots()
    for k, name in enumerate(names):
        row = limits.loc[name]
        ax.barh(k, 1.0, left=0.0, color="#eef0f2", edgecolor="#ccc")
        if isinstance(row.get("values"), str) and row["values"]:
            ax.text(0.5, k, f"{row['values']}", ha="center", va="center", fontsize=8)
            continue
        column = pd.to_numeric(x[name], errors="coerce")
        low, high = float(column.min()), float(column.max())
        span = high - low or 1.0
        a, b = (float(row["min"]) - low) / span, (float(row["max"]) - low) / span
        ax.barh(k, b - a, left=a, color=EVENT, alpha=0.8)
        ax.text(a, k + 0.32, short_number(row["min"]), ha="left", va="bottom", fontsize=7)
        ax.text(b, k + 0.32, short_number(row["max"]), ha="right", va="bottom", fontsize=7)
    ax.set_yticks(range(len(names)), [labels.get(n, n) for n in names])
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the input's sampled range")
    ax.set_title(f"Box for {title}" if names else f"No input restricted for {title}")
    fig.tight_layout()
    return fig


def short_number(value: float, digits: int = 3) -> str:
    """A number in ``digits`` significant digits; 100 and more as a whole number."""
    if abs(value) >= 100:
        return f"{round(value):,}"
    return f"{value:.{digits}g}"


def pairs_chart(x: pd.DataFrame, hits: np.ndarray, dims: list[str],
                limits: pd.DataFrame) -> Figure:
    """Runs on each pair of ``dims`` (the diagonal: the share with the event by value)."""
    dims = [d for d in dims if d in x.columns] or list(x.columns[:2])
    labels = short_names(list(x.columns))
    n = len(dims)
    fig = Figure(figsize=(2.6 * n + 0.6, 2.6 * n + 0.4))
    axes = np.atleast_2d(fig.subplots(n, n, squeeze=False))
    codes = {d: _numeric(x[d]) for d in dims}
    for i, di in enumerate(dims):
        for j, dj in enumerate(dims):
            ax = axes[i, j]
            if i == j:
                bins = np.linspace(np.nanmin(codes[di]), np.nanmax(codes[di]) + 1e-12, 11)
                ax.hist([codes[di][~hits], codes[di][hits]], bins=bins, stacked=True,
                        color=[OTHER, EVENT])
            else:
                ax.scatter(codes[dj][~hits], codes[di][~hits], s=5, color=OTHER, lw=0)
                ax.scatter(codes[dj][hits], codes[di][hits], s=5, color=EVENT, lw=0)
                _draw_box(ax, dj, di, limits, codes)
            if i == n - 1:
                ax.set_xlabel(labels.get(dj, dj), fontsize=8)
            if j == 0:
                ax.set_ylabel(labels.get(di, di), fontsize=8)
            ax.tick_params(labelsize=7)
    fig.suptitle("Runs with the event (red) and without (grey); the box dashed", fontsize=9)
    fig.tight_layout()
    return fig


def _numeric(column: pd.Series) -> np.ndarray:
    values = pd.to_numeric(column, errors="coerce")
    if values.notna().all():
        return values.to_numpy(dtype=float)
    return column.astype("category").cat.codes.to_numpy(dtype=float)


def _draw_box(ax, dx: str, dy: str, limits: pd.DataFrame,
              codes: dict[str, np.ndarray]) -> None:
    def span(d: str) -> tuple[float, float]:
        if d in limits.index and not (isinstance(limits.loc[d].get("values"), str)
                                      and limits.loc[d]["values"]):
            return float(limits.loc[d, "min"]), float(limits.loc[d, "max"])
        return float(np.nanmin(codes[d])), float(np.nanmax(codes[d]))
    (x0, x1), (y0, y1) = span(dx), span(dy)
    ax.plot([x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0], ls="--", color="black", lw=1)


def features_chart(scores: pd.Series, title: str) -> Figure:
    """Extra-trees feature scores, highest at the top."""
    labels = short_names(list(scores.index))
    fig = Figure(figsize=(6.0, 0.6 + 0.32 * len(scores)))
    ax = fig.subplots()
    order = scores.sort_values()
    ax.barh(range(len(order)), order.to_numpy(), color="#2c7fb8")
    ax.set_yticks(range(len(order)), [labels[n] for n in order.index], fontsize=8)
    ax.set_xlabel("feature score (extra trees)")
    ax.set_title(f"What drives {title}", fontsize=10)
    fig.tight_layout()
    return fig


def robustness_chart(rob: Robustness, label: str) -> Figure:
    """Per policy: mean over worlds (interval, 10-90 % range), satisficing, max regret."""
    t = rob.table
    policies = [str(p) for p in t.index]
    y = np.arange(len(policies))
    fig = Figure(figsize=(11.0, 1.0 + 0.42 * len(policies)))
    a, b, c = fig.subplots(1, 3, sharey=True, gridspec_kw={"width_ratios": [2, 1, 1]})
    a.hlines(y, t["p10"], t["p90"], color="#9ecae1", lw=6, label="10–90 % of worlds")
    a.errorbar(t["mean"], y, xerr=_err(t, "mean"), fmt="o", color="#08519c", capsize=3,
               label="mean (90 % interval)")
    a.set_yticks(y, policies, fontsize=8)
    a.set_xlabel(label)
    a.legend(fontsize=7, loc="best")
    better = "less" if rob.direction == "min" else "more"
    a.set_title(f"Outcome over worlds ({better} is better)", fontsize=9)
    if np.isfinite(t["satisficing"]).any():
        b.barh(y, t["satisficing"], xerr=_err(t, "satisficing"), color="#74c476", capsize=3)
        meets = "≤" if rob.direction == "min" else "≥"
        b.set_title(f"Share of worlds {meets} {rob.threshold:g}", fontsize=9)
        b.set_xlim(0, 1)
    else:
        b.text(0.5, 0.5, "no threshold given", ha="center", va="center",
               transform=b.transAxes)
        b.set_title("Satisficing", fontsize=9)
    c.barh(y, t["max_regret"], xerr=_err(t, "max_regret"), color="#fd8d3c", capsize=3)
    c.set_title("Maximum regret over worlds", fontsize=9)
    fig.suptitle(f"{label}: robustness of {len(policies)} policies over "
                 f"{int(t['worlds'].iloc[0])} worlds; minimax regret: {rob.best}", fontsize=10)
    fig.tight_layout()
    return fig


def _err(t: pd.DataFrame, k: str) -> np.ndarray | None:
    if f"{k}_lo" not in t or not np.isfinite(t[f"{k}_lo"]).all():
        return None
    return np.vstack([np.clip(t[k] - t[f"{k}_lo"], 0, None),
                      np.clip(t[f"{k}_hi"] - t[k], 0, None)])
