"""A default run now against a default run at an earlier commit, side by side.

Usage: .venv/bin/python benchmarks/versus.py REV [--repeats 5]

Checks REV out into a temporary git worktree and times single runs (baseline scenario,
120 months, 0.25° and 0.5°) of both versions in alternation, each in a fresh process
after a warm-up run, so that the machine's drift hits both alike. Prints the medians
and the speed-up. Both versions run with this checkout's virtual environment, unless
``--before-python`` names another interpreter for REV (an older commit that needs an
older Python or Mesa, e.g. a 3.11 venv for commits before the Mesa 3.5 upgrade).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: One timed run in a child process: warm-up, then construction and stepping apart.
CHILD = """
import json, sys, time
from stability_sim.config import SCENARIO_DIR, load_scenario
from stability_sim.model import StabilityModel
scenario = load_scenario(SCENARIO_DIR / "baseline.yaml", [f"grid.resolution={sys.argv[1]}"])
StabilityModel(scenario).run()
t0 = time.perf_counter()
model = StabilityModel(scenario.with_overrides([f"seed={sys.argv[2]}"]))
t1 = time.perf_counter()
model.run()
t2 = time.perf_counter()
print(json.dumps({"build": t1 - t0, "step": t2 - t1}))
"""


def timed(src: Path, resolution: str, seed: int, python: str = sys.executable
          ) -> dict[str, float]:
    """One run of the code under ``src`` in a fresh process of ``python``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run([python, "-c", CHILD, resolution, str(seed)], env=env,
                         check=True, capture_output=True, text=True, cwd=src.parent)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Print the side-by-side table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--before-python", default=sys.executable,
                        help="interpreter for REV (default: this one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        before = Path(tmp) / "before"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(before),
                        args.rev], check=True, capture_output=True)
        try:
            print(f"{'res':>5} {'version':>8} {'build s':>8} {'step s':>8} {'total s':>8}")
            for res in ("0.25", "0.5"):
                runs: dict[str, list[dict[str, float]]] = {"before": [], "now": []}
                for k in range(args.repeats):
                    runs["before"].append(timed(before / "src", res, k, args.before_python))
                    runs["now"].append(timed(ROOT / "src", res, k))
                totals = {}
                for name, rows in runs.items():
                    build = statistics.median(r["build"] for r in rows)
                    step = statistics.median(r["step"] for r in rows)
                    totals[name] = statistics.median(r["build"] + r["step"] for r in rows)
                    print(f"{res:>5} {name:>8} {build:8.3f} {step:8.3f} {totals[name]:8.3f}")
                print(f"{res:>5} speed-up {totals['before'] / totals['now']:.2f}×")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(before)], check=True, capture_output=True)


if __name__ == "__main__":
    main()
