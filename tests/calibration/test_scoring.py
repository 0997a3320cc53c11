"""Forecast scores: hand-computed CRPS and Brier, propriety in expectation, PIT and
coverage on known cases, skill; and ``stability-sim score`` on a real small results
folder, with its section in ``stability-sim report``."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

from stability_sim.analysis import report as report_mod
from stability_sim.calibration.scoring import brier, covered, crps, pit, score, skill
from stability_sim.cli.main import app
from stability_sim.config import SCENARIO_DIR
from stability_sim.experiments import load_results, run_sweep


def rng(seed: int = 7) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed))


# --- the scores on tiny cases ------------------------------------------------------------

def test_crps_by_hand() -> None:
    # Ensemble {0, 2, 3}, observation 1: E|X - y| = 4/3; the sum of |x_i - x_j| over the
    # 6 ordered pairs i != j is 12, and the fair estimator divides it by 2 m (m - 1) = 12.
    assert crps(1.0, np.array([0.0, 2.0, 3.0])) == pytest.approx(4 / 3 - 1)
    # Ensemble {0, 0, 1}, observation 1: 2/3 - 4 / 12.
    assert crps(1.0, np.array([0.0, 0.0, 1.0])) == pytest.approx(1 / 3)
    # One run: the absolute error; a perfect constant ensemble scores 0.
    assert crps(2.5, np.array([1.0])) == pytest.approx(1.5)
    assert crps(4.0, np.array([4.0, 4.0])) == 0.0
    with pytest.raises(ValueError, match="empty"):
        crps(1.0, np.array([]))


def test_brier_by_hand() -> None:
    assert brier(True, 0.2) == pytest.approx(0.64)
    assert brier(False, 0.3) == pytest.approx(0.09)
    assert brier(True, 1.0) == 0.0 and brier(False, 1.0) == 1.0


def test_the_true_distribution_scores_best_in_expectation() -> None:
    g = rng(2016)
    n, m = 400, 30
    y = g.normal(0.0, 1.0, n)
    forecasts = {"true": g.normal(0.0, 1.0, (n, m)), "biased": g.normal(0.8, 1.0, (n, m)),
                 "over-dispersed": g.normal(0.0, 2.5, (n, m)),
                 "under-dispersed": g.normal(0.0, 0.4, (n, m))}
    mean = {k: np.mean([crps(y[i], f[i]) for i in range(n)]) for k, f in forecasts.items()}
    assert mean["true"] < min(v for k, v in mean.items() if k != "true"), mean
    # Events: they happen with probability 0.3; the share of runs forecasts it.
    happened = g.uniform(size=n) < 0.3
    shares = {p: (g.uniform(size=(n, m)) < p).mean(axis=1) for p in (0.3, 0.6, 0.05)}
    brier_mean = {p: np.mean([brier(happened[i], s[i]) for i in range(n)])
                  for p, s in shares.items()}
    assert brier_mean[0.3] < brier_mean[0.6] and brier_mean[0.3] < brier_mean[0.05], brier_mean


def test_pit_on_known_cases() -> None:
    g = rng()
    members = np.arange(10.0)
    assert 5 / 11 <= pit(4.5, members, g) <= 6 / 11
    assert 0 <= pit(-1.0, members, g) <= 1 / 11
    assert 10 / 11 <= pit(99.0, members, g) <= 1
    # All tied with the observation: uniform on (0, 1), not stuck at one end.
    tied = [pit(1.0, np.ones(3), g) for _ in range(400)]
    assert min(tied) < 0.1 and max(tied) > 0.9
    # Calibrated ensembles (the observation exchangeable with the members, a count outcome
    # with many ties) give uniform PITs; an ensemble too narrow gives a U shape.
    n, m = 1500, 9
    good = [pit(*_draw(g, m, lambda k: g.poisson(2.0, k)), g) for _ in range(n)]
    assert stats.kstest(good, "uniform").pvalue > 0.01
    narrow = [pit(g.normal(0, 1), g.normal(0, 0.3, m), g) for _ in range(n)]
    tails = np.mean((np.array(narrow) < 0.1) | (np.array(narrow) > 0.9))
    assert tails > 0.5  # 0.2 if calibrated


def _draw(g: np.random.Generator, m: int, sample) -> tuple[float, np.ndarray]:
    draws = sample(m + 1).astype(float)
    return draws[0], draws[1:]


def test_central_interval_coverage() -> None:
    members = np.arange(101.0)  # quantiles exact: 5, 25, 75, 95
    assert covered(50, members, 0.5) and covered(50, members, 0.9)
    assert covered(75, members, 0.5)  # the ends are inside
    assert not covered(80, members, 0.5) and covered(80, members, 0.9)
    assert not covered(97, members, 0.5) and not covered(97, members, 0.9)
    # Over many calibrated forecasts the 50% and 90% intervals hold about 50% and 90%.
    g = rng(3)
    y = g.normal(size=2000)
    ens = g.normal(size=(2000, 199))
    for level in (0.5, 0.9):
        rate = np.mean([covered(y[i], ens[i], level) for i in range(2000)])
        assert abs(rate - level) < 0.04, (level, rate)


def test_skill_score_sign() -> None:
    assert skill(1.0, 2.0) == 0.5  # better than the reference
    assert skill(2.0, 1.0) == -1.0  # worse
    assert skill(1.0, 1.0) == 0.0
    assert math.isnan(skill(1.0, 0.0)) and math.isnan(skill(math.nan, 1.0))


# --- a real small results folder ------------------------------------------------------------

SWEEP = f"""\
name: scored
scenario: {SCENARIO_DIR / 'baseline.yaml'}
months: 12
seed: 11
replications: 3
set: {{grid.resolution: 0.5}}
design:
  kind: grid
  parameters:
    cooperation.level: [0.25, 0.8]
