"""Collective responders: the CSTO's rapid reaction force, SCO RATS, and the NATO link.

- :class:`CSTOResponder`: a member whose stability falls below the request threshold
  asks for help until it recovers above the withdrawal threshold; each month of the
  crisis the CSTO acts with probability ``readiness × political_will``, then mobilises
  for ``mobilisation_months × (1 - will/2)`` months; contingents deploy as
  :class:`~stability_sim.agents.security.SecurityForce` units and leave when the host's
  stability recovers. It never deploys into a non-member.
- :class:`SCORats`: when a cell is detected, the detection spreads to the cells it is
  linked to in its network's graph, across SCO members in proportion to intelligence
  sharing damped by their rivalry; pyramidal networks blunt the spread [KL13].
- :class:`NatoLink`: an efficiency gain on interdiction and intelligence along the
  Tajik-Afghan border, proportional to ``cooperation.nato_link`` [W06].
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from stability_sim.agents.jihadists import Structure
from stability_sim.agents.security import ForceKind, Posture, SecurityForce
from stability_sim.agents.states import CSTO_MEMBERS, SCO_MEMBERS

if TYPE_CHECKING:
    from stability_sim.agents.jihadists import JihadistNetwork
    from stability_sim.agents.states import StateAgent

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

    def __init__(self, model: mesa.Model) -> None:
        super().__init__(model)
        self.requested: dict[str, int] = {}
        self.mobilising: dict[str, int] = {}
        self.deployed: dict[str, list[SecurityForce]] = {}
        self.response_months: list[int] = []

    @property
    def interventions(self) -> int:
        """Number of deployments so far."""
        return len(self.response_months)

    @property
    def deployed_troops(self) -> float:
        """Troops currently deployed."""
        return float(sum(u.strength for units in self.deployed.values() for u in units))

    def step(self) -> None:
        """Decide on requests, deploy mobilised contingents, withdraw from recovered hosts."""
        model, p = self.model, self.model.p
        step = model.steps
        will = p["cooperation.csto_political_will"]
        for host in model.states_in_order():
            iso3 = host.iso3
            if iso3 not in CSTO_MEMBERS:
                continue
            if iso3 in self.deployed:
                if host.stability > p["csto.withdraw_threshold"]:
                    self._withdraw(iso3)
                continue
            if iso3 in self.mobilising:
                if step >= self.mobilising[iso3]:
                    self._deploy(host)
                continue
            if iso3 not in self.requested:
                if not host.requesting_help:
                    continue
                self.requested[iso3] = step
            elif host.stability > p["csto.withdraw_threshold"]:
                del self.requested[iso3]  # the crisis is over without help
                continue
            if model.rng.random() < p["csto.readiness"] * will:
                # Earmarked, not standing, battalions [W06]: the more the members have
                # prepared together, the faster they mobilise.
                delay = round(p["csto.mobilisation_months"] * (1.0 - will / 2.0))
                self.mobilising[iso3] = step + delay
                if delay == 0:
                    self._deploy(host)

    def _deploy(self, host: StateAgent) -> None:
        model, p = self.model, self.model.p
        iso3 = host.iso3
        self.mobilising.pop(iso3, None)
        contributors = [c for c in CONTRIBUTORS if c != iso3]
        targets = model.threatened_cells(host.cells, len(contributors))
        if len(targets) == 0:
            targets = np.array([host.capital])
        units = []
        for k, contributor in enumerate(contributors):
            troops = p[f"csto.contribution_{contributor.lower()}"]
            if troops <= 0:
                continue
            cell = model.cell_at(int(targets[k % len(targets)]))
            units.append(SecurityForce(model, cell, kind=ForceKind.CSTO, owner=iso3,
                                       contributor=contributor, strength=troops,
                                       quality=p["security.csto_quality"],
                                       posture=Posture.RESPOND))
        self.deployed[iso3] = units
        self.response_months.append(model.steps - self.requested.pop(iso3, model.steps))

    def _withdraw(self, iso3: str) -> None:
        for unit in self.deployed.pop(iso3):
            unit.remove()


class SCORats(mesa.Agent):
    """The SCO Regional Anti-Terrorist Structure: detections spread along network links."""

    def __init__(self, model: mesa.Model) -> None:
        super().__init__(model)
        self._channels: dict[tuple[int, int], float] = {}

    def step(self) -> None:
        """Spread last month's detections to linked cells, then let exposure fade."""
        model, p = self.model, self.model.p
        base = p["rats.neighbour_detection"]
        for network in model.networks:
            self.share(network, base, p["rats.pyramid_damping"])
        for network in model.networks:
            for member in network.cells.values():
                member.exposure *= 0.7

    def share(self, network: JihadistNetwork, base: float, damping: float) -> None:
        """Raise the exposure of cells linked to detected cells of one network."""
        model = self.model
        if not network.cells:
            return
        where = np.fromiter((c.cell_index for c in network.cells.values()), dtype=np.int64,
                            count=len(network.cells))
        hit = model.fields.detection[where] > 0
        if not hit.any():  # the usual month: nothing to share
            return
        detected = {uid: c for (uid, c), h in zip(network.cells.items(), hit, strict=True)
                    if h}
        factor = base * (1.0 - damping if network.spec.structure is Structure.PYRAMIDAL else 1.0)
        country = model.land.country
        for uid in sorted(detected):
            cell = detected[uid]
            d = model.detection_of_cell(cell)
            here = int(country[cell.cell_index])
            for nid in sorted(network.graph.neighbors(uid)):
                other = network.cells[nid]
                w = self._channel_between(here, int(country[other.cell_index]))
                if w > 0:
                    other.exposure = min(1.0, other.exposure + factor * d * w)

    def _channel_between(self, a: int, b: int) -> float:
        """:meth:`channel` for two country indices, remembered (parameters are fixed)."""
        w = self._channels.get((a, b))
        if w is None:
            codes = self.model.land.geo.country_codes
            w = self._channels[(a, b)] = self.channel(codes[a], codes[b])
        return w

    def channel(self, a: str, b: str) -> float:
        """How much of a detection in country ``a`` reaches the services of ``b``.

        Within a state it is all shared; between SCO members, ``intel_sharing × (1 -
        rivalry)``; on the Tajik-Afghan border, the NATO link; otherwise nothing.
        """
        if a == b:
            return 1.0
        p = self.model.p
        if a in SCO_MEMBERS and b in SCO_MEMBERS:
            return p["cooperation.intel_sharing"] * (1.0 - self.model.rivalry(a, b))
        if {a, b} == {"AFG", "TJK"}:
            return p["cooperation.nato_link"] * p["nato.link_efficiency"]
        return 0.0


class NatoLink(mesa.Agent):
    """The NATO-SCO/CSTO link: a gain on the Tajik-Afghan border [W06].

    Attributes:
        cells: Flat indices of the Tajik-Afghan border region.
        gain: Current efficiency gain on interdiction and intelligence there.
    """

    def __init__(self, model: mesa.Model, cells: np.ndarray) -> None:
        super().__init__(model)
        self.cells = cells
        self.gain = 0.0

    def step(self) -> None:
        """The gain follows the link's strength (a policy knob, constant within a run)."""
        p = self.model.p
        self.gain = p["nato.link_efficiency"] * p["cooperation.nato_link"]
