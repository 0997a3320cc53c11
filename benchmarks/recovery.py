"""The parameter-recovery benchmark: the shipped ``recovery`` calibration, and plain ABC.

Runs configs/calibrations/recovery.yaml (history matching, then ABC-SMC in what it leaves)
and the same problem with plain ABC (``waves: 0``: one pilot design for the ensemble
variances, then ABC-SMC over the whole prior box), and prints:

* the recovery table: truth, prior, posterior median and 90 % interval per parameter;
* runs and wall time of each, the emulator cost per wave;
* the share of runs history matching saved against plain ABC (same population,
  generations, replications and seeds).

Usage::

    .venv/bin/python benchmarks/recovery.py [--out DIR] [--only hm|plain] [--workers 2]

Writes DIR/recovery_results.json (default DIR: results/bench-recovery). A timing is a
benchmark, not a test; quote medians of several runs when comparing machines.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import yaml

from stability_sim.calibration import calibrate, load_calibration


def _plain(out: Path) -> Path:
    """The recovery calibration file with history matching replaced by a pilot design."""
    source = Path(load_calibration("recovery").source)
    document = yaml.safe_load(source.read_text())
    document["name"] = "recovery-plain"
    document["targets"] = str((source.parent / document["targets"]).resolve())
    document["history_matching"] = {**document.get("history_matching", {}), "waves": 0}
    path = out / "recovery-plain.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def _one(label: str, calibration: str | Path, out: Path, workers: int) -> dict:
    start = time.perf_counter()
    outcome = calibrate(calibration, out=out / label, workers=workers, overwrite=True)
    wall = time.perf_counter() - start
    manifest = json.loads((outcome.path / "manifest.json").read_text())
    stages = outcome.stages
    counted = outcome.summary["runs_counted"]
    return {"label": label, "wall_s": wall, "runs": outcome.runs, "runs_counted": counted,
            "stages": [{k: s[k] for k in ("name", "points", "runs")} for s in stages],
            "nroy": outcome.nroy, "parameters": outcome.summary["parameters"],
            "emulator_seconds": manifest.get("emulator_seconds", []),
            "abc": manifest.get("abc", {}), "notes": outcome.notes}


def _print(result: dict) -> None:
    print(f"\n== {result['label']}: {result['runs']:,} runs ({result['runs_counted']:,} "
          f"counted in the budget) in {result['wall_s']:,.0f} s; NROY per wave "
          f"{', '.join(f'{s:.1%}' for s in result['nroy']) or '-'}")
    print(f"{'parameter':38} {'truth':>8} {'prior':>16} {'median':>8} {'90% interval':>20} "
          f"{'width':>6} covered")
    for name, e in result["parameters"].items():
        covered = e["q05"] <= e.get("truth", float("nan")) <= e["q95"]
        prior = f"[{e['prior'][0]:g}, {e['prior'][1]:g}]"
        interval = f"[{e['q05']:.4g}, {e['q95']:.4g}]"
        print(f"{name:38} {e.get('truth', float('nan')):8.4g} {prior:>16} "
              f"{e['median']:8.4g} {interval:>20} {e['width_share']:6.2f} {covered}")
    for w in result["emulator_seconds"]:
        print(f"  wave {w['wave']}: design {w['design_s']:.2f} s, fit {w['fit_s']:.2f} s, "
              f"LOO {w['loo_s']:.2f} s, reference {w['reference_s']:.2f} s")
    abc = result["abc"]
    if abc:
        print(f"  ABC: {abc.get('generations')} generations, {abc.get('simulations')} "
              f"particles simulated, temperatures {abc.get('epsilon')}")
    for note in result["notes"]:
        print(f"  note: {note}")


def main() -> None:
    """Run the benchmark and print its tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("results/bench-recovery"))
    parser.add_argument("--only", choices=("hm", "plain"))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    if args.only in (None, "hm"):
        results.append(_one("history-matching", "recovery", args.out, args.workers))
        _print(results[-1])
    if args.only in (None, "plain"):
        results.append(_one("plain-abc", _plain(args.out), args.out, args.workers))
        _print(results[-1])
    if len(results) == 2:
        hm, plain = (r["runs_counted"] for r in results)
        print(f"\nruns to the posterior: {hm:,} with history matching, {plain:,} with plain "
              f"ABC: {1 - hm / plain:+.0%} saved")
    (args.out / "recovery_results.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
