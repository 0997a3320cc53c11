"""Whole-model behaviour: reproducibility, the schedule's inputs, invariants, outputs."""

from __future__ import annotations

import math

import mesa
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stability_sim import params
from stability_sim.inputs import troop_series
from stability_sim.model import StabilityModel
from stability_sim.outcomes import monthly_columns, summary_keys
from tests.model.conftest import small


def run_frame(*sets: str, months: int = 12) -> tuple[pd.DataFrame, dict]:
    m = small(*sets, months=months)
    summary = m.run()
    return m.timeseries(), summary


def test_same_seed_is_bit_identical() -> None:
    a, sa = run_frame("seed=7")
    b, sb = run_frame("seed=7")
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert sa == sb


def test_different_seed_differs() -> None:
    a, _ = run_frame("seed=7")
    b, _ = run_frame("seed=8")
    assert not a.equals(b)


def test_seed_sequence_child_is_used() -> None:
    child = np.random.SeedSequence(42).spawn(3)[2]
    m = small()
    m2 = StabilityModel(m.scenario_config, rng=child)
    assert m2.seed_entropy == 42 and m2.spawn_key == (2,)
    m3 = StabilityModel(m.scenario_config, rng=np.random.SeedSequence(42).spawn(3)[2])
    m2.run()
    m3.run()
    assert m2.summary() == m3.summary()


def test_timeseries_columns_and_dates() -> None:
    frame, summary = run_frame(months=14)
    assert list(frame.columns) == ["step", "date", *monthly_columns()]
    # Early 2010, the 48 months of the history window (2010-01..2013-12, the last one the
    # branch, step 0), then one row per scenario month.
    assert len(frame) == 1 + 48 + 14
    assert frame["step"].tolist() == list(range(-48, 15))
    assert frame["date"].iloc[0] == "2009-12" and frame["date"].iloc[1] == "2010-01"
    branch = frame.index[frame["step"] == 0][0]
    assert frame["date"].iloc[branch] == "2013-12"
    assert frame["date"].iloc[branch + 1] == "2014-01"
    assert frame["date"].iloc[-1] == "2015-02"
    assert list(summary) == summary_keys()


def test_history_is_the_record_and_the_same_for_every_scenario() -> None:
    """The history window is driven by the record; scenarios differ only after it."""
    from stability_sim.history import load_history

    base = StabilityModel(months=3, rng=5, grid__resolution=0.5)
    full = StabilityModel(months=3, rng=5, grid__resolution=0.5,
                          drawdown__preset="full_withdrawal", afg_funding__preset="cut",
                          afg_funding__cut_date="2014-01", cooperation__level=0.9,
                          states__tjk__repression=0.9)
    hist = base.history()
    record = load_history().values("intl_troops")
    assert hist["intl_troops"].iloc[1:].to_numpy() == pytest.approx(record)
    # Same seed, same history, whatever the scenario's levers say.
    pd.testing.assert_frame_equal(hist, full.history())
    base.run()
    full.run()
    assert full.timeseries()["intl_troops"].iloc[-1] < base.timeseries()[
        "intl_troops"].iloc[-1]
    assert full.afg_funding == 0.0 < base.afg_funding
    # The levers act from the branch: the scenario's cooperation and repression now hold.
    assert full.pars.cooperation.level == 0.9 and base.pars.cooperation.level == 0.25
    tjk = full.world.territory["TJK"]
    assert (full.world.repression[tjk] == 0.9).all()


def test_international_troops_equal_the_schedule() -> None:
    m = small("drawdown.residual_troops=8000", months=24)
    m.run()
    frame = m.timeseries(history=False)
    expected = troop_series(m.p)
    assert np.allclose(frame["intl_troops"].to_numpy()[1:], expected)
    # The branch (2013-12) carries the record's December level, not the schedule's.
    from stability_sim.history import load_history

    assert frame["intl_troops"].iloc[0] == pytest.approx(
        load_history().values("intl_troops")[-1])


