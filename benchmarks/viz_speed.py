"""Frame cost of the live page at 0.25°: a model step, the map PNG, the charts PNG.

Usage::

    .venv/bin/python benchmarks/viz_speed.py [--months 60] [--resolution 0.25]

Steps a default model month by month and times, per frame, what the page does after each
step: ``model.step()``, the map image of each layer (``MapRenderer.png``) and the charts
figure rendered to PNG as ``solara.FigureMatplotlib`` does. Prints medians and the 95th
percentile, to compare with the page's 500 ms play interval.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time

import matplotlib

matplotlib.use("Agg")


def main() -> None:
    """Time the frames and print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--resolution", type=float, default=0.25)
    args = parser.parse_args()

    from stability_sim.viz import app
    from stability_sim.viz.render import LAYERS, MapRenderer

    model = app.LiveModel(grid__resolution=args.resolution)
    renderer = MapRenderer(model)
    times: dict[str, list[float]] = {"step": [], "charts": [],
                                      **{f"map {k}": [] for k in LAYERS}}
    frames = []
    for _ in range(args.months):
        t0 = time.perf_counter()
        model.step()
        times["step"].append(time.perf_counter() - t0)
        for layer in LAYERS:
            t = time.perf_counter()
            renderer.png(layer)
            times[f"map {layer}"].append(time.perf_counter() - t)
        t = time.perf_counter()
        fig = app.charts_figure(model)
        fig.savefig(io.BytesIO(), format="png", dpi=80)
        times["charts"].append(time.perf_counter() - t)
        frames.append(times["step"][-1] + times["map control"][-1] + times["charts"][-1])
    print(f"live page frame cost at {args.resolution}°, {args.months} months "
          f"({model.nx}×{model.ny} cells, map {renderer.nx * renderer.scale} px wide)")
    for name, values in times.items():
        q95 = statistics.quantiles(values, n=20)[-1]
        print(f"  {name:14s} median {1000 * statistics.median(values):7.1f} ms   "
              f"p95 {1000 * q95:7.1f} ms")
    print(f"  frame (step + map + charts): median {1000 * statistics.median(frames):.1f} ms, "
          f"p95 {1000 * statistics.quantiles(frames, n=20)[-1]:.1f} ms; play interval 500 ms")


if __name__ == "__main__":
    main()
