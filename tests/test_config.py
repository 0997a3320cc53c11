"""Scenario files: the shipped ones are valid; nesting, overrides and round trips work."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from stability_sim.config import SCENARIO_DIR, default_scenario, load_scenario
from stability_sim.errors import UserError

SHIPPED = sorted(SCENARIO_DIR.glob("*.yaml"))


def test_required_scenarios_are_shipped() -> None:
    names = {p.stem for p in SHIPPED}
    assert {"baseline", "full_withdrawal", "no_drawdown", "high_cooperation"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_scenario_is_valid_and_named_as_its_file(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.name == path.stem
    assert scenario.description


def test_scenarios_differ_where_they_should() -> None:
    load = {p.stem: load_scenario(p) for p in SHIPPED}
    assert load["baseline"]["drawdown.preset"] == "isaf_2014_plan"
    assert load["full_withdrawal"]["drawdown.preset"] == "full_withdrawal"
    assert load["no_drawdown"]["drawdown.preset"] == "no_drawdown"
    assert load["high_cooperation"]["cooperation.level"] > load["baseline"]["cooperation.level"]
    assert load["high_cooperation"]["cooperation.nato_link"] > load["baseline"][
        "cooperation.nato_link"]


def test_overrides_apply_over_the_file_and_are_typed() -> None:
    base = SCENARIO_DIR / "baseline.yaml"
    scenario = load_scenario(base, ["cooperation.level=0.6", "months=24"])
    assert scenario["cooperation.level"] == 0.6
    assert scenario["months"] == 24
    assert load_scenario(base)["cooperation.level"] == 0.25  # the file itself is untouched
    # The same key twice is refused (issue 14): the last no longer wins silently.
    with pytest.raises(UserError, match="given twice"):
        load_scenario(base, ["cooperation.level=0.8", "cooperation.level=0.6"])


def test_round_trip_through_yaml(tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIO_DIR / "baseline.yaml",
                             ['drawdown.schedule=[{date: "2014-06", troops: 40000}]'])
    out = tmp_path / "copy.yaml"
    out.write_text(yaml.safe_dump(scenario.to_nested(resolved=True)))
    again = load_scenario(out)
    assert again.values == scenario.values


def test_default_scenario_resolves_everything() -> None:
    values = default_scenario().values
    assert values["cooperation.nato_link"] == pytest.approx(0.25**2)
    with pytest.raises(UserError, match="unknown parameter"):
        default_scenario()["cooperation.nope"]


@pytest.mark.parametrize(("key", "reason"), [
    ("rivalry.uzb_tkm", "Turkmenistan is not one"),
    ("rivalry.rus_chn", "Central Asian SCO members"),
    ("rats.known_individuals", "rats.intel_weight"),
    ("states.afg.troops", "afg_forces.initial"),
])
def test_retired_parameter_is_an_unknown_key_with_its_reason(tmp_path: Path, key: str,
                                                             reason: str) -> None:
    # Issue 15: these were declared but never read. The error must not point at an
    # unrelated parameter (uzb_tkm is one letter from uzb_tjk).
    *heads, last = key.split(".")
    path = tmp_path / "old.yaml"
    path.write_text("name: old\n" + "".join(f"{'  ' * i}{h}:\n" for i, h in enumerate(heads))
                    + f"{'  ' * len(heads)}{last}: 1\n")
    with pytest.raises(UserError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "unknown key" in message and reason in message
    assert "did you mean" not in message and "\n" not in message
    with pytest.raises(UserError, match="unknown parameter.*" + reason):
        load_scenario(SCENARIO_DIR / "baseline.yaml", [f"{key}=1"])
