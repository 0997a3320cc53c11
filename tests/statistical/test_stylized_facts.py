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
        "issue 18 grounds the Central Asian side: with the CSTO rebuilt on its sources it "
        "now intervenes in 7% of runs at cooperation 0.25 and responds in 2.0 vs 1.0 months "
        "(0.25 vs 0.8), but Central Asia destabilises in 60/60 runs at both levels (Fisher "
        "p 1): the stability index and the violence behind it are issue 18's items 2-3"),
    "sf3_delayed_risk": (
        "failing since the recalibration on issue 17's new Afghan core: Central Asian "
        "destabilisation hazard 0.057/month before vs 0.038 after 36 months (63 + 17 "
        "events, conditional binomial p 0.94); issue 18 reworks SF3 to test recovery "
        "itself (an ablation)"),
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
