"""The figures and report of a calibration folder, on a folder written by hand.

:mod:`tests.analysis.fake_calibration` writes every file in the calibration's format with
known numbers, so the tables can be checked cell by cell; a calibration stopped before its
ABC stage must still report, saying what is missing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from stability_sim.analysis.calibration_figures import write_calibration_figures
from stability_sim.analysis.calibration_folder import (
    is_calibration,
    read_calibration,
    weighted_quantiles,
)
from stability_sim.analysis.calibration_report import (
    loo_table,
    nroy_table,
    posterior_table,
    predictive_table,
    write_calibration_report,
)
from stability_sim.cli.main import app
from stability_sim.errors import UserError
from tests.analysis.fake_calibration import COOP, CUTOFF, TARGETS, TROOPS, make_calibration

matplotlib.use("Agg")
runner = CliRunner()
FIGURES = {"implausibility.png", "posterior_marginals.png", "posterior_pairs.png",
           "predictive.png", "emulator_loo.png"}
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def complete(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_calibration(tmp_path_factory.mktemp("cal") / "toy")


@pytest.fixture(scope="module")
def report(complete: Path) -> tuple[str, str]:
    """The complete folder's report as (Markdown without its escapes, HTML)."""
    written = write_calibration_report(complete)
    assert written.folder == complete / "report"
    md = written.markdown.read_text().replace("\\", "")
    return md, written.html.read_text()


def test_every_figure_is_written(complete: Path, tmp_path: Path) -> None:
    paths = write_calibration_figures(complete, tmp_path / "figs")
    assert {p.name for p in paths} == FIGURES
    for path in paths:
        assert path.parent == tmp_path / "figs"
        assert path.read_bytes()[:8] == PNG and path.stat().st_size > 5000


def test_figures_go_to_the_folders_figures_by_default(tmp_path: Path) -> None:
    folder = make_calibration(tmp_path / "c")
    paths = write_calibration_figures(folder)
    assert {p.name for p in paths} == FIGURES
    assert all(p.parent == folder / "figures" for p in paths)


def test_report_lists_its_figures_and_writes_them(complete: Path,
                                                  report: tuple[str, str]) -> None:
    md, html = report
    for name in FIGURES:
        assert f"figures/{name}" in md and f'src="figures/{name}"' in html
        assert (complete / "report" / "figures" / name).read_bytes()[:8] == PNG


def test_posterior_table_has_the_summarys_numbers(complete: Path,
                                                  report: tuple[str, str]) -> None:
    table = posterior_table(read_calibration(complete)).set_index("parameter")
    assert table.loc[COOP].to_dict() == {
        "prior range": "[0, 1]", "median": "0.3125", "90% interval": "[0.2031, 0.4219]",
        "interval / prior width": "0.22",
        "constrained by (|rho| >= 0.3, wave 1)": f"{TARGETS[0]} (+1.00)",
        "truth": "0.3", "truth in 90%": "yes"}
    assert table.loc[TROOPS].to_dict() == {
        "prior range": "[4000, 20000]", "median": "12345", "90% interval": "[9876, 14321]",
        "interval / prior width": "0.28",
        "constrained by (|rho| >= 0.3, wave 1)": "none",
        "truth": "12000", "truth in 90%": "yes"}
    md, html = report
    row = re.search(r"\| cooperation.level \| (.*) \|\n", md)
    assert row and row.group(1).split(" | ") == ["[0, 1]", "0.3125", "[0.2031, 0.4219]",
                                                 "0.22", f"{TARGETS[0]} (+1.00)", "0.3",
                                                 "yes"]
    assert "<td>drawdown.residual_troops</td>" in html and "<td>[9876, 14321]</td>" in html


def test_the_best_joint_draw_is_reported(report: tuple[str, str]) -> None:
    md, html = report
    assert "draw 7, sum of z² 3.2" in md and "<td>11800</td>" in html
    row = re.search(r"\| drawdown.residual_troops \| (\S+) \|\n", md)
    assert row and row.group(1) == "11800"


