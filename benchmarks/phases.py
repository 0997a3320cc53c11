"""Where a default run's time goes, by mechanism, without a profiler's overhead.

Usage: .venv/bin/python benchmarks/phases.py [--resolution 0.25] [--repeats 3]

Wraps each phase of the monthly schedule (and a few sub-steps, indented) in a timer,
runs the baseline scenario for 120 months after a warm-up, and prints the median
milliseconds per run of each. cProfile charges every Python call, which inflates the
many small calls of the agents' rules; plain timers around whole phases do not. Phases
that a version of the code does not have are skipped, so the same script times an
older commit (``PYTHONPATH=<worktree>/src``).
"""

from __future__ import annotations

import argparse
import collections
import importlib
import statistics
import time
from collections.abc import Callable
from typing import Any

from stability_sim import model as model_module
from stability_sim import outcomes
from stability_sim.agents import jihadists, responders, security, states, trafficking

try:  # the intelligence module exists from the core restructure on
    intelligence: Any = importlib.import_module("stability_sim.agents.intelligence")
except ImportError:
    intelligence = None
from stability_sim.config import SCENARIO_DIR, load_scenario

SM = model_module.StabilityModel

#: (owner, method name, label); sub-steps of a phase start with two spaces.
PHASES: list[tuple[Any, str, str]] = [
    (SM, "_update_afghan_and_international", "forces: schedule and Afghan strength"),
    (getattr(security, "AfghanForces", None), "month", "forces: schedule and Afghan strength"),
    (SM, "_assess_states", "states assess"),
    (states.StateAgent, "allocate", "states allocate forces"),
    (SM, "_allocate_international", "international allocation"),
    (getattr(responders, "SCORats", None), "step", "RATS sharing"),
    (getattr(intelligence, "SCORats", None), "share_detections", "RATS sharing"),
    (responders.CSTOResponder, "step", "CSTO"),
    (responders.CSTOResponder, "respond", "CSTO"),
    (SM, "_update_presence", "security presence"),
    (SM, "_update_intel", "intelligence"),
    (jihadists.JihadistNetwork, "collect_fees", "jihadists: fees"),
    (jihadists.JihadistNetwork, "recruit", "jihadists: recruitment"),
    (jihadists.JihadistCell, "move", "jihadists: moves"),
    (jihadists.JihadistNetwork, "split_and_dissolve", "jihadists: split/dissolve"),
    (jihadists.JihadistNetwork, "attack", "jihadists: attacks"),
    (SM, "_update_fighters", "fighter layers"),
    (trafficking.TraffickingNetwork, "step", "trafficking"),
    (trafficking.TraffickingNetwork, "route_month", "trafficking"),
    (trafficking.RouteGraph, "solve", "  route solve (Dijkstra)"),
    (trafficking.RouteGraph, "route", "  carry and seize"),
    (trafficking.TraffickingCell, "step", "trafficking hubs"),
    (SM, "_engage", "combat"),
    (SM, "_operations", "combat"),
    (SM, "_update_control", "territorial control"),
    (SM, "_update_grievance", "grievance"),
    (model_module, "monthly_record", "monthly record"),
    (outcomes.CellTotals, "add", "per-cell totals"),
]


def _timed(func: Callable[..., Any], label: str, acc: dict[str, float]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            acc[label] += time.perf_counter() - t0

    return wrapper


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolution", default="0.25")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    acc: dict[str, float] = collections.defaultdict(float)
    for owner, name, label in PHASES:
        if owner is not None and hasattr(owner, name):
            setattr(owner, name, _timed(getattr(owner, name), label, acc))
    scenario = load_scenario(SCENARIO_DIR / "baseline.yaml",
                             [f"grid.resolution={args.resolution}"])
    SM(scenario).run()  # warm-up
    per_run: dict[str, list[float]] = collections.defaultdict(list)
    for k in range(args.repeats):
        acc.clear()
        t0 = time.perf_counter()
        model = SM(scenario.with_overrides([f"seed={k}"]))
        t1 = time.perf_counter()
        model.run()
        t2 = time.perf_counter()
        per_run["construction"].append(t1 - t0)
        per_run["stepping (all)"].append(t2 - t1)
        for _, _, label in PHASES:
            per_run[label].append(acc.get(label, 0.0))
    print(f"{args.resolution}°, 120 months, median of {args.repeats} runs (ms per run):")
    for label, values in per_run.items():
        print(f"  {label:40s} {statistics.median(values) * 1e3:8.1f}")


if __name__ == "__main__":
    main()
