"""Executors: where runs execute.

``serial`` (this process), ``local`` (a process pool), ``dask`` (Dask distributed: a
LocalCluster, or an existing cluster at a scheduler address).

Each yields :class:`~stability_sim.experiments.worker.RunResult` objects as runs finish,
in any order, keeping only a bounded number of runs in flight so memory does not grow
with the size of the sweep. Results do not depend on the executor: a run's seed is fixed
by its id before it is scheduled.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from stability_sim.errors import UserError
from stability_sim.experiments import stops
from stability_sim.experiments.dask_watch import (
    PROBE_AFTER_S,
    SchedulerLostError,
    SchedulerWatch,
    check_scheduler,
    close_lost,
)
from stability_sim.experiments.spec import Run
from stability_sim.experiments.worker import RunResult, execute, init_worker, seed_columns

EXECUTORS = ("local", "serial", "dask")

#: What a worker does with a run (a module-level function, so other processes can import it).
Task = Callable[[Run], RunResult]

#: Runs in flight per worker: enough to keep workers busy, few enough to bound memory.
WINDOW_PER_WORKER = 2

#: Seconds between looks for finished Dask runs (as_completed itself looks every 0.1 s).
POLL_S = 0.05
#: Seconds to wait for a lost scheduler to acknowledge the client's goodbye.
CLOSE_LOST_S = 5

#: Dask settings for the LocalCluster. A worker's event loop shares the GIL with the run it
#: computes, and every wake-up costs the run a thread switch: the 10 ms statistical
#: profiler (only the dashboard shows it, and we start none), the 20 ms event-loop health
#: tick and the 100 ms memory monitor added about 6% to each run here. Slower ticks keep
#: the checks. (For a cluster started with `dask worker`, the README gives the same as
#: environment variables.)
DASK_QUIET = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.tick.limit": "30s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
}


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def died(run: Run, how: str) -> RunResult:
    """The result of a run whose worker process died under it."""
    row = {"run_id": run.run_id, "point_id": run.point_id, "replicate": run.replicate,
           **seed_columns(run), "status": "failed", "error": how, "elapsed_s": None}
    return RunResult(run.run_id, row)


class SerialExecutor:
    """Runs one after another in this process (debugging, profiling, tiny sweeps).

    Args:
        task: What to do with a run (default: simulate it).
    """

    kind = "serial"
    workers = 1

    def __init__(self, task: Task = execute) -> None:
        self.task = task

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def describe(self) -> dict[str, Any]:
        """What the manifest records about the executor."""
        return {"kind": self.kind, "workers": 1}

    def results(self, runs: Iterable[Run]) -> Iterator[RunResult]:
        """Execute each run in turn."""
        for run in runs:
            yield self.task(run)


class LocalExecutor:
    """A pool of worker processes on this machine (spawned, as Mesa requires).

    A run that kills its worker process (a crash, ``os._exit``, the OOM killer) breaks
    the whole pool; the pool is restarted and the runs that were in flight are retried
    one at a time, so only the run that kills its worker again is marked failed.

    Args:
        workers: Worker processes (default: one per core).
        task: What a worker does with a run (default: simulate it).
    """

    kind = "local"

    def __init__(self, workers: int | None = None, task: Task = execute) -> None:
        self.workers = workers or default_workers()
        self.task = task
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> LocalExecutor:
        self._start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop(cancel=exc[0] is not None)

    def describe(self) -> dict[str, Any]:
        """What the manifest records about the executor."""
        return {"kind": self.kind, "workers": self.workers}

    def _start(self) -> None:
        # Workers (and the resource tracker) start with the stop signals blocked, so that
        # only this process decides when the sweep stops (see stops.py).
        with stops.quietly_started():
            self._pool = ProcessPoolExecutor(self.workers, mp_context=stops.quiet_pool_context(),
                                             initializer=init_worker)

    def _stop(self, *, cancel: bool) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if cancel:
            # Interrupted: do not wait for runs in flight; their results would be dropped
            # anyway and a resume redoes them. (_processes is the only handle 3.11 offers;
            # SIGKILL, as workers ignore SIGTERM.)
            for proc in list((getattr(pool, "_processes", None) or {}).values()):
                proc.kill()
        pool.shutdown(wait=True, cancel_futures=True)

    def _restart(self) -> None:
        self._stop(cancel=True)
        self._start()

    def results(self, runs: Iterable[Run]) -> Iterator[RunResult]:
        """Execute runs in the pool, yielding each result as it finishes."""
        queue = iter(runs)
        window = self.workers * WINDOW_PER_WORKER
        inflight: dict[Future[RunResult], Run] = {}
        while True:
            while len(inflight) < window:
                run = next(queue, None)
                if run is None:
                    break
                assert self._pool is not None
                inflight[self._pool.submit(self.task, run)] = run
            if not inflight:
                return
            done, _ = wait(inflight, return_when=FIRST_COMPLETED)
            broken: list[Run] = []
            for future in done:
                run = inflight.pop(future)
                try:
                    yield future.result()
                except BrokenProcessPool:
                    broken.append(run)
            if broken:
                # Every other future of a broken pool fails too: retry them all alone.
                broken.extend(inflight.values())
                inflight.clear()
                self._restart()
                for run in sorted(broken, key=lambda r: r.run_id):
                    yield self._alone(run)

    def _alone(self, run: Run) -> RunResult:
        assert self._pool is not None
        try:
            return self._pool.submit(self.task, run).result()
        except BrokenProcessPool:
            self._restart()
            return died(run, "the worker process died during this run (a crash, os._exit "
                             "or the out-of-memory killer); rerun it alone to see why")


class DaskExecutor:
    """Dask distributed: a LocalCluster of worker processes, or a running cluster.

    Args:
        workers: Worker processes of the LocalCluster (ignored with a scheduler).
        scheduler: Address of a running scheduler, e.g. ``tcp://10.0.0.5:8786``.
        task: What a worker does with a run (default: simulate it).
    """

    kind = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None,
                 task: Task = execute) -> None:
        self.workers = workers or default_workers()
        self.scheduler = scheduler
        self.task = task
        self._client: Any = None
        self._cluster: Any = None
        self._lost = False

    def __enter__(self) -> DaskExecutor:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise UserError("the dask executor needs Dask distributed: "
                            "pip install 'stability_sim[distributed]'",
                            source="--executor") from None
        if self.scheduler:
            # A lost scheduler is told in one line (SchedulerLostError); Dask's own note of
            # the closed connection comes with a traceback at INFO level.
            logging.getLogger("distributed.batched").setLevel(logging.WARNING)
            try:
                self._client = Client(self.scheduler, timeout="20s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise UserError(f"cannot reach a Dask scheduler at {self.scheduler} "
                                f"({' '.join(str(exc).split())[:120]})",
                                source="--scheduler") from None
            self.workers = len(self._client.scheduler_info().get("workers", {})) or self.workers
        else:
            import dask

            # Loopback only, no dashboard: a sweep should not open ports to the network.
            # The nannies hand the configuration at creation on to their workers.
            with dask.config.set(DASK_QUIET):
                self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                             processes=True, host="127.0.0.1",
                                             dashboard_address=None,
                                             silence_logs=logging.ERROR)
            self._client = Client(self._cluster)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            if self._lost:
                # A lost scheduler cannot acknowledge the goodbye: do not wait for it long.
                close_lost(self._client, CLOSE_LOST_S)
            else:
                self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def describe(self) -> dict[str, Any]:
        """What the manifest records about the executor."""
        return {"kind": self.kind, "workers": self.workers,
                "scheduler": self.scheduler or "LocalCluster (127.0.0.1)"}

    def results(self, runs: Iterable[Run]) -> Iterator[RunResult]:
        """Submit runs to the cluster, yielding each result as it finishes.

        Dask reschedules a run whose worker dies; a run that kills several workers in a
        row comes back as ``KilledWorker`` and is recorded as failed.

        Raises:
            SchedulerLostError: If the scheduler stops answering or cancels the runs in flight
                (their runs are not recorded, so a resume redoes them).
        """
        try:
            yield from self._results(runs)
        except SchedulerLostError:
            self._lost = True
            raise

    def _results(self, runs: Iterable[Run]) -> Iterator[RunResult]:
        from distributed import as_completed

        queue = iter(runs)
        window = max(2, self.workers * WINDOW_PER_WORKER)
        owners: dict[str, Run] = {}

        def submit() -> Any:
            run = next(queue, None)
            if run is None:
                return None
            try:
                future = self._client.submit(self.task, run, pure=False)
            except Exception as exc:  # a closed client: the scheduler went away
                raise SchedulerLostError(f"the Dask client lost the scheduler at "
                                         f"{self.describe()['scheduler']} "
                                         f"({type(exc).__name__})") from None
            owners[future.key] = run
            return future

        started = [f for f in (submit() for _ in range(window)) if f is not None]
        if not started:
            return
        # On this client's own loop: as_completed otherwise waits on the default client's,
        # and a future whose worker died after finishing (Dask recomputes it) then fails
        # with "bound to a different event loop" when another client is open in-process.
        pending = as_completed(started, loop=self._client.loop)
        watch = SchedulerWatch(self._client, self.describe()["scheduler"])
        for future in self._arrivals(pending, watch):
            run = owners.pop(future.key)
            if future.cancelled():
                # Nobody here cancels runs: the client lost the scheduler (or someone
                # cancelled them on the cluster). Not the run's failure; a resume redoes it.
                raise SchedulerLostError(f"the Dask scheduler at {watch.address} cancelled "
                                         f"the runs in flight (run {run.run_id} among them)")
            try:
                result = self._fetch(future, watch)
            except SchedulerLostError:
                raise
            except OSError as exc:
                # A closed connection while the scheduler dies is not the run's failure (a
                # resume must redo it): ask whether the scheduler is still there.
                if watch.lost():
                    raise SchedulerLostError(f"the Dask client lost the scheduler at "
                                             f"{watch.address} ({type(exc).__name__})") from None
                result = died(run, f"Dask could not finish this run: {type(exc).__name__}: "
                                   f"{' '.join(str(exc).split())[:300]}")
            except Exception as exc:  # KilledWorker, lost connection: the run's failure
                result = died(run, f"Dask could not finish this run: {type(exc).__name__}: "
                                   f"{' '.join(str(exc).split())[:300]}")
            future.release()
            yield result
            nxt = submit()
            if nxt is not None:
                pending.add(nxt)

    @staticmethod
    def _fetch(future: Any, watch: SchedulerWatch) -> Any:
        """A finished future's result, asking ``watch`` while it does not come.

        The result lives on a worker and is fetched through the scheduler: a scheduler
        frozen just after the run finished would block a plain ``result()`` forever.
        """
        while True:
            try:
                return future.result(timeout=PROBE_AFTER_S)
            except TimeoutError:
                watch.idle()

    @staticmethod
    def _arrivals(pending: Any, watch: SchedulerWatch) -> Iterator[Any]:
        """The futures of ``pending`` as they finish, asking ``watch`` while none does.

        Iterating ``as_completed`` itself would block for as long as no future finishes,
        which is forever when the scheduler is frozen.
        """
        while not pending.is_empty():
            batch = pending.next_batch(block=False)
            if not batch:
                watch.idle()
                time.sleep(POLL_S)
                continue
            watch.heard()
            yield from batch


def make_executor(kind: str, workers: int | None = None,
                  scheduler: str | None = None) -> SerialExecutor | LocalExecutor | DaskExecutor:
    """The executor for ``--executor``/``--workers``/``--scheduler``.

    Raises:
        UserError: For an unknown kind, a bad worker count or a scheduler without dask.
    """
    if kind not in EXECUTORS:
        raise UserError(f"expected one of {', '.join(EXECUTORS)}, got {kind!r}",
                        source="--executor")
    if workers is not None and not 1 <= workers <= 1024:
        raise UserError(f"expected 1 to 1024 workers, got {workers}", source="--workers")
    if scheduler and kind != "dask":
        raise UserError("a scheduler address needs --executor dask", source="--scheduler")
    if scheduler:
        check_scheduler(scheduler)  # before the results folder is made: a retry needs no flag
    if kind == "serial":
        return SerialExecutor()
    if kind == "local":
        return LocalExecutor(workers)
    return DaskExecutor(workers, scheduler)
