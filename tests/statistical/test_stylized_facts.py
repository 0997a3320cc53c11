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
        "issue 17 changed the Afghan core and issue 18 grounds the Central Asian side: with "
        "the new core Central Asia destabilises in 54/60 runs at cooperation 0.25 vs 38/60 "
        "at 0.8 (Fisher p 4.9e-4) and the CSTO responds faster (22.9 vs 11.1 months), but it "
        "intervenes in 70% of runs at 0.25, against the criterion's < 50% ([KL13]: a "
        "'paper tiger')"),
    "sf3_delayed_risk": (
        "failing since the recalibration on issue 17's new Afghan core (the Taliban's "
        "sanctuary feeding Afghanistan): Central Asian destabilisation hazard 0.055/month "
        "before vs 0.038 after 36 months (62 + 18 events, conditional binomial p 0.94); "
        "issue 18 reworks SF3 to test recovery itself (an ablation)"),
    "sf7_backlash": (
        "failing since the recalibration on issue 17's new Afghan core: HuT members at the "
        "horizon, median 85,574 with repression x0.5 vs 84,159 at 2013 levels (Wilcoxon "
        "p 0.45); issue 18 grounds HuT, repression and the regimes"),
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
