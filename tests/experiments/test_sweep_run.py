"""Running sweeps: the same results under every executor, failures, kills and resumption.

The sweeps here are tiny (0.5°, 12 months) so that each test runs in seconds; what they
prove does not depend on the size.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from stability_sim.cli.main import app
from stability_sim.config import SCENARIO_DIR
from stability_sim.errors import UserError
from stability_sim.experiments import load_results, run_sweep
from stability_sim.experiments.store import SCHEMA_VERSION, read_state
from tests.sweep_results import assert_same, frames

TINY = f"""\
name: tiny
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


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return path


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny sweep run serially, uninterrupted: what every other way must reproduce."""
    folder = tmp_path_factory.mktemp("ref")
    (folder / "tiny.yaml").write_text(TINY)
    outcome = run_sweep(folder / "tiny.yaml", out=folder / "out", executor="serial",
                        chunk_runs=2)
    assert outcome.status == "complete" and outcome.ok == 6
    return folder / "out"


def test_result_store_layout(reference: Path) -> None:
    results = load_results(reference)
    runs = results.runs
    assert list(runs["run_id"]) == list(range(6))
    assert list(runs["point_id"]) == [0, 0, 0, 1, 1, 1]
    assert list(runs["replicate"]) == [0, 1, 2, 0, 1, 2]
    assert list(runs["cooperation.level"]) == [0.25] * 3 + [0.8] * 3
    assert set(runs["status"]) == {"ok"} and runs["error"].isna().all()
    assert (runs["seed_entropy"] == 11).all()
    assert [json.loads(k) for k in runs["spawn_key"]] == [[i] for i in range(6)]
    assert {"destabilized_tjk", "trafficking_north_share", "elapsed_s"} <= set(runs.columns)
    ts = results.timeseries
    assert list(ts.columns[:3]) == ["run_id", "step", "date"]
    # Each run: early 2010, the 48 history months, then 12 scenario months.
    assert len(ts) == 6 * 61 and ts.groupby("run_id").size().eq(61).all()
    assert ts["step"].min() == -48 and ts["step"].max() == 12
    m = results.manifest
    assert m["schema_version"] == SCHEMA_VERSION and m["status"] == "complete"
    assert m["counts"] == {"total": 6, "ok": 6, "failed": 0, "pending": 0}
    assert m["design"]["points"] == [[0.25], [0.8]]
    assert m["environment"]["packages"]["mesa"].startswith("3.5")
    assert m["sweep_file"]["contents"]["name"] == "tiny"
    assert len(m["chunks"]) == 3  # chunk_runs=2: written as runs finished, not at the end
    assert results.series(columns=["intl_troops"], run_ids=[4]).shape == (61, 4)
    cells = results.cells()
    assert list(cells.columns) == ["run_id", "cell", *m["columns"]["cells"]]
    assert sorted(set(cells["run_id"])) == list(range(6))
    assert cells.groupby("run_id").size().min() >= 2102  # every study-state cell at 0.5°
    assert results.cells(columns=["fatalities"], run_ids=[2])["run_id"].eq(2).all()


def test_a_run_matches_the_same_run_done_alone(reference: Path) -> None:
    import numpy as np

    from stability_sim.config import load_scenario
    from stability_sim.model import StabilityModel

    results = load_results(reference)
    sc = load_scenario(SCENARIO_DIR / "baseline.yaml",
                       ["grid.resolution=0.5", "months=12", "cooperation.level=0.8"])
    model = StabilityModel(sc, rng=np.random.SeedSequence(11).spawn(6)[4])
    summary = model.run()
    row = results.runs.iloc[4]
    for key, value in summary.items():
        assert row[key] == value or (value is None and pd.isna(row[key])), key


def test_local_pool_gives_identical_results(tiny: Path, reference: Path) -> None:
    out = tiny.parent / "local"
    outcome = run_sweep(tiny, out=out, executor="local", workers=2, chunk_runs=1)
    assert outcome.ok == 6
    assert_same(reference, out)


def test_dask_local_cluster_gives_identical_results(tiny: Path, reference: Path) -> None:
    pytest.importorskip("distributed")
    out = tiny.parent / "dask"
    outcome = run_sweep(tiny, out=out, executor="dask", workers=2, chunk_runs=4)
    assert outcome.ok == 6
    assert load_results(out).manifest["sessions"][0]["executor"]["kind"] == "dask"
    assert_same(reference, out)


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tiny: Path, reference: Path,
                                                          monkeypatch: pytest.MonkeyPatch):
    from stability_sim.model import StabilityModel

    original = StabilityModel.step

    def step(self):  # the run with spawn key (4,) breaks in its third month
        if self.spawn_key == (4,) and self.steps == 2:
            raise ZeroDivisionError("injected failure")
        original(self)

    monkeypatch.setattr(StabilityModel, "step", step)
    out = tiny.parent / "failing"
    outcome = run_sweep(tiny, out=out, executor="serial")
    assert (outcome.ok, outcome.failed, outcome.status) == (5, 1, "complete")
    runs, ts, cells = frames(out)
    bad = runs[runs["status"] == "failed"]
    assert list(bad["run_id"]) == [4]
    assert bad["error"].iloc[0] == "ZeroDivisionError: injected failure"
    assert bad["destabilized_tjk"].isna().all()
    assert 4 not in set(ts["run_id"])
    assert 4 not in set(cells["run_id"])
    assert "injected failure" in (out / "failed.log").read_text()
    good, *_ = frames(reference)
    # Same values; only the dtype of outcome columns holding a null (object) differs.
    pd.testing.assert_frame_equal(runs[runs["run_id"] != 4], good[good["run_id"] != 4],
                                  check_dtype=False)


def test_cli_exit_code_counts_failures(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stability_sim.model import StabilityModel

    def step(self):
        raise RuntimeError("always")

    monkeypatch.setattr(StabilityModel, "step", step)
    result = CliRunner().invoke(app, ["sweep", str(tiny), "--executor", "serial",
                                      "--out", str(tiny.parent / "allfail")])
    assert result.exit_code == 100 + 6, result.output
    assert "6 runs failed" in result.stderr


def test_existing_results_are_refused_without_resume_or_overwrite(tiny: Path) -> None:
    out = tiny.parent / "again"
    run_sweep(tiny, out=out, executor="serial")
    with pytest.raises(UserError, match=r"--resume .* or --overwrite"):
        run_sweep(tiny, out=out, executor="serial")
    again = run_sweep(tiny, out=out, executor="serial", resume=True)
    assert (again.ran, again.ok, again.status) == (0, 6, "complete")
    fresh = run_sweep(tiny, out=out, executor="serial", overwrite=True)
    assert fresh.ran == 6


def test_resume_with_a_changed_sweep_is_refused(tiny: Path) -> None:
    out = tiny.parent / "changed"
    run_sweep(tiny, out=out, executor="serial")
    tiny.write_text(TINY.replace("seed: 11", "seed: 12"))
    with pytest.raises(UserError, match="different sweep"):
        run_sweep(tiny, out=out, executor="serial", resume=True)
    tiny.write_text(TINY)
    with pytest.raises(UserError, match="different sweep"):
        run_sweep(tiny, out=out, executor="serial", resume=True,
                  overrides=["attacks.base_rate=0.01"])


def test_a_folder_that_is_not_a_sweep_is_never_deleted(tiny: Path) -> None:
    out = tiny.parent / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    for flags in ({}, {"overwrite": True}, {"resume": True}):
        with pytest.raises(UserError, match="not a sweep results folder"):
            run_sweep(tiny, out=out, executor="serial", **flags)
    assert (out / "thesis.tex").read_text() == "precious"


# make test covers SIGKILL and resume in tests/reliability/test_crash_safety.py (three kills
# at random points); this 17 s version runs with --runslow.
@pytest.mark.slow
def test_resume_after_sigkill_gives_identical_results(tiny: Path, reference: Path) -> None:
    """Kill the whole process group (driver and workers) mid-sweep, then resume."""
    out = tiny.parent / "killed"
    slow = tiny.parent / "slow.yaml"  # 4x the runs, so there is time to kill it mid-way
    slow.write_text(TINY.replace("replications: 3", "replications: 12"))
    cmd = [sys.executable, "-m", "stability_sim.cli", "sweep", str(slow), "--out", str(out),
           "--workers", "2", "--chunk-runs", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    manifest = out / "manifest.json"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if manifest.is_file() and len(read_state(out)[0]["chunks"]) >= 3:
                break
            time.sleep(0.05)
        assert proc.poll() is None, proc.stderr.read().decode()
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(30)
        proc.stderr.close()
    partial = read_state(out)[0]
    assert partial["status"] == "running" and 3 <= len(partial["chunks"]) < 24
    assert not (out / "runs.parquet").exists()
    outcome = run_sweep(slow, out=out, executor="serial", resume=True)
    assert outcome.status == "complete" and outcome.ok == 24
    assert outcome.ran == 24 - sum(c["n_runs"] for c in partial["chunks"])
    whole = tiny.parent / "whole"
    run_sweep(slow, out=whole, executor="serial")
    assert_same(whole, out)
    assert load_results(out).runs["run_id"].is_unique


def test_uncommitted_and_damaged_chunks_are_redone(tiny: Path, reference: Path) -> None:
    out = tiny.parent / "damaged"
    run_sweep(tiny, out=out, executor="serial", chunk_runs=2)
    manifest = json.loads((out / "manifest.json").read_text())
    # A crash between writing a chunk and committing it leaves files the manifest does not
    # list; an edited chunk no longer matches its checksum.
    (out / "parts" / "runs-000099.parquet").write_bytes(b"half a file")
    (out / "timeseries" / ".part-000100.parquet.x.tmp").write_bytes(b"")
    damaged = out / manifest["chunks"][1]["runs"]
    damaged.write_bytes(damaged.read_bytes()[:-20])
    with pytest.raises(UserError, match="checksum"):
        load_results(out)
    outcome = run_sweep(tiny, out=out, executor="serial", resume=True)
    assert outcome.ran == 2 and outcome.status == "complete"
    assert any("damaged" in note for note in outcome.notes)
    assert not (out / "parts" / "runs-000099.parquet").exists()
    assert_same(reference, out)


# 35 s of ten-year runs; make test covers the same path in tests/reliability/test_stops.py
# (a signal to the group mid-sweep, and SIGINT while the workers start), so this full-length
# version runs with --runslow.
@pytest.mark.slow
def test_sigint_saves_finished_runs_and_exits_130(tiny: Path, reference: Path) -> None:
    out = tiny.parent / "interrupted"
    slow = tiny.parent / "slow.yaml"
    # Ten-year runs (about 0.6 s each): the sweep lasts several seconds.
    slow.write_text(TINY.replace("replications: 3", "replications: 12")
                    .replace("months: 12", "months: 120"))
    cmd = [sys.executable, "-m", "stability_sim.cli", "sweep", str(slow), "--out", str(out),
           "--workers", "2", "--chunk-runs", "50"]
    # A shell starts background jobs with SIGINT ignored, and Python keeps it so (as it
    # should); give the sweep the default disposition, as a terminal's Ctrl-C would find.
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (out / "manifest.json").is_file():
        time.sleep(0.05)
    time.sleep(3.0)  # the workers start and a few runs finish; none is written (chunks of 50)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()
    assert b"--resume" in err and b"Traceback" not in err
    saved = json.loads((out / "manifest.json").read_text())
    assert saved["status"] == "interrupted"
    outcome = run_sweep(slow, out=out, executor="serial", resume=True)
    assert outcome.ok == 24 and outcome.ran == 24 - saved["counts"]["ok"]


def test_ctrl_c_saves_the_buffered_runs(tiny: Path, reference: Path) -> None:
    """Ctrl-C after the third run, with chunks of 50: the three are written, not lost."""
    from stability_sim.experiments import SweepInterrupted

    out = tiny.parent / "ctrl-c"

    def progress(done: int, failed: int, total: int) -> None:
        if done == 3:
            raise KeyboardInterrupt  # where a real Ctrl-C would land in the driver

    with pytest.raises(SweepInterrupted) as stop:
        run_sweep(tiny, out=out, executor="local", workers=2, chunk_runs=50,
                  progress=progress)
    assert stop.value.saved == 3
    saved = load_results(out)
    assert saved.manifest["status"] == "interrupted" and len(saved.runs) == 3
    assert run_sweep(tiny, out=out, executor="serial", resume=True).ran == 3
    assert_same(reference, out)


def test_load_results_refuses_what_is_not_results(tmp_path: Path, reference: Path) -> None:
    with pytest.raises(UserError, match="no manifest"):
        load_results(tmp_path)
    old = tmp_path / "old"
    old.mkdir()
    manifest = json.loads((reference / "manifest.json").read_text())
    manifest["schema_version"] = 0
    (old / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(UserError, match="format version 0"):
        load_results(old)
    missing = tmp_path / "missing"
    missing.mkdir()
    (missing / "manifest.json").write_text((reference / "manifest.json").read_text())
    with pytest.raises(UserError, match="missing"):
        load_results(missing)


def test_an_older_format_folder_is_overwritten_but_not_resumed(tiny: Path,
                                                               reference: Path) -> None:
    import shutil

    out = tiny.parent / "older"
    shutil.copytree(reference, out)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["schema_version"] = 1
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(UserError, match="format version 1"):
        run_sweep(tiny, out=out, executor="serial", resume=True)
    assert run_sweep(tiny, out=out, executor="serial", overwrite=True).ok == 6
    assert_same(reference, out)


def test_a_crash_before_the_first_manifest_does_not_block_a_rerun(tiny: Path) -> None:
    out = tiny.parent / "early"
    (out / "parts").mkdir(parents=True)
    (out / "timeseries").mkdir()
    (out / ".lock").touch()
    assert run_sweep(tiny, out=out, executor="serial").ok == 6


def test_a_second_sweep_into_the_same_folder_is_refused_while_one_runs(tiny: Path) -> None:
    from stability_sim.experiments.spec import load_sweep
    from stability_sim.experiments.store import ResultStore

    out = tiny.parent / "busy"
    store = ResultStore.open(out, load_sweep(tiny), resume=False, overwrite=False,
                             executor={"kind": "serial"})
    try:
        with pytest.raises(UserError, match="another sweep is writing"):
            run_sweep(tiny, out=out, executor="serial", resume=True)
    finally:
        store.close()


def test_a_run_that_kills_its_worker_is_failed_and_the_rest_complete(tiny: Path,
                                                                      reference: Path) -> None:
    from stability_sim.experiments.executors import LocalExecutor
    from stability_sim.experiments.spec import load_sweep
    from tests.experiments.tasks import DOOMED, die_on_doomed

    sweep = load_sweep(tiny)
    with LocalExecutor(2, task=die_on_doomed) as pool:
        results = {r.run_id: r for r in pool.results(sweep.runs())}
    assert sorted(results) == list(range(6))
    assert results[DOOMED].row["status"] == "failed"
    assert "worker process died" in results[DOOMED].row["error"]
    good = load_results(reference).runs.set_index("run_id")
    for run_id, result in results.items():
        if run_id != DOOMED:
            assert result.row["status"] == "ok"
            assert result.row["attacks_central_asia_total"] == \
                good.loc[run_id, "attacks_central_asia_total"]
