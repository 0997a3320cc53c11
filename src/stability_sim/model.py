"""StabilityModel: the world and the five agent families, wired, and the monthly schedule.

The model builds the :class:`~stability_sim.world.World` (the map and its per-cell
fields), the :class:`~stability_sim.ledger.Ledger` (the books) and the families, runs the
monthly schedule of MODEL.md §3 (one line a phase, each a call into the family or module
that owns the mechanism; docs/ARCHITECTURE.md has the table) and collects the data. The
mechanisms live with their families (:mod:`stability_sim.agents`) as functions over
arrays. All randomness comes from ``self.rng`` (one numpy Generator per run, from a
SeedSequence) and ``self.random`` seeded from it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import mesa
import numpy as np
import pandas as pd
from mesa.discrete_space import PropertyLayer

from stability_sim import mesa_compat
from stability_sim.agents import population, territory
from stability_sim.agents.afghan import AfghanForces
from stability_sim.agents.borders import Borders
from stability_sim.agents.intelligence import NatoLink, Rivalry, SCORats, intel_field, nato_gain
from stability_sim.agents.jihadists import (
    NETWORKS,
    JihadistCell,
    JihadistNetwork,
    PowerLawSeverity,
    deposit_fighters,
    seed_networks,
    suffer_operations,
)
from stability_sim.agents.responders import CSTOResponder
from stability_sim.agents.security import (
    InternationalForce,
    SecurityForce,
    gaussian,
    national_forces,
    operations,
    send_to_threats,
    take_force_losses,
    territories,
    update_presence,
)
from stability_sim.agents.states import StateAgent, paint_states
from stability_sim.agents.trafficking import HUBS, TraffickingCell, TraffickingNetwork, route_graph
from stability_sim.agents.war_chest import monthly_income
from stability_sim.config import Scenario, default_scenario
from stability_sim.errors import UserError
from stability_sim.geography import STUDY_STATES
from stability_sim.health import check_month
from stability_sim.history import load_history
from stability_sim.inputs import run_inputs
from stability_sim.landscape import landscape
from stability_sim.ledger import Ledger
from stability_sim.outcomes import (
    CA_NETWORKS,
    CellTotals,
    cell_summary,
    monthly_columns,
    monthly_record,
    summarize,
)
from stability_sim.params import Pars, Role
from stability_sim.params import get as get_parameter
from stability_sim.timeline import add_months, months_between
from stability_sim.world import LAYERS, World


class StabilityModel(mesa.Model):
    """Regional stability in Central Asia after the drawdown from Afghanistan.

    Args:
        scenario: A validated scenario; the registry defaults if None.
        rng: Seed material: an int, a ``numpy.random.SeedSequence`` (a sweep passes the
            run's child) or a Generator. None uses the scenario's ``seed``.
        **overrides: Parameter values by dotted name, or with ``__`` for ``.``
            (``cooperation__level=0.8``) so ``mesa.batch_run`` and the visual server can
            pass plain keywords. Checked by the registry.

    Attributes:
        world: The map and its per-cell fields.
        ledger: Month and run counters of violence, incursions and seizures.
        states, international, afghan, networks, trafficking, hubs, csto, rats, nato:
            The families.
    """

    @mesa_compat.collector_paused
    def __init__(self, scenario: Scenario | None = None, *, rng: Any = None,
                 **overrides: Any) -> None:
        scenario = _with_overrides(scenario or default_scenario(), overrides)
        values = scenario.values
        seed_seq = _seed_sequence(values["seed"] if rng is None else rng)
        super().__init__(rng=np.random.Generator(np.random.PCG64(seed_seq))
                         if seed_seq is not None else rng)
        # Not `scenario`: Mesa 3.5's Model.scenario is its own (a mesa Scenario).
        self.scenario_config = scenario
        # The history window runs with the levers at their 2013 status quo (the registry
        # defaults); the scenario's levers take over at the branch (_branch).
        self.p = history_values(values)
        self.pars = pars = Pars.of(self.p)
        self.seed_entropy = seed_seq.entropy if seed_seq is not None else None
        self.spawn_key = tuple(seed_seq.spawn_key) if seed_seq is not None else ()
        self.start = pars.start
        self.months = pars.months
        # The step of the first month of the outflow to other theatres (step k is the
        # month k - 1 after the start; history steps are <= 0).
        self.outflow_step = months_between(self.start, pars.jihadists.outflow_start) + 1
        resolution = pars.grid.resolution

        self.land = land = landscape(resolution)
        self.nx, self.ny = land.shape
        self.n_cells = land.n_cells
        # Repression of upheavals put down this month, in events per cell: remembered with
        # the month's other repression in _operations.
        self._crackdown = np.zeros(self.n_cells)
        self.grid = mesa_compat.MooreGrid(land.shape, random=self.random)
        mesa_compat.forget_cell_class(self, self.grid)
        self.world = world = World(land, self._property_layers(),
                                   {c.coordinate: c for c in self.grid.all_cells}, resolution)
        paint_states(world, pars)
        world.fields.control[:] = 1.0
        self.patrol = gaussian(resolution, pars.security.patrol_km)
        self.garrison = gaussian(resolution, pars.security.garrison_km)
        self.influence_sigma = territory.kernel_sigma(resolution, pars.control.influence_km)
        self.ledger = Ledger(world)

        # Exogenous inputs, one value per month from the history window's start: the
        # record of 2010-2013, then the scenario's (inputs.run_inputs).
        self.history_window = history = load_history()
        self.inputs = inputs = run_inputs(values, history)
        self.history_months = inputs.scenario_from
        self.ndn_active = bool(inputs.ndn[0])
        self.afg_funding = float(inputs.funding[0])

        # The families, in the order Mesa numbers their agents (results depend on it).
        self.states = [StateAgent(self, world, pars, iso3, land.capitals[iso3])
                       for iso3 in STUDY_STATES]
        self._by_iso = {s.iso3: s for s in self.states}
        self.international = InternationalForce(self, world, inputs.initial_troops,
                                                pars.security.intl_quality)
        self.afghan = AfghanForces(self, world, pars, self.international.troops)
        self.state("AFG").units = self.afghan.units
        for state in self.states:
            if state.iso3 != "AFG":
                state.units = national_forces(self, world, pars, state.iso3, state.capital,
                                              state.border_quality)
        self._territories = territories(world)
        self.rivalry = Rivalry(pars)
        self.borders = Borders(land, pars, nato_gain(pars))
        severity = PowerLawSeverity(pars.attacks.severity_exponent,
                                    pars.attacks.max_fatalities)
        self.networks = [JihadistNetwork(self, world, pars, spec, ledger=self.ledger,
                                         borders=self.borders, severity=severity,
                                         patrol=self.patrol)
                         for spec in NETWORKS]
        seed_networks(self, self.networks)
        self.trafficking = TraffickingNetwork(self, world, pars,
                                              route_graph(world, pars, self.borders),
                                              inputs.harvest)
        self.hubs = [TraffickingCell(self, world, pars, world.cell_at(land.places[h]), h)
                     for h in HUBS if h in land.places]
        self.csto = CSTOResponder(self, world, pars, self.ledger)
        self.rats = SCORats(self, world, pars, self.rivalry)
        self.nato = NatoLink(self, world, pars)

        # The situation of early 2010: presence, fighters, intelligence, grievance. Control
        # starts at the balance of the 2010 presences (the Taliban's bands where the
        # sources place them against the forces there): one evaluation of the target, not
        # a settling loop with frozen agents; from here it emerges month by month.
        self._update_presence()
        self._update_fighters()
        self._start_control()
        for network in self.networks:
            if network.spec.territorial:
                # The chest starts with the first year's income at the starting control
                # (the harvest is seasonal: one month's would be no guide).
                network.annual_income = sum(
                    self._war_chest_income(t, network.spec.key) for t in range(12))
        self._update_intel()
        self._update_grievance(np.zeros(self.n_cells))
        self._assess_states(-self.history_months)
        self.cell_totals = CellTotals(self.n_cells)  # for the per-cell summary (maps)
        self.current: dict[str, float] = monthly_record(self)
        self._history_rows: list[dict[str, float]] = [self.current]
        self._live_history()
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _reporter(name) for name in monthly_columns()})
        self.datacollector.collect(self)

    def _live_history(self) -> None:
        """Step through the history window (2010-01 to the month before ``start``).

        The run's December 2013 is its own output. At the branch the run's records
        (ledger totals, destabilisation and collapse, the CSTO's count) start afresh:
        the scenario's outcomes are about the scenario's months.
        """
        for k in range(self.history_months):
            self._month(k, step=k - self.history_months + 1)
            self._history_rows.append(self.current)
        self.ledger.reset_run()
        for state in self.states:
            state.reset_records()
        self.afghan.branch()
        self.csto.reset_records()
        self.cell_totals = CellTotals(self.n_cells)
        self._branch(self.scenario_config.values)

    def _branch(self, values: dict[str, Any]) -> None:
        """From here on the scenario's levers hold: every family reads the new values.

        What a family computed from a lever when it was built (the repression painted on
        the cells, the NATO link's gain, RATS's sharing table) is computed again.
        """
        self.p = values
        self.pars = pars = Pars.of(values)
        for holder in (*self.states, self.afghan, *self.networks, self.trafficking,
                       *self.hubs, self.csto, self.rats, self.nato):
            holder.pars = pars
        for iso3 in STUDY_STATES:
            self.world.repression[self.world.territory[iso3]] = pars.state(iso3).repression
        self.rats.forget_channels()
        self.nato.step()
        self.borders.nato_gain = self.nato.gain

    def _property_layers(self) -> dict[str, np.ndarray]:
        """Mesa PropertyLayers for :data:`LAYERS`; returns flat views of their data."""
        arrays = {}
        for name in LAYERS:
            layer = PropertyLayer(name, self.land.shape, default_value=0.0, dtype=float)
            self.grid.add_property_layer(layer)
            # set_cells copies in place (Mesa 3.3 and 3.5), so this view stays valid.
            arrays[name] = layer.data.reshape(-1)
        return arrays

    # ---------------------------------------------------------------- queries
    @property
    def fields(self) -> Any:
        """The world's per-cell fields (for notebooks and the visual server)."""
        return self.world.fields

    def state(self, iso3: str) -> StateAgent:
        """The study state with this code."""
        return self._by_iso[iso3]

    def network(self, key: str) -> JihadistNetwork:
        """The jihadist network with this key."""
        return next(n for n in self.networks if n.spec.key == key)

    # ------------------------------------------------------------- schedule
    def step(self) -> None:
        """One month of the scenario (MODEL.md §3; the table in docs/ARCHITECTURE.md)."""
        self._t = t = self.steps - 1
        if t >= self.months:
            self.running = False
            return
        self._month(self.history_months + t, step=self.steps)
        self.cell_totals.add(self.world)
        self.datacollector.collect(self)
        if self.steps >= self.months:
            self.running = False

    def _month(self, k: int, *, step: int) -> None:
        """Month ``k`` of the run's inputs, numbered ``step`` (history months are <= 0).

        Raises:
            NumericalError: When a layer is not finite, found at the month's end or, when
                a NaN fails an integer conversion mid-month, at that point.
        """
        try:
            self._advance(k, step=step)
        except (ValueError, OverflowError):
            # A NaN in a layer can reach int() (a cell's move, a count) before the
            # month's check: name the layer, not the conversion.
            check_month(step, add_months(self.start, step - 1), {}, self.world.fields,
                        self.land.shape)
            raise

    def _advance(self, k: int, *, step: int) -> None:
        """The month's processes in order (:meth:`_month`)."""
        world, f, ledger, inputs = self.world, self.world.fields, self.ledger, self.inputs
        # 1. Exogenous inputs; Afghan forces are paid, recruit, erode.
        self.international.set_troops(float(inputs.troops[k]))
        self.ndn_active = bool(inputs.ndn[k])
        self.afg_funding = float(inputs.funding[k])
        afg = self.state("AFG")
        self.afghan.month(intl_troops=self.international.troops,
                          funding_usd_bn=self.afg_funding, goal=float(inputs.goal[k]))
        afg.force_disintegrated = self.afghan.disintegrated
        # 2. States assess and allocate forces; ISAF allocates its units in Afghanistan.
        self._assess_states(step)
        self.agents_by_type[StateAgent].shuffle_do("allocate")
        units = self.international.units
        threat = self.pars.security
        send_to_threats(units, world.spaced(territory.threatened_cells(
            afg.cells, f.influence, f.control, None, offset=threat.threat_offset,
            threshold=threat.threat_threshold), len(units), territory.THREAT_SPACING),
            world.cell_at)
        # 3. Responders; security presence and intelligence follow.
        self.rats.share_detections(self.networks)
        self.csto.respond(self.states, step)
        self.nato.step()
        self._update_presence()
        self._update_intel()
        # 4. Jihadists.
        ledger.roll_month()
        self._book_upheavals()
        for network in self.networks:
            network.new_month()
        for network in self.networks:
            if network.spec.territorial:
                network.fund(self._war_chest_income(k, network.spec.key))
        for network in self._shuffled(self.networks):
            network.collect_fees(self.trafficking.last)
            network.recruit()
            network.regenerate()
        self._emigrate(step)
        if JihadistCell in self.agents_by_type:  # absent when every network starts empty
            self.agents_by_type[JihadistCell].shuffle_do("move")
        for network in self.networks:
            network.split_and_dissolve()
        self._update_fighters()
        for network in self._shuffled(self.networks):
            network.attack()
        # 5. Trafficking.
        self.trafficking.route_month(k, self.nato.gain, self.nato.mask)
        f.traffic[:] = self.trafficking.last.flow
        ledger.record_seized(float(self.trafficking.last.seized.sum()))
        if TraffickingCell in self.agents_by_type:
            self.agents_by_type[TraffickingCell].shuffle_do("step")
        # 6. Security forces engage.
        collateral = self._operations()
        # 7. Territory, grievance, corruption, capacity.
        self._update_fighters()
        self._update_control()
        self._update_grievance(collateral)
        population.relax_corruption(f.corruption, world.corruption0,
                                    self.pars.corruption.relaxation_rate)
        for network in self.networks:
            network.recover(self.pars.jihadists.recovery_months)
        # 8. Data collection, after checking that nothing became NaN or infinite.
        self.current = monthly_record(self)
        check_month(step, add_months(self.start, step - 1), self.current, f, self.land.shape)
        ledger.ca_network_fighters_sum += sum(self.current[f"jihadist_fighters_{k}"]
                                              for k in CA_NETWORKS)

    def _shuffled(self, items: list) -> list:
        order = self.rng.permutation(len(items))
        return [items[i] for i in order]

    def _assess_states(self, step: int) -> None:
        """States update legitimacy and S; the per-cell legitimacy follows."""
        for state in self.states:
            state.assess(self.ledger.month_fatalities.get(state.iso3, 0.0), self.ndn_active,
                         step)
            self.world.legitimacy[state.cells] = state.legitimacy

    def _emigrate(self, step: int) -> None:
        """The pull of other theatres: the Central Asian networks lose fighters abroad."""
        if step < self.outflow_step:
            return
        share = self.pars.jihadists.outflow_share
        for network in self.networks:
            if network.spec.violent and not network.spec.territorial:
                self.ledger.departed_total += network.emigrate(share)

    def _book_upheavals(self) -> None:
        """This month's upheavals: their deaths, and the repression of those put down."""
        saturation = self.pars.grievance.repression_saturation
        for state in self.states:
            cell = state.upheaval_cell()
            if cell is None:
                continue
            self.ledger.record_upheaval(state.iso3, cell, float(state.upheaval.toll))
            if not state.upheaval.fell:
                # Put down by force (Andijan, Zhanaozen, Khorog): a month of repression at
                # saturation in its cell, remembered with the month's other repression
                # (_operations), the memory that feeds the backlash ([KL13]).
                self._crackdown[cell] += saturation

    def _update_presence(self) -> None:
        update_presence(self.world, list(self.agents_by_type.get(SecurityForce, [])),
                        self._territories, patrol=self.patrol, garrison=self.garrison,
                        troop_equivalent=self.pars.security.troop_equivalent)

    def _update_intel(self) -> None:
        f = self.world.fields
        f.intel[:] = intel_field(
            self.world, self.pars, enablers=self.afghan.enablers, rivalry=self.rivalry,
            nato_gain=self.nato.gain, nato_mask=self.nato.mask, networks=self.networks)
        # Collaboration follows control (Kalyvas 2006): people inform the side that holds
        # their area.
        to_state, _ = territory.collaboration(f.control, self.pars.control.collaboration_weight)
        f.intel *= to_state

    def _war_chest_income(self, k: int, key: str) -> float:
        """A territorial network's income in month ``k`` (USD) from the Afghan ground."""
        afg = self.world.territory["AFG"]
        net = self.pars.jihadists.net(key)
        return monthly_income(
            opium_tons=self.trafficking.production(k, afg),
            population=self.world.population[afg], control=self.world.fields.control[afg],
            tax_share=net.opium_tax_share, price_usd_kg=net.opium_price_usd_kg,
            local_tax_usd=net.local_tax_usd, outside_usd_m=net.outside_usd_m)

    def _update_fighters(self) -> None:
        world = self.world
        deposit_fighters(world, self.networks)
        world.fields.influence[:] = territory.influence(world.fields.fighters, world.shape,
                                                        self.influence_sigma, world.area,
                                                        world.land.country)

    def _operations(self) -> np.ndarray:
        """Combat and arrests, their losses and backlash; returns collateral casualties."""
        world, p = self.world, self.pars
        ops = operations(world, self.pars)
        arrests = np.zeros(self.n_cells)
        for network in self.networks:
            suffer_operations(network, losses=ops.insurgent_losses, forces=ops.forces,
                              detection=ops.detection, arrests=arrests)
        take_force_losses(ops.force_losses, world.territory,
                          {s.iso3: s.units for s in self.states}, self.afghan.lose)
        # Backlash follows the crackdown on people (wrongful arrests, civilian
        # casualties), not the killing of armed bands ([KL13] on Andijan 2005).
        population.remember_repression(world.fields.repression_recent,
                                       arrests + ops.collateral + self._crackdown,
                                       p.grievance.memory,
                                       saturation=p.grievance.repression_saturation)
        self._crackdown[:] = 0.0
        # The population's violence: civilian casualties count like attack deaths; fighters
        # killed in combat do not (they would make every operation destabilising).
        self.ledger.record_civilian_deaths(ops.collateral)
        return ops.collateral

    def _start_control(self) -> None:
        """Control at the start: the target ``s/(s + λ·H)`` of the initial presences."""
        f, c = self.world.fields, self.pars.control
        f.control[:] = territory.control_target(f.security, f.garrison, f.influence,
                                                c.insurgent_weight, c.base_presence)

    def _update_control(self) -> None:
        f, p = self.world.fields, self.pars
        c = p.control
        target = territory.control_target(f.security, f.garrison, f.influence,
                                          c.insurgent_weight, c.base_presence)
        armed = f.security + f.garrison + c.insurgent_weight * f.influence
        territory.update_control(f.control, target, territory.control_rate(
            armed, rate=c.rate, half_presence=c.half_presence,
            persistence_months=c.persistence_months))

    def _update_grievance(self, collateral: np.ndarray) -> None:
        world, p = self.world, self.pars
        f = world.fields
        population.update_grievance(
            f.grievance, f.exposure, violence=f.violence, collateral=collateral,
            poverty=world.poverty, legitimacy=world.legitimacy, corruption=f.corruption,
            memory=p.grievance.memory, collateral_grievance=p.combat.collateral_grievance,
            violence_exposure=p.grievance.violence_exposure,
            collateral_shock_factor=p.grievance.collateral_shock_factor,
            shock_saturation=p.grievance.shock_saturation)

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

    def timeseries(self, *, history: bool = True) -> pd.DataFrame:
        """One row per month: ``step``, ``date`` (``YYYY-MM``), then the outcomes.

        Step 0 is the state at the branch (dated the month before ``start``); step k is
        the state after the scenario's k-th month, dated ``start + k - 1``. With
        ``history`` (the default) the history window's months come first, numbered up to
        0 (step ``-H`` is the situation of early 2010, dated the month before the window).
        """
        frame = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        steps = np.arange(len(frame))
        frame.insert(0, "date", [add_months(self.start, int(k) - 1) for k in steps])
        frame.insert(0, "step", steps)
        if history:
            frame = pd.concat([self.history(), frame.iloc[1:]], ignore_index=True)
        return frame

    def history(self) -> pd.DataFrame:
        """The history window's months: steps ``-H .. 0`` with their dates and outcomes."""
        h = self.history_months
        frame = pd.DataFrame(self._history_rows, columns=list(monthly_columns()))
        frame.insert(0, "date", [add_months(self.start, k - 1) for k in range(-h, 1)])
        frame.insert(0, "step", np.arange(-h, 1))
        return frame


def _reporter(name: str):
    def report(model: StabilityModel) -> float:
        return model.current[name]

    report.__name__ = f"report_{name}"
    return report


def history_values(values: dict[str, Any]) -> dict[str, Any]:
    """The run's values with every lever at its 2013 status quo (the registry default).

    The history window is the record of 2010-2013: a scenario's policy (drawdown,
    cooperation, funding, repression, CSTO contributions) begins at its branch.
    """
    status_quo = _status_quo()
    return {k: status_quo.get(k, v) for k, v in values.items()}


@cache
def _status_quo() -> dict[str, Any]:
    """The levers' registry defaults (derived levers derived from the defaults)."""
    defaults = default_scenario().values
    return {k: v for k, v in defaults.items() if get_parameter(k).role is Role.LEVER}


def _seed_sequence(seed: Any) -> np.random.SeedSequence | None:
    """SeedSequence from an int or SeedSequence; None for a ready Generator."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        return None
    return np.random.SeedSequence(int(seed))


def _with_overrides(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """The scenario with keyword overrides (``a__b`` or ``"a.b"``) applied."""
    if not overrides:
        return scenario
    dotted: dict[str, Any] = {}
    for key, value in overrides.items():
        name = key.replace("__", ".")
        if name in dotted:  # cooperation__level and "cooperation.level" both given
            raise UserError("given twice (with . and with __)", source="override", key=name)
        dotted[name] = value
    return scenario.with_overrides(dotted)
