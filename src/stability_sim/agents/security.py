"""Security forces: units on cells, and the vectorised presence and combat rules.

A :class:`SecurityForce` is a unit (international, Afghan, a Central Asian state's, or a
CSTO contingent) with a strength, a quality and a posture. Units decide little
themselves: their owner (a state, the CSTO) places them each month. What they do to the
cells is computed for all units at once:

- :func:`presence`: troop-equivalents per cell, each unit's strength × quality spread
  over its patrol footprint and clipped to its owner's territory;
- :func:`engage`: Deitchman's guerrilla attrition with intelligence (Kress & Szechtman
  2009): detection ``D = 1 - exp(-k_d·s·q·I)``, insurgent losses ``F·(1 - exp(-b·s·D))``,
  force losses ``∝ F``, and collateral casualties ``∝ s·(1 - D)`` (Bennett 2008),
  returned as arrays for the model to apply.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

import mesa
import numpy as np
from scipy.ndimage import correlate1d, uniform_filter

from stability_sim.agents.base import PlacedAgent
from stability_sim.agents.territory import KERNEL_TRUNCATE, kernel_sigma

if TYPE_CHECKING:
    from stability_sim.params import Pars
    from stability_sim.world import World


class ForceKind(Enum):
    """Who a unit belongs to."""

    INTERNATIONAL = "international"
    AFGHAN = "afghan"
    NATIONAL = "national"
    CSTO = "csto"


class Posture(Enum):
    """What a unit is doing this month."""

    GARRISON = "garrison"  # holds its own cell; does not patrol
    PATROL = "patrol"  # counter-insurgency over its footprint
    BORDER = "border"  # interdiction on border cells
    RESPOND = "respond"  # reinforcement sent to a threatened area


class SecurityForce(PlacedAgent):
    """A unit of security forces on a cell.

    Attributes:
        kind: Whose force it is.
        owner: ISO3 of the state whose territory it operates in (the host, for
            international and CSTO units).
        contributor: ISO3 of the state that sent it (CSTO), else the owner; "INTL" for
            the international force.
        strength: Troops.
        quality: Training, equipment and support, in [0, 1].
        posture: What it does this month.
        home: Flat index of the cell it returns to when not needed elsewhere.
    """

    def __init__(
        self,
        model: mesa.Model,
        cell: mesa.discrete_space.Cell,
        *,
        kind: ForceKind,
        owner: str,
        strength: float,
        quality: float,
        posture: Posture,
        contributor: str | None = None,
    ) -> None:
        super().__init__(model)
        self.cell = cell
        self.kind = kind
        self.owner = owner
        self.contributor = contributor or owner
        self.strength = float(strength)
        self.quality = float(quality)
        self.posture = posture
        self.home = self.cell_index  # where it returns when no threat needs it

    def redeploy(self, cell: mesa.discrete_space.Cell, posture: Posture) -> None:
        """Move to a cell and take up a posture (a month is enough to redeploy)."""
        if cell is not self.cell:
            self.cell = cell
        self.posture = posture


def send_to_threats(units: list[SecurityForce], targets: np.ndarray, cell_at) -> None:
    """Units, in order, take the target cells in order; the rest go home; all patrol."""
    for unit, target in zip(units, targets, strict=False):
        unit.redeploy(cell_at(int(target)), Posture.PATROL)
    for unit in units[len(targets):]:
        unit.redeploy(cell_at(unit.home), Posture.PATROL)


@dataclass(frozen=True)
class Presence:
    """Security presence per cell (flat arrays).

    Attributes:
        security: Troop-equivalents × quality fighting in each cell (patrol, respond).
        garrison: Troop-equivalents holding each cell without patrolling.
        interdiction: Troop-equivalents × quality on border/interdiction duty per cell.
    """

    security: np.ndarray
    garrison: np.ndarray
    interdiction: np.ndarray


Box = tuple[int, int, int, int]  # x0, x1, y0, y1: inclusive cell ranges


@dataclass(frozen=True)
class Territory:
    """A state's land cells and their bounding box (to spread presence only there).

    Attributes:
        cells: Flat indices of the land cells.
        box: ``(x0, x1, y0, y1)``, inclusive.
    """

    cells: np.ndarray
    box: Box

    @classmethod
    def of(cls, mask: np.ndarray, shape: tuple[int, int]) -> Territory:
        """The territory of a flat boolean mask on a grid of ``shape``."""
        cells = np.flatnonzero(mask)
        if cells.size == 0:
            return cls(cells, (0, -1, 0, -1))
        x, y = np.divmod(cells, shape[1])
        return cls(cells, (int(x.min()), int(x.max()), int(y.min()), int(y.max())))


#: The cell a unit stands in when it is placed on the finest grid (degrees): a box
#: footprint is this cell widened by the reach on every side, whatever the grid's cell
#: size. At 0.25° a box is then a whole number of cells; at 0.5° its edge cells count in
#: part.
BASE_CELL = 0.25


@dataclass(frozen=True)
class Footprint:
    """How a deposit at one cell spreads: weights per cell offset along each axis.

    Attributes:
        wx: Along x (longitude), odd length ``2·rx + 1``, summing to 1 (mass is kept).
        wy: Along y (latitude), likewise.
    """

    wx: np.ndarray
    wy: np.ndarray

    @property
    def rx(self) -> int:
        """Half-width along x in whole cells."""
        return self.wx.size // 2

    @property
    def ry(self) -> int:
        """Half-width along y in whole cells."""
        return self.wy.size // 2

    @property
    def radius(self) -> int:
        """The larger half-width, in whole cells."""
        return max(self.rx, self.ry)

    @property
    def uniform(self) -> bool:
        """Whether it is a square box of whole cells (a box filter gives it exactly)."""
        return (self.wx.size == self.wy.size and bool(np.all(self.wx == self.wx[0]))
                and bool(np.all(self.wy == self.wx[0])))

    def cover(self, dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
        """Relative weight of each offset's cell, 1 at the centre (a box: share covered)."""
        return ((self.wx[np.abs(dx) + self.rx] / self.wx[self.rx])
                * (self.wy[np.abs(dy) + self.ry] / self.wy[self.ry]))


