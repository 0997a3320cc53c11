"""The Afghan core as ensembles (issue 17): collapse, resolution, the record of 2010-2013.

Criteria and significance levels are fixed here before the runs (docs/ODD.md §8):

- **Collapse ablation**: holding the 2013 force (no drawdown, funding as pledged) keeps
  the government standing in every run of 36 months, while full withdrawal with the
  funding cut in 2015-01 makes collapse possible: its collapse share is greater (Fisher's
  exact test, one-sided, p < 0.05). With the pledge paid in full instead of cut (and
  whatever the presence), the full withdrawal alone brings no more collapses than the
  held force, and the criterion fails. (Until the recalibration on the new core the
  failing setting was the cut without the cohesion cascade; at the recalibrated defaults
  an unpaid force loses its morale and its fighting power, and the capital falls, with or
  without the cascade: 20 of 20 runs.)
- **The Najibullah analogue**: with every international soldier gone by the end of 2014
  and the pledge paid whatever the presence (``afg_funding.presence_dependence=0``),
  fewer than half of the runs lose the government within 36 months of the last troops
  leaving (Najibullah's government stood 38 months after the Soviet withdrawal while
  Soviet aid flowed; docs/HISTORY.md). With half the pledge tied to a presence (the
  default ``d = 0.5``) the criterion fails: the unpaid half breaks the force.
- **Resolution independence**: at 0.25° and 0.5° the national outcomes of the baseline
  after 36 months (insurgent and contested share of Afghanistan's area, Taliban fighters,
  Afghan forces) have the same distributions: no two-sample Mann-Whitney test rejects at
  α = 0.05 / 4 (Bonferroni). A different model at one resolution is told apart.
- **The history window reproduces the record**: at the registry defaults, the record is a
  plausible member of the model's ensemble. For each of the k targets of
  ``configs/targets/afghanistan_2010_2013.yaml``, ``z = (mean - observed) / sqrt(sd² +
  v·(1 + 1/n))`` (``sd`` the observation's, ``v`` one run's variance: the record is one
  history, ``n`` runs); the criterion is ``Σ z² <= χ²(k)`` at its 95 % quantile
  (α = 0.05). An earlier criterion asked every target to fall inside its own 90 %
  interval: a model that had produced the record would fail it with probability about
  1 - 0.9^13 ≈ 0.75, so it judged nothing. With the Taliban's attacks at the top of their
  prior (``jihadists.taliban.attack_factor=60``) the criterion fails.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from stability_sim.calibration.targets import load_targets
from stability_sim.experiments import facts

ALPHA = 0.05
RUNS = 20
HORIZON = ("months=36",)
OUTCOMES = ("afg_insurgent_control_final", "afg_contested_final", "taliban_fighters_final",
            "afg_forces_final")


@pytest.fixture(scope="module")
def coarse() -> facts.Ensembles:
    return facts.Ensembles(workers=2, resolution=0.5)


def _collapses(runs: list[dict]) -> int:
    return sum(r["afg_government_collapse_month"] is not None for r in runs)


CUT = ("afg_funding.preset=cut", "afg_funding.cut_date=2015-01")


def collapse_ablation(e: facts.Ensembles, extra: tuple[str, ...] = (),
                      cut_settings: tuple[str, ...] = CUT) -> tuple[bool, str]:
    """The criterion of the module docstring; ``extra`` overrides both groups.

    ``cut_settings`` make the second group's funding (the cut by default).
    """
    held, cut = e.get(
        facts.Group("no_drawdown", (*HORIZON, *extra), runs=RUNS),
        facts.Group("full_withdrawal", (*HORIZON, *cut_settings, *extra), runs=RUNS))
    a, b = _collapses(held), _collapses(cut)
    p = float(stats.fisher_exact([[b, len(cut) - b], [a, len(held) - a]],
                                 alternative="greater").pvalue)
    detail = f"collapses: held {a}/{len(held)}, cut {b}/{len(cut)}; Fisher p={p:.3g}"
    return a == 0 and p < ALPHA, detail


def test_holding_the_force_keeps_the_government_and_a_cut_can_bring_it_down(coarse) -> None:
    ok, detail = collapse_ablation(coarse)
    assert ok, detail


def test_without_the_cut_the_withdrawal_alone_brings_nothing_down(coarse) -> None:
    # The pledge paid in full whatever the presence: the criterion fails.
    ok, detail = collapse_ablation(coarse, cut_settings=("afg_funding.presence_dependence=0",))
    assert not ok, detail


def najibullah(e: facts.Ensembles, dependence: float) -> tuple[bool, str]:
    """The Najibullah criterion of the module docstring at presence dependence ``d``."""
    (runs,) = e.get(facts.Group("full_withdrawal", (
        "months=48", f"afg_funding.presence_dependence={dependence}"), runs=RUNS))
    # The last troops leave in 2014-12 (month 12); 36 months later is month 48.
    fell = _collapses(runs)
    return fell < len(runs) / 2, f"collapses within 36 months of the withdrawal: {fell}/{len(runs)}"


@pytest.mark.xfail(strict=True, reason="issue 18: the repression backlash, which the Taliban "
                   "share with the Central Asian networks, is not identified by either "
                   "record of 2010-2013 (posterior 0.92 of its prior); the fourth Central "
                   "Asian calibration's best joint draw put it at 7.86 (0.248 before), and "
                   "with that much backlash the paid government falls within 36 months of "
                   "the withdrawal in 11/20 runs (3/20 at 0.248, 5/20 at the start of the "
                   "session); the Afghan targets fit as well at either value (sum z^2 18.0 "
                   "vs 15.7)")
def test_paid_and_alone_the_government_stands_as_najibullahs_did(coarse) -> None:
    ok, detail = najibullah(coarse, 0.0)
    assert ok, detail


def test_with_half_the_pledge_tied_to_a_presence_the_najibullah_criterion_fails(coarse) -> None:
    ok, detail = najibullah(coarse, 0.5)
    assert not ok, detail


def _final(run: dict) -> dict[str, float]:
    return {k: float(run[k]) for k in OUTCOMES}


def resolution_pvalues(fine: list[dict], coarse_runs: list[dict]) -> dict[str, float]:
    """Two-sided Mann-Whitney p-value per national outcome, 0.25° against 0.5°."""
    a = pd.DataFrame([_final(r) for r in fine])
    b = pd.DataFrame([_final(r) for r in coarse_runs])
    return {k: float(stats.mannwhitneyu(a[k], b[k], alternative="two-sided").pvalue)
            for k in OUTCOMES}


@pytest.fixture(scope="module")
def fine() -> facts.Ensembles:
    return facts.Ensembles(workers=2, resolution=0.25)


@pytest.mark.xfail(strict=True, reason="issue 17 open: presence, bases, threats, ruggedness "
                   "and the Taliban's sanctuary are now the same ground at both grids, but "
                   "at the calibrated defaults the insurgent-held share after 36 months is "
                   "still 0.40 at 0.25 degrees against 0.43 at 0.5 (p 0.003) and the "
                   "contested share 0.28 against 0.30 (p 0.005); the gap is there at the "
                   "start (where bases and bands are placed), not in the kernels "
                   "(docs/ODD.md, Resolution)")
def test_the_two_resolutions_give_the_same_national_outcomes(coarse, fine) -> None:
    group = facts.Group("baseline", HORIZON, runs=RUNS)
    (f,), (c,) = fine.get(group), coarse.get(group)
    p = resolution_pvalues(f, c)
    assert min(p.values()) >= ALPHA / len(OUTCOMES), p


def test_the_resolution_test_tells_a_different_model_apart(coarse, fine) -> None:
    (f,) = fine.get(facts.Group("baseline", HORIZON, runs=RUNS))
    (c,) = coarse.get(facts.Group("baseline", (*HORIZON, "control.insurgent_weight=20"),
                                  runs=RUNS))
    p = resolution_pvalues(f, c)
    assert min(p.values()) < ALPHA / len(OUTCOMES), p


def _history_series(args: tuple[int, tuple[str, ...]]) -> pd.DataFrame:
    from stability_sim.config import SCENARIO_DIR, load_scenario  # in the worker
    from stability_sim.model import StabilityModel

    seed_key, overrides = args
    scenario = load_scenario(SCENARIO_DIR / "baseline.yaml", ["months=1", *overrides])
    seed = np.random.SeedSequence(facts.MASTER_SEED, spawn_key=(seed_key,))
    frame = StabilityModel(scenario, rng=seed).timeseries()
    frame.insert(0, "run_id", seed_key)
    return frame


def history_fit(overrides: tuple[str, ...] = ()) -> tuple[bool, str]:
    """The criterion of the module docstring; ``(passed, the z of each target)``."""
    targets = load_targets("afghanistan_2010_2013")
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        series = pd.concat(pool.map(_history_series, [(k, overrides) for k in range(RUNS)]),
                           ignore_index=True)
    runs = pd.DataFrame({"run_id": range(RUNS)})
    total, parts = 0.0, []
    for t in targets.items:
        values = t.per_run(runs, series).dropna().to_numpy()
        spread = float(values.var(ddof=1)) * (1.0 + 1.0 / values.size)
        z = (float(values.mean()) - t.observed) / np.sqrt(t.sd ** 2 + spread)
        total += z * z
        parts.append(f"{t.name} {z:+.2f}")
    critical = float(stats.chi2.ppf(1.0 - ALPHA, len(targets.items)))
    return total <= critical, f"sum z² {total:.1f} (χ² 95 % {critical:.1f}): " + ", ".join(parts)


def test_the_history_window_reproduces_the_record_to_2013() -> None:
    ok, detail = history_fit()
    assert ok, detail


def test_the_history_criterion_tells_a_wrong_history_apart() -> None:
    ok, detail = history_fit(("jihadists.taliban.attack_factor=60",))
    assert not ok, detail
