"""What one chunk commit costs as a sweep grows: the journal now, the manifest rewrite before.

Usage::

    .venv/bin/python benchmarks/commit_cost.py [--sizes 100 4000 40000] [--repeat 15]

For each size N it builds a result store whose manifest already lists N committed chunks
and a journal of N lines, then times, side by side in one process:

- ``flush``: a whole commit of one real run (its three Parquet files, written atomically,
  and the journal line, fsynced) through :meth:`ResultStore.flush`;
- ``journal``: the commit point alone (one checked line appended and fsynced);
- ``manifest rewrite``: what 723134c did on every commit instead (the manifest with N
  chunk entries serialised and written atomically).

Medians of ``--repeat`` commits; timings here are noisy, so compare the columns of one
run (ratios), not runs on different machines.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from stability_sim.config import SCENARIO_DIR
from stability_sim.experiments import provenance
from stability_sim.experiments.chunks import Journal, chunk_file, entry_line
from stability_sim.experiments.spec import load_sweep
from stability_sim.experiments.store import MANIFEST, ResultStore, new_manifest
from stability_sim.experiments.worker import execute
from stability_sim.runio import atomic_write_bytes, jsonable

SWEEP = f"""\
name: commit_cost
scenario: {SCENARIO_DIR / 'baseline.yaml'}
months: 12
seed: 1
replications: 1
set: {{grid.resolution: 0.5}}
design:
  kind: grid
  parameters:
    cooperation.level: [0.5]
"""


def entry(cid: int) -> dict[str, object]:
    """A plausible committed chunk entry (names of its id, made-up checksums)."""
    out: dict[str, object] = {"id": cid, "n_runs": 25, "n_ok": 25, "n_failed": 0}
    for key in ("timeseries", "cells", "runs"):
        out[key] = chunk_file(key, cid)
        out[f"{key}_sha256"] = f"{cid:064x}"
    return out


def median_ms(samples: list[float]) -> float:
    """The median of seconds, in milliseconds."""
    return statistics.median(samples) * 1e3


def measure(size: int, repeat: int, root: Path) -> dict[str, float]:
    """Median costs (ms) of a commit with ``size`` chunks already committed."""
    folder = root / f"n{size}"
    for sub in ("parts", "timeseries", "cells"):
        (folder / sub).mkdir(parents=True)
    (root / "sweep.yaml").write_text(SWEEP)
    sweep = load_sweep(root / "sweep.yaml")
    record = provenance.record(sweep)
    manifest = new_manifest(sweep, {"started": "now", "finished": None, "executor": {},
                                    "environment": record}, record)
    manifest["chunks"] = [entry(i) for i in range(size)]
    (folder / "chunks.jsonl").write_bytes(b"".join(entry_line(entry(i)) for i in range(size)))
    result = execute(sweep.run(0))
    store = ResultStore(folder, sweep, manifest, chunk_runs=10**9, flush_seconds=1e9)
    store._journal = Journal(folder)  # a store opened without its checks
    flush, journal, rewrite = [], [], []
    for i in range(repeat):
        store.done.discard(result.run_id)
        store.add(result)
        start = time.perf_counter()
        store.flush()
        flush.append(time.perf_counter() - start)
        line = entry(size + repeat + i)
        start = time.perf_counter()
        store._journal.append(line)
        journal.append(time.perf_counter() - start)
        start = time.perf_counter()
        text = json.dumps(jsonable(manifest), indent=1, allow_nan=False)
        atomic_write_bytes(folder / MANIFEST, (text + "\n").encode())
        rewrite.append(time.perf_counter() - start)
    store._journal.close()
    return {"chunks": size, "flush_ms": median_ms(flush), "journal_ms": median_ms(journal),
            "manifest_rewrite_ms": median_ms(rewrite),
            "manifest_kb": (folder / MANIFEST).stat().st_size / 1024}


def main() -> None:
    """Print one row per size."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 4000, 40000])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    print(f"{'chunks':>8} {'flush ms':>10} {'journal ms':>11} {'old rewrite ms':>15} "
          f"{'manifest kB':>12}")
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        for size in args.sizes:
            row = measure(size, args.repeat, Path(tmp))
            print(f"{row['chunks']:>8,} {row['flush_ms']:>10.2f} {row['journal_ms']:>11.2f} "
                  f"{row['manifest_rewrite_ms']:>15.1f} {row['manifest_kb']:>12,.0f}")


if __name__ == "__main__":
    main()
