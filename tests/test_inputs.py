"""Exogenous inputs: the drawdown schedule, harvest seasonality, NDN revenue."""

from __future__ import annotations

import numpy as np
import pytest

from stability_sim import params
from stability_sim.inputs import harvest_series, ndn_active_series, troop_series


def values(**explicit):
    return params.resolve({k.replace("__", "."): v for k, v in explicit.items()})


def test_isaf_plan_reaches_residual_at_end_and_stays() -> None:
    v = values(drawdown__residual_troops=8_000, months=36)
    troops = troop_series(v)
    # Start 2014-01: on the line from 87,207 (2013-08) to 8,000 (2014-12), 5 of 16 months in.
    assert troops[0] == pytest.approx(87_207 + (8_000 - 87_207) * 5 / 16)
    assert troops[11] == pytest.approx(8_000)  # 2014-12
    assert np.all(troops[11:] == 8_000)
    assert np.all(np.diff(troops) <= 0)


@pytest.mark.parametrize(("preset", "final"), [("full_withdrawal", 0), ("no_drawdown", 87_207)])
def test_presets(preset: str, final: int) -> None:
    troops = troop_series(values(drawdown__preset=preset))
    assert troops[-1] == final


def test_explicit_schedule_overrides_preset_and_interpolates() -> None:
    schedule = (("2014-01", 40_000), ("2014-05", 0))
    troops = troop_series(values(drawdown__preset="no_drawdown", drawdown__schedule=schedule))
    assert list(troops[:6]) == [40_000, 30_000, 20_000, 10_000, 0, 0]


def test_harvest_is_spring_heavy_and_sums_to_the_year() -> None:
    v = values(months=12)
    harvest = harvest_series(v)
    assert harvest.sum() == pytest.approx(v["trafficking.opium_tons"])
    spring = harvest[3:6].sum()
    assert spring == pytest.approx(v["trafficking.seasonality"] * v["trafficking.opium_tons"])


def test_ndn_revenue_only_while_withdrawing() -> None:
    active = ndn_active_series(values(months=24))
    assert active[:12].all() and not active[12:].any()
    assert not ndn_active_series(values(drawdown__preset="no_drawdown")).any()
