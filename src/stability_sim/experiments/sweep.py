"""Running a sweep: seeds fixed by run id, an executor, and the result store.

:func:`run_sweep` is the one entry point, used by ``stability-sim sweep`` and by notebooks.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stability_sim.experiments import provenance
from stability_sim.experiments.dask_watch import SchedulerLostError
from stability_sim.experiments.executors import make_executor
from stability_sim.experiments.spec import Sweep, load_sweep
from stability_sim.experiments.stops import StopTrap, exit_code
from stability_sim.experiments.store import ResultStore
from stability_sim.paths import safe_output_dir

#: Exit code when the Dask scheduler was lost: try again later (sysexits.h EX_TEMPFAIL).
EX_TEMPFAIL = 75


@dataclass(frozen=True)
class SweepOutcome:
    """What a call of :func:`run_sweep` did.

    Attributes:
        path: The results folder.
        status: ``complete``, ``interrupted`` or ``incomplete``.
        total: Runs in the sweep.
        ok: Runs that finished (over all sessions).
        failed: Runs that failed (over all sessions).
        ran: Runs executed in this call (the rest were resumed from disk).
        elapsed_s: Wall time of this call.
        notes: Things the store found and repaired on resume.
        executor: The executor as the manifest records it (kind, workers, scheduler).
    """

    path: Path
    status: str
    total: int
    ok: int
    failed: int
    ran: int
    elapsed_s: float
    notes: tuple[str, ...] = ()
    executor: dict[str, Any] | None = None


def run_sweep(
    sweep: str | Path | Sweep,
    *,
    out: str | Path | None = None,
    executor: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    overrides: Sequence[str] = (),
    chunk_runs: int = 25,
    flush_seconds: float = 30.0,
    allow_version_change: bool = False,
    retry_failed: bool = True,
    progress: Callable[[int, int, int], None] | None = None,
    pool: Any = None,
) -> SweepOutcome:
    """Run a sweep into a results folder.

    Args:
        sweep: A sweep file, or a loaded :class:`~stability_sim.experiments.spec.Sweep`.
        out: The results folder (default ``results/<name>`` in the working folder).
        executor: ``local`` (process pool), ``serial`` or ``dask``.
        workers: Worker processes (default: one per core).
        scheduler: A Dask scheduler address (``--executor dask`` only).
        resume: Continue the sweep already in ``out``.
        overwrite: Replace the sweep results already in ``out``.
        overrides: ``key=value`` settings for every run (with a sweep file path only).
        chunk_runs: Runs per chunk written to disk.
        flush_seconds: Write a chunk at least this often while runs finish.
        allow_version_change: Resume even if the code, the libraries or the resolved
            parameters changed since the last session (recorded in the manifest).
        retry_failed: On resume, run the runs that failed before again.
        progress: Called as ``progress(done, failed, total)`` after each run.
        pool: An executor already started, used instead of making one (its owner stops
            it): a calibration runs its many small sweeps in one pool, since starting
            workers and importing the model in them costs seconds each time.

    Returns:
        What was run and where it is.

    Raises:
        UserError: For a bad sweep file, option or output folder (before any run), or a
            resume of another sweep or model.
        StorageError: If the results folder cannot be written (full, read-only); what
            was committed stays, and ``resume=True`` continues once it is fixed.
        SweepInterrupted: After Ctrl-C, SIGTERM, SIGHUP or a lost Dask scheduler, once
            the finished runs are saved. While it runs, those signals are handled here
            (a commit in progress is finished first); the handlers found are put back.
    """
    if not isinstance(sweep, Sweep):
        sweep = load_sweep(sweep, overrides)
    folder = safe_output_dir(Path(out) if out is not None else Path("results") / sweep.name,
                             option="out", allow_climb=True)
    if chunk_runs < 1:
        raise ValueError("chunk_runs must be at least 1")
    owned = pool is None
    pool = make_executor(executor, workers, scheduler) if owned else pool
    with StopTrap() as trap:
        with trap.held(deliver=False):  # a stop during the folder's set-up waits for it
            store = ResultStore.open(folder, sweep, resume=resume, overwrite=overwrite,
                                     executor=pool.describe(), chunk_runs=chunk_runs,
                                     flush_seconds=flush_seconds,
                                     environment=provenance.record(sweep),
                                     allow_version_change=allow_version_change,
                                     retry_failed=retry_failed)
        start = time.perf_counter()
        before = len(store.done)
        report = progress or (lambda done, failed, total: None)
        stop: KeyboardInterrupt | SchedulerLostError | None = None
        try:
            if trap.stop is not None:
                raise trap.stop
            report(len(store.done), store.counts["failed"], sweep.total_runs)
            todo = sweep.runs(skip=frozenset(store.done))
            if len(store.done) < sweep.total_runs:
                with pool if owned else contextlib.nullcontext(pool):
                    store.manifest["sessions"][-1]["executor"] = pool.describe()
                    for result in pool.results(todo):
                        # A stop signal waits until a chunk being committed is committed
                        # (store.add flushes when one is due).
                        with trap.held():
                            store.add(result)
                        report(len(store.done), store.counts["failed"], sweep.total_runs)
        except (KeyboardInterrupt, SchedulerLostError) as exc:
            stop = exc
        finally:
            with trap.held(deliver=False):
                status = store.close(interrupted=stop is not None or trap.stop is not None)
        stop = stop or trap.stop  # a signal during the last commit
    if stop is not None and status != "complete":
        if isinstance(stop, SchedulerLostError):
            raise SweepInterrupted(folder, len(store.done), sweep.total_runs,
                                   reason=str(stop), exit_code=EX_TEMPFAIL)
        raise SweepInterrupted(folder, len(store.done), sweep.total_runs,
                               reason=getattr(stop, "name", "SIGINT"), exit_code=exit_code(stop))
    return SweepOutcome(folder, status, sweep.total_runs, store.counts["ok"],
                        store.counts["failed"], len(store.done) - before,
                        time.perf_counter() - start, tuple(store.notes), pool.describe())


class SweepInterrupted(KeyboardInterrupt):
    """Raised after Ctrl-C (or SIGTERM, SIGHUP, a lost scheduler) once finished runs are saved.

    Attributes:
        path: The results folder.
        saved: Runs saved so far.
        total: Runs in the sweep.
        reason: What stopped the sweep: a signal's name (``SIGINT`` for Ctrl-C) or what
            happened to the Dask scheduler.
        exit_code: The CLI's exit code: 128 + the signal (130 for Ctrl-C), or
            :data:`EX_TEMPFAIL` when the scheduler was lost.
    """

    def __init__(self, path: Path, saved: int, total: int, *, reason: str = "SIGINT",
                 exit_code: int = 130) -> None:
        super().__init__(f"interrupted ({reason}): {saved} of {total} runs saved in {path}")
        self.path, self.saved, self.total = path, saved, total
        self.reason, self.exit_code = reason, exit_code
