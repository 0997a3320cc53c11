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
    territory.update_control(control, target, np.full(3, 0.2))
    assert control == pytest.approx(1 + 0.2 * (target - 1))


def test_control_persists_where_nobody_is() -> None:
    """With no armed presence control drifts only at 1/tau (shadow governance)."""
    rate = territory.control_rate(np.array([0.0, 20.0, 1e6]), rate=0.3, half_presence=20.0,
                                  persistence_months=24.0)
    assert rate == pytest.approx([1 / 24, 0.15 + 1 / 24, 0.3 * 1e6 / (1e6 + 20) + 1 / 24])
    held = np.array([0.1])  # insurgent-held; the band has left (target back to 1)
    for _ in range(6):
        territory.update_control(held, np.ones(1), territory.control_rate(
            np.zeros(1), rate=0.3, half_presence=20.0, persistence_months=24.0))
    assert held[0] < 1 / 3  # still insurgent-held half a year later
    contested = np.array([0.1])
    for _ in range(6):
        territory.update_control(contested, np.ones(1), territory.control_rate(
            np.full(1, 200.0), rate=0.3, half_presence=20.0, persistence_months=24.0))
    assert contested[0] > 2 / 3  # the state retakes it where its forces go


def test_a_bands_hold_stops_at_an_international_border() -> None:
    """A band by the border holds its own side; the far bank's cells get none of it."""
    shape = (20, 20)
    fighters = np.zeros(shape)
    fighters[9, 10] = 500.0  # one cell west of the border between x = 9 and x = 10
    country = np.where(np.arange(20)[:, None] < 10, 1, 2) * np.ones(shape, dtype=int)
    sigma = territory.kernel_sigma(0.5, 40.0)
    borderless = territory.influence(fighters.ravel(), shape, sigma, 4.0).reshape(shape)
    held = territory.influence(fighters.ravel(), shape, sigma, 4.0,
                               country.ravel()).reshape(shape)
    assert borderless[10:].sum() > 0.2 * borderless.sum()  # the kernel crosses it
    assert held[10:].sum() == 0.0
    # On its own side the hold is what it was: nothing is moved, what would cross is lost.
    assert held[:10] == pytest.approx(borderless[:10])
    # A band inside a country far from any border keeps its whole hold.
    fighters[9, 10], fighters[3, 10] = 0.0, 500.0
    inland = territory.influence(fighters.ravel(), shape, sigma, 4.0, country.ravel())
    assert 4.0 * inland.sum() == pytest.approx(500.0, rel=1e-3)


