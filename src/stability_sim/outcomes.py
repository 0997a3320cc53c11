"""Outcomes: the monthly series and the run summary of MODEL.md §6.

Column and key names are part of the interface researchers script against: they are
exactly those of MODEL.md §6 (``<iso3>`` in lower case), plus a few that the stylized
facts need (documented in docs/ODD.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from stability_sim.agents.jihadists import NETWORKS
from stability_sim.agents.territory import area_share
from stability_sim.geography import STUDY_STATES
from stability_sim.world import CENTRAL_ASIA, World

if TYPE_CHECKING:
    from stability_sim.agents.afghan import AfghanForces
    from stability_sim.agents.jihadists import JihadistNetwork
    from stability_sim.agents.responders import CSTOResponder
    from stability_sim.agents.security import InternationalForce
    from stability_sim.agents.states import StateAgent
    from stability_sim.agents.trafficking import TraffickingNetwork
    from stability_sim.ledger import Ledger


class Run(Protocol):
    """What the outcomes read from a run: its world, ledger and families.

    ``StabilityModel`` is one; the outcomes never import it.
    """

    world: World
    ledger: Ledger
    states: list[StateAgent]
    networks: list[JihadistNetwork]
    trafficking: TraffickingNetwork
    csto: CSTOResponder
    international: InternationalForce
    afghan: AfghanForces
    afg_funding: float
    steps: int
    cell_totals: CellTotals

    def state(self, iso3: str) -> StateAgent:
        """The study state with this code."""

    def network(self, key: str) -> JihadistNetwork:
        """The jihadist network with this key."""

#: The violent networks aimed at the Central Asian regimes [KL13].
CA_NETWORKS = ("imu", "iju", "jak")

#: Control thresholds of MODEL.md §6: below the first a cell is insurgent-held, up to the
#: second it is contested.
INSURGENT_BELOW = 1.0 / 3.0
CONTESTED_UP_TO = 2.0 / 3.0


class Scope(StrEnum):
    """When an outcome is observed."""

    MONTHLY = "monthly"  # one value per month (the time series)
    SUMMARY = "summary"  # one value per run (the run summary)


@dataclass(frozen=True)
class Outcome:
    """One outcome of a run, declared once.

    The reporters, the run summary, the result store's Parquet schema and
    docs/OUTCOMES.md are all built from :data:`OUTCOMES`.

    Attributes:
        name: Column or key name (part of the interface researchers script against).
        scope: Monthly series or run summary.
        dtype: ``float``, ``int`` or ``bool``; ``int`` outcomes that name a month are
            null when the event never happened (``nullable``).
        unit: Unit of the value.
        meaning: One line saying what it is.
        value: How it is read from a run.
        nullable: Whether None (never happened) is a valid value.
    """

    name: str
    scope: Scope
    dtype: str
    unit: str
    meaning: str
    value: Callable[[Run], Any] = field(repr=False, compare=False)
    nullable: bool = False


def _afg_share(model: Run, low: float, high: float) -> float:
    """Share of Afghanistan's area (km²) with control in ``[low, high)``."""
    cells = model.state("AFG").cells
    g = model.world.fields.control[cells]
    return area_share((g >= low) & (g < high), model.world.area_km2[cells])


def _insurgent_share(model: Run) -> float:
    return _afg_share(model, -np.inf, INSURGENT_BELOW)


def _ca_total(totals: dict, default: float) -> float:
    """A ledger total summed over the Central Asian states."""
    return sum(totals.get(s, default) for s in CENTRAL_ASIA)


def _contested_share(model: Run) -> float:
    return _afg_share(model, INSURGENT_BELOW, np.nextafter(CONTESTED_UP_TO, np.inf))


