"""The stylized facts of MODEL.md §8 as ensemble tests (0.5°, fixed seeds).

Each criterion is stated in :mod:`stability_sim.experiments.facts`. Facts whose
calibration is not finished are strict xfails: they are reported on every run, and
the suite fails the moment one starts passing, so the marker cannot go stale.
"""

from __future__ import annotations

import pytest

from stability_sim.experiments import facts

#: Facts whose calibration is unfinished (fact function name -> reason).
PENDING: dict[str, str] = {
    "sf5_cooperation": (
        "issue 18: some Central Asian state is destabilised in 59/60 runs at cooperation "
        "0.25 and 60/60 at 0.8 (Fisher p 1): Tajikistan loses ground (control below 0.9 "
        "for 3 months) in nearly every run whatever the cooperation, and the record's "
        "upheaval rate alone topples a regime somewhere in most runs of ten years; the "
        "CSTO never deploys at 0.25 (response 1.0 month at 0.8)"),
    "sf3_delayed_risk": (
        "issue 18's SF3 tests recovery itself and fails: the hazard of a first Central "
        "Asian destabilisation falls after 36 months with recovery (0.044 vs 0.031 a month, "
        "58 + 21 events, p 0.93) and without it (0.091 vs 0.056, 72 + 8); interaction p "
        "0.37"),
    "sf7_backlash": (
        "issue 18: the backlash is not identified by the 2010-2013 record (posterior "
        "0.25-9.8, its whole prior) and the best-joint-draw rule set it to 0.248; with so "
        "little backlash HuT ends at 29,737 with repression halved vs 29,113 at 2013 "
        "levels (Wilcoxon p 0.997)"),
    "sf8_rivalry": (
        "issue 18: since RATS pools what its members know (rather than adding a flat "
        "intelligence term in every SCO cell), removing rivalry no longer lowers Central "
        "Asian attacks: median 493 without vs 554 with (Wilcoxon p 0.32)"),
}


@pytest.fixture(scope="module")
def ensembles() -> facts.Ensembles:
    return facts.Ensembles(workers=2)


@pytest.mark.parametrize(
    "fact",
    [pytest.param(f, marks=pytest.mark.xfail(reason=PENDING[f.__name__], strict=True))
     if f.__name__ in PENDING else f for f in facts.FACTS],
    ids=lambda f: f.__name__,
)
def test_stylized_fact(ensembles: facts.Ensembles, fact) -> None:
    result = fact(ensembles)
    assert result.passed, f"{result.fact}: {result.statistic} (needs {result.threshold})"


def test_sf3_fails_when_both_groups_lack_recovery(ensembles: facts.Ensembles) -> None:
    # The negative control of SF3's ablation: with recovery disabled in both groups there
    # is no difference for the interaction test to find (the same runs, p = 0.5).
    result = facts.sf3_delayed_risk(ensembles, extra=facts.NO_RECOVERY)
    assert not result.passed, result.statistic
    assert "interaction p=0.5" in result.statistic


@pytest.fixture(scope="module")
def small() -> facts.Ensembles:
    # 20 runs a group: enough to show a fact failing where its mechanism is switched off.
    return facts.Ensembles(workers=2, runs=20)


def test_sf2_fails_when_the_imu_recruits_at_the_top_of_its_prior(ensembles: facts.Ensembles
                                                                  ) -> None:
    # At the calibration prior's upper end (IMU recruitment 1) the IMU brings a state down
    # within 36 months in most runs.
    result = facts.sf2_resilience(ensembles, extra=("jihadists.imu.recruitment_rate=1",))
    assert not result.passed, result.statistic


def test_sf4_fails_when_the_trade_pays_the_networks_nothing(small: facts.Ensembles) -> None:
    # Trafficking reaches the networks through the fees they take (their funds and war
    # chests) and the corruption it buys: with neither, twice the opium makes no
    # difference to them.
    result = facts.sf4_symbiosis(small, extra=("trafficking.protection_fee=0",
                                               "trafficking.bribe_rate=0"))
    assert not result.passed, result.statistic


def test_sf7_fails_without_a_backlash(small: facts.Ensembles) -> None:
    # Without the backlash, harsher repression only arrests more of HuT's members.
    result = facts.sf7_backlash(small, extra=("jihadists.repression_backlash=0",))
    assert not result.passed, result.statistic


def test_sf8_fails_when_rivalry_has_no_channel(small: facts.Ensembles) -> None:
    # Rivalry acts only through what the SCO members share (the RATS exchange and the
    # spread of detections): with neither, removing it changes nothing (p = 1).
    result = facts.sf8_rivalry(small, extra=("rats.intel_weight=0",
                                             "rats.neighbour_detection=0"))
    assert not result.passed, result.statistic

