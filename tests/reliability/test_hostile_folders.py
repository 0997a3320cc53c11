"""A results folder is untrusted input; resumes never mix models; storage failures are one line.

Issue 14, items 1, 2, 4, 8, 9 and 11: each test here failed on 723134c. A crafted
manifest or journal must not make stability_sim read, write or delete anything outside
the folder; links inside the folder are refused; a resume of another model is refused
unless asked for; a full or read-only disk is one line that leaves a resumable folder;
``--overwrite`` removes the old report; a commit does not rewrite the manifest.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from stability_sim import params
from stability_sim.errors import UserError
from stability_sim.experiments import load_results, run_sweep
from stability_sim.experiments import store as store_module
from stability_sim.experiments.store import StorageError, read_state
from tests.reliability.common import ROOT, sweep_text
from tests.sweep_results import assert_same

FOUR = sweep_text(replications=2)  # 4 runs


@pytest.fixture(scope="module")
def complete(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete sweep of 4 runs in 4 chunks."""
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "sweep.yaml").write_text(FOUR)
    outcome = run_sweep(folder / "sweep.yaml", out=folder / "out", executor="serial",
                        chunk_runs=1)
    assert outcome.ok == 4
    return folder / "out"


@pytest.fixture
def copy(complete: Path, tmp_path: Path) -> Path:
    shutil.copytree(complete, tmp_path / "out")
    shutil.copy(complete.parent / "sweep.yaml", tmp_path / "sweep.yaml")
    return tmp_path / "out"


def edit(folder: Path, change: Callable[[dict[str, Any]], None]) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    change(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1))


def cli(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """``stability-sim ARGS`` in a subprocess: exit code and one-line stderr are checked."""
    return subprocess.run([sys.executable, "-m", "stability_sim.cli", *map(str, args)],
                          cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "400"})


def one_line(proc: subprocess.CompletedProcess[str], code: int, *needles: str) -> str:
    """The single ``error:`` line of a refused command; it holds every needle.

    A progress bar drawn before the failure may stand above it.
    """
    lines = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr and len(lines) == 1, proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


# ---------------------------------------------------------------- 1. crafted manifests
@pytest.mark.parametrize("name", ["timeseries/../../victim.parquet", "ABSOLUTE"])
def test_a_chunk_path_outside_the_folder_is_never_deleted(copy: Path, name: str) -> None:
    """On 723134c a resume deleted the file a crafted entry named (checksum mismatch)."""
    victim = copy.parent / "victim.parquet"
    victim.write_bytes(b"the user's own file")
    target = str(victim) if name == "ABSOLUTE" else name
    edit(copy, lambda m: m["chunks"][1].update(timeseries=target))
    proc = cli("sweep", copy.parent / "sweep.yaml", "--out", copy, "--resume",
               "--executor", "serial")
    one_line(proc, 2, "manifest.json", "chunks[1]", "'timeseries/part-000001.parquet'")
    assert victim.read_bytes() == b"the user's own file"


def test_a_chunk_path_outside_the_folder_is_never_read(copy: Path) -> None:
    """On 723134c load_results read a chunk from wherever its entry pointed."""
    outside = copy.parent / "elsewhere.parquet"
    shutil.move(copy / "timeseries/part-000002.parquet", outside)
    edit(copy, lambda m: m["chunks"][2].update(timeseries=str(outside)))
    with pytest.raises(UserError, match=r"chunks\[2\].*never followed"):
        load_results(copy)


@pytest.mark.parametrize(("change", "needle"), [
    (lambda m: m.update(chunks=None), "chunks: must be a list"),
    (lambda m: m["design"]["points"][0].__setitem__(0, "abc"),
     "design.points[0].cooperation.level: must be a number"),
    (lambda m: m["design"].update(parameters=["no.such"]), "unknown parameter"),
    (lambda m: m["chunks"][0].update(n_runs="1"), "n_runs must be a non-negative integer"),
    (lambda m: m["chunks"][0].update(runs_sha256=None), "runs_sha256 must be 64"),
    (lambda m: m.update(point_base=[0, 7]), "point_base: must be a base scenario index"),
    (lambda m: m["base_scenarios"][0]["resolved"]["grid"].update(resolution="x"),
     "base_scenarios: must be a list of scenarios"),
    (lambda m: m.update(sessions={}), "sessions: must be a non-empty list"),
], ids=["chunks-null", "design-text", "unknown-param", "n_runs-text", "sha-null",
        "point_base", "resolution", "sessions"])
