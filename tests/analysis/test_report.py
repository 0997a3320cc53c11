"""``stability-sim report``: a real results folder in, figures and report.md out."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from stability_sim.cli.main import app


def invoke(*args: str):
    return CliRunner().invoke(app, ["report", *args])


@pytest.fixture(scope="module")
def report(small_results: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    result = invoke(str(small_results), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "11 ok, 1 failed of 12" in result.stdout
    return out


def test_report_writes_markdown_html_and_figures(report: Path) -> None:
    md = (report / "report.md").read_text()
    for heading in ("# Sweep report: small", "## Design", "## Runs", "## Outcomes",
                    "## Comparisons", "## Sensitivity", "## Figures"):
        assert heading in md
    assert "11 of 12 runs finished, 1 failed" in md
    assert "FloatingPointError: injected failure (1×)" in md
    assert "drawdown.residual_troops: 8000, 12000" in md
    figures = re.findall(r"!\[[^\]]*\]\(figures/([^)]+)\)", md)
    assert {"outcomes.png", "maps.png", "fan_stability_index_tjk.png",
            "heatmap_destabilized_central_asia.png"} <= set(figures)
    for name in figures:
        data = (report / "figures" / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 10_000, name
    html = (report / "report.html").read_text()
    assert html.count("<img ") == len(figures) and "<table" in html
    # The outcome table: one row per design point and outcome.
    assert md.count("| residual_troops=8000, level=0.25 | destabilized_tjk |") == 1


def test_report_tables_carry_the_statistics(report: Path) -> None:
    md = (report / "report.md").read_text()
    # Brackets are escaped like all report text (the Markdown renders as "95% CI [").
    assert "P = " in md and "95% CI \\[" in md  # events with Wilson intervals
    assert "| residual_troops=8000 | residual_troops=12000 | destabilized_tjk |" in md
    assert "Fisher exact" in md and "Mann-Whitney U" in md
    assert "standardised regression coefficients" in md


def test_default_folder_and_chosen_outcomes(small_results: Path, tmp_path: Path) -> None:
    copy = tmp_path / "results"
    shutil.copytree(small_results, copy)
    result = invoke(str(copy), "--outcomes", "incursions_total, destabilized_tjk")
    assert result.exit_code == 0, result.output
    md = (copy / "report" / "report.md").read_text()
    summary = md.split("## Outcomes")[1].split("## ")[0]
    rows = [line for line in summary.splitlines() if line.startswith("| residual_troops=")]
    assert len(rows) == 8  # 4 points × 2 outcomes
    assert {line.split(" | ")[1] for line in rows} == {"incursions_total",
                                                       "destabilized_tjk"}


def test_an_incomplete_sweep_is_reported_as_such(small_results: Path, tmp_path: Path) -> None:
    copy = tmp_path / "partial"
    shutil.copytree(small_results, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    # An interrupted sweep: one chunk committed, the later chunks never written.
    for chunk in manifest["chunks"][1:]:
        for key in ("runs", "timeseries", "cells"):
            if isinstance(chunk.get(key), str):
                (copy / chunk[key]).unlink()
    manifest["chunks"] = manifest["chunks"][:1]
    kept = pd.read_parquet(copy / manifest["chunks"][0]["runs"])
    ok = int((kept["status"] == "ok").sum())
    manifest["counts"].update(ok=ok, failed=len(kept) - ok)
    manifest["status"] = "interrupted"
    del manifest["runs"]
    (copy / "manifest.json").write_text(json.dumps(manifest))
    result = invoke(str(copy), "--out", str(tmp_path / "rep"))
    assert result.exit_code == 0, result.output
    n = manifest["chunks"][0]["n_runs"]
    assert f"{12 - n} not run" in result.stdout
    assert "resume it with --resume" in (tmp_path / "rep" / "report.md").read_text()


def assert_user_error(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0]


def test_bad_input_gets_one_line(small_results: Path, tmp_path: Path) -> None:
    assert_user_error(invoke(str(tmp_path)), str(tmp_path), "not a sweep results folder")
    assert_user_error(invoke(str(small_results), "--out", str(tmp_path / "r"),
                             "--outcomes", "destabilised_tjk"),
                      "--outcomes", "unknown outcome 'destabilised_tjk'")
    old = tmp_path / "old"
    shutil.copytree(small_results, old)
    manifest = json.loads((old / "manifest.json").read_text())
    manifest["schema_version"] = 1
    (old / "manifest.json").write_text(json.dumps(manifest))
    assert_user_error(invoke(str(old)), "manifest.json", "format version 1")
    edited = tmp_path / "edited"
    shutil.copytree(small_results, edited)
    chunk = sorted((edited / "cells").iterdir())[0]
    chunk.write_bytes(chunk.read_bytes()[:-10])
    assert_user_error(invoke(str(edited)), "does not match its checksum")


def test_the_default_report_folder_is_held_to_the_output_rules(small_results: Path,
                                                               tmp_path: Path) -> None:
    """A ``report`` link planted in a results folder would redirect the writes: refused."""
    copy, target = tmp_path / "results", tmp_path / "elsewhere"
    shutil.copytree(small_results, copy)
    target.mkdir()
    (copy / "report").symlink_to(target)
    assert_user_error(invoke(str(copy)), "report folder", "is a symbolic link")
    assert not any(target.iterdir())
