"""The benchmark suite behind ``make bench``: prints a table, writes benchmarks/results.json.

Usage::

    .venv/bin/python benchmarks/bench.py [--quick] [--out benchmarks/results.json]

Measures, in one process and session (timings are noisy here: medians, side by side):

- single runs at 0.5° and 0.25°, 120 months: median of 5 after a warm-up, construction
  apart from stepping (``run_speed.measure``);
- throughput: agent-steps and cell-updates per second of stepping, and Mesa's own
  ``epstein_civil_violence`` example (default parameters, 100 steps) as the reference;
- growth: stepping time against horizon (60/120/240 months), resolution (0.5°/0.25°, as
  cells) and agent count (every network's initial fighters ×1/×2/×4), each with the
  fitted exponent of a power law (slope in log-log);
- sweeps: the demo sweep's runs per minute with 1 and 2 local workers, and peak RSS of a
  200- and a 2,000-run sweep at 0.5° (``sweep_speed``; ``--quick`` skips the sweeps);
- the profile of a default run (0.25°, 120 months), top functions by cumulative time, in
  ``benchmarks/profile.txt``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from run_speed import measure
from sweep_speed import DEMO, peak_memory, timed

from stability_sim import __version__, params
from stability_sim.config import SCENARIO_DIR, load_scenario
from stability_sim.model import StabilityModel

HERE = Path(__file__).resolve().parent

#: Issue 7's targets for a default run's median wall time, by resolution.
TARGET_S = {"0.5": 0.35, "0.25": 1.0}


def stepping(sets: list[str], repeats: int = 3) -> dict[str, float]:
    """Median stepping seconds of a baseline run with ``sets``, and what it stepped."""
    scenario = load_scenario(SCENARIO_DIR / "baseline.yaml", sets)
    StabilityModel(scenario).run()  # warm-up: the landscape cache of this resolution
    times, agent_steps = [], []
    for k in range(repeats):
        model = StabilityModel(scenario.with_overrides([f"seed={k}"]))
        count = 0
        t0 = time.perf_counter()
        while model.running and model.steps < model.months:
            model.step()
            count += len(model.agents)
        times.append(time.perf_counter() - t0)
        agent_steps.append(count)
    return {"step_s": statistics.median(times), "agent_steps": statistics.median(agent_steps),
            "cells": model.n_cells, "months": model.months, "agents": len(model.agents)}


def epstein(repeats: int = 3) -> dict[str, float]:
    """Mesa's Epstein civil violence example, default parameters, 100 steps."""
    from mesa.examples.advanced.epstein_civil_violence.model import (
        EpsteinCivilViolence,
        EpsteinScenario,
    )

    rates = []
    for k in range(repeats):
        # Mesa 3.5's example takes its seed in a Scenario (3.3 took seed=).
        model = EpsteinCivilViolence(scenario=EpsteinScenario(rng=k))
        agents = len(model.agents)
        t0 = time.perf_counter()
        for _ in range(100):
            model.step()
        rates.append(agents * 100 / (time.perf_counter() - t0))
    return {"agents": agents, "agent_steps_per_s": statistics.median(rates)}


def exponent(x: list[float], y: list[float]) -> float:
    """Slope of log y against log x (the power-law exponent)."""
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def fighters_sets(factor: int) -> list[str]:
    """Overrides multiplying every network's initial fighters by ``factor``."""
    names = [n for n in params.defaults() if n.endswith(".initial_fighters")]
    return [f"{n}={int(params.get(n).default) * factor}" for n in names]


def profile(path: Path) -> list[dict[str, Any]]:
    """Profile a default run; write the stats; return the top functions by cumulative time."""
    scenario = load_scenario(SCENARIO_DIR / "baseline.yaml")
    StabilityModel(scenario).run()
    profiler = cProfile.Profile()
    profiler.enable()
    StabilityModel(scenario.with_overrides(["seed=1"])).run()
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(25)
    path.write_text(text.getvalue())
    rows = []
    for (file, line, func), (_, calls, tottime, cumtime, _) in stats.stats.items():
        rows.append({"function": f"{Path(file).name}:{line}({func})", "calls": calls,
                     "tottime_s": tottime, "cumtime_s": cumtime})
    return sorted(rows, key=lambda r: -r["cumtime_s"])[:15]


