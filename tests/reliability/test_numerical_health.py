"""Numerical health: invariants over random parameter sets, and NaN fails loudly.

Any parameter set inside the registry's bounds must give a run whose every output is
finite, whose populations, stocks and troops are non-negative and whose shares lie in
[0, 1]. Hypothesis draws every numeric parameter within its bounds at once (edges
included); derandomized so CI sees the same sets each time. A run that does hit a NaN
must stop at once, naming the step and the variable, and a sweep must record that as
the run's error.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from stability_sim import params
from stability_sim.agents.jihadists import JihadistCell
from stability_sim.agents.security import SecurityForce
from stability_sim.config import default_scenario
from stability_sim.errors import UserError
from stability_sim.health import NumericalError
from stability_sim.model import StabilityModel

#: Held fixed: the horizon and grid set the cost of a test, the seed is drawn separately.
FIXED = {"months", "seed", "grid.resolution"}
SWEPT = [p for p in params.REGISTRY.values()
         if p.kind in (params.Kind.FLOAT, params.Kind.INT, params.Kind.CHOICE)
         and p.name not in FIXED]

NON_NEGATIVE = ("intl_troops", "afg_forces", "attacks_", "fatalities_", "jihadist_fighters_",
                "trafficking_north_tons", "interdicted_tons", "csto_deployed_troops",
                "incursions")
SHARES = ("afg_insurgent_control_share", "afg_contested_share", "stability_index_")
UNIT_LAYERS = ("control", "grievance", "corruption", "intel", "exposure",
               "repression_recent", "detection")


#: Parameters that set how many agents a run has: at their upper bounds (200,000 fighters
#: per network) a run has tens of thousands of agents and takes minutes, so the CI-scale
#: test draws them up to 4x their default; the --runslow test uses the whole range. The
#: rates at which networks grow count too: since the history window (four years before
#: each run's scenario), recruitment at 50 times its default and a recruitment pool 10
#: times wider had grown Hizb ut-Tahrir and the IMU into tens of thousands of cells, one
#: 12-month run taking minutes.
POPULATION = ("initial_fighters", "troops", "afg_forces.initial", "recruitment_rate",
              "nonviolent_pool_factor")
#: Parameters whose *low* values multiply the agents: cells split above a multiple of
#: their size and dissolve below a floor, so a floor near 0 (1e-191 was drawn) keeps every
#: fragment of every split, and with 100,000 Taliban one 12-month run grew 54,000 cells
#: and took 38 s (15 min over the test's examples in one CI run). The CI-scale test draws
#: them from a quarter of their default; the --runslow test from their lower bound.
FRAGMENTATION = ("dissolve_floor", "dissolve_share", "cell_size")


def _value(p: params.Parameter, *, full: bool) -> st.SearchStrategy[Any]:
    if p.kind is params.Kind.CHOICE:
        return st.sampled_from(p.choices)
    low, high = p.low, p.high
    if not full and p.name.endswith(POPULATION) and p.default:
        high = min(high, 4 * p.default)
    if not full and p.name.endswith(FRAGMENTATION) and p.default:
        low = max(low, p.default / 4)
    if p.kind is params.Kind.INT:
        return st.integers(math.ceil(low), int(high))
    return st.floats(float(low), float(high), allow_nan=False, allow_infinity=False)


PARAMETER_SETS = st.fixed_dictionaries({p.name: _value(p, full=False) for p in SWEPT})
FULL_RANGE_SETS = st.fixed_dictionaries({p.name: _value(p, full=True) for p in SWEPT})


def _scenario(values: dict[str, Any], seed: int, months: int):
    try:
        return default_scenario().with_overrides(
            {**values, "seed": seed, "months": months, "grid.resolution": 0.5})
    except UserError:
        assume(False)  # a combination the registry refuses (checked elsewhere)
        raise


def check_invariants(model: StabilityModel, summary: dict[str, Any]) -> None:
    """Every output finite; stocks, populations and troops >= 0; shares in [0, 1]."""
    frame = model.timeseries()
    numbers = frame.drop(columns=["date"])
    assert np.isfinite(numbers.to_numpy(dtype=float)).all(), "non-finite monthly value"
    for column in numbers.columns:
        values = numbers[column].to_numpy(dtype=float)
        if column.startswith(NON_NEGATIVE):
            assert (values >= 0).all(), f"{column} negative: {values.min()}"
        if column.startswith(SHARES):
            assert ((values >= 0) & (values <= 1)).all(), f"{column} outside [0, 1]"
    for key, value in summary.items():
        if value is None or isinstance(value, bool):
            continue
        assert math.isfinite(value), f"summary {key} is {value}"
        assert value >= 0, f"summary {key} negative: {value}"
        if key.startswith(("min_stability_", "trafficking_north_share",
                           "afg_insurgent_control_final")):
            assert value <= 1, f"summary {key} above 1: {value}"
    cells = model.cell_summary()
    assert np.isfinite(cells.drop(columns=["cell"]).to_numpy(dtype=float)).all()
    for column in ("control_mean", "insurgent_share"):
        assert cells[column].between(0, 1).all(), column
    for column in ("fatalities", "traffic_tons"):
        assert (cells[column] >= 0).all(), column
    f = model.fields
    for name in UNIT_LAYERS:
        layer = getattr(f, name)
        assert ((layer >= 0) & (layer <= 1)).all(), f"layer {name} outside [0, 1]"
    for name in ("fighters", "members", "security", "garrison", "interdiction", "violence",
                 "traffic"):
        assert (getattr(f, name) >= 0).all(), f"layer {name} negative"
    assert all(u.strength >= 0 for u in model.agents_by_type.get(SecurityForce, []))
    assert all(c.fighters >= 0 for c in model.agents_by_type.get(JihadistCell, []))
    for network in model.networks:
        assert 0 <= network.capacity <= 1 and network.funds >= 0
    for state in model.states:
        assert 0 <= state.legitimacy <= 1 and 0 <= state.stability <= 1
    risk = model.trafficking.risk
    assert ((risk >= 0) & (risk <= 1)).all()


@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(values=PARAMETER_SETS, seed=st.integers(0, 2**31 - 1))
def test_invariants_hold_for_random_parameter_sets(values: dict[str, Any], seed: int) -> None:
    model = StabilityModel(_scenario(values, seed, months=12))
    check_invariants(model, model.run())


@pytest.mark.slow
@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(values=FULL_RANGE_SETS, seed=st.integers(0, 2**31 - 1))
def test_invariants_hold_over_the_full_ranges(values: dict[str, Any], seed: int) -> None:
    model = StabilityModel(_scenario(values, seed, months=6))
    check_invariants(model, model.run())


@pytest.mark.slow
@settings(max_examples=100, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(values=PARAMETER_SETS, seed=st.integers(0, 2**31 - 1))
def test_invariants_hold_for_long_runs(values: dict[str, Any], seed: int) -> None:
    model = StabilityModel(_scenario(values, seed, months=120))
    check_invariants(model, model.run())


def test_a_nan_in_a_layer_stops_the_run_naming_step_and_layer() -> None:
    model = StabilityModel(grid__resolution=0.5, months=12)
    for _ in range(4):
        model.step()
    cell = int(model.state("TJK").cells[10])
    model.fields.control[cell] = np.nan  # a layer that carries over from month to month
    with pytest.raises(NumericalError) as info:
        model.run()
    message = str(info.value)
    # The NaN set after month 4 is found at the end of month 5 (2014-05: month 1 is the
    # start, 2014-01), in whatever it reached first: an outcome or a layer.
    assert message.startswith("step 5 (2014-05): ")
    assert "is nan" in message


def test_a_nan_in_an_outcome_stops_the_run() -> None:
    model = StabilityModel(grid__resolution=0.5, months=12)
    model.step()
    model.states[1].legitimacy = math.inf
    with pytest.raises(NumericalError, match=r"^step 2 \(2014-02\): outcome 'stability_index_"):
        model.run()


def test_an_overflowing_layer_is_reported() -> None:
    from stability_sim.health import check_month

    model = StabilityModel(grid__resolution=0.5, months=1)
    model.run()
    model.fields.traffic[:] = 1e308
    with pytest.raises(NumericalError, match="layer 'traffic' overflows"):
        check_month(1, "2014-01", model.current, model.fields, model.land.shape)


def test_a_sweep_records_the_nan_as_the_run_error(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The sweep goes on; the failed run's row names the step and the variable."""
    from stability_sim.config import SCENARIO_DIR
    from stability_sim.experiments.sweep import run_sweep

    sweep = tmp_path / "nan.yaml"
    sweep.write_text(f"name: nan\nscenario: {SCENARIO_DIR / 'baseline.yaml'}\nmonths: 6\n"
                     "seed: 5\nreplications: 3\nset: {grid.resolution: 0.5}\n"
                     "design: {kind: grid, parameters: {cooperation.level: [0.25]}}\n")
    # Run 1 (its seed is the master seed's child 1) gets a NaN in month 3.
    real_init, real_grievance = StabilityModel.__init__, StabilityModel._update_grievance

    def init(self: StabilityModel, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        self.poisoned = getattr(kwargs.get("rng"), "spawn_key", ())[-1:] == (1,)

    def grievance(self: StabilityModel, collateral: np.ndarray) -> None:
        real_grievance(self, collateral)
        if getattr(self, "poisoned", False) and self.steps == 3:  # also runs in __init__
            self.fields.grievance[0] = np.nan

    monkeypatch.setattr(StabilityModel, "__init__", init)
    monkeypatch.setattr(StabilityModel, "_update_grievance", grievance)
    outcome = run_sweep(sweep, out=tmp_path / "out", executor="serial")
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet").sort_values("run_id")
    assert list(runs["status"]) == ["ok", "failed", "ok"], list(runs["error"])
    assert runs["error"].iloc[1].startswith(
        "NumericalError: step 3 (2014-03): ")
    assert outcome.failed == 1
