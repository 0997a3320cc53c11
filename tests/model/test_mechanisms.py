"""Mechanisms in isolation: pure rules on arrays (no model), agents' rules on a small model.

Each rule of MODEL.md §4 that is a function over per-cell arrays is tested here on
hand-made arrays; the agents' decisions (the CSTO, RATS) on a real model with one input
moved and the others held still.
"""

from __future__ import annotations

import numpy as np
import pytest

from stability_sim.agents import population, territory
from stability_sim.agents.intelligence import Rivalry
from stability_sim.agents.jihadists import recruitment
from stability_sim.agents.security import ForceKind, SecurityForce
from stability_sim.agents.states import legitimacy_target, stability_index
from stability_sim.params import Pars, resolve
from tests.model.conftest import small


def gain(**change: object) -> np.ndarray:
    """Recruitment in three cells with everything at a plain value but ``change``."""
    args: dict[str, object] = dict(
        rate=0.1, density=np.full(3, 10_000.0), exponent=0.5, grievance=np.full(3, 0.4),
        reach=np.ones(3), capacity=1.0, funds_factor=1.0, security=np.zeros(3),
        half_saturation=100.0, backlash=3.0, repression=np.full(3, 0.8),
        recent_repression=np.zeros(3), presence=np.zeros(3), pool_share=0.002)
    args.update(change)
    return recruitment(**args)  # type: ignore[arg-type]


def test_recruitment_rises_with_grievance_and_falls_with_security() -> None:
    low = gain(grievance=np.full(3, 0.1))
    high = gain(grievance=np.full(3, 0.6))
    guarded = gain(grievance=np.full(3, 0.6), security=np.full(3, 500.0))
    assert (high > low).all() and (low > 0).all()
    assert (guarded < high).all()
    assert (gain(reach=np.zeros(3)) == 0).all()  # nothing outside the network's reach


def test_recruitment_backlash_from_recent_repression() -> None:
    calm = gain()
    angry = gain(recent_repression=np.ones(3))
    assert (angry == pytest.approx(calm * (1 + 3.0 * 0.8)))  # [KL13] on Andijan


def test_recruitment_stops_when_the_local_pool_is_full() -> None:
    full = gain(presence=np.full(3, 0.002 * 10_000.0))
    half = gain(presence=np.full(3, 0.001 * 10_000.0))
    assert full == pytest.approx(0.0, abs=1e-6)  # (the pool's 1e-9 guard leaves a trace)
    assert half == pytest.approx(gain() / 2)


def test_stability_falls_with_lost_control_and_violence() -> None:
    w = (0.4, 0.2, 0.3, 0.1)
    calm = stability_index(w, (1.0, 1.0, 0.45, 1.0))
    shaken = stability_index(w, (0.3, 1.0 - 50 / 70, 0.45, 1.0))
    assert shaken < calm - 0.2
    assert stability_index((0.0, 0.0, 0.0, 0.0), (0.1, 0.1, 0.1, 0.1)) == 1.0
    # A population-weighted term an ulp above 1 does not lift S above 1; NaN passes.
    over = 1.0 + 2.0**-52
    assert stability_index((0.8433592400567991, 0.0, 0.0, 0.0), (over, 1.0, 1.0, 1.0)) == 1.0
    assert np.isnan(stability_index(w, (float("nan"), 1.0, 1.0, 1.0)))


def test_legitimacy_target_follows_control_violence_and_revenue() -> None:
    def target(*args: float) -> float:
        return legitimacy_target(*args, base=0.6, control_weight=0.4, violence_weight=0.3)

    assert target(0.5, 1.0, 0.0, 0.0) == pytest.approx(0.5)
    assert target(0.5, 0.0, 0.0, 0.0) == pytest.approx(0.3)
    assert target(0.5, 1.0, 1.0, 0.0) == pytest.approx(0.2)
    assert target(0.5, 1.0, 0.0, 0.02) == pytest.approx(0.52)


def test_control_moves_toward_security_against_fighters() -> None:
    target = territory.control_target(np.array([99.0, 0.0, 99.0]), np.zeros(3),
                                      np.array([0.0, 10.0, 10.0]), insurgent_weight=10.0,
                                      base_presence=1.0)
    assert target == pytest.approx([1.0, 1 / 101, 100 / 200])
    control = np.ones(3)
    territory.update_control(control, target, smoothing=0.0, rate=0.2,
                             neighbour_mean=lambda x: x)
    assert control == pytest.approx(1 + 0.2 * (target - 1))
    smoothed = np.ones(3)
    territory.update_control(smoothed, target, smoothing=1.0, rate=1.0,
                             neighbour_mean=lambda x: np.full(3, 0.5))
    assert smoothed == pytest.approx([0.5, 0.5, 0.5])  # all neighbourhood


THREAT = dict(offset=2.0, threshold=1.0)


def test_threat_ranking_orders_by_influence_and_lost_control() -> None:
    cells = np.arange(5)
    held = np.array([0.0, 2.0, 2.0, 5.0, 0.4])
    control = np.array([1.0, 1.0, 0.0, 1.0, 0.0])
    assert territory.threatened_cells(cells, held, control, 3, **THREAT).tolist() == [3, 2, 1]
    assert territory.threatened_cells(cells, held, control, 1, **THREAT).tolist() == [3]
    assert territory.threatened_cells(cells, np.zeros(5), control, 3, **THREAT).size == 0


