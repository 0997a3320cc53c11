"""Results for the analysis tests: synthetic ones with known answers, and a real small sweep.

Synthetic results are built in memory in the shape a sweep writes (runs table, manifest),
so each statistic can be checked against a value worked out by hand or by theory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from stability_sim.config import SCENARIO_DIR
from stability_sim.experiments import Results, run_sweep
from stability_sim.outcomes import monthly_columns, summary_keys, summary_types


def synthetic(design: dict[str, Any], runs: dict[str, Any], tmp: Path = Path("synthetic"),
              ) -> Results:
    """Results holding the given run columns; every other summary outcome is zero/false."""
    frame = pd.DataFrame(runs)
    n = len(frame)
    frame.insert(0, "run_id", np.arange(n))
    if "status" not in frame:
        frame["status"] = "ok"
    for key, kind in summary_types().items():
        if key not in frame:
            frame[key] = False if kind == "bool" else 0.0
    manifest = {"design": design, "replications": 1, "total_runs": n, "status": "complete",
                "columns": {"summary": summary_keys(), "monthly": monthly_columns(),
                            "parameters": list(design["parameters"])}}
    return Results(tmp, manifest, frame)


TINY = f"""\
name: small
description: a small grid for the analysis tests
scenario: {SCENARIO_DIR / 'baseline.yaml'}
months: 24
seed: 5
replications: 3
set: {{grid.resolution: 0.5}}
design:
  kind: grid
  parameters:
    drawdown.residual_troops: [8000, 12000]
    cooperation.level: [0.25, 0.8]
"""

#: The run of the small sweep that is made to fail.
FAILING_RUN = 4


@pytest.fixture(scope="session")
def small_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real 2 × 2 grid × 3 replications at 0.5°, 24 months, with run 4 failed."""
    from stability_sim.model import StabilityModel

    folder = tmp_path_factory.mktemp("small")
    (folder / "small.yaml").write_text(TINY)
    original = StabilityModel.step

    def step(self: StabilityModel) -> None:
        if self.spawn_key == (FAILING_RUN,) and self.steps == 3:
            raise FloatingPointError("injected failure")
        original(self)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(StabilityModel, "step", step)
        outcome = run_sweep(folder / "small.yaml", out=folder / "out", executor="serial",
                            chunk_runs=4)
    assert (outcome.ok, outcome.failed) == (11, 1)
    return folder / "out"
