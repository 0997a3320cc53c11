"""The six study states: legitimacy, upheavals, the stability index, force allocation.

A :class:`StateAgent` has no cell. Each month it reads the cells of its territory
(vectorised), updates its legitimacy, may suffer an upheaval (``agents/regimes.py``),
updates its stability index S and whether it is in crisis, and sends its mobile units to
the most threatened places. The CSTO reads whether its members are in crisis to decide on
their requests (:mod:`stability_sim.agents.responders`). :func:`paint_states` writes each
state's repression, poverty, corruption and police onto its cells.
"""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING

import mesa
import numpy as np

from stability_sim.agents.regimes import (
    Upheaval,
    draw_upheaval,
    ground_lost,
    in_crisis,
    upheaval_hazard,
    violent_crisis,
)
from stability_sim.agents.security import Posture, SecurityForce, send_to_threats
from stability_sim.agents.territory import THREAT_SPACING, threatened_cells
from stability_sim.geography import STUDY_STATES

if TYPE_CHECKING:
    from stability_sim.params import Pars
    from stability_sim.world import World

#: CSTO members among the study states in 2013 (Uzbekistan left in 2012 [KL13]).
CSTO_MEMBERS = ("KAZ", "KGZ", "TJK")
#: SCO members among the study states (Turkmenistan is neutral; Afghanistan an observer).
SCO_MEMBERS = ("KAZ", "KGZ", "TJK", "UZB")


def legitimacy_target(legitimacy0: float, control: float, violence_term: float,
                      revenue: float, *, base: float, control_weight: float,
                      violence_weight: float, economic_loss: float = 0.0) -> float:
    """What legitimacy moves toward: ``L0·(a + b·control) - w_v·violence + revenue - loss``.

    ``a``, ``b`` and ``w_v`` are ``states.legitimacy_base`` (0.6),
    ``states.legitimacy_control_weight`` (0.4) and ``states.legitimacy_violence_weight``
    (0.3); ``economic_loss`` is ``states.remittance_weight × remittances ×
    economy.remittance_shock`` (remittances kept Tajikistan's and Kyrgyzstan's households
    afloat). Unclipped; the state clips it to [0, 1]. Legitimacy recovers toward it as
    soon as violence falls or control returns.
    """
    return legitimacy0 * (base + control_weight * control) - violence_weight * violence_term \
        + revenue - economic_loss


def mean_standing(p: Pars) -> float:
    """L̄0: the mean 2013 legitimacy of the Central Asian states (the hazard's reference)."""
    return float(np.mean([p.state(c).legitimacy for c in STUDY_STATES if c != "AFG"]))


def stability_index(weights: tuple[float, ...], terms: tuple[float, ...]) -> float:
    """``S = Σ w_k·term_k / Σ w_k`` (1 when every weight is 0), at most 1.

    A population-weighted term (control, presence) can exceed 1 by an ulp, since the
    population weights sum to 1 only up to rounding; with only its weight set, S would
    too (found by tests/reliability/test_numerical_health.py). NaN and infinity pass
    through, for the numerical health check to report.
    """
    total = sum(weights)
    if not total:
        return 1.0
    s = sum(a * b for a, b in zip(weights, terms, strict=True)) / total
    return 1.0 if 1.0 < s < math.inf else s


