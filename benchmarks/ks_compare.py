r"""Are the outcome distributions the same before and after a change of environment?

Runs the same N seeds (children of one SeedSequence) of the baseline scenario in two
environments, each an interpreter plus the ``src`` folder of a checkout, and compares the
main outcomes of the run summary: continuous and count outcomes with a two-sample
Kolmogorov-Smirnov test (``scipy.stats.ks_2samp``, exact where scipy can), the binary
ones (destabilized_*, collapsed_*) as shares with Fisher's exact test. The family of
tests is corrected with Holm's step-down method at α = 0.05 (familywise error rate); an
outcome passes when its null (same distribution) is not rejected.

Values are rounded to ``--digits`` significant digits (default 10) before testing: KS
compares orders, so a last-bit difference that is the same in every run (Python 3.12's
``sum`` of floats is compensated, 3.11's is not) makes a nearly constant outcome "fail"
with D near 1 although no run moved by more than 1e-15. ``--digits 0`` tests raw values.
Both sides run the same seeds, so the samples are paired and the two-sample tests are
conservative; the largest paired difference, printed too, is the sharper check.

The fixed-seed runs differ between environments only when the change moves a draw or a
floating-point result; this test asks whether the *distributions* moved. Example (Mesa
3.3.1 on Python 3.11 against Mesa 3.5 on Python 3.12)::

    python benchmarks/ks_compare.py \\
        --before /work/main/.venv/bin/python=/tmp/base331/src \\
        --after /tmp/venv312/bin/python=src --n 100 --jobs 2

Each side's worker is this file run by that side's interpreter (``--worker``), with
``PYTHONPATH`` set to its ``src``; it prints one JSON summary a line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

#: Outcomes compared; the first group as shares (Fisher), the rest with KS.
BINARY = [f"destabilized_{s}" for s in ("afg", "tjk", "kgz", "uzb", "tkm", "kaz")] + [
    f"collapsed_{s}" for s in ("afg", "tjk", "kgz", "uzb", "tkm", "kaz")]
CONTINUOUS = [f"min_stability_{s}" for s in ("afg", "tjk", "kgz", "uzb", "tkm", "kaz")] + [
    "afg_insurgent_control_final", "attacks_central_asia_total",
    "fatalities_central_asia_total", "incursions_total", "csto_interventions",
    "trafficking_north_share", "fighters_ca_networks_mean", "hut_members_final"]

ALPHA = 0.05
MASTER_SEED = 20140101


def worker(indices: list[int], n: int, master: int, resolution: float, months: int) -> None:
    """Run the given seed indices and print one JSON line per run (in the side's env)."""
    import numpy as np

    from stability_sim.config import SCENARIO_DIR, load_scenario
    from stability_sim.model import StabilityModel

    scenario = load_scenario(SCENARIO_DIR / "baseline.yaml",
                             [f"grid.resolution={resolution}", f"months={months}"])
    children = np.random.SeedSequence(master).spawn(n)
    for i in indices:
        summary = StabilityModel(scenario, rng=children[i]).run()
        row = {k: (None if summary.get(k) is None else float(summary[k]))
               for k in BINARY + CONTINUOUS}
        print(json.dumps({"i": i, **row}), flush=True)


def versions(python: str, src: str) -> str:
    """The Python, Mesa and numpy versions of one side."""
    code = ("import sys, numpy, mesa; print(f'Python {sys.version.split()[0]}, "
            "Mesa {mesa.__version__}, numpy {numpy.__version__}')")
    return subprocess.run([python, "-c", code], env=_env(src), capture_output=True,
                          text=True, check=True).stdout.strip()


def _env(src: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(Path(src).resolve())}


def run_side(python: str, src: str, args: argparse.Namespace) -> list[dict]:
    """All N runs of one side, split into ``jobs`` worker processes."""
    chunks = [list(range(k, args.n, args.jobs)) for k in range(args.jobs)]

    def one(indices: list[int]) -> list[dict]:
        cmd = [python, str(Path(__file__).resolve()), "--worker",
               "--indices", ",".join(map(str, indices)), "--n", str(args.n),
               "--master", str(args.master), "--resolution", str(args.resolution),
               "--months", str(args.months)]
        out = subprocess.run(cmd, env=_env(src), capture_output=True, text=True)
        if out.returncode:
            sys.exit(f"worker failed ({python}):\n{out.stderr[-3000:]}")
        return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]

    with ThreadPoolExecutor(args.jobs) as pool:
        rows = [r for part in pool.map(one, chunks) for r in part]
    return sorted(rows, key=lambda r: r["i"])


def _close(x: float | None, y: float | None) -> bool:
    if x is None or y is None:
        return x is y
    return abs(x - y) <= 1e-9 * max(abs(x), abs(y), 1e-300)


def holm(pvalues: list[float], alpha: float) -> list[bool]:
    """Holm's step-down: True where the null is rejected, familywise error ≤ alpha."""
    order = sorted(range(len(pvalues)), key=lambda k: pvalues[k])
    rejected = [False] * len(pvalues)
    m = len(pvalues)
    for rank, k in enumerate(order):
        if pvalues[k] <= alpha / (m - rank):
            rejected[k] = True
        else:
            break
    return rejected


