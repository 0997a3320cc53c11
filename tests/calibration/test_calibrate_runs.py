"""A calibration's runs: killed and resumed it gives the same posterior; failed runs stop it.

Tiny problems (two parameters, 4-month runs at 0.5°): what is tested is the workbench's
bookkeeping, not the model.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from stability_sim.calibration.run import CalibrationOutcome, RunsFailedError, calibrate
from stability_sim.cli.main import app
from stability_sim.model import StabilityModel

TARGETS = """\
cutoff: 2014-04
targets:
  - {name: forces, outcome: afg_forces, reduction: mean, window: [2014-02, 2014-04],
     observed: 348000, sd: 6000, source: "test: a made-up figure"}
  - {name: taliban, outcome: jihadist_fighters_taliban, reduction: value, month: 2014-04,
     observed: 32500, sd: 3000, source: "test: a made-up figure"}
"""

CALIBRATION = """\
name: tiny
scenario: baseline
targets: targets.yaml
seed: 11
months: 4
set: {grid.resolution: 0.5}
replications: 2
budget: 240
parameters:
  afg_forces.attrition_monthly: [0.01, 0.05]
  jihadists.taliban.recruitment_rate: [0.05, 1.0]
history_matching: {waves: 2, points: 10}
abc: {population: 10, generations: 2, predictive: 4}
"""


def write_files(folder: Path) -> Path:
    (folder / "targets.yaml").write_text(TARGETS)
    path = folder / "calibration.yaml"
    path.write_text(CALIBRATION)
    return path


@pytest.fixture
def files(tmp_path: Path) -> Path:
    return write_files(tmp_path)


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> CalibrationOutcome:
    """The tiny calibration, uninterrupted, in a local process pool."""
    folder = tmp_path_factory.mktemp("whole")
    return calibrate(write_files(folder), out=folder / "whole", workers=2)


def assert_same_calibration(a: CalibrationOutcome, b: CalibrationOutcome) -> None:
    for name in ("posterior.parquet", "predictive.parquet", "waves.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(a.path / name),
                                      pd.read_parquet(b.path / name))
    assert a.nroy == b.nroy


def test_sigkill_during_a_wave_then_resume_gives_the_same_posterior(
        files: Path, whole: CalibrationOutcome) -> None:
    killed = files.parent / "killed"
    command = [sys.executable, "-m", "stability_sim.cli", "calibrate", str(files),
               "--out", str(killed), "--workers", "2", "--no-figures"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    # Kill it once the second wave has started (its sweep folder exists), before it ends.
    deadline = time.monotonic() + 120
    while not (killed / "waves" / "wave-2").exists():
        assert proc.poll() is None, "the calibration ended before its second wave"
        assert time.monotonic() < deadline, "no second wave within two minutes"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert not (killed / "posterior.parquet").exists()
    with pytest.raises(Exception, match="--resume"):
        calibrate(files, out=killed, workers=2)  # refuses to start over silently
    resumed = calibrate(files, out=killed, workers=2, resume=True)
    assert resumed.ran < resumed.runs  # the first wave's runs were kept, not redone
    assert_same_calibration(whole, resumed)


def test_a_dask_cluster_gives_the_same_calibration(files: Path,
                                                   whole: CalibrationOutcome) -> None:
    pytest.importorskip("distributed")
    on_dask = calibrate(files, out=files.parent / "dask", executor="dask", workers=2)
    manifest = (on_dask.path / "manifest.json").read_text()
    assert '"kind": "dask"' in manifest
    assert_same_calibration(whole, on_dask)


def test_failed_runs_stop_the_calibration_saying_how_many_and_why(
        files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = StabilityModel.run

    def flaky(self: StabilityModel, *args: object, **kwargs: object) -> object:
        if self.rng.random() < 0.3:
            raise FloatingPointError("provoked by the test")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(StabilityModel, "run", flaky)
    with pytest.raises(RunsFailedError, match=r"runs of stage wave-1 failed .*provoked"):
        calibrate(files, out=files.parent / "api", executor="serial")
    result = CliRunner().invoke(app, ["calibrate", str(files), "--out",
                                      str(files.parent / "cli"), "--executor", "serial",
                                      "--no-figures"])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "of 20 runs of stage wave-1 failed" in lines[0], result.stderr
    assert "Traceback" not in result.output
    manifest = (files.parent / "cli" / "manifest.json").read_text()
    assert '"status": "failed"' in manifest
