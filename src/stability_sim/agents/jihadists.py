"""Jihadist networks and their cells: recruitment, movement, infiltration, attacks.

A :class:`JihadistNetwork` (no cell) holds what is shared by its members: capacity K
(exhaustion and recovery), funds (protection fees from trafficking), the graph of its
cells (networkx; pyramidal for Hizb ut-Tahrir [KL13]) and its reach A_n(x) over the map.
A :class:`JihadistCell` (a ``CellAgent``) is a band of fighters (members, for the
non-violent HuT) at one place.

The five networks at the start and what is known of them up to 2013 are in
:data:`NETWORKS`; their sizes and rates live in the parameter registry.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

import mesa
import networkx as nx
import numpy as np

from stability_sim.agents.base import PlacedAgent
from stability_sim.agents.security import Footprint, box, spread
from stability_sim.agents.war_chest import (
    affordable_fighters,
    fee_income,
    headroom,
    smooth,
    tons_entering,
    unpaid_release,
)

if TYPE_CHECKING:
    from stability_sim.agents.borders import Borders
    from stability_sim.agents.trafficking import RouteResult
    from stability_sim.landscape import Landscape
    from stability_sim.ledger import Ledger
    from stability_sim.params import Pars, View
    from stability_sim.world import World


class Structure(Enum):
    """How a network's cells are linked."""

    LOOSE = "loose"  # each new cell knows its parent and one other cell
    PYRAMIDAL = "pyramidal"  # a tree: "only the heads of the cells know" [KL13]


@dataclass(frozen=True)
class NetworkSpec:
    """What a network is, from the sources (the numbers are in the registry).

    The places a network aims at, takes refuge in or starts from are part of what it is
    [KL13]; how strongly it reaches each (``jihadists.<key>.reach_<place>``) and how its
    initial cells are spread over them (``jihadists.<key>.seed_<place>``) are
    parameters, like its size and cell size (``jihadists.<key>.cell_size``).

    Attributes:
        key: Short name used in parameter and column names.
        label: Display name.
        violent: Whether its cells attack (HuT recruits without violence [KL13]).
        structure: How its cells are linked.
        reach: Countries (ISO3) where it has a reach A_n.
        region_reach: Named regions where it has a reach (raising the country's, if higher).
        seed: Countries or regions where its initial cells are placed.
        sanctuary: Country whose border belt with Afghanistan is the network's sanctuary,
            from which it regenerates (``jihadists.<key>.sanctuary_inflow``); empty for
            none.
        territorial: Whether its bands contest and hold ground (the Taliban) rather than
            drift toward opportunity.
        theatre: Country (ISO3) whose ground a territorial network fights for: its bands
            hold ground and recruit there; outside it (in the sanctuary) they neither hold
            ground nor recruit locally, the sanctuary's regeneration being the inflow.
        refuge: Countries where the network finds refuge but not recruits: foreign
            fighters who are its hosts' guests (the Central Asian networks in Pakistan's
            tribal areas [KL13]); it may be and move there, within its reach.
        paid_by_fees: Whether its fighters are paid from the protection fees on the
            trafficking around its bands plus outside money (the Central Asian networks,
            "largely financed by the heroin trade" [KL13]), which bounds its size.
    """

    key: str
    label: str
    violent: bool
    structure: Structure
    reach: tuple[str, ...]
    region_reach: tuple[str, ...] = ()
    seed: tuple[str, ...] = ()
    sanctuary: str = ""
    territorial: bool = False
    theatre: str = ""
    refuge: tuple[str, ...] = ()
    paid_by_fees: bool = False


NETWORKS: tuple[NetworkSpec, ...] = (
    # Territorial insurgency in Afghanistan, holding ground in the south and east; Pakistan
    # as sanctuary [KL13].
    NetworkSpec(
        "taliban", "Taliban", True, Structure.LOOSE,
        reach=("AFG", "PAK"),
        seed=("southern_afghanistan", "eastern_afghanistan", "AFG", "PAK"),
        sanctuary="PAK", territorial=True, theatre="AFG",
    ),
    # Aimed at the Uzbek regime and Central Asia; refuge in northern Afghanistan and
    # Pakistan; incursions into UZB and KGZ in 1999-2000 [KL13]; Fergana and Osh.
    NetworkSpec(
        "imu", "Islamic Movement of Uzbekistan", True, Structure.LOOSE,
        reach=("UZB", "KGZ", "TJK", "AFG", "PAK", "KAZ", "TKM"),
        region_reach=("fergana_valley", "osh", "northern_afghanistan", "tajik_afghan_border"),
        seed=("northern_afghanistan", "PAK"), refuge=("PAK",), paid_by_fees=True,
    ),
    # IMU splinter aimed at Uzbekistan, based with the Haqqani network [KL13].
    NetworkSpec(
        "iju", "Islamic Jihad Union", True, Structure.LOOSE,
        reach=("UZB", "TJK", "KGZ", "AFG", "PAK", "KAZ", "TKM"),
        region_reach=("fergana_valley", "northern_afghanistan"),
        seed=("eastern_afghanistan", "PAK"), refuge=("PAK",), paid_by_fees=True,
    ),
    # Non-violent recruitment in pyramidal secret cells, strongest in the Fergana Valley;
    # 15,000-20,000 followers in Central Asia, 3,000-5,000 in KGZ and TJK [KL13].
    NetworkSpec(
        "hut", "Hizb ut-Tahrir", False, Structure.PYRAMIDAL,
        reach=("UZB", "KGZ", "TJK", "KAZ", "TKM"),
        region_reach=("fergana_valley", "osh"),
        seed=("fergana_valley", "UZB", "KGZ", "TJK", "KAZ"),
    ),
    # Kazakh-focused, battalions active in Afghanistan (Khost) [KL13]; its attacks in
    # Kazakhstan in 2011 [KL13] were made by cells at home, so some start there.
    NetworkSpec(
        "jak", "Jund al-Khilafah", True, Structure.LOOSE,
        reach=("KAZ", "AFG", "PAK", "UZB", "KGZ"),
        seed=("eastern_afghanistan", "PAK", "KAZ"), refuge=("PAK",), paid_by_fees=True,
    ),
)

