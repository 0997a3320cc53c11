"""The static structure the model runs on, built once per process and resolution.

Everything here depends on the geography only, never on parameters or the run: cell
masks of the study states, Moore-neighbour tables for vectorised rules, the capitals and
named places as cells, and the skeleton of the trafficking route graph. A Monte Carlo
sweep builds a :class:`Landscape` once per worker process and every run reuses it
(:func:`landscape` is cached).

Cells are addressed by flat index ``i = ix * ny + iy`` into the ``(nx, ny)`` layers
(Mesa's ``(x, y)`` order, ``iy`` from the south).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from stability_sim.geography import (
    CAPITALS,
    PLACES,
    REGIONS,
    STUDY_STATES,
    RegionalGrid,
)

#: The eight Moore offsets, in a fixed order (reproducibility depends on it).
MOORE = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))

#: Countries the trafficking routes cross; exits lie on their borders with RUS, IRN, PAK.
ROUTE_COUNTRIES = STUDY_STATES

#: Route exits: where Afghan opiates leave the modelled area (MODEL.md §4).
EXITS = {"north": "RUS", "west": "IRN", "south": "PAK"}

#: Depth of the Pakistani border belt where agents may be (the sanctuary) [KL13]. Fixed
#: in the landscape because it shapes the static structure shared by all runs.
SANCTUARY_KM = 150.0


@dataclass(frozen=True, eq=False)
class RouteSkeleton:
    """The trafficking graph's fixed part: nodes, edges, base costs and exits.

    Attributes:
        cells: Flat cell index of each node.
        src: Edge source node (CSR order of a ``(n, n)`` matrix).
        dst: Edge destination node.
        length_km: Great-circle length of each edge.
        crossing: For each edge, the pair code of the border it crosses (-1 if none).
        exit_nodes: Exit name → nodes on the border with that exit's country.
    """

    cells: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    length_km: np.ndarray
    crossing: np.ndarray
    exit_nodes: dict[str, np.ndarray]


@dataclass(frozen=True, eq=False)
class Landscape:
    """Static arrays of one resolution (see the module docstring for indexing).

    Attributes:
        geo: The regional grid the arrays come from.
        shape: ``(nx, ny)``.
        country: Country index per cell (into ``geo.country_codes``; 0 = none/water).
        state: Index into :data:`STUDY_STATES` per cell, -1 outside the study states.
        agent_land: Cells agents may occupy.
        population: People per cell (float).
        ruggedness: Elevation standard deviation per cell, metres.
        neighbours: ``(n_cells, 8)`` flat indices of Moore neighbours, -1 off the grid.
        neighbour_count: Number of on-grid Moore neighbours per cell (float).
        capitals: ISO3 → flat index of the capital's cell.
        places: Name → flat index of a named place's (or capital's) cell.
        regions: Region name → flat indices of its cells.
        routes: The trafficking graph skeleton.
    """

    geo: RegionalGrid
    shape: tuple[int, int]
    country: np.ndarray
    state: np.ndarray
    agent_land: np.ndarray
    population: np.ndarray
    ruggedness: np.ndarray
    neighbours: np.ndarray
    neighbour_count: np.ndarray
    capitals: dict[str, int]
    places: dict[str, int]
    regions: dict[str, np.ndarray]
    routes: RouteSkeleton

    @property
    def n_cells(self) -> int:
        """Number of cells in the raster."""
        return self.shape[0] * self.shape[1]

    def state_cells(self, iso3: str) -> np.ndarray:
        """Flat indices of a study state's land cells."""
        return np.flatnonzero(self.state == STUDY_STATES.index(iso3))

    def neighbour_mean(self, values: np.ndarray) -> np.ndarray:
        """Mean of each cell's on-grid Moore neighbours (vectorised).

        The eight shifted views of a zero-padded copy are added in the pairwise order
        numpy uses to sum a row of eight, so the result is bit-for-bit that of summing
        the gathered ``(n_cells, 8)`` neighbour table, at a seventh of the cost.
        """
        nx, ny = self.shape
        padded = np.zeros((nx + 2, ny + 2))
        padded[1:-1, 1:-1] = values.reshape(self.shape)
        s = [padded[1 + dx: 1 + dx + nx, 1 + dy: 1 + dy + ny] for dx, dy in MOORE]
        total = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
        return total.ravel() / self.neighbour_count


def _neighbour_table(nx: int, ny: int) -> np.ndarray:
    ix, iy = np.divmod(np.arange(nx * ny), ny)
    table = np.full((nx * ny, len(MOORE)), -1, dtype=np.int64)
    for k, (dx, dy) in enumerate(MOORE):
        jx, jy = ix + dx, iy + dy
        ok = (jx >= 0) & (jx < nx) & (jy >= 0) & (jy < ny)
        table[ok, k] = jx[ok] * ny + jy[ok]
    return table


def _haversine_km(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray):
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(a))


def pair_code(a: int, b: int, n_codes: int) -> int:
    """Order-free code of a pair of country indices (for border lookups)."""
    lo, hi = min(a, b), max(a, b)
    return lo * n_codes + hi


