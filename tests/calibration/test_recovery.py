"""Parameter recovery: the workbench finds parameters from targets the model made itself.

Four parameters, targets made by one run at a known truth (calibration.recovery): the
posterior's central 1 - 0.10/4 interval must cover each true value (family-wise
α = 0.10), its 90 % interval be narrower than the prior for the parameters with a strong
effect, and no target may lie in the tails of its posterior
predictive distribution (two-sided, α = 0.10 over the four targets together).
``make test`` runs a small budget on 12-month runs; ``--runslow`` runs the shipped
``recovery`` calibration (about 2,000 runs of 24 months), as benchmarks/recovery.py does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from stability_sim import shipped
from stability_sim.calibration import recovery
from stability_sim.calibration.run import CalibrationOutcome, calibrate
from stability_sim.calibration.spec import load_calibration
from stability_sim.calibration.weights import weighted_quantiles
from stability_sim.config import load_scenario

#: The 12-month version of the recovery targets (the shipped one spans 24 months).
SMALL_SPECS = [
    {"name": "afg_forces_2014h2", "outcome": "afg_forces", "reduction": "mean",
     "window": ["2014-07", "2014-12"]},
    {"name": "taliban_fighters_2014_12", "outcome": "jihadist_fighters_taliban",
     "reduction": "value", "month": "2014-12"},
    {"name": "hut_members_2014_12", "outcome": "jihadist_fighters_hut",
     "reduction": "value", "month": "2014-12"},
    {"name": "afg_attacks_2014", "outcome": "attacks_afg", "reduction": "sum",
     "window": ["2014-01", "2014-12"]},
]


def small_calibration(folder: Path, **abc: int) -> Path:
    """The recovery problem on 12-month runs with a small budget, written into ``folder``."""
    document = yaml.safe_load(Path(load_calibration("recovery").source).read_text())
    document = {**document, "name": "recovery-small", "targets": "targets.yaml", "months": 12,
                "replications": 2, "budget": 500,
                "history_matching": {"waves": 2, "points": 20, "cutoff": 3.0},
                "abc": {"population": 20, "generations": 2, "predictive": 20, **abc}}
    path = folder / "calibration.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    base = load_scenario(shipped.resolve("baseline", "scenarios")).with_overrides(
        {"months": 12, "grid.resolution": 0.5})
    recovery.write_targets(base, folder / "targets.yaml", specs=SMALL_SPECS)
    return path


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> CalibrationOutcome:
    folder = tmp_path_factory.mktemp("recovery")
    return calibrate(small_calibration(folder), out=folder / "out", workers=2)


#: "Narrower than the prior": the posterior's 90 % interval is shorter than the prior's
#: own central 90 % interval (0.9 of a uniform prior's range).
NARROWER = 0.9

#: Level of the posterior predictive check (over all targets together).
ALPHA = 0.10


def check_recovery(outcome: CalibrationOutcome, *, narrow: float = NARROWER,
                   truth: dict[str, float] | None = None) -> None:
    """The recovery criteria (stated in the module docstring), against ``truth``."""
    rows = outcome.summary["parameters"]
    truth = truth or recovery.TRUTH
    # Every true value inside its posterior interval at the family-wise level ALPHA: the
    # central 1 - ALPHA/k interval for k parameters (Bonferroni), as for the predictive
    # check below. Asking each of four inside its own 90 % interval would fail a perfect
    # calibration up to 1 - 0.9**4 = 34 % of the time (it did, on a model change that
    # moved one parameter's interval by 3 %: issue 18).
    posterior = pd.read_parquet(outcome.path / "posterior.parquet")
    tail = ALPHA / len(truth) / 2
    for name, value in truth.items():
        low, high = weighted_quantiles(posterior[name], posterior["weight"],
                                       [tail, 1 - tail])
        assert low <= value <= high, (name, low, high, rows[name])
    for name in recovery.STRONG:
        assert rows[name]["width_share"] < narrow, (name, rows[name])
    # Each target against its posterior predictive distribution: a two-sided predictive
    # p-value above ALPHA / k for k targets (Bonferroni). Requiring every target inside
    # its 90 % interval would fail a perfect calibration 1 - 0.9**4 = 34 % of the time.
    predictive = pd.read_parquet(outcome.path / "predictive.parquet")
    p_values = 2 * np.minimum(predictive["pit"], 1 - predictive["pit"])
    assert (p_values > ALPHA / len(predictive)).all(), predictive.to_string()


def test_small_budget_recovers_the_truth(small: CalibrationOutcome) -> None:
    assert small.status == "complete"
    check_recovery(small)


def test_history_matching_shrinks_the_space_wave_by_wave(small: CalibrationOutcome) -> None:
    assert len(small.nroy) == 2
    assert 0.0 < small.nroy[1] <= small.nroy[0] < 1.0, small.nroy


def test_the_folder_holds_every_part(small: CalibrationOutcome) -> None:
    for name in ("manifest.json", "runs.parquet", "waves.parquet", "emulators.parquet",
                 "implausibility.parquet", "posterior.parquet", "predictive.parquet",
                 "summary.json", "waves/wave-1/runs.parquet", "predictive/runs.parquet"):
        assert (small.path / name).exists(), name
    posterior = pd.read_parquet(small.path / "posterior.parquet")
    assert posterior["weight"].sum() == pytest.approx(1.0)
    assert len(posterior) == 20
    runs = pd.read_parquet(small.path / "runs.parquet")
    assert set(runs["stage"]) >= {"wave-1", "wave-2", "predictive"}
    assert len(runs) == small.runs
    # The budget counts history matching and ABC (the predictive check is extra).
    assert small.summary["runs_counted"] <= 500


def test_the_summary_records_the_truth_of_synthetic_targets(small: CalibrationOutcome
                                                            ) -> None:
    for name, value in recovery.TRUTH.items():
        assert small.summary["parameters"][name]["truth"] == pytest.approx(value)


def test_the_criteria_fail_against_a_false_truth(small: CalibrationOutcome) -> None:
    """The criteria can fail: the same posterior judged against a false truth does."""
    name = recovery.STRONG[0]
    row = small.summary["parameters"][name]
    low, high = row["prior"]
    # The far end of the prior range from where the posterior sits.
    false = high - 0.05 * (high - low) if row["median"] < (low + high) / 2 \
        else low + 0.05 * (high - low)
    with pytest.raises(AssertionError, match=name):
        check_recovery(small, truth={**recovery.TRUTH, name: false})


@pytest.mark.slow
def test_full_budget_recovers_the_truth(tmp_path: Path) -> None:
    outcome = calibrate("recovery", out=tmp_path / "out", workers=2)
    for name, value in recovery.TRUTH.items():
        assert outcome.summary["parameters"][name]["truth"] == pytest.approx(value)
    check_recovery(outcome)
