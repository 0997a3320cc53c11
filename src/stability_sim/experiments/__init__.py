"""Running the model many times: sweeps and the ensembles of the stylized facts.

Sweeps are designs, seeding, executors and a result store (see each module).

For notebooks::

    from stability_sim.experiments import run_sweep, load_results
    run_sweep("configs/sweeps/demo.yaml", workers=2)
    results = load_results("results/demo")
    results.runs.groupby("cooperation.level")["destabilized_tjk"].mean()
"""

from stability_sim.experiments.results import Results, load_results
from stability_sim.experiments.spec import Sweep, load_sweep
from stability_sim.experiments.sweep import SweepInterrupted, SweepOutcome, run_sweep

__all__ = ["Results", "Sweep", "SweepInterrupted", "SweepOutcome", "load_results",
           "load_sweep", "run_sweep"]
