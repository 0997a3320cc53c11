"""A jihadist network's rules on a World, with a bare Mesa model (not StabilityModel).

Mesa agents need a ``mesa.Model`` to register with; a plain one (and Mesa cells made for
the places used) is enough, so attacks, fees, losses, splitting and moves are checked
without building the stability model.
"""

from __future__ import annotations

import math

import mesa
import numpy as np
import pytest
from mesa.discrete_space import Cell

from stability_sim.agents.borders import Borders
from stability_sim.agents.jihadists import (
    NETWORKS,
    JihadistCell,
    JihadistNetwork,
    PowerLawSeverity,
    suffer_operations,
)
from stability_sim.agents.security import gaussian
from stability_sim.agents.states import paint_states
from stability_sim.agents.trafficking import RouteResult
from stability_sim.landscape import landscape
from stability_sim.ledger import Ledger
from stability_sim.params import Pars, resolve
from stability_sim.world import LAYERS, World


class Cells(dict):
    """Mesa cells made on first use, keyed by ``(ix, iy)``."""

    def __missing__(self, key: tuple[int, int]) -> Cell:
        cell = self[key] = Cell(key)
        return cell


def network(key: str, seed: int = 0, **sets: object) -> JihadistNetwork:
    """A network of the named kind on a 0.5° world, with no cells yet."""
    land = landscape(0.5)
    pars = Pars.of(resolve(dict(sets)))
    world = World(land, {name: np.zeros(land.n_cells) for name in LAYERS}, Cells(), 0.5)
    paint_states(world, pars)
    model = mesa.Model(rng=seed)
    model.ny = world.ny  # what a placed agent reads to index its cell
    spec = next(s for s in NETWORKS if s.key == key)
    return JihadistNetwork(model, world, pars, spec, ledger=Ledger(world),
                           borders=Borders(land, pars, 0.0),
                           severity=PowerLawSeverity(2.4, 500),
                           patrol=gaussian(0.5, 30.0))


def band(net: JihadistNetwork, place: int, fighters: float) -> JihadistCell:
    cell = JihadistCell(net.model, net, net.world.cell_at(place), fighters)
    net.add_cell(cell, None if not net.cells else next(iter(net.cells.values())))
    return cell


def attacks(net: JihadistNetwork, months: int = 200) -> int:
    for _ in range(months):
        net.ledger.roll_month()
        net.attack()
    return sum(net.ledger.total_attacks.values()) + sum(net.ledger.month_attacks.values())


def test_attacks_grow_with_fighters_and_are_foiled_by_intelligence() -> None:
    small, large, watched = network("imu"), network("imu"), network("imu")
    place = int(small.world.territory["TJK"][0])
    band(small, place, 20.0)
    band(large, place, 200.0)
    band(watched, place, 200.0)
    watched.world.fields.intel[place] = 0.9
    assert attacks(large) > attacks(small) > 0
    assert attacks(watched) < attacks(large) / 3


def test_non_violent_networks_never_attack() -> None:
    hut = network("hut")
    band(hut, int(hut.world.territory["UZB"][0]), 5_000.0)
    assert attacks(hut) == 0


def routes_through(world: World, cells: list[int], tons: float) -> RouteResult:
    """One route carrying ``tons`` through ``cells`` in order."""
    flow = np.zeros(world.n_cells)
    flow[cells] = tons
    down = np.full(world.n_cells, -1, dtype=np.int64)
    down[cells[:-1]] = cells[1:]
    return RouteResult(flow, np.zeros(world.n_cells), {}, down)


def test_fees_come_from_traffic_entering_the_cells_ground_and_are_smoothed() -> None:
    net = network("imu")
    place = int(net.world.territory["TJK"][0])
    band(net, place, 500.0)
    world = net.world
    net.collect_fees(routes_through(world, [], 0.0))
    assert net.funds == 0.0  # no traffic, no income
    # A route running through the band's cell and on through its neighbour: taxed once.
    nxt = int(world.land.neighbours[place][world.land.neighbours[place] >= 0][0])
    net.collect_fees(routes_through(world, [place, nxt], 100.0))
    j = net.pars.jihadists
    income = net.pars.trafficking.protection_fee * 100.0 / 1.0 / j.fee_scale
    assert net.funds == pytest.approx(income / j.funds_memory_months)


