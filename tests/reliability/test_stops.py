"""Stops: SIGTERM, SIGHUP and a lost Dask scheduler end a sweep as Ctrl-C does.

Each test runs the real CLI in its own session (``start_new_session``), stops it the way
an operator, a terminal or a cluster would, and checks the exit code, that no process of
the session is left, that the manifest says ``interrupted`` and that a resume gives the
results of an uninterrupted sweep.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stability_sim.cli.main import app
from stability_sim.experiments import load_results, run_sweep
from tests.reliability.common import ROOT, committed, sweep_text, wait_for
from tests.sweep_results import assert_same

#: Twelve five-year runs (about 0.3 s each): a few seconds with two workers.
TEXT = sweep_text(months=60, replications=6)
TOTAL = 12
#: Generous bounds: two shared cores.
EXIT_S = 60.0
GONE_S = 20.0


def _default_stops() -> None:
    # A shell starts background jobs with SIGINT ignored and nohup ignores SIGHUP; Python
    # keeps both so. Give the command the dispositions a terminal would.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)


def launch(args: list[str], log: Path, env: dict[str, str] | None = None,
           module: str = "stability_sim.cli") -> subprocess.Popen[bytes]:
    """Start ``python -m MODULE ARGS`` in a new session; stderr to ``log``."""
    with open(log, "ab") as handle:
        return subprocess.Popen([sys.executable, "-m", module, *args], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=handle,
                                start_new_session=True, preexec_fn=_default_stops,
                                env={**os.environ, "COLUMNS": "300", **(env or {})})


def group(pgid: int) -> list[int]:
    """The live processes of process group ``pgid`` (zombies count as gone)."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(entry.name))
    return alive


def pool_workers(pgid: int) -> list[int]:
    """The multiprocessing workers (exec'd, so past the fork) of process group ``pgid``."""
    found = []
    for pid in group(pgid):
        with contextlib.suppress(OSError):
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
    return found


def shielded(pid: int) -> bool:
    """Whether SIGINT, SIGTERM and SIGHUP are each blocked or ignored in process ``pid``."""
    status = dict(line.split(":\t", 1) for line in
                  Path(f"/proc/{pid}/status").read_text().splitlines() if ":\t" in line)
    masked = int(status["SigBlk"], 16) | int(status["SigIgn"], 16)
    return all(masked >> (signum - 1) & 1
               for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP))


@contextlib.contextmanager
def session(proc: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    """Yield ``proc``; whatever happens, SIGKILL what is left of its session after."""
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)


def assert_all_gone(pgid: int) -> None:
    """No process of the group is left (the resource tracker may take a moment)."""
    assert wait_for(lambda: not group(pgid), timeout=GONE_S), \
        f"left running: {[Path(f'/proc/{p}/cmdline').read_bytes()[:120] for p in group(pgid)]}"


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


def write_sweep(tmp_path: Path) -> Path:
    path = tmp_path / "sweep.yaml"
    path.write_text(TEXT)
    return path


