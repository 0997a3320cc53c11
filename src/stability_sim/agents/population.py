"""The population's side: grievance, exposure to violence, backlash, corruption drift.

Pure functions over per-cell arrays (MODEL.md §4): grievance ``G = H·(1 - L·(1 - c))``
with hardship ``H`` = poverty + exposure to recent violence (Epstein 2002); backlash
memory of repression events (wrongful arrests, civilian casualties: Bennett 2008,
[KL13] on Andijan 2005); corruption relaxing toward each state's baseline.
"""

from __future__ import annotations

import numpy as np


def remember_repression(recent: np.ndarray, events: np.ndarray, memory: float, *,
                        saturation: float) -> None:
    """Fade the memory of repression (in place) and add this month's events.

    ``saturation`` events in a cell in a month (``grievance.repression_saturation``)
    saturate it.
    """
    recent *= memory
    recent += (1 - memory) * np.minimum(1.0, events / saturation)


def update_grievance(grievance: np.ndarray, exposure: np.ndarray, *, violence: np.ndarray,
                     collateral: np.ndarray, poverty: np.ndarray, legitimacy: np.ndarray,
                     corruption: np.ndarray, memory: float, collateral_grievance: float,
                     violence_exposure: float, collateral_shock_factor: float,
                     shock_saturation: float) -> None:
    """Update exposure to violence and grievance, in place.

    ``shock = min(1, (deaths + collateral_grievance·k_c·collateral)/d_sat)`` with
    ``k_c = grievance.collateral_shock_factor`` and ``d_sat = grievance.shock_saturation``;
    exposure is its moving average with ``memory``;
    ``G = min(1, H0 + w_v·exposure)·(1 - L·(1 - c))``.
    """
    shock = np.minimum(1.0, (violence + collateral * collateral_grievance
                             * collateral_shock_factor) / shock_saturation)
    exposure[:] = memory * exposure + (1.0 - memory) * shock
    hardship = np.minimum(1.0, poverty + violence_exposure * exposure)
    local = legitimacy * (1.0 - corruption)
    grievance[:] = np.clip(hardship * (1.0 - local), 0.0, 1.0)


def relax_corruption(corruption: np.ndarray, baseline: np.ndarray, rate: float) -> None:
    """Corruption drifts back toward its baseline by ``rate`` of the gap a month (in place).

    ``rate`` is ``corruption.relaxation_rate``.
    """
    corruption += rate * (baseline - corruption)
    np.clip(corruption, 0.0, 1.0, out=corruption)
