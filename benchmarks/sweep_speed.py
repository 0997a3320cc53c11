"""Sweep throughput and memory: workers, executors, and peak RSS against sweep size.

Usage::

    .venv/bin/python benchmarks/sweep_speed.py speed  [--repeats 3]
    .venv/bin/python benchmarks/sweep_speed.py memory [--sizes 200 2000]

``speed`` runs the demo sweep (``configs/sweeps/demo.yaml``) with the local executor on 1
and 2 workers and with the Dask executor (LocalCluster) on 2 workers, interleaved, each
``repeats`` times, as separate ``stability-sim sweep`` processes; it prints the median
runs per minute (wall time of the whole command, start-up included), the 2-worker speed-up
and the Dask overhead per run against the local executor.

``memory`` runs sweeps of the given sizes at 0.5° (120 months) with 2 local workers and
samples, every 0.1 s, the resident memory of the driver process and of the driver plus its
workers; it prints the peaks. Results go to a temporary folder that is deleted afterwards.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "configs" / "sweeps" / "demo.yaml"
CLI = [sys.executable, "-m", "stability_sim.cli", "sweep"]


def timed(args: list[str]) -> float:
    """Wall seconds of one sweep command."""
    t0 = time.perf_counter()
    subprocess.run([*CLI, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def speed(repeats: int) -> None:
    """Median runs/min of the demo sweep for each executor configuration."""
    configs = {"local, 1 worker": ["--workers", "1"],
               "local, 2 workers": ["--workers", "2"],
               "dask, 2 workers": ["--workers", "2", "--executor", "dask"]}
    runs = 180
    times: dict[str, list[float]] = {k: [] for k in configs}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeats):
            for name, extra in configs.items():
                times[name].append(timed([str(DEMO), "--out", f"{tmp}/out", "--overwrite",
                                          *extra]))
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"demo sweep: {runs} runs, 0.5°, 120 months; median of {repeats}")
    for name, seconds in med.items():
        print(f"  {name:<18} {seconds:7.1f} s  {runs / seconds * 60:7.1f} runs/min  "
              f"(all: {', '.join(f'{t:.1f}' for t in times[name])})")
    one, two, dask = med["local, 1 worker"], med["local, 2 workers"], med["dask, 2 workers"]
    print(f"  speed-up 2 vs 1 worker: {one / two:.2f}x")
    print(f"  dask overhead per run vs local: {(dask - two) / runs * 1000:+.0f} ms "
          f"({(dask / two - 1) * 100:+.1f}%)")


def sweep_file(folder: Path, runs: int) -> Path:
    """A sweep of ``runs`` runs at 0.5°: two cooperation levels × runs/2 replications."""
    path = folder / f"mem{runs}.yaml"
    path.write_text(
        f"name: mem{runs}\nscenario: {ROOT / 'configs/scenarios/baseline.yaml'}\n"
        f"seed: 1\nreplications: {runs // 2}\nset: {{grid.resolution: 0.5}}\n"
        "design:\n  kind: grid\n  parameters:\n    cooperation.level: [0.25, 0.8]\n")
    return path


def memory(sizes: list[int]) -> None:
    """Peak RSS of the driver, and of driver plus workers, for each sweep size."""
    print("peak resident memory, local executor, 2 workers, 0.5°, 120 months")
    with tempfile.TemporaryDirectory() as tmp:
        for runs in sizes:
            path = sweep_file(Path(tmp), runs)
            t0 = time.perf_counter()
            proc = subprocess.Popen([*CLI, str(path), "--out", f"{tmp}/out{runs}",
                                     "--workers", "2"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            driver = psutil.Process(proc.pid)
            peak_driver = peak_tree = 0
            while proc.poll() is None:
                try:
                    rss = driver.memory_info().rss
                    tree = rss + sum(c.memory_info().rss for c in driver.children(True))
                except psutil.Error:
                    continue
                peak_driver, peak_tree = max(peak_driver, rss), max(peak_tree, tree)
                time.sleep(0.1)
            assert proc.returncode == 0, proc.returncode
            print(f"  {runs:>6} runs: driver {peak_driver / 2**20:6.1f} MiB, driver + "
                  f"workers {peak_tree / 2**20:6.1f} MiB, {time.perf_counter() - t0:6.0f} s")


def main() -> None:
    """Parse the arguments and run the chosen benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=("speed", "memory"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2000])
    args = parser.parse_args()
    if args.part == "speed":
        speed(args.repeats)
    else:
        memory(args.sizes)


if __name__ == "__main__":
    main()
