"""StabilityModel: the wiring of the five agent families and the monthly schedule.

The schedule is MODEL.md §3; the mechanisms live with their agent families
(:mod:`stability_sim.agents`). Per-cell rules run as numpy over flat views of the Mesa
PropertyLayers (cell ``i = ix * ny + iy``). All randomness comes from ``self.rng`` (one
numpy Generator per run, from a SeedSequence) and ``self.random`` seeded from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np
import pandas as pd
from mesa.discrete_space import PropertyLayer

from stability_sim import mesa_compat
from stability_sim.agents.jihadists import (
    NETWORKS,
    JihadistCell,
    JihadistNetwork,
    PowerLawSeverity,
    Structure,
    reach_map,
    seed_weights,
)
from stability_sim.agents.responders import CSTOResponder, NatoLink, SCORats
from stability_sim.agents.security import (
    ForceKind,
    Posture,
    SecurityForce,
    Territory,
    afghan_effectiveness,
    engage,
    patrol_radius,
    presence,
    send_to_threats,
    spread,
)
from stability_sim.agents.states import SCO_MEMBERS, StateAgent
from stability_sim.agents.trafficking import (
    HUBS,
    RouteGraph,
    TraffickingCell,
    TraffickingNetwork,
)
from stability_sim.config import Scenario, default_scenario
from stability_sim.errors import UserError
from stability_sim.geography import STUDY_STATES
from stability_sim.health import check_month
from stability_sim.inputs import harvest_series, ndn_active_series, troop_series
from stability_sim.landscape import Landscape, landscape, pair_code
from stability_sim.outcomes import (
    CA_NETWORKS,
    HOTSPOT_REGIONS,
    CellTotals,
    cell_summary,
    monthly_columns,
    monthly_record,
    summarize,
)
from stability_sim.timeline import add_months

#: Dynamic cell layers exposed as Mesa PropertyLayers (MODEL.md §2).
LAYERS = ("control", "fighters", "security", "grievance", "violence", "traffic", "corruption")

#: Smallest starting legitimacy that Afghan recruitment is measured against (a start below
#: it, possible within the registry's bounds, would make relative legitimacy explode).
LEGITIMACY_FLOOR = 0.05

#: Units per force (see docs/ODD.md, initialisation).
INTL_BASES = ("Kabul", "Kandahar", "Mazar-i-Sharif", "Herat", "Jalalabad", "Lashkar Gah")
AFGHAN_UNITS = 24
MOBILE_UNITS = 4


@dataclass
class Fields:
    """Flat views of the dynamic cell layers plus internal per-cell state."""

    control: np.ndarray
    fighters: np.ndarray
    security: np.ndarray
    grievance: np.ndarray
    violence: np.ndarray
    traffic: np.ndarray
    corruption: np.ndarray
    garrison: np.ndarray
    interdiction: np.ndarray
    intel: np.ndarray
    exposure: np.ndarray
    repression_recent: np.ndarray
    members: np.ndarray
    detection: np.ndarray


class StabilityModel(mesa.Model):
    """Regional stability in Central Asia after the drawdown from Afghanistan.

    Args:
        scenario: A validated scenario; the registry defaults if None.
        rng: Seed material: an int, a ``numpy.random.SeedSequence`` (a sweep passes the
            run's child) or a Generator. None uses the scenario's ``seed``.
        **overrides: Parameter values by dotted name, or with ``__`` for ``.``
            (``cooperation__level=0.8``) so ``mesa.batch_run`` and the visual server can
            pass plain keywords. Checked by the registry.
    """

    @mesa_compat.collector_paused
    def __init__(self, scenario: Scenario | None = None, *, rng: Any = None,
                 **overrides: Any) -> None:
        scenario = scenario or default_scenario()
        if overrides:
            dotted: dict[str, Any] = {}
            for key, value in overrides.items():
                name = key.replace("__", ".")
                if name in dotted:  # cooperation__level and "cooperation.level" both given
                    raise UserError("given twice (with . and with __)", source="override",
                                    key=name)
                dotted[name] = value
            scenario = scenario.with_overrides(dotted)
        values = scenario.values
        seed_seq = _seed_sequence(values["seed"] if rng is None else rng)
        mesa_compat.install()
        super().__init__(rng=np.random.Generator(np.random.PCG64(seed_seq))
                         if seed_seq is not None else rng)
        self.scenario = scenario
        self.p: Mapping[str, Any] = values
        self.seed_entropy = seed_seq.entropy if seed_seq is not None else None
        self.spawn_key = tuple(seed_seq.spawn_key) if seed_seq is not None else ()
        self.start = values["start"]
        self.months = int(values["months"])

        self._rivalry: dict[tuple[str, str], float] = {}
        self.land: Landscape = landscape(values["grid.resolution"])
        land = self.land
        self.nx, self.ny = land.shape
        self.n_cells = land.n_cells
        self.population = land.population
        self.grid = mesa_compat.MooreGrid(land.shape, random=self.random)
        mesa_compat.forget_cell_class(self, self.grid)
        self._cells = {c.coordinate: c for c in self.grid.all_cells}
        self.fields = self._make_fields()
        self.severity = PowerLawSeverity(values["attacks.severity_exponent"],
                                         values["attacks.max_fatalities"])

        # Exogenous inputs, one value per step.
        initial_and_monthly = troop_series(values, with_initial=True)
        self._troops = initial_and_monthly[1:]
        self._harvest = harvest_series(values)
        self._ndn = ndn_active_series(values)
        self._t = 0
        self.intl_troops = float(initial_and_monthly[0])  # the state before `start`
        self.ndn_active = bool(self._ndn[0])
        self._static_per_cell()

        self.states = [StateAgent(self, iso3, land.state_cells(iso3), land.capitals[iso3])
                       for iso3 in STUDY_STATES]
        self._by_iso = {s.iso3: s for s in self.states}
        self.legitimacy_of_cell = np.zeros(self.n_cells)
        for state in self.states:
            self.legitimacy_of_cell[state.cells] = state.legitimacy
        self.afg_strength = float(values["afg_forces.initial"])
        self.intl_units: list[SecurityForce] = []
        self._create_forces()
        self.networks = [JihadistNetwork(self, spec, reach_map(spec, land),
                                         values["jihadists.initial_capacity"])
                         for spec in NETWORKS]
        self._create_jihadist_cells()
        self.trafficking = TraffickingNetwork(self, self._route_graph(),
                                              np.full(land.routes.cells.size,
                                                      values["trafficking.base_risk"]))
        self.hubs = [TraffickingCell(self, self.cell_at(land.places[h]), h)
                     for h in HUBS if h in land.places]
        self.csto = CSTOResponder(self)
        self.rats = SCORats(self)
        self.nato = NatoLink(self, land.regions["tajik_afghan_border"])
        self.nato.step()

        # Monthly and cumulative counters.
        self.month_attacks: dict[str, int] = {}
        self.month_fatalities: dict[str, float] = {}
        self.month_incursions = 0
        self.total_attacks: dict[str, int] = {}
        self.total_fatalities: dict[str, float] = {}
        self.total_incursions = 0
        self.incursions_in_hotspots = 0
        self.ca_attacks_in_hotspots = 0
        self.first_incursion_step: int | None = None
        self.interdicted_total = 0.0
        self.ca_network_fighters_sum = 0.0  # for the horizon mean (outcomes, SF4)
        self.severity_counts = np.zeros(values["attacks.max_fatalities"] + 1, dtype=np.int64)

        self._update_presence()
        self._update_fighters()
        self._update_intel()
        self._update_grievance(np.zeros(self.n_cells))
        for _ in range(24):  # control starts in equilibrium with the initial forces
            self._update_control()
        self._assess_states()
        self.cell_totals = CellTotals(self.n_cells)  # for the per-cell summary (maps)
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _reporter(name) for name in monthly_columns()})
        self.current: dict[str, float] = monthly_record(self)
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ set-up
    def _make_fields(self) -> Fields:
        arrays = {}
        for name in LAYERS:
            layer = PropertyLayer(name, self.land.shape, default_value=0.0, dtype=float)
            self.grid.add_property_layer(layer)
            # set_cells copies in place in Mesa 3.3, so this view stays valid.
            arrays[name] = layer.data.reshape(-1)
        extra = {name: np.zeros(self.n_cells) for name in
                 ("garrison", "interdiction", "intel", "exposure", "repression_recent",
                  "members", "detection")}
        return Fields(**arrays, **extra)

    def _static_per_cell(self) -> None:
        """Per-cell arrays fixed within a run (they depend on parameters)."""
        land, p = self.land, self.p
        codes = land.geo.country_codes
        self.repression_of_cell = np.zeros(self.n_cells)
        self.poverty_of_cell = np.zeros(self.n_cells)
        self.corruption0 = np.zeros(self.n_cells)
        self.police = np.zeros(self.n_cells)
        for iso3 in STUDY_STATES:
            cells = land.state_cells(iso3)
            key = f"states.{iso3.lower()}"
            self.repression_of_cell[cells] = p[f"{key}.repression"]
            self.poverty_of_cell[cells] = p[f"{key}.poverty"]
            self.corruption0[cells] = p[f"{key}.corruption"]
            if iso3 != "AFG":  # Afghan police are part of the ANSF units
                self.police[cells] = (p["security.police_per_1000"] / 1000.0
                                      * land.population[cells])  # per cell; scaled below
        if "PAK" in codes:
            self.poverty_of_cell[land.country == codes.index("PAK")] = (
                p["jihadists.sanctuary_grievance"])
        self.fields.corruption[:] = self.corruption0
        self.fields.control[:] = 1.0
        self.border = np.asarray(land.geo.border, dtype=bool).ravel()
        self.nato_mask = np.zeros(self.n_cells, dtype=bool)
        self.nato_mask[land.regions["tajik_afghan_border"]] = True
        self.rugged_norm = land.ruggedness / 1000.0
        self.radius = patrol_radius(p["grid.resolution"])
        # A band holds about a district around it: 0.75° square at 0.25°, its cell at 0.5°.
        self.influence_radius = max(0, round(0.25 / p["grid.resolution"]))
        # Presence and population enter the rules per 0.25°-cell of area, so a 0.5° run
        # behaves like a 0.25° run seen coarser (docs/ODD.md, scales).
        self.area = (p["grid.resolution"] / 0.25) ** 2
        self.density = land.population / self.area
        self._territory = {iso3: Territory.of(land.state == k, land.shape)
                           for k, iso3 in enumerate(STUDY_STATES)}
        self._hotspot = np.zeros(self.n_cells, dtype=bool)
        for region in HOTSPOT_REGIONS:
            self._hotspot[land.regions[region]] = True
        self._production_weight = self._production_weights()
        self._porosity = self._porosity_by_pair()
        r = max(1, int(p["jihadists.vision"]))
        dx, dy = np.meshgrid(np.arange(-r, r + 1), np.arange(-r, r + 1), indexing="ij")
        self._vision = (dx.ravel(), dy.ravel())
        self._vision_cache: dict[int, np.ndarray] = {}
        self._trust: dict[str, float] = {}

    def _production_weights(self) -> np.ndarray:
        """Opium production weight per Afghan cell: south-heavy, ∝ √population.

        UNODC's 2013 survey put most cultivation in the south (Helmand, Kandahar) and
        the west, with the north-east (Badakhshan) and east next.
        """
        land = self.land
        weight = np.zeros(self.n_cells)
        afg = land.state_cells("AFG")
        weight[afg] = np.sqrt(land.population[afg] + 1.0)
        weight[land.regions["southern_afghanistan"]] *= 4.0
        weight[land.regions["eastern_afghanistan"]] *= 1.5
        return weight

    def _create_forces(self) -> None:
        p, land = self.p, self.land
        per_intl = self.intl_troops / len(INTL_BASES)
        for base in INTL_BASES:
            unit = SecurityForce(self, self.cell_at(land.places[base]),
                                 kind=ForceKind.INTERNATIONAL, owner="AFG", contributor="INTL",
                                 strength=per_intl, quality=p["security.intl_quality"],
                                 posture=Posture.PATROL)
            self.intl_units.append(unit)
        afg = self.state("AFG")
        homes = self._spread_homes(afg.cells, AFGHAN_UNITS)
        quality = self._afghan_quality()
        for posture in (Posture.GARRISON, Posture.PATROL):
            for home in homes:
                afg.units.append(SecurityForce(self, self.cell_at(int(home)),
                                               kind=ForceKind.AFGHAN, owner="AFG", strength=0.0,
                                               quality=quality, posture=posture))
        self._set_afghan_units()
        for state in self.states:
            if state.iso3 == "AFG":
                continue
            key = f"states.{state.iso3.lower()}"
            troops = float(p[f"{key}.troops"])
            deployable = troops * p["security.deployable_share"]
            border = deployable * p["security.border_share"]
            mobile = deployable - border
            quality = state.border_quality  # post-Soviet forces: same training as guards
            state.units.append(SecurityForce(self, self.cell_at(state.capital),
                                             kind=ForceKind.NATIONAL, owner=state.iso3,
                                             strength=troops - deployable, quality=quality,
                                             posture=Posture.GARRISON))
            for home in self._spread_homes(state.cells, MOBILE_UNITS):
                state.units.append(SecurityForce(self, self.cell_at(int(home)),
                                                 kind=ForceKind.NATIONAL, owner=state.iso3,
                                                 strength=mobile / MOBILE_UNITS,
                                                 quality=0.5 + 0.5 * quality,
                                                 posture=Posture.PATROL))
            posts = self._border_posts(state)
            for post in posts:
                state.units.append(SecurityForce(self, self.cell_at(int(post)),
                                                 kind=ForceKind.NATIONAL, owner=state.iso3,
                                                 strength=border / len(posts), quality=quality,
                                                 posture=Posture.BORDER))

    def _spread_homes(self, cells: np.ndarray, k: int) -> np.ndarray:
        """The ``k`` most populous cells of a territory (where units are based)."""
        order = np.lexsort((cells, -self.population[cells]))
        return cells[order[:k]]

    def _border_posts(self, state: StateAgent) -> np.ndarray:
        """Border cells of a state facing Afghanistan (else its most populous border)."""
        land = self.land
        codes = land.geo.country_codes
        afg = codes.index("AFG")
        cells = state.cells[self.border[state.cells]]
        nb = land.neighbours[cells]
        faces_afg = (np.where(nb >= 0, land.country[np.where(nb >= 0, nb, 0)], -1) == afg).any(1)
        chosen = cells[faces_afg] if faces_afg.any() else cells
        if chosen.size == 0:
            chosen = state.cells
        step = max(1, chosen.size // 3)
        return chosen[::step][:3]

    def _create_jihadist_cells(self) -> None:
        for network in self.networks:
            spec = network.spec
            total = float(self.p[f"jihadists.{spec.key}.initial_fighters"])
            if total <= 0:
                continue
            n = max(1, round(total / spec.cell_size))
            weights = seed_weights(spec, self.land)
            places = self.rng.choice(self.n_cells, size=n, replace=n > np.count_nonzero(weights),
                                     p=weights / weights.sum())
            created: list[JihadistCell] = []
            for k, place in enumerate(places):
                cell = JihadistCell(self, network, self.cell_at(int(place)), total / n)
                if k == 0:
                    parent = None
                elif spec.structure is Structure.PYRAMIDAL:
                    parent = created[(k - 1) // 3]  # a ternary tree, in creation order
                else:
                    parent = created[-1]  # a chain, plus add_cell's random acquaintance
                network.add_cell(cell, parent)
                created.append(cell)

    def _route_graph(self) -> RouteGraph:
        p, land = self.p, self.land
        sk = land.routes
        dst_cells = sk.cells[sk.dst]
        per_100km = sk.length_km / 100.0
        base = per_100km * (1.0 + p["trafficking.terrain_weight"] * land.ruggedness[dst_cells])
        crossing_cost = np.zeros(sk.src.size)
        has = sk.crossing >= 0
        porosity = self._porosity
        crossing_cost[has] = p["trafficking.border_cost"] * (
            1.0 - np.array([porosity.get(int(c), p["borders.porosity_other"])
                            for c in sk.crossing[has]]))
        premiums = {name: p[f"trafficking.exit_premium_{name}"]
                    for name in ("north", "west", "south")}
        return RouteGraph(land, base + crossing_cost + 1e-6, premiums, per_100km)

    def _porosity_by_pair(self) -> dict[int, float]:
        codes = self.land.geo.country_codes
        out = {}
        for other in ("TJK", "TKM", "UZB", "PAK"):
            if other in codes:
                code = pair_code(codes.index("AFG"), codes.index(other), len(codes))
                out[code] = self.p[f"borders.porosity_{other.lower()}_afg"]
        return out

    # ---------------------------------------------------------------- queries
    def cell_at(self, i: int) -> Any:
        """The Mesa cell at flat index ``i``."""
        return self._cells[divmod(int(i), self.ny)]

    def state(self, iso3: str) -> StateAgent:
        """The study state with this code."""
        return self._by_iso[iso3]

    def states_in_order(self) -> list[StateAgent]:
        """Study states in a fixed order (as STUDY_STATES)."""
        return self.states

    def network(self, key: str) -> JihadistNetwork:
        """The jihadist network with this key."""
        return next(n for n in self.networks if n.spec.key == key)

    def country_iso3(self, i: int) -> str:
        """Country code of a cell ("" for water and no country)."""
        return self.land.geo.country_codes[int(self.land.country[i])]

    def neighbourhood(self, i: int) -> np.ndarray:
        """A cell and its on-grid Moore neighbours."""
        nb = self.land.neighbours[i]
        return np.concatenate(([i], nb[nb >= 0]))

    def vision_cells(self, i: int) -> np.ndarray:
        """Cells within ``jihadists.vision`` (Chebyshev) that agents may occupy.

        Static within a run, so each cell's answer is kept (do not modify it).
        """
        cached = self._vision_cache.get(i)
        if cached is None:
            ix, iy = divmod(int(i), self.ny)
            x, y = ix + self._vision[0], iy + self._vision[1]
            ok = (x >= 0) & (x < self.nx) & (y >= 0) & (y < self.ny)
            flat = x[ok] * self.ny + y[ok]
            cached = self._vision_cache[int(i)] = flat[self.land.agent_land[flat]]
        return cached

    def rivalry(self, a: str, b: str) -> float:
        """Pairwise rivalry of two states, times ``rivalry.scale``, capped at 1."""
        key = (a, b)
        cached = self._rivalry.get(key)
        if cached is None:  # parameters are fixed within a run
            p = self.p
            lo, hi = sorted((a.lower(), b.lower()))
            value = p.get(f"rivalry.{lo}_{hi}",
                          p.get(f"rivalry.{hi}_{lo}", p["rivalry.default"]))
            cached = self._rivalry[key] = min(1.0, value * p["rivalry.scale"])
        return cached

    def _sco_trust(self, iso3: str) -> float:
        """1 - mean rivalry with the other SCO members (fixed within a run, so kept)."""
        cached = self._trust.get(iso3)
        if cached is None:
            others = [s for s in SCO_MEMBERS if s != iso3]
            cached = self._trust[iso3] = 1.0 - np.mean([self.rivalry(iso3, o) for o in others])
        return cached

    def detection_of_cell(self, cell: JihadistCell) -> float:
        """Detection at a jihadist cell's place last month (0 where no engagement)."""
        return float(self.fields.detection[cell.cell_index])

    def move_attraction(self, network: JihadistNetwork) -> np.ndarray:
        """Where a network's cells want to be (cached for the month)."""
        cached = self._attraction.get(network.spec.key)
        if cached is None:
            p, f = self.p, self.fields
            # Only where the network reaches (elsewhere the product is 0): the same
            # expression on those cells gives the same values, at a fraction of the cost.
            i = network.reach_cells
            s = f.security[i] + f.garrison[i]
            traffic = f.traffic[i]
            cached = np.zeros(self.n_cells)
            cached[i] = (network.reach[i] * (0.5 + f.grievance[i])
                         * (1.0 + p["jihadists.rugged_preference"] * self.rugged_norm[i])
                         * (1.0 + p["jihadists.route_preference"] * traffic / (traffic + 10.0))
                         / (1.0 + s / p["jihadists.security_half_saturation"]))
            self._attraction[network.spec.key] = cached
        return cached

    def presence_of(self, network: JihadistNetwork) -> np.ndarray:
        """A network's fighters (members) within reach, per 0.25°-cell area (cached)."""
        cached = self._presence.get(network.spec.key)
        if cached is None:
            deposit = np.zeros(self.n_cells)
            for member in network.cells.values():
                deposit[member.cell_index] += member.fighters
            where = np.fromiter((m.cell_index for m in network.cells.values()), dtype=np.int64,
                                count=len(network.cells))
            # Only the footprint of the members is wanted (the recruitment rule reads the
            # members' own cells); elsewhere the presence is 0.
            cached = spread(deposit, self.land.shape, self.radius,
                            within=self._footprint(where), sources=where) / self.area
            self._presence[network.spec.key] = cached
        return cached

    def _footprint(self, where: np.ndarray) -> tuple[int, int, int, int]:
        """Box of the cells within ``radius`` of any of ``where`` (clipped to the grid)."""
        if where.size == 0:
            return (0, -1, 0, -1)
        x, y = np.divmod(where, self.ny)
        r = self.radius
        return (max(0, int(x.min()) - r), min(self.nx - 1, int(x.max()) + r),
                max(0, int(y.min()) - r), min(self.ny - 1, int(y.max()) + r))

    def crossing_probability(self, here: int, target: int) -> float:
        """Chance of getting across from ``here`` to ``target`` (1 inside a country)."""
        a, b = int(self.land.country[here]), int(self.land.country[target])
        if a == b:
            return 1.0
        codes = self.land.geo.country_codes
        p = self.p
        porosity = self._porosity.get(pair_code(a, b, len(codes)), p["borders.porosity_other"])
        dest = codes[b]
        if dest in self._by_iso:
            porosity *= 1.0 - 0.5 * self._by_iso[dest].border_quality
        if {codes[a], dest} == {"AFG", "TJK"}:
            porosity *= 1.0 - self.nato.gain
        return porosity

    def split_target(self, i: int, network: JihadistNetwork) -> int:
        """Where a splitting cell's offshoot goes: a random neighbour within reach."""
        around = self.neighbourhood(i)
        around = around[(network.reach[around] > 0) & self.land.agent_land[around]]
        if around.size == 0:
            return i
        return int(around[int(self.rng.integers(around.size))])

    def threatened_cells(self, cells: np.ndarray, k: int) -> np.ndarray:
        """Up to ``k`` cells of a territory under the most threat, most threatened first.

        Threat = violent fighters within reach × (2 - control); cells with no fighters
        near are not threatened.
        """
        threat = self._influence[cells] * (2.0 - self.fields.control[cells])
        live = threat > 1.0
        if not live.any():
            return np.empty(0, dtype=np.int64)
        cand, score = cells[live], threat[live]
        order = np.lexsort((cand, -score))
        return cand[order[:k]]

    def production_this_month(self) -> np.ndarray:
        """Opium (tons) produced in each cell this month; more where insurgents rule."""
        weight = self._production_weight * (1.5 - self.fields.control)
        total = weight.sum()
        return self._harvest[self._t] * weight / total if total > 0 else weight

    def seizure_probability(self) -> np.ndarray:
        """Share of what passes a cell that is seized there.

        ``1 - exp(-k·(interdiction·(1 + joint·border) + 0.1·patrols)·(1 - c)·(1 + nato))``.
        """
        p, f = self.p, self.fields
        effort = (f.interdiction * (1.0 + p["cooperation.joint_interdiction"] * self.border)
                  + 0.1 * f.security)
        gain = 1.0 + self.nato.gain * self.nato_mask
        return -np.expm1(-p["trafficking.interdiction_coeff"] * effort
                         * (1.0 - f.corruption) * gain)

    def hotspot_population_share(self) -> float:
        """Share of Central Asia's (study states but AFG) people living in the hotspots."""
        ca = (self.land.state >= 0) & (self.land.state != STUDY_STATES.index("AFG"))
        pop = self.population
        return float(pop[ca & self._hotspot].sum() / pop[ca].sum())

    def fighters_in(self, states: tuple[str, ...]) -> float:
        """Violent fighters standing in the given states."""
        idx = [self.land.geo.country_codes.index(s) for s in states]
        return float(self.fields.fighters[np.isin(self.land.country, idx)].sum())

    # ---------------------------------------------------------------- records
    def record_move(self, cell: JihadistCell, here: int, target: int) -> None:
        """Count an incursion: a move into a Central Asian state from outside it."""
        a, b = self.land.country[here], self.land.country[target]
        dest = self.land.geo.country_codes[int(b)]
        if a != b and dest in self._by_iso and dest != "AFG":
            self.month_incursions += 1
            self.total_incursions += 1
            self.incursions_in_hotspots += int(self._hotspot[target])
            if self.first_incursion_step is None:
                self.first_incursion_step = self.steps

    def record_interception(self, here: int, caught: float) -> None:
        """Fighters caught at a border count as a repression event where they were."""
        self.fields.repression_recent[here] = min(
            1.0, self.fields.repression_recent[here] + caught / 100.0)

    def record_attacks(self, places: np.ndarray, fatalities: np.ndarray,
                       network: JihadistNetwork) -> None:
        """Book attacks and their fatalities on cells and countries."""
        np.add.at(self.fields.violence, places, fatalities)
        np.add.at(self.severity_counts, fatalities, 1)
        codes = self.land.geo.country_codes
        for place, dead in zip(places, fatalities, strict=True):
            iso3 = codes[int(self.land.country[place])]
            self.month_attacks[iso3] = self.month_attacks.get(iso3, 0) + 1
            self.month_fatalities[iso3] = self.month_fatalities.get(iso3, 0.0) + float(dead)
            if iso3 in self._by_iso and iso3 != "AFG" and self._hotspot[place]:
                self.ca_attacks_in_hotspots += 1

    # ------------------------------------------------------------- schedule
    def step(self) -> None:
        """One month (MODEL.md §3)."""
        self._t = t = self.steps - 1
        if t >= self.months:
            self.running = False
            return
        f = self.fields
        # 1. Exogenous inputs.
        self.intl_troops = float(self._troops[t])
        self.ndn_active = bool(self._ndn[t])
        self._update_afghan_and_international()
        # 2. States assess, allocate forces; ISAF allocates its units in Afghanistan.
        self._assess_states()
        self.agents_by_type[StateAgent].shuffle_do("allocate")
        self._allocate_international()
        # 3. Responders.
        self.rats.step()
        self.csto.step()
        self.nato.step()
        self._update_presence()
        self._update_intel()
        # 4. Jihadists.
        self._roll_month_counters()
        self._attraction: dict[str, np.ndarray] = {}
        self._presence: dict[str, np.ndarray] = {}
        for network in self._shuffled(self.networks):
            network.collect_fees()
            network.recruit()
        if JihadistCell in self.agents_by_type:  # absent when every network starts empty
            self.agents_by_type[JihadistCell].shuffle_do("move")
        for network in self.networks:
            network.split_and_dissolve()
        self._update_fighters()
        for network in self._shuffled(self.networks):
            network.attack()
        # 5. Trafficking.
        self.trafficking.step()
        f.traffic[:] = self.trafficking.last.flow
        self.interdicted_total += float(self.trafficking.last.seized.sum())
        if TraffickingCell in self.agents_by_type:
            self.agents_by_type[TraffickingCell].shuffle_do("step")
        # 6. Security forces engage.
        collateral = self._engage()
        # 7. Territory, grievance, corruption, capacity.
        self._update_fighters()
        self._update_control()
        self._update_grievance(collateral)
        f.corruption += 0.02 * (self.corruption0 - f.corruption)
        np.clip(f.corruption, 0.0, 1.0, out=f.corruption)
        for network in self.networks:
            network.recover(self.p["jihadists.recovery_months"])
        # 8. Data collection, after checking that nothing became NaN or infinite.
        self.current = monthly_record(self)
        check_month(self.steps, add_months(self.start, self.steps - 1), self.current,
                    self.fields, self.land.shape)
        self.ca_network_fighters_sum += sum(self.current[f"jihadist_fighters_{k}"]
                                            for k in CA_NETWORKS)
        self.cell_totals.add(self)
        self.datacollector.collect(self)
        if self.steps >= self.months:
            self.running = False

    def _shuffled(self, items: list) -> list:
        order = self.rng.permutation(len(items))
        return [items[i] for i in order]

    def _roll_month_counters(self) -> None:
        for iso3, n in self.month_attacks.items():
            self.total_attacks[iso3] = self.total_attacks.get(iso3, 0) + n
        for iso3, dead in self.month_fatalities.items():
            self.total_fatalities[iso3] = self.total_fatalities.get(iso3, 0.0) + dead
        self.month_attacks = {}
        self.month_fatalities = {}
        self.month_incursions = 0
        self.fields.violence[:] = 0.0

    def _afghan_quality(self) -> float:
        p = self.p
        return afghan_effectiveness(self.intl_troops, p["drawdown.initial_troops"],
                                    p["afg_forces.base_effectiveness"],
                                    p["afg_forces.support_floor"])

    def _update_afghan_and_international(self) -> None:
        """International units follow the schedule; Afghan forces recruit and erode."""
        p = self.p
        for unit in self.intl_units:
            unit.strength = self.intl_troops / len(self.intl_units)
        afg = self.state("AFG")
        # Recruitment follows legitimacy relative to its start; the floor keeps a start at
        # or near zero legitimacy (within the registry's bounds) from dividing by zero or
        # blowing up (found by tests/reliability/test_numerical_health.py).
        reference = max(afg.legitimacy0, LEGITIMACY_FLOOR)
        recruits = (p["afg_forces.recruitment_monthly"] * p["afg_forces.initial"]
                    * afg.legitimacy / reference * p["afg_forces.funding"])
        self.afg_strength = max(0.0, self.afg_strength * (1.0 - p["afg_forces.attrition_monthly"])
                                + recruits)
        self._set_afghan_units()

    def _set_afghan_units(self) -> None:
        """Split the Afghan force: the deployable share patrols, the rest holds towns."""
        afg = self.state("AFG")
        quality = self._afghan_quality()
        mobile = self.p["security.deployable_share"]
        n = len(afg.units) // 2
        for unit in afg.units:
            share = mobile if unit.posture is Posture.PATROL else 1.0 - mobile
            unit.strength = self.afg_strength * share / n
            unit.quality = quality

    def _allocate_international(self) -> None:
        targets = self.threatened_cells(self.state("AFG").cells, len(self.intl_units))
        send_to_threats(self.intl_units, targets, self.cell_at)

    def _update_presence(self) -> None:
        units = list(self.agents_by_type.get(SecurityForce, []))
        pres = presence(units, n_cells=self.n_cells, shape=self.land.shape,
                        territory=self._territory,
                        radius=self.radius, troop_equivalent=self.p["security.troop_equivalent"])
        f = self.fields
        f.security[:] = pres.security / self.area
        f.garrison[:] = (pres.garrison + self.police * self.legitimacy_of_cell) / self.area
        f.interdiction[:] = pres.interdiction / self.area

    def _assess_states(self) -> None:
        """States update legitimacy and S; the per-cell legitimacy follows (once a step)."""
        for state in self.states:
            state.assess()
            self.legitimacy_of_cell[state.cells] = state.legitimacy

    def _update_intel(self) -> None:
        """Intelligence I per cell: informants, enablers, RATS, the NATO link, exposure."""
        p, f = self.p, self.fields
        intel = 0.5 * self.legitimacy_of_cell * (1.0 - f.corruption)
        afg = self._territory["AFG"].cells
        reference = p["drawdown.initial_troops"]
        # No international force at the start (a bound of the registry) means no enablers.
        support = min(1.0, self.intl_troops / reference) if reference > 0 else 0.0
        intel[afg] += 0.3 * support  # international enablers (ISR) in Afghanistan
        for iso3 in SCO_MEMBERS:
            cells = self._territory[iso3].cells
            trust = self._sco_trust(iso3)
            intel[cells] += p["rats.intel_weight"] * p["cooperation.intel_sharing"] * trust
        intel += self.nato.gain * self.nato_mask * 0.5
        exposure = np.zeros(self.n_cells)
        for network in self.networks:
            for member in network.cells.values():
                i = member.cell_index
                exposure[i] = max(exposure[i], member.exposure)
        f.intel[:] = np.clip(intel + exposure, 0.0, 1.0)

    def _update_fighters(self) -> None:
        f = self.fields
        f.fighters[:] = 0.0
        f.members[:] = 0.0
        for network in self.networks:
            target = f.fighters if network.spec.violent else f.members
            for member in network.cells.values():
                target[member.cell_index] += member.fighters
        # Fighters hold the ground around them (about 0.5° each way), per 0.25°-cell area.
        self._influence = spread(f.fighters, self.land.shape, self.influence_radius) / self.area

    def _engage(self) -> np.ndarray:
        """Combat, arrests and their side effects; returns collateral casualties."""
        p, f = self.p, self.fields
        s = f.security + f.garrison
        harsh = 0.5 + self.repression_of_cell  # harsher regimes use more force
        result = engage(s, f.fighters, f.intel, self.land.ruggedness,
                        detection_coeff=p["combat.detection_coeff"],
                        insurgent_loss_rate=p["combat.insurgent_loss_rate"],
                        force_loss_rate=p["combat.force_loss_rate"],
                        terrain_factor=p["combat.terrain_factor"],
                        collateral_rate=p["combat.collateral_rate"])
        losses = np.minimum(f.fighters, result.insurgent_losses * harsh)
        collateral = result.collateral * harsh
        arrests = np.zeros(self.n_cells)
        f.detection[:] = np.where((losses > 0) | (f.members > 0) & (s > 0),
                                  result.detection, 0.0)
        for network in self.networks:
            if not network.cells:
                continue
            before = network.fighters
            members = list(network.cells.values())
            where = np.fromiter((m.cell_index for m in members), dtype=np.int64,
                                count=len(members))
            held = np.fromiter((m.fighters for m in members), dtype=float, count=len(members))
            if network.spec.violent:
                # Losses in a cell are shared by the bands there in proportion to size.
                hit = (losses[where] > 0) & (f.fighters[where] > 0)
                take = np.zeros(len(members))
                take[hit] = losses[where[hit]] * held[hit] / f.fighters[where[hit]]
            else:
                # A sweep hits members with probability D and bystanders otherwise;
                # the wrongful arrests are what people resent (Bennett 2008).
                sweep = held * p["jihadists.arrest_rate"] * (
                    self.repression_of_cell[where] * (s[where] > 0))
                take = sweep * result.detection[where]
                np.add.at(arrests, where, sweep - take)
                hit = np.ones(len(members), dtype=bool)
            take = np.where(hit, np.minimum(take, held), 0.0)
            left = held - take
            for k in np.flatnonzero(hit):
                members[k].fighters = float(left[k])
            # Summed member by member, in order, as the losses were booked.
            lost = float(np.add.accumulate(take)[-1])
            network.exhaust(lost, before, p["jihadists.exhaustion_per_loss"])
        self._apply_force_losses(result.force_losses)
        # Backlash follows the crackdown on people (wrongful arrests, civilian
        # casualties), not the killing of armed bands ([KL13] on Andijan 2005).
        repression_events = arrests + collateral
        memory = p["grievance.memory"]
        f.repression_recent *= memory
        f.repression_recent += (1 - memory) * np.minimum(1.0, repression_events / 10.0)
        # The population's violence: civilian casualties count like attack deaths; fighters
        # killed in combat do not (they would make every operation destabilising).
        self._add_fatalities(collateral)
        return collateral

    def _apply_force_losses(self, losses: np.ndarray) -> None:
        """Troops lost in each state are taken from its units by strength."""
        for state in self.states:
            lost = float(losses[state.cells].sum())
            if lost <= 0:
                continue
            if state.iso3 == "AFG":
                self.afg_strength = max(0.0, self.afg_strength - lost)
                continue
            units = [u for u in state.units if u.posture is not Posture.GARRISON]
            total = sum(u.strength for u in units)
            if total <= 0:
                continue  # every mobile unit is already worn down to nothing (long horizons)
            for unit in units:
                unit.strength = max(0.0, unit.strength - lost * unit.strength / total)

    def _add_fatalities(self, dead: np.ndarray) -> None:
        """Civilian deaths in operations count as violence in their cells and countries."""
        self.fields.violence += dead
        for state in self.states:
            extra = float(dead[state.cells].sum())
            if extra > 0:
                self.month_fatalities[state.iso3] = (
                    self.month_fatalities.get(state.iso3, 0.0) + extra)

    def _control_target(self) -> np.ndarray:
        f, p = self.fields, self.p
        s = f.security + f.garrison + 1.0
        return s / (s + p["control.insurgent_weight"] * self._influence)

    def _update_control(self) -> None:
        """G moves toward s/(s + λF), smoothed over the Moore neighbourhood, at rate κ."""
        p, f = self.p, self.fields
        target = self._control_target()
        w = p["control.smoothing"]
        smoothed = (1.0 - w) * target + w * self.land.neighbour_mean(target)
        f.control += p["control.rate"] * (smoothed - f.control)
        np.clip(f.control, 0.0, 1.0, out=f.control)

    def _update_grievance(self, collateral: np.ndarray) -> None:
        """G = H·(1 - L·(1 - c)), H = poverty + exposure to violence (Epstein 2002)."""
        p, f = self.p, self.fields
        memory = p["grievance.memory"]
        shock = np.minimum(1.0, (f.violence + collateral
                                 * p["combat.collateral_grievance"] * 100.0) / 10.0)
        f.exposure[:] = memory * f.exposure + (1.0 - memory) * shock
        hardship = np.minimum(1.0, self.poverty_of_cell
                              + p["grievance.violence_exposure"] * f.exposure)
        local = self.legitimacy_of_cell * (1.0 - f.corruption)
        f.grievance[:] = np.clip(hardship * (1.0 - local), 0.0, 1.0)

    # --------------------------------------------------------------- results
    def run(self) -> dict[str, Any]:
        """Step to the horizon and return the run summary."""
        while self.running and self.steps < self.months:
            self.step()
        self.running = False
        return self.summary()

    def summary(self) -> dict[str, Any]:
        """The run summary of MODEL.md §6."""
        return summarize(self)

    def cell_summary(self) -> pd.DataFrame:
        """Per-cell summary of the months stepped so far (maps; see outcomes.cell_summary)."""
        return pd.DataFrame(cell_summary(self))

    def timeseries(self) -> pd.DataFrame:
        """One row per month: ``step``, ``date`` (``YYYY-MM``), then the outcomes.

        Step 0 is the initial state (dated the month before ``start``); step k is the
        state after the k-th month, dated ``start + k - 1``.
        """
        frame = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        steps = np.arange(len(frame))
        frame.insert(0, "date", [add_months(self.start, int(k) - 1) for k in steps])
        frame.insert(0, "step", steps)
        return frame


def _reporter(name: str):
    def report(model: StabilityModel) -> float:
        return model.current[name]

    report.__name__ = f"report_{name}"
    return report


def _seed_sequence(seed: Any) -> np.random.SeedSequence | None:
    """SeedSequence from an int or SeedSequence; None for a ready Generator."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        return None
    return np.random.SeedSequence(int(seed))
