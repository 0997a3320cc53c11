"""Figures of a calibration folder: history matching, the posterior and its checks.

Five figures, each drawn from the folder's tables alone (never from the model):

- ``implausibility.png``: the share of the prior box left non-implausible after each wave,
  and per wave the minimum-implausibility projection onto the two parameters the
  calibration narrowed most (the lowest implausibility over the other parameters, per
  cell of the pair: a cell above the cutoff is ruled out whatever the others are);
- ``posterior_marginals.png``: each parameter's weighted posterior over its prior range;
- ``posterior_pairs.png``: the posterior sample per pair of parameters;
- ``predictive.png``: per target, the observation's 90% interval against the posterior
  predictive 5–95% band;
- ``emulator_loo.png``: the emulators' leave-one-out predictions against the simulated
  values.

A calibration that stopped early lacks some tables; the figures that need them are left
out with a note saying why (:class:`CalibrationFigure` with ``figure=None``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.collections import QuadMesh
from matplotlib.figure import Figure

from stability_sim.analysis.calibration_folder import CalibrationFolder, read_calibration
from stability_sim.analysis.frames import short_names
from stability_sim.experiments.folder import refuse_links, storage
from stability_sim.paths import safe_output_dir
from stability_sim.runio import atomic_write_bytes

#: Figure resolution, as the sweep report's.
DPI = 110
#: Cells per side of the implausibility projection, and bins of the marginals.
MIN_CELLS, MAX_CELLS = 5, 20
BINS = 20
#: Colour of the truth marker, distinct from the matplotlib cycle's first colours.
TRUTH = "crimson"
#: Panels per row in the per-target and per-wave grids.
COLUMNS = 3


@dataclass(frozen=True)
class CalibrationFigure:
    """One figure of a calibration, or why it is left out.

    Attributes:
        name: File name (``implausibility.png``, ...).
        caption: What the figure shows.
        figure: The drawn figure, or None when the folder lacks what it needs.
        note: Why it was left out (empty when drawn).
    """

    name: str
    caption: str
    figure: Figure | None
    note: str = ""


def calibration_figures(cal: CalibrationFolder) -> list[CalibrationFigure]:
    """Every figure of a calibration, in the report's order (missing ones with a note)."""
    cutoff = f"{cal.cutoff:g}"
    specs = [
        ("implausibility.png", implausibility_figure,
         "History matching: the share of the prior box not ruled out after each wave "
         f"(implausibility < {cutoff}, on a fixed Latin hypercube sample of the box), and "
         "per wave the minimum-implausibility projection onto the two parameters the "
         "calibration narrowed most: per cell, the lowest implausibility over the other "
         f"parameters (grey cells, at or above {cutoff}, are ruled out whatever the others "
         "are; blank cells hold no reference point)."),
        ("posterior_marginals.png", posterior_marginals,
         "Posterior of each parameter (weighted histogram of the ABC-SMC sample) over its "
         "prior range, with the flat prior, the posterior median and 90% interval, and the "
         "true value where the targets were synthetic."),
        ("posterior_pairs.png", posterior_pairs,
         "The posterior sample per pair of parameters (marker area proportional to weight), "
         "over the prior box; the true values where known."),
        ("predictive.png", predictive_figure,
         "Posterior predictive check per target: the observation with its 90% interval "
         "against the posterior predictive median and 5–95% band (observation error "
         "included)."),
        ("emulator_loo.png", emulator_loo,
         "Emulator diagnostics: leave-one-out mean ± 2 sd against the simulated value at "
         "each design point, per target and wave; points off the diagonal by more than "
         "their bars are poorly emulated."),
    ]
    out = []
    for name, draw, caption in specs:
        figure, note = draw(cal)
        out.append(CalibrationFigure(name, caption, figure, note))
    return out


