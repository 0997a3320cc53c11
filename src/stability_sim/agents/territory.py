"""Territorial control and the threat ranking: pure functions over per-cell arrays.

Control ``G`` in each cell moves toward ``s/(s + λ·F)`` (security against the fighters'
hold on the ground), smoothed over the Moore neighbourhood, at rate κ (MODEL.md §4).
Fighters hold the ground around them: their ``influence`` is their number spread over
a square of ``influence_radius`` cells, per 0.25°-cell of area. The threat ranking that
states, the international force and the CSTO use to send units reads the same influence.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from stability_sim.agents.security import spread


def influence_radius(resolution: float, reach: float) -> int:
    """Cells a band holds around it: ``reach`` degrees (``control.influence_reach``) each way.

    At the default 0.25° that is about a district (0.75° square at 0.25°); at 0.5° it
    rounds to 0, so a band holds only its own cell (issue 17 revisits it).
    """
    return max(0, round(reach / resolution))


def influence(fighters: np.ndarray, shape: tuple[int, int], radius: int,
              area: float) -> np.ndarray:
    """Violent fighters' hold on the ground, per 0.25°-cell of area."""
    return spread(fighters, shape, radius) / area


def control_target(security: np.ndarray, garrison: np.ndarray, held: np.ndarray,
                   insurgent_weight: float, base_presence: float) -> np.ndarray:
    """``s/(s + λ·F)`` with ``s = security + garrison + s0``.

    ``s0`` (``control.base_presence``) is the unarmed state's hold on a cell.
    """
    s = security + garrison + base_presence
    return s / (s + insurgent_weight * held)


def update_control(control: np.ndarray, target: np.ndarray, *, smoothing: float,
                   rate: float, neighbour_mean: Callable[[np.ndarray], np.ndarray]) -> None:
    """Move control (in place) toward its neighbourhood-smoothed target at ``rate``."""
    smoothed = (1.0 - smoothing) * target + smoothing * neighbour_mean(target)
    control += rate * (smoothed - control)
    np.clip(control, 0.0, 1.0, out=control)


def threatened_cells(cells: np.ndarray, held: np.ndarray, control: np.ndarray,
                     k: int, *, offset: float, threshold: float) -> np.ndarray:
    """Up to ``k`` cells of a territory under the most threat, most threatened first.

    Threat = violent fighters' influence × (offset - control) (``security.threat_offset``,
    2); cells where it is at most ``threshold`` (``security.threat_threshold``, 1) are
    not threatened. Ties go to the lower cell index.
    """
    threat = held[cells] * (offset - control[cells])
    live = threat > threshold
    if not live.any():
        return np.empty(0, dtype=np.int64)
    cand, score = cells[live], threat[live]
    order = np.lexsort((cand, -score))
    return cand[order[:k]]
