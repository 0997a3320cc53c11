"""Drug trafficking: routing on the cell graph, interdiction, risk learning, hubs.

After NarcoLogic (Magliocca et al. 2019): Afghan opium (tons of opium equivalent) moves
each month from production cells to the exits (north: the Russian border; west: Iran;
south: Pakistan) on the least expected-cost path, where an edge costs its length ×
terrain, plus a closed-border penalty, plus the traffickers' perceived risk of the cell
entered. Paths are found once a month with one Dijkstra run (``scipy.sparse.csgraph``)
from a virtual node behind the exits whose edges carry each exit's premium, so every
source finds its best exit and path at once. Seizures along the path depend on security
in interdiction posture and fall with corruption; perceived risk learns from them
(learning rate 0.655, prior 0.40), which moves routes away from interdiction: the
balloon effect.

:class:`TraffickingCell` agents sit at the hubs ([KL13]: Badakhshan and Osh matter most);
they hold stock and cash and bribe officials around them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from stability_sim.agents.base import PlacedAgent

if TYPE_CHECKING:
    from stability_sim.agents.borders import Borders
    from stability_sim.landscape import Landscape
    from stability_sim.params import Pars
    from stability_sim.world import World

EXIT_NAMES = ("north", "west", "south")

# Structural constants (docs/ODD.md, "Structural constants").
#: Smallest cost of an edge (and of an exit edge): keeps Dijkstra's costs positive where
#: a premium or a road costs nothing; far below any real cost (1e-6 of 100 km).
MIN_EDGE_COST = 1e-6
#: Share of a hub's stock kept from one month to the next: bookkeeping of the hub's
#: state only, read by no rule and no outcome.
HUB_STOCK_RETENTION = 0.5

#: Hubs where trafficking cells sit at the start (named places of the geography).
HUBS = ("Khorog", "Osh", "Khujand", "Termez", "Turkmenabat", "Kunduz", "Mazar-i-Sharif",
        "Faizabad")


@dataclass
class RouteResult:
    """One month of routing (flat per-cell arrays and totals).

    Attributes:
        flow: Tons passing through each cell.
        seized: Tons seized in each cell.
        exported: Tons leaving by each exit.
        downstream: Each cell's next cell on its route (-1 off the routes, at an exit
            and where no exit can be reached): what lets a network tax a consignment
            once where it enters its ground (``agents/war_chest.py``).
    """

    flow: np.ndarray
    seized: np.ndarray
    exported: dict[str, float]
    downstream: np.ndarray


class RouteGraph:
    """The monthly routing problem on a landscape's route skeleton.

    The reversed graph (edges point toward the exits) is held as a CSR matrix whose
    structure is fixed; only its weights change each month.

    Costs are in units of 100 km of easy road, so they mean the same at every
    resolution.

    Args:
        land: The landscape (its ``routes`` skeleton).
        base_cost: Per forward edge: length × terrain + closed-border penalty.
        premiums: Exit name → premium (value of a ton delivered there, in cost units).
        edge_scale: Per forward edge, the factor on the perceived risk of the cell
            entered (the edge's length in 100 km): risk is a cost per distance.
    """

    def __init__(self, land: Landscape, base_cost: np.ndarray, premiums: dict[str, float],
                 edge_scale: np.ndarray | None = None):
        sk = land.routes
        self.skeleton = sk
        n = sk.cells.size
        self.n_nodes = n
        self.virtual = n  # the sink behind all exits
        # Exit edges: virtual -> exit node, weight (top premium - premium) >= 0; a node on
        # two exits' borders keeps the better one.
        top = max(premiums.values()) if premiums else 0.0
        exit_weight = np.full(n, np.inf)
        exit_group = np.full(n, -1, dtype=np.int64)
        for g, name in enumerate(EXIT_NAMES):
            nodes = sk.exit_nodes.get(name, np.empty(0, dtype=np.int64))
            w = top - premiums[name] + MIN_EDGE_COST
            better = w < exit_weight[nodes]
            exit_weight[nodes[better]] = w
            exit_group[nodes[better]] = g
        self.exit_group = exit_group
        exits = np.flatnonzero(exit_group >= 0)
        rows = np.concatenate([sk.dst, np.full(exits.size, n)])
        cols = np.concatenate([sk.src, exits])
        order = np.lexsort((cols, rows))
        weights = np.concatenate([base_cost, exit_weight[exits]])[order]
        self.matrix = csr_matrix((weights, (rows[order], cols[order])), shape=(n + 1, n + 1))
        self.matrix.sort_indices()
        scale = np.ones(sk.src.size) if edge_scale is None else edge_scale
        self.base_cost, self.edge_scale = base_cost, scale  # per forward edge
        self.exits, self.exit_weight = exits, exit_weight[exits]
        # Per month only the skeleton edges' weights change; keep them in the matrix's
        # own (CSR) order so that a month's update is one gather and one add. Rows are
        # the edges' heads and the virtual node is the last row, so the skeleton edges
        # are the first ``n_edges`` entries and the exit edges the rest.
        n_edges = sk.src.size
        assert np.all(order[:n_edges] < n_edges)
        self._n_edges = n_edges
        self._base_csr = weights[:n_edges].copy()
        edges = order[:n_edges]
        self._edge_dst = sk.dst[edges]
        self._edge_scale_csr = scale[edges]

    def solve(self, node_risk: np.ndarray, risk_weight: float) -> tuple[np.ndarray, np.ndarray]:
        """Best net cost to an exit and next hop, for every node.

        Args:
            node_risk: Perceived risk per node.
            risk_weight: Cost per unit of perceived risk of the node entered.

        Returns:
            ``(cost, next_hop)``; ``next_hop`` is the virtual node at an exit and -9999
            where no exit can be reached.
        """
        np.add(self._base_csr, risk_weight * node_risk[self._edge_dst] * self._edge_scale_csr,
               out=self.matrix.data[: self._n_edges])
        cost, pred = dijkstra(self.matrix, directed=True, indices=self.virtual,
                              return_predecessors=True)
        return cost[: self.n_nodes], pred[: self.n_nodes]

    def route(
        self,
        production: np.ndarray,
        next_hop: np.ndarray,
        seize_probability: np.ndarray,
        n_cells: int,
    ) -> RouteResult:
        """Carry production along the next hops to the exits, seizing on the way.

        Args:
            production: Tons per node this month.
            next_hop: From :meth:`solve`.
            seize_probability: Share of what passes a node that is seized there.
            n_cells: Number of raster cells (size of the returned arrays).
        """
        sk = self.skeleton
        n = self.n_nodes
        current = np.flatnonzero(production > 0)
        amount = production[current].astype(float)
        # Exits (the virtual node, n) and dead ends (-9999) become n and n + 1, so that
        # "still on the way" is one comparison: hop < n.
        onward = np.where(next_hop >= 0, next_hop, n + 1)
        # The loop only moves the consignments; every hop is booked once at the end, in
        # the order the hops happened, so each sum adds the same numbers in the same
        # order as booking hop by hop would (tests/model/test_fast_paths.py).
        places, taken_list, passed_list, hops = [], [], [], []
        for _ in range(n):  # a path never revisits a node
            if current.size == 0:
                break
            taken = amount * seize_probability[current]
            amount = amount - taken
            hop = onward[current]
            places.append(current)
            taken_list.append(taken)
            passed_list.append(amount)
            hops.append(hop)
            keep = hop < n
            current, amount = hop[keep], amount[keep]
        exported = dict.fromkeys(EXIT_NAMES, 0.0)
        if places:
            where = np.concatenate(places)
            passed = np.concatenate(passed_list)
            # bincount adds each weight into its bin in order, from 0: exactly the sums
            # of np.add.at on zeros, at a fraction of the cost.
            seized_n = np.bincount(where, weights=np.concatenate(taken_list), minlength=n)
            flow_n = np.bincount(where, weights=passed, minlength=n)
            out = np.concatenate(hops) == n
            # Tons leaving by each exit: summed within each hop, then hop after hop.
            hop_of = np.repeat(np.arange(len(places)), [c.size for c in places])[out]
            bins = hop_of * len(EXIT_NAMES) + self.exit_group[where[out]]
            per_hop = np.bincount(bins, weights=passed[out],
                                  minlength=len(places) * len(EXIT_NAMES))
            totals = np.add.accumulate(per_hop.reshape(len(places), len(EXIT_NAMES)))[-1]
            exported = {name: float(totals[g]) for g, name in enumerate(EXIT_NAMES)}
        else:
            flow_n = np.zeros(n)
            seized_n = np.zeros(n)
        flow = np.zeros(n_cells)
        seized = np.zeros(n_cells)
        flow[sk.cells] = flow_n
        seized[sk.cells] = seized_n
        downstream = np.full(n_cells, -1, dtype=np.int64)
        on_route = (next_hop >= 0) & (next_hop < n)
        downstream[sk.cells[on_route]] = sk.cells[next_hop[on_route]]
        return RouteResult(flow, seized, exported, downstream)


class TraffickingNetwork(mesa.Agent):
    """The Afghan opiate trade as one adaptive network.

    Attributes:
        graph: The routing problem (fixed structure).
        risk: Perceived risk per route node (learned).
        exported_total: Tons delivered per exit since the start.
        last: The last month's routing.
    """

    def __init__(self, model: mesa.Model, world: World, p: Pars,
                 graph: RouteGraph, harvest: np.ndarray) -> None:
        super().__init__(model)
        self.world = world
        self.pars = p
        self.graph = graph
        self.harvest = harvest
        self.production_weight = production_weights(world, p)
        prior = np.full(world.land.routes.cells.size, p.trafficking.base_risk)
        self.risk = prior.astype(float).copy()
        self.exported_total = dict.fromkeys(EXIT_NAMES, 0.0)
        self.last = RouteResult(np.zeros(world.n_cells), np.zeros(world.n_cells),
                                dict.fromkeys(EXIT_NAMES, 0.0),
                                np.full(world.n_cells, -1, dtype=np.int64))

    def production(self, t: int, cells: np.ndarray | None = None) -> np.ndarray:
        """Opium (tons) produced in each cell in month ``t``; more where insurgents rule.

        Weight ∝ (``trafficking.production_control_offset`` - control). With ``cells``,
        only at those cells (the same values; the total is still the whole map's).
        """
        offset = self.pars.trafficking.production_control_offset
        weight = self.production_weight * (offset - self.world.fields.control)
        total = weight.sum()
        if cells is not None:
            weight = weight[cells]
        return self.harvest[t] * weight / total if total > 0 else weight

    def route_month(self, t: int, nato_gain: float, nato_mask: np.ndarray) -> None:
        """Route month ``t``'s production, seize, and learn from the seizures."""
        p, world = self.pars, self.world
        sk = self.graph.skeleton
        # Only the route skeleton's cells are read: each value is computed there alone.
        production = self.production(t, sk.cells)
        _, next_hop = self.graph.solve(self.risk, p.trafficking.risk_weight)
        seize = seizure_probability(world, p, nato_gain, nato_mask, sk.cells)
        result = self.graph.route(production, next_hop, seize, world.n_cells)
        self.learn(result.flow[sk.cells] + result.seized[sk.cells], seize)
        for name, tons in result.exported.items():
            self.exported_total[name] += tons
        self.last = result

    def learn(self, passed: np.ndarray, seize: np.ndarray) -> None:
        """Update perceived risk where consignments passed (NarcoLogic learning).

        Where goods passed, perceived risk moves at ``trafficking.learning_rate`` toward
        ``base + (1 - base)·seizure rate``: a route without seizures looks like untried
        ground (``trafficking.base_risk``), one with seizures riskier. Elsewhere risk
        relaxes back to the base at ``trafficking.risk_relaxation`` (memories of seizures
        fade).
        """
        t = self.pars.trafficking
        learn_risk(self.risk, passed, seize, base=t.base_risk, rate=t.learning_rate,
                   relaxation=t.risk_relaxation)


def learn_risk(risk: np.ndarray, passed: np.ndarray, seize: np.ndarray, *, base: float,
               rate: float, relaxation: float) -> None:
    """Update perceived risk per route node in place (see :meth:`TraffickingNetwork.learn`)."""
    used = passed > 0
    target = base + (1.0 - base) * seize[used]
    risk[used] += rate * (target - risk[used])
    risk[~used] += relaxation * (base - risk[~used])


class TraffickingCell(PlacedAgent):
    """A trafficking cell at a hub: stock, cash, and bribes to officials around it.

    Attributes:
        hub: Name of the place.
        stock: Tons held (:data:`HUB_STOCK_RETENTION` of it stays a month).
        cash: Value earned (tons handled × ``exit`` value, arbitrary units).
    """

    def __init__(self, model: mesa.Model, world: World, p: Pars,
                 cell: mesa.discrete_space.Cell, hub: str) -> None:
        super().__init__(model)
        self.world = world
        self.pars = p
        self.cell = cell
        self.hub = hub
        self.stock = 0.0
        self.cash = 0.0

    def step(self) -> None:
        """Handle what passed the hub's neighbourhood and bribe officials there."""
        p, world = self.pars, self.world
        here = self.cell_index
        around = world.neighbourhood(here)
        handled = float(world.fields.traffic[around].sum())
        self.stock = HUB_STOCK_RETENTION * self.stock + handled
        self.cash += handled
        c = world.fields.corruption
        pull = p.trafficking.bribe_rate * handled / (handled
                                                     + p.trafficking.bribe_half_saturation)
        c[around] += pull * (1.0 - c[around])



def production_weights(world: World, p: Pars) -> np.ndarray:
    """Opium production weight per Afghan cell: south-heavy, ∝ √population.

    UNODC's 2013 survey put most cultivation in the south (Helmand, Kandahar) and
    the west, with the north-east (Badakhshan) and east next: the south's and east's
    factors are ``trafficking.production_weight_south`` and ``_east``.
    """
    land = world.land
    weight = np.zeros(world.n_cells)
    afg = world.territory["AFG"]
    weight[afg] = np.sqrt(land.population[afg] + 1.0)
    weight[land.regions["southern_afghanistan"]] *= p.trafficking.production_weight_south
    weight[land.regions["eastern_afghanistan"]] *= p.trafficking.production_weight_east
    return weight


def seizure_probability(world: World, p: Pars, nato_gain: float,
                        nato_mask: np.ndarray, cells: np.ndarray | None = None) -> np.ndarray:
    """Share of what passes a cell that is seized there (at ``cells`` only, if given).

    ``1 - exp(-k·(interdiction·(1 + joint·border) + w_p·patrols)·(1 - c)·(1 + nato))``
    with ``w_p = trafficking.patrol_interdiction``.
    """
    f = world.fields
    at = slice(None) if cells is None else cells
    effort = (f.interdiction[at] * (1.0 + p.cooperation.joint_interdiction * world.border[at])
              + p.trafficking.patrol_interdiction * f.security[at])
    gain = 1.0 + nato_gain * nato_mask[at]
    return -np.expm1(-p.trafficking.interdiction_coeff * effort
                     * (1.0 - f.corruption[at]) * gain)


def route_graph(world: World, p: Pars, borders: Borders) -> RouteGraph:
    """The routing problem of a run: edge costs from length, terrain and borders."""
    land = world.land
    sk = land.routes
    dst_cells = sk.cells[sk.dst]
    per_100km = sk.length_km / 100.0
    base = per_100km * (1.0 + p.trafficking.terrain_weight * land.ruggedness[dst_cells])
    crossing_cost = np.zeros(sk.src.size)
    has = sk.crossing >= 0
    crossing_cost[has] = p.trafficking.border_cost * (
        1.0 - np.array([borders.of_pair(int(c)) for c in sk.crossing[has]]))
    premiums = {name: getattr(p.trafficking, f"exit_premium_{name}") for name in EXIT_NAMES}
    return RouteGraph(land, base + crossing_cost + MIN_EDGE_COST, premiums, per_100km)
