"""The rules that make a 0.25° and a 0.5° grid see the same ground (issue 17), on arrays.

Each rule is checked alone: footprints in degrees (boxes with partial edge cells, smooth
Gaussians in km), places picked a distance apart, ruggedness measured at one scale, the
combat caps in counts, and the sanctuary that feeds its theatre. Where a rule replaced a
per-cell one, a test shows the old rule failing the same check.
"""

from __future__ import annotations

import numpy as np
import pytest

from stability_sim.agents.jihadists import NETWORKS, crossing_cells
from stability_sim.agents.security import (
    Footprint,
    box,
    box_weights,
    engage,
    gaussian,
    gaussian_weights,
    spread,
)
from stability_sim.landscape import landscape
from stability_sim.world import spaced_cells
from tests.agents.test_network_rules import band, network

RATES = dict(detection_coeff=0.01, insurgent_loss_rate=0.001, force_loss_rate=0.01,
             terrain_factor=0.0, collateral_rate=0.02, engaged_per_fighter=10.0)


@pytest.mark.parametrize("reach", [0.25, 0.5, 0.75, 1.0])
def test_a_box_covers_the_same_degrees_at_both_resolutions(reach: float) -> None:
    # Width in degrees = (share of each cell covered, summed) x cell size.
    widths = []
    for res in (0.25, 0.5):
        w = box_weights(res, reach)
        assert w.sum() == pytest.approx(1.0) and w.size % 2 == 1
        widths.append(res * w.sum() / w.max())
    assert widths[0] == pytest.approx(0.25 + 2 * reach)
    assert widths[1] == pytest.approx(widths[0])


def test_a_box_of_whole_cells_at_025_is_uniform_and_partial_at_05() -> None:
    assert box(0.25, 0.5).uniform and box(0.25, 0.5).wx.size == 5
    coarse = box(0.5, 0.5)
    assert not coarse.uniform
    assert coarse.wx == pytest.approx(np.array([0.75, 1.0, 0.75]) / 2.5)


def test_the_old_rounded_radius_gave_05_more_ground() -> None:
    # radius = round(reach / resolution) cells: 5 cells of 0.25° but 3 of 0.5°.
    old = [res * (2 * max(1, round(0.5 / res)) + 1) for res in (0.25, 0.5)]
    assert old[1] / old[0] == pytest.approx(1.2)  # 44 % more area


def test_gaussian_weights_keep_mass_and_their_spread() -> None:
    w = gaussian_weights(1.7)
    k = np.arange(w.size) - w.size // 2
    assert w.sum() == pytest.approx(1.0)
    assert np.sqrt((w * k ** 2).sum()) == pytest.approx(1.7, rel=0.02)
    assert gaussian_weights(0.0).tolist() == [1.0]


def _two_grids(fp_fine: Footprint, fp_coarse: Footprint, seed: int = 3
               ) -> tuple[np.ndarray, np.ndarray]:
    """The same deposits spread on a fine grid and on the grid of twice its cells.

    Both as densities per fine cell of area (a coarse cell is 4 of them), one value per
    cell: a share of the cells is a share of the area on either grid.
    """
    rng = np.random.default_rng(seed)
    fine = np.zeros((40, 40))
    xs, ys = rng.integers(8, 32, 12), rng.integers(8, 32, 12)
    fine[xs, ys] = rng.random(12) * 100
    coarse = fine.reshape(20, 2, 20, 2).sum(axis=(1, 3))
    return (spread(fine.ravel(), fine.shape, fp_fine),
            spread(coarse.ravel(), coarse.shape, fp_coarse) / 4.0)


def _gaps(fine: np.ndarray, coarse: np.ndarray) -> tuple[float, float]:
    """Difference in the share of the area with any presence (above 1 % of the peak),
    and relative difference of the 90th percentile of presence over the area."""
    top = max(fine.max(), coarse.max())
    support = abs(np.mean(fine > 0.01 * top) - np.mean(coarse > 0.01 * top))
    q_f, q_c = np.quantile(fine, 0.9), np.quantile(coarse, 0.9)
    return float(support), float(abs(q_f - q_c) / q_f)


def test_smooth_footprints_give_the_same_presence_at_both_resolutions() -> None:
    support, high = _gaps(*_two_grids(gaussian(0.25, 30.0), gaussian(0.5, 30.0)))
    assert support < 0.01 and high < 0.05


