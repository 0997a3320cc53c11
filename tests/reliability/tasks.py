"""Worker tasks for the fault tests; a module, so that spawned workers can import them."""

from __future__ import annotations

import os

from stability_sim.experiments.spec import Run
from stability_sim.experiments.worker import RunResult, execute

#: Environment variable with the ids of the runs whose worker dies ("3,7"); spawned
#: workers inherit the environment of the process that starts the pool.
DOOMED_ENV = "STABILITY_SIM_TEST_DOOMED"


def doomed() -> frozenset[int]:
    """The run ids whose worker process dies."""
    return frozenset(int(i) for i in os.environ.get(DOOMED_ENV, "").split(",") if i)


def die_on_doomed(run: Run) -> RunResult:
    """Simulate the run, except that a doomed run kills its process outright."""
    if run.run_id in doomed():
        os._exit(3)
    return execute(run)