def test_inputs_runs_and_stages_are_reported(complete: Path, report: tuple[str, str]) -> None:
    md, _ = report
    manifest = json.loads((complete / "manifest.json").read_text())
    for path, sha in manifest["inputs"].items():
        assert f"| {path} | {sha} |" in md
    assert "| wave-2 | waves/wave-2 | 20 | 40 |" in md
    assert "| abc-g0-b0 | abc/g0-b0 | 30 | 60 |" in md
    assert "190 runs in all, 190 ok, 0 failed" in md
    assert "- a note from the calibration" in md


def test_nroy_shares_per_wave(complete: Path) -> None:
    cal = read_calibration(complete)
    impl = pd.read_parquet(complete / "implausibility.parquet")
    expected = [np.mean(impl[f"max_implausibility_wave_{k}"] < CUTOFF) for k in (1, 2)]
    assert expected[1] < expected[0]
    table = nroy_table(cal)
    assert list(table["share of the prior box left"]) == [f"{100 * s:.3g}%" for s in expected]
    waves = pd.read_parquet(complete / "waves.parquet")
    assert list(table["not ruled out"]) == [str(int(waves[waves["wave"] == k]["nroy"].sum()))
                                            for k in (1, 2)]


def test_loo_table_per_wave_and_target(complete: Path) -> None:
    table = loo_table(read_calibration(complete))
    assert len(table) == 4 and set(table["wave"]) == {"1", "2"}
    loo = pd.read_parquet(complete / "emulators.parquet")
    part = loo[(loo["wave"] == 2) & (loo["target"] == "attacks_tjk_2014")]
    z = np.abs(part["z"])  # the file's z, as the emulator computed it
    row = table[(table["wave"] == "2") & (table["target"] == "attacks_tjk_2014")].iloc[0]
    assert row["max |z|"] == f"{z.max():.2f}"
    assert row["|z| < 2"] == f"{np.mean(z < 2):.0%}"


def test_loo_table_flags_a_poor_emulator(tmp_path: Path) -> None:
    folder = make_calibration(tmp_path / "c")
    loo = pd.read_parquet(folder / "emulators.parquet")
    far = loo["target"] == "destabilized_share"
    loo.loc[far, "mean"] += 10.0
    loo.loc[far, "z"] = (loo.loc[far, "observed"] - loo.loc[far, "mean"]) / loo.loc[far, "sd"]
    pq.write_table(pa.Table.from_pandas(loo), folder / "emulators.parquet")
    table = loo_table(read_calibration(folder))
    assert set(table.loc[table["target"] == "destabilized_share", "passes"]) == {"no"}
    assert set(table.loc[table["target"] == "attacks_tjk_2014", "passes"]) == {"yes"}


def test_predictive_table_says_covered_or_not(complete: Path, report: tuple[str, str]) -> None:
    table = predictive_table(read_calibration(complete))
    assert list(table["covered"]) == ["yes", "no"]
    assert list(table["predictive 5–95%"]) == ["[8, 15]", "[0.8, 0.95]"]
    assert "1 of 2 targets covered" in report[0]


def test_without_posterior_the_report_says_so(tmp_path: Path) -> None:
    folder = make_calibration(tmp_path / "c", posterior=False)
    written = write_calibration_report(folder)
    assert {p.name for p in written.figures} == {"implausibility.png", "emulator_loo.png"}
    assert any("no posterior" in n for n in written.notes)
    md = written.markdown.read_text().replace("\\", "")
    assert "Status: interrupted" in md
    assert "Figure posterior_marginals.png left out: no posterior.parquet" in md
    assert "No posterior predictive check in the folder." in md
    # The prior box and the truth are still shown; the posterior's cells are empty.
    assert f"| cooperation.level | [0, 1] | – | – | – | {TARGETS[0]} (+1.00) | 0.3 | – |" in md
    assert not (written.folder / "figures" / "posterior_pairs.png").exists()


