"""The fast paths of issue 7 give bit-for-bit the results of the plain definitions.

Each optimisation keeps a fixed-seed run identical, so each is checked here against the
straightforward code it replaced, on random inputs with zeros, edges and wide magnitudes.
"""

from __future__ import annotations

import numpy as np
import pytest

from stability_sim.agents.trafficking import EXIT_NAMES, seizure_probability
from stability_sim.landscape import landscape


def _gathered_neighbour_mean(values: np.ndarray, neighbours: np.ndarray) -> np.ndarray:
    valid = neighbours >= 0
    gathered = np.where(valid, values[np.where(valid, neighbours, 0)], 0.0)
    return gathered.sum(axis=1) / np.maximum(valid.sum(axis=1), 1)


@pytest.mark.parametrize("resolution", [0.5, 0.25])
def test_neighbour_mean_equals_the_gathered_table_bit_for_bit(resolution: float) -> None:
    land = landscape(resolution)
    rng = np.random.default_rng(7)
    for _ in range(10):
        values = rng.random(land.n_cells) * 10.0 ** rng.uniform(-6, 6, land.n_cells)
        values[rng.random(land.n_cells) < 0.3] = 0.0
        fast = land.neighbour_mean(values)
        plain = _gathered_neighbour_mean(values, land.neighbours)
        assert np.array_equal(fast.view(np.int64), plain.view(np.int64))


def _full_spread(deposit: np.ndarray, shape: tuple[int, int], fp) -> np.ndarray:
    from stability_sim.agents.security import spread

    return spread(deposit, shape, fp)  # the filter over the whole grid


def _footprints():
    from stability_sim.agents.security import Footprint, box, gaussian

    whole = [Footprint(np.full(2 * r + 1, 1 / (2 * r + 1)), np.full(2 * r + 1, 1 / (2 * r + 1)))
             for r in (1, 2, 3)]
    return [*whole, box(0.5, 0.5), gaussian(0.25, 30.0), gaussian(0.5, 25.0)]


@pytest.mark.parametrize("k", range(6))
def test_spread_within_a_box_equals_the_full_filter_there_bit_for_bit(k: int) -> None:
    from stability_sim.agents.security import spread

    fp = _footprints()[k]
    shape = (60, 45)
    rng = np.random.default_rng(k)
    for _ in range(200):
        deposit = np.zeros(shape)
        # Deposits in a random sub-rectangle, at magnitudes that leave rounding residues.
        x0, y0 = rng.integers(0, 40), rng.integers(0, 30)
        n = int(rng.integers(1, 12))
        xs = rng.integers(x0, min(shape[0], x0 + 15), n)
        ys = rng.integers(y0, min(shape[1], y0 + 12), n)
        deposit[xs, ys] = rng.random(n) * 10.0 ** rng.uniform(-3, 5, n)
        deposit = deposit.ravel()
        bx0, by0 = int(rng.integers(0, shape[0])), int(rng.integers(0, shape[1]))
        box = (bx0, int(rng.integers(bx0, shape[0])), by0, int(rng.integers(by0, shape[1])))
        full = _full_spread(deposit, shape, fp).reshape(shape)
        sources = None if rng.random() < 0.5 else xs * shape[1] + ys
        part = spread(deposit, shape, fp, within=box, sources=sources).reshape(shape)
        inside = np.zeros(shape, dtype=bool)
        inside[box[0]:box[1] + 1, box[2]:box[3] + 1] = True
        assert np.array_equal(part[inside].view(np.int64), full[inside].view(np.int64))
        assert not part[~inside].any()


def test_presence_is_the_per_owner_full_spread_on_the_owners_land() -> None:
    """Each owner's patrols and garrisons spread over the whole grid, then masked to its land."""
    from stability_sim.agents.security import Posture, SecurityForce, presence, territories
    from stability_sim.config import SCENARIO_DIR, load_scenario
    from stability_sim.geography import STUDY_STATES
    from stability_sim.model import StabilityModel

    model = StabilityModel(load_scenario(SCENARIO_DIR / "baseline.yaml",
                                         ["grid.resolution=0.25", "months=12"]))
    model.run()
    units = list(model.agents_by_type[SecurityForce])
    land = model.land
    got = presence(units, n_cells=model.n_cells, shape=land.shape,
                   territory=territories(model.world), patrol=model.patrol,
                   garrison=model.garrison, troop_equivalent=1.0)
    for field, postures, fp in (
            ("security", (Posture.PATROL, Posture.RESPOND), model.patrol),
            ("garrison", (Posture.GARRISON,), model.garrison)):
        want = np.zeros(model.n_cells)
        for k, iso3 in enumerate(STUDY_STATES):
            deposit = np.zeros(model.n_cells)
            for u in units:
                if u.owner == iso3 and u.posture in postures and u.strength > 0:
                    deposit[u.cell_index] += u.strength * u.quality
            if deposit.any():
                want += np.where(land.state == k, _full_spread(deposit, land.shape, fp), 0.0)
        assert np.array_equal(getattr(got, field).view(np.int64), want.view(np.int64)), field


