"""The regional raster the model runs on, loaded from the committed ``.npz`` with numpy only.

:class:`RegionalGrid` owns the static cell layers (country, elevation, ruggedness,
population, water, borders) at 0.25° or 0.5°, lookups between coordinates and cells,
and the evaluation of the named regions of :mod:`stability_sim.geography.regions`.
Every layer has shape ``(nx, ny)`` = (lon cells, lat cells) and is indexed ``[ix, iy]``
with ``ix`` from the west edge and ``iy`` from the south edge, as Mesa's
``OrthogonalGrid`` and ``PropertyLayer`` expect. Layers are read-only: a grid is loaded
once per process and shared.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from stability_sim.geography.regions import REGIONS, STUDY_STATES

#: Resolutions with a committed raster, degrees, and their file names.
RESOLUTIONS: dict[float, str] = {0.25: "grid_0p25.npz", 0.5: "grid_0p5.npz"}

#: The cell layers of every raster, in file order.
LAYERS: tuple[str, ...] = (
    "country",
    "elev_mean",
    "elev_min",
    "elev_max",
    "ruggedness",
    "population",
    "water",
    "border",
    "border_dist_km",
)

EARTH_RADIUS_KM = 6371.0088


def _haversine_km(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> Any:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = (np.sin((p2 - p1) / 2) ** 2
         + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _resolution_key(resolution: object) -> float:
    try:
        value = float(resolution)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = math.nan
    for key in RESOLUTIONS:
        if math.isclose(value, key, rel_tol=0.0, abs_tol=1e-9):
            return key
    choices = " or ".join(str(k) for k in RESOLUTIONS)
    raise ValueError(f"grid resolution must be {choices} degrees, got {resolution!r}")


@lru_cache(maxsize=len(RESOLUTIONS))
def _load(key: float) -> RegionalGrid:
    ref = resources.files("stability_sim.geography").joinpath("data", RESOLUTIONS[key])
    with ref.open("rb") as fh, np.load(fh, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    return RegionalGrid(arrays)


class RegionalGrid:
    """Static cell layers of the study region at one resolution.

    Build one with :meth:`load`; the constructor takes the raw arrays of a raster file.

    Attributes:
        resolution: Cell size, degrees.
        lon_min: Western edge, degrees east.
        lon_max: Eastern edge.
        lat_min: Southern edge, degrees north.
        lat_max: Northern edge.
        width: Cells along longitude (``nx``).
        height: Cells along latitude (``ny``).
        country_codes: ISO3 code per country index; entry 0 is ``""`` (no country/water).
        country: Country index per cell (uint8).
        elev_mean: Mean ETOPO5 elevation, m (int16; bathymetry on water).
        elev_min: Minimum ETOPO5 elevation, m.
        elev_max: Maximum ETOPO5 elevation, m.
        ruggedness: Standard deviation of ETOPO5 elevations in the cell, m.
        population: People per cell, around 2013 (float32; 0 on water).
        water: Caspian, Persian Gulf and large lakes (bool).
        border: Land cell with a Moore neighbour in another country (bool).
        border_dist_km: Great-circle km from the cell centre to the nearest border cell
            of its own country (0 on border cells and on water).
        lon_centers: Longitude of each column's cell centres, shape ``(nx,)``.
        lat_centers: Latitude of each row's cell centres, shape ``(ny,)``.
        meta: Build metadata (sources, versions, methods), parsed from the file.
    """

    resolution: float
    lon_min: float
    lon_max: float
    lat_min: float
    lat_max: float
    width: int
    height: int
    country_codes: tuple[str, ...]
    country: np.ndarray
    elev_mean: np.ndarray
    elev_min: np.ndarray
    elev_max: np.ndarray
    ruggedness: np.ndarray
    population: np.ndarray
    water: np.ndarray
    border: np.ndarray
    border_dist_km: np.ndarray
    lon_centers: np.ndarray
    lat_centers: np.ndarray
    meta: dict[str, Any]

    def __init__(self, arrays: dict[str, np.ndarray]):
        missing = [name for name in (*LAYERS, "country_codes", "resolution", "extent")
                   if name not in arrays]
        if missing:
            raise ValueError(f"raster file lacks {', '.join(missing)}")
        self.resolution = float(arrays["resolution"])
        self.lon_min, self.lon_max, self.lat_min, self.lat_max = (
            float(v) for v in arrays["extent"])
        self.country_codes = tuple(str(c) for c in arrays["country_codes"])
        for name in LAYERS:
            layer = np.array(arrays[name])
            layer.setflags(write=False)
            setattr(self, name, layer)
        self.width, self.height = self.country.shape
        self.lon_centers = self.lon_min + (np.arange(self.width) + 0.5) * self.resolution
        self.lat_centers = self.lat_min + (np.arange(self.height) + 0.5) * self.resolution
        self.lon_centers.setflags(write=False)
        self.lat_centers.setflags(write=False)
        meta = arrays.get("meta_json")
        self.meta = json.loads(str(meta)) if meta is not None else {}
        self._regions: dict[str, np.ndarray] = {}

    @classmethod
    def load(cls, resolution: float = 0.25) -> RegionalGrid:
        """The committed raster at ``resolution`` (0.25 or 0.5 degrees), cached per process.

        Raises:
            ValueError: For any other resolution.
        """
        return _load(_resolution_key(resolution))

    def __repr__(self) -> str:
        return (f"RegionalGrid(resolution={self.resolution}, shape=({self.width}, "
                f"{self.height}), lon {self.lon_min}-{self.lon_max}, "
                f"lat {self.lat_min}-{self.lat_max})")

    # ------------------------------------------------------------------ lookups

    def cell_of(self, lon: float, lat: float) -> tuple[int, int]:
        """``(ix, iy)`` of the cell holding a point; the east/north edges are included.

        Raises:
            ValueError: If the point lies outside the extent.
        """
        if not (self.lon_min <= lon <= self.lon_max and self.lat_min <= lat <= self.lat_max):
            raise ValueError(
                f"({lon}, {lat}) lies outside the grid (lon {self.lon_min}-{self.lon_max}, "
                f"lat {self.lat_min}-{self.lat_max})")
        ix = min(math.floor((lon - self.lon_min) / self.resolution), self.width - 1)
        iy = min(math.floor((lat - self.lat_min) / self.resolution), self.height - 1)
        return ix, iy

    def cell_center(self, ix: int, iy: int) -> tuple[float, float]:
        """``(lon, lat)`` of a cell's centre.

        Raises:
            ValueError: If the cell is off the grid.
        """
        if not (0 <= ix < self.width and 0 <= iy < self.height):
            raise ValueError(f"cell ({ix}, {iy}) is off the {self.width}x{self.height} grid")
        return float(self.lon_centers[ix]), float(self.lat_centers[iy])

    def country_index(self, iso3: str) -> int:
        """Index of ``iso3`` in :attr:`country_codes` (0 is no country).

        Raises:
            ValueError: If the country has no cell in the extent.
        """
        try:
            return self.country_codes.index(iso3)
        except ValueError:
            known = ", ".join(c for c in self.country_codes if c)
            raise ValueError(f"no country {iso3!r} on the grid; known: {known}") from None

    def country_at(self, lon: float, lat: float) -> str:
        """ISO3 code of the cell holding a point, ``""`` on water."""
        return self.country_codes[int(self.country[self.cell_of(lon, lat)])]

    def country_mask(self, iso3: str) -> np.ndarray:
        """Boolean ``(nx, ny)`` mask of a country's cells."""
        return self.country == self.country_index(iso3)

    # ------------------------------------------------------------------ regions

    def region_mask(self, name: str) -> np.ndarray:
        """Boolean ``(nx, ny)`` mask of a named region of :data:`~.regions.REGIONS`.

        Raises:
            ValueError: For an unknown region name.
        """
        if name not in self._regions:
            if name not in REGIONS:
                raise ValueError(f"unknown region {name!r}; known: {', '.join(REGIONS)}")
            mask = self._evaluate(name)
            mask.setflags(write=False)
            self._regions[name] = mask
        return self._regions[name]

    def _evaluate(self, name: str) -> np.ndarray:
        rule = REGIONS[name]
        lon = self.lon_centers[:, None]
        lat = self.lat_centers[None, :]
        in_box = np.zeros((self.width, self.height), dtype=bool)
        for lon0, lon1, lat0, lat1 in rule.boxes:
            in_box |= (lon >= lon0) & (lon <= lon1) & (lat >= lat0) & (lat <= lat1)
        codes = [self.country_index(c) for c in rule.countries]
        mask = in_box & np.isin(self.country, codes)
        if rule.max_elev_m is not None:
            mask &= self.elev_mean <= rule.max_elev_m
        if rule.near is not None:
            iso3, km = rule.near
            tx, ty = np.nonzero(self.country_mask(iso3))
            cx, cy = np.nonzero(mask)
            if tx.size and cx.size:
                d = _haversine_km(self.lon_centers[cx][:, None], self.lat_centers[cy][:, None],
                                  self.lon_centers[tx][None, :], self.lat_centers[ty][None, :])
                mask[cx, cy] = d.min(axis=1) <= km
            else:
                mask[:] = False
        return mask

    # ------------------------------------------------------------------ summary

    def summary(self) -> dict[str, Any]:
        """Headline facts for a command line: resolution, shape, cells and people."""
        counts = np.bincount(self.country.ravel(), minlength=len(self.country_codes))
        return {
            "resolution": self.resolution,
            "shape (nx, ny)": f"{self.width} x {self.height}",
            "extent": f"lon {self.lon_min:g}-{self.lon_max:g}E, "
                      f"lat {self.lat_min:g}-{self.lat_max:g}N",
            "cells per study state": {c: int(counts[self.country_index(c)])
                                      for c in STUDY_STATES},
            "land cells": int((~self.water).sum()),
            "water cells": int(self.water.sum()),
            "population": round(float(self.population.sum(dtype=np.float64))),
        }


__all__ = ["LAYERS", "RESOLUTIONS", "RegionalGrid"]
