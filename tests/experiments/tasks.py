"""Worker tasks for the executor tests; a module, so spawned workers can import them."""

from __future__ import annotations

import os

from stability_sim.experiments.spec import Run
from stability_sim.experiments.worker import RunResult, execute

#: The run whose worker process dies.
DOOMED = 2


def die_on_doomed(run: Run) -> RunResult:
    """Simulate the run, except that the doomed run kills its process outright."""
    if run.run_id == DOOMED:
        os._exit(3)
    return execute(run)