def test_influence_radius_is_a_district_at_quarter_degree_and_a_cell_at_half() -> None:
    assert territory.influence_radius(0.25, 0.25) == 1
    assert territory.influence_radius(0.5, 0.25) == 0  # issue 17: the artefact, kept for now
    assert territory.influence_radius(0.5, 0.5) == 1


def test_grievance_is_hardship_not_offset_by_legitimacy() -> None:
    g, exposure = np.zeros(2), np.zeros(2)
    population.update_grievance(g, exposure, violence=np.array([0.0, 20.0]),
                                collateral=np.zeros(2), poverty=np.full(2, 0.4),
                                legitimacy=np.full(2, 0.5), corruption=np.full(2, 0.8),
                                memory=0.9, collateral_grievance=0.001,
                                violence_exposure=0.3, collateral_shock_factor=100.0,
                                shock_saturation=10.0)
    assert exposure == pytest.approx([0.0, 0.1])  # a saturated shock, remembered at 0.9
    assert g == pytest.approx([0.4 * 0.9, (0.4 + 0.03) * 0.9])


def test_repression_memory_saturates_and_fades() -> None:
    recent = np.zeros(2)
    population.remember_repression(recent, np.array([5.0, 50.0]), memory=0.9,
                                   saturation=10.0)
    assert recent == pytest.approx([0.05, 0.1])
    population.remember_repression(recent, np.zeros(2), memory=0.9, saturation=10.0)
    assert recent == pytest.approx([0.045, 0.09])


def test_corruption_relaxes_toward_its_baseline() -> None:
    c = np.array([0.9, 0.5])
    population.relax_corruption(c, np.array([0.7, 0.7]), 0.02)
    assert c == pytest.approx([0.9 - 0.004, 0.5 + 0.004])


def test_rivalry_damps_sco_trust() -> None:
    p = resolve({})
    rivalry = Rivalry(Pars.of(p))
    assert rivalry("UZB", "TJK") == p["rivalry.uzb_tjk"] == rivalry("TJK", "UZB")
    assert rivalry("KAZ", "KGZ") == p["rivalry.default"]
    none = Rivalry(Pars.of(resolve({"rivalry.scale": 0.0})))
    assert none.sco_trust("UZB") == 1.0 > rivalry.sco_trust("UZB")


def test_recruitment_works_on_a_fresh_model() -> None:
    """A network can recruit before the first step (its month caches start empty)."""
    m = small()
    net = m.network("imu")
    before = net.fighters
    net.recruit()
    assert net.fighters > before


def test_csto_never_deploys_into_a_non_member() -> None:
    m = small("csto.readiness=1", "cooperation.csto_political_will=1",
              "csto.mobilisation_months=0")
    for iso3 in ("UZB", "TKM", "AFG", "TJK"):
        m.state(iso3).stability = 0.1
    for step in range(1, 4):
        m.csto.respond(m.states, step)
    assert set(m.csto.deployed) == {"TJK"}
    hosts = {u.owner for u in m.agents_by_type[SecurityForce] if u.kind is ForceKind.CSTO}
    assert hosts == {"TJK"}
    assert m.csto.interventions == 1 and m.csto.response_months == [0]


def test_csto_withdraws_when_the_host_recovers() -> None:
    m = small("csto.readiness=1", "cooperation.csto_political_will=1",
              "csto.mobilisation_months=0")
    m.state("KGZ").stability = 0.1
    m.csto.respond(m.states, 1)
    assert "KGZ" in m.csto.deployed and m.csto.deployed_troops > 0
    m.state("KGZ").stability = 0.95
    m.csto.respond(m.states, 2)
    assert "KGZ" not in m.csto.deployed and m.csto.deployed_troops == 0


def test_rats_spreads_detection_less_through_a_pyramid() -> None:
    m = small()
    m.fields.detection[:] = 0.0
    gains = {}
    for key in ("imu", "hut"):
        net = m.network(key)
        first = next(iter(net.cells.values()))
        linked = net.cells[next(iter(net.graph.neighbors(first.unique_id)))]
        linked.cell = first.cell  # same place, so the channel is domestic (w = 1)
        linked.exposure = 0.0
        m.fields.detection[first.cell_index] = 1.0
        m.rats.share(net, 0.5, m.p["rats.pyramid_damping"])
        gains[key] = linked.exposure
        m.fields.detection[first.cell_index] = 0.0
    assert gains["imu"] == pytest.approx(0.5)
    assert gains["hut"] == pytest.approx(0.5 * (1 - m.p["rats.pyramid_damping"]))


def test_rivalry_damps_sharing_between_states() -> None:
    m = small()
    assert m.rats.channel("UZB", "UZB") == 1.0
    friendly = small("rivalry.scale=0").rats.channel("UZB", "TJK")
    assert m.rats.channel("UZB", "TJK") < friendly
    assert m.rats.channel("TKM", "UZB") == 0.0  # Turkmenistan is not in the SCO
