"""The collective responder: the CSTO's Collective Rapid Reaction Force.

What the sources to 2013 say the CSTO does, as rules (docs/ODD.md, "The CSTO"):

- **Mandate**: the force exists "to provide a collective response to terrorist attacks or
  incursions" [W06]; the organisation stayed out of Kyrgyzstan's internal violence of
  2010, in which "hundreds died ... without any intervention by the organisation"
  [KL13]. A member's request falls under the mandate only while an armed incursion into
  it is at most ``csto.mandate_window`` months old (:func:`under_mandate`).
- **Decision**: a member in crisis (its regime toppled, a violent crisis or lost ground:
  :mod:`stability_sim.agents.regimes`) asks once per crisis, and the members decide by
  consensus (the CSTO Charter of 2002): every other contributor must agree. Each agrees
  with the political will of the cooperation level, Russia certainly where it keeps a
  base (Tajikistan, Kyrgyzstan: "thousands of paratroopers ... stationed on military
  bases in the region" [KL13]) (:func:`consensus_probability`). A refused request is
  not repeated until the crisis is over: the record to 2013 is one of requests and
  crises without a deployment (1999-2000, 2004-2005, 2010 [KL13]: a "paper tiger").
- **Contingent sized to the task**: ``csto.force_ratio`` troops per armed fighter in the
  host, at most what the members pledged [KL13], shared by their pledges
  (:func:`contingent`).
- **Response time** is the mobilisation of earmarked, not standing, battalions [W06]:
  ``round(csto.mobilisation_months·(1 - csto.will_speedup·will))`` months after the
  decision.
- **A deployment ends**: the contingents leave when the host is no longer in crisis
  or at the end of a mandate of ``csto.mandate_months``; a
  host still in crisis may then ask again.

It never deploys into a non-member. (SCO RATS and the NATO link, which act through
intelligence, are in :mod:`stability_sim.agents.intelligence`.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from stability_sim.agents.security import ForceKind, Posture, SecurityForce
from stability_sim.agents.states import CSTO_MEMBERS
from stability_sim.agents.territory import THREAT_SPACING, threatened_cells

if TYPE_CHECKING:
    from collections.abc import Mapping

    from stability_sim.agents.states import StateAgent
    from stability_sim.ledger import Ledger
    from stability_sim.params import Pars
    from stability_sim.world import World

#: Contributors to the Collective Rapid Reaction Force and their registry keys [KL13].
CONTRIBUTORS = ("RUS", "KAZ", "TJK", "KGZ")
#: Members where Russia keeps forces of its own (the 201st base in Tajikistan, Kant air
#: base in Kyrgyzstan; [KL13]: "paratroopers ... stationed on military bases in the
#: region"): structural facts of 2013, not parameters.
RUSSIAN_BASES = ("TJK", "KGZ")


def under_mandate(last_incursion: int | None, step: int, window: int) -> bool:
    """Whether a crisis is the CRRF's business: an armed incursion at most ``window`` ago."""
    return last_incursion is not None and step - last_incursion <= window


def consensus_probability(host: str, will: float,
                          pledges: Mapping[str, float]) -> float:
    """Chance that every other contributor agrees to deploy into ``host``.

    Each contributor with a pledge agrees with probability ``will``; Russia certainly
    where it keeps a base (:data:`RUSSIAN_BASES`). The host does not vote on itself.
    """
    p = 1.0
    for c, troops in pledges.items():
        if c == host or troops <= 0:
            continue
        p *= 1.0 if (c == "RUS" and host in RUSSIAN_BASES) else will
    return p


def contingent(pledges: Mapping[str, float], host: str, fighters: float,
               ratio: float) -> dict[str, float]:
    """Troops each other contributor sends: ``ratio`` per armed fighter, within pledges.

    The total is ``min(Σ pledges, ratio·fighters)``, shared in proportion to the pledges.
    """
    others = {c: t for c, t in pledges.items() if c != host and t > 0}
    pledged = sum(others.values())
    if pledged <= 0:
        return {}
    share = min(1.0, ratio * fighters / pledged)
    return {c: t * share for c, t in others.items()}


