"""The World: what the agent families act on, in place of the model.

A :class:`World` holds one run's map: the static :class:`~stability_sim.landscape.Landscape`,
the dynamic per-cell :class:`Fields`, the per-cell arrays fixed within a run (the states'
repression, poverty and corruption painted on their cells), and the look-ups the rules
need (a flat index to a Mesa cell, a cell's country, its neighbourhood, boxes around it).
Families read and write the world; they never reach into the model.

Cells are flat indices ``i = ix * ny + iy`` (see :mod:`stability_sim.landscape`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from stability_sim.geography import STUDY_STATES
from stability_sim.landscape import Landscape

#: The Central Asian study states (every study state but Afghanistan).
CENTRAL_ASIA = tuple(s for s in STUDY_STATES if s != "AFG")

#: Where MODEL.md §8 (SF6) expects incursions and attacks to concentrate [KL13].
HOTSPOT_REGIONS = ("fergana_valley", "tajik_afghan_border", "osh")

#: Dynamic cell layers exposed as Mesa PropertyLayers (MODEL.md §2).
LAYERS = ("control", "fighters", "security", "grievance", "violence", "traffic", "corruption")

#: Per-cell state that is not shown as a PropertyLayer.
INTERNAL = ("garrison", "interdiction", "intel", "exposure", "repression_recent", "members",
            "detection", "influence")


@dataclass
class Fields:
    """Flat per-cell arrays: the PropertyLayers' data (views) and internal state.

    ``influence`` is the violent fighters' hold on the ground around them, per 0.25°-cell
    of area (what control and the threat ranking weigh).
    """

    control: np.ndarray
    fighters: np.ndarray
    security: np.ndarray
    grievance: np.ndarray
    violence: np.ndarray
    traffic: np.ndarray
    corruption: np.ndarray
    garrison: np.ndarray
    interdiction: np.ndarray
    intel: np.ndarray
    exposure: np.ndarray
    repression_recent: np.ndarray
    members: np.ndarray
    detection: np.ndarray
    influence: np.ndarray


class World:
    """One run's map: landscape, fields, per-cell constants and look-ups.

    Args:
        land: The landscape of the run's resolution.
        layers: Layer name → flat array for each of :data:`LAYERS` (views of the Mesa
            PropertyLayers, so the visual server shows what the rules write).
        cells: Mesa cell per ``(ix, iy)``, to place agents.
        resolution: Cell size in degrees.

    Attributes:
        area: A cell's area in 0.25°-cells: presence and population enter the rules per
            0.25°-cell of area, so a 0.5° run behaves like a 0.25° run seen coarser.
        density: People per 0.25°-cell of area.
        territory: ISO3 → flat indices of each study state's land cells.
        hotspot: Cells of :data:`HOTSPOT_REGIONS`.
        border: Cells on an international border.
        repression, poverty, corruption0, police, legitimacy: per cell, from the state
            that holds it (0 elsewhere; see :mod:`stability_sim.agents.states`).
    """

    def __init__(self, land: Landscape, layers: dict[str, np.ndarray], cells: dict[Any, Any],
                 resolution: float) -> None:
        self.land = land
        self.shape = land.shape
        self.nx, self.ny = land.shape
        self.n_cells = land.n_cells
        self.population = land.population
        self.codes = land.geo.country_codes
        zeros = {name: np.zeros(self.n_cells) for name in INTERNAL}
        self.fields = Fields(**layers, **zeros)
        self._cells = cells
        self.resolution = resolution
        self.area = (resolution / 0.25) ** 2
        # Each cell's area in km² (cells narrow toward the pole): what area shares weigh.
        lat = np.repeat(np.asarray(land.geo.lat_centers, dtype=float)[None, :], self.nx,
                        axis=0).ravel()
        self.area_km2 = (111.32 * resolution) ** 2 * np.cos(np.radians(lat))
        self.density = land.population / self.area
        self.rugged_norm = land.ruggedness / 1000.0
        self.border = np.asarray(land.geo.border, dtype=bool).ravel()
        self.territory = {iso3: land.state_cells(iso3) for iso3 in STUDY_STATES}
        self.hotspot = np.zeros(self.n_cells, dtype=bool)
        for region in HOTSPOT_REGIONS:
            self.hotspot[land.regions[region]] = True
        self.repression = np.zeros(self.n_cells)
        self.poverty = np.zeros(self.n_cells)
        self.corruption0 = np.zeros(self.n_cells)
        self.police = np.zeros(self.n_cells)
        self.legitimacy = np.zeros(self.n_cells)
        self._boxes: dict[int, dict[int, np.ndarray]] = {}
        self._offsets: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def cell_at(self, i: int) -> Any:
        """The Mesa cell at flat index ``i``."""
        return self._cells[divmod(int(i), self.ny)]

    def country_iso3(self, i: int) -> str:
        """Country code of a cell ("" for water and no country)."""
        return self.codes[int(self.land.country[i])]

    def neighbourhood(self, i: int) -> np.ndarray:
        """A cell and its on-grid Moore neighbours."""
        nb = self.land.neighbours[i]
        return np.concatenate(([i], nb[nb >= 0]))

    def box_cells(self, i: int, radius: int) -> np.ndarray:
        """Cells within ``radius`` (Chebyshev) of ``i`` that agents may occupy.

        Static within a run, so each answer is kept (do not modify it).
        """
        boxes = self._boxes.get(radius)
        if boxes is None:  # one table of answers per radius, with its offsets
            r = np.arange(-radius, radius + 1)
            dx, dy = np.meshgrid(r, r, indexing="ij")
            self._offsets[radius] = (dx.ravel(), dy.ravel())
            boxes = self._boxes[radius] = {}
        cached = boxes.get(i)
        if cached is None:
            offsets = self._offsets[radius]
            ix, iy = divmod(int(i), self.ny)
            x, y = ix + offsets[0], iy + offsets[1]
            ok = (x >= 0) & (x < self.nx) & (y >= 0) & (y < self.ny)
            flat = x[ok] * self.ny + y[ok]
            cached = boxes[int(i)] = flat[self.land.agent_land[flat]]
        return cached

    def near(self, where: np.ndarray, radius: int) -> np.ndarray:
        """Cells within ``radius`` (Chebyshev) of any of ``where`` that agents may occupy.

        All the boxes of :meth:`box_cells` at once, concatenated: a cell near two of
        ``where`` appears twice.
        """
        r = np.arange(-radius, radius + 1)
        x, y = np.divmod(np.asarray(where, dtype=np.int64), self.ny)
        x = (x[:, None] + r[None, :])[:, :, None]  # (where, dx, 1)
        y = (y[:, None] + r[None, :])[:, None, :]  # (where, 1, dy)
        ok = (x >= 0) & (x < self.nx) & (y >= 0) & (y < self.ny)
        flat = (x * self.ny + y)[ok]
        return flat[self.land.agent_land[flat]]

    def footprint(self, where: np.ndarray, radius: int) -> tuple[int, int, int, int]:
        """Box of the cells within ``radius`` of any of ``where`` (clipped to the grid)."""
        if where.size == 0:
            return (0, -1, 0, -1)
        x, y = np.divmod(where, self.ny)
        return (max(0, int(x.min()) - radius), min(self.nx - 1, int(x.max()) + radius),
                max(0, int(y.min()) - radius), min(self.ny - 1, int(y.max()) + radius))

    def spaced(self, ranked: np.ndarray, k: int, spacing: float) -> np.ndarray:
        """The first ``k`` of ``ranked`` cells that lie ``spacing`` degrees apart.

        :func:`spaced_cells` with the spacing in whole cells at this grid's resolution.
        """
        return spaced_cells(ranked, k, ny=self.ny,
                            spacing=max(1, round(spacing / self.resolution)))

    def in_countries(self, states: tuple[str, ...]) -> np.ndarray:
        """Mask of the cells of the given countries."""
        idx = [self.codes.index(s) for s in states]
        return np.isin(self.land.country, idx)


def spaced_cells(ranked: np.ndarray, k: int, *, ny: int, spacing: int) -> np.ndarray:
    """The first ``k`` of ``ranked`` (flat indices, best first) at least ``spacing`` apart.

    Greedy: a cell closer than ``spacing`` cells (Chebyshev) to one already taken is
    passed over. Places chosen by rank (bases by population, targets by threat) then
    spread over the same ground at every resolution instead of filling the neighbouring
    cells of one place, which are more numerous on a finer grid. Fewer than ``k`` when
    there is no more room.
    """
    ranked = np.asarray(ranked, dtype=np.int64)
    if spacing <= 1:
        return ranked[:k]  # distinct cells are all a cell apart
    # Plain integers: the lists are short and this runs several times a month.
    out: list[int] = []
    held: list[tuple[int, int]] = []
    for cell in ranked.tolist():
        if len(out) == k:
            break
        x, y = divmod(cell, ny)
        if any(abs(x - a) < spacing and abs(y - b) < spacing for a, b in held):
            continue
        out.append(cell)
        held.append((x, y))
    return np.array(out, dtype=np.int64)