def _declare() -> tuple[Outcome, ...]:
    out: list[Outcome] = []

    def monthly(name: str, unit: str, meaning: str, value: Callable[[Run], Any]) -> None:
        out.append(Outcome(name, Scope.MONTHLY, "float", unit, meaning, value))

    def summary(name: str, dtype: str, unit: str, meaning: str, value: Callable[[Run], Any],
                nullable: bool = False) -> None:
        out.append(Outcome(name, Scope.SUMMARY, dtype, unit, meaning, value, nullable))

    monthly("intl_troops", "troops", "international troops in Afghanistan",
            lambda m: m.international.troops)
    monthly("afg_forces", "troops", "Afghan National Security Forces strength",
            lambda m: m.afghan.strength)
    monthly("afg_insurgent_control_share", "1",
            "share of Afghanistan's area insurgent-held (control < 1/3)", _insurgent_share)
    monthly("afg_contested_share", "1",
            "share of Afghanistan's area contested (1/3 <= control <= 2/3)", _contested_share)
    monthly("afg_attrition_rate", "1/month",
            "Afghan forces lost this month (attrition, desertion, combat) as a share of the "
            "force", lambda m: m.afghan.attrition_share)
    monthly("afg_morale", "1", "morale of the Afghan forces", lambda m: m.afghan.morale)
    monthly("afg_enablers", "1", "share of the enablers the international presence provides",
            lambda m: m.afghan.enablers)
    monthly("afg_funding_usd_bn", "USD bn/year",
            "international funding of the Afghan forces this month (yearly rate)",
            lambda m: m.afg_funding)
    for k, iso3 in enumerate(STUDY_STATES):
        monthly(f"stability_index_{iso3.lower()}", "1", f"stability index S of {iso3}",
                lambda m, k=k: m.states[k].stability)
    for iso3 in STUDY_STATES:
        monthly(f"attacks_{iso3.lower()}", "attacks", f"jihadist attacks in {iso3} this month",
                lambda m, iso3=iso3: m.ledger.month_attacks.get(iso3, 0))
    monthly("attacks_central_asia", "attacks",
            "jihadist attacks in the five Central Asian states this month",
            lambda m: _ca_total(m.ledger.month_attacks, 0))
    for k, iso3 in enumerate(STUDY_STATES[1:], start=1):
        monthly(f"crisis_{iso3.lower()}", "1",
                f"1 when {iso3} is in crisis this month (its regime toppled, a violent crisis "
                "or ground lost: docs/ODD.md section 7, 'Regimes'), else 0",
                lambda m, k=k: float(m.states[k].crisis))
    for iso3 in STUDY_STATES:
        monthly(f"fatalities_{iso3.lower()}", "deaths",
                f"deaths in {iso3} this month (attacks and civilian casualties of operations)",
                lambda m, iso3=iso3: m.ledger.month_fatalities.get(iso3, 0.0))
    monthly("jihadist_fighters_total", "people", "fighters and members of all networks",
            lambda m: sum(n.fighters for n in m.networks))
    for k, spec in enumerate(NETWORKS):
        monthly(f"jihadist_fighters_{spec.key}", "people",
                f"fighters (members, for a non-violent one) of {spec.label}",
                lambda m, k=k: m.networks[k].fighters)
    monthly("trafficking_north_tons", "t", "opiates leaving by the northern route this month",
            lambda m: m.trafficking.last.exported["north"])
    monthly("interdicted_tons", "t", "opiates seized this month",
            lambda m: m.trafficking.last.seized.sum())
    monthly("csto_deployed_troops", "troops", "CSTO troops deployed",
            lambda m: m.csto.deployed_troops)
    monthly("incursions", "moves",
            "armed bands' moves into a Central Asian state from outside it",
            lambda m: m.ledger.month_incursions)
    monthly("upheavals_central_asia", "events",
            "upheavals (elite contest or mass protest) in the Central Asian states this month",
            lambda m: sum(m.state(s).upheaval is not None for s in CENTRAL_ASIA))
    monthly("ca_border_crossings", "moves",
            "moves of any jihadist cell, armed or not, into a Central Asian state from "
            "outside it (mostly Hizb ut-Tahrir cells within the Fergana Valley)",
            lambda m: m.ledger.month_crossings)

    for k, iso3 in enumerate(STUDY_STATES):
        summary(f"destabilized_{iso3.lower()}", "bool", "",
                f"{iso3} destabilised at any time (in crisis: its regime toppled, "
                "stability.crisis_fatalities deaths in stability.destabilized_months months, "
                "or control below stability.control_lost for as long)",
                lambda m, k=k: m.states[k].destabilized_step is not None)
    for k, iso3 in enumerate(STUDY_STATES):
        summary(f"collapsed_{iso3.lower()}", "bool", "",
                f"{iso3}'s government collapsed (capital lost or control below the threshold)",
                lambda m, k=k: m.states[k].collapsed_step is not None)
    for k, iso3 in enumerate(STUDY_STATES):
        summary(f"min_stability_{iso3.lower()}", "float", "1", f"lowest S of {iso3}",
                lambda m, k=k: m.states[k].min_stability)
    for k, iso3 in enumerate(STUDY_STATES):
        summary(f"first_destabilized_month_{iso3.lower()}", "int", "step",
                f"first month {iso3} counted as destabilised",
                lambda m, k=k: m.states[k].destabilized_step, nullable=True)
    summary("afg_insurgent_control_final", "float", "1",
            "share of Afghanistan's area insurgent-held at the horizon", _insurgent_share)
    summary("afg_contested_final", "float", "1",
            "share of Afghanistan's area contested at the horizon", _contested_share)
    summary("afg_forces_final", "float", "troops", "Afghan forces at the horizon",
            lambda m: float(m.afghan.strength))
    summary("taliban_fighters_final", "float", "people", "Taliban fighters at the horizon",
            lambda m: float(m.network("taliban").fighters))
    summary("afg_government_collapse_month", "int", "step",
            "first month the Afghan government collapsed (Kabul lost or its army "
            "disintegrated)",
            lambda m: m.state("AFG").collapsed_step, nullable=True)
    summary("attacks_central_asia_total", "int", "attacks",
            "jihadist attacks in the Central Asian states over the run",
            lambda m: int(_ca_total(m.ledger.total_attacks, 0)))
    summary("fatalities_central_asia_total", "float", "deaths",
            "deaths in the Central Asian states over the run",
            lambda m: float(_ca_total(m.ledger.total_fatalities, 0.0)))
    summary("attacks_central_asia_hotspots", "int", "attacks",
            "of those attacks, the ones in the hotspot regions",
            lambda m: int(m.ledger.ca_attacks_in_hotspots))
    summary("upheavals_central_asia_total", "int", "events",
            "upheavals in the Central Asian states over the run",
            lambda m: sum(m.state(s).upheavals for s in CENTRAL_ASIA))
    summary("regime_falls_central_asia_total", "int", "events",
            "of those upheavals, the ones that toppled a regime",
            lambda m: sum(m.state(s).regime_falls for s in CENTRAL_ASIA))
    summary("ca_fighters_departed_total", "float", "people",
            "fighters of the Central Asian networks (IMU, IJU, JaK) gone to other theatres "
            "(Syria, Iraq) over the run", lambda m: float(m.ledger.departed_total))
    summary("incursions_total", "int", "moves", "incursions over the run",
            lambda m: int(m.ledger.total_incursions))
    summary("ca_border_crossings_total", "int", "moves",
            "crossings of any jihadist cell into a Central Asian state over the run",
            lambda m: int(m.ledger.total_crossings))
    summary("incursions_hotspots", "int", "moves", "incursions into the hotspot regions",
            lambda m: int(m.ledger.incursions_in_hotspots))
    summary("first_incursion_month", "int", "step", "month of the first incursion",
            lambda m: m.ledger.first_incursion_step, nullable=True)
    summary("first_destabilized_month_central_asia", "int", "step",
            "first month any Central Asian state counted as destabilised",
            _first_ca_destabilized, nullable=True)
    summary("csto_interventions", "int", "deployments", "CSTO deployments over the run",
            lambda m: m.csto.interventions)
    summary("csto_mean_response_months", "float", "months",
            "mean months from a member's request to the deployment",
            lambda m: float(np.mean(m.csto.response_months)) if m.csto.response_months
            else None, nullable=True)
    summary("trafficking_north_share", "float", "1",
            "share of the exported opiates that left by the northern route",
            _north_share)
    summary("trafficking_north_tons_total", "float", "t", "opiates exported north over the run",
            lambda m: m.trafficking.exported_total["north"])
    summary("interdicted_tons_total", "float", "t", "opiates seized over the run",
            lambda m: m.ledger.interdicted_total)
    summary("jihadist_fighters_central_asia_final", "float", "people",
            "violent fighters standing in the Central Asian states at the horizon",
            lambda m: float(m.world.fields.fighters[m.world.in_countries(CENTRAL_ASIA)].sum()))
    summary("fighters_ca_networks_final", "float", "people",
            "fighters of the networks aimed at Central Asia (IMU, IJU, JaK) at the horizon",
            lambda m: sum(m.network(k).fighters for k in CA_NETWORKS))
    summary("fighters_ca_networks_mean", "float", "people",
            "the same, averaged over the months", lambda m: float(
                m.ledger.ca_network_fighters_sum / max(1, m.steps)))
    summary("hut_members_final", "float", "people", "Hizb ut-Tahrir members at the horizon",
            lambda m: m.network("hut").fighters)
    return tuple(out)


