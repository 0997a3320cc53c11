"""Worker faults: a worker process that dies takes at most its own run with it.

A Dask worker process SIGKILLed mid-sweep (its run is rescheduled: every run ends ok,
written once); local pool workers that die by ``os._exit`` in a seeded random subset of
runs (those runs fail with a clear error, the rest equal the reference); and a result
delivered twice (which a cluster may do) is saved once.
"""

from __future__ import annotations

import logging
import os
import random
import signal
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from stability_sim.experiments import load_results, run_sweep
from stability_sim.experiments import sweep as sweep_module
from stability_sim.experiments.executors import DASK_QUIET, LocalExecutor, SerialExecutor
from stability_sim.experiments.spec import Run
from stability_sim.experiments.worker import RunResult
from tests.reliability.common import assert_sound, sweep_text, wait_for
from tests.reliability.tasks import DOOMED_ENV, die_on_doomed
from tests.sweep_results import assert_same, frames

#: 36 runs of 12 months: the crash-safety sweep, so the reference is shared.
SWEEP = sweep_text(levels=(0.25, 0.5, 0.8), replications=12)
SMALL = sweep_text()


def test_a_dask_worker_killed_mid_sweep_loses_nothing(tmp_path: Path, reference_of) -> None:
    pytest.importorskip("distributed")
    import dask
    from distributed import Client, LocalCluster

    path = tmp_path / "sweep.yaml"
    path.write_text(SWEEP)
    out = tmp_path / "out"
    killed: dict[str, Any] = {}
    with dask.config.set(DASK_QUIET), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                         dashboard_address=None, silence_logs=logging.CRITICAL) as cluster, \
            Client(cluster) as client:
        pids = client.run(os.getpid)  # worker address → worker process id
        assert len(pids) == 2 and os.getpid() not in pids.values()

        def progress(done: int, failed: int, total: int) -> None:
            if killed or done < 4:
                return
            busy = sorted(a for a, keys in client.processing().items() if keys and a in pids)
            if busy:  # else try again after the next result
                killed.update(address=busy[0], pid=pids[busy[0]], done=done,
                              running=list(client.processing()[busy[0]]))
                os.kill(pids[busy[0]], signal.SIGKILL)

        outcome = run_sweep(path, out=out, executor="dask", scheduler=cluster.scheduler_address,
                            chunk_runs=1, progress=progress)

        def restarted() -> bool:  # the nanny replaced the killed worker process
            try:
                now = client.run(os.getpid)
            except Exception:  # a worker still joining
                return False
            return len(now) == 2 and killed["pid"] not in now.values()

        assert killed and killed["running"], "no worker was busy to be killed"
        assert killed["done"] < outcome.total - 4, "the kill came too late to matter"
        assert wait_for(restarted, timeout=60)
    runs = frames(out)[0]
    errors = list(runs.loc[runs["status"] != "ok", "error"])
    assert (outcome.status, outcome.ok, outcome.failed) == ("complete", outcome.total, 0), errors
    assert outcome.notes == ()
    assert_sound(out, months=12)
    assert_same(reference_of(SWEEP), out)


def test_workers_dying_on_random_runs_fail_those_runs_only(tmp_path: Path, reference_of,
                                                           monkeypatch: pytest.MonkeyPatch):
    reference = reference_of(SMALL)  # before make_executor is replaced
    doomed = sorted(random.Random(31).sample(range(12), 2))
    monkeypatch.setenv(DOOMED_ENV, ",".join(map(str, doomed)))  # spawned workers inherit it
    monkeypatch.setattr(sweep_module, "make_executor",
                        lambda *args: LocalExecutor(2, task=die_on_doomed))
    path = tmp_path / "sweep.yaml"
    path.write_text(SMALL)
    out = tmp_path / "out"
    outcome = run_sweep(path, out=out, chunk_runs=3)
    assert (outcome.status, outcome.ok, outcome.failed) == ("complete", 10, 2)
    runs, ts, cells = frames(out)
    bad = runs[runs["status"] == "failed"]
    assert list(bad["run_id"]) == doomed
    assert bad["error"].str.contains("the worker process died during this run").all()
    assert bad["destabilized_tjk"].isna().all()
    assert set(ts["run_id"]).isdisjoint(doomed) and set(cells["run_id"]).isdisjoint(doomed)
    assert_sound(out, months=12)
    want_runs, want_ts, want_cells = frames(reference)
    good = ~want_runs["run_id"].isin(doomed)
    pd.testing.assert_frame_equal(runs[runs["status"] == "ok"].reset_index(drop=True),
                                  want_runs[good].reset_index(drop=True), check_dtype=False)
    pd.testing.assert_frame_equal(ts, want_ts[~want_ts["run_id"].isin(doomed)]
                                  .reset_index(drop=True))
    pd.testing.assert_frame_equal(cells, want_cells[~want_cells["run_id"].isin(doomed)]
                                  .reset_index(drop=True))


class TwiceExecutor(SerialExecutor):
    """Delivers every third result again at the end, as a cluster rerunning tasks may."""

    def results(self, runs: Iterable[Run]) -> Iterator[RunResult]:
        again = []
        for result in super().results(runs):
            yield result
            if result.run_id % 3 == 0:
                again.append(result)
        yield from again


def test_a_result_delivered_twice_is_saved_once(tmp_path: Path, reference_of,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    reference = reference_of(SMALL)  # before make_executor is replaced
    monkeypatch.setattr(sweep_module, "make_executor", lambda *args: TwiceExecutor())
    path = tmp_path / "sweep.yaml"
    path.write_text(SMALL)
    outcome = run_sweep(path, out=tmp_path / "out", chunk_runs=2)
    assert (outcome.status, outcome.ok) == ("complete", 12)
    assert outcome.notes == ("4 results of runs already saved were delivered again and "
                             "ignored (runs 0, 3, 6, 9)",)
    assert load_results(tmp_path / "out").manifest["counts"]["ok"] == 12
    assert_sound(tmp_path / "out", months=12)
    assert_same(reference, tmp_path / "out")
