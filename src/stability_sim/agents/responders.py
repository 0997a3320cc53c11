"""The collective responder: the CSTO's Collective Rapid Reaction Force.

:class:`CSTOResponder` polls its members each month: a member whose stability is below
the request threshold is requesting help until it recovers above the withdrawal
threshold; each month of the crisis the CSTO acts with probability ``readiness ×
political_will``, then mobilises for ``mobilisation_months × (1 - speedup·will)`` months
(``csto.will_speedup``, a half); contingents deploy as
:class:`~stability_sim.agents.security.SecurityForce` units and leave when the host's
stability recovers. It never deploys into a non-member. (SCO RATS
and the NATO link, which act through intelligence, are in
:mod:`stability_sim.agents.intelligence`.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from stability_sim.agents.security import ForceKind, Posture, SecurityForce
from stability_sim.agents.states import CSTO_MEMBERS
from stability_sim.agents.territory import THREAT_SPACING, threatened_cells

if TYPE_CHECKING:
    from stability_sim.agents.states import StateAgent
    from stability_sim.params import Pars
    from stability_sim.world import World

#: Contributors to the Collective Rapid Reaction Force and their registry keys [KL13].
CONTRIBUTORS = ("RUS", "KAZ", "TJK", "KGZ")


class CSTOResponder(mesa.Agent):
    """The CSTO Collective Rapid Reaction Force.

    Attributes:
        requested: Host ISO3 → step of its first request in the current crisis.
        mobilising: Host ISO3 → step at which the contingents arrive.
        deployed: Host ISO3 → contingents deployed there.
        response_months: Months from request to deployment, one per intervention.
    """

    def __init__(self, model: mesa.Model, world: World, p: Pars) -> None:
        super().__init__(model)
        self.world = world
        self.pars = p
        self.requested: dict[str, int] = {}
        self.mobilising: dict[str, int] = {}
        self.deployed: dict[str, list[SecurityForce]] = {}
        self.response_months: list[int] = []

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
        """Poll the members, deploy mobilised contingents, withdraw from recovered hosts."""
        model, p = self.model, self.pars
        will = p.cooperation.csto_political_will
        for host in states:
            iso3 = host.iso3
            if iso3 not in CSTO_MEMBERS:
                continue
            if iso3 in self.deployed:
                if host.stability > p.csto.withdraw_threshold:
                    self._withdraw(iso3)
                continue
            if iso3 in self.mobilising:
                if step >= self.mobilising[iso3]:
                    self._deploy(host, step)
                continue
            if iso3 not in self.requested:
                if not host.requesting_help:
                    continue
                self.requested[iso3] = step
            elif host.stability > p.csto.withdraw_threshold:
                del self.requested[iso3]  # the crisis is over without help
                continue
            if model.rng.random() < p.csto.readiness * will:
                # Earmarked, not standing, battalions [W06]: the more the members have
                # prepared together, the faster they mobilise.
                # will·0.5 and will/2 are the same float: both are exact halvings.
                delay = round(p.csto.mobilisation_months * (1.0 - p.csto.will_speedup * will))
                self.mobilising[iso3] = step + delay
                if delay == 0:
                    self._deploy(host, step)

    def _deploy(self, host: StateAgent, step: int) -> None:
        model, p, f = self.model, self.pars, self.world.fields
        iso3 = host.iso3
        self.mobilising.pop(iso3, None)
        contributors = [c for c in CONTRIBUTORS if c != iso3]
        targets = self.world.spaced(
            threatened_cells(host.cells, f.influence, f.control, None,
                             offset=p.security.threat_offset,
                             threshold=p.security.threat_threshold),
            len(contributors), THREAT_SPACING)
        if len(targets) == 0:
            targets = np.array([host.capital])
        units = []
        for k, contributor in enumerate(contributors):
            troops = getattr(p.csto, f"contribution_{contributor.lower()}")
            if troops <= 0:
                continue
            cell = self.world.cell_at(int(targets[k % len(targets)]))
            units.append(SecurityForce(model, cell, kind=ForceKind.CSTO, owner=iso3,
                                       contributor=contributor, strength=troops,
                                       quality=p.security.csto_quality,
                                       posture=Posture.RESPOND))
        self.deployed[iso3] = units
        self.response_months.append(step - self.requested.pop(iso3, step))

    def _withdraw(self, iso3: str) -> None:
        for unit in self.deployed.pop(iso3):
            unit.remove()