def test_a_malformed_manifest_is_one_line(copy: Path, change: Any, needle: str) -> None:
    """On 723134c these were tracebacks, or errors deep in a plot."""
    edit(copy, change)
    with pytest.raises(UserError) as error:
        load_results(copy)
    line = str(error.value)
    assert "manifest.json" in line and needle in line and "\n" not in line, line


def test_a_malformed_manifest_is_one_line_in_report(copy: Path) -> None:
    """The same through the real command: one line, exit 2, no traceback."""
    edit(copy, lambda m: m["design"]["points"][0].__setitem__(0, "abc"))
    one_line(cli("report", copy, "--out", copy.parent / "report"), 2, "manifest.json",
             "design.points[0].cooperation.level: must be a number")


def test_a_chunk_of_another_layout_is_refused_though_its_checksum_matches(
        copy: Path, complete: Path) -> None:
    """A cells file put where a time-series file belongs, its checksum updated to match."""
    ts = copy / "timeseries/part-000001.parquet"
    shutil.copy(copy / "cells/part-000001.parquet", ts)
    digest = store_module.sha256(ts)
    edit(copy, lambda m: m["chunks"][1].update(timeseries_sha256=digest))
    with pytest.raises(UserError, match="does not have the columns of this sweep's timeseries"):
        load_results(copy)
    outcome = run_sweep(copy.parent / "sweep.yaml", out=copy, executor="serial", resume=True)
    assert outcome.ran == 1 and any("another layout" in n for n in outcome.notes)
    assert_same(complete, copy)


def test_runs_parquet_must_hold_the_chunks_runs(copy: Path) -> None:
    """A complete folder whose runs.parquet was swapped for another sweep's rows."""
    table = pq.read_table(copy / "runs.parquet")
    table = table.set_column(0, "run_id", [[r + 10 for r in table.column("run_id").to_pylist()]])
    pq.write_table(table, copy / "runs.parquet")
    digest = store_module.sha256(copy / "runs.parquet")
    edit(copy, lambda m: m.update(runs={"file": "runs.parquet", "sha256": digest}))
    with pytest.raises(UserError, match="does not hold the runs of the chunks"):
        load_results(copy)


def test_a_damaged_journal_line_is_refused_and_redone(copy: Path, complete: Path) -> None:
    """The last chunk's entry moved from the manifest to the journal, then edited."""
    manifest = json.loads((copy / "manifest.json").read_text())
    last = manifest["chunks"].pop()
    manifest.update(status="running", runs=None)
    (copy / "manifest.json").write_text(json.dumps(manifest))
    (copy / "runs.parquet").unlink()
    line = json.dumps(last, sort_keys=True, separators=(",", ":"))
    (copy / "chunks.jsonl").write_text(f"{line}\t{'0' * 16}\n")
    with pytest.raises(UserError, match=r"chunks\.jsonl line 1 is damaged"):
        load_results(copy)
    outcome = run_sweep(copy.parent / "sweep.yaml", out=copy, executor="serial", resume=True)
    assert outcome.ran == 1 and outcome.status == "complete"
    assert not (copy / "chunks.jsonl").exists()
    assert_same(complete, copy)


# ---------------------------------------------------------------- 2. model versions
@pytest.fixture
def half(tmp_path: Path) -> Path:
    """A sweep stopped after 2 of its 4 runs (as Ctrl-C leaves it)."""
    (tmp_path / "sweep.yaml").write_text(FOUR)
    calls = []

    def stop(done: int, failed: int, total: int) -> None:
        calls.append(done)
        if done >= 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(tmp_path / "sweep.yaml", out=tmp_path / "out", executor="serial",
                  chunk_runs=1, progress=stop)
    assert read_state(tmp_path / "out")[0]["counts"]["ok"] == 2
    return tmp_path / "out"