def box_weights(resolution: float, reach: float) -> np.ndarray:
    """Per-axis weights of a square of side ``BASE_CELL + 2·reach`` degrees.

    Its half-width is ``h = (BASE_CELL/2 + reach) / resolution`` cells; the cell at offset
    ``k`` counts by its share ``[k - 1/2, k + 1/2] ∩ [-h, h]``.
    """
    h = (BASE_CELL / 2.0 + reach) / resolution
    r = max(0, math.ceil(h - 0.5 - 1e-9))
    k = np.arange(-r, r + 1, dtype=float)
    cover = np.clip(np.minimum(k + 0.5, h) - np.maximum(k - 0.5, -h), 0.0, 1.0)
    # A width that is a whole number of cells gives exact ones (a box filter then).
    cover = np.where(np.isclose(cover, 1.0), 1.0, cover)
    return cover / cover.sum()


def box(resolution: float, reach: float) -> Footprint:
    """A square of side ``BASE_CELL + 2·reach`` degrees (:func:`box_weights`).

    At 0.25° a reach of 0.5° is 5 whole cells; at 0.5° it is 2.5 cells, the neighbours
    counting 3/4 each: the same ground at both.
    """
    w = box_weights(resolution, reach)
    return Footprint(w, w)


def gaussian_weights(sigma_cells: float) -> np.ndarray:
    """A Gaussian of standard deviation ``sigma_cells``, cut at :data:`KERNEL_TRUNCATE` sd."""
    if sigma_cells <= 0:
        return np.ones(1)
    r = int(KERNEL_TRUNCATE * sigma_cells + 0.5)
    k = np.arange(-r, r + 1, dtype=float)
    w = np.exp(-0.5 * (k / sigma_cells) ** 2)
    return w / w.sum()


def gaussian(resolution: float, sigma_km: float) -> Footprint:
    """A Gaussian footprint of standard deviation ``sigma_km`` on a grid of ``resolution``.

    Smooth, so that a grid of 0.5° and one of 0.25° give the same presence wherever the
    kernel is wider than about half a 0.5° cell (issue 17: box footprints with sharp
    edges had left more of Afghanistan without any presence at 0.25° than at 0.5°, and
    the control target ``s/(s + λH)`` turns on whether ``s`` is there at all).
    """
    sx, sy = kernel_sigma(resolution, sigma_km)  # km to cells as for the influence kernel
    return Footprint(gaussian_weights(sx), gaussian_weights(sy))


