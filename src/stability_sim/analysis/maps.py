"""Maps of an ensemble on the real geography: per-cell means over runs.

They read the per-cell run summary that every sweep stores (``cells/`` in the results
folder; see :func:`stability_sim.outcomes.cell_summary`), not the monthly series, which
are national aggregates. Each map is drawn as one raster image with the country borders
and the named regions of MODEL.md traced along cell edges, so a 0.25° map of 18,000
cells costs the same as a 0.5° one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import LogNorm, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from stability_sim.analysis.frames import as_results, ok_runs, run_resolutions
from stability_sim.errors import UserError
from stability_sim.experiments.results import Results
from stability_sim.geography import CAPITALS, STUDY_STATES, RegionalGrid

#: What each map layer shows, how to colour it, and the colour bar's label.
LAYERS = {
    "insurgent_share": ("share of months insurgent-held", "Reds", "linear"),
    "control_mean": ("mean government control", "RdYlGn", "linear"),
    "fatalities": ("deaths per run (cell total)", "magma_r", "log"),
    "traffic_tons": ("opiate flow, tons per month", "Purples", "log"),
}
#: Named regions outlined on every map (the hotspots of SF6 and Afghanistan's north).
DRAWN_REGIONS = ("fergana_valley", "tajik_afghan_border", "osh", "northern_afghanistan")


def cell_means(results: Results | str, run_ids: Sequence[int] | None = None,
               ) -> tuple[RegionalGrid, pd.DataFrame]:
    """Per-cell means over runs of every map layer.

    Args:
        results: Results, or a results folder.
        run_ids: Runs to average (default every finished run).

    Returns:
        The grid the runs used and a frame indexed by ``cell`` with one column per
        layer. A cell that a run did not store counts as zero for it (it saw no violence
        and no traffic, by how the summary is kept).

    Raises:
        UserError: If the runs used different resolutions, or none has a cell summary.
    """
    results = as_results(results)
    runs = ok_runs(results)
    if run_ids is not None:
        runs = runs[runs["run_id"].isin(list(run_ids))]
    if runs.empty:
        raise UserError("no finished runs to map", source=str(results.path))
    resolutions = sorted(set(run_resolutions(results, runs)))
    if len(resolutions) > 1:
        raise UserError(f"the runs use several resolutions {resolutions}; map one at a time "
                        "(pass run_ids of one resolution)", source=str(results.path),
                        key="grid.resolution")
    cells = results.cells(run_ids=runs["run_id"].tolist())
    if cells.empty:
        raise UserError("these runs have no cell summaries", source=str(results.path))
    grid = RegionalGrid.load(resolutions[0])
    n_runs = cells["run_id"].nunique()
    sums = cells.drop(columns="run_id").groupby("cell").sum()
    return grid, sums.astype(float) / n_runs


def _raster(grid: RegionalGrid, values: pd.Series) -> np.ndarray:
    out = np.full(grid.width * grid.height, np.nan)
    out[values.index.to_numpy()] = values.to_numpy()
    return out.reshape(grid.width, grid.height)


def _edges(grid: RegionalGrid, labels: np.ndarray) -> list[list[tuple[float, float]]]:
    """Cell edges between different labels, as line segments in lon/lat."""
    r, x0, y0 = grid.resolution, grid.lon_min, grid.lat_min
    segments = []
    ix, iy = np.nonzero(labels[1:, :] != labels[:-1, :])  # vertical edges
    for i, j in zip(ix, iy, strict=True):
        x = x0 + (i + 1) * r
        segments.append([(x, y0 + j * r), (x, y0 + (j + 1) * r)])
    ix, iy = np.nonzero(labels[:, 1:] != labels[:, :-1])  # horizontal edges
    for i, j in zip(ix, iy, strict=True):
        y = y0 + (j + 1) * r
        segments.append([(x0 + i * r, y), (x0 + (i + 1) * r, y)])
    return segments


def base_map(grid: RegionalGrid, ax: Axes, *, regions: Sequence[str] = DRAWN_REGIONS,
             labels: bool = True) -> None:
    """Water, country borders, named regions and capitals on ``ax``."""
    extent = (grid.lon_min, grid.lon_max, grid.lat_min, grid.lat_max)
    land = np.where(grid.water | (grid.country == 0), np.nan, 1.0)
    ax.imshow(np.where(np.isnan(land), 1.0, np.nan).T, origin="lower", extent=extent,
              cmap="Blues", vmin=0, vmax=3, interpolation="nearest")
    ax.imshow(land.T, origin="lower", extent=extent, cmap="Greys", vmin=0, vmax=8,
              interpolation="nearest")
    ax.add_collection(LineCollection(_edges(grid, grid.country.astype(int)), colors="0.25",
                                     linewidths=0.6, zorder=3))
    handles = []
    for k, name in enumerate(regions):
        mask = grid.region_mask(name).astype(int)
        colour = f"C{k}"
        ax.add_collection(LineCollection(_edges(grid, mask), colors=colour, linewidths=1.1,
                                         linestyles="--", zorder=4))
        handles.append(Line2D([], [], color=colour, linestyle="--",
                              label=name.replace("_", " ")))
    if labels:
        # A legend, not labels on the map: the regions sit close together around Fergana.
        ax.legend(handles=handles, loc="upper left", fontsize="x-small", framealpha=0.8)
    for iso3 in STUDY_STATES:
        capital = CAPITALS[iso3]
        ax.plot(capital.lon, capital.lat, "k.", markersize=4, zorder=5)
        if labels:
            ax.text(capital.lon + 0.3, capital.lat, capital.name, fontsize="x-small", zorder=5)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect(1.0 / np.cos(np.deg2rad((extent[2] + extent[3]) / 2.0)))
    ax.set_xlabel("longitude °E")
    ax.set_ylabel("latitude °N")


def outcome_map(results: Results | str, layer: str = "insurgent_share", *,
                run_ids: Sequence[int] | None = None, ax: Axes | None = None,
                title: str | None = None) -> Figure:
    """One layer's mean over runs, on the map of the region.

    Args:
        results: Results, or a results folder.
        layer: One of :data:`LAYERS`: ``insurgent_share``, ``control_mean``,
            ``fatalities`` or ``traffic_tons``.
        run_ids: Runs to average (default every finished run), e.g. one scenario's.
        ax: Axes to draw into.
        title: Title (default: the layer and the number of runs).
    """
    if layer not in LAYERS:
        raise UserError(f"unknown map layer '{layer}' (one of {', '.join(LAYERS)})",
                        source="layer", key=layer)
    grid, means = cell_means(results, run_ids)
    return _draw(grid, means, layer, ax, title)


def _draw(grid: RegionalGrid, means: pd.DataFrame, layer: str, ax: Axes | None,
          title: str | None) -> Figure:
    label, cmap, scale = LAYERS[layer]
    if ax is None:
        fig = Figure(figsize=(7.5, 5.2), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    base_map(grid, ax)
    values = _raster(grid, means[layer])
    if scale == "log":
        positive = values[values > 0]
        top = float(positive.max()) if positive.size else 1.0
        norm = LogNorm(vmin=max(top * 1e-3, float(positive.min()) if positive.size else 0.1),
                       vmax=top)
        values = np.where(values > 0, values, np.nan)  # zero: no colour, the land shows
    elif layer == "control_mean":
        norm = Normalize(0.0, 1.0)
    else:
        # Insurgent-held shares are small outside Afghanistan's south: scale to the data so
        # the pattern shows; the colour bar gives the values.
        top = float(np.nanmax(values)) if np.isfinite(values).any() else 1.0
        norm = Normalize(0.0, top if top > 0 else 1.0)
    image = ax.imshow(values.T, origin="lower", cmap=cmap, norm=norm, zorder=2,
                      extent=(grid.lon_min, grid.lon_max, grid.lat_min, grid.lat_max),
                      interpolation="nearest")
    fig.colorbar(image, ax=ax, label=label, shrink=0.8)
    ax.set_title(title or label, fontsize="medium")
    return fig


def map_panel(results: Results | str, run_ids: Sequence[int] | None = None,
              layers: Sequence[str] = ("insurgent_share", "fatalities", "traffic_tons"),
              ) -> Figure:
    """Several layers side by side for the same runs (the report's map figure)."""
    grid, means = cell_means(results, run_ids)
    fig = Figure(figsize=(6.4 * len(layers), 5.0), layout="constrained")
    for i, layer in enumerate(layers):
        _draw(grid, means, layer, fig.add_subplot(1, len(layers), i + 1), None)
    return fig