def write_calibration_figures(folder: str | Path, out: str | Path | None = None
                              ) -> list[Path]:
    """Draw a calibration folder's figures into ``out`` (default ``<folder>/figures``).

    Figures the folder lacks the tables for are left out (see
    :func:`calibration_figures` for why).

    Returns:
        The PNG files written.

    Raises:
        UserError: If the folder is not a readable calibration.
    """
    cal = read_calibration(folder)
    target = safe_output_dir(Path(out) if out is not None else cal.path / "figures",
                             option="figures folder", allow_climb=True)
    with storage(target, "draw the figures again"):
        return save_figures(calibration_figures(cal), target)


def save_figures(figures: list[CalibrationFigure], folder: Path) -> list[Path]:
    """Write the drawn figures as PNG files into ``folder``; returns their paths."""
    # The figures go where they are said to: a planted link would put them anywhere.
    refuse_links(folder, tuple(f.name for f in figures), listed=())
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for item in figures:
        if item.figure is None:
            continue
        image = io.BytesIO()
        item.figure.savefig(image, format="png", dpi=DPI)
        atomic_write_bytes(folder / item.name, image.getvalue())
        paths.append(folder / item.name)
    return paths


def _grid(count: int, size: tuple[float, float], columns: int = COLUMNS
          ) -> tuple[Figure, list[Axes]]:
    cols = max(1, min(columns, count))
    rows = -(-count // cols)
    fig = Figure(figsize=(size[0] * cols, size[1] * rows), layout="constrained")
    axes = [fig.add_subplot(rows, cols, i + 1) for i in range(count)]
    return fig, axes


def implausibility_figure(cal: CalibrationFolder) -> tuple[Figure | None, str]:
    """NROY share per wave and each wave's minimum-implausibility projection."""
    waves = cal.wave_columns
    shares = cal.nroy_shares()
    if not shares:
        return None, "no history-matching wave in the folder (no implausibility.parquet)"
    fig, axes = _grid(1 + len(waves), (4.2, 3.6))
    ax = axes[0]
    numbers = np.arange(1, len(shares) + 1)
    ax.bar(numbers, shares, color="C0")
    for x, share in zip(numbers, shares, strict=True):
        ax.annotate(f"{100 * share:.3g}%", (x, share), ha="center", va="bottom",
                    fontsize="small")
    ax.set_xticks(numbers)
    ax.set_xlabel("wave")
    ax.set_ylabel("share of the prior box not ruled out")
    ax.set_ylim(0, 1.1)
    ax.set_title("non-implausible space", fontsize="medium")
    if not waves:
        return fig, ""
    names = cal.narrowing()[:2]
    short = short_names(list(cal.parameters))
    truth = cal.truth
    image = None
    for (wave, column), ax in zip(waves, axes[1:], strict=True):
        impl = cal.implausibility[column].to_numpy(dtype=float)
        share = float(np.mean(impl < cal.cutoff))
        if len(names) == 1:  # one parameter: implausibility against it
            x = cal.implausibility[names[0]].to_numpy(dtype=float)
            ax.scatter(x, impl, s=4, color="C0", alpha=0.5)
            ax.axhline(cal.cutoff, color="black", linestyle="--", linewidth=0.8)
            ax.set_xlim(*cal.parameters[names[0]])
            ax.set_ylabel("max implausibility")
            if names[0] in truth:
                ax.axvline(truth[names[0]], color=TRUTH, linewidth=1.2)
        else:
            image = _projection(ax, cal, names, impl)
            ax.set_ylabel(short[names[1]])
            if names[0] in truth and names[1] in truth:
                ax.plot(truth[names[0]], truth[names[1]], marker="*", markersize=12,
                        color=TRUTH, markeredgecolor="white", linestyle="none")
        ax.set_xlabel(short[names[0]])
        ax.set_title(f"wave {wave}: {100 * share:.3g}% not ruled out", fontsize="medium")
    if image is not None:
        fig.colorbar(image, ax=axes[1:], extend="max", shrink=0.9,
                     label=f"min. implausibility (grey: ≥ {cal.cutoff:g}, ruled out)")
    return fig, ""


def _projection(ax: Axes, cal: CalibrationFolder, names: list[str], impl: np.ndarray
                ) -> QuadMesh:
    """Draw the minimum implausibility per cell of two parameters; returns the mesh."""
    (x0, x1), (y0, y1) = cal.parameters[names[0]], cal.parameters[names[1]]
    # About half a dozen reference points per cell, so few cells are empty by chance.
    cells = int(np.clip(np.sqrt(len(impl) / 6), MIN_CELLS, MAX_CELLS))
    xs = np.linspace(x0, x1, cells + 1)
    ys = np.linspace(y0, y1, cells + 1)
    x = cal.implausibility[names[0]].to_numpy(dtype=float)
    y = cal.implausibility[names[1]].to_numpy(dtype=float)
    i = np.clip(np.searchsorted(xs, x, side="right") - 1, 0, cells - 1)
    j = np.clip(np.searchsorted(ys, y, side="right") - 1, 0, cells - 1)
    grid = np.full((cells, cells), np.inf)
    np.minimum.at(grid, (j, i), np.nan_to_num(impl, nan=np.inf))
    grid[np.isinf(grid)] = np.nan
    # Colour only what is left; every ruled-out cell is the same grey, whatever its value,
    # so the boundary reads at a glance.
    cmap = colormaps["viridis_r"].with_extremes(over="lightgrey", bad="white")
    mesh = ax.pcolormesh(xs, ys, np.ma.masked_invalid(grid), cmap=cmap, vmin=0.0,
                         vmax=cal.cutoff, shading="flat")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    return mesh


def _no_posterior(cal: CalibrationFolder) -> str:
    status = cal.manifest.get("status", "unknown")
    return (f"no posterior.parquet: the calibration ended before its ABC stage (status "
            f"{status})")


def posterior_marginals(cal: CalibrationFolder) -> tuple[Figure | None, str]:
    """Weighted histograms of each parameter over its prior range."""
    if cal.posterior is None:
        return None, _no_posterior(cal)
    weights = cal.weights()
    stats = cal.posterior_stats().set_index("parameter")
    short = short_names(list(cal.parameters))
    fig, axes = _grid(len(cal.parameters), (4.2, 3.0))
    for (name, (low, high)), ax in zip(cal.parameters.items(), axes, strict=True):
        values = cal.posterior[name].to_numpy(dtype=float)
        ax.hist(values, bins=np.linspace(low, high, BINS + 1), weights=weights,
                density=True, color="C0", alpha=0.6, label="posterior")
        ax.hlines(1.0 / (high - low), low, high, colors="grey", linestyles="-",
                  label="prior")
        row = stats.loc[name]
        ax.axvline(row["median"], color="C0", linewidth=1.2, label="median")
        for q in (row["q05"], row["q95"]):
            ax.axvline(q, color="C0", linewidth=0.8, linestyle="--")
        if np.isfinite(row["truth"]):
            ax.axvline(row["truth"], color=TRUTH, linewidth=1.5, label="truth")
        ax.set_xlim(low, high)
        ax.set_xlabel(short[name])
        ax.set_ylabel("density")
        ax.set_title(name, fontsize="small")
    axes[0].legend(fontsize="x-small")
    return fig, ""


def posterior_pairs(cal: CalibrationFolder) -> tuple[Figure | None, str]:
    """The weighted posterior sample per pair of parameters (a lower-triangle grid)."""
    if cal.posterior is None:
        return None, _no_posterior(cal)
    names = list(cal.parameters)
    if len(names) < 2:
        return None, "one calibrated parameter: no pairs to draw"
    d = len(names)
    short = short_names(names)
    weights = cal.weights()
    # Area ∝ weight, scaled so an average point is a readable dot.
    sizes = 12.0 * weights * len(weights)
    truth = cal.truth
    fig = Figure(figsize=(2.4 * d, 2.4 * d), layout="constrained")
    for row in range(d):
        for col in range(d):
            if col > row:
                continue
            ax = fig.add_subplot(d, d, row * d + col + 1)
            x, (x0, x1) = names[col], cal.parameters[names[col]]
            if row == col:
                ax.hist(cal.posterior[x].to_numpy(dtype=float), weights=weights,
                        bins=np.linspace(x0, x1, BINS + 1), color="C0", alpha=0.6)
                ax.set_yticks([])
                if x in truth:
                    ax.axvline(truth[x], color=TRUTH, linewidth=1.2)
            else:
                y, (y0, y1) = names[row], cal.parameters[names[row]]
                ax.scatter(cal.posterior[x], cal.posterior[y], s=sizes, color="C0",
                           alpha=0.4, linewidths=0)
                if x in truth and y in truth:
                    ax.plot(truth[x], truth[y], marker="*", markersize=10, color=TRUTH,
                            linestyle="none")
                ax.set_ylim(y0, y1)
                if col == 0:
                    ax.set_ylabel(short[y], fontsize="small")
            ax.set_xlim(x0, x1)
            if row == d - 1:
                ax.set_xlabel(short[x], fontsize="small")
            ax.tick_params(labelsize="x-small")
    return fig, ""


def predictive_figure(cal: CalibrationFolder) -> tuple[Figure | None, str]:
    """Per target: the observation's 90% interval and the posterior predictive band."""
    table = cal.predictive
    if table is None or table.empty:
        why = ("no posterior predictive check in the folder (no predictive.parquet)"
               if cal.posterior is not None else _no_posterior(cal))
        return None, why
    fig, axes = _grid(len(table), (4.0, 1.6))
    for row, ax in zip(table.itertuples(index=False), axes, strict=True):
        # An observation outside its own interval (a hand-edited file) must not stop the
        # figure: matplotlib refuses negative error bars.
        xerr = [[max(row.observed - row.lo, 0.0)], [max(row.hi - row.observed, 0.0)]]
        ax.errorbar([row.observed], [1], xerr=xerr,
                    fmt="o", color="black", capsize=4, label="observed, 90%")
        ax.plot([row.q05, row.q95], [0, 0], color="C0", linewidth=6, alpha=0.4,
                solid_capstyle="butt", label="predictive 5–95%")
        ax.plot([row.median], [0], marker="|", markersize=14, color="C0",
                label="predictive median")
        ax.set_yticks([0, 1], ["predictive", "observed"], fontsize="small")
        ax.set_ylim(-0.7, 1.7)
        covered = bool(getattr(row, "covered", row.q05 <= row.observed <= row.q95))
        ax.set_title(f"{row.target}: {'covered' if covered else 'NOT covered'}",
                     fontsize="small", color="black" if covered else TRUTH)
        ax.tick_params(axis="x", labelsize="x-small")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3, fontsize="small")
    return fig, ""