class StateAgent(mesa.Agent):
    """A study state.

    Attributes:
        iso3: Country code.
        cells: Flat indices of its land cells.
        weights: Population weights of those cells (sum 1).
        capital: Flat index of the capital's cell.
        legitimacy: L in [0, 1]; ``legitimacy0`` is its 2013 value.
        stability: S in [0, 1].
        units: Security force units it commands (Afghan forces for AFG).
        recent_deaths: Political-violence deaths of the last months (the latest last).
        control_below: Consecutive months with control below ``stability.control_lost``.
        crisis: Whether it is in crisis this month (its regime toppled, a violent crisis
            or lost ground; ``agents/regimes.py``).
        upheaval: This month's upheaval (Central Asian states only), or None.
        upheavals: Upheavals since the branch; ``regime_falls`` of them toppled it.
        destabilized_step: First step at which it was in crisis, or None.
        collapsed_step: First step of collapse (capital lost, or control < 0.5; for AFG
            the capital lost or the army disintegrated), or None.
        force_disintegrated: Whether its army has disintegrated (AFG).
    """

    def __init__(self, model: mesa.Model, world: World, p: Pars, iso3: str,
                 capital: int) -> None:
        super().__init__(model)
        self.world = world
        self.pars = p
        self.iso3 = iso3
        self.cells = cells = world.territory[iso3]
        pop = world.population[cells]
        self.weights = pop / pop.sum()
        self.capital = capital
        self.legitimacy = self.legitimacy0 = p.state(iso3).legitimacy
        self.border_quality = p.state(iso3).border_quality
        self.stability = 1.0
        self.control = 1.0
        self.violence_term = 0.0
        self.insurgency = 0.0
        self.units: list[SecurityForce] = []
        self.recent_deaths: deque[float] = deque(maxlen=p.stability.destabilized_months)
        self.control_below = 0
        self.crisis = False
        self.upheaval: Upheaval | None = None
        self.upheavals = 0
        self.regime_falls = 0
        self.mean_standing0 = mean_standing(p)
        self.remittances = p.state(iso3).remittances
        self.min_stability = 1.0
        self.destabilized_step: int | None = None
        self.collapsed_step: int | None = None
        self.force_disintegrated = False  # set by the model for AFG (agents/afghan.py)

    def assess(self, fatalities: float, ndn_active: bool, step: int) -> None:
        """Update legitimacy, draw an upheaval, update S and whether it is in crisis.

        ``S = Σ w_k·term_k / Σ w_k`` over population-weighted control, ``1 - v/(v + v½)``
        for the month's fatalities v, legitimacy, and ``1 -`` population-weighted insurgent
        presence ``F/(F + k_s)``. Legitimacy moves toward :func:`legitimacy_target`
        (``L0·(0.6 + 0.4·control) - 0.3·violence + NDN revenue`` at the defaults, less
        a remittance shock) at ``states.legitimacy_rate``; a fallen regime's successor
        starts again from L0.

        Args:
            fatalities: Last month's political-violence deaths in the state (attacks,
                civilian casualties, upheavals).
            ndn_active: Whether NDN transit revenue flows.
            step: This month's step.
        """
        p, f = self.pars, self.world.fields
        cells = self.cells
        self.control = float(self.weights @ f.control[cells])
        fighters = f.fighters[cells]
        self.insurgency = float(self.weights @ (fighters / (fighters
                                + p.jihadists.security_half_saturation)))
        self.violence_term = fatalities / (fatalities + p.stability.violence_scale)
        loss = p.states.remittance_weight * self.remittances * p.economy.remittance_shock
        target = legitimacy_target(self.legitimacy0, self.control, self.violence_term,
                                   p.states.ndn_revenue_effect * ndn_active,
                                   base=p.states.legitimacy_base,
                                   control_weight=p.states.legitimacy_control_weight,
                                   violence_weight=p.states.legitimacy_violence_weight,
                                   economic_loss=loss)
        self.legitimacy += p.states.legitimacy_rate * (min(1.0, max(0.0, target))
                                                          - self.legitimacy)
        self.upheaval = None
        if self.iso3 != "AFG":  # Afghanistan's contest for power is the insurgency
            hazard = float(upheaval_hazard(self.legitimacy, self.mean_standing0,
                                           rate=p.regimes.upheaval_rate,
                                           exponent=p.regimes.legitimacy_exponent))
            self.upheaval = draw_upheaval(hazard, self.model.rng,
                                          fall_probability=p.regimes.fall_probability)
        if self.upheaval is not None:
            self.upheavals += 1
            if self.upheaval.fell:
                self.regime_falls += 1
                self.legitimacy = self.legitimacy0  # a successor's standing (assumption)
        self.recent_deaths.append(fatalities)
        w = (p.stability.weight_control, p.stability.weight_violence,
             p.stability.weight_legitimacy, p.stability.weight_insurgents)
        terms = (self.control, 1.0 - self.violence_term, self.legitimacy, 1.0 - self.insurgency)
        self.stability = stability_index(w, terms)
        self._record(float(f.control[self.capital]), step)

    def upheaval_cell(self) -> int | None:
        """Flat index of the cell of this month's upheaval (drawn by population), or None."""
        if self.upheaval is None:
            return None
        k = int(np.searchsorted(np.cumsum(self.weights), self.upheaval.place, side="right"))
        return int(self.cells[min(k, len(self.cells) - 1)])

    def reset_records(self) -> None:
        """Forget the history window's records: the scenario's outcomes start at the branch."""
        self.upheavals = 0
        self.regime_falls = 0
        self.min_stability = self.stability
        self.destabilized_step = None
        self.collapsed_step = None

    def _record(self, capital_control: float, step: int) -> None:
        p = self.pars
        self.min_stability = min(self.min_stability, self.stability)
        months = p.stability.destabilized_months
        self.control_below = (self.control_below + 1
                              if self.control < p.stability.control_lost else 0)
        self.crisis = in_crisis(
            upheaval=self.upheaval is not None and self.upheaval.fell,
            violent=violent_crisis(self.recent_deaths, months=months,
                                   threshold=p.stability.crisis_fatalities),
            lost=ground_lost(self.control_below, months=months))
        if self.crisis and self.destabilized_step is None:
            self.destabilized_step = step
        if self.iso3 == "AFG":
            # Afghanistan's collapse emerges: the capital lost, or its army gone
            # (agents/afghan.py), not a threshold on population-weighted control.
            lost = (capital_control < p.stability.capital_lost_control
                    or self.force_disintegrated)
        else:
            lost = (capital_control < p.stability.capital_lost_control
                    or self.control < p.stability.collapse_control)
        if lost and self.collapsed_step is None:
            self.collapsed_step = step

    def allocate(self) -> None:
        """Send mobile units to the most threatened cells; the rest go home.

        Threat is as :func:`~stability_sim.agents.territory.threatened_cells` ranks it;
        units are assigned greedily, strongest first, to distinct cells.
        """
        mobile = [u for u in self.units if u.posture in (Posture.PATROL, Posture.RESPOND)]
        if not mobile:
            return
        f = self.world.fields
        s = self.pars.security
        targets = self.world.spaced(
            threatened_cells(self.cells, f.influence, f.control, None,
                             offset=s.threat_offset, threshold=s.threat_threshold),
            len(mobile), THREAT_SPACING)
        mobile.sort(key=lambda u: (-u.strength, u.unique_id))
        send_to_threats(mobile, targets, self.world.cell_at)


def paint_states(world: World, p: Pars) -> None:
    """Write each study state's repression, poverty, corruption and police on its cells.

    Pakistan's border belt (the sanctuary) gets ``jihadists.sanctuary_grievance`` as its
    poverty. Police are per cell (police per 1,000 people × population); Afghan police are
    part of the ANSF units.
    """
    for iso3 in STUDY_STATES:
        cells = world.territory[iso3]
        world.repression[cells] = p.state(iso3).repression
        world.poverty[cells] = p.state(iso3).poverty
        world.corruption0[cells] = p.state(iso3).corruption
        if iso3 != "AFG":
            world.police[cells] = (p.security.police_per_1000 / 1000.0
                                   * world.population[cells])
    if "PAK" in world.codes:
        world.poverty[world.land.country == world.codes.index("PAK")] = (
            p.jihadists.sanctuary_grievance)
    world.fields.corruption[:] = world.corruption0
    for iso3 in STUDY_STATES:
        world.legitimacy[world.territory[iso3]] = p.state(iso3).legitimacy