def _round(values: list[float], digits: int) -> list[float]:
    if not digits:
        return values
    return [float(f"{v:.{digits}g}") for v in values]


def compare(before: list[dict], after: list[dict], digits: int = 10) -> list[dict]:
    """One row per outcome: means, test statistic, p-value, pass after Holm."""
    import numpy as np
    from scipy.stats import fisher_exact, ks_2samp

    out = []
    for name in BINARY + CONTINUOUS:
        a = np.array(_round([r[name] for r in before], digits), dtype=float)
        b = np.array(_round([r[name] for r in after], digits), dtype=float)
        if name in BINARY:
            table = [[int(a.sum()), int(len(a) - a.sum())], [int(b.sum()), int(len(b) - b.sum())]]
            p = fisher_exact(table).pvalue
            out.append({"outcome": name, "test": "Fisher", "before": a.mean(),
                        "after": b.mean(), "stat": float("nan"), "p": float(p)})
        else:
            res = ks_2samp(a, b)
            out.append({"outcome": name, "test": "KS", "before": a.mean(), "after": b.mean(),
                        "stat": float(res.statistic), "p": float(res.pvalue)})
    for row, rejected in zip(out, holm([r["p"] for r in out], ALPHA), strict=True):
        row["pass"] = not rejected
    return out


def main() -> None:
    """Run both sides and print the table; exit 1 when an outcome fails."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", help="PYTHON=SRC of the environment before")
    ap.add_argument("--after", help="PYTHON=SRC of the environment after")
    ap.add_argument("--n", type=int, default=100, help="seeds per side (default 100)")
    ap.add_argument("--master", type=int, default=MASTER_SEED, help="master seed")
    ap.add_argument("--resolution", type=float, default=0.5)
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--digits", type=int, default=10,
                    help="significant digits kept before testing (0: raw values)")
    ap.add_argument("--out", type=Path, help="also write the runs and the table (JSON)")
    ap.add_argument("--from-json", type=Path, help="re-test the runs of an earlier --out")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--indices", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker([int(i) for i in args.indices.split(",") if i], args.n, args.master,
               args.resolution, args.months)
        return
    if args.from_json:
        saved = json.loads(args.from_json.read_text())
        runs, header = saved["runs"], saved.get("header", [])
        args.n = len(runs["before"])
        print("\n".join(header))
    else:
        if not (args.before and args.after):
            ap.error("--before and --after are required")
        sides, header = {}, []
        for label in ("before", "after"):
            python, _, src = getattr(args, label).partition("=")
            sides[label] = (python, src or "src")
            header.append(f"{label:6}: {versions(python, src or 'src')}  "
                          f"(src {Path(src or 'src').resolve()})")
        header.append(f"baseline scenario, {args.resolution}°, {args.months} months, "
                      f"N = {args.n} seeds (SeedSequence({args.master}).spawn({args.n}))")
        print("\n".join(header))
        runs = {}
        for label, (python, src) in sides.items():
            t = time.perf_counter()
            runs[label] = run_side(python, src, args)
            print(f"{label}: {len(runs[label])} runs in {time.perf_counter() - t:.0f} s "
                  f"({args.jobs} processes)")
    table = compare(runs["before"], runs["after"], args.digits)
    pairs = list(zip(runs["before"], runs["after"], strict=True))
    identical = sum(a == b for a, b in pairs)
    close = sum(all(_close(a[k], b[k]) for k in a) for a, b in pairs)
    worst = max((abs(a[k] - b[k]) / max(abs(a[k]), abs(b[k]), 1e-300), k)
                for a, b in pairs for k in a if a[k] is not None and b[k] is not None)
    print(f"\nsame seed on both sides: {identical} of {args.n} runs have an identical "
          f"summary, {close} agree to 1e-9 (relative); largest paired relative "
          f"difference {worst[0]:.2g} ({worst[1]})")
    print(f"α = {ALPHA}, Holm correction over {len(table)} outcomes; binary outcomes "
          "compared as shares with Fisher's exact test, the others with two-sample KS on "
          + (f"values rounded to {args.digits} significant digits\n" if args.digits
             else "raw values\n"))
    print(f"{'outcome':32} {'test':6} {'mean before':>12} {'mean after':>12} "
          f"{'KS D':>6} {'p':>7}  result")
    for r in table:
        stat = "" if r["stat"] != r["stat"] else f"{r['stat']:.3f}"
        print(f"{r['outcome']:32} {r['test']:6} {r['before']:12.4g} {r['after']:12.4g} "
              f"{stat:>6} {r['p']:7.3f}  {'pass' if r['pass'] else 'FAIL'}")
    failed = [r["outcome"] for r in table if not r["pass"]]
    print(f"\n{len(table) - len(failed)} of {len(table)} outcomes pass"
          + (f"; FAIL: {', '.join(failed)}" if failed else ""))
    if args.out:
        args.out.write_text(json.dumps({"header": header, "runs": runs, "table": table},
                                       indent=1))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
