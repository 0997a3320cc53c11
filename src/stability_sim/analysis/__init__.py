"""Reading a sweep's results: statistics, sensitivity, figures, maps and reports.

Analysis only reads a results folder (:func:`stability_sim.experiments.load_results`); it
never runs the model. For notebooks::

    from stability_sim import analysis as an
    results = an.load_results("results/demo")
    an.summarise(results, ["destabilized_tjk", "attacks_central_asia_total"])
    an.event_heatmap(results, "destabilized_central_asia")      # a matplotlib Figure
    an.fan_chart(results, "stability_index_tjk")
    an.compare_groups(results, "residual_troops=8000, level=0.25",
                      "residual_troops=12000, level=0.25")
    # An exploratory sweep (policies x worlds): scenario discovery and robustness.
    found = an.discover(results, "destabilized_central_asia")    # PRIM; method="cart"
    found.limits, found.coverage, found.density, found.features
    an.robust(results, "attacks_central_asia_total", threshold=50).result.table
"""

from stability_sim.analysis.discovery import cart, feature_scores, prim
from stability_sim.analysis.events import Event, parse_event
from stability_sim.analysis.exploratory import discover, inputs, robust
from stability_sim.analysis.frames import (
    DEFAULT_OUTCOMES,
    DERIVED,
    groups,
    ok_runs,
    outcome_kind,
    point_labels,
    within,
)
from stability_sim.analysis.maps import cell_means, map_panel, outcome_map
from stability_sim.analysis.plots import (
    distribution,
    event_heatmap,
    fan_chart,
    outcome_panel,
    sensitivity_chart,
)
from stability_sim.analysis.robustness import robustness
from stability_sim.analysis.sensitivity import (
    sensitivity,
    sobol_from_samples,
    sobol_indices,
    src_ranking,
)
from stability_sim.analysis.stats import (
    bootstrap_difference,
    compare,
    compare_groups,
    contrasts,
    event_grid,
    summarise,
    wilson_interval,
)
from stability_sim.experiments.results import Results, load_results

__all__ = [
    "DEFAULT_OUTCOMES",
    "DERIVED",
    "Event",
    "Results",
    "bootstrap_difference",
    "cart",
    "cell_means",
    "compare",
    "compare_groups",
    "contrasts",
    "discover",
    "distribution",
    "event_grid",
    "event_heatmap",
    "fan_chart",
    "feature_scores",
    "groups",
    "inputs",
    "load_results",
    "map_panel",
    "ok_runs",
    "outcome_kind",
    "outcome_map",
    "outcome_panel",
    "parse_event",
    "point_labels",
    "prim",
    "robust",
    "robustness",
    "sensitivity",
    "sensitivity_chart",
    "sobol_from_samples",
    "sobol_indices",
    "src_ranking",
    "summarise",
    "wilson_interval",
    "within",
]