def _first_ca_destabilized(model: Run) -> int | None:
    firsts = [model.state(s).destabilized_step for s in CENTRAL_ASIA]
    known = [f for f in firsts if f is not None]
    return min(known) if known else None


def _north_share(model: Run) -> float:
    exported = model.trafficking.exported_total
    total = sum(exported.values())
    return exported["north"] / total if total > 0 else 0.0


#: Every outcome, monthly series first, in column order.
OUTCOMES: tuple[Outcome, ...] = _declare()
_MONTHLY = tuple(o for o in OUTCOMES if o.scope is Scope.MONTHLY)
_SUMMARY = tuple(o for o in OUTCOMES if o.scope is Scope.SUMMARY)


def monthly_columns() -> list[str]:
    """The monthly series, in order (after ``step`` and ``date``)."""
    return [o.name for o in _MONTHLY]


def monthly_record(model: Run) -> dict[str, float]:
    """The current month's values of every monthly column."""
    return {o.name: float(o.value(model)) for o in _MONTHLY}


def summary_keys() -> list[str]:
    """The run summary's keys, in order."""
    return [o.name for o in _SUMMARY]


def summarize(model: Run) -> dict[str, Any]:
    """The run summary (one record per run); months are steps (1 = the start month)."""
    return {o.name: o.value(model) for o in _SUMMARY}


