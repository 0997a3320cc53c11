"""Territorial control and the threat ranking: pure functions over per-cell arrays.

Control is areal, persistent and independent of the grid (MODEL.md §4; docs/ODD.md):

- A band's hold on the ground (its *influence*) reaches a distance in kilometres: its
  fighters, per 0.25°-cell of area, are spread by a Gaussian kernel of standard deviation
  ``control.influence_km`` (:func:`influence`), whatever the cell size, so a band at 0.5°
  holds the same ground as at 0.25° instead of rounding to its own cell.
- Control ``g`` moves toward ``s/(s + λ·H)`` (``s`` the security presence plus the
  unarmed state's ``s0``, ``H`` the influence) at a rate that needs someone there:
  ``κ·a/(a + a½) + 1/τ`` with ``a = s_armed + λ·H`` the armed presence
  (:func:`update_control`). Where nobody is, control stays: a band that moves on leaves
  its shadow government, and the fear of its return, behind (Kalyvas 2006), fading only
  over ``control.persistence_months``.
- Control feeds back (Kalyvas 2006's control–collaboration logic; Bhavnani et al. 2011):
  people tell the side that controls their area what they know (:func:`collaboration`
  scales intelligence and insurgent recruitment).
- Shares of a territory are shares of its area (:func:`area_share`), not of its cells.

The threat ranking that states, the international force and the CSTO use to send units
reads the same influence.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter

#: Kilometres per degree of latitude (and of longitude at the equator): the conversion of
#: the kernel's reach into cells. A constant of the Earth, not a parameter.
KM_PER_DEGREE = 111.32
#: The latitude at which a degree of longitude is converted to kilometres (the kernel has
#: one width per axis): central Afghanistan, where control is contested. At 45°N a cell is
#: 15 % narrower than this assumes; docs/ODD.md notes the approximation.
KERNEL_LATITUDE = 34.5
#: The Gaussian kernel is cut at this many standard deviations (scipy's default is 4;
#: 3 keeps 99.7 % of the mass and the filter a third cheaper).
KERNEL_TRUNCATE = 3.0


def kernel_sigma(resolution: float, reach_km: float) -> tuple[float, float]:
    """The kernel's standard deviation in cells along x (longitude) and y (latitude)."""
    cell_y = KM_PER_DEGREE * resolution
    cell_x = cell_y * np.cos(np.radians(KERNEL_LATITUDE))
    return reach_km / cell_x, reach_km / cell_y


def influence(fighters: np.ndarray, shape: tuple[int, int], sigma: tuple[float, float],
              area: float, country: np.ndarray | None = None) -> np.ndarray:
    """Violent fighters' hold on the ground, per 0.25°-cell of area.

    The fighters' density is spread by a Gaussian kernel (:func:`kernel_sigma`). Given
    the cells' countries, a band's hold stays in the country it stands in: across an
    international border the other state's forces hold the far bank, and what the kernel
    would put there is lost (a band on the Panj does not hold the Tajik villages across
    the river). Without ``country`` the spread ignores borders and keeps its mass in the
    grid.

    Args:
        fighters: Fighters per cell (flat).
        shape: ``(nx, ny)``.
        sigma: Kernel standard deviation in cells along each axis (:func:`kernel_sigma`).
        area: A cell's area in 0.25°-cells.
        country: Each cell's country code (flat; any integers, e.g. -1 for the sea).
    """
    density = fighters.reshape(shape) / area
    if sigma[0] <= 0 and sigma[1] <= 0:
        return density.ravel().copy()
    if country is None:
        return _spread(density, sigma).ravel()
    where = country.reshape(shape)
    held = np.zeros(shape)
    # One spread per country with fighters: a handful, on small grids.
    for code in np.unique(where[density > 0]):
        mine = where == code
        held[mine] = _spread(np.where(mine, density, 0.0), sigma)[mine]
    return held.ravel()


def _spread(density: np.ndarray, sigma: tuple[float, float]) -> np.ndarray:
    held = gaussian_filter(density, sigma=sigma, mode="constant", truncate=KERNEL_TRUNCATE)
    # The filter leaves residues like -1e-17 where nothing was deposited.
    return np.maximum(held, 0.0)


def control_target(security: np.ndarray, garrison: np.ndarray, held: np.ndarray,
                   insurgent_weight: float, base_presence: float) -> np.ndarray:
    """``s/(s + λ·H)`` with ``s = security + garrison + s0``.

    ``s0`` (``control.base_presence``) is the unarmed state's hold on a cell.
    """
    s = security + garrison + base_presence
    return s / (s + insurgent_weight * held)


def control_rate(armed: np.ndarray, *, rate: float, half_presence: float,
                 persistence_months: float) -> np.ndarray:
    """Monthly rate at which control moves to its target: ``κ·a/(a + a½) + 1/τ``.

    Args:
        armed: Armed presence of both sides, ``s_armed + λ·H``, per cell.
        rate: κ (``control.rate``), the rate where both sides are out in force.
        half_presence: a½ (``control.half_presence``), the presence at which it is half.
        persistence_months: τ (``control.persistence_months``): with nobody there,
            control fades toward the state's hold over this many months.
    """
    return np.minimum(1.0, rate * armed / (armed + half_presence) + 1.0 / persistence_months)


def update_control(control: np.ndarray, target: np.ndarray, rate: np.ndarray) -> None:
    """Move control (in place) toward its target at the per-cell ``rate``."""
    control += rate * (target - control)
    np.clip(control, 0.0, 1.0, out=control)


def collaboration(control: np.ndarray, weight: float) -> tuple[np.ndarray, np.ndarray]:
    """How control shapes what people give each side: ``(to the state, to insurgents)``.

    ``1 - χ·(1 - g)`` scales the intelligence the state gets; ``1 + χ·(1 - g)`` the
    recruits insurgents find (χ = ``control.collaboration_weight``). Where the state holds
    the ground (g = 1) nothing changes.
    """
    lost = weight * (1.0 - control)
    return 1.0 - lost, 1.0 + lost


def area_share(mask: np.ndarray, area_km2: np.ndarray) -> float:
    """Share of the area (km²) of some cells where ``mask`` holds."""
    total = float(area_km2.sum())
    return float(area_km2[mask].sum()) / total if total > 0 else 0.0


#: Least distance between two cells that units are sent to, in degrees: units go to
#: different hot spots, not to the neighbouring cells of one (which a finer grid has
#: more of). Distinct cells at 0.5°, two cells apart at 0.25°: structural.
THREAT_SPACING = 0.5


def threatened_cells(cells: np.ndarray, held: np.ndarray, control: np.ndarray,
                     k: int | None, *, offset: float, threshold: float) -> np.ndarray:
    """Up to ``k`` cells of a territory under the most threat, most threatened first.

    Threat = violent fighters' influence × (offset - control) (``security.threat_offset``,
    2); cells where it is at most ``threshold`` (``security.threat_threshold``, 1) are
    not threatened. Ties go to the lower cell index. ``k=None`` ranks every threatened
    cell (for ``World.spaced`` to pick from, :data:`THREAT_SPACING` apart).
    """
    threat = held[cells] * (offset - control[cells])
    live = threat > threshold
    if not live.any():
        return np.empty(0, dtype=np.int64)
    cand, score = cells[live], threat[live]
    order = np.lexsort((cand, -score))
    return cand[order[:k]]