# ------------------------------------------------------------------ signals, local pool
@pytest.mark.parametrize(("signum", "to_group", "when"), [
    (signal.SIGTERM, False, "running"),   # kill PID, systemctl stop with KillMode=mixed
    (signal.SIGHUP, True, "running"),     # the terminal or SSH session closed
    (signal.SIGINT, True, "starting"),    # Ctrl-C while the workers are still importing
    (signal.SIGTERM, True, "starting"),   # a batch system stopping the job's group
], ids=["term-driver", "hup-group", "int-group-at-start", "term-group-at-start"])
def test_a_stop_signal_saves_runs_stops_every_process_and_resumes(
        tmp_path: Path, reference_of, signum: int, to_group: bool, when: str) -> None:
    sweep, out, log = write_sweep(tmp_path), tmp_path / "out", tmp_path / "err.log"
    proc = launch(["sweep", str(sweep), "--out", str(out), "--workers", "2",
                   "--chunk-runs", "2"], log)
    with session(proc):
        if when == "running":
            assert wait_for(lambda: committed(out) >= 1, proc), log.read_text()
        else:
            # The flake of test_sigint_saves_finished_runs_and_exits_130: a group signal
            # while the workers import (about a second) killed them with tracebacks, before
            # their initializer could ignore it. A worker is shielded from its first
            # instruction now; the signal lands in the middle of the imports.
            assert wait_for(lambda: len(pool_workers(proc.pid)) >= 2, proc), log.read_text()
            with contextlib.suppress(OSError):  # a worker may end meanwhile: fine
                assert all(shielded(pid) for pid in pool_workers(proc.pid))
            time.sleep(0.7)
        assert proc.poll() is None, "the sweep ended before it could be stopped"
        if to_group:
            os.killpg(proc.pid, signum)
        else:
            os.kill(proc.pid, signum)
        code = proc.wait(EXIT_S)
        err = log.read_text()
        assert code == 128 + signum, err
        assert "Traceback" not in err, err
        assert f"--resume --out {out}" in err.strip().splitlines()[-1]
        assert_all_gone(proc.pid)
    saved = manifest(out)
    assert saved["status"] == "interrupted" and saved["counts"]["failed"] == 0
    assert saved["counts"]["ok"] == sum(c["n_runs"] for c in saved["chunks"]) < TOTAL
    if signum == signal.SIGTERM and when == "running":  # one resume is enough here
        outcome = run_sweep(sweep, out=out, executor="serial", resume=True)
        assert outcome.status == "complete" and outcome.ran == TOTAL - saved["counts"]["ok"]
        assert_same(reference_of(TEXT), out)


def test_workers_die_with_a_driver_killed_outright(tmp_path: Path) -> None:
    """SIGKILL to the driver alone (the OOM killer): its workers do not live on as orphans."""
    sweep, out, log = write_sweep(tmp_path), tmp_path / "out", tmp_path / "err.log"
    proc = launch(["sweep", str(sweep), "--out", str(out), "--workers", "2"], log)
    with session(proc):
        assert wait_for(lambda: len(pool_workers(proc.pid)) >= 2, proc), log.read_text()
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(EXIT_S) == -signal.SIGKILL
        assert_all_gone(proc.pid)


def test_a_signal_during_a_commit_waits_for_the_commit(tmp_path: Path) -> None:
    """SIGTERM in the middle of a (slowed) chunk commit: the chunk is committed, then stop."""
    sweep, out, log = write_sweep(tmp_path), tmp_path / "out", tmp_path / "err.log"
    mark = tmp_path / "committing"
    proc = launch(["sweep", str(sweep), "--out", str(out), "--workers", "2",
                   "--chunk-runs", "3"], log, module="tests.reliability.slow_commit",
                  env={"SLOW_COMMIT_MARK": str(mark), "SLOW_COMMIT_S": "3"})
    with session(proc):
        assert wait_for(mark.is_file, proc), log.read_text()
        assert committed(out) == 0
        os.kill(proc.pid, signal.SIGTERM)
        code = proc.wait(EXIT_S)
        assert code == 128 + signal.SIGTERM, log.read_text()
        assert_all_gone(proc.pid)
    saved = manifest(out)
    assert saved["status"] == "interrupted"
    assert [c["n_runs"] for c in saved["chunks"]] == [3]  # the chunk being committed
    assert saved["counts"]["ok"] == 3
    runs = load_results(out).runs  # the committed chunk reads back whole
    assert len(runs) == 3 and runs["run_id"].is_unique and (runs["status"] == "ok").all()


def test_handlers_are_installed_only_while_a_sweep_runs(tmp_path: Path) -> None:
    """A notebook's own handlers are back afterwards; an ignored SIGHUP (nohup) stays so."""
    sweep = tmp_path / "tiny.yaml"
    sweep.write_text(sweep_text(months=3, replications=1))

    def mine(signum: int, frame: object) -> None:
        raise AssertionError("the notebook's handler ran")

    seen: list[object] = []
    old_term = signal.signal(signal.SIGTERM, mine)
    old_hup = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        run_sweep(sweep, out=tmp_path / "out", executor="serial", chunk_runs=1,
                  progress=lambda *_: seen.append(
                      (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP))))
        assert seen and all(term is not mine and hup is signal.SIG_IGN for term, hup in seen)
        assert signal.getsignal(signal.SIGTERM) is mine
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGTERM, old_term)
        signal.signal(signal.SIGHUP, old_hup)


# ------------------------------------------------------------------ serve
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