def summary_types() -> dict[str, str]:
    """Each summary key's type (``bool``, ``int`` or ``float``), for typed result tables."""
    return {o.name: o.dtype for o in _SUMMARY}


def markdown() -> str:
    """docs/OUTCOMES.md: every outcome in a table, from the declarations."""
    lines = ["# Outcomes", "",
             "Every outcome of a run, generated from `OUTCOMES` in "
             "`src/stability_sim/outcomes.py` by `make params-doc` (a test checks that this "
             "file is current). Monthly series are columns of `timeseries` (after `step` and "
             "`date`); summary outcomes are columns of the runs table. Months are steps "
             "(1 = the start month); a month that never happened is null. The series "
             "begins with the history window (2010-01 to 2013-12, steps -47 to 0; step -48 "
             "is the situation of early 2010); summary outcomes count the scenario's months "
             "only, from the branch at step 0.", ""]
    for scope in Scope:
        lines += [f"## {scope.value.capitalize()}", "",
                  "| name | type | unit | meaning |", "|---|---|---|---|"]
        for o in OUTCOMES:
            if o.scope is scope:
                dtype = o.dtype + (" or null" if o.nullable else "")
                lines.append(f"| `{o.name}` | {dtype} | {o.unit or '-'} | {o.meaning} |")
        lines.append("")
    lines += ["## Per cell", "",
              "The per-cell summary (`cells` table): " + ", ".join(
                  f"`{c}`" for c in ("cell", *CELL_COLUMNS)) + " (see `cell_summary`).", ""]
    return "\n".join(lines)


#: The per-cell run summary: what the maps of the analysis show, one value per cell.
CELL_COLUMNS = ("control_mean", "insurgent_share", "fatalities", "traffic_tons")


class CellTotals:
    """Running per-cell totals over the months of a run, for the per-cell summary.

    Kept as sums (a few vector adds a month) so that a run's maps cost no per-step
    DataFrame and no memory that grows with the horizon.
    """

    def __init__(self, n_cells: int) -> None:
        self.months = 0
        self.control = np.zeros(n_cells)
        self.insurgent = np.zeros(n_cells)
        self.fatalities = np.zeros(n_cells)
        self.traffic = np.zeros(n_cells)

    def add(self, world: World) -> None:
        """Add the month just stepped."""
        f = world.fields
        self.months += 1
        self.control += f.control
        self.insurgent += f.control < INSURGENT_BELOW
        self.fatalities += f.violence
        self.traffic += f.traffic


def cell_summary(model: Run) -> dict[str, np.ndarray]:
    """The per-cell summary of a run: ``cell`` (flat grid index) and :data:`CELL_COLUMNS`.

    ``control_mean`` is the mean government control over the months, ``insurgent_share``
    the share of months the cell was insurgent-held (control below INSURGENT_BELOW), ``fatalities``
    the deaths in the cell over the horizon, ``traffic_tons`` the mean opiate flow through
    the cell per month. Cells in the study states are kept, and any other cell that saw
    violence or traffic, so the files stay small (the rest is zero by construction).
    """
    totals = model.cell_totals
    months = max(1, totals.months)
    keep = (model.world.land.state >= 0) | (totals.fatalities > 0) | (totals.traffic > 0)
    cells = np.flatnonzero(keep)
    return {
        "cell": cells.astype(np.int32),
        "control_mean": (totals.control[cells] / months).astype(np.float32),
        "insurgent_share": (totals.insurgent[cells] / months).astype(np.float32),
        "fatalities": totals.fatalities[cells].astype(np.float32),
        "traffic_tons": (totals.traffic[cells] / months).astype(np.float32),
    }


def hotspot_population_share(world: World) -> float:
    """Share of Central Asia's (study states but AFG) people living in the hotspots."""
    land = world.land
    ca = (land.state >= 0) & (land.state != STUDY_STATES.index("AFG"))
    pop = land.population
    return float(pop[ca & world.hotspot].sum() / pop[ca].sum())
