"""``python -m tests.reliability.slow_commit ARGS``: the CLI with a slow chunk commit.

``ResultStore.flush`` (the commit entry point) is wrapped so that a commit with runs to
write touches ``$SLOW_COMMIT_MARK`` as it starts and then takes ``$SLOW_COMMIT_S``
seconds, which leaves a test time to send a signal in the middle of it.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from stability_sim.cli.main import app
from stability_sim.experiments.store import ResultStore

_flush = ResultStore.flush


def slow_flush(self: ResultStore) -> None:
    """Announce the commit, dawdle, then commit."""
    if getattr(self, "_rows", True):
        Path(os.environ["SLOW_COMMIT_MARK"]).touch()
        time.sleep(float(os.environ.get("SLOW_COMMIT_S", "3")))
    _flush(self)


ResultStore.flush = slow_flush  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(app(sys.argv[1:], prog_name="stability-sim"))
