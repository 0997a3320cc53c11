"""The CSTO's rules alone, on plain values (agents/responders.py; docs/ODD.md, The CSTO)."""

from __future__ import annotations

import pytest

from stability_sim.agents.responders import consensus_probability, contingent, under_mandate

PLEDGES = {"RUS": 9_000.0, "KAZ": 3_000.0, "TJK": 300.0, "KGZ": 300.0}


def test_only_a_recent_incursion_brings_a_crisis_under_the_mandate() -> None:
    assert not under_mandate(None, 10, 6)  # no incursion ever: internal (Kyrgyzstan 2010)
    assert under_mandate(4, 10, 6)
    assert not under_mandate(3, 10, 6)


def test_every_other_contributor_must_agree_russia_where_it_has_a_base() -> None:
    # Tajikistan: Russia (its base) agrees; Kazakhstan and Kyrgyzstan each with the will.
    assert consensus_probability("TJK", 0.5, PLEDGES) == pytest.approx(0.25)
    # Kazakhstan: no Russian base; Russia, Tajikistan and Kyrgyzstan each with the will.
    assert consensus_probability("KAZ", 0.5, PLEDGES) == pytest.approx(0.125)
    # Without political will nobody comes; a member that pledged nothing has no vote.
    assert consensus_probability("TJK", 0.0, PLEDGES) == 0.0
    assert consensus_probability("TJK", 0.5, {**PLEDGES, "KGZ": 0.0}) == pytest.approx(0.5)


def test_the_contingent_is_sized_to_the_fighters_within_the_pledges() -> None:
    small = contingent(PLEDGES, "TJK", fighters=1_000.0, ratio=3.0)
    assert set(small) == {"RUS", "KAZ", "KGZ"}
    assert sum(small.values()) == pytest.approx(3_000.0)
    assert small["RUS"] / small["KAZ"] == pytest.approx(3.0)  # shared by pledges
    large = contingent(PLEDGES, "TJK", fighters=100_000.0, ratio=3.0)
    assert sum(large.values()) == pytest.approx(12_300.0)  # all that was pledged
    assert contingent(PLEDGES, "TJK", fighters=0.0, ratio=3.0) == {
        "RUS": 0.0, "KAZ": 0.0, "KGZ": 0.0}