def spread(deposit: np.ndarray, shape: tuple[int, int], fp: Footprint,
           within: Box | None = None, sources: np.ndarray | None = None) -> np.ndarray:
    """Spread point deposits over a square footprint (mass kept inside the grid).

    Args:
        deposit: Flat amounts per cell.
        shape: ``(nx, ny)``.
        fp: The footprint (:func:`box` or :func:`gaussian`).
        within: If given, only the values in this box are wanted: the filter runs on
            the smallest window that reproduces them bit for bit, and every value
            outside the box is returned as 0.
        sources: With ``within``: flat indices of the cells that may hold deposits (any
            superset of the nonzero ones; found from ``deposit`` when not given).

    A footprint of whole cells is a box filter, which computes a running sum along each
    line from the line's start, so a value depends (by rounding) on everything before it
    on the line. The window therefore starts either at the grid's edge or at least
    ``radius + 1`` cells before the first deposit (where the full filter's running sum is
    still exactly zero), and reaches ``radius`` cells past the box (all the box's values
    read). A filter pass along one axis does not mix lines of the other, so the second
    pass sees nonzero values only in lines that hold deposits. A footprint with partial
    edge cells is a weighted sum per cell, exact on any window that holds its reach.
    ``tests/model/test_fast_paths.py`` checks the equality.
    """
    if fp.radius <= 0:
        out = deposit.copy()
        if within is not None:
            out = _keep_box(out, shape, within)
        return out
    grid = deposit.reshape(shape)
    if within is None:
        # The filter's running sums leave residues like -1e-17 where nothing was deposited.
        return np.maximum(_filter(grid, fp).ravel(), 0.0)
    result = np.zeros(shape)
    nz = np.flatnonzero(deposit) if sources is None else np.asarray(sources)
    if nz.size:
        dx, dy = np.divmod(nz, shape[1])
        x0, x1 = _window(within[0], within[1], int(dx.min()), fp.rx, shape[0])
        y0, y1 = _window(within[2], within[3], int(dy.min()), fp.ry, shape[1])
        window = _filter(grid[x0:x1, y0:y1], fp)
        bx0, bx1, by0, by1 = within
        result[bx0:bx1 + 1, by0:by1 + 1] = np.maximum(
            window[bx0 - x0:bx1 + 1 - x0, by0 - y0:by1 + 1 - y0], 0.0)
    return result.ravel()


def _filter(grid: np.ndarray, fp: Footprint) -> np.ndarray:
    if fp.uniform:
        return uniform_filter(grid, size=fp.wx.size, mode="constant")
    once = correlate1d(grid, fp.wx, axis=0, mode="constant")
    return correlate1d(once, fp.wy, axis=1, mode="constant")


def _window(lo: int, hi: int, first_deposit: int, radius: int, n: int) -> tuple[int, int]:
    """Half-open window along one axis that gives the box ``[lo, hi]`` exactly."""
    start = max(0, min(lo, first_deposit - radius - 1))
    return start, min(n, hi + radius + 1)


def _keep_box(flat: np.ndarray, shape: tuple[int, int], box: Box) -> np.ndarray:
    grid = flat.reshape(shape)
    out = np.zeros(shape)
    x0, x1, y0, y1 = box
    out[x0:x1 + 1, y0:y1 + 1] = grid[x0:x1 + 1, y0:y1 + 1]
    return out.ravel()


