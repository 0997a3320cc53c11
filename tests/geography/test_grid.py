"""Facts the committed rasters must get right, checked against the real map."""

from __future__ import annotations

import numpy as np
import pytest

from stability_sim.geography import (
    CAPITALS,
    CONTEXT_STATES,
    LAYERS,
    PLACES,
    REGIONS,
    STUDY_STATES,
    RegionalGrid,
)

RESOLUTIONS = (0.25, 0.5)
SHAPES = {0.25: (168, 108), 0.5: (84, 54)}

#: Cells per study state at 0.5° expected by MODEL.md §2.
MODEL_CELLS_0P5 = {"AFG": 258, "TJK": 58, "KGZ": 84, "UZB": 189, "TKM": 196, "KAZ": 1323}

#: Mid-2013 national populations the build distributes (WPP 2012), people.
NATIONAL_2013 = {"AFG": 30_552_000, "TJK": 8_208_000, "KGZ": 5_548_000,
                 "UZB": 28_934_000, "TKM": 5_240_000, "KAZ": 16_441_000}

#: Regions and the countries their cells may belong to.
REGION_COUNTRIES = {
    "fergana_valley": {"UZB", "KGZ", "TJK"},
    "tajik_afghan_border": {"TJK"},
    "osh": {"KGZ"},
    "northern_afghanistan": {"AFG"},
    "nuristan_kunar": {"AFG"},
    "kabul": {"AFG"},
    "southern_afghanistan": {"AFG"},
    "eastern_afghanistan": {"AFG"},
}


def cell_area_km2(grid: RegionalGrid) -> np.ndarray:
    """Spherical area of every cell, (nx, ny)."""
    r = 6371.0088
    edges = np.radians(grid.lat_min + np.arange(grid.height + 1) * grid.resolution)
    row = r**2 * np.radians(grid.resolution) * np.diff(np.sin(edges))
    return np.broadcast_to(row[None, :], (grid.width, grid.height))


@pytest.fixture(params=RESOLUTIONS, ids=["0.25", "0.5"])
def grid(request: pytest.FixtureRequest) -> RegionalGrid:
    return RegionalGrid.load(request.param)


@pytest.mark.parametrize(
    ("city", "lon", "lat", "iso3"),
    [
        ("Tashkent", 69.24, 41.31, "UZB"),
        ("Dushanbe", 68.78, 38.56, "TJK"),
        ("Kabul", 69.17, 34.53, "AFG"),
        ("Bishkek", 74.59, 42.87, "KGZ"),
        ("Ashgabat", 58.38, 37.95, "TKM"),
        ("Almaty", 76.95, 43.24, "KAZ"),
    ],
)
def test_city_lies_in_its_country(grid: RegionalGrid, city: str, lon: float, lat: float,
                                  iso3: str) -> None:
    assert grid.country_at(lon, lat) == iso3, city


def test_capitals_lie_in_their_countries(grid: RegionalGrid) -> None:
    assert set(CAPITALS) == set(STUDY_STATES)
    for iso3, capital in CAPITALS.items():
        assert grid.country_at(capital.lon, capital.lat) == iso3, capital.name


def test_all_places_are_on_the_grid(grid: RegionalGrid) -> None:
    for name, (lon, lat) in PLACES.items():
        grid.cell_of(lon, lat)  # raises outside the extent
        assert grid.country_at(lon, lat), f"{name} falls on water"


def test_pamir_is_high() -> None:
    grid = RegionalGrid.load(0.25)
    lon, lat = grid.lon_centers[:, None], grid.lat_centers[None, :]
    pamir = grid.country_mask("TJK") & (lon > 72.5) & (lat >= 37.0) & (lat <= 39.5)
    assert pamir.sum() >= 30
    assert grid.elev_mean[pamir].mean() > 3500
    assert grid.ruggedness[pamir].mean() > grid.ruggedness[grid.country_mask("UZB")].mean()


