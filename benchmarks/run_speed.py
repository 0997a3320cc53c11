"""Single-run speed: model construction and stepping, median of 5 after a warm-up.

Usage: .venv/bin/python benchmarks/run_speed.py [--repeats 5]

Prints, for 0.25° and 0.5° (120 months, baseline scenario), the median wall time of
construction, of stepping and of both, over ``repeats`` runs after one warm-up run in
the same process (the warm-up pays the once-per-process landscape build).
"""

from __future__ import annotations

import argparse
import statistics
import time

from stability_sim.config import SCENARIO_DIR, load_scenario
from stability_sim.model import StabilityModel


def measure(resolution: float, repeats: int) -> dict[str, float]:
    """Median construction, stepping and total seconds at one resolution."""
    scenario = load_scenario(SCENARIO_DIR / "baseline.yaml", [f"grid.resolution={resolution}"])
    StabilityModel(scenario).run()  # warm-up
    build, step = [], []
    for k in range(repeats):
        t0 = time.perf_counter()
        model = StabilityModel(scenario.with_overrides([f"seed={k}"]))
        t1 = time.perf_counter()
        model.run()
        t2 = time.perf_counter()
        build.append(t1 - t0)
        step.append(t2 - t1)
    total = [b + s for b, s in zip(build, step, strict=True)]
    return {"build": statistics.median(build), "step": statistics.median(step),
            "total": statistics.median(total), "agents": len(model.agents)}


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"{'resolution':>10} {'build s':>8} {'step s':>8} {'total s':>8} {'agents':>7}")
    for resolution in (0.25, 0.5):
        r = measure(resolution, args.repeats)
        print(f"{resolution:>10} {r['build']:>8.3f} {r['step']:>8.3f} {r['total']:>8.3f} "
              f"{r['agents']:>7}")


if __name__ == "__main__":
    main()
