"""Outcomes: the monthly series and the run summary of MODEL.md §6.

Column and key names are part of the interface researchers script against: they are
exactly those of MODEL.md §6 (``<iso3>`` in lower case), plus a few that the stylized
facts need (documented in docs/ODD.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from stability_sim.agents.jihadists import NETWORKS
from stability_sim.geography import STUDY_STATES
from stability_sim.world import CENTRAL_ASIA, World

if TYPE_CHECKING:
    from stability_sim.agents.jihadists import JihadistNetwork
    from stability_sim.agents.responders import CSTOResponder
    from stability_sim.agents.security import AfghanForces, InternationalForce
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


def monthly_columns() -> list[str]:
    """The monthly series, in order (after ``step`` and ``date``)."""
    iso = [s.lower() for s in STUDY_STATES]
    return [
        "intl_troops",
        "afg_forces",
        "afg_insurgent_control_share",
        "afg_contested_share",
        *(f"stability_index_{s}" for s in iso),
        *(f"attacks_{s}" for s in iso),
        *(f"fatalities_{s}" for s in iso),
        "jihadist_fighters_total",
        *(f"jihadist_fighters_{n.key}" for n in NETWORKS),
        "trafficking_north_tons",
        "interdicted_tons",
        "csto_deployed_troops",
        "incursions",
    ]


def monthly_record(model: Run) -> dict[str, float]:
    """The current month's values of every monthly column."""
    ledger = model.ledger
    record: dict[str, float] = {
        "intl_troops": model.international.troops,
        "afg_forces": model.afghan.strength,
    }
    afg = model.state("AFG")
    g = model.world.fields.control[afg.cells]
    record["afg_insurgent_control_share"] = float(np.mean(g < INSURGENT_BELOW))
    record["afg_contested_share"] = float(np.mean((g >= INSURGENT_BELOW)
                                                  & (g <= CONTESTED_UP_TO)))
    for state in model.states:
        record[f"stability_index_{state.iso3.lower()}"] = state.stability
    for iso3 in STUDY_STATES:
        record[f"attacks_{iso3.lower()}"] = float(ledger.month_attacks.get(iso3, 0))
        record[f"fatalities_{iso3.lower()}"] = float(ledger.month_fatalities.get(iso3, 0.0))
    total = 0.0
    for network in model.networks:
        fighters = network.fighters
        record[f"jihadist_fighters_{network.spec.key}"] = fighters
        total += fighters
    record["jihadist_fighters_total"] = total
    last = model.trafficking.last
    record["trafficking_north_tons"] = last.exported["north"]
    record["interdicted_tons"] = float(last.seized.sum())
    record["csto_deployed_troops"] = model.csto.deployed_troops
    record["incursions"] = float(ledger.month_incursions)
    return {name: float(record[name]) for name in monthly_columns()}


def summary_keys() -> list[str]:
    """The run summary's keys, in order."""
    iso = [s.lower() for s in STUDY_STATES]
    return [
        *(f"destabilized_{s}" for s in iso),
        *(f"collapsed_{s}" for s in iso),
        *(f"min_stability_{s}" for s in iso),
        *(f"first_destabilized_month_{s}" for s in iso),
        "afg_insurgent_control_final",
        "afg_government_collapse_month",
        "attacks_central_asia_total",
        "fatalities_central_asia_total",
        "attacks_central_asia_hotspots",
        "incursions_total",
        "incursions_hotspots",
        "first_incursion_month",
        "first_destabilized_month_central_asia",
        "csto_interventions",
        "csto_mean_response_months",
        "trafficking_north_share",
        "trafficking_north_tons_total",
        "interdicted_tons_total",
        "jihadist_fighters_central_asia_final",
        "fighters_ca_networks_final",
        "fighters_ca_networks_mean",
        "hut_members_final",
    ]


def summarize(model: Run) -> dict[str, Any]:
    """The run summary (one record per run); months are steps (1 = the start month)."""
    ledger, world = model.ledger, model.world
    out: dict[str, Any] = {}
    for state in model.states:
        s = state.iso3.lower()
        out[f"destabilized_{s}"] = state.destabilized_step is not None
        out[f"collapsed_{s}"] = state.collapsed_step is not None
        out[f"min_stability_{s}"] = state.min_stability
        out[f"first_destabilized_month_{s}"] = state.destabilized_step
    afg = model.state("AFG")
    out["afg_insurgent_control_final"] = float(np.mean(world.fields.control[afg.cells]
                                                       < INSURGENT_BELOW))
    out["afg_government_collapse_month"] = afg.collapsed_step
    out["attacks_central_asia_total"] = int(sum(ledger.total_attacks.get(s, 0)
                                                for s in CENTRAL_ASIA))
    out["fatalities_central_asia_total"] = float(sum(ledger.total_fatalities.get(s, 0.0)
                                                     for s in CENTRAL_ASIA))
    out["attacks_central_asia_hotspots"] = int(ledger.ca_attacks_in_hotspots)
    out["incursions_total"] = int(ledger.total_incursions)
    out["incursions_hotspots"] = int(ledger.incursions_in_hotspots)
    out["first_incursion_month"] = ledger.first_incursion_step
    firsts = [model.state(s).destabilized_step for s in CENTRAL_ASIA]
    firsts = [f for f in firsts if f is not None]
    out["first_destabilized_month_central_asia"] = min(firsts) if firsts else None
    out["csto_interventions"] = model.csto.interventions
    responses = model.csto.response_months
    out["csto_mean_response_months"] = float(np.mean(responses)) if responses else None
    exported = model.trafficking.exported_total
    total = sum(exported.values())
    out["trafficking_north_share"] = exported["north"] / total if total > 0 else 0.0
    out["trafficking_north_tons_total"] = exported["north"]
    out["interdicted_tons_total"] = ledger.interdicted_total
    out["jihadist_fighters_central_asia_final"] = float(
        world.fields.fighters[world.in_countries(CENTRAL_ASIA)].sum())
    out["fighters_ca_networks_final"] = sum(model.network(k).fighters
                                            for k in CA_NETWORKS)
    out["fighters_ca_networks_mean"] = float(ledger.ca_network_fighters_sum
                                             / max(1, model.steps))
    out["hut_members_final"] = model.network("hut").fighters
    return {key: out[key] for key in summary_keys()}


#: Summary keys that count whole things or name a month (null when it never happened).
_INT_KEYS = ("afg_government_collapse_month", "attacks_central_asia_total",
             "attacks_central_asia_hotspots", "incursions_total", "incursions_hotspots",
             "first_incursion_month", "first_destabilized_month_central_asia",
             "csto_interventions")


def summary_types() -> dict[str, str]:
    """Each summary key's type (``bool``, ``int`` or ``float``), for typed result tables."""
    out = {}
    for key in summary_keys():
        if key.startswith(("destabilized_", "collapsed_")):
            out[key] = "bool"
        elif key in _INT_KEYS or key.startswith("first_destabilized_month_"):
            out[key] = "int"
        else:
            out[key] = "float"
    return out


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
