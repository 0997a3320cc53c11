"""The Afghan National Security Forces: funded, supported, cohesive, or not.

The forces of the Afghan state depend on the international presence in three ways
(MODEL.md §4, "Afghan forces"; docs/ODD.md):

- **Funding** pays the soldiers: the force the money can keep is ``funding / cost per
  troop-year`` (:func:`funded_strength`); recruitment closes the gap to the smaller of
  the growth target and the funded size; a soldier who is not paid is a soldier whose
  morale falls.
- **Enablers** (air support, medevac, intelligence, logistics) come with the international
  troops: ``e = 1 - exp(-troops / E)`` (:func:`enablers`), concave because the first
  troops of a residual force bring the enablers, the last ones more of the same.
- **Cohesion**: morale moves toward ``pay · (a_m + (1 - a_m)·e) · (1 - c·x)``
  (:func:`morale_target`), with ``x`` the recent excess losses (combat and desertion above
  the usual attrition); desertion rises convexly as morale falls
  (:func:`attrition_rate`). The two feed each other: once pay and support end, desertion
  raises losses, which lower morale, which raises desertion — the cascade in which the
  Najibullah government fell months after Soviet aid stopped (Jan → Apr 1992) and the
  South Vietnamese army months after the 1974 aid cuts (docs/HISTORY.md).

Effectiveness (quality) is ``e0 · (a + (1 - a)·e) · m``: enablers and morale.
The force disintegrates when it falls below a share of its strength at the branch
(2013-12): one of the two ways the government collapses (the other: the capital lost).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa

from stability_sim.agents.security import (
    ForceKind,
    Posture,
    SecurityForce,
    home_cells,
)

if TYPE_CHECKING:
    from stability_sim.params import Pars
    from stability_sim.world import World

#: Afghan units: this many home cells, each with a garrison and a patrol unit (a structural
#: constant, docs/ODD.md: how finely presence is placed, not how much there is).
AFGHAN_UNITS = 24


def funded_strength(funding_usd_bn: float, cost_per_troop_usd: float) -> float:
    """Troops the year's funding can pay: ``funding / cost per troop-year``."""
    return funding_usd_bn * 1e9 / cost_per_troop_usd if cost_per_troop_usd > 0 else 0.0


def enablers(intl_troops: float, scale_troops: float) -> float:
    """Share of the enablers the international presence provides: ``1 - exp(-T/E)``."""
    if scale_troops <= 0:
        return 1.0
    return -math.expm1(-max(0.0, intl_troops) / scale_troops)


def pay_share(funded: float, strength: float) -> float:
    """Share of the force that is paid this month (1 when the money covers everyone)."""
    return 1.0 if strength <= funded else max(0.0, funded / strength)


def morale_target(pay: float, enabler_share: float, excess_losses: float, *,
                  support_floor: float, cascade_weight: float) -> float:
    """``pay · (a_m + (1 - a_m)·e) · (1 - c·x)``, in [0, 1].

    Args:
        pay: Share of the force paid (:func:`pay_share`).
        enabler_share: ``e`` (:func:`enablers`).
        excess_losses: ``x``, monthly losses above the usual attrition, as a share of the
            force (smoothed).
        support_floor: ``a_m``, the morale a paid force keeps with no foreign enablers
            (the Afghan army held three years after the 1989 Soviet withdrawal while aid
            flowed).
        cascade_weight: ``c``, how much the comrades leaving weighs on those who stay.
    """
    support = support_floor + (1.0 - support_floor) * enabler_share
    return min(1.0, max(0.0, pay * support * (1.0 - cascade_weight * excess_losses)))


def attrition_rate(morale: float, *, base: float, desertion: float) -> float:
    """Monthly share of the force lost to attrition and desertion: ``δ0 + δ_m·(1 - m)²``.

    Convex in the loss of morale: a dip costs little, a broken force melts away.
    """
    return min(1.0, base + desertion * (1.0 - morale) ** 2)


def recruits(strength: float, goal: float, *, base_attrition: float,
             growth_months: float) -> float:
    """Recruits this month: replace the usual attrition and close ``1/τ`` of the gap to goal.

    A force above its goal (the target or the funded size) recruits nobody. Recruitment
    follows the money and the target, not the government's standing: the ANSF doubled in
    2010-2012 on pay and recruiting drives (docs/HISTORY.md).
    """
    if strength >= goal:
        return 0.0
    wanted = base_attrition * strength + (goal - strength) / growth_months
    return min(goal - strength, wanted)


