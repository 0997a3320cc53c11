"""Sweep throughput and memory: workers, executors, and peak RSS against sweep size.

Usage::

    .venv/bin/python benchmarks/sweep_speed.py speed  [--repeats 3]
    .venv/bin/python benchmarks/sweep_speed.py memory [--sizes 200 2000]

``speed`` runs the demo sweep (``configs/sweeps/demo.yaml``) with the local executor on 1
and 2 workers and with the Dask executor (LocalCluster) on 2 workers, interleaved, each
``repeats`` times, as separate ``stability-sim sweep`` processes; it prints the median
runs per minute (wall time of the whole command, start-up included), the 2-worker speed-up
and the Dask overhead against the local executor. For 2 workers it also runs the sweep
through ``run_sweep`` in this process and splits the wall time into a fixed start-up and a
steady time per run.

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
    subprocess.run([*CLI, *args], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def in_process(executor: str, workers: int, out: str) -> dict[str, float]:
    """One demo sweep through run_sweep: start-up, steady time per run, mean run time.

    Start-up is the time to the first finished run less one run's time; the steady rate is
    measured from the 10th to the last finished run, so it leaves start-up and the tail out.
    """
    from stability_sim.experiments import load_results, run_sweep

    stamps: list[float] = []
    t0 = time.perf_counter()
    run_sweep(DEMO, out=out, executor=executor, workers=workers, overwrite=True,
              progress=lambda done, failed, total: stamps.append(time.perf_counter()))
    total = time.perf_counter() - t0
    runs = load_results(out).runs
    per_run = float(runs["elapsed_s"].mean())
    done = stamps[1:]  # the first report is before any run
    steady = (done[-1] - done[9]) / (len(done) - 10)
    return {"total": total, "startup": done[0] - t0 - per_run, "steady": steady,
            "in_worker": per_run}


def speed(repeats: int) -> None:
    """Median runs/min of the demo sweep for each executor configuration."""
    configs = {"local, 1 worker": ("local", 1), "local, 2 workers": ("local", 2),
               "dask, 2 workers": ("dask", 2)}
    runs = 180
    times: dict[str, list[float]] = {k: [] for k in configs}
    detail: dict[str, list[dict[str, float]]] = {k: [] for k in configs}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeats):
            for name, (executor, workers) in configs.items():
                times[name].append(timed([str(DEMO), "--out", f"{tmp}/out", "--overwrite",
                                          "--executor", executor, "--workers", str(workers)]))
                if workers == 2:
                    detail[name].append(in_process(executor, workers, f"{tmp}/in"))
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"demo sweep: {runs} runs, 0.5°, 120 months; median of {repeats}")
    print("whole `stability-sim sweep` command (start-up of Python and the pool included):")
    for name, seconds in med.items():
        print(f"  {name:<18} {seconds:7.1f} s  {runs / seconds * 60:7.1f} runs/min  "
              f"(all: {', '.join(f'{t:.1f}' for t in times[name])})")
    one, two, dask = med["local, 1 worker"], med["local, 2 workers"], med["dask, 2 workers"]
    print(f"  speed-up 2 vs 1 worker: {one / two:.2f}x")
    print(f"  dask vs local, whole command: {(dask - two) / runs * 1000:+.0f} ms per run "
          f"({(dask / two - 1) * 100:+.1f}%)")
    print("in process (run_sweep), 2 workers: start-up, steady wall per run, run time in "
          "the worker")
    m = {k: {f: statistics.median(d[f] for d in v) for f in v[0]}
         for k, v in detail.items() if v}
    for name, d in m.items():
        print(f"  {name:<18} start-up {d['startup']:5.2f} s  steady {d['steady'] * 1000:5.0f} "
              f"ms/run  in worker {d['in_worker'] * 1000:5.0f} ms")
    loc, dsk = m["local, 2 workers"], m["dask, 2 workers"]
    print(f"  dask vs local, steady per run: {(dsk['steady'] / loc['steady'] - 1) * 100:+.1f}%"
          f"; fixed start-up {dsk['startup'] - loc['startup']:+.2f} s")


def sweep_file(folder: Path, runs: int) -> Path:
    """A sweep of ``runs`` runs at 0.5°: two cooperation levels × runs/2 replications."""
    path = folder / f"mem{runs}.yaml"
    path.write_text(
        f"name: mem{runs}\nscenario: {ROOT / 'configs/scenarios/baseline.yaml'}\n"
        f"seed: 1\nreplications: {runs // 2}\nset: {{grid.resolution: 0.5}}\n"
        "design:\n  kind: grid\n  parameters:\n    cooperation.level: [0.25, 0.8]\n")
    return path


def peak_memory(runs: int) -> tuple[float, float, float]:
    """Peak RSS (MiB) of the driver, and of driver plus workers, and seconds, of one sweep."""
    with tempfile.TemporaryDirectory() as tmp:
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
        return peak_driver / 2**20, peak_tree / 2**20, time.perf_counter() - t0


def memory(sizes: list[int]) -> None:
    """Peak RSS of the driver, and of driver plus workers, for each sweep size."""
    print("peak resident memory, local executor, 2 workers, 0.5°, 120 months")
    for runs in sizes:
        driver, tree, seconds = peak_memory(runs)
        print(f"  {runs:>6} runs: driver {driver:6.1f} MiB, driver + "
              f"workers {tree:6.1f} MiB, {seconds:6.0f} s")


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
