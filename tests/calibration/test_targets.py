"""Targets and observations files: every mistake one line naming file and key; statistics
computed on hand-made runs and series equal the values worked out by hand."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stability_sim import shipped
from stability_sim.calibration.targets import (
    Z90,
    Observation,
    Target,
    load_observations,
    load_targets,
)
from stability_sim.errors import UserError

REPO = Path(__file__).parents[2]

GOOD_TARGET = """\
  - name: attacks_2014
    outcome: attacks_tjk
    reduction: sum
    window: [2014-01, 2014-12]
    observed: 12
    sd: 3
    source: "[KL13] p. 12"
"""


def targets_file(tmp_path: Path, entry: str = GOOD_TARGET, head: str = "cutoff: 2016-12\n"
                 ) -> Path:
    path = tmp_path / "targets.yaml"
    path.write_text(head + "targets:\n" + entry)
    return path


def entry(**fields: str) -> str:
    """A target entry: the good one with fields replaced (value None: left out)."""
    base = {"name": "attacks_2014", "outcome": "attacks_tjk", "reduction": "sum",
            "window": "[2014-01, 2014-12]", "observed": "12", "sd": "3",
            "source": '"[KL13] p. 12"'}
    base.update(fields)
    lines = [f"{k}: {v}" for k, v in base.items() if v is not None]
    return "  - " + "\n    ".join(lines) + "\n"


def test_a_good_file_loads(tmp_path: Path) -> None:
    t = load_targets(targets_file(tmp_path))
    assert t.cutoff == "2016-12" and t.names == ["attacks_2014"]
    (target,) = t.targets
    assert (target.outcome, target.reduction, target.window) == ("attacks_tjk", "sum",
                                                                 ("2014-01", "2014-12"))
    assert (target.observed, target.sd, target.date) == (12.0, 3.0, "2014-12")
    assert t.columns == ("attacks_tjk",) and target.columns == ("attacks_tjk",)
    assert len(t.sha256) == 64 and t.source == str(tmp_path / "targets.yaml")


def test_an_interval_is_a_90_percent_interval(tmp_path: Path) -> None:
    path = targets_file(tmp_path, entry(observed=None, sd=None, interval="[10, 20]"))
    (target,) = load_targets(path).targets
    assert target.observed == 15.0 and target.interval == (10.0, 20.0)
    assert target.sd == pytest.approx(5 / 1.6449, rel=1e-4) and target.sd == 5 / Z90


BAD_TARGETS = [
    # (head, entry, key, part of the message)
    ("cutoff: 2016-12\n", "  - name: [unclosed\n", None, "malformed YAML"),
    ("cutof: 2016-12\n", GOOD_TARGET, "cutof", "did you mean 'cutoff'"),
    ("", GOOD_TARGET, "cutoff", "missing key"),
    ("cutoff: 2016-13\n", GOOD_TARGET, "cutoff", "expected a month as YYYY-MM"),
    ("cutoff: 2016-12\n", entry(outcome="attacks_tjz"), "targets[0].outcome",
     "did you mean 'attacks_tjk'"),
    ("cutoff: 2016-12\n", entry(reduction="summ"), "targets[0].reduction",
     "did you mean 'sum'"),
    ("cutoff: 2016-12\n", entry(colour="red"), "targets[0].colour", "unknown key"),
    ("cutoff: 2016-12\n", entry(name="Attacks-2014"), "targets[0].name", "[a-z0-9_]"),
    # month/window on the wrong kind of outcome or reduction
    ("cutoff: 2016-12\n", entry(outcome="attacks_central_asia_total", reduction="value"),
     "targets[0].window", "summary outcome"),
    ("cutoff: 2016-12\n", entry(outcome="attacks_central_asia_total", window=None),
     "targets[0].reduction", "needs a monthly outcome"),
    ("cutoff: 2016-12\n", entry(window=None, month="2014-03"), "targets[0].month",
     "not month"),
    ("cutoff: 2016-12\n", entry(reduction="value"), "targets[0].window", "give month"),
    ("cutoff: 2016-12\n", entry(window=None), "targets[0].window", "missing key"),
    ("cutoff: 2016-12\n", entry(window="[2014-12, 2014-01]"), "targets[0].window",
     "ends (2014-01) before it starts (2014-12)"),
    ("cutoff: 2016-12\n", entry(window="[2014-01, 2014-1]"), "targets[0].window",
     "expected a month as YYYY-MM"),
    ("cutoff: 2016-12\n", entry(window="[2014-01]"), "targets[0].window", "[first, last]"),
    ("cutoff: 2016-12\n", entry(source=None), "targets[0].source", "missing key"),
    ("cutoff: 2016-12\n", entry(source='"  "'), "targets[0].source", "non-empty text"),
    ("cutoff: 2016-12\n", entry(observed=None, sd=None), "targets[0].observed",
     "give observed with sd, or interval"),
    ("cutoff: 2016-12\n", entry(sd=None), "targets[0].sd", "needs its sd"),
    ("cutoff: 2016-12\n", entry(sd="0"), "targets[0].sd", "expected a number > 0"),
    ("cutoff: 2016-12\n", entry(observed="lots"), "targets[0].observed",
     "expected a finite number"),
    ("cutoff: 2016-12\n", entry(observed=".nan"), "targets[0].observed",
     "expected a finite number"),
    ("cutoff: 2016-12\n", entry(interval="[20, 10]", observed=None, sd=None),
     "targets[0].interval", "low < high"),
    ("cutoff: 2016-12\n", entry(interval="[10, 20]"), "targets[0].interval", "not both"),
    ("cutoff: 2016-12\n", entry(reduction="quantile", q="1.5", of="sum"), "targets[0].q",
     "strictly between 0 and 1"),
    ("cutoff: 2016-12\n", entry(reduction="quantile", of="sum"), "targets[0].q",
     "missing key"),
    ("cutoff: 2016-12\n", entry(q="0.5"), "targets[0].q", "only for reduction quantile"),
    ("cutoff: 2016-12\n", entry(reduction="share"), "targets[0].event", "needs an event"),
    ("cutoff: 2016-12\n", entry(reduction="share", event="{over: 1}", observed="0.5"),
     "targets[0].event.over", "did you mean 'above'"),
    ("cutoff: 2016-12\n", entry(outcome="destabilized_tjk", reduction="value", window=None),
     "targets[0].reduction", "use reduction share"),
    ("cutoff: 2016-12\n", entry(reduction="share", event="{above: 0}", observed="3"),
     "targets[0].observed", "a share is in [0, 1]"),
    ("cutoff: 2013-12\n", GOOD_TARGET, "targets[0].window",
     "dated 2014-12, after the cutoff 2013-12"),
    ("cutoff: 2016-12\n", GOOD_TARGET + GOOD_TARGET, "targets[1].name", "used twice"),
]


@pytest.mark.parametrize(("head", "body", "key", "message"), BAD_TARGETS)
def test_every_bad_targets_file_is_one_line_naming_file_and_key(
        tmp_path: Path, head: str, body: str, key: str | None, message: str) -> None:
    path = targets_file(tmp_path, body, head)
    with pytest.raises(UserError) as caught:
        load_targets(path)
    error = caught.value
    assert error.source == str(path)
    assert error.key == key
    assert message in error.message
    assert "\n" not in error.line() and error.line().startswith(str(path))


def test_a_target_after_the_cutoff_is_refused(tmp_path: Path) -> None:
    late = entry(reduction="value", window=None, month="2017-03")
    with pytest.raises(UserError, match="is dated 2017-03, after the cutoff 2016-12"):
        load_targets(targets_file(tmp_path, late))
    # The last month of the cutoff itself is allowed.
    assert load_targets(targets_file(tmp_path, entry(reduction="value", window=None,
                                                     month="2016-12"))).names


def test_not_a_mapping_or_no_targets(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    for text, key in (("- 1\n", None), ("cutoff: 2016-12\n", "targets"),
                      ("cutoff: 2016-12\ntargets: []\n", "targets"),
                      ("cutoff: 2016-12\ntargets: [3]\n", "targets[0]"),
                      ("cutoff: 2016-12\ndescription: [1]\ntargets:\n" + GOOD_TARGET,
                       "description")):
        path.write_text(text)
        with pytest.raises(UserError) as caught:
            load_targets(path)
        assert caught.value.key == key, text


BAD_OBSERVATIONS = [
    ("  - {name: a, outcome: attacks_tjk, reduction: sum, window: [2014-01, 2014-12],"
     " source: s}\n", "observations[0].observed", "missing key"),
    ("  - {name: a, outcome: destabilized_tjk, reduction: share, observed: 1,"
     " source: s}\n", "observations[0].observed", "true or false"),
    ("  - {name: a, outcome: attacks_tjk, reduction: quantile, q: 0.5, month: 2014-01,"
     " observed: 1, source: s}\n", "observations[0].reduction", "one realisation"),
    ("  - {name: a, outcome: attacks_tjk, reduction: sum, window: [2014-01, 2014-12],"
     " observed: true, source: s}\n", "observations[0].observed", "finite number"),
    ("  - {name: a, outcome: stability_index_tjk, reduction: share, event: {below: 0.5},"
     " observed: true, source: s}\n", "observations[0].month", "needs month or window"),
]


@pytest.mark.parametrize(("body", "key", "message"), BAD_OBSERVATIONS)
def test_bad_observations_files(tmp_path: Path, body: str, key: str, message: str) -> None:
    path = tmp_path / "obs.yaml"
    path.write_text("observations:\n" + body)
    with pytest.raises(UserError) as caught:
        load_observations(path)
    assert (caught.value.source, caught.value.key) == (str(path), key)
    assert message in caught.value.message


def test_observations_file_loads_numbers_and_events(tmp_path: Path) -> None:
    path = tmp_path / "obs.yaml"
    path.write_text(textwrap.dedent("""\
        description: later
        observations:
          - {name: a, outcome: attacks_tjk, reduction: sum, window: [2018-01, 2018-12],
             observed: 7, source: s}
          - {name: b, outcome: destabilized_tjk, reduction: share, observed: true, source: s}
        """))
    obs = load_observations(path)
    a, b = obs.observations
    assert (a.observed, a.is_event, b.observed, b.is_event) == (7.0, False, True, True)
    assert obs.description == "later" and obs.columns == ("attacks_tjk",)


def test_the_shipped_examples_load_and_say_they_are_illustrations() -> None:
    targets = load_targets("example")
    observations = load_observations("example")
    for items in (targets.targets, observations.observations):
        assert all("illustration" in s.source for s in items)
    assert {t.reduction for t in targets.targets} == {"value", "mean", "sum", "share",
                                                       "quantile"}
    for kind in ("targets", "observations"):
        link = REPO / "configs" / kind / "example.yaml"
        assert link.is_symlink()
        assert link.resolve() == (shipped.folder(kind) / "example.yaml").resolve()


def test_the_central_asian_record_is_inside_the_history_window() -> None:
    # Issue 18: the record of 2010-2013 the Central Asian side is calibrated to. Every
    # statistic reads months the history window simulates (2010-01..2013-12), so a run's
    # December 2013 state, not a scenario's projection, is what meets it.
    from stability_sim.history import load_history
    from stability_sim.timeline import month_ordinal

    history = load_history()
    first, last = month_ordinal(history.start), month_ordinal(history.end)
    targets = load_targets("central_asia_2010_2013")
    assert targets.cutoff == "2013-12"
    assert {t.outcome for t in targets.targets} >= {"attacks_central_asia", "incursions"}
    for t in targets.targets:
        assert t.months, t.name
        assert all(first <= month_ordinal(m) <= last for m in t.months), t.name
        assert t.source.strip()
    link = REPO / "configs" / "targets" / "central_asia_2010_2013.yaml"
    assert link.is_symlink()


# --- statistics on hand-made runs and series -----------------------------------------------

MONTHS = ["2014-01", "2014-02", "2014-03", "2014-04"]
#: attacks_tjk per run and month; step 0 (2013-12, the state before the first month) holds
#: 1000, which no statistic may read.
ATTACKS = {0: [1, 0, 2, 3], 1: [0, 0, 0, 0], 2: [5, 1, 0, 2]}


@pytest.fixture
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    for run, values in ATTACKS.items():
        rows.append({"run_id": run, "step": 0, "date": "2013-12", "attacks_tjk": 1000.0})
        rows += [{"run_id": run, "step": k + 1, "date": m, "attacks_tjk": float(v)}
                 for k, (m, v) in enumerate(zip(MONTHS, values, strict=True))]
    series = pd.DataFrame(rows)
    runs = pd.DataFrame({"run_id": [0, 1, 2],
                         "destabilized_tjk": [True, False, True],
                         "min_stability_tjk": [0.2, 0.7, 0.4],
                         "first_destabilized_month_tjk": [30.0, None, 10.0]})
    return runs, series


def stat(**fields: object) -> Target:
    return Target(name="t", observed=0.0, sd=1.0, source="s", **fields)  # type: ignore[arg-type]


def values(t: Target, frames: tuple[pd.DataFrame, pd.DataFrame]) -> np.ndarray:
    runs, series = frames
    per_run = t.per_run(runs, series)
    assert list(per_run.index) == [0, 1, 2]
    return per_run.to_numpy()


def test_value_mean_sum_per_run_and_ensemble(frames: tuple[pd.DataFrame, pd.DataFrame]
                                             ) -> None:
    value = stat(outcome="attacks_tjk", reduction="value", month="2014-03")
    v = values(value, frames)
    assert list(v) == [2, 0, 0] and value.statistic(v) == pytest.approx(2 / 3)
    assert value.ensemble_variance(v) == pytest.approx(np.var([2, 0, 0], ddof=1))
    window = ("2014-02", "2014-04")
    total = stat(outcome="attacks_tjk", reduction="sum", window=window)
    v = values(total, frames)
    assert list(v) == [5, 0, 3] and total.statistic(v) == pytest.approx(8 / 3)
    assert total.ensemble_variance(v) == pytest.approx(((5 - 8 / 3) ** 2 + (8 / 3) ** 2
                                                        + (3 - 8 / 3) ** 2) / 2)
    mean = stat(outcome="attacks_tjk", reduction="mean", window=window)
    assert list(values(mean, frames)) == pytest.approx([5 / 3, 0, 1])
    summary = stat(outcome="min_stability_tjk", reduction="value")
    v = values(summary, frames)
    assert list(v) == [0.2, 0.7, 0.4] and summary.statistic(v) == pytest.approx(1.3 / 3)


def test_shares_of_events(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    flag = stat(outcome="destabilized_tjk", reduction="share")
    v = values(flag, frames)
    assert list(v) == [1, 0, 1] and flag.statistic(v) == pytest.approx(2 / 3)
    assert flag.ensemble_variance(v) == pytest.approx((2 / 3) * (1 / 3) / 3)
    # Any month of the window above 2: run 0 (3 in 2014-04), run 2 (5 in 2014-01).
    any_month = stat(outcome="attacks_tjk", reduction="share", event=("above", 2.0),
                     window=("2014-01", "2014-04"))
    assert list(values(any_month, frames)) == [1, 0, 1]
    # Strictly above: 2 is not above 2.
    one_month = stat(outcome="attacks_tjk", reduction="share", event=("above", 2.0),
                     month="2014-03")
    assert list(values(one_month, frames)) == [0, 0, 0]
    below = stat(outcome="attacks_tjk", reduction="share", event=("below", 1.0),
                 window=("2014-01", "2014-02"))
    assert list(values(below, frames)) == [1, 1, 0]
    # A month outcome that never happened (null) is "no event", not unknown.
    early = stat(outcome="first_destabilized_month_tjk", reduction="share",
                 event=("below", 24.0))
    assert list(values(early, frames)) == [0, 0, 1]


def test_quantiles_across_runs(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    q = stat(outcome="attacks_tjk", reduction="quantile", q=0.5, of="sum",
             window=("2014-01", "2014-04"))
    v = values(q, frames)
    assert list(v) == [6, 0, 8] and q.statistic(v) == 6.0
    q90 = stat(outcome="min_stability_tjk", reduction="quantile", q=0.9)
    # Linear interpolation between order statistics 0.4 and 0.7 at position 1.8.
    assert q90.statistic(values(q90, frames)) == pytest.approx(0.4 + 0.8 * 0.3)
    var = q.ensemble_variance(v)
    assert var > 0 and var == q.ensemble_variance(v)  # a fixed-seed bootstrap: reproducible


def test_missing_values_are_left_out(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    runs, series = frames
    short = series[~((series["run_id"] == 1) & (series["date"] == "2014-04"))]
    total = stat(outcome="attacks_tjk", reduction="sum", window=("2014-01", "2014-04"))
    v = total.per_run(runs, short).to_numpy()
    assert v[0] == 6 and math.isnan(v[1]) and v[2] == 8  # a run short of a month: no value
    assert total.statistic(v) == 7.0 and total.ensemble_variance(v) == 2.0
    assert math.isnan(total.statistic(np.array([np.nan])))
    assert math.isnan(total.ensemble_variance(np.array([1.0])))


def test_a_set_gives_one_column_per_target_and_checks_the_runs(
        tmp_path: Path, frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(textwrap.dedent("""\
        cutoff: 2014-04
        targets:
          - {name: a, outcome: attacks_tjk, reduction: sum, window: [2014-02, 2014-04],
             observed: 3, sd: 1, source: s}
          - {name: b, outcome: destabilized_tjk, reduction: share, observed: 0.5, sd: 0.1,
             source: s}
        """))
    targets = load_targets(path)
    table = targets.per_run(*frames)
    assert list(table.columns) == ["a", "b"] and table.index.name == "run_id"
    assert list(table["a"]) == [5, 0, 3] and list(table["b"]) == [1, 0, 1]
    targets.check_run("2014-01", 4, source="cal.yaml")
    # Every run covers the history window (from 2010-01) up to its horizon.
    targets.check_run("2014-03", 2, source="cal.yaml")
    with pytest.raises(UserError) as caught:
        targets.check_run("2014-01", 2, source="cal.yaml", key="months")
    assert (caught.value.source, caught.value.key) == ("cal.yaml", "months")
    assert "'a'" in caught.value.message and "2014-02..2014-04" in caught.value.message
    assert "runs cover 2010-01..2014-02" in caught.value.message
    # A summary outcome is read at the runs' last month: after the cutoff, refused.
    with pytest.raises(UserError, match=r"'b'.*last month 2014-05, after the cutoff 2014-04"):
        targets.check_run("2014-01", 5, source="cal.yaml")


def test_an_observation_is_a_statistic_too(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    o = Observation(name="o", outcome="attacks_tjk", reduction="sum",
                    window=("2014-01", "2014-02"), observed=1.0, source="s")
    assert list(o.per_run(*frames)) == [1, 0, 6]


def test_step_zero_is_not_a_simulated_month(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    # Step 0 is the state before the first month (dated the month before the start).
    before = stat(outcome="attacks_tjk", reduction="value", month="2013-12")
    assert np.isnan(values(before, frames)).all()