def _plain_solve(graph, node_risk: np.ndarray, risk_weight: float):
    """Dijkstra on a matrix built afresh from base costs plus the risk of the node entered."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    sk, n = graph.skeleton, graph.n_nodes
    rows = np.concatenate([sk.dst, np.full(graph.exits.size, n)])
    cols = np.concatenate([sk.src, graph.exits])
    weights = np.concatenate([graph.base_cost + risk_weight * node_risk[sk.dst]
                              * graph.edge_scale, graph.exit_weight])
    matrix = csr_matrix((weights, (rows, cols)), shape=(n + 1, n + 1))
    cost, pred = dijkstra(matrix, directed=True, indices=n, return_predecessors=True)
    return cost[:n], pred[:n]


def _plain_route(graph, production, next_hop, seize_probability):
    """Each hop booked as it happens (one np.add.at per hop, exports added per hop)."""
    flow = np.zeros(graph.n_nodes)
    seized = np.zeros(graph.n_nodes)
    exported = dict.fromkeys(EXIT_NAMES, 0.0)
    current = np.flatnonzero(production > 0)
    amount = production[current].astype(float)
    while current.size:
        taken = amount * seize_probability[current]
        np.add.at(seized, current, taken)
        amount = amount - taken
        np.add.at(flow, current, amount)
        hop = next_hop[current]
        at_exit = hop == graph.virtual
        tons = np.bincount(graph.exit_group[current[at_exit]], weights=amount[at_exit],
                           minlength=len(EXIT_NAMES))
        for g, name in enumerate(EXIT_NAMES):
            exported[name] += float(tons[g])
        keep = ~at_exit & (hop >= 0)
        current, amount = hop[keep], amount[keep]
    return flow, seized, exported


def test_monthly_routing_equals_the_plain_solver_and_router_bit_for_bit() -> None:
    from stability_sim.config import SCENARIO_DIR, load_scenario
    from stability_sim.model import StabilityModel

    model = StabilityModel(load_scenario(SCENARIO_DIR / "baseline.yaml",
                                         ["grid.resolution=0.5", "months=30"]))
    network = model.trafficking
    graph, sk = network.graph, network.graph.skeleton
    rng = np.random.default_rng(3)
    for month in range(30):
        model.step()
        if month % 6:
            continue
        risk = network.risk * rng.uniform(0.5, 1.5, network.risk.size)  # learned + noise
        weight = model.p["trafficking.risk_weight"]
        cost, hop = graph.solve(risk, weight)
        plain_cost, plain_hop = _plain_solve(graph, risk, weight)
        assert np.array_equal(cost, plain_cost) and np.array_equal(hop, plain_hop)
        production = network.production(model._t)[sk.cells]
        seize = seizure_probability(model.world, model.pars, model.nato.gain,
                                    model.nato.mask)[sk.cells]
        result = graph.route(production, hop, seize, model.n_cells)
        flow, seized, exported = _plain_route(graph, production, hop, seize)
        assert result.exported == exported and sum(exported.values()) > 0
        assert np.array_equal(result.flow[sk.cells].view(np.int64), flow.view(np.int64))
        assert np.array_equal(result.seized[sk.cells].view(np.int64), seized.view(np.int64))


def test_a_loose_networks_random_acquaintance_is_the_plain_pick_over_the_graph() -> None:
    """``_other`` bisects a sorted id list; the plain rule listed the graph's nodes."""
    from stability_sim.agents.jihadists import JihadistCell, Structure
    from stability_sim.model import StabilityModel

    model = StabilityModel(grid__resolution=0.5, months=1)
    rng = np.random.default_rng(11)
    loose = [n for n in model.networks if n.spec.structure is Structure.LOOSE and n.cells]
    assert loose
    for network in loose:
        for _ in range(300):
            cells = list(network.cells.values())
            if rng.random() < 0.4 and len(cells) > 3:
                network.drop_cell(cells[int(rng.integers(len(cells)))])
                continue
            parent = cells[int(rng.integers(len(cells)))]
            child = JihadistCell(model, network, parent.cell, 10.0)
            network.add_cell(child, parent)
            nodes = list(network.graph.nodes)
            assert network._order == nodes
            plain = [u for u in nodes if u not in (child.unique_id, parent.unique_id)]
            for k in range(len(plain)):
                assert network._other(k, parent.unique_id) == plain[k]