# Structural constants (docs/ODD.md, "Structural constants").
#: Funds are counted per this many members (at least one such unit, so a small network
#: is not infinitely rich): the unit of funds; jihadists.fee_scale and
#: jihadists.funds_effect are the parameters that scale it.
FUNDS_MEMBERS = 1000.0
#: Branching of a pyramidal network's initial tree: the shape of the graph HuT's
#: "only the heads of the cells know" [KL13] describes, not a rate.
PYRAMID_BRANCHING = 3
#: How far from its parent's 0.25° cell a split band's offshoot settles, in degrees (the
#: Moore neighbourhood at 0.25°): structural, the same ground at every resolution.
SPLIT_REACH = 0.25
#: Numerical guards: keep the recruitment pool's denominator and the log of a zero
#: attraction finite; far below any value that matters.
POOL_GUARD = 1e-9
SCORE_GUARD = 1e-12


def reach_map(spec: NetworkSpec, land: Landscape, net: View) -> np.ndarray:
    """A_n(x) for every cell: the country's reach, raised inside the named regions.

    ``net`` is the network's parameters (``pars.jihadists.net(key)``).
    """
    codes = land.geo.country_codes
    reach = np.zeros(land.n_cells)
    for iso3 in spec.reach:
        value = getattr(net, f"reach_{iso3.lower()}")
        if iso3 in codes:
            reach[land.country == codes.index(iso3)] = value
    for region in spec.region_reach:
        value = getattr(net, f"reach_{region}")
        cells = land.regions[region]
        reach[cells] = np.maximum(reach[cells], value)
    return np.where(land.agent_land, reach, 0.0)


def seed_weights(spec: NetworkSpec, land: Landscape, net: View) -> np.ndarray:
    """Weights of initial placement: named countries and regions, times √population."""
    codes = land.geo.country_codes
    weight = np.zeros(land.n_cells)
    for name in spec.seed:
        value = getattr(net, f"seed_{name.lower()}")
        if name in land.regions:
            weight[land.regions[name]] += value
        elif name in codes:
            weight[land.country == codes.index(name)] += value
    weight *= np.sqrt(land.population + 1.0)
    return np.where(land.agent_land, weight, 0.0)


