"""The real geography of the study region: committed rasters, named places and regions.

:class:`RegionalGrid` loads the static cell layers (country, elevation, ruggedness,
population, water, borders) at 0.25° or 0.5° with numpy alone;
:mod:`~stability_sim.geography.regions` names the states, capitals, places and regions.
The rasters are rebuilt from public sources by ``python -m stability_sim.geography.build``
(build-only dependencies in the ``geo-build`` extra); see ``data/README.md``.
"""

from stability_sim.geography.grid import LAYERS, RESOLUTIONS, RegionalGrid
from stability_sim.geography.regions import (
    CAPITALS,
    CONTEXT_STATES,
    PLACES,
    REGIONS,
    STUDY_STATES,
    Capital,
    Region,
)

__all__ = [
    "CAPITALS",
    "CONTEXT_STATES",
    "LAYERS",
    "PLACES",
    "REGIONS",
    "RESOLUTIONS",
    "STUDY_STATES",
    "Capital",
    "Region",
    "RegionalGrid",
]
