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
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

import mesa
import networkx as nx
import numpy as np

from stability_sim.agents.base import PlacedAgent

if TYPE_CHECKING:
    from stability_sim.landscape import Landscape


class Structure(Enum):
    """How a network's cells are linked."""

    LOOSE = "loose"  # each new cell knows its parent and one other cell
    PYRAMIDAL = "pyramidal"  # a tree: "only the heads of the cells know" [KL13]


@dataclass(frozen=True)
class NetworkSpec:
    """What a network is, from the sources (the numbers are in the registry).

    Attributes:
        key: Short name used in parameter and column names.
        label: Display name.
        violent: Whether its cells attack (HuT recruits without violence [KL13]).
        structure: How its cells are linked.
        cell_size: Fighters per cell at the start; cells split at twice this size.
        reach: Country ISO3 → reach A_n in [0, 1] (target states, co-ethnic areas).
        region_reach: Named region → reach there (overrides the country's, if higher).
        seed: Country or region name → weight of initial placement.
    """

    key: str
    label: str
    violent: bool
    structure: Structure
    cell_size: int
    reach: dict[str, float]
    region_reach: dict[str, float] = field(default_factory=dict)
    seed: dict[str, float] = field(default_factory=dict)


NETWORKS: tuple[NetworkSpec, ...] = (
    # Territorial insurgency in Afghanistan, holding ground in the south and east; Pakistan
    # as sanctuary [KL13].
    NetworkSpec(
        "taliban", "Taliban", True, Structure.LOOSE, 500,
        reach={"AFG": 1.0, "PAK": 0.8},
        seed={"southern_afghanistan": 3.0, "eastern_afghanistan": 3.0, "AFG": 1.0, "PAK": 0.5},
    ),
    # Aimed at the Uzbek regime and Central Asia; refuge in northern Afghanistan and
    # Pakistan; incursions into UZB and KGZ in 1999-2000 [KL13]; Fergana and Osh.
    NetworkSpec(
        "imu", "Islamic Movement of Uzbekistan", True, Structure.LOOSE, 150,
        reach={"UZB": 1.0, "KGZ": 0.8, "TJK": 0.8, "AFG": 0.5, "PAK": 0.4, "KAZ": 0.3,
               "TKM": 0.3},
        region_reach={"fergana_valley": 1.0, "osh": 1.0, "northern_afghanistan": 0.7,
                      "tajik_afghan_border": 0.9},
        seed={"northern_afghanistan": 2.0, "PAK": 1.0},
    ),
    # IMU splinter aimed at Uzbekistan, based with the Haqqani network [KL13].
    NetworkSpec(
        "iju", "Islamic Jihad Union", True, Structure.LOOSE, 100,
        reach={"UZB": 1.0, "TJK": 0.5, "KGZ": 0.5, "AFG": 0.5, "PAK": 0.5, "KAZ": 0.3,
               "TKM": 0.3},
        region_reach={"fergana_valley": 1.0, "northern_afghanistan": 0.6},
        seed={"eastern_afghanistan": 1.0, "PAK": 1.0},
    ),
    # Non-violent recruitment in pyramidal secret cells, strongest in the Fergana Valley;
    # 15,000-20,000 followers in Central Asia, 3,000-5,000 in KGZ and TJK [KL13].
    NetworkSpec(
        "hut", "Hizb ut-Tahrir", False, Structure.PYRAMIDAL, 400,
        reach={"UZB": 0.7, "KGZ": 0.7, "TJK": 0.6, "KAZ": 0.3, "TKM": 0.1},
        region_reach={"fergana_valley": 1.0, "osh": 1.0},
        seed={"fergana_valley": 4.0, "UZB": 1.0, "KGZ": 0.6, "TJK": 0.6, "KAZ": 0.2},
    ),
    # Kazakh-focused, battalions active in Afghanistan (Khost) [KL13].
    NetworkSpec(
        "jak", "Jund al-Khilafah", True, Structure.LOOSE, 50,
        reach={"KAZ": 1.0, "AFG": 0.4, "PAK": 0.5, "UZB": 0.3, "KGZ": 0.3},
        seed={"eastern_afghanistan": 1.0, "PAK": 1.0},
    ),
)