def test_model_stops_at_the_horizon() -> None:
    m = small(months=3)
    m.run()
    assert m.steps == 3 and not m.running
    assert len(m.timeseries(history=False)) == 4
    assert len(m.timeseries()) == 4 + 48


def test_keyword_overrides_for_batch_run() -> None:
    m = StabilityModel(cooperation__level=0.8, grid__resolution=0.5, months=2)
    assert m.p["cooperation.level"] == 0.8
    assert m.p["cooperation.nato_link"] == pytest.approx(0.64)


def test_mesa_batch_run_builds_and_runs_it() -> None:
    # Mesa 3.5's batch_run seeds replications through `rng` (`iterations` is deprecated).
    rows = mesa.batch_run(StabilityModel,
                          parameters={"cooperation__level": [0.2, 0.8], "grid__resolution": 0.5,
                                      "months": 3},
                          rng=[1, 2], max_steps=3, number_processes=1,
                          display_progress=False)
    assert {r["cooperation__level"] for r in rows} == {0.2, 0.8}
    assert len(rows) == 2 * 2  # batch_run keeps the last step by default
    assert all("stability_index_tjk" in r for r in rows)


KNOBS = {
    "cooperation.level": st.floats(0.0, 1.0),
    "drawdown.residual_troops": st.integers(0, 30_000),
    "rivalry.scale": st.floats(0.0, 2.0),
    "trafficking.opium_tons": st.floats(0.0, 20_000.0),
    "jihadists.recovery_months": st.floats(12.0, 72.0),
    "states.tjk.repression": st.floats(0.0, 1.0),
    "csto.force_ratio": st.floats(0.5, 20.0),
    "attacks.base_rate": st.floats(0.0, 0.1),
    "combat.detection_coeff": st.floats(0.0, 1.0),
}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({k: v for k, v in KNOBS.items()}),
       st.sampled_from(["isaf_2014_plan", "full_withdrawal", "no_drawdown"]))
def test_invariants_hold_for_any_parameters_in_bounds(knobs: dict, preset: str) -> None:
    m = StabilityModel(grid__resolution=0.5, months=18, drawdown__preset=preset,
                       **{k.replace(".", "__"): v for k, v in knobs.items()})
    for _ in range(18):
        m.step()
        f = m.fields
        for name in ("control", "fighters", "security", "grievance", "violence", "traffic",
                     "corruption"):
            values = getattr(f, name)
            assert np.isfinite(values).all(), name
            assert (values >= 0).all(), name
        for name in ("control", "grievance", "corruption"):
            assert (getattr(f, name) <= 1).all(), name
        assert all(0 <= s.stability <= 1 and 0 <= s.legitimacy <= 1 for s in m.states)
        assert all(u.strength >= 0 for u in m.agents_by_type[type(m.international.units[0])])
        assert all(c.fighters >= 0 for n in m.networks for c in n.cells.values())
        assert all(0 <= n.capacity <= 1 and n.funds >= 0 for n in m.networks)
    summary = m.summary()
    for key, value in summary.items():
        if isinstance(value, float):
            assert math.isfinite(value), key
    assert 0 <= summary["trafficking_north_share"] <= 1


def test_defaults_are_the_registry() -> None:
    m = StabilityModel(grid__resolution=0.5, months=1)
    assert m.p == params.resolve({"grid.resolution": 0.5, "months": 1})


def test_a_finished_model_is_freed() -> None:
    """Mesa 3.3 keeps every model (Agent._ids) and grid cell class (copyreg) alive; a sweep
    worker running thousands of models must not grow with each run."""
    import copyreg
    import gc
    import weakref

    from stability_sim.model import StabilityModel

    model = StabilityModel(grid__resolution=0.5, months=3)
    model.run()
    cell_class = model.grid.cell_klass
    assert cell_class in copyreg.dispatch_table
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None
    assert cell_class not in copyreg.dispatch_table