def emulator_loo(cal: CalibrationFolder) -> tuple[Figure | None, str]:
    """LOO mean ± 2 sd against the simulated value, per target (waves by colour)."""
    table = cal.emulators
    if table is None or table.empty:
        return None, "no emulator diagnostics in the folder (no emulators.parquet)"
    targets = list(dict.fromkeys(table["target"].astype(str)))
    waves = sorted(table["wave"].unique())
    fig, axes = _grid(len(targets), (3.8, 3.4))
    for target, ax in zip(targets, axes, strict=True):
        part = table[table["target"].astype(str) == target]
        for k, wave in enumerate(waves):
            rows = part[part["wave"] == wave]
            ax.errorbar(rows["observed"], rows["mean"], yerr=2 * rows["sd"], fmt="o",
                        markersize=3, color=f"C{k % 10}", elinewidth=0.8, alpha=0.8,
                        label=f"wave {wave}")
        both = np.concatenate([part["observed"].to_numpy(dtype=float),
                               part["mean"].to_numpy(dtype=float)])
        both = both[np.isfinite(both)]
        if both.size:
            lo, hi = both.min(), both.max()
            ax.plot([lo, hi], [lo, hi], color="black", linewidth=0.8)
        z = (part["observed"] - part["mean"]) / part["sd"]
        inside = float(np.mean(np.abs(z) <= 2)) if len(part) else float("nan")
        ax.set_title(f"{target}: {100 * inside:.0f}% within 2 sd", fontsize="small")
        ax.set_xlabel("simulated", fontsize="small")
        ax.set_ylabel("LOO prediction", fontsize="small")
        ax.tick_params(labelsize="x-small")
    axes[0].legend(fontsize="x-small")
    return fig, ""