def test_the_old_rounded_boxes_did_not() -> None:
    # radius round(0.5° / resolution): 5 cells of 0.25°, 3 of 0.5°.
    whole = lambda r: Footprint(np.full(2 * r + 1, 1 / (2 * r + 1)),  # noqa: E731
                                np.full(2 * r + 1, 1 / (2 * r + 1)))
    support, high = _gaps(*_two_grids(whole(2), whole(1)))
    assert support > 0.03 and high > 0.2


def test_spaced_cells_keep_their_distance_in_rank_order() -> None:
    ny = 10
    ranked = np.array([55, 56, 45, 58, 75, 12, 99])  # (5,5) (5,6) (4,5) (5,8) (7,5) ...
    assert spaced_cells(ranked, 4, ny=ny, spacing=2).tolist() == [55, 58, 75, 12]
    assert spaced_cells(ranked, 3, ny=ny, spacing=1).tolist() == [55, 56, 45]
    assert spaced_cells(ranked, 10, ny=ny, spacing=9).tolist() == [55]


def test_ruggedness_is_measured_within_025_cells_at_both_resolutions() -> None:
    fine, coarse = landscape(0.25), landscape(0.5)
    want = fine.ruggedness.reshape(fine.shape[0] // 2, 2, fine.shape[1] // 2, 2).mean(
        axis=(1, 3)).ravel()
    assert np.array_equal(coarse.ruggedness, want)
    # The sd within whole 0.5° cells (what the 0.5° grid used to read) is far larger.
    assert coarse.geo.ruggedness.mean() > 1.5 * want.mean()


def test_combat_caps_compare_troops_with_fighters_at_every_cell_size() -> None:
    one = lambda x: np.array([x], dtype=float)  # noqa: E731
    # The same density of troops (2 per 0.25°-cell) over a 0.5° cell (area 4): 8 troops.
    small = engage(one(2.0), one(1_000.0), one(0.5), one(0.0), **RATES, area=1.0)
    large = engage(one(2.0), one(1_000.0), one(0.5), one(0.0), **RATES, area=4.0)
    assert small.force_losses[0] == pytest.approx(2.0)  # every troop there, no more
    assert large.force_losses[0] == pytest.approx(8.0)
    assert large.collateral[0] == pytest.approx(4 * small.collateral[0])


def test_reinforcements_from_the_sanctuary_cross_into_the_theatre() -> None:
    net = network("taliban", **{"jihadists.taliban.sanctuary_inflow": 2_000.0})
    world = net.world
    cells = crossing_cells(world, "PAK", "AFG", net.reach)
    assert cells.size > 0
    assert all(world.country_iso3(c) == "AFG" for c in cells)
    # Each touches Pakistan.
    nb = world.land.neighbours[cells]
    assert all(any(world.country_iso3(n) == "PAK" for n in row if n >= 0) for row in nb)
    net.capacity = 1.0
    net.regenerate()
    assert len(net.cells) == 2_000 // net.pars.jihadists.net("taliban").cell_size
    assert {c.cell_index for c in net.cells.values()} <= set(cells.tolist())


def test_a_band_in_the_sanctuary_recruits_nothing_and_holds_no_ground() -> None:
    spec = next(s for s in NETWORKS if s.key == "taliban")
    assert spec.theatre == "AFG" and spec.sanctuary == "PAK"
    net = network("taliban", **{"jihadists.move_probability": 1.0})
    world = net.world
    world.fields.grievance[:] = 0.5
    world.fields.control[:] = 0.0  # the insurgents hold everything
    net.capacity = 1.0
    net.annual_income = 0.0
    # The most populous places on each side (few fighters: far from the recruitment pool).
    pak_cells = np.flatnonzero(net.reach * (world.land.country == world.codes.index("PAK")))
    pak = int(pak_cells[np.argmax(world.population[pak_cells])])
    afg_cells = world.territory["AFG"]
    afg = int(afg_cells[np.argmax(world.population[afg_cells])])
    there, here = band(net, pak, 20.0), band(net, afg, 20.0)
    net.recruit()
    assert there.fighters == 20.0 and here.fighters > 20.5
    # Holding ground: a band on ground its network holds stays (hold_ground 0.8 of the
    # time); in the sanctuary it has none to hold.
    moved = {"sanctuary": 0, "theatre": 0}
    for _ in range(300):
        for name, member, start in (("sanctuary", there, pak), ("theatre", here, afg)):
            member.cell = world.cell_at(start)
            net.new_month()
            member.move()
            moved[name] += member.cell_index != start
    assert moved["sanctuary"] > 2 * moved["theatre"]
