"""What a worker does with one run: build the model from the run's seed, step, report.

:func:`execute` never raises for a failure inside the model: the run comes back as
``failed`` with the error, so a sweep goes on. It is a module-level function so that
process pools and Dask can send it to other processes by reference.
"""

from __future__ import annotations

import gc
import json
import time
import traceback
from dataclasses import dataclass
from typing import Any

import pandas as pd

from stability_sim.experiments.spec import Run
from stability_sim.experiments.stops import quiet_worker


@dataclass
class RunResult:
    """The outcome of one run.

    Attributes:
        run_id: The run's id.
        row: The run's row of ``runs.parquet`` without the swept columns: ids, seed,
            status, error, elapsed time and the summary (empty for a failed run).
        timeseries: Monthly outcomes with ``run_id``, ``step`` and ``date`` first; None
            for a failed run.
        cells: The per-cell summary (``run_id``, ``cell``, then
            :data:`~stability_sim.outcomes.CELL_COLUMNS`); None for a failed run.
        traceback: The full traceback of a failed run, for the sweep's ``failed.log``.
    """

    run_id: int
    row: dict[str, Any]
    timeseries: pd.DataFrame | None = None
    cells: pd.DataFrame | None = None
    traceback: str | None = None


def seed_columns(run: Run) -> dict[str, Any]:
    """How a row records its seed: the master entropy and the spawn key (as JSON)."""
    return {"seed_entropy": int(run.seed.entropy),
            "spawn_key": json.dumps(list(run.seed.spawn_key))}


def execute(run: Run) -> RunResult:
    """Run one model to its horizon; a failure is caught and recorded, not raised."""
    from stability_sim.model import StabilityModel  # heavy import, paid once per process

    _settle_process()
    row: dict[str, Any] = {"run_id": run.run_id, "point_id": run.point_id,
                           "replicate": run.replicate, **seed_columns(run)}
    start = time.perf_counter()
    try:
        model = StabilityModel(run.scenario, rng=run.seed)
        summary = model.run()
        frame = model.timeseries()
        cells = model.cell_summary()
    except Exception as exc:  # any model failure is data for the researcher, not a crash
        message = " ".join(f"{type(exc).__name__}: {exc}".split())
        row.update(status="failed", error=message, elapsed_s=time.perf_counter() - start)
        return RunResult(run.run_id, row, traceback=traceback.format_exc())
    finally:
        # A finished model is a web of cycles (agents and model, cells and agents) that
        # only the collector frees; free it now, so a worker holds one model at a time.
        model = None
        gc.collect()
    frame.insert(0, "run_id", run.run_id)
    cells.insert(0, "run_id", run.run_id)
    row.update(status="ok", error=None, elapsed_s=time.perf_counter() - start, **summary)
    return RunResult(run.run_id, row, frame, cells)


_settled = False  # per process: see _settle_process


def _settle_process() -> None:
    """Once per process: set aside what the imports made, so collections stay cheap.

    A full collection examines every tracked object, and the imports (numpy, pandas,
    Mesa, ...) make ~100,000 of them that live as long as the process: collecting after
    a 0.5° run took 37 ms with them, 3 ms without (``gc.freeze`` moves them out of the
    collector's sight; what was already garbage is collected first).
    """
    global _settled
    if not _settled:
        gc.collect()
        gc.freeze()
        _settled = True


def init_worker() -> None:
    """Process-pool initializer: leave stop signals to the driver, warm the caches.

    The driver saves finished runs and stops the pool on Ctrl-C, SIGTERM or SIGHUP;
    workers that also got the signal would die mid-run and print tracebacks over the
    progress bar. A worker also dies with the driver, so none is left orphaned.
    """
    quiet_worker()
    from stability_sim import model  # noqa: F401  (import once, before the first run)
