"""Mechanisms in isolation, inside a real model: one rule moved, the others held still."""

from __future__ import annotations

import numpy as np
import pytest

from stability_sim.agents.responders import CSTOResponder
from stability_sim.agents.security import ForceKind
from tests.model.conftest import small


def recruit_gain(model, network_key: str, *, grievance: float, security: float) -> float:
    """Fighters one network gains in a month with the given G and s at its cells."""
    net = model.network(network_key)
    where = np.array([c.cell_index for c in net.cells.values()])
    model.fields.grievance[where] = grievance
    model.fields.security[where] = security
    model.fields.garrison[where] = 0.0
    model._presence = {}
    before = net.fighters
    net.recruit()
    gained = net.fighters - before
    for c in net.cells.values():  # undo for the next call
        c.fighters -= gained / len(net.cells)
    return gained


def test_recruitment_rises_with_grievance_and_falls_with_security() -> None:
    m = small()
    low = recruit_gain(m, "imu", grievance=0.1, security=0.0)
    high = recruit_gain(m, "imu", grievance=0.6, security=0.0)
    guarded = recruit_gain(m, "imu", grievance=0.6, security=500.0)
    assert high > low > 0
    assert guarded < high


def test_recruitment_backlash_from_recent_repression() -> None:
    m = small()
    calm = recruit_gain(m, "hut", grievance=0.4, security=0.0)
    m.fields.repression_recent[:] = 1.0
    angry = recruit_gain(m, "hut", grievance=0.4, security=0.0)
    assert angry > calm  # [KL13] on Andijan: crackdown, then solidarity


def test_stability_falls_with_lost_control_and_violence() -> None:
    m = small()
    tjk = m.state("TJK")
    tjk.assess()
    calm = tjk.stability
    m.fields.control[tjk.cells] = 0.3
    m.month_fatalities["TJK"] = 50.0
    tjk.assess()
    assert tjk.stability < calm - 0.2


def test_csto_never_deploys_into_a_non_member() -> None:
    m = small("csto.readiness=1", "cooperation.csto_political_will=1",
              "csto.mobilisation_months=0")
    for iso3 in ("UZB", "TKM", "AFG", "TJK"):
        m.state(iso3).stability = 0.1
    csto: CSTOResponder = m.csto
    for _ in range(3):
        m.steps += 1
        csto.step()
    assert set(csto.deployed) == {"TJK"}
    hosts = {u.owner for u in m.agents_by_type[type(m.intl_units[0])]
             if u.kind is ForceKind.CSTO}
    assert hosts == {"TJK"}
    assert csto.interventions == 1 and csto.response_months == [0]


def test_csto_withdraws_when_the_host_recovers() -> None:
    m = small("csto.readiness=1", "cooperation.csto_political_will=1",
              "csto.mobilisation_months=0")
    m.state("KGZ").stability = 0.1
    m.csto.step()
    assert "KGZ" in m.csto.deployed and m.csto.deployed_troops > 0
    m.state("KGZ").stability = 0.95
    m.csto.step()
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