def _centres(geo: RegionalGrid) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude of every cell centre, flat."""
    lon = np.repeat(geo.lon_centers[:, None], geo.height, axis=1).ravel()
    lat = np.repeat(geo.lat_centers[None, :], geo.width, axis=0).ravel()
    return lon, lat


def _near(geo: RegionalGrid, cells: np.ndarray, of: np.ndarray, km: float) -> np.ndarray:
    """Cells of ``cells`` within ``km`` (centre to centre) of any cell of ``of``."""
    lon, lat = _centres(geo)
    out = np.zeros(cells.size, dtype=bool)
    targets = np.flatnonzero(of)
    for i in np.flatnonzero(cells):
        d = _haversine_km(lon[i], lat[i], lon[targets], lat[targets])
        out[i] = d.min() <= km
    return out


def _route_skeleton(geo: RegionalGrid, country: np.ndarray, neighbours: np.ndarray):
    codes = geo.country_codes
    route_idx = [codes.index(c) for c in ROUTE_COUNTRIES if c in codes]
    is_node = np.isin(country, route_idx)
    cells = np.flatnonzero(is_node)
    node_of = np.full(country.size, -1, dtype=np.int64)
    node_of[cells] = np.arange(cells.size)

    nbr = neighbours[cells]  # (n_nodes, 8) cells
    nbr_node = np.where(nbr >= 0, node_of[np.where(nbr >= 0, nbr, 0)], -1)
    rows, cols = np.nonzero(nbr_node >= 0)
    src = rows.astype(np.int64)
    dst = nbr_node[rows, cols]
    order = np.lexsort((dst, src))
    src, dst = src[order], dst[order]

    lon, lat = _centres(geo)
    a, b = cells[src], cells[dst]
    length = _haversine_km(lon[a], lat[a], lon[b], lat[b])
    ca, cb = country[a], country[b]
    crossing = np.where(ca != cb, np.minimum(ca, cb) * len(codes) + np.maximum(ca, cb), -1)

    exit_nodes: dict[str, np.ndarray] = {}
    for name, iso3 in EXITS.items():
        if iso3 not in codes:
            exit_nodes[name] = np.empty(0, dtype=np.int64)
            continue
        target = codes.index(iso3)
        touches = (np.where(nbr >= 0, country[np.where(nbr >= 0, nbr, 0)], -1) == target).any(1)
        exit_nodes[name] = np.flatnonzero(touches)
    return RouteSkeleton(cells, src, dst, length, crossing, exit_nodes)


#: The grid on which ruggedness is measured (degrees): the finest one shipped.
RUGGEDNESS_GRID = 0.25


def _ruggedness(geo: RegionalGrid, resolution: float) -> np.ndarray:
    """Elevation sd per cell, measured within 0.25° cells and averaged over coarser ones.

    The sd of the elevations within a cell grows with the cell (a 0.5° cell holds whole
    valleys and ridges: its mean sd over Central Asia is 111 m against 66 m for its 0.25°
    cells), so a coarser grid would see the same ground as more rugged. Measured at one
    scale, the terrain's effects (on combat losses and on where bands go) are the same at
    every resolution (issue 17). The shipped grids are aligned: a 0.5° cell is 2 × 2
    cells of 0.25°.
    """
    if resolution == RUGGEDNESS_GRID:
        return np.asarray(geo.ruggedness, dtype=float).ravel()
    fine = RegionalGrid.load(RUGGEDNESS_GRID)
    k = round(resolution / RUGGEDNESS_GRID)
    if fine.width != geo.width * k or fine.height != geo.height * k:
        raise ValueError(f"the {resolution}° grid is not aligned with the "
                         f"{RUGGEDNESS_GRID}° grid")
    r = np.asarray(fine.ruggedness, dtype=float).reshape(geo.width, k, geo.height, k)
    return r.mean(axis=(1, 3)).ravel()


@lru_cache(maxsize=4)
def landscape(resolution: float) -> Landscape:
    """The static landscape at a resolution, built once per process."""
    geo = RegionalGrid.load(resolution)
    nx, ny = geo.width, geo.height
    country = np.asarray(geo.country, dtype=np.int64).ravel()
    codes = geo.country_codes
    state = np.full(country.size, -1, dtype=np.int64)
    for k, iso3 in enumerate(STUDY_STATES):
        state[country == codes.index(iso3)] = k
    agent_land = np.isin(country, [codes.index(c) for c in STUDY_STATES if c in codes])
    if "PAK" in codes:  # only the border belt of Pakistan is sanctuary
        agent_land |= _near(geo, country == codes.index("PAK"), country == codes.index("AFG"),
                            SANCTUARY_KM)
    neighbours = _neighbour_table(nx, ny)
    neighbour_count = np.maximum((neighbours >= 0).sum(axis=1), 1).astype(float)

    def cell(lon: float, lat: float) -> int:
        ix, iy = geo.cell_of(lon, lat)
        return ix * ny + iy

    capitals = {iso3: cell(c.lon, c.lat) for iso3, c in CAPITALS.items()}
    places = {name: cell(lon, lat) for name, (lon, lat) in PLACES.items()}
    places.update({c.name: capitals[iso3] for iso3, c in CAPITALS.items()})
    regions = {name: np.flatnonzero(np.asarray(geo.region_mask(name)).ravel())
               for name in REGIONS}
    for arr in (country, state, agent_land, neighbours, neighbour_count):
        arr.setflags(write=False)  # shared by every run in the process
    return Landscape(
        geo=geo,
        shape=(nx, ny),
        country=country,
        state=state,
        agent_land=agent_land,
        population=np.asarray(geo.population, dtype=float).ravel(),
        ruggedness=_ruggedness(geo, resolution),
        neighbours=neighbours,
        neighbour_count=neighbour_count,
        capitals=capitals,
        places=places,
        regions=regions,
        routes=_route_skeleton(geo, country, neighbours),
    )


__all__ = ["EXITS", "MOORE", "SANCTUARY_KM", "Landscape", "landscape"]
