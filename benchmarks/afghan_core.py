r"""Issue 17's figures: the Afghan outcomes of six policies, before and after the new core.

Runs 20 matched seeds per policy at 0.5° for 120 months with whichever ``stability_sim``
is on ``PYTHONPATH`` (so the same script measures an older checkout), and writes one
row per run and year; ``--plot`` draws the before/after figure from two such files::

    PYTHONPATH=/path/to/old/src python benchmarks/afghan_core.py run --label before \\
        --out results/issue17/before.parquet
    python benchmarks/afghan_core.py run --label after --out results/issue17/after.parquet
    python benchmarks/afghan_core.py plot results/issue17/before.parquet \\
        results/issue17/after.parquet --out docs/figures/afghan_core_before_after.png

"Full withdrawal, funding cut" sets ``afg_funding.preset=cut`` (from 2015-01) where the
model has it, else the old lever ``afg_forces.funding=0``.
"""

from __future__ import annotations

import argparse
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

SEEDS = 20
MASTER = 20131123
POLICIES: dict[str, tuple[str, dict[str, object]]] = {
    "no drawdown": ("no_drawdown", {}),
    "residual 12,000": ("baseline", {"drawdown.residual_troops": 12_000}),
    "residual 10,000": ("baseline", {"drawdown.residual_troops": 10_000}),
    "residual 8,000": ("baseline", {"drawdown.residual_troops": 8_000}),
    "full withdrawal": ("full_withdrawal", {}),
    "full withdrawal, funding cut": ("full_withdrawal", {"cut": True}),
}
COLUMNS = ("afg_insurgent_control_share", "afg_contested_share", "afg_forces",
           "jihadist_fighters_taliban")


def _one(job: tuple[str, int]) -> pd.DataFrame:
    from stability_sim import params
    from stability_sim.config import load_scenario
    from stability_sim.model import StabilityModel

    policy, k = job
    scenario, sets = POLICIES[policy]
    overrides = ["grid.resolution=0.5"]
    for key, value in sets.items():
        if key == "cut":
            if "afg_funding.preset" in params.REGISTRY:
                overrides += ["afg_funding.preset=cut", "afg_funding.cut_date=2015-01"]
            else:
                overrides.append("afg_forces.funding=0")
        else:
            overrides.append(f"{key}={value}")
    model = StabilityModel(load_scenario(scenario, overrides),
                           rng=np.random.SeedSequence(MASTER, spawn_key=(k,)))
    summary = model.run()
    frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    frame["year"] = 2014 + (np.arange(len(frame)) - 1) // 12
    yearly = frame.iloc[1:].groupby("year")[list(COLUMNS)].mean().reset_index()
    yearly["policy"] = policy
    yearly["seed"] = k
    yearly["collapse_month"] = summary.get("afg_government_collapse_month")
    return yearly


def run(label: str, out: Path) -> None:
    """Run every policy and seed; write the yearly means per run."""
    jobs = [(p, k) for p in POLICIES for k in range(SEEDS)]
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=ctx) as pool:
        frames = list(pool.map(_one, jobs, chunksize=2))
    table = pd.concat(frames, ignore_index=True)
    table["label"] = label
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_parquet(out)
    print(f"wrote {len(table)} rows to {out}")


def plot(before: Path, after: Path, out: Path) -> None:
    """Median and 10-90 % band per policy and year, before (dashed) and after (solid)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = pd.concat([pd.read_parquet(before), pd.read_parquet(after)], ignore_index=True)
    titles = {"afg_insurgent_control_share": "insurgent-held share of Afghanistan",
              "afg_contested_share": "contested share", "afg_forces": "Afghan forces",
              "jihadist_fighters_taliban": "Taliban fighters"}
    fig, axes = plt.subplots(2, 2, figsize=(12, 8), sharex=True)
    colors = plt.get_cmap("viridis")(np.linspace(0, 0.9, len(POLICIES)))
    for ax, column in zip(axes.ravel(), COLUMNS, strict=True):
        for color, policy in zip(colors, POLICIES, strict=True):
            for label, style in (("before", "--"), ("after", "-")):
                rows = data[(data["policy"] == policy) & (data["label"] == label)]
                if rows.empty:
                    continue
                q = rows.groupby("year")[column].quantile([0.1, 0.5, 0.9]).unstack()
                ax.plot(q.index, q[0.5], style, color=color,
                        label=f"{policy} ({label})" if column == COLUMNS[0] else None)
                if label == "after":
                    ax.fill_between(q.index, q[0.1], q[0.9], color=color, alpha=0.12)
        ax.set_title(titles[column])
    axes[0, 0].legend(fontsize=7, ncol=2)
    fig.suptitle("Afghan outcomes by policy, 20 seeds at 0.5°: before (dashed, medians) and "
                 "after issue 17 (solid, medians and 10-90 %)")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


def summary_table(path: Path) -> pd.DataFrame:
    """Per policy: medians in 2016 and 2023, collapses and their median month."""
    data = pd.read_parquet(path)
    rows = []
    for policy in POLICIES:
        d = data[data["policy"] == policy]
        if d.empty:
            continue
        at = {y: d[d["year"] == y] for y in (2016, 2023)}
        runs = d.drop_duplicates("seed")
        months = runs["collapse_month"].dropna()
        rows.append({"policy": policy,
                     "insurgent 2016": at[2016]["afg_insurgent_control_share"].median(),
                     "insurgent 2023": at[2023]["afg_insurgent_control_share"].median(),
                     "contested 2023": at[2023]["afg_contested_share"].median(),
                     "ANSF 2023": at[2023]["afg_forces"].median(),
                     "Taliban 2023": at[2023]["jihadist_fighters_taliban"].median(),
                     "collapses": f"{len(months)}/{len(runs)}",
                     "median collapse month": months.median() if len(months) else None})
    return pd.DataFrame(rows)


def main() -> None:
    """Command line: ``run``, ``plot`` or ``table``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--label", required=True)
    r.add_argument("--out", type=Path, required=True)
    p = sub.add_parser("plot")
    p.add_argument("before", type=Path)
    p.add_argument("after", type=Path)
    p.add_argument("--out", type=Path, required=True)
    t = sub.add_parser("table")
    t.add_argument("path", type=Path)
    args = parser.parse_args()
    if args.command == "run":
        run(args.label, args.out)
    elif args.command == "plot":
        plot(args.before, args.after, args.out)
    else:
        print(summary_table(args.path).to_string(index=False, float_format="{:.3g}".format))


if __name__ == "__main__":
    main()
