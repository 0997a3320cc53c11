"""Which targets constrain which parameters: rank correlations over the first wave.

The first history-matching wave is a space-filling design over the whole prior box, so
how strongly a target's per-run value moves with a parameter across it says which parts of
the record can pin that parameter down. The registry's ``calibrated`` field names them
(the project's standard: "say in the registry which targets constrained each one"); the
calibration's summary and report list them. Spearman's rho is used because the responses
are monotone but far from linear (shares saturate, counts grow geometrically), and because
it ignores the scale of each target.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

#: |rho| from which a target counts as constraining a parameter. Assumption: with the
#: first wave's ~120 runs, |rho| >= 0.3 is far outside what independent columns give
#: (sd of rho ~ 1/sqrt(n - 1) ~ 0.09), and weaker links leave the posterior near the prior.
MIN_RHO = 0.3


def first_stage(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs of the calibration's first stage (``wave-1``, else ``pilot``), else none."""
    if "stage" not in runs.columns:
        return runs.iloc[0:0]
    for stage in ("wave-1", "pilot"):
        part = runs[runs["stage"] == stage]
        if len(part):
            return part
    return runs.iloc[0:0]


def constraining_targets(runs: pd.DataFrame, parameters: Sequence[str],
                         targets: Sequence[str], *, min_rho: float = MIN_RHO
                         ) -> dict[str, list[dict[str, float | str]]]:
    """Per parameter, the targets whose per-run values follow it, strongest first.

    Args:
        runs: One row per run, with a column per parameter and per target (the
            calibration's ``runs.parquet``, restricted to a space-filling stage).
        parameters: The calibrated parameters.
        targets: The targets.
        min_rho: Smallest |Spearman rho| listed.

    Returns:
        ``{parameter: [{"target": name, "rho": rho}, ...]}``, |rho| descending; a
        parameter no target follows gets an empty list. Targets a run could not compute
        (NaN) are left out pairwise; fewer than 10 pairs give no rho.
    """
    out: dict[str, list[dict[str, float | str]]] = {}
    for name in parameters:
        found: list[dict[str, float | str]] = []
        x = runs[name].to_numpy(dtype=float) if name in runs.columns else np.array([])
        for target in targets:
            if target not in runs.columns or not x.size:
                continue
            y = runs[target].to_numpy(dtype=float)
            keep = np.isfinite(x) & np.isfinite(y)
            # A constant column has no rank correlation (spearmanr would warn and give NaN).
            if keep.sum() < 10 or np.ptp(x[keep]) == 0 or np.ptp(y[keep]) == 0:
                continue
            rho = float(spearmanr(x[keep], y[keep]).statistic)
            if abs(rho) >= min_rho:
                found.append({"target": target, "rho": rho})
        out[name] = sorted(found, key=lambda e: -abs(float(e["rho"])))
    return out