def test_fergana_is_low_and_dense() -> None:
    grid = RegionalGrid.load(0.25)
    fergana = grid.region_mask("fergana_valley")
    assert grid.elev_mean[fergana].mean() < 1000
    area = cell_area_km2(grid)
    three = np.isin(grid.country, [grid.country_index(c) for c in ("UZB", "KGZ", "TJK")])
    density = grid.population[fergana].sum() / area[fergana].sum()
    average = grid.population[three].sum() / area[three].sum()
    assert density > 2 * average


def test_fergana_is_ringed_by_mountains() -> None:
    grid = RegionalGrid.load(0.25)
    # The valley floor near Fergana city, the Chatkal range north-west, the Alay south.
    floor = grid.elev_mean[grid.cell_of(71.8, 40.75)]
    north = grid.elev_mean[grid.cell_of(71.3, 41.8)]
    south = grid.elev_mean[grid.cell_of(71.8, 39.6)]
    assert floor < 1000 < 2000 < min(north, south)


def test_cell_counts_match_model() -> None:
    grid = RegionalGrid.load(0.5)
    for iso3, expected in MODEL_CELLS_0P5.items():
        count = int(grid.country_mask(iso3).sum())
        assert abs(count - expected) <= 0.10 * expected, (iso3, count, expected)


def test_cell_counts_scale_with_resolution() -> None:
    fine, coarse = RegionalGrid.load(0.25), RegionalGrid.load(0.5)
    for iso3 in STUDY_STATES:
        ratio = fine.country_mask(iso3).sum() / coarse.country_mask(iso3).sum()
        assert 3.5 < ratio < 4.5, (iso3, ratio)


def test_caspian_and_aral_are_water(grid: RegionalGrid) -> None:
    for lon, lat in ((51.0, 42.0), (50.0, 45.0), (51.5, 38.5), (59.6, 45.1)):
        cell = grid.cell_of(lon, lat)
        assert grid.water[cell], (lon, lat)
        assert grid.country_at(lon, lat) == ""
    assert not grid.water[grid.cell_of(69.24, 41.31)]
    np.testing.assert_array_equal(grid.water, grid.country == 0)


def test_inhabited_land_is_populated(grid: RegionalGrid) -> None:
    for iso3 in (*STUDY_STATES, *CONTEXT_STATES):
        people = grid.population[grid.country_mask(iso3)]
        assert (people > 0).all(), iso3
    assert (grid.population[grid.water] == 0).all()
    assert (grid.population >= 0).all()


def test_study_state_populations_match_2013(grid: RegionalGrid) -> None:
    for iso3, national in NATIONAL_2013.items():
        total = float(grid.population[grid.country_mask(iso3)].sum(dtype=np.float64))
        assert abs(total - national) < 0.03 * national, (iso3, total)


def test_layers_have_mesa_shape_and_are_read_only(grid: RegionalGrid) -> None:
    shape = SHAPES[grid.resolution]
    assert (grid.width, grid.height) == shape
    assert grid.lon_centers.shape == (shape[0],)
    assert grid.lat_centers.shape == (shape[1],)
    for name in LAYERS:
        layer = getattr(grid, name)
        assert layer.shape == shape, name
        with pytest.raises(ValueError):
            layer[0, 0] = 0
    assert grid.country_codes[0] == ""
    assert grid.water.dtype == bool and grid.border.dtype == bool


def test_axes_run_west_to_east_and_south_to_north(grid: RegionalGrid) -> None:
    # Kazakhstan lies north of Afghanistan, China east of the Caspian.
    assert grid.cell_of(71.4, 51.2)[1] > grid.cell_of(69.2, 34.5)[1]
    kaz, afg = grid.country_mask("KAZ"), grid.country_mask("AFG")
    assert np.nonzero(kaz)[1].mean() > np.nonzero(afg)[1].mean()
    assert np.nonzero(grid.country_mask("CHN"))[0].mean() > np.nonzero(grid.water)[0].mean()


