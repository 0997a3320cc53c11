"""Calibration files: every mistake is one line naming the file and key, exit 2, no run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from stability_sim.calibration.spec import load_calibration
from stability_sim.cli.main import app
from stability_sim.experiments.designs import points_design

runner = CliRunner()

TARGETS = """\
cutoff: 2014-12
description: two targets for the file tests
targets:
  - name: forces
    outcome: afg_forces
    reduction: mean
    window: [2014-01, 2014-06]
    observed: 340000
    sd: 10000
    source: "test: a made-up figure"
"""


def calibration_text(**changes: str) -> str:
    """A valid calibration file, with top-level entries replaced (or removed by '')."""
    entries = {
        "name": "name: tiny",
        "scenario": "scenario: baseline",
        "targets": "targets: targets.yaml",
        "seed": "seed: 7",
        "months": "months: 6",
        "set": "set: {grid.resolution: 0.5}",
        "replications": "replications: 2",
        "budget": "budget: 200",
        "parameters": "parameters:\n  afg_forces.attrition_monthly: [0.01, 0.05]",
        "history_matching": "history_matching: {waves: 1, points: 10}",
        "abc": "abc: {population: 10, generations: 2}",
    }
    entries.update(changes)
    return "\n".join(v for v in entries.values() if v) + "\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "targets.yaml").write_text(TARGETS)
    return tmp_path


def refused(folder: Path, text: str, *fragments: str) -> str:
    """Run ``calibrate --dry-run`` on ``text``: exit 2 and one line holding the fragments."""
    path = folder / "calibration.yaml"
    path.write_text(text)
    result = runner.invoke(app, ["calibrate", str(path), "--dry-run"])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def test_a_valid_file_loads_and_its_dry_run_prints_the_plan(folder: Path) -> None:
    path = folder / "calibration.yaml"
    path.write_text(calibration_text())
    cal = load_calibration(path)
    assert cal.names == ("afg_forces.attrition_monthly",)
    assert cal.priors["afg_forces.attrition_monthly"] == (0.01, 0.05)
    assert cal.hm_runs == 1 * 10 * 2
    assert [t.name for t in cal.targets.targets] == ["forces"]
    result = runner.invoke(app, ["calibrate", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "20 runs" in result.stdout and "dry run" in result.stdout
    assert not (folder / "results").exists()


@pytest.mark.parametrize(("changes", "fragments"), [
    ({"sede": "sede: 3"}, ("sede", "unknown key")),
    ({"seed": ""}, ("seed", "missing key")),
    ({"name": "name: Not A Name"}, ("name",)),
    ({"replications": "replications: 0"}, ("replications", "whole number")),
    ({"parameters": "parameters:\n  afg_forces.atrition_monthly: [0.01, 0.05]"},
     ("parameters.afg_forces.atrition_monthly",)),
    ({"parameters": "parameters:\n  afg_forces.attrition_monthly: [0.01, 1.5]"},
     ("afg_forces.attrition_monthly", "1.5")),
    ({"parameters": "parameters:\n  afg_forces.attrition_monthly: [0.05, 0.01]"},
     ("parameters.afg_forces.attrition_monthly", "low < high")),
    ({"parameters": "parameters:\n  months: [6, 12]"}, ("parameters.months", "run setting")),
    ({"parameters": "parameters:\n  drawdown.end: [2014-01, 2015-01]"},
     ("parameters.drawdown.end", "number parameters")),
    ({"parameters": "parameters:\n  afg_forces.attrition_monthly: 0.03"},
     ("parameters.afg_forces.attrition_monthly", "prior range")),
    ({"budget": "budget: 10"}, ("budget", "at least")),
    ({"history_matching": "history_matching: {waves: 1, cutof: 3}"},
     ("history_matching.cutof", "unknown key")),
    ({"history_matching": "history_matching: {cutoff: -1}"}, ("history_matching.cutoff",)),
    ({"abc": "abc: {population: 0}"}, ("abc.population",)),
    ({"targets": "targets: nowhere.yaml"}, ("targets", "nowhere.yaml")),
    ({"scenario": "scenario: nowhere"}, ("scenario", "nowhere")),
    ({"set": "set: {afg_forces.attrition_monthly: 0.02}"},
     ("afg_forces.attrition_monthly", "calibrated")),
    ({"months": "months: 3"}, ("targets.yaml", "forces")),  # the window ends after the run
], ids=lambda v: "-".join(v) if isinstance(v, tuple) else None)
def test_each_mistake_is_one_line_and_exit_2(folder: Path, changes: dict[str, str],
                                             fragments: tuple[str, ...]) -> None:
    refused(folder, calibration_text(**changes), *fragments)


def test_malformed_yaml_is_one_line(folder: Path) -> None:
    refused(folder, "name: [unclosed\n", "calibration.yaml")


def test_a_set_option_for_a_calibrated_parameter_is_refused(folder: Path) -> None:
    path = folder / "calibration.yaml"
    path.write_text(calibration_text())
    result = runner.invoke(app, ["calibrate", str(path), "--dry-run",
                                 "--set", "afg_forces.attrition_monthly=0.02"])
    assert result.exit_code == 2
    assert "calibrated" in result.stderr and "--set" in result.stderr


def test_a_target_after_the_cutoff_is_refused(folder: Path) -> None:
    (folder / "targets.yaml").write_text(TARGETS.replace("cutoff: 2014-12", "cutoff: 2014-03"))
    refused(folder, calibration_text(), "forces", "2014-03")


def test_a_whole_number_parameter_is_searched_continuously_and_run_rounded(
        folder: Path) -> None:
    path = folder / "calibration.yaml"
    path.write_text(calibration_text(parameters=(
        "parameters:\n  afg_forces.attrition_monthly: [0.01, 0.05]\n"
        "  jihadists.jak.initial_fighters: [0, 1000]")))
    cal = load_calibration(path)
    assert cal.whole.tolist() == [False, True]
    natural = cal.to_natural(np.array([[0.5, 0.3127], [0.25, 0.0004]]))
    assert natural[:, 1].tolist() == [313.0, 0.0]  # whole fighters, to the nearest
    assert natural[:, 0] == pytest.approx([0.03, 0.02])  # a rate is left as drawn
    # The rounded values are what a run's design accepts.
    design = points_design(cal.names, natural.tolist())
    assert [pt.values["jihadists.jak.initial_fighters"] for pt in design.points] == [313, 0]
