"""Every registry parameter is read by a run: one that is not does nothing when swept.

Short runs (0.5°, 24 months) of the shipped scenarios record each parameter read, through
the typed views (:class:`~stability_sim.params.Pars`) and through the plain mapping the
model still reads (``model.p[...]``, a :class:`~stability_sim.params.RecordingValues`).
A derived parameter left at its rule counts its inputs as read (reading
``cooperation.intel_sharing`` uses ``cooperation.level``); parameters read only while a
scenario is resolved do not count otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pytest

from stability_sim import params
from stability_sim.config import SCENARIO_DIR, Scenario, load_scenario
from stability_sim.model import StabilityModel


@dataclass(frozen=True)
class RecordedScenario(Scenario):
    """A scenario whose resolved values record every read into ``seen``."""

    seen: set[str] = field(default_factory=set, compare=False)

    @cached_property
    def values(self) -> params.RecordingValues:  # type: ignore[override]
        return params.RecordingValues(params.resolve(self.explicit), self.seen)


#: Shipped scenarios, plus sets that reach the branches a short baseline does not: an
#: explicit schedule (overrides the preset), and a CSTO that is asked and acts.
RUNS: list[tuple[str, tuple[str, ...]]] = [
    ("baseline", ()),
    ("full_withdrawal", ()),
    ("high_cooperation", ()),
    ("no_drawdown", ()),
    ("baseline", ('drawdown.schedule=[{date: "2013-08", troops: 87207}, '
                  '{date: "2015-06", troops: 0}]',)),
    ("full_withdrawal", ("stability.crisis_fatalities=10", "stability.control_lost=1.0",
                         "csto.mandate_window=24", "cooperation.level=1.0")),
]


def recorded_run(scenario: str, sets: tuple[str, ...], months: int = 24) -> set[str]:
    """The parameters one short run reads (with the inputs of derived ones it reads)."""
    sc = load_scenario(SCENARIO_DIR / f"{scenario}.yaml",
                       ["grid.resolution=0.5", f"months={months}", *sets])
    recorded = RecordedScenario(sc.name, sc.explicit, sc.description, sc.source)
    model = StabilityModel(recorded)
    assert isinstance(model.p, params.RecordingValues)  # the model reads the recorder
    model.run()
    return params.with_derivation_inputs(recorded.seen, recorded.explicit)


@pytest.fixture(scope="module")
def read_by_runs() -> set[str]:
    seen: set[str] = set()
    for scenario, sets in RUNS:
        seen |= recorded_run(scenario, sets)
    return seen


def unread(registry: Any, read: set[str]) -> list[str]:
    return [name for name in registry if name not in read]


def test_every_registry_parameter_is_read_by_a_run(read_by_runs: set[str]) -> None:
    missing = unread(params.REGISTRY, read_by_runs)
    assert not missing, (
        f"{len(missing)} registry parameter(s) never read by a run, so sweeping them does "
        f"nothing: {', '.join(missing)}")


def test_the_check_catches_an_unread_parameter(read_by_runs: set[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # A declared-but-unread parameter must fail the check above.
    dummy = params.Parameter("rats.dummy", params.Kind.FLOAT, 0.5, "1", "never read",
                             "test", low=0.0, high=1.0)
    monkeypatch.setitem(params.REGISTRY, dummy.name, dummy)
    assert unread(params.REGISTRY, read_by_runs) == ["rats.dummy"]


def test_recording_values_count_reads_not_membership() -> None:
    values = params.RecordingValues(params.defaults())
    assert "months" in values and len(values) == len(params.REGISTRY)
    assert values.get("rivalry.kaz_tjk") is None  # not a parameter: no read
    assert values["months"] == 120
    assert values.seen == {"months"}


def test_derived_parameter_counts_its_inputs_unless_set() -> None:
    assert params.derivation_inputs("cooperation.nato_link") == {"cooperation.level"}
    assert params.derivation_inputs("cooperation.level") == frozenset()
    read = {"cooperation.nato_link"}
    assert params.with_derivation_inputs(read, {}) == {"cooperation.nato_link",
                                                       "cooperation.level"}
    assert params.with_derivation_inputs(read, {"cooperation.nato_link": 0.1}) == read