class CSTOResponder(mesa.Agent):
    """The CSTO Collective Rapid Reaction Force (the rules of the module docstring).

    Attributes:
        refused: Hosts whose request in the current crisis was refused.
        requested: Host ISO3 → step of the granted request its contingents answer.
        mobilising: Host ISO3 → step at which the contingents arrive.
        deployed: Host ISO3 → contingents deployed there.
        deployed_at: Host ISO3 → step of the deployment (its mandate runs from there).
        response_months: Months from request to deployment, one per intervention.
    """

    def __init__(self, model: mesa.Model, world: World, p: Pars, ledger: Ledger) -> None:
        super().__init__(model)
        self.world = world
        self.pars = p
        self.ledger = ledger
        self.refused: set[str] = set()
        self.mobilising: dict[str, int] = {}
        self.requested: dict[str, int] = {}
        self.deployed: dict[str, list[SecurityForce]] = {}
        self.deployed_at: dict[str, int] = {}
        self.response_months: list[int] = []
        self.pledges = {c: float(getattr(p.csto, f"contribution_{c.lower()}"))
                        for c in CONTRIBUTORS}

    def reset_records(self) -> None:
        """Forget the history window's deployments (a contingent in place stays)."""
        self.response_months = []

    @property
    def interventions(self) -> int:
        """Number of deployments so far."""
        return len(self.response_months)

    @property
    def deployed_troops(self) -> float:
        """Troops currently deployed."""
        return float(sum(u.strength for units in self.deployed.values() for u in units))

    def respond(self, states: list[StateAgent], step: int) -> None:
        """Decide on requests, deploy mobilised contingents, end deployments."""
        p = self.pars
        will = p.cooperation.csto_political_will
        for host in states:
            iso3 = host.iso3
            if iso3 not in CSTO_MEMBERS:
                continue
            if iso3 in self.deployed:
                mandate_over = step - self.deployed_at[iso3] >= p.csto.mandate_months
                if not host.crisis or mandate_over:
                    self._withdraw(iso3)
                continue
            if iso3 in self.mobilising:
                if step >= self.mobilising[iso3]:
                    self._deploy(host, step)
                continue
            if not host.crisis:
                self.refused.discard(iso3)  # the crisis is over: a new one may be asked
                continue
            if iso3 in self.refused:
                continue
            # A request: decided in the month it is made, once per crisis.
            if not under_mandate(self.ledger.last_incursion_step.get(iso3), step,
                                 p.csto.mandate_window):
                self.refused.add(iso3)  # an internal crisis (Kyrgyzstan 2010)
                continue
            if self.model.rng.random() >= consensus_probability(iso3, will, self.pledges):
                self.refused.add(iso3)
                continue
            # Earmarked, not standing, battalions [W06]: the more the members have
            # prepared together, the faster they mobilise.
            delay = round(p.csto.mobilisation_months * (1.0 - p.csto.will_speedup * will))
            self.requested[iso3] = step
            self.mobilising[iso3] = step + delay
            if delay == 0:
                self._deploy(host, step)

    def _deploy(self, host: StateAgent, step: int) -> None:
        model, p, f = self.model, self.pars, self.world.fields
        iso3 = host.iso3
        self.mobilising.pop(iso3, None)
        sent = contingent(self.pledges, iso3, float(f.fighters[host.cells].sum()),
                          p.csto.force_ratio)
        if not sum(sent.values()) > 0:
            # The bands have gone by the time the force is ready: nothing to clear, and
            # what is left of the crisis is internal.
            self.requested.pop(iso3, None)
            self.refused.add(iso3)
            return
        targets = self.world.spaced(
            threatened_cells(host.cells, f.influence, f.control, None,
                             offset=p.security.threat_offset,
                             threshold=p.security.threat_threshold),
            len(sent), THREAT_SPACING)
        if len(targets) == 0:
            targets = np.array([host.capital])
        units = []
        for k, (contributor, troops) in enumerate(sent.items()):
            cell = self.world.cell_at(int(targets[k % len(targets)]))
            units.append(SecurityForce(model, cell, kind=ForceKind.CSTO, owner=iso3,
                                       contributor=contributor, strength=troops,
                                       quality=p.security.csto_quality,
                                       posture=Posture.RESPOND))
        self.deployed[iso3] = units
        self.deployed_at[iso3] = step
        self.response_months.append(step - self.requested.pop(iso3, step))

    def _withdraw(self, iso3: str) -> None:
        self.deployed_at.pop(iso3, None)
        for unit in self.deployed.pop(iso3):
            unit.remove()