"""

OBSERVATIONS = """\
description: observations for the test (made up)
observations:
  - name: attacks_tjk_2014
    outcome: attacks_tjk
    reduction: sum
    window: [2014-01, 2014-12]
    observed: 1
    source: made up for the test
  - name: stability_tjk_mid_2014
    outcome: stability_index_tjk
    reduction: value
    month: 2014-06
    observed: 0.8
    source: made up for the test
  - name: tjk_destabilized
    outcome: destabilized_tjk
    reduction: share
    observed: false
    source: made up for the test
"""


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A real 2-point × 3-replicate sweep (12 months, 0.5°) and an observations file."""
    folder = tmp_path_factory.mktemp("scored")
    (folder / "scored.yaml").write_text(SWEEP)
    outcome = run_sweep(folder / "scored.yaml", out=folder / "out", executor="serial",
                        chunk_runs=6)
    assert outcome.status == "complete" and outcome.ok == 6
    (folder / "obs.yaml").write_text(OBSERVATIONS)
    return folder / "out", folder / "obs.yaml"


def invoke(*args: str):
    return CliRunner().invoke(app, [*args])


def test_scores_of_a_results_folder_match_the_runs(scored: tuple[Path, Path]) -> None:
    results_dir, obs = scored
    table = score(results_dir, obs)
    results = load_results(results_dir)
    series = results.series(columns=["attacks_tjk"])
    sums = series[series["step"] >= 1].groupby("run_id")["attacks_tjk"].sum().to_numpy()
    row = table.rows.set_index("observation").loc["attacks_tjk_2014"]
    assert row["runs"] == 6 and row["score"] == pytest.approx(crps(1.0, sums))
    event = table.rows.set_index("observation").loc["tjk_destabilized"]
    p = results.runs["destabilized_tjk"].astype(float).mean()
    assert event["probability"] == p and event["score"] == pytest.approx(p ** 2)
    (overall,) = table.overall.to_dict("records")
    assert overall["continuous"] == 2 and overall["events"] == 1
    by_point = score(results_dir, obs, by="point")
    assert len(by_point.rows) == 6 and list(by_point.overall["point"]) == [0, 1]
    assert list(by_point.overall["cooperation.level"]) == [0.25, 0.8]