def test_cell_lookup_round_trips(grid: RegionalGrid) -> None:
    for ix, iy in ((0, 0), (grid.width - 1, grid.height - 1), (17, 9)):
        lon, lat = grid.cell_center(ix, iy)
        assert grid.cell_of(lon, lat) == (ix, iy)
    assert grid.cell_of(grid.lon_max, grid.lat_max) == (grid.width - 1, grid.height - 1)
    for lon, lat in ((45.9, 40.0), (60.0, 56.1), (88.5, 40.0), (60.0, 28.0)):
        with pytest.raises(ValueError):
            grid.cell_of(lon, lat)
    with pytest.raises(ValueError):
        grid.cell_center(grid.width, 0)


@pytest.mark.parametrize("resolution", [0.3, 1.0, 0.0, "fine", None])
def test_other_resolutions_are_rejected(resolution: object) -> None:
    with pytest.raises(ValueError, match=r"0\.25 or 0\.5"):
        RegionalGrid.load(resolution)  # type: ignore[arg-type]


def test_load_is_cached() -> None:
    assert RegionalGrid.load(0.25) is RegionalGrid.load(0.25)
    assert RegionalGrid.load(0.5) is RegionalGrid.load(0.50)
    assert RegionalGrid.load() is RegionalGrid.load(0.25)


def test_unknown_names_raise(grid: RegionalGrid) -> None:
    with pytest.raises(ValueError, match="FRA"):
        grid.country_mask("FRA")
    with pytest.raises(ValueError, match="atlantis"):
        grid.region_mask("atlantis")


@pytest.mark.parametrize("name", sorted(REGION_COUNTRIES))
def test_region_nonempty_and_in_its_countries(grid: RegionalGrid, name: str) -> None:
    assert set(REGIONS) == set(REGION_COUNTRIES)
    mask = grid.region_mask(name)
    assert mask.shape == (grid.width, grid.height)
    assert mask.any(), name
    countries = {grid.country_codes[k] for k in np.unique(grid.country[mask])}
    assert countries <= REGION_COUNTRIES[name], (name, countries)


def test_regions_sit_where_they_should(grid: RegionalGrid) -> None:
    def centre(name: str) -> tuple[float, float]:
        ix, iy = np.nonzero(grid.region_mask(name))
        return float(grid.lon_centers[ix].mean()), float(grid.lat_centers[iy].mean())

    assert grid.region_mask("kabul")[grid.cell_of(69.17, 34.53)]
    lon, lat = centre("northern_afghanistan")
    assert lat > 36.0 and 64.0 < lon < 71.0
    lon, lat = centre("tajik_afghan_border")
    assert 36.5 < lat < 38.5 and lon > 68.5
    lon, lat = centre("nuristan_kunar")
    assert lon > 70.3 and lat < 36.0
    assert not (grid.region_mask("northern_afghanistan") & grid.region_mask("kabul")).any()


def test_border_flags_match_the_country_layer(grid: RegionalGrid) -> None:
    c = grid.country.astype(int)
    nx, ny = c.shape
    inner = c[1:-1, 1:-1]
    other = np.zeros(inner.shape, dtype=bool)
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            nb = c[1 + dx : nx - 1 + dx, 1 + dy : ny - 1 + dy]
            other |= (nb > 0) & (nb != inner)
    np.testing.assert_array_equal(grid.border[1:-1, 1:-1], other & (inner > 0))


def test_border_distance(grid: RegionalGrid) -> None:
    land = ~grid.water
    assert (grid.border_dist_km[grid.border] == 0).all()
    assert (grid.border_dist_km[land & ~grid.border] > 0).all()
    assert grid.border_dist_km[grid.cell_of(69.24, 41.31)] < 60  # Tashkent
    assert grid.border_dist_km[grid.cell_of(68.0, 48.0)] > 300  # central Kazakhstan
    assert grid.border_dist_km.max() < 1500


def test_summary(grid: RegionalGrid) -> None:
    summary = grid.summary()
    assert summary["resolution"] == grid.resolution
    assert set(summary["cells per study state"]) == set(STUDY_STATES)
    assert summary["land cells"] + summary["water cells"] == grid.width * grid.height
    assert 3.0e8 < summary["population"] < 4.5e8


def test_metadata_credits_sources(grid: RegionalGrid) -> None:
    text = str(grid.meta).lower()
    for needle in ("geonames", "natural earth", "etopo5", "cc-by"):
        assert needle in text