def main() -> None:
    """Run the suite, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the sweep benchmarks")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    args = parser.parse_args()
    out: dict[str, Any] = {"machine": {"python": sys.version.split()[0],
                                       "platform": platform.platform(),
                                       "cpus": os.cpu_count()},
                           "stability_sim": __version__, "date": time.strftime("%Y-%m-%d")}
    lines = []

    single = {str(r): measure(r, 5) for r in (0.5, 0.25)}
    out["single_run"] = single
    lines.append("single run, 120 months, median of 5 after a warm-up:")
    for r, m in single.items():
        lines.append(f"  {r:>5}°  build {m['build']:.3f} s  step {m['step']:.3f} s  "
                     f"total {m['total']:.3f} s  ({m['agents']} agents; "
                     f"target ≤ {TARGET_S[r]} s)")

    ours = stepping([])
    ref = epstein()
    rate = ours["agent_steps"] / ours["step_s"]
    cells = ours["cells"] * ours["months"] / ours["step_s"]
    out["throughput"] = {"agent_steps_per_s": rate, "cell_updates_per_s": cells,
                         "epstein": ref, "ratio_to_epstein": rate / ref["agent_steps_per_s"]}
    lines.append(f"throughput at 0.25°: {rate:,.0f} agent-steps/s, {cells:,.0f} cell-updates/s; "
                 f"Mesa's Epstein example {ref['agent_steps_per_s']:,.0f} agent-steps/s "
                 f"({ref['agents']} agents) → ratio {rate / ref['agent_steps_per_s']:.2f}")

    growth: dict[str, Any] = {}
    horizon = {m: stepping(["grid.resolution=0.5", f"months={m}"]) for m in (60, 120, 240)}
    growth["horizon"] = {"points": {m: h["step_s"] for m, h in horizon.items()},
                         "exponent": exponent(list(horizon), [h["step_s"] for h in
                                                              horizon.values()])}
    # The model's populations grow over a run (jihadist cells split), so a longer horizon
    # also means more agents a month: the same runs against the agent-steps they made.
    growth["horizon, per agent-step"] = {
        "points": {h["agent_steps"]: h["step_s"] for h in horizon.values()},
        "exponent": exponent([h["agent_steps"] for h in horizon.values()],
                             [h["step_s"] for h in horizon.values()])}
    res = {r: stepping([f"grid.resolution={r}"]) for r in (0.5, 0.25)}
    growth["cells"] = {"points": {res[r]["cells"]: res[r]["step_s"] for r in res},
                       "exponent": exponent([res[r]["cells"] for r in res],
                                            [res[r]["step_s"] for r in res])}
    agents = {k: stepping(["grid.resolution=0.5", *fighters_sets(k)]) for k in (1, 2, 4)}
    growth["agents"] = {"points": {a["agents"]: a["step_s"] for a in agents.values()},
                        "exponent": exponent([a["agent_steps"] for a in agents.values()],
                                             [a["step_s"] for a in agents.values()])}
    out["growth"] = growth
    lines.append("growth of stepping time (fitted exponent):")
    for name, g in growth.items():
        pts = ", ".join(f"{k:,.0f}: {v:.3f} s" for k, v in g["points"].items())
        lines.append(f"  {name:23s} {g['exponent']:.2f}   ({pts})")

    if not args.quick:
        with tempfile.TemporaryDirectory() as tmp:
            per_min = {w: 180 / timed([str(DEMO), "--out", f"{tmp}/o", "--overwrite",
                                       "--workers", str(w)]) * 60 for w in (1, 2)}
        out["sweep"] = {"runs_per_min": per_min, "speedup": per_min[2] / per_min[1],
                        "peak_rss_mib": {n: peak_memory(n) for n in (200, 2000)}}
        lines.append(f"demo sweep: {per_min[1]:.0f} runs/min with 1 worker, {per_min[2]:.0f} "
                     f"with 2 ({per_min[2] / per_min[1]:.2f}×)")
        for n, (driver, total, _) in out["sweep"]["peak_rss_mib"].items():
            lines.append(f"  peak RSS, {n} runs: driver {driver:.0f} MiB, with workers "
                         f"{total:.0f} MiB")

    out["profile_top"] = profile(HERE / "profile.txt")
    lines.append("profile of a default run: benchmarks/profile.txt; top by cumulative time:")
    for row in out["profile_top"][:8]:
        lines.append(f"  {row['cumtime_s']:7.3f} s  {row['function']}")
    args.out.write_text(json.dumps(out, indent=1, default=str) + "\n")
    print("\n".join(lines))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
