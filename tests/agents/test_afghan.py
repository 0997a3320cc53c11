"""The Afghan forces' rules in isolation: funding, enablers, morale, desertion, cascade.

Each rule is a function of numbers; the last tests iterate them month by month, without a
model, to show the cascade the rules make together: a paid force with enablers holds, an
unpaid one breaks within months (the pre-2014 analogues of docs/HISTORY.md: Najibullah's
army about four months after Soviet aid ended, South Vietnam's within a year of the 1974
aid cuts), and a paid force without foreign enablers erodes but does not break.
"""

from __future__ import annotations

import pytest

from stability_sim.agents.afghan import (
    attrition_rate,
    effectiveness,
    enablers,
    funded_strength,
    morale_target,
    pay_share,
    recruits,
)

COST = 4.1e9 / 228_500  # Chicago 2012: USD 4.1 bn a year for 228,500 troops


def test_funding_pays_the_chicago_force() -> None:
    assert funded_strength(4.1, COST) == pytest.approx(228_500)
    assert funded_strength(0.0, COST) == 0.0
    assert pay_share(228_500, 200_000) == 1.0
    assert pay_share(228_500, 457_000) == pytest.approx(0.5)
    assert pay_share(0.0, 100_000) == 0.0


def test_enablers_are_concave_in_the_international_presence() -> None:
    e = [enablers(t, 10_000) for t in (0, 8_000, 10_000, 12_000, 87_207)]
    assert e[0] == 0.0
    assert e[2] == pytest.approx(1 - 1 / 2.718281828, rel=1e-6)
    assert e[0] < e[1] < e[2] < e[3] < e[4] <= 1.0
    # The first residual troops bring more than the last ones of the 2013 force.
    assert e[3] - e[1] > enablers(87_207, 10_000) - enablers(83_207, 10_000)


def test_morale_target_needs_pay_and_falls_with_losses() -> None:
    kw = dict(support_floor=0.8, cascade_weight=5.0)
    assert morale_target(1.0, 1.0, 0.0, **kw) == 1.0
    assert morale_target(1.0, 0.0, 0.0, **kw) == pytest.approx(0.8)  # paid, no enablers
    assert morale_target(0.0, 1.0, 0.0, **kw) == 0.0  # unpaid
    assert morale_target(1.0, 1.0, 0.1, **kw) == pytest.approx(0.5)  # comrades leaving
    assert morale_target(1.0, 1.0, 1.0, **kw) == 0.0  # clipped


def test_desertion_is_convex_in_lost_morale() -> None:
    kw = dict(base=0.025, desertion=0.3)
    assert attrition_rate(1.0, **kw) == pytest.approx(0.025)
    assert attrition_rate(0.0, **kw) == pytest.approx(0.325)
    dip, broken = attrition_rate(0.9, **kw) - 0.025, attrition_rate(0.4, **kw) - 0.025
    assert broken > 10 * dip  # (0.6/0.1)^2 = 36 times


def test_recruitment_replaces_attrition_and_closes_the_gap() -> None:
    kw = dict(base_attrition=0.025, growth_months=12.0)
    assert recruits(200_000, 352_000, **kw) == pytest.approx(0.025 * 200_000 + 152_000 / 12)
    assert recruits(352_000, 352_000, **kw) == 0.0
    assert recruits(400_000, 228_500, **kw) == 0.0  # above the funded goal: none
    assert recruits(351_000, 352_000, **kw) == 1_000  # never past the goal


def test_effectiveness_needs_enablers_and_morale() -> None:
    assert effectiveness(1.0, 1.0, base=0.6, support_floor=0.4) == pytest.approx(0.6)
    assert effectiveness(0.0, 1.0, base=0.6, support_floor=0.4) == pytest.approx(0.24)
    assert effectiveness(1.0, 0.5, base=0.6, support_floor=0.4) == pytest.approx(0.3)


def _months_to_break(funding_usd_bn: float, intl_troops: float, months: int = 48) -> int | None:
    """Iterate the rules alone from a 350,000-strong force; the month it falls below a third."""
    strength, morale, excess, last_share = 350_000.0, 1.0, 0.0, 0.025
    e = enablers(intl_troops, 10_000)
    for month in range(1, months + 1):
        pay = pay_share(funded_strength(funding_usd_bn, COST), strength)
        excess += (max(0.0, last_share - 0.025) - excess) / 3.0
        morale += (morale_target(pay, e, excess, support_floor=0.8, cascade_weight=5.0)
                   - morale) / 3.0
        last_share = attrition_rate(morale, base=0.025, desertion=0.3)
        strength -= strength * last_share
        strength += recruits(strength, min(352_000, funded_strength(funding_usd_bn, COST)),
                             base_attrition=0.025, growth_months=12.0)
        if strength < 350_000 / 3:
            return month
    return None


def test_an_unpaid_force_breaks_within_months() -> None:
    month = _months_to_break(0.0, 0.0)
    assert month is not None and 3 <= month <= 12  # the analogues: months, not years


def test_a_paid_force_holds_with_or_without_foreign_enablers() -> None:
    assert _months_to_break(6.5, 87_207) is None
    assert _months_to_break(6.5, 0.0) is None  # Najibullah's army held while aid flowed


def test_the_cascade_can_fail_when_morale_does_not_matter() -> None:
    """With no desertion from lost morale nothing breaks: the cascade is the mechanism."""
    strength, morale = 350_000.0, 1.0
    for _ in range(24):
        morale += (morale_target(0.0, 0.0, 0.0, support_floor=0.8, cascade_weight=5.0)
                   - morale) / 3.0
        strength -= strength * attrition_rate(morale, base=0.025, desertion=0.0)
    assert strength > 350_000 / 3
