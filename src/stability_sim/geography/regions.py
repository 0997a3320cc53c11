"""Who is who on the map: study and context states, capitals, named places and regions.

Defined once here and nowhere else. Regions are rules, not cell lists: a bounding box
(or a union of boxes) intersected with a set of countries and optional conditions on
elevation or distance to another country, evaluated on a grid's cell centres by
:meth:`stability_sim.geography.grid.RegionalGrid.region_mask`, so one definition
serves every resolution. Coordinates are decimal degrees (lon east, lat north).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

#: The states whose stability the model simulates [KL13].
STUDY_STATES: tuple[str, ...] = ("AFG", "TJK", "KGZ", "UZB", "TKM", "KAZ")

#: Neighbours that matter as sanctuary, trafficking exit or regional power (MODEL.md §2).
CONTEXT_STATES: tuple[str, ...] = ("PAK", "IRN", "RUS", "CHN")


class Capital(NamedTuple):
    """A capital city: its name and position."""

    name: str
    lon: float
    lat: float


#: Capitals as of 2013 (Astana kept that name until 2019).
CAPITALS: dict[str, Capital] = {
    "AFG": Capital("Kabul", 69.17, 34.53),
    "TJK": Capital("Dushanbe", 68.78, 38.56),
    "KGZ": Capital("Bishkek", 74.59, 42.87),
    "UZB": Capital("Tashkent", 69.24, 41.31),
    "TKM": Capital("Ashgabat", 58.38, 37.95),
    "KAZ": Capital("Astana", 71.43, 51.17),
}

#: Named points, ``name -> (lon, lat)``: trafficking hubs, crossings and route exits.
PLACES: dict[str, tuple[float, float]] = {
    # Trafficking hubs on the northern route [KL13]
    "Khorog": (71.55, 37.49),  # GBAO capital on the Panj; Badakhshan gateway to the Pamir Highway
    "Osh": (72.80, 40.53),  # southern Kyrgyz hub where the Pamir Highway enters the Fergana Valley
    "Khujand": (69.62, 40.28),  # northern Tajik gate from the Fergana Valley toward Uzbekistan
    "Termez": (67.28, 37.22),  # Uzbek Amu Darya port, Friendship Bridge to Hairatan
    "Turkmenabat": (63.58, 39.07),  # Amu Darya crossing on the Turkmen route toward the Caspian
    "Kunduz": (68.86, 36.73),  # northern Afghan market town behind the Tajik border
    "Mazar-i-Sharif": (67.11, 36.71),  # Balkh hub feeding the Termez and Turkmen crossings
    "Faizabad": (70.58, 37.12),  # Afghan Badakhshan capital, opposite the Tajik Pamir crossings
    "Andijan": (72.34, 40.78),  # eastern Uzbek Fergana city on the Osh road
    "Namangan": (71.67, 41.00),  # northern Fergana Valley city
    "Hairatan": (67.42, 37.22),  # Afghan end of the Friendship Bridge to Termez
    "Ishkashim": (71.61, 36.73),  # Panj bridge between Tajik and Afghan Badakhshan
    "Shymkent": (69.60, 42.32),  # southern Kazakh junction on the road north from Tashkent
    "Almaty": (76.95, 43.24),  # largest Kazakh city, on the eastern road to Russia
    # International force bases (ISAF regional commands, 2013)
    "Kandahar": (65.71, 31.61),  # RC South, Kandahar Airfield
    "Lashkar Gah": (64.37, 31.59),  # RC Southwest, Helmand
    "Herat": (62.20, 34.35),  # RC West
    "Jalalabad": (70.45, 34.43),  # RC East, Nangarhar
    # Northern exits: crossings into Russia
    "Troitsk": (61.56, 54.08),  # Russian crossing from Kostanay toward Chelyabinsk
    "Petropavl": (69.15, 54.87),  # north Kazakh rail and road hub on the Kurgan/Omsk border
    # Western exits: Iran
    "Sarakhs": (61.16, 36.53),  # Turkmen-Iranian crossing east of Mashhad
    "Islam Qala": (61.07, 34.66),  # Afghan-Iranian crossing on the Herat-Mashhad road
    "Zaranj": (61.86, 30.96),  # Nimruz crossing into Iranian Sistan, the main Balkan-route exit
    # Southern exits: Pakistan
    "Torkham": (71.09, 34.10),  # Khyber Pass crossing between Nangarhar and Peshawar
    "Spin Boldak": (66.40, 31.00),  # Kandahar-Chaman crossing into Balochistan
}


@dataclass(frozen=True)
class Region:
    """A named region as a rule evaluated on cell centres.

    A cell belongs to the region if its centre lies in one of ``boxes`` (closed
    intervals), its country is in ``countries``, and it meets every given condition.

    Attributes:
        description: What the region is and why it is drawn so.
        boxes: ``(lon_min, lon_max, lat_min, lat_max)`` boxes, united.
        countries: ISO3 codes the cell's country must be among.
        max_elev_m: Upper bound on the cell's mean elevation, metres.
        near: ``(iso3, km)``: the cell centre lies within ``km`` of a cell centre of
            country ``iso3`` (great-circle distance).
    """

    description: str
    boxes: tuple[tuple[float, float, float, float], ...]
    countries: tuple[str, ...]
    max_elev_m: float | None = None
    near: tuple[str, float] | None = None


REGIONS: dict[str, Region] = {
    "fergana_valley": Region(
        description=(
            "Fergana Valley floor and piedmont: the Khujand gate (69.3-70.5E, 40.0-40.7N) "
            "and the main valley (70.5-73.3E, 40.2-41.3N), in UZB/KGZ/TJK, below 1,600 m "
            "mean cell elevation, which cuts off the Kuramin, Chatkal and Alay ranges"
        ),
        boxes=((69.3, 70.5, 40.0, 40.7), (70.5, 73.3, 40.2, 41.3)),
        countries=("UZB", "KGZ", "TJK"),
        max_elev_m=1600.0,
    ),
    "tajik_afghan_border": Region(
        description=(
            "Tajik side of the Panj/Amu Darya border (Khatlon and Gorno-Badakhshan): TJK "
            "cells within 80 km of an Afghan cell"
        ),
        boxes=((67.5, 75.5, 36.5, 39.0),),
        countries=("TJK",),
        near=("AFG", 80.0),
    ),
    "osh": Region(
        description=(
            "Osh and its hinterland (Kara-Suu, Uzgen, Jalal-Abad): KGZ cells in "
            "72.5-73.6E, 40.2-40.9N, on the eastern rim of the Fergana Valley"
        ),
        boxes=((72.5, 73.6, 40.2, 40.9),),
        countries=("KGZ",),
    ),
    "northern_afghanistan": Region(
        description=(
            "Afghanistan north of the Hindu Kush, the staging area facing Central Asia "
            "(Faryab to Badakhshan): AFG north of 35.6N, and north of 36.0N east of 70E "
            "where the crest bends north, approximating the Hindu Kush watershed"
        ),
        boxes=((62.0, 70.0, 35.6, 38.5), (70.0, 75.0, 36.0, 38.5)),
        countries=("AFG",),
    ),
    "nuristan_kunar": Region(
        description=(
            "Nuristan and Kunar, the eastern mountain provinces on the Pakistani border: "
            "AFG cells in 70.3-71.7E, 34.4-35.9N"
        ),
        boxes=((70.3, 71.7, 34.4, 35.9),),
        countries=("AFG",),
    ),
    "southern_afghanistan": Region(
        description=(
            "Helmand, Kandahar, Uruzgan, Zabul and Nimruz, the Taliban heartland and most "
            "of the 2013 opium crop (UNODC Afghanistan Opium Survey 2013): AFG cells in "
            "60.5-67.8E, 29.0-33.3N"
        ),
        boxes=((60.5, 67.8, 29.0, 33.3),),
        countries=("AFG",),
    ),
    "eastern_afghanistan": Region(
        description=(
            "The eastern border provinces (Paktika, Khost, Paktia, Logar, Nangarhar, Kunar, "
            "Nuristan), facing the Pakistani tribal areas: AFG cells in 68.0-71.7E, "
            "32.0-35.9N east of the Kabul-Ghazni road (68.8E north of 33.5N)"
        ),
        boxes=((68.0, 71.7, 32.0, 33.5), (68.8, 71.7, 33.5, 35.9)),
        countries=("AFG",),
    ),
    "kabul": Region(
        description="Kabul city and its surroundings: AFG cells in 68.9-69.6E, 34.25-34.85N",
        boxes=((68.9, 69.6, 34.25, 34.85),),
        countries=("AFG",),
    ),
}

__all__ = ["CAPITALS", "CONTEXT_STATES", "PLACES", "REGIONS", "STUDY_STATES", "Capital",
           "Region"]