class PowerLawSeverity:
    """Fatalities per attack: a discrete power law ``P(k) ∝ k^-α`` on ``1..k_max``.

    Clauset, Young & Gleditsch (2007) found α ≈ 2.38 for terrorist event severity.
    """

    def __init__(self, alpha: float, k_max: int) -> None:
        k = np.arange(1, k_max + 1, dtype=float)
        pmf = k**-alpha
        self.cdf = np.cumsum(pmf / pmf.sum())
        self.cdf[-1] = 1.0

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draw ``n`` fatality counts."""
        return np.searchsorted(self.cdf, rng.random(n), side="right") + 1


def pool_share(violent: bool, recruit_pool: float, nonviolent_factor: float) -> float:
    """Largest local share of the population a network can hold.

    A non-violent movement asks less of a recruit than an armed band, so it draws on a
    wider pool (``jihadists.nonviolent_pool_factor``), but never more than the whole
    population (both at their upper bounds would give 2.5 times it).
    """
    if violent:
        return recruit_pool
    return min(1.0, recruit_pool * nonviolent_factor)


def recruitment(*, rate: float, density: np.ndarray, exponent: float, grievance: np.ndarray,
                reach: np.ndarray, capacity: float, funds_factor: float,
                security: np.ndarray, half_saturation: float, backlash: float,
                repression: np.ndarray, recent_repression: np.ndarray,
                presence: np.ndarray, pool_share: float) -> np.ndarray:
    """New fighters (members) per cell in a month, by the rule of MODEL.md §4.

    ::

        ΔF = r_n·pop^α·G·A_n·K·(1 + φ·funds)·(1 - s/(s + k_s))·(1 + β_b·ρ·rr)
             ·(1 - N_local/(pool·pop))

    with pop per 0.25°-cell of area (``density``) and N_local the network's fighters
    within reach (``presence``); the logistic factor is an addition to MODEL.md (see
    docs/ODD.md): fighters within reach cannot exceed a small share of the people there.
    """
    return (
        rate
        * density ** exponent
        * grievance
        * reach
        * capacity
        * funds_factor
        * (1.0 - security / (security + half_saturation))
        * (1.0 + backlash * repression * recent_repression)
        * np.clip(1.0 - presence / (pool_share * density + POOL_GUARD), 0.0, 1.0)
    )


def contest_factor(control: np.ndarray, centres: np.ndarray, *, contest: float,
                   centre: float) -> np.ndarray:
    """How a territorial network values ground: ``1 + w_c·4g(1 - g) + w_p·centre``.

    Contested ground (control near 1/2) draws the bands (weight ``contest``); so do
    district centres, the populated places whose capture makes the hold (weight
    ``centre``, times how much of a centre the cell is, :func:`centre_weight`).
    """
    return 1.0 + contest * 4.0 * control * (1.0 - control) + centre * centres


def centre_weight(density: np.ndarray) -> np.ndarray:
    """How much of a centre each cell is: ``log(1 + density)`` over its largest value."""
    logd = np.log1p(density)
    top = float(logd.max())
    return logd / top if top > 0 else logd


def crossing_cells(world: World, sanctuary: str, theatre: str,
                   reach: np.ndarray) -> np.ndarray:
    """Cells of the ``theatre`` country on its border with the ``sanctuary`` country.

    Where the fighters gathered in the sanctuary enter the fight: the Taliban's rear bases
    lay in Pakistan's border areas, and their reinforcements crossed the Durand Line into
    the Afghan border provinces [KL13].
    """
    land = world.land
    codes = world.codes
    if sanctuary not in codes or theatre not in codes:
        return np.empty(0, dtype=np.int64)
    own = np.flatnonzero((land.country == codes.index(theatre)) & (reach > 0)
                         & land.agent_land)
    nb = land.neighbours[own]
    other = codes.index(sanctuary)
    touches = (np.where(nb >= 0, land.country[np.where(nb >= 0, nb, 0)], -1) == other).any(1)
    return own[touches]


class JihadistNetwork(mesa.Agent):
    """A jihadist network: capacity, funds, reach and the graph of its cells.

    Attributes:
        spec: What the network is.
        capacity: K in [0, 1]; falls with losses, recovers toward 1 with τ_rec.
        funds: Protection-fee income, smoothed (tons-equivalent per month, scaled).
        reach: A_n(x) per cell.
        reach_cells: Flat indices of the cells where ``reach > 0``.
        graph: Cells (by ``unique_id``) and who knows whom.
        cells: The network's living cells.
    """

    def __init__(self, model: mesa.Model, world: World, p: Pars,
                 spec: NetworkSpec, *, ledger: Ledger, borders: Borders,
                 severity: PowerLawSeverity, patrol: Footprint) -> None:
        super().__init__(model)
        self.world = world
        self.pars = p
        self.ledger = ledger
        self.borders = borders
        self.severity = severity
        self.patrol = patrol
        self.spec = spec
        reach = reach_map(spec, world.land, p.jihadists.net(spec.key))
        capacity = p.jihadists.initial_capacity
        self.capacity = float(capacity)
        self.funds = 0.0
        self.reach = reach
        self.reach_cells = np.flatnonzero(reach > 0)
        # Where it recruits: its reach outside its places of refuge.
        guest = np.isin(world.land.country,
                        [world.codes.index(c) for c in spec.refuge if c in world.codes])
        self.recruit_reach = np.where(guest, 0.0, reach)
        self.graph: nx.Graph = nx.Graph()
        self.cells: dict[int, JihadistCell] = {}
        # The graph's nodes in its own order. Cells join the graph when they are created
        # and Mesa numbers agents in creation order, so this list is also sorted: a
        # position is a bisection, not a scan (a scan per new cell made a run with tens
        # of thousands of cells quadratic).
        self._order: list[int] = []
        self._attraction: np.ndarray | None = None
        self._scored: np.ndarray | None = None  # where _attraction holds this month's value
        self._presence: np.ndarray | None = None
        # Read ~100 times a month by the cells' moves: kept as plain attributes (the
        # parameters are fixed within a run).
        self.move_probability = p.jihadists.move_probability
        # The same ground at every resolution (like a patrol's footprint): where the
        # square's edge cuts a cell, the cell is chosen in proportion to its share.
        self.vision = box(p.grid.resolution, p.jihadists.vision)
        self._vision_radius = max(1, self.vision.radius)
        self._cover: dict[int, np.ndarray] | None = None if self.vision.uniform else {}
        self._split = box(p.grid.resolution, SPLIT_REACH)
        # Regeneration from the sanctuary: fighters arrive month by month and are fielded
        # as a band of the network's cell size once enough have gathered.
        self.crossings = (crossing_cells(world, spec.sanctuary, spec.theatre, self.reach)
                          if spec.sanctuary else np.empty(0, dtype=np.int64))
        self.reserve = 0.0
        self.attack_factor = 1.0
        # The war chest (agents/war_chest.py): the territorial insurgency's from the
        # ground it holds, the Central Asian networks' from fees; HuT pays no fighters
        # and is bounded by its recruitment pool alone.
        self.annual_income = 0.0  # set from the first year's income by the model
        self.affordable = math.inf
        if spec.paid_by_fees:
            # The chest of 2009 paid the force of early 2010: it starts there and moves
            # to what the fees bring within jihadists.funds_memory_months.
            net = p.jihadists.net(spec.key)
            self.annual_income = net.initial_fighters * net.fighter_cost_usd
            self.affordable = float(net.initial_fighters)
        if spec.territorial:
            net = p.jihadists.net(spec.key)
            self.hold_ground = net.hold_ground
            codes = world.codes
            self.theatre = (world.land.country == codes.index(spec.theatre)
                            if spec.theatre in codes else np.ones(world.n_cells, dtype=bool))
            self.centre = centre_weight(world.density)
            # A territorial insurgency fights a war, not a clandestine campaign: its bands
            # attack far more often per fighter than a terrorist cell.
            self.attack_factor = net.attack_factor

    def vision_cells(self, i: int) -> np.ndarray:
        """Cells within ``jihadists.vision`` of ``i`` that agents may occupy (kept)."""
        return self.world.box_cells(i, self._vision_radius)

    def vision_cover(self, i: int) -> np.ndarray | None:
        """Share of each of :meth:`vision_cells` inside the vision square; None if all."""
        if self._cover is None:
            return None
        cover = self._cover.get(i)
        if cover is None:
            cells = self.vision_cells(i)
            ny = self.world.ny
            dx = cells // ny - i // ny
            dy = cells % ny - i % ny
            cover = self._cover[i] = self.vision.cover(dx, dy)
        return cover

    def new_month(self) -> None:
        """Forget last month's attraction and presence (the fields have changed)."""
        self._attraction = None
        self._scored = None
        self._presence = None

    def attraction(self) -> np.ndarray:
        """Where the network's cells want to be (kept for the month).

        ``A_n·(a + G)·(1 + w_r·rugged)·(1 + w_t·traffic/(traffic + t½))/(1 + s/k_s)``
        with ``a = jihadists.attraction_base`` and ``t½ = jihadists.traffic_half_saturation``.
        """
        # Only where the network reaches (elsewhere the product is 0): the same expression
        # on those cells gives the same values, at a fraction of the cost.
        if self._scored is None or not self._scored[self.reach_cells].all():
            self._score(self.reach_cells)
        assert self._attraction is not None
        return self._attraction

    def attraction_at(self, cells: np.ndarray) -> np.ndarray:
        """``attraction()[cells]``, computed only around the network's cells.

        The moves read the attraction in the vision boxes of the network's ~20 cells,
        a few hundred cells a month, not the thousands it reaches: the first read of a
        month scores the boxes of all its cells (where they stand then, which is where
        they look from) and later reads find their cells scored. A value does not depend
        on which other cells are scored with it.
        """
        if self._scored is None or not self._scored[cells].all():
            _, where = self._positions()
            wanted = np.concatenate([self.world.near(where, self._vision_radius), cells])
            self._score(wanted[self.reach[wanted] > 0])
            assert self._scored is not None
            self._scored[wanted] = True  # outside the reach the attraction is 0
        assert self._attraction is not None
        return self._attraction[cells]

    def _score(self, i: np.ndarray) -> None:
        """Write the month's attraction at the cells ``i`` (where ``reach > 0``)."""
        world = self.world
        if self._attraction is None or self._scored is None:
            self._attraction = np.zeros(world.n_cells)
            self._scored = np.zeros(world.n_cells, dtype=bool)
        p, f = self.pars, world.fields
        s = f.security[i] + f.garrison[i]
        traffic = f.traffic[i]
        j = p.jihadists
        self._attraction[i] = (self.reach[i] * (j.attraction_base + f.grievance[i])
                               * (1.0 + j.rugged_preference * world.rugged_norm[i])
                               * (1.0 + j.route_preference * traffic
                                  / (traffic + j.traffic_half_saturation))
                               / (1.0 + s / j.security_half_saturation))
        if self.spec.territorial:
            net = j.net(self.spec.key)
            self._attraction[i] *= contest_factor(f.control[i], self.centre[i],
                                                  contest=net.contest_preference,
                                                  centre=net.centre_preference)
        self._scored[i] = True

    def presence(self) -> np.ndarray:
        """The network's fighters (members) within reach, per 0.25°-cell area (kept)."""
        if self._presence is None:
            world = self.world
            members, where = self._positions()
            held = np.fromiter((m.fighters for m in members), dtype=float, count=len(members))
            # bincount adds in the members' order from 0, as a loop of += would.
            deposit = np.bincount(where, weights=held, minlength=world.n_cells)
            # Only the members' own cells are wanted (the recruitment rule reads them);
            # elsewhere the presence is 0.
            self._presence = spread(deposit, world.shape, self.patrol,
                                    within=world.footprint(where, 0),
                                    sources=where) / world.area
        return self._presence

    def split_target(self, i: int) -> int:
        """Where a splitting cell's offshoot goes: a random place within reach.

        Within :data:`SPLIT_REACH` degrees of the parent's 0.25° cell: at 0.25° one of the
        Moore neighbourhood's cells, each alike; at 0.5° the neighbours count by the share
        of them the square covers, so the offshoot lands as far away at both.
        """
        world = self.world
        around = world.neighbourhood(i)
        around = around[(self.reach[around] > 0) & world.land.agent_land[around]]
        if around.size == 0:
            return i
        if self._split.uniform:
            return int(around[int(self.model.rng.integers(around.size))])
        ny = world.ny
        cover = self._split.cover(around // ny - i // ny, around % ny - i % ny)
        return int(around[int(self.model.rng.choice(around.size, p=cover / cover.sum()))])

    @property
    def fighters(self) -> float:
        """Total fighters (members) in all cells."""
        return float(sum(c.fighters for c in self.cells.values()))

    def add_cell(self, cell: JihadistCell, parent: JihadistCell | None) -> None:
        """Register a new cell and link it into the graph by the network's structure."""
        uid = cell.unique_id
        if self._order and uid <= self._order[-1]:
            raise ValueError(f"cell {uid} joins {self.spec.key} after cell {self._order[-1]}")
        self.cells[uid] = cell
        self.graph.add_node(uid)
        self._order.append(uid)
        if parent is None:
            return
        self.graph.add_edge(parent.unique_id, uid)
        if self.spec.structure is Structure.LOOSE and len(self.cells) > 2:
            # Loose networks: a second acquaintance chosen at random (a small world),
            # uniformly among the graph's other nodes in the graph's order.
            self.graph.add_edge(uid, self._other(int(self.model.rng.integers(
                len(self._order) - 2)), parent.unique_id))

    def _other(self, k: int, parent: int) -> int:
        """The k-th node of the graph in its order, skipping ``parent`` and the newest."""
        if k >= bisect.bisect_left(self._order, parent):
            k += 1
        return self._order[k]

    def drop_cell(self, cell: JihadistCell) -> None:
        """Remove a dissolved cell; a pyramid reattaches orphans to the grandparent."""
        uid = cell.unique_id
        if uid in self.graph:
            neighbours = sorted(self.graph.neighbors(uid))
            self.graph.remove_node(uid)
            del self._order[bisect.bisect_left(self._order, uid)]
            if self.spec.structure is Structure.PYRAMIDAL and len(neighbours) > 1:
                head = neighbours[0]
                self.graph.add_edges_from((head, n) for n in neighbours[1:])
        self.cells.pop(uid, None)
        cell.remove()

    def fund(self, month_income: float) -> None:
        """Take the month's income into the war chest; send home whom it cannot pay.

        The income is smoothed over ``jihadists.funds_memory_months`` and pays
        ``jihadists.<key>.fighter_cost_usd`` a fighter-year
        (:func:`~stability_sim.agents.war_chest.affordable_fighters`); the unpaid excess
        leaves over ``jihadists.<key>.unpaid_months``, from every band alike.
        """
        net = self.pars.jihadists.net(self.spec.key)
        memory = self.pars.jihadists.funds_memory_months
        self.annual_income = smooth(self.annual_income, month_income, memory)
        self.affordable = affordable_fighters(self.annual_income, net.fighter_cost_usd)
        fighters = self.fighters
        leave = unpaid_release(fighters, self.affordable, net.unpaid_months)
        if leave > 0.0:
            keep = 1.0 - leave / fighters
            for member in self.cells.values():
                member.fighters *= keep

    def headroom(self) -> float:
        """How far the war chest lets the force grow (1 without one)."""
        if math.isinf(self.affordable):
            return 1.0
        return headroom(self.fighters, self.affordable)

    def emigrate(self, share: float) -> float:
        """Lose ``share`` of every band to other theatres; returns the fighters who left.

        From 2012 Central Asian fighters began to leave for Syria and Iraq
        (``jihadists.outflow_share`` from ``jihadists.outflow_start``): the pull of other
        theatres drains the networks aimed at Central Asia.
        """
        if share <= 0.0 or not self.cells:
            return 0.0
        left = 0.0
        for member in self.cells.values():
            gone = member.fighters * share
            member.fighters -= gone
            left += gone
        return left

    def regenerate(self) -> None:
        """Fighters from the sanctuary: ``jihadists.<key>.sanctuary_inflow × K`` a month.

        They gather in the sanctuary (the network's ``reserve``: recruits from the
        madrassas and camps, fighters back from rest) and cross into the theatre as a band
        of the network's cell size once enough have gathered, at a border place (by
        √population, :func:`crossing_cells`): the Taliban's Pakistani rear bases, which
        the international force could not reach [KL13], feed the fight in Afghanistan.
        """
        if self.crossings.size == 0:
            return
        net = self.pars.jihadists.net(self.spec.key)
        self.reserve += net.sanctuary_inflow * self.capacity * self.headroom()
        size = float(net.cell_size)
        cells = self.crossings
        weights = np.sqrt(self.world.population[cells] + 1.0)
        while self.reserve >= size:
            self.reserve -= size
            place = int(cells[self.model.rng.choice(cells.size, p=weights / weights.sum())])
            parent = self.cells[min(self.cells)] if self.cells else None
            self.add_cell(JihadistCell(self.model, self, self.world.cell_at(place), size),
                          parent)

    def recover(self, months: float) -> None:
        """Capacity recovers toward 1 with time constant τ_rec [KL13]."""
        self.capacity += (1.0 - self.capacity) / months

    def exhaust(self, lost: float, before: float, per_loss: float) -> None:
        """Capacity falls in proportion to the share of fighters lost."""
        if before > 0 and lost > 0:
            self.capacity *= max(0.0, 1.0 - per_loss * lost / before)

    def pool_share(self) -> float:
        """Largest local share of the population the network can hold (:func:`pool_share`)."""
        j = self.pars.jihadists
        return pool_share(self.spec.violent, j.recruit_pool, j.nonviolent_pool_factor)

    def funds_factor(self, effect: float) -> float:
        """``1 + φ·funds`` (MODEL.md): money buys recruits and operations."""
        return 1.0 + effect * self.funds

    def _positions(self) -> tuple[list[JihadistCell], np.ndarray]:
        members = list(self.cells.values())
        return members, np.fromiter((c.cell_index for c in members), dtype=np.int64,
                                    count=len(members))

    def collect_fees(self, routes: RouteResult) -> None:
        """Protection fees on last month's consignments entering the cells' ground.

        The ground is the members' cells and their neighbours; a consignment is taxed
        once where it enters it, and only as far as the network holds the cell there
        (``1 - control``; :func:`~stability_sim.agents.war_chest.tons_entering`).
        Funds are the fee income (tons taxed a month × fee) per thousand members, divided
        by ``jihadists.fee_scale`` so one unit is a sizeable income [KL13: the IMU
        "largely financed by the heroin trade"], smoothed over
        ``jihadists.funds_memory_months`` (a year) so that the harvest season does not
        swing recruitment. A network paid by fees also takes the fees, at
        ``jihadists.transit_price_usd_kg``, and its outside money into its war chest
        (:meth:`fund`).

        Args:
            routes: Last month's routing (the consignments' flow and routes).
        """
        world, j = self.world, self.pars.jihadists
        members, where = self._positions()
        taxed = 0.0
        if members:
            # The members' cells and their on-grid Moore neighbours. Off-grid neighbours
            # are -1, which marks a spare last slot.
            around = np.zeros(world.n_cells + 1, dtype=bool)
            around[where] = True
            around[world.land.neighbours[where]] = True
            # Taxed where the network holds the ground, 1 - control, as the Taliban's
            # opium tax is; where the state holds it the trafficker pays its officials.
            taxed = tons_entering(flow=routes.flow, seized=routes.seized,
                                  downstream=routes.downstream, area=around[:-1],
                                  hold=1.0 - world.fields.control)
        per_thousand = max(1.0, self.fighters / FUNDS_MEMBERS)
        fee = self.pars.trafficking.protection_fee
        income = fee * taxed / per_thousand / j.fee_scale
        m = j.funds_memory_months
        self.funds = ((m - 1.0) * self.funds + income) / m
        if self.spec.paid_by_fees:
            net = j.net(self.spec.key)
            self.fund(fee_income(tons=taxed, fee_share=fee,
                                 price_usd_kg=j.transit_price_usd_kg,
                                 outside_usd_m=net.outside_usd_m))

    def recruit(self) -> None:
        """Recruit in each cell's place (:func:`recruitment`)."""
        world, p = self.world, self.pars
        f = world.fields
        members, where = self._positions()
        if not members:
            return
        gain = recruitment(
            rate=p.jihadists.net(self.spec.key).recruitment_rate,
            density=world.density[where], exponent=p.jihadists.population_exponent,
            grievance=f.grievance[where], reach=self.recruit_reach[where],
            capacity=self.capacity,
            funds_factor=self.funds_factor(p.jihadists.funds_effect),
            security=f.security[where], half_saturation=p.jihadists.security_half_saturation,
            backlash=p.jihadists.repression_backlash, repression=world.repression[where],
            recent_repression=f.repression_recent[where], presence=self.presence()[where],
            pool_share=self.pool_share())
        if self.spec.violent:
            # Collaboration follows control (Kalyvas 2006): where insurgents hold the
            # ground, people give them recruits.
            gain = gain * (1.0 + p.control.collaboration_weight * (1.0 - f.control[where]))
        gain = gain * self.headroom()
        if self.spec.territorial:
            # Outside its theatre a band is in the sanctuary, whose regeneration is the
            # inflow (regenerate): local recruitment there would count it twice.
            gain = gain * self.theatre[where]
        for member, extra in zip(members, gain.tolist(), strict=True):
            member.fighters += extra

    def split_and_dissolve(self) -> None:
        """Large cells split into a neighbouring place; tiny ones dissolve.

        A cell above ``jihadists.split_factor`` × the network's ``cell_size`` splits in
        two; one below ``max(jihadists.dissolve_floor, jihadists.dissolve_share ×
        cell_size)`` dissolves.
        """
        j = self.pars.jihadists
        size = j.net(self.spec.key).cell_size
        smallest = max(j.dissolve_floor, j.dissolve_share * size)
        largest = j.split_factor * size
        for member in sorted(self.cells.values(), key=lambda c: c.unique_id):
            if member.fighters < smallest:
                self.drop_cell(member)
            elif member.fighters > largest:
                half = member.fighters / 2.0
                member.fighters -= half
                target = self.split_target(member.cell_index)
                child = JihadistCell(self.model, self, self.world.cell_at(target), half)
                self.add_cell(child, member)

    def attack(self) -> None:
        """Each violent cell attacks with ``p = (1 - exp(-λ))·(1 - I)``.

        ``λ = a0·F·K·ff/(1 + s/k_s)``.

        A territorial network's bands (the Taliban) are at war: each makes a Poisson
        number of attacks with mean ``λ·(1 - I)`` (``λ`` times
        ``jihadists.taliban.attack_factor``) rather than at most one.

        ``I`` is the intelligence level at the cell's place: the share of plots the
        services learn of and foil, wherever troops are (an addition to MODEL.md:
        intelligence sets counter-terror effectiveness, Kress & Szechtman 2009).
        Fatalities per attack follow the truncated power law of the model's severity
        sampler (Clauset et al. 2007).
        """
        if not self.spec.violent or not self.cells:
            return
        rng, p, f = self.model.rng, self.pars, self.world.fields
        members, where = self._positions()
        fighters = np.fromiter((c.fighters for c in members), dtype=float, count=len(members))
        rate = (
            p.attacks.base_rate * self.attack_factor * fighters * self.capacity
            * self.funds_factor(p.jihadists.funds_effect)
            / (1.0 + f.security[where] / p.jihadists.security_half_saturation)
        )
        foiled = f.intel[where]
        if self.spec.territorial:
            # A band at war fights many engagements a month: Poisson counts, of which the
            # services foil the share I.
            count = rng.poisson(rate * (1.0 - foiled))
            if count.any():
                places = np.repeat(where, count)
                self.ledger.record_attacks(places, self.severity.sample(rng, len(places)))
            return
        hit = rng.random(len(members)) < -np.expm1(-rate) * (1.0 - foiled)
        if hit.any():
            places = where[hit]
            self.ledger.record_attacks(places, self.severity.sample(rng, len(places)))


class JihadistCell(PlacedAgent):
    """A band of fighters (members, for HuT) of one network at one place.

    Attributes:
        network: The network it belongs to.
        fighters: Fighters (members) in the band.
        exposure: Detection by intelligence services, in [0, 1] (raised by RATS sharing
            when a linked cell is detected; fades each month).
    """

    def __init__(self, model: mesa.Model, network: JihadistNetwork,
                 cell: mesa.discrete_space.Cell, fighters: float) -> None:
        super().__init__(model)
        self.network = network
        self.cell = cell
        self.fighters = float(fighters)
        self.exposure = 0.0

    def move(self) -> None:
        """Relocate toward low security, high grievance, high reach, rugged ground.

        Exhausted networks move less (probability × K). Crossing a border succeeds with
        the border's porosity; a failed crossing costs fighters caught at the border.
        """
        net = self.network
        rng = self.model.rng
        here = self.cell_index
        chance = net.move_probability * net.capacity
        if net.spec.territorial and net.theatre[here]:
            # A band holds the ground its network controls and moves on to contest more
            # from where control is disputed (the Taliban's district strategy); in the
            # sanctuary there is no ground to hold.
            chance *= 1.0 - net.hold_ground * (1.0 - net.world.fields.control[here])
        if rng.random() >= chance:
            return
        candidates = net.vision_cells(here)
        score = net.attraction_at(candidates)
        cover = net.vision_cover(here)
        if cover is not None:
            score = score * cover
        # Array methods, not np.any/np.argmax: this runs ~100 times a month, where the
        # functions' dispatch cost as much as the work.
        if not score.max() > 0:
            return
        # Noisy choice among the candidates (Gumbel trick: a softmax draw).
        noisy = np.log(score + SCORE_GUARD) + rng.gumbel(size=score.size)
        target = int(candidates[noisy.argmax()])
        if target == here:
            return
        crossing = net.borders.crossing_probability(here, target)
        if crossing < 1.0 and rng.random() >= crossing:
            j = net.pars.jihadists
            caught = math.ceil(j.caught_share * self.fighters)
            self.fighters -= caught
            # Fighters caught at a border count as a repression event where they were.
            recent = net.world.fields.repression_recent
            recent[here] = min(1.0, recent[here] + caught / j.caught_repression_scale)
            return
        net.ledger.record_move(here, target, self.model.steps, armed=net.spec.violent)
        self.cell = net.world.cell_at(target)


def seed_networks(model: mesa.Model, networks: list[JihadistNetwork]) -> None:
    """Place each network's initial fighters in cells of ``cell_size``, by seed weight.

    Pyramidal networks link their cells as a tree of :data:`PYRAMID_BRANCHING` in
    creation order, loose ones as a chain plus :meth:`JihadistNetwork.add_cell`'s random
    acquaintance. A network whose seed weights are all 0 (within the registry's bounds)
    starts where it reaches; one that reaches nowhere starts with no cells.
    """
    for network in networks:
        spec, world = network.spec, network.world
        net = network.pars.jihadists.net(spec.key)
        total = float(net.initial_fighters)
        if total <= 0:
            continue
        n = max(1, round(total / net.cell_size))
        weights = seed_weights(spec, world.land, net)
        if not weights.sum() > 0:
            weights = np.where(world.land.agent_land,
                               network.reach * np.sqrt(world.land.population + 1.0), 0.0)
            if not weights.sum() > 0:
                continue
        places = model.rng.choice(world.n_cells, size=n,
                                  replace=n > np.count_nonzero(weights),
                                  p=weights / weights.sum())
        created: list[JihadistCell] = []
        for k, place in enumerate(places):
            cell = JihadistCell(model, network, world.cell_at(int(place)), total / n)
            if k == 0:
                parent = None
            elif spec.structure is Structure.PYRAMIDAL:
                parent = created[(k - 1) // PYRAMID_BRANCHING]  # a tree, in creation order
            else:
                parent = created[-1]
            network.add_cell(cell, parent)
            created.append(cell)


def deposit_fighters(world: World, networks: list[JihadistNetwork]) -> None:
    """Write the violent networks' fighters and the non-violent members into the world."""
    f = world.fields
    f.fighters[:] = 0.0
    f.members[:] = 0.0
    for network in networks:
        target = f.fighters if network.spec.violent else f.members
        for member in network.cells.values():
            target[member.cell_index] += member.fighters


def suffer_operations(network: JihadistNetwork, *, losses: np.ndarray, forces: np.ndarray,
                      detection: np.ndarray, arrests: np.ndarray) -> None:
    """A network's cells take the month's losses; capacity falls with them.

    Violent bands share a cell's losses in proportion to size. Non-violent members are
    swept up: a sweep hits members with probability D and bystanders otherwise, and the
    wrongful arrests (added to ``arrests``, in place) are what people resent (Bennett
    2008).
    """
    if not network.cells:
        return
    p, world = network.pars, network.world
    fighters = world.fields.fighters
    before = network.fighters
    members = list(network.cells.values())
    where = np.fromiter((m.cell_index for m in members), dtype=np.int64, count=len(members))
    held = np.fromiter((m.fighters for m in members), dtype=float, count=len(members))
    if network.spec.violent:
        hit = (losses[where] > 0) & (fighters[where] > 0)
        take = np.zeros(len(members))
        take[hit] = losses[where[hit]] * held[hit] / fighters[where[hit]]
    else:
        sweep = held * p.jihadists.arrest_rate * (
            world.repression[where] * (forces[where] > 0))
        take = sweep * detection[where]
        np.add.at(arrests, where, sweep - take)
        hit = np.ones(len(members), dtype=bool)
    take = np.where(hit, np.minimum(take, held), 0.0)
    left = held - take
    values = left.tolist()
    for k in np.flatnonzero(hit).tolist():
        members[k].fighters = values[k]
    # Summed member by member, in order, as the losses were booked.
    lost = float(np.add.accumulate(take)[-1])
    network.exhaust(lost, before, p.jihadists.exhaustion_per_loss)