def presence(
    units: list[SecurityForce],
    *,
    n_cells: int,
    shape: tuple[int, int],
    territory: Mapping[str, Territory],
    patrol: Footprint,
    garrison: Footprint,
    troop_equivalent: float,
) -> Presence:
    """Troop-equivalents per cell from all units, each clipped to its owner's land.

    Patrolling units spread over the ``patrol`` footprint, garrisons over the ``garrison``
    one (the ground a base holds); units on border duty stay in their cell. Spreading is
    done per owner so that, e.g., Afghan patrols never count on the Tajik side of the
    border; ``territory`` gives each owner's land.
    """
    security = np.zeros(n_cells)
    garrisoned = np.zeros(n_cells)
    interdiction = np.zeros(n_cells)
    # Per posture and owner: the deposits and the cells that hold them.
    deposits: dict[tuple[bool, str], tuple[np.ndarray, list[int]]] = {}
    for unit in units:
        if unit.strength <= 0 or unit.cell is None:
            continue
        i = unit.cell_index
        weight = unit.strength * unit.quality * troop_equivalent
        if unit.posture is Posture.BORDER:
            interdiction[i] += weight
            continue
        key = (unit.posture is Posture.GARRISON, unit.owner)
        if key not in deposits:
            deposits[key] = (np.zeros(n_cells), [])
        deposit, placed = deposits[key]
        deposit[i] += weight
        placed.append(i)
    for (held, owner), (deposit, placed) in deposits.items():
        land = territory[owner]
        out = garrisoned if held else security
        spread_here = spread(deposit, shape, garrison if held else patrol, within=land.box,
                             sources=np.array(placed))
        out[land.cells] += spread_here[land.cells]
    return Presence(security, garrisoned, interdiction)


@dataclass(frozen=True)
class CombatResult:
    """Per-cell outcome of a month of engagements (flat arrays)."""

    detection: np.ndarray
    insurgent_losses: np.ndarray
    force_losses: np.ndarray
    collateral: np.ndarray


def engage(
    security: np.ndarray,
    fighters: np.ndarray,
    intel: np.ndarray,
    ruggedness: np.ndarray,
    *,
    detection_coeff: float,
    insurgent_loss_rate: float,
    force_loss_rate: float,
    terrain_factor: float,
    collateral_rate: float,
    engaged_per_fighter: float,
    intensity: np.ndarray | float = 1.0,
    area: np.ndarray | float = 1.0,
) -> CombatResult:
    """Guerrilla combat with intelligence, where forces and fighters meet.

    Deitchman's guerrilla warfare model, as Kress & Szechtman (2009) extend it with
    intelligence: the forces can only fire at the fighters they find, so their fire is
    area fire on the detected share, and the fighters' losses depend on both sides'
    numbers; the fighters choose when to fight, so their fire is aimed and the forces'
    losses grow with the fighters alone. Over a month, ``dF/dt = -b·s·D·F`` gives

    - insurgent losses ``F·(1 - exp(-b·s·D))`` with detection ``D = 1 - exp(-k_d·s·I)``;
    - force losses ``a·F·(1 + τ·ruggedness)`` (at most s);
    - collateral casualties ``∝ min(s, F·engaged)·(1 - D)`` (Bennett 2008).

    Args:
        security: Troop-equivalents × quality in each cell (s·q).
        fighters: Violent fighters in each cell (F).
        intel: Intelligence level I in [0, 1] per cell.
        ruggedness: Elevation std per cell, metres.
        detection_coeff: k_d.
        insurgent_loss_rate: b, per troop-equivalent and month at full detection.
        force_loss_rate: a, troops lost per fighter per month.
        terrain_factor: τ, extra force losses per metre of ruggedness.
        collateral_rate: Civilian casualties per unit s·(1 - D).
        engaged_per_fighter: Most troop-equivalents engaged per fighter in a cell.
        intensity: How much force is used, per cell (harsher regimes use more): scales
            the insurgent loss rate b and the collateral casualties.
        area: Each cell's area in 0.25°-cells: ``security`` is a density (per 0.25°-cell
            of area) and ``fighters`` a count, so the troops present are
            ``security·area``; the caps compare counts with counts at every resolution.

    Returns:
        Detection, losses on both sides and collateral casualties, per cell.
    """
    detection = 1.0 - np.exp(-detection_coeff * security * intel)
    meet = (security > 0) & (fighters > 0)
    # -expm1(-x) is 1 - exp(-x) without cancellation for the small rates of most cells.
    insurgent_losses = np.where(
        meet, fighters * -np.expm1(-insurgent_loss_rate * intensity * security * detection),
        0.0)
    troops = security * area
    force_losses = np.where(
        meet,
        np.minimum(troops, force_loss_rate * fighters * (1.0 + terrain_factor * ruggedness)),
        0.0,
    )
    # Operations only happen where there is someone to fight; poor intelligence (1 - D)
    # turns firepower into civilian casualties (Bennett 2008).
    engaged = np.minimum(troops, fighters * engaged_per_fighter)
    collateral = np.where(meet, collateral_rate * intensity * engaged * (1.0 - detection), 0.0)
    return CombatResult(detection, insurgent_losses, force_losses, collateral)


