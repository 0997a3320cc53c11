"""The jihadist moves' fast paths give bit-for-bit the plain definitions' values.

Like ``test_fast_paths.py``: the attraction scored only around a network's cells equals
the whole map's, and the vectorised vision boxes are the union of the cached ones.
"""

from __future__ import annotations

import numpy as np

from stability_sim.config import SCENARIO_DIR, load_scenario
from stability_sim.model import StabilityModel


def test_near_is_the_union_of_the_vision_boxes() -> None:
    model = StabilityModel(load_scenario(SCENARIO_DIR / "baseline.yaml",
                                         ["grid.resolution=0.5", "months=1"]))
    world = model.world
    rng = np.random.default_rng(11)
    for radius in (1, 2, 3):
        for _ in range(50):
            where = rng.integers(0, world.n_cells, int(rng.integers(1, 30)))
            want = np.zeros(world.n_cells, dtype=bool)
            for i in where:
                want[world.box_cells(int(i), radius)] = True
            got = np.zeros(world.n_cells, dtype=bool)
            got[world.near(where, radius)] = True
            assert np.array_equal(got, want)


def test_attraction_around_the_cells_equals_the_whole_map_bit_for_bit() -> None:
    model = StabilityModel(load_scenario(SCENARIO_DIR / "baseline.yaml",
                                         ["grid.resolution=0.5", "months=24"]))
    for month in range(24):
        model.step()
        if month % 4:
            continue
        for net in model.networks:
            if not net.cells:
                continue
            net.new_month()
            full = net.attraction().copy()
            net.new_month()
            for member in list(net.cells.values()):
                candidates = net.vision_cells(member.cell_index)
                got = net.attraction_at(candidates)
                assert np.array_equal(got.view(np.int64), full[candidates].view(np.int64))
            # A cell outside every box is scored when asked for.
            far = np.arange(0, model.world.n_cells, 97)
            assert np.array_equal(net.attraction_at(far).view(np.int64),
                                  full[far].view(np.int64))