def test_a_network_paid_by_fees_is_bounded_by_them() -> None:
    net = network("imu")
    place = int(net.world.territory["TJK"][0])
    band(net, place, 500.0)
    p = net.pars
    c = p.jihadists.net("imu")
    # The chest starts by paying the force of 2010.
    assert net.affordable == pytest.approx(c.initial_fighters)
    # Years of 30 t a month through its ground: the chest settles to what the fees pay.
    routes = routes_through(net.world, [place], 30.0)
    for _ in range(120):
        net.collect_fees(routes)
    usd = 12 * (p.trafficking.protection_fee * p.jihadists.transit_price_usd_kg * 30_000
                + c.outside_usd_m * 1e6 / 12)
    assert net.affordable == pytest.approx(usd / c.fighter_cost_usd, rel=1e-3)
    assert net.headroom() == pytest.approx(max(0.0, 1 - net.fighters / net.affordable))
    # Without traffic only outside money is left, and the unpaid go home.
    dry = routes_through(net.world, [], 0.0)
    for _ in range(120):
        net.collect_fees(dry)
    assert net.fighters == pytest.approx(
        c.outside_usd_m * 1e6 / c.fighter_cost_usd, rel=0.05)
    # HuT pays no fighters: no bound.
    hut = network("hut")
    hut.collect_fees(routes)
    assert math.isinf(hut.affordable) and hut.headroom() == 1.0


def test_losses_are_shared_by_size_and_cost_capacity() -> None:
    net = network("taliban")
    place = int(net.world.territory["AFG"][0])
    a, b = band(net, place, 300.0), band(net, place, 100.0)
    f = net.world.fields
    f.fighters[place] = 400.0
    losses = np.zeros(net.world.n_cells)
    losses[place] = 40.0
    capacity = net.capacity
    suffer_operations(net, losses=losses, forces=np.ones(net.world.n_cells),
                      detection=np.zeros(net.world.n_cells),
                      arrests=np.zeros(net.world.n_cells))
    assert (a.fighters, b.fighters) == pytest.approx((270.0, 90.0))
    assert net.capacity == pytest.approx(
        capacity * (1 - net.pars.jihadists.exhaustion_per_loss * 40 / 400))


def test_sweeps_arrest_members_and_count_the_wrongly_arrested() -> None:
    hut = network("hut")
    place = int(hut.world.territory["UZB"][0])  # repression 1.0
    member = band(hut, place, 1_000.0)
    n = hut.world.n_cells
    arrests = np.zeros(n)
    suffer_operations(hut, losses=np.zeros(n), forces=np.ones(n), detection=np.full(n, 0.25),
                      arrests=arrests)
    sweep = 1_000.0 * hut.pars.jihadists.arrest_rate
    assert member.fighters == pytest.approx(1_000.0 - 0.25 * sweep)
    assert arrests[place] == pytest.approx(0.75 * sweep)


def test_large_cells_split_and_tiny_ones_dissolve() -> None:
    net = network("imu")
    size = net.pars.jihadists.net("imu").cell_size
    places = net.world.territory["TJK"]
    big = band(net, int(places[0]), 2.5 * size)
    tiny = band(net, int(places[5]), 1.0)
    net.split_and_dissolve()
    assert tiny.unique_id not in net.cells
    assert big.fighters == pytest.approx(1.25 * size)
    assert len(net.cells) == 2 and net.fighters == pytest.approx(2.5 * size)


def test_capacity_recovers_toward_one() -> None:
    net = network("imu")
    net.capacity = 0.5
    net.recover(36.0)
    assert net.capacity == pytest.approx(0.5 + 0.5 / 36)


def test_cells_move_toward_weak_security() -> None:
    net = network("imu", **{"jihadists.move_probability": 1.0})
    net.capacity = 1.0
    start = int(net.world.territory["TJK"][40])
    candidates = net.vision_cells(start)
    target = int(next(c for c in candidates if c != start
                      and net.world.country_iso3(c) == "TJK"))
    net.world.fields.security[:] = 1e6  # everywhere guarded ...
    net.world.fields.security[target] = 0.0  # ... but one cell
    cell = band(net, start, 100.0)
    arrived = 0
    for _ in range(50):
        cell.cell = net.world.cell_at(start)
        net.new_month()
        cell.move()
        arrived += cell.cell_index == target
    assert arrived >= 45


def test_central_asian_networks_find_refuge_but_no_recruits_in_pakistan() -> None:
    imu, taliban = network("imu"), network("taliban")
    pak = imu.world.land.country == imu.world.codes.index("PAK")
    tjk = imu.world.territory["TJK"]
    assert (imu.reach[pak] > 0).any()  # it may be there
    assert (imu.recruit_reach[pak] == 0).all()  # but recruits none of its hosts
    assert np.array_equal(imu.recruit_reach[tjk], imu.reach[tjk])
    assert np.array_equal(taliban.recruit_reach, taliban.reach)  # not a guest there


def test_emigration_takes_the_share_from_every_band() -> None:
    net = network("imu")
    places = net.world.territory["AFG"][:2]
    a, b = band(net, int(places[0]), 100.0), band(net, int(places[1]), 300.0)
    assert net.emigrate(0.01) == pytest.approx(4.0)
    assert (a.fighters, b.fighters) == pytest.approx((99.0, 297.0))
    assert net.emigrate(0.0) == 0.0 and a.fighters == pytest.approx(99.0)