def effectiveness(enabler_share: float, morale: float, *, base: float,
                  support_floor: float) -> float:
    """Quality of the Afghan units: ``e0 · (a + (1 - a)·e) · m``."""
    return base * (support_floor + (1.0 - support_floor) * enabler_share) * morale


@dataclass
class ForceMonth:
    """What happened to the force this month (for the outcomes)."""

    recruits: float = 0.0
    attrition: float = 0.0
    combat_losses: float = 0.0


class AfghanForces:
    """The Afghan forces: strength, morale, their units and what the month did to them.

    Args:
        model: The Mesa model (to create the units).
        world: The run's world.
        p: The run's parameters.
        intl_troops: International troops at the start.
    """

    def __init__(self, model: mesa.Model, world: World, p: Pars, intl_troops: float) -> None:
        self.pars = p
        self.strength = float(p.afg_forces.initial)
        self.morale = 1.0
        self.enablers = enablers(intl_troops, p.afg_forces.enabler_troops)
        self.excess_losses = 0.0  # smoothed monthly losses above the usual attrition
        self.last = ForceMonth()
        self.reference_strength = self.strength  # for disintegration: reset at the branch
        self.disintegrated = False
        self.units: list[SecurityForce] = []
        homes = home_cells(world, world.territory["AFG"], AFGHAN_UNITS)
        for posture in (Posture.GARRISON, Posture.PATROL):
            for home in homes:
                self.units.append(SecurityForce(model, world.cell_at(int(home)),
                                                kind=ForceKind.AFGHAN, owner="AFG",
                                                strength=0.0, quality=0.0, posture=posture))
        self.set_units()

    @property
    def quality(self) -> float:
        """Effectiveness of the units now (enablers and morale)."""
        a = self.pars.afg_forces
        return effectiveness(self.enablers, self.morale, base=a.base_effectiveness,
                             support_floor=a.support_floor)

    @property
    def attrition_share(self) -> float:
        """Last month's losses (attrition, desertion, combat) as a share of the force."""
        before = self.strength + self.last.attrition + self.last.combat_losses \
            - self.last.recruits
        return (self.last.attrition + self.last.combat_losses) / before if before > 0 else 0.0

    def month(self, *, intl_troops: float, funding_usd_bn: float, goal: float) -> None:
        """Pay, morale, recruitment and attrition for a month; then the units.

        Args:
            intl_troops: International troops this month (enablers).
            funding_usd_bn: International funding of the forces this month, USD bn a year.
            goal: The growth target (authorised strength) this month, troops.
        """
        a = self.pars.afg_forces
        self.enablers = enablers(intl_troops, a.enabler_troops)
        funded = funded_strength(funding_usd_bn, a.cost_per_troop_usd)
        pay = pay_share(funded, self.strength)
        # Excess losses of the month before (combat and desertion above the usual), smoothed
        # over the morale time: the comrades who left, which the ones who stay feel.
        share = self.attrition_share
        excess = max(0.0, share - a.attrition_monthly)
        # At most the whole gap a month: a time constant under a month (within the
        # registry's bounds) must not overshoot.
        speed = min(1.0, 1.0 / a.morale_months)
        self.excess_losses += speed * (excess - self.excess_losses)
        target = morale_target(pay, self.enablers, self.excess_losses,
                               support_floor=a.morale_support_floor,
                               cascade_weight=a.cascade_weight)
        self.morale += speed * (target - self.morale)
        lost = self.strength * attrition_rate(self.morale, base=a.attrition_monthly,
                                              desertion=a.morale_desertion)
        left = max(0.0, self.strength - lost)
        # Recruits replace this month's leavers and close part of the gap to the goal.
        new = recruits(left, min(goal, funded), base_attrition=a.attrition_monthly,
                       growth_months=a.growth_months)
        self.strength = left + new
        self.last = ForceMonth(recruits=new, attrition=lost)
        if self.strength < a.disintegration_share * self.reference_strength:
            self.disintegrated = True
        self.set_units()

    def set_units(self) -> None:
        """Split the force: the deployable share patrols, the rest holds the towns."""
        quality = self.quality
        mobile = self.pars.security.deployable_share
        n = len(self.units) // 2
        for unit in self.units:
            share = mobile if unit.posture is Posture.PATROL else 1.0 - mobile
            unit.strength = self.strength * share / n
            unit.quality = quality

    def lose(self, troops: float) -> None:
        """Troops lost in combat (counted in the month's losses)."""
        taken = min(self.strength, troops)
        self.strength -= taken
        self.last.combat_losses += taken

    def branch(self) -> None:
        """At the end of the history window: disintegration is measured from here."""
        self.reference_strength = self.strength
        self.disintegrated = False