@pytest.fixture
def changed_default(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A model whose default changed since the first session (as a code change does)."""
    name = "jihadists.imu.initial_fighters"
    old = params.REGISTRY[name]
    monkeypatch.setitem(params.REGISTRY, name, dataclasses.replace(old, default=old.default * 3))
    yield


def test_a_resume_of_a_changed_model_is_refused(half: Path, changed_default: None) -> None:
    """On 723134c the resume went on, mixing runs of two models in one 'complete' sweep."""
    with pytest.raises(UserError, match="another model: the resolved parameters") as error:
        run_sweep(half.parent / "sweep.yaml", out=half, executor="serial", resume=True)
    assert "--allow-version-change" in str(error.value)
    assert read_state(half)[0]["counts"]["ok"] == 2  # nothing touched


def test_a_resume_of_changed_code_names_what_changed(half: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from stability_sim.experiments import provenance

    monkeypatch.setattr(provenance, "code_digest", lambda: "0" * 64)
    real = provenance.metadata.version
    monkeypatch.setattr(provenance.metadata, "version",
                        lambda name: "9.9" if name == "numpy" else real(name))
    with pytest.raises(UserError) as error:
        run_sweep(half.parent / "sweep.yaml", out=half, executor="serial", resume=True)
    line = str(error.value)
    assert "the stability_sim code" in line and "numpy" in line and "→ 9.9" in line


def test_allow_version_change_resumes_and_records_it(half: Path,
                                                     changed_default: None) -> None:
    outcome = run_sweep(half.parent / "sweep.yaml", out=half, executor="serial", resume=True,
                        allow_version_change=True)
    assert outcome.status == "complete" and outcome.ran == 2
    assert any("model changed" in note for note in outcome.notes)
    sessions = json.loads((half / "manifest.json").read_text())["sessions"]
    assert "allowed_version_change" not in sessions[0]
    assert "resolved parameters" in sessions[1]["allowed_version_change"][0]
    assert sessions[0]["environment"]["points"] != sessions[1]["environment"]["points"]


def test_every_session_records_code_libraries_and_points(half: Path) -> None:
    run_sweep(half.parent / "sweep.yaml", out=half, executor="serial", resume=True)
    sessions = json.loads((half / "manifest.json").read_text())["sessions"]
    assert len(sessions) == 2
    for session in sessions:
        record = session["environment"]
        assert len(record["code"]) == 64 and len(record["points"]) == 64
        assert {"numpy", "mesa", "pyarrow"} <= set(record["packages"])
        assert "git_commit" in record and "git_dirty" in record


@pytest.fixture
def with_failures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A complete sweep whose runs 1 and 2 failed."""
    from stability_sim.model import StabilityModel

    original = StabilityModel.step

    def step(self: Any) -> None:
        if self.spawn_key in ((1,), (2,)):
            raise ZeroDivisionError("injected failure")
        original(self)

    (tmp_path / "sweep.yaml").write_text(FOUR)
    with monkeypatch.context() as patch:
        patch.setattr(StabilityModel, "step", step)
        outcome = run_sweep(tmp_path / "sweep.yaml", out=tmp_path / "out", executor="serial",
                            chunk_runs=3)
    assert outcome.failed == 2
    return tmp_path / "out"


def test_resume_runs_failed_runs_again(with_failures: Path, complete: Path) -> None:
    """On 723134c a resume of a complete sweep with failures ran nothing."""
    outcome = run_sweep(with_failures.parent / "sweep.yaml", out=with_failures,
                        executor="serial", resume=True)
    assert (outcome.ran, outcome.ok, outcome.failed) == (2, 4, 0)
    assert any("2 failed run(s) will be run again" in n for n in outcome.notes)
    assert_same(complete, with_failures)


def test_keep_failed_keeps_them(with_failures: Path) -> None:
    outcome = run_sweep(with_failures.parent / "sweep.yaml", out=with_failures,
                        executor="serial", resume=True, retry_failed=False)
    assert (outcome.ran, outcome.failed) == (0, 2)


# ---------------------------------------------------------------- 4. links
@pytest.mark.parametrize("name", [".lock", "failed.log", "chunks.jsonl"])
def test_a_linked_file_is_refused_and_its_target_never_created(copy: Path, name: str) -> None:
    """On 723134c ``.lock`` and ``failed.log`` were opened through the link (append mode)."""
    target = copy.parent / f"made-{name.strip('.')}"
    (copy / name).unlink(missing_ok=True)
    (copy / name).symlink_to(target)
    proc = cli("sweep", copy.parent / "sweep.yaml", "--out", copy, "--resume",
               "--executor", "serial")
    one_line(proc, 2, name, "symbolic link")
    assert not target.exists()


# The three folders take the same path; two of them run with --runslow (make test < 15 min).
@pytest.mark.parametrize("sub", ["parts", pytest.param("timeseries", marks=pytest.mark.slow),
                                 pytest.param("cells", marks=pytest.mark.slow)])
def test_a_linked_chunk_folder_is_refused_and_overwrite_recovers(copy: Path, complete: Path,
                                                                 sub: str) -> None:
    """On 723134c a linked parts/ was written through; then neither --resume nor
    --overwrite accepted the folder."""
    elsewhere = copy.parent / "elsewhere"
    shutil.move(copy / sub, elsewhere)
    (copy / sub).symlink_to(elsewhere)
    before = sorted(p.name for p in elsewhere.iterdir())
    proc = cli("sweep", copy.parent / "sweep.yaml", "--out", copy, "--resume",
               "--executor", "serial")
    one_line(proc, 2, sub, "symbolic link", "--overwrite")
    with pytest.raises(UserError, match="symbolic link"):
        load_results(copy)
    proc = cli("sweep", copy.parent / "sweep.yaml", "--out", copy, "--overwrite",
               "--executor", "serial")
    assert proc.returncode == 0, proc.stderr
    assert not (copy / sub).is_symlink() and sorted(p.name for p in elsewhere.iterdir()) == before
    assert_same(complete, copy)


def test_a_linked_chunk_file_is_refused(copy: Path) -> None:
    real = copy / "cells/part-000000.parquet"
    shutil.move(real, copy.parent / "cells.parquet")
    real.symlink_to(copy.parent / "cells.parquet")
    with pytest.raises(UserError, match=r"part-000000\.parquet: is a symbolic link"):
        load_results(copy)


def test_report_figures_link_is_refused(copy: Path) -> None:
    """On 723134c the figures landed in the link's target."""
    elsewhere = copy.parent / "figs"
    elsewhere.mkdir()
    (copy / "report").mkdir()
    (copy / "report/figures").symlink_to(elsewhere)
    one_line(cli("report", copy), 2, "figures", "symbolic link")
    assert not any(elsewhere.iterdir())


# ---------------------------------------------------------------- 9. --overwrite
def test_overwrite_removes_the_old_report(copy: Path) -> None:
    """On 723134c report/ of the previous sweep survived beside the new results."""
    (copy / "report").mkdir()
    (copy / "report/report.md").write_text("# an old report")
    run_sweep(copy.parent / "sweep.yaml", out=copy, executor="serial", overwrite=True)
    assert not (copy / "report").exists()


# ---------------------------------------------------------------- 11. commit cost
def test_a_commit_appends_to_the_journal_and_leaves_the_manifest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On 723134c every chunk rewrote the whole manifest (1.3 s a commit at 40,000 chunks).

    Now the manifest is written when a session opens and when it closes; each of the
    4 commits is one journal line.
    """
    writes: list[str] = []
    real = store_module.atomic_write_bytes

    def counting(path: Path, data: bytes) -> None:
        writes.append(path.name)
        real(path, data)

    monkeypatch.setattr(store_module, "atomic_write_bytes", counting)
    lines: list[int] = []
    out = tmp_path / "out"

    def progress(done: int, failed: int, total: int) -> None:
        if (out / "chunks.jsonl").exists():
            lines.append(len((out / "chunks.jsonl").read_text().splitlines()))

    (tmp_path / "sweep.yaml").write_text(FOUR)
    run_sweep(tmp_path / "sweep.yaml", out=out, executor="serial", chunk_runs=1,
              progress=progress)
    assert writes.count("manifest.json") == 2
    assert lines == [0, 1, 2, 3, 4]  # one line a commit; compacted at the close
    assert not (out / "chunks.jsonl").exists()
    assert len(json.loads((out / "manifest.json").read_text())["chunks"]) == 4


# ---------------------------------------------------------------- 8. storage failures
def _mount(folder: Path, size: str) -> None:
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                   check=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 160 kB tmpfs (root only): the 4-run sweep needs about 290 kB."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small file system needs root")
    disk = tmp_path / "disk"
    try:
        _mount(disk, "160k")
    except (subprocess.CalledProcessError, OSError):
        pytest.skip("cannot mount tmpfs here")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


@pytest.mark.disk_size
def test_a_full_disk_is_one_line_and_the_folder_resumes(small_disk: Path,
                                                        complete: Path) -> None:
    sweep = small_disk.parent / "sweep.yaml"
    sweep.write_text(FOUR)
    out = small_disk / "o"
    proc = cli("sweep", sweep, "--out", out, "--executor", "serial", "--chunk-runs", "1")
    line = one_line(proc, 3, "No space left on device", "--resume")
    assert str(small_disk) in line
    subprocess.run(["mount", "-o", "remount,size=20m", str(small_disk)], check=True)
    proc = cli("sweep", sweep, "--out", out, "--executor", "serial", "--resume")
    assert proc.returncode == 0, proc.stderr
    assert_same(complete, out)


@pytest.mark.disk_size
def test_a_read_only_folder_is_one_line_in_sweep_resume_and_report(small_disk: Path,
                                                                   complete: Path) -> None:
    subprocess.run(["mount", "-o", "remount,size=20m", str(small_disk)], check=True)
    out = small_disk / "o"
    shutil.copytree(complete, out)
    shutil.rmtree(out / "parts")  # so the resume has runs to do
    (out / "parts").mkdir()
    sweep = small_disk.parent / "sweep.yaml"
    sweep.write_text(FOUR)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    one_line(cli("sweep", sweep, "--out", out, "--executor", "serial", "--resume"), 3,
             "Read-only file system", "make it writable", "--resume")
    one_line(cli("report", complete, "--out", small_disk / "rep"), 3,
             "Read-only file system", "run the report again")
    subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    assert cli("sweep", sweep, "--out", out, "--executor", "serial",
               "--resume").returncode == 0
    assert_same(complete, out)


def test_a_storage_error_in_python_is_a_storage_error(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """In a notebook: StorageError (a UserError, exit code 3) and the folder resumes."""
    real = store_module.atomic_write_bytes
    calls = []

    def full(path: Path, data: bytes) -> None:
        calls.append(path)
        if len(calls) == 5:
            raise OSError(28, "No space left on device", str(path))
        real(path, data)

    monkeypatch.setattr(store_module, "atomic_write_bytes", full)
    (tmp_path / "sweep.yaml").write_text(FOUR)
    with pytest.raises(StorageError) as error:
        run_sweep(tmp_path / "sweep.yaml", out=tmp_path / "out", executor="serial",
                  chunk_runs=1)
    assert error.value.exit_code == 3 and "No space left" in str(error.value)
    monkeypatch.setattr(store_module, "atomic_write_bytes", real)
    outcome = run_sweep(tmp_path / "sweep.yaml", out=tmp_path / "out", executor="serial",
                        resume=True)
    assert outcome.status == "complete" and outcome.ok == 4
