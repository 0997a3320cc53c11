"""Run settings: the top-level keys of a scenario file and the raster resolution.

Not a family: how a run is done (first month, horizon, master seed, cell size), so each
is a ``setting``, neither a lever nor an uncertainty.
"""

from __future__ import annotations

from stability_sim.params.parameter import Kind, Role, Section

# --- Run settings (top-level keys of a scenario file) ---------------------------------
RUN = Section("Run settings (top-level keys of a scenario file)", role=Role.SETTING)
_p, _share = RUN.p, RUN.share
_p("start", Kind.MONTH, "2014-01", "month",
   "first month of the scenario (every run first lives through the history window "
   "2010-01..2013-12; months between it and start follow the scenario's inputs)",
   "MODEL.md §2: the drawdown year 2014 [KL13]", low="2014-01", high="2030-12")
_p("months", Kind.INT, 120, "months", "horizon: number of monthly steps",
   "MODEL.md §2: ten years after the drawdown", low=1, high=600)
_p("seed", Kind.INT, 20131123, "1", "master seed of the run's numpy SeedSequence",
   "assumption: any fixed integer; this one is the date [KL13] was finished",
   low=0, high=2**63 - 1)
_p("grid.resolution", Kind.CHOICE, 0.25, "degree", "cell size of the regional raster",
   "MODEL.md §2: 0.25° default, 0.5° for ensembles in CI", choices=(0.25, 0.5))
