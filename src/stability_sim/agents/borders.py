"""Borders: how easily fighters and consignments cross between two countries.

Each Afghan border has its porosity (``borders.porosity_<iso3>_afg``), any other land
border ``borders.porosity_other``. Fighters crossing into a study state also face its
border guards (guards of quality 1 stop ``borders.guard_effect`` of the crossings) and,
on the Tajik-Afghan border, the NATO link's gain [W06]; trafficking routes pay for
crossing a closed border in proportion to ``1 - porosity``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stability_sim.params import Pars


from stability_sim.geography import STUDY_STATES
from stability_sim.landscape import Landscape, pair_code


class Borders:
    """Porosity of each border pair and the chance of getting across.

    Args:
        land: The landscape (country codes of cells).
        p: The run's parameter values.
        nato_gain: The NATO link's gain on the Tajik-Afghan border (fixed within a run).
    """

    def __init__(self, land: Landscape, p: Pars, nato_gain: float) -> None:
        self.land = land
        self.codes = land.geo.country_codes
        self.other = p.borders.porosity_other
        self.nato_gain = nato_gain
        self.porosity: dict[int, float] = {}
        for other in ("TJK", "TKM", "UZB", "PAK"):
            if other in self.codes:
                code = pair_code(self.codes.index("AFG"), self.codes.index(other),
                                 len(self.codes))
                self.porosity[code] = getattr(p.borders, f"porosity_{other.lower()}_afg")
        self.guard_quality = {iso3: p.state(iso3).border_quality
                              for iso3 in STUDY_STATES}
        self.guard_effect = p.borders.guard_effect

    def of_pair(self, code: int) -> float:
        """Porosity of the border with this pair code."""
        return self.porosity.get(code, self.other)

    def crossing_probability(self, here: int, target: int) -> float:
        """Chance of getting across from cell ``here`` to ``target`` (1 inside a country)."""
        country = self.land.country
        a, b = int(country[here]), int(country[target])
        if a == b:
            return 1.0
        codes = self.codes
        porosity = self.porosity.get(pair_code(a, b, len(codes)), self.other)
        dest = codes[b]
        quality = self.guard_quality.get(dest)
        if quality is not None:
            porosity *= 1.0 - self.guard_effect * quality
        if {codes[a], dest} == {"AFG", "TJK"}:
            porosity *= 1.0 - self.nato_gain
        return porosity
