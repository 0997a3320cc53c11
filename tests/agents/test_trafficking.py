"""Trafficking in isolation, on a synthetic two-corridor graph.

Source S feeds a top corridor (slightly shorter) and a bottom corridor, both ending at
exit node E on the "north" exit. Seizures on the top corridor must raise perceived risk
there and move next month's flow to the bottom corridor: the balloon effect.
"""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import numpy as np
import pytest

from stability_sim.agents.trafficking import RouteGraph, RouteResult, learn_risk
from stability_sim.agents.war_chest import tons_entering
from stability_sim.landscape import RouteSkeleton

K = 5  # nodes per corridor
S, E = 0, 2 * K + 1
TOP = np.arange(1, K + 1)
BOTTOM = np.arange(K + 1, 2 * K + 1)
N = 2 * K + 2


def corridor_graph(premium_north: float = 10.0) -> RouteGraph:
    src, dst, length = [], [], []
    for route, step in ((TOP, 0.9), (BOTTOM, 1.0)):
        chain = [S, *route, E]
        for a, b in itertools.pairwise(chain):
            src.append(a)
            dst.append(b)
            length.append(step)
    src_a, dst_a = np.array(src), np.array(dst)
    order = np.lexsort((dst_a, src_a))
    src_a, dst_a = src_a[order], dst_a[order]
    length_a = np.array(length)[order]
    skeleton = RouteSkeleton(
        cells=np.arange(N), src=src_a, dst=dst_a, length_km=length_a,
        crossing=np.full(src_a.size, -1),
        exit_nodes={"north": np.array([E]), "west": np.array([], dtype=int),
                    "south": np.array([], dtype=int)},
    )
    land = SimpleNamespace(routes=skeleton)
    return RouteGraph(land, length_a, {"north": premium_north, "west": 0.0, "south": 0.0})


def production() -> np.ndarray:
    prod = np.zeros(N)
    prod[S] = 100.0
    return prod


def routed_with_light_seizures() -> RouteResult:
    """A month's routing with no perceived risk and 5 % seized in each top cell."""
    graph = corridor_graph()
    _, hop = graph.solve(np.zeros(N), risk_weight=10.0)
    seize = np.zeros(N)
    seize[TOP] = 0.05
    return graph.route(production(), hop, seize, N)


def test_least_cost_path_and_conservation() -> None:
    result = routed_with_light_seizures()
    assert result.flow[TOP].min() > 0 and result.flow[BOTTOM].max() == 0
    exported = result.exported["north"]
    assert exported + result.seized.sum() == pytest.approx(100.0)
    assert exported == pytest.approx(100.0 * 0.95**K)
    # Each route cell points to the next one; the last to none (the exit is virtual).
    chain = [S, *TOP, E]
    assert result.downstream[chain[:-1]].tolist() == chain[1:]
    assert result.downstream[E] == -1


def test_what_enters_a_stretch_of_route_is_its_first_cell_s_arrivals() -> None:
    result = routed_with_light_seizures()
    area = np.zeros(N, dtype=bool)
    area[TOP[1:4]] = True  # three cells in the middle of the used corridor
    entering = tons_entering(flow=result.flow, seized=result.seized,
                             downstream=result.downstream, area=area)
    assert entering == pytest.approx(100.0 * 0.95)  # what the first top cell passed on
    assert result.flow[area].sum() > 2.5 * entering  # the per-cell sum counts it thrice


def test_balloon_effect_seizures_shift_the_route() -> None:
    graph = corridor_graph()
    risk = np.zeros(N)
    seize = np.zeros(N)
    seize[TOP] = 0.3  # interdiction on the usual route
    _, hop = graph.solve(risk, 10.0)
    first = graph.route(production(), hop, seize, N)
    assert first.flow[TOP].min() > 0
    learn_risk(risk, first.flow + first.seized, seize, base=0.0, rate=0.655,
               relaxation=0.02)
    assert risk[TOP].min() == pytest.approx(0.655 * 0.3)
    _, hop = graph.solve(risk, 10.0)
    second = graph.route(production(), hop, seize, N)
    assert second.flow[BOTTOM].min() > 0 and second.flow[TOP].max() == 0

