"""The parameter registry: defaults in bounds, sources present, coercion strict."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stability_sim import params
from stability_sim.errors import UserError
from stability_sim.params import REGISTRY, Kind

ALL = list(REGISTRY.values())
NUMERIC = [p for p in ALL if p.kind in (Kind.FLOAT, Kind.INT)]


@pytest.mark.parametrize("p", ALL, ids=lambda p: p.name)
def test_default_inside_bounds(p: params.Parameter) -> None:
    resolved = params.defaults()[p.name]
    if resolved is None:
        assert p.optional, f"{p.name} has no default and is not optional"
        return
    assert p.coerce(resolved) == resolved


@pytest.mark.parametrize("p", ALL, ids=lambda p: p.name)
def test_every_parameter_has_meaning_and_source(p: params.Parameter) -> None:
    assert len(p.meaning.split()) >= 2
    assert len(p.source.split()) >= 2, f"{p.name}: source {p.source!r} is too thin"
    if "assumption" in p.source and not re.search(r"\[(KL13|W06)\]|\d{4}", p.source):
        # An assumption must say why (STYLE: "assumption: <why>").
        reason = p.source.split("assumption", 1)[1]
        assert reason.startswith(":") and len(reason.split()) >= 3, p.name


def test_seed_figures_are_the_seed_figures() -> None:
    # The figures quoted from [KL13] are the defaults, not approximations of them.
    assert REGISTRY["drawdown.initial_troops"].default == 87_207
    assert 8_000 <= REGISTRY["drawdown.residual_troops"].default <= 12_000
    assert 15_000 <= REGISTRY["jihadists.hut.initial_fighters"].default <= 20_000
    assert 8_000 <= REGISTRY["csto.contribution_rus"].default <= 10_000
    assert REGISTRY["csto.contribution_kaz"].default == 3_000
    assert REGISTRY["csto.contribution_tjk"].default == REGISTRY["csto.contribution_kgz"].default
    assert REGISTRY["trafficking.learning_rate"].default == 0.655


def test_derived_follow_level_unless_set() -> None:
    values = params.resolve({"cooperation.level": 0.5})
    assert values["cooperation.intel_sharing"] == 0.5
    assert values["cooperation.nato_link"] == pytest.approx(0.25)
    values = params.resolve({"cooperation.level": 0.5, "cooperation.nato_link": 0.9})
    assert values["cooperation.nato_link"] == 0.9


def test_unknown_name_suggests_closest() -> None:
    with pytest.raises(UserError, match=re.escape("did you mean 'cooperation.level'")):
        params.get("cooperation.levle")
    with pytest.raises(UserError, match=re.escape("did you mean 'states.tjk.legitimacy'")):
        params.get("states.tjk.legitimcy")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("months", 1.5, "whole number"),
        ("months", True, "expected a number"),
        ("months", "12", "expected a number"),
        ("cooperation.level", math.nan, "finite"),
        ("cooperation.level", math.inf, "finite"),
        ("cooperation.level", 1.01, "out of bounds"),
        ("start", "2014-13", "YYYY-MM"),
        ("start", "2031-01", "out of bounds"),
        ("grid.resolution", 0.3, "one of 0.25, 0.5"),
        ("drawdown.preset", "isaf", "one of"),
        ("drawdown.schedule", [], "non-empty"),
        ("drawdown.schedule", [{"date": "2015-01", "troops": 1}, {"date": "2014-01",
                                                                  "troops": 1}], "increase"),
        ("drawdown.schedule", [{"date": "2015-01", "troops": -1}], "out of bounds"),
        ("drawdown.schedule", [{"date": "2015-01"}], "expected {date"),
    ],
)
def test_coerce_rejects(name: str, value: object, message: str) -> None:
    with pytest.raises(UserError, match=re.escape(message)):
        REGISTRY[name].coerce(value)


def test_coerce_text_types_by_registry() -> None:
    assert REGISTRY["cooperation.level"].coerce_text("0.8") == 0.8
    assert REGISTRY["months"].coerce_text("36") == 36
    assert REGISTRY["grid.resolution"].coerce_text("0.5") == 0.5
    assert REGISTRY["drawdown.preset"].coerce_text("no_drawdown") == "no_drawdown"
    assert REGISTRY["drawdown.schedule"].coerce_text(
        '[{date: "2014-01", troops: 5000}, {date: "2016-01", troops: 0}]'
    ) == (("2014-01", 5000), ("2016-01", 0))
    assert REGISTRY["cooperation.nato_link"].coerce_text("none") is None
    with pytest.raises(UserError, match="expected a number"):
        REGISTRY["cooperation.level"].coerce_text("high")


@given(data=st.data())
def test_numeric_bounds_are_exactly_enforced(data: st.DataObject) -> None:
    p = data.draw(st.sampled_from(NUMERIC))
    if p.kind is Kind.INT:
        inside = data.draw(st.integers(int(p.low), int(p.high)))
        outside = data.draw(st.sampled_from([int(p.low) - 1, int(p.high) + 1]))
    else:
        inside = data.draw(st.floats(p.low, p.high))
        outside = data.draw(st.sampled_from([p.low - 1e-6 * max(1, abs(p.low)) - 1e-9,
                                             p.high + 1e-6 * max(1, abs(p.high))]))
    assert p.coerce(inside) == inside
    with pytest.raises(UserError, match="out of bounds"):
        p.coerce(outside)


def test_groups_cover_the_design() -> None:
    groups = {p.group for p in ALL}
    assert {"run", "grid", "drawdown", "cooperation", "afg_forces", "states", "jihadists",
            "trafficking", "csto", "rats", "nato", "stability"} <= groups


def test_large_integer_seed_is_kept_exactly() -> None:
    seed = 2**53 + 1
    assert REGISTRY["seed"].coerce(seed) == seed
    assert REGISTRY["seed"].coerce_text(str(seed)) == seed
    assert REGISTRY["seed"].coerce(2**63 - 1) == 2**63 - 1
    with pytest.raises(UserError, match="out of bounds"):
        REGISTRY["seed"].coerce(2**63)


def test_roles_levers_and_settings() -> None:
    assert [p.name for p in REGISTRY.settings()] == ["start", "months", "seed", "grid.resolution"]
    assert REGISTRY.lever_groups() == ["drawdown", "cooperation", "funding", "repression", "csto"]
    assert {p.name for p in REGISTRY.levers("repression")} == {
        f"states.{s}.repression" for s in ("afg", "tjk", "kgz", "uzb", "tkm", "kaz")}
    assert REGISTRY["drawdown.initial_troops"].role is params.Role.UNCERTAINTY  # history
    assert len(REGISTRY.levers()) + len(REGISTRY.uncertainties()) + 4 == len(REGISTRY)


def test_views_read_typed_values_and_refuse_writes() -> None:
    values = params.resolve({"cooperation.level": 0.5})
    pars = params.Pars.of(values)
    assert pars.cooperation.level == 0.5 and pars.cooperation.nato_link == 0.25
    assert pars.state("TJK") is pars.states.tjk and pars.states.tjk.legitimacy == 0.45
    assert pars.jihadists.net("imu").recruitment_rate == values["jihadists.imu.recruitment_rate"]
    assert (pars.start, pars.months, pars.grid.resolution) == ("2014-01", 120, 0.25)
    assert type(pars.states.kaz.troops) is int and pars.drawdown.schedule is None
    with pytest.raises(AttributeError, match="read-only"):
        pars.months = 12  # type: ignore[misc]
    with pytest.raises(AttributeError, match=re.escape("did you mean 'jihadists.recruit_pool'")):
        _ = pars.jihadists.recruit_pol
    with pytest.raises(KeyError, match="afg, kaz"):
        pars.state("CHN")
    with pytest.raises(TypeError, match="months: expected"):
        params.Pars.of({**values, "months": 12.0})


def test_views_record_reads_only_when_asked() -> None:
    seen: set[str] = set()
    pars = params.Pars.of(params.defaults(), record=seen)
    _ = pars.states.uzb.repression, pars.seed, pars.jihadists.net("hut")
    assert seen == {"states.uzb.repression", "seed"}
    plain = params.Pars.of(params.defaults())
    assert "__getattribute__" not in type(plain.jihadists).__dict__  # no hook: no cost


def test_every_section_is_in_the_reading_order() -> None:
    from stability_sim.params.parameter import SECTIONS

    assert sorted(map(id, params.READING_ORDER)) == sorted(map(id, SECTIONS))
