"""Issue 19's figure: the time to analyse 10,000 runs (scenario discovery and robustness).

Takes a real exploratory sweep's results and tiles its runs up to ``--runs`` rows (each
copy a new set of worlds with the inputs jittered within their ranges, so PRIM and the
trees see 10,000 distinct rows), then times, in this process, each step a researcher runs::

    python benchmarks/discovery_speed.py results/exploratory --runs 10000 --repeats 3

Prints the median wall time of: PRIM (with its 10 half-sample resamples), CART, the
extra-trees feature scores, the robustness table (1,000 bootstrap resamples), and the
whole ``discover`` and ``robust`` calls with their files and figures.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from stability_sim.experiments.results import Results, load_results


def _tiled(source: Path, runs: int) -> Results:

    base = load_results(source)
    frame = base.runs[base.runs["status"] == "ok"].reset_index(drop=True)
    rng = np.random.default_rng(0)
    copies, k = [], 0
    worlds = int(frame["world_id"].max()) + 1
    ranges = base.manifest["design"].get("ranges", {})
    while sum(len(c) for c in copies) < runs:
        copy = frame.copy()
        copy["world_id"] = copy["world_id"] + k * worlds
        for name, (low, high) in ranges.items():
            jitter = rng.normal(scale=0.01 * (high - low), size=len(copy))
            copy[name] = np.clip(copy[name].astype(float) + jitter, low, high)
        copies.append(copy)
        k += 1
    tiled = pd.concat(copies, ignore_index=True).iloc[:runs].copy()
    tiled["run_id"] = np.arange(len(tiled))
    return Results(base.path, base.manifest, tiled)


def main() -> None:
    """Time each step and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import matplotlib

    matplotlib.use("Agg")
    from stability_sim.analysis import discovery as disc
    from stability_sim.analysis.events import parse_event
    from stability_sim.analysis.exploratory import discover, inputs, robust
    from stability_sim.analysis.robustness import robustness

    results = _tiled(args.results, args.runs)
    data = inputs(results)
    event = "afg_government_collapse_month<=36"
    hits = parse_event(event, results).of(data.runs)
    frame = pd.DataFrame({"policy": data.policy, "world": data.world,
                          "value": data.runs["attacks_central_asia_total"].astype(float)})
    disc.prim(data.x.iloc[:200], hits[:200], resamples=0)  # import the workbench first
    with tempfile.TemporaryDirectory() as tmp:
        steps = {
            "PRIM + 10 resamples": lambda: disc.prim(data.x, hits),
            "CART": lambda: disc.cart(data.x, hits),
            "feature scores": lambda: disc.feature_scores(data.x, hits),
            "robustness table": lambda: robustness(frame, "value", threshold=50.0),
            "discover (all files)": lambda: discover(results, event, out=Path(tmp) / "d"),
            "robust (all files)": lambda: robust(results, "attacks_central_asia_total",
                                                 threshold=50.0, out=Path(tmp) / "r"),
        }
        print(f"{len(data.runs):,} runs, {data.x.shape[1]} inputs, "
              f"{data.policy.nunique()} policies x {data.world.nunique()} worlds; "
              f"event base rate {hits.mean():.3f}")
        for name, step in steps.items():
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                step()
                times.append(time.perf_counter() - start)
            print(f"{name:24s} median {statistics.median(times):6.2f} s "
                  f"(of {', '.join(f'{t:.2f}' for t in times)})")


if __name__ == "__main__":
    main()
