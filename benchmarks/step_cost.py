"""Cost of a default run's months, for one or more source trees, measured side by side.

Usage::

    .venv/bin/python benchmarks/step_cost.py [--repeats 7] SRC [SRC ...]

Each ``SRC`` is a ``src`` directory (e.g. of a git worktree at an older commit). One
worker process per tree imports the model from it and pays the once-per-process
landscape build in a warm-up run; the workers then take turns, one default run
(``StabilityModel()`` then ``.run()``) each per round, so that the load of a shared
machine falls on every tree alike. Prints, per tree, the median over the rounds of the
construction and of the stepping (wall clock), the stepping per month, and the stepping
against the first tree's, then the same for the stepping's CPU time (less disturbed by
other work on the machine).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def worker() -> None:
    """Serve runs: one default run per line read on stdin, its timings on stdout."""
    from stability_sim.model import StabilityModel

    StabilityModel().run()  # warm-up
    for _ in sys.stdin:
        t0 = time.perf_counter()
        model = StabilityModel()
        t1, c1 = time.perf_counter(), time.process_time()
        model.run()
        t2, c2 = time.perf_counter(), time.process_time()
        print(json.dumps({"build": t1 - t0, "step": t2 - t1, "cpu": c2 - c1,
                          "months": model.months}), flush=True)


def main() -> None:
    """Run the rounds and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", nargs="+", help="src directories to compare")
    parser.add_argument("--repeats", type=int, default=7, help="rounds (runs per tree)")
    args = parser.parse_args()
    workers = []
    for src in args.src:
        env = dict(os.environ, PYTHONPATH=os.path.abspath(src))
        workers.append(subprocess.Popen([sys.executable, __file__, "--worker"], env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True))
    times: list[list[dict[str, float]]] = [[] for _ in workers]
    try:
        for _ in range(args.repeats):
            for k, proc in enumerate(workers):
                assert proc.stdin is not None and proc.stdout is not None
                proc.stdin.write("run\n")
                proc.stdin.flush()
                times[k].append(json.loads(proc.stdout.readline()))
    finally:
        for proc in workers:
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait()
    print(f"default run, median of {args.repeats} rounds (workers alternate)")
    # Build and step together are the run's cost: since issue 17 the build includes the
    # 48 months of the history window.
    print(f"{'src':<32} {'build s':>8} {'step s':>8} {'ms/month':>9} {'vs first':>9} "
          f"{'step cpu s':>10} {'vs first':>9} {'total s':>8} {'vs first':>9}")
    first = first_cpu = first_total = None
    for src, runs in zip(args.src, times, strict=True):
        step = statistics.median(r["step"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        build = statistics.median(r["build"] for r in runs)
        total = statistics.median(r["build"] + r["step"] for r in runs)
        first = step if first is None else first
        first_cpu = cpu if first_cpu is None else first_cpu
        first_total = total if first_total is None else first_total
        per_month = 1000.0 * step / runs[0]["months"]
        print(f"{src:<32} {build:>8.3f} {step:>8.3f} {per_month:>9.2f} {step / first:>9.2f} "
              f"{cpu:>10.3f} {cpu / first_cpu:>9.2f} {total:>8.3f} {total / first_total:>9.2f}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--worker"]:
        worker()
    else:
        main()