def test_influence_reaches_the_same_kilometres_at_both_resolutions() -> None:
    """A band's hold spreads over km, not cells: the same ground at 0.25 and 0.5 degrees."""
    fine_shape, coarse_shape = (40, 40), (20, 20)
    fine = np.zeros(fine_shape)
    fine[20, 20] = 500.0
    coarse = np.zeros(coarse_shape)
    coarse[10, 10] = 500.0
    held_fine = territory.influence(fine.ravel(), fine_shape,
                                    territory.kernel_sigma(0.25, 30.0), 1.0).reshape(fine_shape)
    held_coarse = territory.influence(coarse.ravel(), coarse_shape,
                                      territory.kernel_sigma(0.5, 30.0), 4.0
                                      ).reshape(coarse_shape)
    # Mass (fighters per 0.25-cell of area, times area) is kept at both resolutions.
    assert held_fine.sum() == pytest.approx(500.0, rel=1e-3)
    assert 4.0 * held_coarse.sum() == pytest.approx(500.0, rel=1e-3)
    # The hold spreads the same kilometres either way: its standard deviation along each
    # axis, in km, is the kernel's (30 km, plus the cell's own width, w/sqrt(12)), to 15 %:
    # at 0.5 degrees the kernel is about half a cell wide and sampled coarsely.
    for held, res in ((held_fine, 0.25), (held_coarse, 0.5)):
        cell_x = 111.32 * res * np.cos(np.radians(territory.KERNEL_LATITUDE))
        cell_y = 111.32 * res
        weights = held / held.sum()
        xs = (np.arange(held.shape[0]) - held.shape[0] // 2) * cell_x
        ys = (np.arange(held.shape[1]) - held.shape[1] // 2) * cell_y
        sd_x = np.sqrt((weights.sum(axis=1) * xs**2).sum() + cell_x**2 / 12)
        sd_y = np.sqrt((weights.sum(axis=0) * ys**2).sum() + cell_y**2 / 12)
        assert sd_x == pytest.approx(30.0, rel=0.15)
        assert sd_y == pytest.approx(30.0, rel=0.15)
    # At 0.5 degrees most of the hold lies beyond the band's own cell (the old square
    # radius rounded to 0 cells and kept all of it there).
    assert held_coarse[10, 10] < 0.5 * held_coarse.sum()


def test_collaboration_follows_control() -> None:
    to_state, to_insurgents = territory.collaboration(np.array([1.0, 0.5, 0.0]), 0.5)
    assert to_state == pytest.approx([1.0, 0.75, 0.5])
    assert to_insurgents == pytest.approx([1.0, 1.25, 1.5])


def test_area_share_weighs_cells_by_km2() -> None:
    mask = np.array([True, False, False])
    assert territory.area_share(mask, np.array([1.0, 1.0, 2.0])) == pytest.approx(0.25)
    assert territory.area_share(mask, np.zeros(3)) == 0.0


THREAT = dict(offset=2.0, threshold=1.0)


def test_threat_ranking_orders_by_influence_and_lost_control() -> None:
    cells = np.arange(5)
    held = np.array([0.0, 2.0, 2.0, 5.0, 0.4])
    control = np.array([1.0, 1.0, 0.0, 1.0, 0.0])
    assert territory.threatened_cells(cells, held, control, 3, **THREAT).tolist() == [3, 2, 1]
    assert territory.threatened_cells(cells, held, control, 1, **THREAT).tolist() == [3]
    assert territory.threatened_cells(cells, np.zeros(5), control, 3, **THREAT).size == 0


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


def test_rivalry_is_read_per_pair_and_scaled() -> None:
    p = resolve({})
    rivalry = Rivalry(Pars.of(p))
    assert rivalry("UZB", "TJK") == p["rivalry.uzb_tjk"] == rivalry("TJK", "UZB")
    assert rivalry("KAZ", "KGZ") == p["rivalry.default"]
    assert Rivalry(Pars.of(resolve({"rivalry.scale": 0.0})))("UZB", "TJK") == 0.0


def test_recruitment_works_on_a_fresh_model() -> None:
    """A network can recruit before the first step (its month caches start empty)."""
    m = small()
    net = m.network("imu")
    before = net.fighters
    net.recruit()
    assert net.fighters > before


WILLING = ("cooperation.csto_political_will=1", "csto.mobilisation_months=0")


def _crisis(m, *hosts: str, incursion: bool = True, step: int = 1) -> None:
    """Put ``hosts`` in crisis (agents/regimes.py), after an armed incursion if asked."""
    for iso3 in hosts:
        m.state(iso3).crisis = True
        if incursion:
            m.ledger.last_incursion_step[iso3] = step
            m.fields.fighters[m.state(iso3).cells[0]] += 500.0  # the band that came in


def test_csto_never_deploys_into_a_non_member() -> None:
    m = small(*WILLING)
    # As willing as this, the CSTO may already stand in a member after the history
    # window: only new deployments count.
    before = set(m.csto.deployed)
    assert "KGZ" not in before
    _crisis(m, "UZB", "TKM", "AFG", "KGZ")
    for step in range(1, 4):
        m.csto.respond(m.states, step)
    assert set(m.csto.deployed) - before == {"KGZ"}
    hosts = {u.owner for u in m.agents_by_type[SecurityForce] if u.kind is ForceKind.CSTO}
    assert hosts == before | {"KGZ"}
    assert m.csto.interventions == 1 and m.csto.response_months == [0]


def test_csto_stays_out_of_an_internal_crisis() -> None:
    # Kyrgyzstan 2010 [KL13]: a member in crisis without an incursion gets no force, and
    # its refused request is not made again until the crisis is over.
    m = small(*WILLING)
    assert "KGZ" not in m.csto.deployed
    m.ledger.last_incursion_step.pop("KGZ", None)
    _crisis(m, "KGZ", incursion=False)
    m.csto.respond(m.states, 1)
    assert "KGZ" not in m.csto.deployed and "KGZ" in m.csto.refused
    m.ledger.last_incursion_step["KGZ"] = 2
    m.csto.respond(m.states, 2)
    assert "KGZ" not in m.csto.deployed  # the same crisis: no second request
    m.state("KGZ").crisis = False  # over
    m.csto.respond(m.states, 3)
    _crisis(m, "KGZ", step=4)
    m.csto.respond(m.states, 4)
    assert "KGZ" in m.csto.deployed


def test_csto_contingent_is_sized_to_the_fighters_and_leaves_at_the_mandate_end() -> None:
    m = small(*WILLING, "csto.mandate_months=3", "csto.force_ratio=2")
    assert "KGZ" not in m.csto.deployed
    _crisis(m, "KGZ")
    m.csto.respond(m.states, 1)
    sent = sum(u.strength for u in m.csto.deployed["KGZ"])
    fighters = float(m.fields.fighters[m.state("KGZ").cells].sum())
    pledged = sum(t for c, t in m.csto.pledges.items() if c != "KGZ")
    assert sent == pytest.approx(min(pledged, 2 * fighters))
    m.csto.respond(m.states, 3)
    assert "KGZ" in m.csto.deployed  # still in crisis, the mandate runs
    m.csto.respond(m.states, 4)
    assert "KGZ" not in m.csto.deployed  # three months on: it ends


def test_csto_sends_nobody_when_the_bands_have_gone() -> None:
    m = small(*WILLING)
    assert "KGZ" not in m.csto.deployed
    _crisis(m, "KGZ")
    m.fields.fighters[m.state("KGZ").cells] = 0.0
    m.csto.respond(m.states, 1)
    assert "KGZ" not in m.csto.deployed and "KGZ" in m.csto.refused
    assert m.csto.interventions == 0


def test_csto_withdraws_when_the_host_recovers() -> None:
    m = small(*WILLING)
    assert "KGZ" not in m.csto.deployed
    _crisis(m, "KGZ")
    m.csto.respond(m.states, 1)
    assert "KGZ" in m.csto.deployed and m.csto.deployed_troops > 0
    m.state("KGZ").crisis = False
    m.csto.respond(m.states, 2)
    assert "KGZ" not in m.csto.deployed


def test_rats_spreads_detection_less_through_a_pyramid() -> None:
    m = small()
    m.fields.detection[:] = 0.0
    gains = {}
    for key in ("imu", "hut"):
        net = m.network(key)
        # A cell alone in its grid cell, so that only it is detected there.
        places = [c.cell_index for c in net.cells.values()]
        first = next(c for c in net.cells.values() if places.count(c.cell_index) == 1)
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