def test_score_command_writes_the_files_and_the_report_shows_them(
        scored: tuple[Path, Path], tmp_path: Path) -> None:
    results_dir, obs = scored
    result = invoke("score", str(results_dir), str(obs), "--reference", str(results_dir))
    assert result.exit_code == 0, result.output
    assert "attacks_tjk_2014" in result.stdout and "mean CRPS" in result.stdout
    folder = results_dir / "scores"
    for name in ("scores.csv", "scores.md", "scores.json", "pit.png", "crps.png"):
        assert (folder / name).is_file(), name
    assert (folder / "pit.png").read_bytes().startswith(b"\x89PNG")
    data = json.loads((folder / "scores.json").read_text())
    assert data["by"] == "all" and len(data["rows"]) == 3
    assert data["observations"]["path"] == str(obs)
    # The same folder as its own reference: no skill either way.
    assert [r["skill"] for r in data["rows"] if r["kind"] == "continuous"] == [0.0, 0.0]
    assert "| attacks_tjk_2014 | all | sum of attacks_tjk 2014-01..2014-12 |" in \
        (folder / "scores.md").read_text()

    report = tmp_path / "report"
    # One outcome keeps the report short; the scores section does not depend on them.
    result = invoke("report", str(results_dir), "--out", str(report), "--outcomes",
                    "destabilized_tjk")
    assert result.exit_code == 0, result.output
    md = (report / "report.md").read_text()
    assert "## Forecast scores" in md and "attacks_tjk_2014" in md
    assert "figures/scores_pit.png" in md and (report / "figures" / "scores_pit.png").is_file()

    # Scores of another state of the folder are not shown as this folder's (the section
    # alone, drawn as write_report draws it: a second full report would double the time).
    data["results"]["fingerprint"] = "0" * 64
    (folder / "scores.json").write_text(json.dumps(data))
    doc, saved = report_mod._Doc(), []
    written = report_mod.Report(report, report / "r.md", report / "r.html")
    report_mod._scores(doc, load_results(results_dir), written,
                       lambda fig, name, caption: saved.append(name))
    md = doc.markdown()
    assert "## Forecast scores" in md and "another state of this folder" in md
    assert "attacks_tjk_2014" not in md and saved == [] and written.notes


@pytest.mark.parametrize(("body", "expected"), [
    (OBSERVATIONS.replace("outcome: attacks_tjk", "outcome: attacks_tjz"),
     "observations[0].outcome: unknown outcome (did you mean 'attacks_tjk'?)"),
    (OBSERVATIONS.replace("observed: false", "observed: 0"),
     "observations[2].observed: expected true or false"),
    (OBSERVATIONS.replace("month: 2014-06", "month: 2014-6"),
     "observations[1].month: expected a month as YYYY-MM"),
    (OBSERVATIONS.replace("window: [2014-01, 2014-12]", "window: [2015-01, 2015-12]"),
     "'attacks_tjk_2014' of {obs} reads 2015-01..2015-12, but the runs cover "
     "2010-01..2014-12"),
])
def test_bad_observations_via_the_cli_are_one_line_exit_2(
        scored: tuple[Path, Path], tmp_path: Path, body: str, expected: str) -> None:
    results_dir, _ = scored
    obs = tmp_path / "bad.yaml"
    obs.write_text(body)
    result = invoke("score", str(results_dir), str(obs), "--out", str(tmp_path / "s"))
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert lines[0].startswith("error: ") and expected.format(obs=obs) in lines[0]
    assert not (tmp_path / "s").exists()


def test_score_refuses_what_is_not_a_results_folder(scored: tuple[Path, Path],
                                                    tmp_path: Path) -> None:
    _, obs = scored
    result = invoke("score", str(tmp_path), str(obs))
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert str(tmp_path) in result.stderr


def test_observations_file_text_is_kept_in_the_scores(scored: tuple[Path, Path]) -> None:
    results_dir, obs = scored
    table = score(results_dir, obs)
    assert table.info["observations"]["description"] == "observations for the test (made up)"
    assert table.info["observations"]["sha256"] == hashlib.sha256(obs.read_bytes()).hexdigest()
    assert table.rows["statistic"].iloc[0] == "sum of attacks_tjk 2014-01..2014-12"


def test_score_refuses_an_output_that_is_a_file_or_a_link(scored: tuple[Path, Path],
                                                          tmp_path: Path) -> None:
    results_dir, obs = scored
    (tmp_path / "file").write_text("mine")
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    for out, message in (("file", "exists and is not a folder"), ("link", "symbolic link")):
        result = invoke("score", str(results_dir), str(obs), "--out", str(tmp_path / out))
        assert result.exit_code == 2, result.output
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert (tmp_path / "file").read_text() == "mine" and not any((tmp_path / "real").iterdir())


def test_the_best_draw_fits_every_target_at_once_not_each_alone() -> None:
    from stability_sim.calibration.run import best_draw

    observed = np.array([10.0, 100.0])
    var_obs = np.array([1.0, 100.0])
    # Draw 0 is perfect on the first target and far off the second; draw 1 is near on
    # both; draw 2 has a missing statistic.
    stat = np.array([[10.0, 160.0], [11.0, 110.0], [10.0, np.nan]])
    values = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    best = best_draw(stat, observed, var_obs, values, ("a", "b"))
    assert best["draw"] == 1
    assert best["sum_z2"] == pytest.approx(2.0)
    assert best["z"] == pytest.approx([1.0, 1.0])
    assert best["values"] == {"a": 3.0, "b": 4.0}
