"""Load: a long sweep keeps memory flat and leaks no file handles.

The sweep runs as a real command (driver and two spawned workers), sampled every 0.1 s
with psutil: resident memory summed over the process tree, and open file descriptors of
each process. A run's files are opened and closed by the driver (chunks, manifest), so
its open-file count must not grow with the number of runs. CI scale compares 60 and 600
runs; ``--runslow`` the issue's 500 and 5,000.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from stability_sim.config import SCENARIO_DIR

SWEEP = """\
name: load
scenario: {scenario}
months: 12
seed: 3
replications: {replications}
set: {{grid.resolution: 0.5}}
design:
  kind: grid
  parameters:
    cooperation.level: [0.25, 0.5, 0.8, 1.0]
"""


def watch_sweep(tmp: Path, runs: int) -> dict[str, float]:
    """Run a sweep of ``runs`` runs; peak RSS (MiB) of the tree and its peak open files."""
    path = tmp / f"load{runs}.yaml"
    path.write_text(SWEEP.format(scenario=SCENARIO_DIR / "baseline.yaml",
                                 replications=runs // 4))
    cmd = [sys.executable, "-m", "stability_sim.cli", "sweep", str(path), "--out",
           str(tmp / f"out{runs}"), "--workers", "2"]
    proc = psutil.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_rss, fds = 0, []
    while proc.poll() is None:
        try:
            tree = [proc, *proc.children(recursive=True)]
            peak_rss = max(peak_rss, sum(p.memory_info().rss for p in tree))
            fds.append(proc.num_fds())
        except psutil.Error:  # a process ended between listing and reading it
            pass
        time.sleep(0.1)
    assert proc.returncode == 0, proc.stderr.read().decode()
    proc.stderr.close()
    return {"peak_mib": peak_rss / 2**20, "fds_peak": max(fds), "fds_samples": len(fds),
            "fds_late": max(fds[len(fds) // 2:])}


def check_flat(tmp: Path, small: int, large: int) -> None:
    a, b = watch_sweep(tmp, small), watch_sweep(tmp, large)
    print(f"\n{small} runs: {a}\n{large} runs: {b}")
    assert b["peak_mib"] <= 1.10 * a["peak_mib"], (a, b)
    # Open files: the driver's count is bounded (pool pipes, a chunk and the lock at a
    # time), so the long sweep never has more open than the short one plus a few.
    assert b["fds_peak"] <= a["fds_peak"] + 4, (a, b)
    assert b["fds_late"] <= a["fds_peak"] + 4, (a, b)


def test_memory_and_open_files_stay_flat(tmp_path: Path) -> None:
    check_flat(tmp_path, 60, 600)


@pytest.mark.slow
def test_memory_and_open_files_stay_flat_at_full_scale(tmp_path: Path) -> None:
    check_flat(tmp_path, 500, 5000)
