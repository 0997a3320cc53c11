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
        "issue 18: some Central Asian state is destabilised in 58/60 runs at cooperation "
        "0.25 and 55/60 at 0.8 (Fisher p 0.22): the record's upheaval rate alone topples a "
        "regime somewhere in most runs of ten years, whatever the cooperation; the CSTO "
        "never deploys at 0.25 (response 1.0 month at 0.8)"),
    "sf3_delayed_risk": (
        "issue 18's SF3 tests recovery itself and fails: the hazard of a first Central "
        "Asian destabilisation rises after 36 months with recovery (0.020 vs 0.027 a month, "
        "41 + 37 events, p 0.12) but not without it (0.029 vs 0.028, 51 + 27); interaction "
        "p 0.17"),
    "sf8_rivalry": (
        "issue 18: since RATS pools what its members know (rather than adding a flat "
        "intelligence term in every SCO cell), removing rivalry no longer lowers Central "
        "Asian attacks: median 142 without vs 148 with (Wilcoxon p 0.53)"),
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
    # An IMU that recruits at the calibration prior's top (1) and is paid from abroad
    # without limit (USD 50 M a year, its registry bound) brings a state down within 36
    # months in most runs (5/30 without a collapse). Its war chest, not its recruitment,
    # bounds it: at recruitment 1 alone, 30/30 runs keep every state.
    result = facts.sf2_resilience(ensembles, extra=("jihadists.imu.recruitment_rate=1",
                                                    "jihadists.imu.outside_usd_m=50"))
    assert not result.passed, result.statistic


def test_sf4_fails_when_the_trade_pays_the_networks_nothing(small: facts.Ensembles) -> None:
    # Trafficking reaches the networks through the fees they take (their funds and war
    # chests), the corruption it buys, the pull of the routes on where bands go, and the
    # Taliban's opium tax (a richer Taliban holds more of northern Afghanistan, where the
    # IMU recruits): with none of them, twice the opium makes no difference (339 vs 339,
    # p 1). With the fees and bribes off alone the other two still move it (342 vs 348).
    result = facts.sf4_symbiosis(small, extra=("trafficking.protection_fee=0",
                                               "trafficking.bribe_rate=0",
                                               "jihadists.route_preference=0",
                                               "jihadists.taliban.opium_tax_share=0"))
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



@pytest.fixture(scope="module")
def few() -> facts.Ensembles:
    # 10 runs a group: where a setting removes every channel, every group is the same run.
    return facts.Ensembles(workers=2, runs=10)


def test_sf1_fails_when_the_international_force_brings_nothing(few: facts.Ensembles) -> None:
    # The drawdown reaches the Afghan core through five channels: the force's own presence
    # (its quality), the enablers' share of Afghan effectiveness and of their morale, the
    # part of the pledge that depends on a presence, and the ISR it adds to intelligence.
    # With all five closed the five groups are the same runs (medians 0.423 each, Page
    # p 0.25); with only the first three closed SF1 still passed (note 4 of issue 18).
    result = facts.sf1_security_vacuum(few, extra=("security.intl_quality=0",
                                                   "afg_forces.support_floor=1",
                                                   "afg_forces.morale_support_floor=1",
                                                   "afg_funding.presence_dependence=0",
                                                   "intelligence.enabler_weight=0"))
    assert not result.passed, result.statistic
    assert "Wilcoxon p=1" in result.statistic


#: Every reach of a violent or moving network into Uzbekistan, Kyrgyzstan and Tajikistan,
#: where all three hotspots lie.
NO_REACH_IN_HOTSPOT_STATES = tuple(
    f"jihadists.{net}.reach_{place}=0" for net, places in (
        ("imu", ("uzb", "kgz", "tjk", "fergana_valley", "osh", "tajik_afghan_border")),
        ("iju", ("uzb", "tjk", "kgz", "fergana_valley")),
        ("hut", ("uzb", "kgz", "tjk", "fergana_valley", "osh")),
        ("jak", ("uzb", "kgz"))) for place in places)


def test_sf6_fails_when_no_network_reaches_the_hotspot_states(small: facts.Ensembles) -> None:
    # The networks' aims and refuges (their reach, [KL13]) are what put the violence in
    # the Fergana Valley, on the Tajik-Afghan border and in Osh: with no reach into the
    # three states that hold them, the attacks and incursions left (in Kazakhstan and
    # Turkmenistan) are none of them in a hotspot (0/575).
    result = facts.sf6_geography(small, extra=NO_REACH_IN_HOTSPOT_STATES)
    assert not result.passed, result.statistic
    assert result.statistic.startswith("0/"), result.statistic
