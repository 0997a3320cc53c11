"""Mechanisms that read the World, tested on a World built without a model.

A :class:`~stability_sim.world.World` needs only a landscape and flat arrays for its
layers (no Mesa grid), so intelligence, seizures, combat and border crossings can be
checked with one input moved and the rest held still.
"""

from __future__ import annotations

import numpy as np
import pytest

from stability_sim.agents.borders import Borders
from stability_sim.agents.intelligence import Rivalry, intel_field, rats_exchange
from stability_sim.agents.security import operations
from stability_sim.agents.states import paint_states
from stability_sim.agents.trafficking import seizure_probability
from stability_sim.landscape import landscape, pair_code
from stability_sim.ledger import Ledger
from stability_sim.params import Pars, resolve
from stability_sim.world import LAYERS, World


def world(**sets: object) -> tuple[World, Pars]:
    """A 0.5° world painted with the states' values, and its parameters.

    Its Mesa cells are made on first use (only agents need them).
    """
    land = landscape(0.5)
    pars = Pars.of(resolve(dict(sets)))
    w = World(land, {name: np.zeros(land.n_cells) for name in LAYERS}, _Cells(), 0.5)
    paint_states(w, pars)
    return w, pars


def intel(w: World, pars: Pars, *, enablers: float = 0.0, gain: float = 0.0) -> np.ndarray:
    mask = np.zeros(w.n_cells, dtype=bool)
    mask[w.land.regions["tajik_afghan_border"]] = True
    return intel_field(w, pars, enablers=enablers, rivalry=Rivalry(pars), nato_gain=gain,
                       nato_mask=mask, networks=[])


def test_intelligence_rises_with_sharing_in_sco_members_only() -> None:
    low_w, low_p = world(**{"cooperation.intel_sharing": 0.0})
    high_w, high_p = world(**{"cooperation.intel_sharing": 1.0})
    low, high = intel(low_w, low_p), intel(high_w, high_p)
    uzb, tkm = low_w.territory["UZB"], low_w.territory["TKM"]
    assert (high[uzb] > low[uzb]).all()
    assert np.array_equal(high[tkm], low[tkm])  # Turkmenistan is not in the SCO
    assert ((high >= 0) & (high <= 1)).all()


def test_the_rats_exchange_pools_what_members_know_damped_by_rivalry() -> None:
    pars = Pars.of(resolve({}))
    rivals, friends = Rivalry(pars), Rivalry(Pars.of(resolve({"rivalry.scale": 0.0})))
    known = {"KAZ": 0.1, "KGZ": 0.0, "TJK": 0.0, "UZB": 0.0}
    gains = rats_exchange(known, sharing=1.0, weight=1.0, rivalry=friends)
    # Nobody gains more than the partners know; the one who knows is taught nothing.
    assert gains["KAZ"] == 0.0
    assert gains["UZB"] == pytest.approx(0.1 / 3)
    damped = rats_exchange(known, sharing=1.0, weight=1.0, rivalry=rivals)
    assert damped["UZB"] == pytest.approx((1 - pars.rivalry.uzb_kaz) * 0.1 / 3)
    assert rats_exchange(known, sharing=0.0, weight=1.0, rivalry=friends)["UZB"] == 0.0
    ignorant = dict.fromkeys(known, 0.0)
    assert set(rats_exchange(ignorant, sharing=1.0, weight=1.0,
                             rivalry=friends).values()) == {0.0}


def test_international_enablers_add_intelligence_in_afghanistan() -> None:
    w, pars = world()
    afg, tjk = w.territory["AFG"], w.territory["TJK"]
    without, full = intel(w, pars, enablers=0.0), intel(w, pars, enablers=1.0)
    gained = full[afg] - without[afg]
    assert gained == pytest.approx(np.minimum(pars.intelligence.enabler_weight,
                                              1 - without[afg]))
    assert np.array_equal(full[tjk], without[tjk])


def test_the_nato_link_adds_intelligence_on_the_tajik_afghan_border() -> None:
    w, pars = world(**{"cooperation.intel_sharing": 0.0})
    border = w.land.regions["tajik_afghan_border"]
    plain, linked = intel(w, pars), intel(w, pars, gain=0.4)
    assert linked[border] == pytest.approx(np.minimum(1, plain[border] + 0.4 * 0.5))
    elsewhere = np.setdiff1d(np.arange(w.n_cells), border)
    assert np.array_equal(linked[elsewhere], plain[elsewhere])


def test_seizures_rise_with_interdiction_and_fall_with_corruption() -> None:
    w, pars = world()
    f = w.fields
    f.interdiction[:] = 100.0
    mask = np.zeros(w.n_cells, dtype=bool)
    base = seizure_probability(w, pars, 0.0, mask)
    f.interdiction[:] = 200.0
    more = seizure_probability(w, pars, 0.0, mask)
    land_cells = w.territory["TJK"]
    assert (more[land_cells] > base[land_cells]).all()
    f.corruption[:] = 1.0
    assert (seizure_probability(w, pars, 0.0, mask) == 0).all()


