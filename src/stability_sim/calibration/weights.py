"""Weighted samples: the quantiles of an ABC posterior (one definition for every reader)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def weighted_quantiles(values: np.ndarray, weights: np.ndarray,
                       qs: Sequence[float]) -> list[float]:
    """Quantiles of a weighted sample: the inverse of its weighted CDF, interpolated.

    Each value sits at the middle of its weight's share of the CDF, so equal weights
    give the usual (Hazen) sample quantiles. Non-finite values and non-positive weights
    are left out; an empty sample gives NaN.
    """
    values, weights = np.asarray(values, dtype=float), np.asarray(weights, dtype=float)
    keep = np.isfinite(values) & np.isfinite(weights) & (weights > 0)
    values, weights = values[keep], weights[keep]
    if not values.size:
        return [math.nan] * len(qs)
    order = np.argsort(values)
    values, weights = values[order], weights[order]
    cdf = (np.cumsum(weights) - 0.5 * weights) / weights.sum()
    return [float(v) for v in np.interp(qs, cdf, values)]
