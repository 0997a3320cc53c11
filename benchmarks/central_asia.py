r"""Issue 18's figures: the Central Asian outcomes of four scenarios at four cooperation levels.

Runs 20 matched seeds per scenario and ``cooperation.level`` (0, 0.25, 0.5, 0.8) at 0.5°
for 120 months with whichever ``stability_sim`` is on ``PYTHONPATH`` (so the same script
measures an older checkout), writes one row per run, and prints the table of the issue
from one or two such files::

    PYTHONPATH=/path/to/old/src python benchmarks/central_asia.py run --label before \\
        --out results/issue18/before.parquet
    python benchmarks/central_asia.py run --label after --out results/issue18/after.parquet
    python benchmarks/central_asia.py table results/issue18/before.parquet \\
        results/issue18/after.parquet

Per run: Central Asian attacks and incursions per year, whether each state was
destabilised or collapsed, the CSTO's deployments (how many, the months from request to
deployment, the months with troops deployed and the most troops at once) and HuT's members
at the horizon. Probabilities are shown with Wilson 95 % intervals over the 20 runs.
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
MONTHS = 120
SCENARIOS = ("baseline", "full_withdrawal", "no_drawdown", "high_cooperation")
LEVELS = (0.0, 0.25, 0.5, 0.8)
CA = ("tjk", "kgz", "uzb", "tkm", "kaz")


def _one(job: tuple[str, float, int]) -> dict[str, object]:
    from stability_sim.config import load_scenario
    from stability_sim.model import StabilityModel

    scenario, level, k = job
    overrides = ["grid.resolution=0.5", f"months={MONTHS}", f"cooperation.level={level}"]
    model = StabilityModel(load_scenario(scenario, overrides),
                           rng=np.random.SeedSequence(MASTER, spawn_key=(k,)))
    summary = model.run()
    frame = model.datacollector.get_model_vars_dataframe()
    frame = frame[frame.index >= 1] if frame.index.min() < 1 else frame.iloc[1:]
    years = MONTHS / 12
    troops = frame["csto_deployed_troops"].to_numpy(dtype=float)
    row: dict[str, object] = {
        "scenario": scenario, "cooperation": level, "seed": k,
        "ca_attacks_per_year": float(summary["attacks_central_asia_total"]) / years,
        "incursions_per_year": float(summary["incursions_total"]) / years,
        "csto_deployments": int(summary["csto_interventions"]),
        "csto_response_months": summary["csto_mean_response_months"],
        "csto_months_deployed": int((troops > 0).sum()),
        "csto_max_troops": float(troops.max()) if troops.size else 0.0,
        "hut_members_final": float(summary["hut_members_final"]),
    }
    for s in CA:
        row[f"attacks_{s}_per_year"] = float(frame[f"attacks_{s}"].sum()) / years
        row[f"destabilized_{s}"] = bool(summary[f"destabilized_{s}"])
        row[f"collapsed_{s}"] = bool(summary[f"collapsed_{s}"])
    row["destabilized_any_ca"] = any(row[f"destabilized_{s}"] for s in CA)
    row["collapsed_any_ca"] = any(row[f"collapsed_{s}"] for s in CA)
    return row


def run(label: str, out: Path) -> None:
    """Run every scenario, cooperation level and seed; write one row per run."""
    jobs = [(s, lv, k) for s in SCENARIOS for lv in LEVELS for k in range(SEEDS)]
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=ctx) as pool:
        rows = list(pool.map(_one, jobs, chunksize=4))
    table = pd.DataFrame(rows)
    table["label"] = label
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_parquet(out)
    print(f"wrote {len(table)} runs to {out}")


def _share(x: pd.Series) -> str:
    from stability_sim.analysis.stats import wilson_interval

    n, k = len(x), int(x.sum())
    lo, hi = wilson_interval(k, n)
    return f"{k}/{n} ({lo:.2f}–{hi:.2f})"


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """One row per label, scenario and cooperation level."""
    out = []
    for (label, scenario, level), g in table.groupby(["label", "scenario", "cooperation"],
                                                    sort=False):
        deployed = g[g["csto_deployments"] > 0]
        out.append({
            "label": label, "scenario": scenario, "cooperation": level,
            "CA attacks/yr": f"{g['ca_attacks_per_year'].median():.1f}",
            "incursions/yr": f"{g['incursions_per_year'].median():.1f}",
            "any CA destabilised": _share(g["destabilized_any_ca"]),
            "TJK destabilised": _share(g["destabilized_tjk"]),
            "KGZ destabilised": _share(g["destabilized_kgz"]),
            "any CA collapsed": _share(g["collapsed_any_ca"]),
            "runs with a CSTO deployment": _share(g["csto_deployments"] > 0),
            "CSTO troops (median max)": (f"{deployed['csto_max_troops'].median():,.0f}"
                                         if len(deployed) else "–"),
            "CSTO months deployed (median)": (f"{deployed['csto_months_deployed'].median():.0f}"
                                              if len(deployed) else "–"),
            "CSTO response months (mean)": (f"{deployed['csto_response_months'].mean():.1f}"
                                            if len(deployed) else "–"),
            "HuT members (median)": f"{g['hut_members_final'].median():,.0f}",
        })
    return pd.DataFrame(out)


def main() -> None:
    """``run`` or ``table`` (the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--label", required=True)
    r.add_argument("--out", type=Path, required=True)
    t = sub.add_parser("table")
    t.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args()
    if args.command == "run":
        run(args.label, args.out)
    else:
        table = pd.concat([pd.read_parquet(f) for f in args.files], ignore_index=True)
        frame = summarise(table)
        print("| " + " | ".join(frame.columns) + " |")
        print("|" + "---|" * len(frame.columns))
        for row in frame.itertuples(index=False):
            print("| " + " | ".join(str(v) for v in row) + " |")


if __name__ == "__main__":
    main()
