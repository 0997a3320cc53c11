"""What first destabilised each Central Asian state: an upheaval, violence or lost ground.

Issue 18's diagnosis of SF5: runs ``N`` matched seeds (default 30) of the baseline
(cooperation 0.25) and of ``high_cooperation`` (0.8) at 0.5° for 120 months, and for each
state's first destabilisation records which parts of the composite (docs/ODD.md §7
"Regimes") held that month: a regime that fell in an upheaval, a violent crisis (deaths
in the last months, an upheaval's toll included), or ground lost (control below its
threshold)::

    python benchmarks/destabilisation_causes.py 30

Prints per scenario the runs with any state destabilised, those with one destabilised by
violence or lost ground, and the count of each (state, cause).
"""

from __future__ import annotations

import argparse
import multiprocessing
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

import numpy as np

MASTER = 20131123
MONTHS = 120
CA = ("KAZ", "KGZ", "TJK", "TKM", "UZB")
SCENARIOS = ("baseline", "high_cooperation")


def _one(job: tuple[str, int]) -> tuple[str, dict[str, str]]:
    from stability_sim.agents.regimes import ground_lost, violent_crisis
    from stability_sim.config import load_scenario
    from stability_sim.model import StabilityModel

    scenario, k = job
    model = StabilityModel(load_scenario(scenario, ["grid.resolution=0.5", f"months={MONTHS}"]),
                           rng=np.random.SeedSequence(MASTER, spawn_key=(k,)))
    p = model.pars.stability
    causes: dict[str, str] = {}
    for _ in range(MONTHS):
        model.step()
        for iso in CA:
            state = model.state(iso)
            if iso in causes or state.destabilized_step is None:
                continue
            held = {
                "upheaval": state.upheaval is not None and state.upheaval.fell,
                "violence": violent_crisis(state.recent_deaths, months=p.destabilized_months,
                                           threshold=p.crisis_fatalities),
                "ground": ground_lost(state.control_below, months=p.destabilized_months),
            }
            causes[iso] = "+".join(name for name, on in held.items() if on) or "other"
    return scenario, causes


def main() -> None:
    """Run both scenarios and print the causes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", type=int, nargs="?", default=30)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    jobs = [(s, k) for s in SCENARIOS for k in range(args.seeds)]
    counts: dict[str, Counter] = {s: Counter() for s in SCENARIOS}
    any_state, by_force = Counter(), Counter()
    with ProcessPoolExecutor(args.workers,
                             mp_context=multiprocessing.get_context("spawn")) as pool:
        for scenario, causes in pool.map(_one, jobs):
            counts[scenario].update(causes.items())
            any_state[scenario] += bool(causes)
            by_force[scenario] += any("violence" in c or "ground" in c
                                      for c in causes.values())
    for s in SCENARIOS:
        print(f"{s}: any state destabilised {any_state[s]}/{args.seeds}; by violence or "
              f"lost ground {by_force[s]}/{args.seeds}")
        for (iso, cause), n in sorted(counts[s].items()):
            print(f"    {iso} {cause}: {n}")


if __name__ == "__main__":
    main()
