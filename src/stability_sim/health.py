"""Numerical health: a run that produces a NaN or an infinity stops, saying where.

A non-finite number in a cell layer spreads silently: through the neighbour smoothing to
the cells around, through the population-weighted means to a state's stability index,
through a sweep's statistics to a conclusion. So every month, after the data are
collected, the model checks its monthly record and every dynamic cell layer, and a
failure raises :class:`NumericalError` with the step, the month and the variable (and
the first bad cell), which a sweep records as that run's error.

The check costs about 1 % of a run: a layer's sum is non-finite exactly when the layer
holds a NaN or an infinity (or is so large that it overflows, which is no healthier),
so the cells are looked at one by one only on a failure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import fields as dataclass_fields
from typing import Any

import numpy as np


class NumericalError(RuntimeError):
    """A NaN or an infinity in the model's state (the message says where)."""


def check_month(step: int, date: str, record: Mapping[str, float], layers: Any,
                shape: tuple[int, int]) -> None:
    """Raise :class:`NumericalError` if the month's record or any layer is not finite.

    Args:
        step: The step just taken (1 = the first month).
        date: Its month, ``YYYY-MM``.
        record: The monthly record (outcome name → value).
        layers: A dataclass of flat per-cell arrays (the model's ``fields``).
        shape: ``(nx, ny)`` of the grid, to name a bad cell by its coordinates.
    """
    for name, value in record.items():
        if not math.isfinite(value):
            raise NumericalError(f"step {step} ({date}): outcome {name!r} is {value}")
    for field in dataclass_fields(layers):
        values = getattr(layers, field.name)
        if math.isfinite(float(values.sum())):
            continue
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size == 0:  # finite cells whose sum overflows
            raise NumericalError(f"step {step} ({date}): layer {field.name!r} overflows "
                                 f"(sum {float(values.sum())}, largest "
                                 f"{float(np.abs(values).max()):.3g})")
        i = int(bad[0])
        x, y = divmod(i, shape[1])
        raise NumericalError(f"step {step} ({date}): layer {field.name!r} is "
                             f"{float(values[i])} in cell {i} (x={x}, y={y}) and "
                             f"{bad.size - 1} other cells")