def test_cell_summary_adds_up_to_the_monthly_series() -> None:
    """The per-cell summary (the analysis maps) agrees with the monthly outcomes."""
    from stability_sim.geography import STUDY_STATES

    m = small("seed=5", months=24)
    m.run()
    frame = m.timeseries(history=False).iloc[1:]  # step 0 is the branch, not a scenario month
    cells = m.cell_summary()
    assert list(cells.columns) == ["cell", "control_mean", "insurgent_share", "fatalities",
                                   "traffic_tons"]
    assert cells["cell"].is_unique and (cells["cell"] < m.n_cells).all()
    assert cells[["control_mean", "insurgent_share"]].stack().between(0, 1).all()
    assert (cells[["fatalities", "traffic_tons"]] >= 0).all().all()
    deaths = frame[[f"fatalities_{s.lower()}" for s in STUDY_STATES]].to_numpy().sum()
    in_study = cells[m.land.state[cells["cell"]] >= 0]
    assert deaths > 0
    assert in_study["fatalities"].sum() == pytest.approx(deaths, rel=1e-5)
    afg_cells = m.state("AFG").cells
    afg = cells.set_index("cell").loc[afg_cells, "insurgent_share"].to_numpy()
    area = m.world.area_km2[afg_cells]  # the monthly share is a share of the area
    assert (afg * area).sum() / area.sum() == pytest.approx(
        frame["afg_insurgent_control_share"].mean(), rel=1e-5)
    assert cells["traffic_tons"].max() > 0


def test_losses_with_no_mobile_strength_left_do_not_crash() -> None:
    """Over long horizons a state's mobile units can be worn to zero (found at 240 months)."""
    from stability_sim.agents.security import Posture, take_force_losses

    m = small("seed=5")
    tjk = m.state("TJK")
    mobile = [u for u in tjk.units if u.posture is not Posture.GARRISON]
    assert mobile
    for unit in mobile:
        unit.strength = 0.0
    losses = np.zeros(m.n_cells)
    losses[tjk.cells[:3]] = 5.0
    take_force_losses(losses, m.world.territory, {s.iso3: s.units for s in m.states},
                      m.afghan.lose)
    assert all(u.strength == 0.0 for u in mobile)


def test_moore_grid_links_cells_exactly_as_mesa_does() -> None:
    from random import Random

    from mesa.discrete_space import OrthogonalMooreGrid

    from stability_sim.mesa_compat import MooreGrid

    ours = MooreGrid((7, 5), random=Random(0))
    mesas = OrthogonalMooreGrid((7, 5), random=Random(0))
    for coord, cell in mesas._cells.items():
        mine = ours._cells[coord]
        assert list(mine.connections) == list(cell.connections)  # same keys, same order
        assert [c.coordinate for c in mine.connections.values()] == \
            [c.coordinate for c in cell.connections.values()]
        assert {c.coordinate for c in mine.neighborhood} == \
            {c.coordinate for c in cell.neighborhood}


def test_construction_pauses_the_garbage_collector_and_restores_it() -> None:
    import gc

    from stability_sim.errors import UserError
    from stability_sim.model import StabilityModel

    assert gc.isenabled()
    StabilityModel(grid__resolution=0.5, months=1)
    assert gc.isenabled()
    with pytest.raises(UserError):
        StabilityModel(grid__resolution=0.5, months=-1)
    assert gc.isenabled()
    gc.disable()
    try:
        StabilityModel(grid__resolution=0.5, months=1)
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


def test_the_war_chest_bounds_the_taliban() -> None:
    """The Taliban never stay above what their income pays, and dearer fighters mean fewer.

    With recruitment and the sanctuary's inflow at their registry maxima the force would
    grow without limit; with the war chest it stays within one month's recruits of ``F*``.
    """
    sets = ("jihadists.taliban.recruitment_rate=5.0",
            "jihadists.taliban.sanctuary_inflow=5000.0")
    cheap = small(*sets, "jihadists.taliban.fighter_cost_usd=2000.0", months=24)
    dear = small(*sets, "jihadists.taliban.fighter_cost_usd=20000.0", months=24)
    for m in (cheap, dear):
        m.run()
    taliban = [m.network("taliban") for m in (cheap, dear)]
    for net in taliban:
        assert net.fighters <= 1.25 * net.affordable
    assert taliban[1].fighters < 0.5 * taliban[0].fighters