# Structural constants (docs/ODD.md, "Structural constants"): how forces are represented
# as units, not how they behave. A force's strength is split evenly among its units, so
# these set how finely presence is placed, not how much there is.

#: Where the international force's units are based at the start (ISAF regional commands
#: and the largest bases; see docs/ODD.md, initialisation).
INTL_BASES = ("Kabul", "Kandahar", "Mazar-i-Sharif", "Herat", "Jalalabad", "Lashkar Gah")
#: Mobile units of each Central Asian state.
MOBILE_UNITS = 4
#: Least distance between two home bases of a state's units, in degrees: about a large
#: Afghan province (34 provinces on 650,000 km², ~140 km across). A whole number of cells
#: at 0.25° and 0.5°, so the bases stand on the same ground at both (issue 17: the 24 most
#: populous 0.25° cells had put nine Afghan bases around Kabul).
HOME_SPACING = 1.0
#: Border posts of each Central Asian state (facing Afghanistan where it can).
BORDER_POSTS = 3


def home_cells(world: World, cells: np.ndarray, k: int) -> np.ndarray:
    """Where a state's units are based: its most populous cells, :data:`HOME_SPACING` apart.

    Ties go to the lower index. The bases spread over the country as corps and provincial
    headquarters do, rather than filling the capital's cells (``World.spaced``).
    """
    order = cells[np.lexsort((cells, -world.population[cells]))]
    return world.spaced(order, k, HOME_SPACING)


class InternationalForce:
    """The international force in Afghanistan: units at the bases, strength by schedule.

    Args:
        model: The Mesa model (to create the units).
        world: The run's world.
        troops: Troops at the start.
        quality: ``security.intl_quality``.
    """

    def __init__(self, model: mesa.Model, world: World, troops: float, quality: float) -> None:
        self.troops = troops
        per_unit = troops / len(INTL_BASES)
        self.units = [SecurityForce(model, world.cell_at(world.land.places[base]),
                                    kind=ForceKind.INTERNATIONAL, owner="AFG",
                                    contributor="INTL", strength=per_unit, quality=quality,
                                    posture=Posture.PATROL)
                      for base in INTL_BASES]

    def set_troops(self, troops: float) -> None:
        """Follow the schedule: the troops are shared equally by the units."""
        self.troops = troops
        for unit in self.units:
            unit.strength = troops / len(self.units)


def national_forces(model: mesa.Model, world: World, p: Pars, iso3: str,
                    capital: int, border_quality: float) -> list[SecurityForce]:
    """A Central Asian state's units: a garrison, mobile units and border posts.

    The deployable share of its troops is split between border duty and
    :data:`MOBILE_UNITS` mobile units at its most populous cells; the rest garrisons the
    capital. Post-Soviet forces: the mobile units share the border guards' training
    (``security.mobile_quality_floor + security.mobile_quality_weight × quality``).
    """
    troops = float(p.state(iso3).troops)
    deployable = troops * p.security.deployable_share
    border = deployable * p.security.border_share
    mobile = deployable - border
    quality = border_quality
    units = [SecurityForce(model, world.cell_at(capital), kind=ForceKind.NATIONAL,
                           owner=iso3, strength=troops - deployable, quality=quality,
                           posture=Posture.GARRISON)]
    cells = world.territory[iso3]
    for home in home_cells(world, cells, MOBILE_UNITS):
        units.append(SecurityForce(model, world.cell_at(int(home)), kind=ForceKind.NATIONAL,
                                   owner=iso3, strength=mobile / MOBILE_UNITS,
                                   quality=p.security.mobile_quality_floor
                                   + p.security.mobile_quality_weight * quality,
                                   posture=Posture.PATROL))
    posts = border_posts(world, cells)
    for post in posts:
        units.append(SecurityForce(model, world.cell_at(int(post)), kind=ForceKind.NATIONAL,
                                   owner=iso3, strength=border / len(posts), quality=quality,
                                   posture=Posture.BORDER))
    return units


