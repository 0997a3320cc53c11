"""Shared by the reliability tests: tiny sweep files, the CLI in a subprocess, comparisons.

A test's sweep must give the same results however it is interrupted, so every test
compares its folder with :func:`reference`, the same sweep file run serially in one go.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from stability_sim.config import SCENARIO_DIR
from stability_sim.errors import UserError
from stability_sim.experiments import load_results, run_sweep
from stability_sim.experiments.store import read_state

ROOT = Path(__file__).resolve().parents[2]

#: Generous: the machine is shared and has two cores.
DEADLINE_S = 180.0


def sweep_text(*, levels: tuple[float, ...] = (0.25, 0.8), replications: int = 6,
               months: int = 12, seed: int = 11) -> str:
    """A tiny sweep file (0.5°): ``len(levels) * replications`` runs."""
    return f"""\
name: reliability
scenario: {SCENARIO_DIR / 'baseline.yaml'}
months: {months}
seed: {seed}
replications: {replications}
set: {{grid.resolution: 0.5}}
design:
  kind: grid
  parameters:
    cooperation.level: [{', '.join(map(str, levels))}]
"""


def reference(text: str, root: Path) -> Path:
    """The sweep ``text`` run serially and uninterrupted into ``root/out``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "sweep.yaml").write_text(text)
    outcome = run_sweep(root / "sweep.yaml", out=root / "out", executor="serial",
                        chunk_runs=5)
    assert outcome.status == "complete" and outcome.failed == 0
    return root / "out"


#: Months of the history window every run lives through before its scenario (2010-2013).
HISTORY = 48


def assert_sound(folder: Path, months: int) -> None:
    """Each run once; its rows of time series per ok run; chunk counts add up.

    A run's series is early 2010, the 48 months of the history window, then ``months``.
    """
    results = load_results(folder)
    manifest = results.manifest
    runs = results.runs
    assert runs["run_id"].is_unique
    assert list(runs["run_id"]) == list(range(manifest["total_runs"]))
    ok = runs.loc[runs["status"] == "ok", "run_id"]
    per_run = results.timeseries.groupby("run_id").size()
    assert sorted(per_run.index) == sorted(ok) and per_run.eq(1 + HISTORY + months).all()
    assert sum(c["n_runs"] for c in manifest["chunks"]) == manifest["total_runs"]
    counts = manifest["counts"]
    assert counts["ok"] + counts["failed"] == manifest["total_runs"]
    assert counts["pending"] == 0


def cli(*args: str) -> list[str]:
    """The command line of ``stability-sim ARGS`` in this virtualenv."""
    return [sys.executable, "-m", "stability_sim.cli", *args]


def start(cmd: list[str], log: Path) -> subprocess.Popen[bytes]:
    """Start a command in its own process group (so the group can be killed at once).

    Its stderr goes to ``log`` (a file, not a pipe, which a chatty child could fill).
    """
    with open(log, "ab") as handle:
        return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=handle,
                                start_new_session=True, env={**os.environ, "COLUMNS": "300"})


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL a process started by :func:`start` and its children (the pool workers)."""
    with contextlib.suppress(ProcessLookupError):  # it and its children are gone already
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(60)


def finish(proc: subprocess.Popen[bytes], log: Path) -> tuple[int, str]:
    """Wait for a process to end, kill what is left of its group; exit code and stderr."""
    try:
        code = proc.wait(DEADLINE_S)
    finally:
        kill_group(proc)
    return code, log.read_text(errors="replace")


def committed(out: Path) -> int:
    """Chunks committed now, by the manifest or its journal (0 before the first manifest)."""
    try:
        return len(read_state(out)[0]["chunks"])
    except UserError:
        return 0


def wait_for(condition: Callable[[], bool], proc: subprocess.Popen[bytes] | None = None,
             timeout: float = DEADLINE_S) -> bool:
    """Poll until ``condition()`` (True) or the process ends or the deadline (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if proc is not None and proc.poll() is not None:
            return condition()
        time.sleep(0.02)
    return False