def test_quantiles_from_the_posterior_when_the_summary_lacks_them(tmp_path: Path) -> None:
    folder = make_calibration(tmp_path / "c", truth=False)
    (folder / "summary.json").unlink()
    # All the weight on the last row: the unweighted median (0.2) would be wrong.
    frame = pd.DataFrame({COOP: [0.1, 0.2, 0.9], TROOPS: [5000.0, 6000.0, 7000.0],
                          "weight": [0.0, 0.0, 1.0], "generation": 1})
    pq.write_table(pa.Table.from_pandas(frame), folder / "posterior.parquet")
    table = posterior_table(read_calibration(folder)).set_index("parameter")
    assert table.loc[COOP, "median"] == "0.9" and table.loc[COOP, "90% interval"] == "[0.9, 0.9]"
    assert "truth" not in table.columns


def test_weighted_quantiles_match_the_usual_ones_for_equal_weights() -> None:
    values = np.arange(1.0, 101.0)
    got = weighted_quantiles(values, np.ones(100), [0.05, 0.5, 0.95])
    assert np.allclose(got, np.quantile(values, [0.05, 0.5, 0.95], method="hazen"))
    assert weighted_quantiles(np.array([1.0, 2.0]), np.array([3.0, 1.0]), [0.5]) == [1.25]


def test_the_most_narrowed_parameters_come_first(tmp_path: Path) -> None:
    folder = make_calibration(tmp_path / "c")
    assert read_calibration(folder).narrowing() == [COOP, TROOPS]
    post = pd.read_parquet(folder / "posterior.parquet")
    post[COOP] = np.linspace(0, 1, len(post))  # the whole prior range: not narrowed
    pq.write_table(pa.Table.from_pandas(post), folder / "posterior.parquet")
    assert read_calibration(folder).narrowing() == [TROOPS, COOP]


def test_cli_report_recognises_a_calibration(tmp_path: Path) -> None:
    folder = make_calibration(tmp_path / "c")
    assert is_calibration(folder) and not is_calibration(tmp_path)
    result = runner.invoke(app, ["report", str(folder), "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert "calibration runs: 190 ok" in result.output
    assert (tmp_path / "r" / "report.html").read_text().startswith("<!DOCTYPE html>")
    refused = runner.invoke(app, ["report", str(folder), "--outcomes", "destabilized_tjk"])
    assert refused.exit_code == 2 and "--outcomes" in refused.stderr


@pytest.mark.parametrize(("breakage", "fragment"), [
    ("posterior", "posterior.parquet: cannot be read as Parquet"),
    ("column", "predictive.parquet: q95: missing column"),
    ("parameters", "manifest.json: parameters.cooperation.level: expected [low, high]"),
    ("summary", "summary.json: cannot be read as JSON"),
])
def test_a_broken_file_is_one_line(tmp_path: Path, breakage: str, fragment: str) -> None:
    folder = make_calibration(tmp_path / "c")
    if breakage == "posterior":
        (folder / "posterior.parquet").write_bytes(b"garbage")
    elif breakage == "column":
        frame = pd.read_parquet(folder / "predictive.parquet").drop(columns="q95")
        pq.write_table(pa.Table.from_pandas(frame), folder / "predictive.parquet")
    elif breakage == "parameters":
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["parameters"][COOP] = [1.0, 0.0]
        (folder / "manifest.json").write_text(json.dumps(manifest))
    else:
        (folder / "summary.json").write_text("{not json")
    with pytest.raises(UserError, match=re.escape(fragment)):
        write_calibration_report(folder)
    result = runner.invoke(app, ["report", str(folder)])
    assert result.exit_code == 2 and "\n" not in result.stderr.strip(), result.output
    assert "Traceback" not in result.output
