"""Intelligence: everything that turns cooperation into detection.

- :class:`Rivalry`: pairwise rivalry of the study states [KL13].
- :func:`intel_field`: the intelligence level I per cell (informants where the state is
  legitimate and clean, international enablers in Afghanistan, the RATS exchange of what
  the SCO members know (:func:`rats_exchange`), the NATO link on the Tajik-Afghan
  border, and RATS exposure of cells).
- :class:`SCORats`: when a cell is detected, the detection spreads to the cells it is
  linked to in its network's graph, across SCO members in proportion to intelligence
  sharing damped by their rivalry; pyramidal networks blunt the spread [KL13].
- :class:`NatoLink`: an efficiency gain on interdiction and intelligence along the
  Tajik-Afghan border, proportional to ``cooperation.nato_link`` [W06].

The cooperation knobs (``cooperation.intel_sharing``, ``cooperation.nato_link``) are read
here and nowhere else but trafficking's joint interdiction and the CSTO's political will.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from stability_sim.agents.jihadists import Structure
from stability_sim.agents.states import SCO_MEMBERS

if TYPE_CHECKING:
    from stability_sim.agents.jihadists import JihadistNetwork
    from stability_sim.params import Pars
    from stability_sim.world import World


class Rivalry:
    """Pairwise rivalry of study states, times ``rivalry.scale``, capped at 1.

    Parameters are fixed within a run, so every answer is kept.
    """

    def __init__(self, p: Pars) -> None:
        self._p = p
        self._pairs: dict[tuple[str, str], float] = {}

    def __call__(self, a: str, b: str) -> float:
        """Rivalry of the states ``a`` and ``b`` (``rivalry.default`` if not declared)."""
        key = (a, b)
        cached = self._pairs.get(key)
        if cached is None:
            rivalry = self._p.rivalry
            lo, hi = sorted((a.lower(), b.lower()))
            value = getattr(rivalry, f"{lo}_{hi}", None)
            if value is None:
                value = getattr(rivalry, f"{hi}_{lo}", None)
            if value is None:
                value = rivalry.default
            cached = self._pairs[key] = min(1.0, value * rivalry.scale)
        return cached


def rats_exchange(known: dict[str, float], *, sharing: float, weight: float,
                  rivalry: Rivalry) -> dict[str, float]:
    """What the RATS exchange adds to each SCO member's intelligence.

    An exchange pools what its members' services know; it cannot know more than they do
    [KL13]: the RATS keeps a database of 42 organisations and 1,100 people, "dependent
    upon the cooperation of their members", and suspicion among them "remains high".
    Member ``i`` gains ``weight·sharing·mean_j (1 - rivalry(i, j))·known_j`` over the other
    members ``j``.

    Args:
        known: Each SCO member's own intelligence (population-weighted informants).
        sharing: ``cooperation.intel_sharing``.
        weight: ``rats.intel_weight``: the gain of a fully shared, fully trusted exchange
            as a share of what the partners know.
        rivalry: The states' pairwise rivalry.
    """
    gains = {}
    for iso3 in known:
        partners = [(1.0 - rivalry(iso3, other)) * k for other, k in known.items()
                    if other != iso3]
        gains[iso3] = weight * sharing * float(np.mean(partners)) if partners else 0.0
    return gains


def intel_field(world: World, p: Pars, *, enablers: float,
                rivalry: Rivalry, nato_gain: float, nato_mask: np.ndarray,
                networks: list[JihadistNetwork]) -> np.ndarray:
    """Intelligence I per cell, in [0, 1].

    ``I = w_inf·L·(1 - c) + w_en·e (AFG) + RATS (SCO members) + gain·share
    (Tajik-Afghan border) + exposure``, where ``e`` is the share of the enablers
    (surveillance and reconnaissance among them) the international presence provides
    (:func:`~stability_sim.agents.afghan.enablers`), ``w_inf`` and ``w_en`` are
    ``intelligence.informant_weight`` and ``intelligence.enabler_weight``, RATS is
    :func:`rats_exchange` of the members' population-weighted informants, and ``share``
    is ``nato.intel_share``.
    """
    f = world.fields
    intel = p.intelligence.informant_weight * world.legitimacy * (1.0 - f.corruption)
    known = {}
    for iso3 in SCO_MEMBERS:
        cells = world.territory[iso3]
        pop = world.population[cells]
        known[iso3] = float(pop @ intel[cells] / pop.sum())
    gains = rats_exchange(known, sharing=p.cooperation.intel_sharing,
                          weight=p.rats.intel_weight, rivalry=rivalry)
    for iso3, gain in gains.items():
        intel[world.territory[iso3]] += gain
    intel[world.territory["AFG"]] += p.intelligence.enabler_weight * enablers  # ISR
    intel += nato_gain * nato_mask * p.nato.intel_share
    # The largest exposure of the cells at each place (a maximum is exact in any order).
    exposure = np.zeros(world.n_cells)
    for network in networks:
        members = network.cells.values()
        np.maximum.at(exposure,
                      np.fromiter((m.cell_index for m in members), np.int64, len(members)),
                      np.fromiter((m.exposure for m in members), float, len(members)))
    return np.clip(intel + exposure, 0.0, 1.0)


class SCORats(mesa.Agent):
    """The SCO Regional Anti-Terrorist Structure: detections spread along network links.

    Args:
        model: The Mesa model (for registration).
        world: The run's world.
        p: The run's parameter values.
        rivalry: The states' rivalry.
    """

    def __init__(self, model: mesa.Model, world: World, p: Pars,
                 rivalry: Rivalry) -> None:
        super().__init__(model)
        self.world = world
        self.pars = p
        self.rivalry = rivalry
        self._channels: list[list[float]] | None = None

    def forget_channels(self) -> None:
        """Recompute the sharing table on next use (the cooperation levers changed)."""
        self._channels = None

    def share_detections(self, networks: list[JihadistNetwork]) -> None:
        """Spread last month's detections to linked cells, then let exposure fade.

        Exposure keeps ``rats.exposure_memory`` of itself each month.
        """
        p = self.pars
        base = p.rats.neighbour_detection
        for network in networks:
            self.share(network, base, p.rats.pyramid_damping)
        memory = p.rats.exposure_memory
        for network in networks:
            for member in network.cells.values():
                member.exposure *= memory

    def share(self, network: JihadistNetwork, base: float, damping: float) -> None:
        """Raise the exposure of cells linked to detected cells of one network."""
        if not network.cells:
            return
        detection = self.world.fields.detection
        cells = network.cells
        where = np.fromiter((c.cell_index for c in cells.values()), dtype=np.int64,
                            count=len(cells))
        seen = detection[where]
        hit = seen > 0
        if not hit.any():  # the usual month: nothing to share
            return
        factor = base * (1.0 - damping if network.spec.structure is Structure.PYRAMIDAL else 1.0)
        # Each cell's country and detection as Python values, read link by link below.
        country = dict(zip(cells, self.world.land.country[where].tolist(), strict=True))
        detected = {uid: d for uid, d, h in zip(cells, seen.tolist(), hit, strict=True) if h}
        channels = self._channel_rows()
        graph = network.graph
        for uid in sorted(detected):
            d = detected[uid]
            row = channels[country[uid]]
            for nid in sorted(graph.neighbors(uid)):
                w = row[country[nid]]
                if w > 0:
                    other = cells[nid]
                    other.exposure = min(1.0, other.exposure + factor * d * w)

    def _channel_rows(self) -> list[list[float]]:
        """:meth:`channel` between every two country indices (parameters are fixed)."""
        if self._channels is None:
            codes = self.world.codes
            self._channels = [[self.channel(a, b) for b in codes] for a in codes]
        return self._channels

    def channel(self, a: str, b: str) -> float:
        """How much of a detection in country ``a`` reaches the services of ``b``.

        Within a state it is all shared; between SCO members, ``intel_sharing × (1 -
        rivalry)``; on the Tajik-Afghan border, the NATO link; otherwise nothing.
        """
        if a == b:
            return 1.0
        p = self.pars
        if a in SCO_MEMBERS and b in SCO_MEMBERS:
            return p.cooperation.intel_sharing * (1.0 - self.rivalry(a, b))
        if {a, b} == {"AFG", "TJK"}:
            return p.cooperation.nato_link * p.nato.link_efficiency
        return 0.0


class NatoLink(mesa.Agent):
    """The NATO-SCO/CSTO link: a gain on the Tajik-Afghan border [W06].

    Attributes:
        cells: Flat indices of the Tajik-Afghan border region.
        mask: The same cells as a per-cell mask.
        gain: Current efficiency gain on interdiction and intelligence there.
    """

    def __init__(self, model: mesa.Model, world: World, p: Pars) -> None:
        super().__init__(model)
        self.pars = p
        self.cells = world.land.regions["tajik_afghan_border"]
        self.mask = np.zeros(world.n_cells, dtype=bool)
        self.mask[self.cells] = True
        self.gain = 0.0
        self.step()

    def step(self) -> None:
        """The gain follows the link's strength (a policy knob, constant within a run)."""
        self.gain = nato_gain(self.pars)


def nato_gain(p: Pars) -> float:
    """The NATO link's gain: ``nato.link_efficiency × cooperation.nato_link``."""
    return p.nato.link_efficiency * p.cooperation.nato_link