# SIGHUP takes the same path as SIGTERM: its case runs with --runslow (make test < 15 min).
@pytest.mark.parametrize("signum", [signal.SIGTERM, pytest.param(signal.SIGHUP,
                                                                 marks=pytest.mark.slow)],
                         ids=["term", "hup"])
def test_serve_stops_its_server_when_told_to(tmp_path: Path, signum: int) -> None:
    pytest.importorskip("solara")
    port, log = free_port(), tmp_path / "serve.log"
    proc = launch(["serve", "--port", str(port)], log)
    with session(proc):
        assert wait_for(lambda: listening(port), proc, timeout=120), log.read_text()
        os.kill(proc.pid, signum)  # the command only, as `kill PID` or systemd would
        assert proc.wait(EXIT_S) == 128 + signum, log.read_text()
        assert_all_gone(proc.pid)
        assert not listening(port)


# ------------------------------------------------------------------ Dask scheduler
@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A real Dask scheduler and two single-thread workers, each in its own session."""
    pytest.importorskip("distributed")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False"}
    scheduler = launch(["--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                       tmp_path / "scheduler.log", quiet, "distributed.cli.dask_scheduler")
    workers = launch([address, "--nworkers", "2", "--nthreads", "1", "--no-dashboard"],
                     tmp_path / "workers.log", quiet, "distributed.cli.dask_worker")
    try:
        assert wait_for(lambda: listening(port), scheduler, timeout=60)
        yield address, scheduler
    finally:
        for proc in (workers, scheduler):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGCONT)
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(30)


# A frozen scheduler takes its whole 30 s silence bound plus probes (~40 s): with --runslow.
@pytest.mark.parametrize("how", [signal.SIGKILL, pytest.param(signal.SIGSTOP,
                                                              marks=pytest.mark.slow)],
                         ids=["killed", "frozen"])
def test_a_lost_scheduler_ends_the_sweep_with_exit_75(tmp_path: Path, reference_of, cluster,
                                                      how: int) -> None:
    address, scheduler = cluster
    sweep, out, log = write_sweep(tmp_path), tmp_path / "out", tmp_path / "err.log"
    proc = launch(["sweep", str(sweep), "--out", str(out), "--executor", "dask",
                   "--scheduler", address, "--chunk-runs", "1"], log)
    with session(proc):
        assert wait_for(lambda: committed(out) >= 1, proc), log.read_text()
        assert proc.poll() is None, "the sweep ended before the scheduler was lost"
        os.kill(scheduler.pid, how)
        lost = time.monotonic()
        code = proc.wait(90)
        took = time.monotonic() - lost
        err = log.read_text()
        print(f"scheduler {signal.Signals(how).name}: the sweep ended {took:.1f} s later")
        assert code == 75, err
        assert took <= 60, took
        last = err.strip().splitlines()[-1]
        assert last.startswith("error: ") and "--resume" in last and address in last, err
        assert "Traceback" not in err, err
        assert_all_gone(proc.pid)
    saved = manifest(out)
    assert saved["status"] == "interrupted"
    assert saved["counts"]["failed"] == 0  # a lost scheduler is not the runs' failure
    if how == signal.SIGKILL:  # one resume is enough here
        outcome = run_sweep(sweep, out=out, executor="serial", resume=True)
        assert outcome.status == "complete" and outcome.failed == 0
        assert_same(reference_of(TEXT), out)


@pytest.mark.parametrize("address", ["http://127.0.0.1:8786", "foo://x", "garbage",
                                     "tcp://127.0.0.1:99999",
                                     # waits out the 10 s connect timeout: with --runslow
                                     pytest.param("tcp://127.0.0.1:9", marks=pytest.mark.slow)])
def test_a_bad_or_unreachable_scheduler_is_refused_before_the_folder_is_made(
        tmp_path: Path, address: str) -> None:
    pytest.importorskip("distributed")
    sweep, out = write_sweep(tmp_path), tmp_path / "out"
    result = CliRunner().invoke(app, ["sweep", str(sweep), "--out", str(out), "--executor",
                                      "dask", "--scheduler", address])
    assert result.exit_code == 2, result.output
    assert not out.exists()
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "--scheduler" in errors[0] and address in errors[0]