def reach_map(spec: NetworkSpec, land: Landscape) -> np.ndarray:
    """A_n(x) for every cell: the country's reach, raised inside the named regions."""
    codes = land.geo.country_codes
    reach = np.zeros(land.n_cells)
    for iso3, value in spec.reach.items():
        if iso3 in codes:
            reach[land.country == codes.index(iso3)] = value
    for region, value in spec.region_reach.items():
        cells = land.regions[region]
        reach[cells] = np.maximum(reach[cells], value)
    return np.where(land.agent_land, reach, 0.0)


def seed_weights(spec: NetworkSpec, land: Landscape) -> np.ndarray:
    """Weights of initial placement: named countries and regions, times √population."""
    codes = land.geo.country_codes
    weight = np.zeros(land.n_cells)
    for name, value in spec.seed.items():
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

    def __init__(self, model: mesa.Model, spec: NetworkSpec, reach: np.ndarray,
                 capacity: float) -> None:
        super().__init__(model)
        self.spec = spec
        self.capacity = float(capacity)
        self.funds = 0.0
        self.reach = reach
        self.reach_cells = np.flatnonzero(reach > 0)
        self.graph: nx.Graph = nx.Graph()
        self.cells: dict[int, JihadistCell] = {}
        # The graph's nodes in its own order. Cells join the graph when they are created
        # and Mesa numbers agents in creation order, so this list is also sorted: a
        # position is a bisection, not a scan (a scan per new cell made a run with tens
        # of thousands of cells quadratic).
        self._order: list[int] = []

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

    def recover(self, months: float) -> None:
        """Capacity recovers toward 1 with time constant τ_rec [KL13]."""
        self.capacity += (1.0 - self.capacity) / months

    def exhaust(self, lost: float, before: float, per_loss: float) -> None:
        """Capacity falls in proportion to the share of fighters lost."""
        if before > 0 and lost > 0:
            self.capacity *= max(0.0, 1.0 - per_loss * lost / before)

    def pool_share(self, p: dict) -> float:
        """Largest local share of the population the network can hold.

        A non-violent movement asks less of a recruit than an armed band, so it draws
        on a wider pool (``jihadists.nonviolent_pool_factor``), but never more than the
        whole population (both at their upper bounds would give 2.5 times it).
        """
        share = p["jihadists.recruit_pool"]
        if self.spec.violent:
            return share
        return min(1.0, share * p["jihadists.nonviolent_pool_factor"])

    def funds_factor(self, effect: float) -> float:
        """``1 + φ·funds`` (MODEL.md): money buys recruits and operations."""
        return 1.0 + effect * self.funds

    def _positions(self) -> tuple[list[JihadistCell], np.ndarray]:
        members = list(self.cells.values())
        return members, np.fromiter((c.cell_index for c in members), dtype=np.int64,
                                    count=len(members))

    def collect_fees(self) -> None:
        """Protection fees from last month's trafficking past the cells (within one cell).

        Funds are the fee income (tons of opium taxed per month × fee) per thousand
        members, divided by 10 so one unit is a sizeable income [KL13: the IMU "largely
        financed by the heroin trade"], smoothed over a year so that the harvest season
        does not swing recruitment.
        """
        model = self.model
        members, where = self._positions()
        income = 0.0
        if members:
            # The members' cells and their on-grid Moore neighbours, each once (a mask
            # selects them in ascending order, as a sorted index list would). Off-grid
            # neighbours are -1, which marks a spare last slot.
            around = np.zeros(model.n_cells + 1, dtype=bool)
            around[where] = True
            around[model.land.neighbours[where]] = True
            taxed = float(model.fields.traffic[around[:-1]].sum())
            per_thousand = max(1.0, self.fighters / 1000.0)
            income = model.p["trafficking.protection_fee"] * taxed / per_thousand / 10.0
        self.funds = (11.0 * self.funds + income) / 12.0

    def recruit(self) -> None:
        """Recruit in each cell's place, by the rule of MODEL.md §4.

        ::

            ΔF = r_n·pop^α·G·A_n·K·(1 + φ·funds)·(1 - s/(s + k_s))·(1 + β_b·ρ·rr)
                 ·(1 - N_local/(pool·pop))

        with pop per 0.25°-cell of area and N_local the network's fighters within reach
        (the logistic factor is an addition to MODEL.md, see docs/ODD.md).
        """
        model, p, f = self.model, self.model.p, self.model.fields
        members, where = self._positions()
        if not members:
            return
        s = f.security[where]
        k_s = p["jihadists.security_half_saturation"]
        gain = (
            p[f"jihadists.{self.spec.key}.recruitment_rate"]
            * model.density[where] ** p["jihadists.population_exponent"]
            * f.grievance[where]
            * self.reach[where]
            * self.capacity
            * self.funds_factor(p["jihadists.funds_effect"])
            * (1.0 - s / (s + k_s))
            * (1.0 + p["jihadists.repression_backlash"] * model.repression_of_cell[where]
               * f.repression_recent[where])
            # A local pool: fighters (or members) within reach cannot exceed a small
            # share of the people there, so growth is logistic, not exponential.
            * np.clip(1.0 - model.presence_of(self)[where]
                      / (self.pool_share(p) * model.density[where] + 1e-9), 0.0, 1.0)
        )
        for member, extra in zip(members, gain, strict=True):
            member.fighters += float(extra)

    def split_and_dissolve(self) -> None:
        """Large cells split into a neighbouring place; tiny ones dissolve."""
        model = self.model
        size = self.spec.cell_size
        for member in sorted(self.cells.values(), key=lambda c: c.unique_id):
            if member.fighters < max(3.0, 0.05 * size):
                self.drop_cell(member)
            elif member.fighters > 2 * size:
                half = member.fighters / 2.0
                member.fighters -= half
                target = model.split_target(member.cell_index, self)
                child = JihadistCell(model, self, model.cell_at(target), half)
                self.add_cell(child, member)

    def attack(self) -> None:
        """Each violent cell attacks with ``p = (1 - exp(-a0·F·K·ff/(1 + s/k_s)))·(1 - I)``.

        ``I`` is the intelligence level at the cell's place: the share of plots the
        services learn of and foil, wherever troops are (an addition to MODEL.md:
        intelligence sets counter-terror effectiveness, Kress & Szechtman 2009).
        Fatalities per attack follow the truncated power law of the model's severity
        sampler (Clauset et al. 2007).
        """
        if not self.spec.violent or not self.cells:
            return
        model, p, f = self.model, self.model.p, self.model.fields
        members, where = self._positions()
        fighters = np.fromiter((c.fighters for c in members), dtype=float, count=len(members))
        rate = (
            p["attacks.base_rate"] * fighters * self.capacity
            * self.funds_factor(p["jihadists.funds_effect"])
            / (1.0 + f.security[where] / p["jihadists.security_half_saturation"])
        )
        hit = model.rng.random(len(members)) < -np.expm1(-rate) * (1.0 - f.intel[where])
        if hit.any():
            places = where[hit]
            model.record_attacks(places, model.severity.sample(model.rng, len(places)), self)


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
        model = self.model
        net = self.network
        rng = model.rng
        if rng.random() >= model.p["jihadists.move_probability"] * net.capacity:
            return
        here = self.cell_index
        candidates = model.vision_cells(here)
        score = model.move_attraction(net)[candidates]
        # Array methods, not np.any/np.argmax: this runs ~100 times a month, where the
        # functions' dispatch cost as much as the work.
        if not score.max() > 0:
            return
        # Noisy choice among the candidates (Gumbel trick: a softmax draw).
        noisy = np.log(score + 1e-12) + rng.gumbel(size=score.size)
        target = int(candidates[noisy.argmax()])
        if target == here:
            return
        crossing = model.crossing_probability(here, target)
        if crossing < 1.0 and model.rng.random() >= crossing:
            caught = math.ceil(0.1 * self.fighters)
            self.fighters -= caught
            model.record_interception(here, caught)
            return
        model.record_move(self, here, target)
        self.cell = model.cell_at(target)