def test_joint_interdiction_acts_on_border_cells() -> None:
    w0, p0 = world(**{"cooperation.joint_interdiction": 0.0})
    w1, p1 = world(**{"cooperation.joint_interdiction": 1.0})
    for w in (w0, w1):
        w.fields.interdiction[:] = 100.0
        w.fields.corruption[:] = 0.5
    mask = np.zeros(w0.n_cells, dtype=bool)
    s0, s1 = seizure_probability(w0, p0, 0.0, mask), seizure_probability(w1, p1, 0.0, mask)
    assert (s1[w0.border] > s0[w0.border]).all()
    assert np.array_equal(s1[~w0.border], s0[~w0.border])


def test_operations_hit_fighters_where_forces_are_and_harder_under_repression() -> None:
    w, pars = world()
    f = w.fields
    uzb, kaz = w.territory["UZB"][0], w.territory["KAZ"][0]  # repression 1.0 and 0.67
    for cell in (uzb, kaz):
        f.security[cell] = 200.0
        f.fighters[cell] = 50.0
        f.intel[cell] = 0.5
    lonely = w.territory["TJK"][0]
    f.fighters[lonely] = 50.0  # no forces there
    ops = operations(w, pars)
    assert ops.insurgent_losses[uzb] > ops.insurgent_losses[kaz] > 0
    assert ops.insurgent_losses[lonely] == 0 and f.detection[lonely] == 0
    assert f.detection[uzb] > 0 and ops.force_losses[uzb] > 0


def test_crossing_inside_a_country_is_certain_and_the_nato_link_closes_tjk_afg() -> None:
    w, pars = world()
    land = w.land
    codes = land.geo.country_codes
    open_ = Borders(land, pars, nato_gain=0.0)
    linked = Borders(land, pars, nato_gain=0.5)
    tjk, afg = w.territory["TJK"], w.territory["AFG"]
    assert open_.crossing_probability(int(tjk[0]), int(tjk[1])) == 1.0
    code = pair_code(codes.index("AFG"), codes.index("TJK"), len(codes))
    assert open_.of_pair(code) == pars.borders.porosity_tjk_afg
    into_tjk = open_.crossing_probability(int(afg[0]), int(tjk[0]))
    assert into_tjk == pytest.approx(pars.borders.porosity_tjk_afg
                                     * (1 - pars.borders.guard_effect
                                        * pars.state("TJK").border_quality))
    assert linked.crossing_probability(int(afg[0]), int(tjk[0])) == pytest.approx(
        into_tjk * 0.5)


def test_an_incursion_is_an_armed_band_crossing_into_central_asia() -> None:
    # Issue 18: HuT cells moving over a Fergana border had been 94 % of "incursions".
    w, _ = world()
    ledger = Ledger(w)
    afg, tjk, uzb = (w.territory[s] for s in ("AFG", "TJK", "UZB"))
    ledger.record_move(int(afg[0]), int(tjk[0]), 5, armed=True)   # from Afghanistan
    ledger.record_move(int(uzb[0]), int(tjk[1]), 6, armed=True)   # from another state
    ledger.record_move(int(uzb[0]), int(tjk[1]), 7, armed=False)  # a non-violent cell
    ledger.record_move(int(tjk[0]), int(tjk[1]), 8, armed=True)   # within a state
    ledger.record_move(int(tjk[0]), int(afg[0]), 9, armed=True)   # out of Central Asia
    assert (ledger.month_incursions, ledger.total_incursions) == (2, 2)
    assert (ledger.month_crossings, ledger.total_crossings) == (3, 3)
    assert ledger.first_incursion_step == 5
    ledger.roll_month()
    assert (ledger.month_incursions, ledger.month_crossings) == (0, 0)
    assert (ledger.total_incursions, ledger.total_crossings) == (2, 3)


def test_afghan_forces_units_carry_the_force_and_its_quality() -> None:
    """The force's strength is split over its units; pay, enablers and losses move it."""
    import mesa

    from stability_sim.agents.afghan import AfghanForces
    from stability_sim.agents.security import Posture

    w, pars = world()
    model = mesa.Model(rng=0)
    model.ny = w.ny
    forces = AfghanForces(model, w, pars, intl_troops=87_207.0)
    start = forces.strength
    patrol = [u for u in forces.units if u.posture is Posture.PATROL]
    assert sum(u.strength for u in forces.units) == pytest.approx(start)
    assert sum(u.strength for u in patrol) == pytest.approx(
        start * pars.security.deployable_share)
    a = pars.afg_forces
    paid = dict(funding_usd_bn=6.0, goal=float(a.initial))
    forces.month(intl_troops=0.0, **paid)
    # Paid and at its goal, the force replaces its attrition and holds its size.
    assert forces.strength == pytest.approx(start, rel=0.01)
    # No international troops: no enablers, so the units fight at the floor's share.
    assert patrol[0].quality == pytest.approx(
        a.base_effectiveness * a.support_floor * forces.morale)
    unpaid = AfghanForces(model, w, pars, intl_troops=87_207.0)
    for _ in range(6):
        unpaid.month(intl_troops=87_207.0, funding_usd_bn=0.0, goal=float(a.initial))
    assert unpaid.morale < 0.5 and unpaid.strength < 0.8 * start
    forces.lose(1e9)
    assert forces.strength == 0.0
    assert forces.last.combat_losses > 0


class _Cells(dict):
    """Mesa cells made on first use, keyed by ``(ix, iy)``."""

    def __missing__(self, key: tuple[int, int]) -> object:
        from mesa.discrete_space import Cell

        cell = self[key] = Cell(key)
        return cell
