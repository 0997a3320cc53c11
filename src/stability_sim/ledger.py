"""The Ledger: the run's books of violence, incursions and seizures.

Families book what happens through the ledger's ``record_*`` methods; the outcomes
(:mod:`stability_sim.outcomes`) read its month and total counters. It owns no
mechanism: what counts as an attack, an incursion or a civilian death is decided by the
family that books it.
"""

from __future__ import annotations

import numpy as np

from stability_sim.world import CENTRAL_ASIA, World


class Ledger:
    """Month and run counters, by country.

    Args:
        world: The run's world (countries of cells, hotspots, violence layer).

    Attributes:
        month_attacks: ISO3 → attacks this month.
        month_fatalities: ISO3 → deaths this month (attacks and civilian casualties).
        month_incursions: Incursions into Central Asia this month: armed bands crossing
            into a Central Asian state from outside it (:meth:`record_move`).
        month_crossings: Moves of any jihadist cell, armed or not, into a Central Asian
            state from outside it this month (what was counted as incursions before
            issue 18: mostly Hizb ut-Tahrir cells moving within the Fergana Valley).
        total_attacks, total_fatalities: The same, summed over the months rolled so far.
        total_incursions, total_crossings: Incursions and crossings over the run.
        incursions_in_hotspots, ca_attacks_in_hotspots: Those in the hotspot regions.
        first_incursion_step: Step of the first incursion, or None.
        last_incursion_step: ISO3 → step of the latest incursion into that state (kept
            across the branch: it is the state of a crisis, not a record of the run).
        interdicted_total: Tons seized over the run.
        ca_network_fighters_sum: Sum over months of the Central Asian networks' fighters.
        departed_total: Fighters of the Central Asian networks gone to other theatres.
    """

    def __init__(self, world: World) -> None:
        self.world = world
        self.month_attacks: dict[str, int] = {}
        self.month_fatalities: dict[str, float] = {}
        self.month_incursions = 0
        self.month_crossings = 0
        self.total_attacks: dict[str, int] = {}
        self.total_fatalities: dict[str, float] = {}
        self.total_incursions = 0
        self.total_crossings = 0
        self.incursions_in_hotspots = 0
        self.ca_attacks_in_hotspots = 0
        self.first_incursion_step: int | None = None
        self.last_incursion_step: dict[str, int] = {}
        self.interdicted_total = 0.0
        self.ca_network_fighters_sum = 0.0
        self.departed_total = 0.0
        self._history_month = False  # the month in progress is the history's last
        self._ca_mask = np.array([code in CENTRAL_ASIA for code in world.codes])

    def reset_run(self) -> None:
        """Start the run's totals afresh (at the branch after the history window).

        The month in progress stays readable (states assess last month's deaths), but
        its counts belong to the history and are not added to the scenario's totals.
        """
        self.total_attacks = {}
        self.total_fatalities = {}
        self.total_incursions = 0
        self.total_crossings = 0
        self.incursions_in_hotspots = 0
        self.ca_attacks_in_hotspots = 0
        self.first_incursion_step = None
        self.interdicted_total = 0.0
        self.ca_network_fighters_sum = 0.0
        self.departed_total = 0.0
        self._history_month = True

    def roll_month(self) -> None:
        """Add the month's counts to the totals and start a new month."""
        if self._history_month:
            self.month_attacks = {}  # the history's last month: not the scenario's
            self.month_fatalities = {}
            self._history_month = False
        for iso3, n in self.month_attacks.items():
            self.total_attacks[iso3] = self.total_attacks.get(iso3, 0) + n
        for iso3, dead in self.month_fatalities.items():
            self.total_fatalities[iso3] = self.total_fatalities.get(iso3, 0.0) + dead
        self.month_attacks = {}
        self.month_fatalities = {}
        self.month_incursions = 0
        self.month_crossings = 0
        self.world.fields.violence[:] = 0.0

    def record_move(self, here: int, target: int, step: int, *, armed: bool) -> None:
        """Count a move into a Central Asian state from outside it.

        Every such move is a crossing; it is an incursion only if the cell is an armed
        band (issue 18: an incursion is an armed group crossing into a state from
        Afghanistan, Pakistan or another state; a non-violent movement's cell moving over
        a border in the Fergana Valley is not one, nor is any move within a state).
        """
        land = self.world.land
        a, b = land.country[here], land.country[target]
        if a == b:
            return
        into = self.world.codes[int(b)]
        if into not in CENTRAL_ASIA:
            return
        self.month_crossings += 1
        self.total_crossings += 1
        if not armed:
            return
        self.last_incursion_step[into] = step
        self.month_incursions += 1
        self.total_incursions += 1
        self.incursions_in_hotspots += int(self.world.hotspot[target])
        if self.first_incursion_step is None:
            self.first_incursion_step = step

    def record_attacks(self, places: np.ndarray, fatalities: np.ndarray) -> None:
        """Book attacks and their fatalities on cells and countries."""
        world = self.world
        if len(places) == 0:
            return
        # bincount, not np.add.at (ten times slower: a month at war at the edge of the
        # registry's bounds books millions of attacks). Fatalities are whole numbers, so
        # the sums are exact in any order: the same values as adding one by one.
        violence = world.fields.violence
        violence += np.bincount(places, weights=fatalities, minlength=violence.size)
        # Counted by country in one pass: a month at war books thousands of attacks.
        codes = world.codes
        where = world.land.country[places]
        n = len(codes)
        counts = np.bincount(where, minlength=n)
        # Fatalities are whole numbers, so the float sums do not depend on the order.
        dead = np.bincount(where, weights=fatalities, minlength=n)
        for k in np.flatnonzero(counts):
            iso3 = codes[int(k)]
            self.month_attacks[iso3] = self.month_attacks.get(iso3, 0) + int(counts[k])
            self.month_fatalities[iso3] = self.month_fatalities.get(iso3, 0.0) + float(dead[k])
        in_ca = self._ca_mask[where] & world.hotspot[places]
        self.ca_attacks_in_hotspots += int(in_ca.sum())

    def record_civilian_deaths(self, dead: np.ndarray) -> None:
        """Civilian deaths in operations count as violence in their cells and states."""
        self.world.fields.violence += dead
        for iso3, cells in self.world.territory.items():
            extra = float(dead[cells].sum())
            if extra > 0:
                self.month_fatalities[iso3] = self.month_fatalities.get(iso3, 0.0) + extra

    def record_upheaval(self, iso3: str, cell: int, dead: float) -> None:
        """An upheaval's deaths count as political violence in its cell and state."""
        self.world.fields.violence[cell] += dead
        self.month_fatalities[iso3] = self.month_fatalities.get(iso3, 0.0) + dead

    def record_seized(self, tons: float) -> None:
        """Add a month's seizures."""
        self.interdicted_total += tons