def border_posts(world: World, cells: np.ndarray) -> np.ndarray:
    """Up to :data:`BORDER_POSTS` border cells of a territory facing Afghanistan (else any)."""
    land = world.land
    afg = world.codes.index("AFG")
    edge = cells[world.border[cells]]
    nb = land.neighbours[edge]
    faces_afg = (np.where(nb >= 0, land.country[np.where(nb >= 0, nb, 0)], -1) == afg).any(1)
    chosen = edge[faces_afg] if faces_afg.any() else edge
    if chosen.size == 0:
        chosen = cells
    step = max(1, chosen.size // BORDER_POSTS)
    return chosen[::step][:BORDER_POSTS]


def territories(world: World) -> dict[str, Territory]:
    """Each study state's territory with its bounding box (to spread presence there)."""
    return {iso3: Territory.of(world.land.state == k, world.shape)
            for k, iso3 in enumerate(world.territory)}


def update_presence(world: World, units: list[SecurityForce], land: Mapping[str, Territory],
                    *, patrol: Footprint, garrison: Footprint,
                    troop_equivalent: float) -> None:
    """Write the units' presence into the world, per 0.25°-cell of area.

    Police hold the populated cells of the Central Asian states in proportion to the
    state's legitimacy and count as garrison.
    """
    pres = presence(units, n_cells=world.n_cells, shape=world.shape, territory=land,
                    patrol=patrol, garrison=garrison, troop_equivalent=troop_equivalent)
    f = world.fields
    f.security[:] = pres.security / world.area
    f.garrison[:] = (pres.garrison + world.police * world.legitimacy) / world.area
    f.interdiction[:] = pres.interdiction / world.area


def take_force_losses(losses: np.ndarray, territory: Mapping[str, np.ndarray],
                      units_of: Mapping[str, list[SecurityForce]],
                      afghan_loss: Callable[[float], None]) -> None:
    """Troops lost in each state are taken from its non-garrison units by strength."""
    for iso3, cells in territory.items():
        lost = float(losses[cells].sum())
        if lost <= 0:
            continue
        if iso3 == "AFG":  # the Afghan force's own books (agents/afghan.py)
            afghan_loss(lost)
            continue
        units = [u for u in units_of[iso3] if u.posture is not Posture.GARRISON]
        total = sum(u.strength for u in units)
        if total <= 0:
            continue  # every mobile unit is already worn down to nothing (long horizons)
        for unit in units:
            unit.strength = max(0.0, unit.strength - lost * unit.strength / total)


@dataclass(frozen=True)
class Operations:
    """A month of security operations, per cell (flat arrays).

    Attributes:
        forces: Security on the ground, ``security + garrison`` (s).
        detection: D where forces operate.
        insurgent_losses: Fighters killed (harsher regimes use more force).
        force_losses: Troops lost.
        collateral: Civilian casualties (harsher regimes cause more).
    """

    forces: np.ndarray
    detection: np.ndarray
    insurgent_losses: np.ndarray
    force_losses: np.ndarray
    collateral: np.ndarray


def operations(world: World, p: Pars) -> Operations:
    """Combat where forces and fighters meet (:func:`engage`), scaled by repression.

    Writes the month's detection into ``world.fields.detection`` where it acts: where
    fighters were hit, or where forces meet non-violent members.
    """
    f = world.fields
    s = f.security + f.garrison
    harsh = p.combat.repression_base + world.repression  # harsher regimes use more force
    result = engage(s, f.fighters, f.intel, world.land.ruggedness,
                    detection_coeff=p.combat.detection_coeff,
                    insurgent_loss_rate=p.combat.insurgent_loss_rate,
                    force_loss_rate=p.combat.force_loss_rate,
                    terrain_factor=p.combat.terrain_factor,
                    collateral_rate=p.combat.collateral_rate,
                    engaged_per_fighter=p.combat.engaged_per_fighter, intensity=harsh,
                    area=world.area)
    losses, collateral = result.insurgent_losses, result.collateral
    f.detection[:] = np.where((losses > 0) | (f.members > 0) & (s > 0), result.detection, 0.0)
    return Operations(s, result.detection, losses, result.force_losses, collateral)
