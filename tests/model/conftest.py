"""Shared helpers for model tests: small, fast runs at 0.5°."""

from __future__ import annotations

import pytest

from stability_sim.config import SCENARIO_DIR, load_scenario
from stability_sim.model import StabilityModel


def small(*sets: str, months: int = 12, scenario: str = "baseline") -> StabilityModel:
    """A model of the named scenario at 0.5° with a short horizon."""
    sc = load_scenario(SCENARIO_DIR / f"{scenario}.yaml",
                       ["grid.resolution=0.5", f"months={months}", *sets])
    return StabilityModel(sc)


@pytest.fixture
def model() -> StabilityModel:
    return small()
