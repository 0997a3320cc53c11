"""The ``posterior`` design: a sweep of parameter sets drawn from a calibration's posterior.

The posterior files here are written by hand in the calibration folder's format (columns:
the dotted parameters, ``weight``, ``generation``; the calibration's record in the schema
metadata), so the draws can be checked against known weights. Bad input must end
``stability-sim sweep FILE --dry-run`` with exit code 2 and one line, never a traceback.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from click.testing import Result
from typer.testing import CliRunner

from stability_sim.analysis.frames import point_labels
from stability_sim.analysis.report import _design, _Doc
from stability_sim.cli.main import app
from stability_sim.config import SCENARIO_DIR
from stability_sim.experiments import load_results, run_sweep
from stability_sim.experiments.designs import build
from stability_sim.experiments.spec import load_sweep

runner = CliRunner()
COOP, TROOPS = "cooperation.level", "drawdown.residual_troops"
PRIOR = {COOP: [0.0, 1.0], TROOPS: [4000, 20000]}

#: Final population: the first row has weight 0, the second dominates; the third's troop
#: count is not whole (an ABC sampler moves integers continuously). The row of
#: generation 1 is an earlier population, which must never be drawn.
ROWS: list[dict[str, Any]] = [
    {COOP: 0.1, TROOPS: 5000.0, "weight": 0.0, "generation": 2},
    {COOP: 0.5, TROOPS: 10000.0, "weight": 0.9, "generation": 2},
    {COOP: 0.8, TROOPS: 15000.4, "weight": 0.1, "generation": 2},
    {COOP: 0.99, TROOPS: 19000.0, "weight": 1.0, "generation": 1},
]


def write_posterior(folder: Path, rows: list[dict[str, Any]] | None = None, *,
                    meta: dict[str, Any] | None = None) -> Path:
    """A calibration folder holding only ``posterior.parquet``; returns the folder."""
    rows = ROWS if rows is None else rows
    folder.mkdir(parents=True, exist_ok=True)
    names = [k for k in rows[0] if k not in ("weight", "generation")]
    record = meta if meta is not None else {"calibration": "toy", "parameters": names,
                                            "prior": PRIOR}
    table = pa.Table.from_pylist(rows).replace_schema_metadata(
        {b"stability_sim": json.dumps(record).encode()})
    pq.write_table(table, folder / "posterior.parquet")
    return folder


def sweep_file(folder: Path, calibration: str = "calib", samples: Any = 50,
               **design: Any) -> Path:
    path = folder / "posterior_sweep.yaml"
    data = {"name": "post", "scenario": str(SCENARIO_DIR / "baseline.yaml"), "months": 3,
            "seed": 5, "replications": 1, "set": {"grid": {"resolution": 0.5}},
            "design": {"kind": "posterior", "calibration": calibration, "samples": samples,
                       **design}}
    path.write_text(yaml.safe_dump(data))
    return path


def draw(tmp_path: Path, samples: int = 50, seed: int = 5) -> list[dict[str, Any]]:
    write_posterior(tmp_path / "calib")
    design = build({"kind": "posterior", "calibration": "calib", "samples": samples},
                   seed=seed, source=str(tmp_path / "sweep.yaml"))
    return [dict(p.values) for p in design.points]


def test_draws_follow_the_weights(tmp_path: Path) -> None:
    points = draw(tmp_path, 50)
    assert len(points) == 50
    counts = Counter(p[COOP] for p in points)
    assert 0.1 not in counts  # weight 0
    assert 0.99 not in counts  # an earlier generation
    # Systematic resampling: each row samples × weight times, give or take one.
    assert 44 <= counts[0.5] <= 46 and 4 <= counts[0.8] <= 6
    assert counts[0.5] + counts[0.8] == 50
    # Shuffled: an interrupted sweep's first runs are not all the first row's.
    assert 0.8 in {p[COOP] for p in points[:25]}


def test_integer_parameters_are_rounded_and_values_kept_paired(tmp_path: Path) -> None:
    for point in draw(tmp_path, 20):
        assert type(point[TROOPS]) is int
        assert (point[COOP], point[TROOPS]) in {(0.5, 10000), (0.8, 15000)}


def test_same_file_same_points_and_the_seed_matters(tmp_path: Path) -> None:
    assert draw(tmp_path, 30) == draw(tmp_path, 30)
    flat = [{COOP: c, TROOPS: 9000, "weight": 1.0, "generation": 0} for c in (0.2, 0.4, 0.6)]
    write_posterior(tmp_path / "flat", flat)
    picked = {build({"kind": "posterior", "calibration": "flat", "samples": 1}, seed=s,
                    source=str(tmp_path / "x.yaml")).points[0].values[COOP]
              for s in range(12)}
    assert len(picked) > 1  # one draw per seed: the seed decides which row


def test_design_records_the_calibration_and_the_prior_box(tmp_path: Path) -> None:
    folder = write_posterior(tmp_path / "calib")
    sweep = load_sweep(sweep_file(tmp_path, samples=4))
    record = sweep.design.to_json()
    assert record["kind"] == "posterior"
    assert record["parameters"] == [COOP, TROOPS]
    assert record["ranges"] == {COOP: [0.0, 1.0], TROOPS: [4000.0, 20000.0]}
    sha = hashlib.sha256((folder / "posterior.parquet").read_bytes()).hexdigest()
    assert record["info"]["posterior_sha256"] == sha
    assert record["info"]["calibration"] == "calib"
    assert record["info"]["calibration_name"] == "toy"
    assert record["info"]["samples"] == 4 and record["info"]["generation"] == 2
    assert len(record["points"]) == 4


def test_calibration_path_relative_to_the_sweep_file_then_the_working_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_posterior(tmp_path / "calib")
    (tmp_path / "sweeps").mkdir()
    assert len(load_sweep(sweep_file(tmp_path / "sweeps", "../calib", 3)).design.points) == 3
    monkeypatch.chdir(tmp_path)
    assert len(load_sweep(sweep_file(tmp_path / "sweeps", "calib", 2)).design.points) == 2


def test_dry_run_shows_the_calibration(tmp_path: Path) -> None:
    write_posterior(tmp_path / "calib")
    result = runner.invoke(app, ["sweep", str(sweep_file(tmp_path, samples=3)), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "toy (calib)" in result.output and "posterior" in result.output


def assert_user_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    message = result.stderr.strip()
    assert message.startswith("error: ") and "\n" not in message, message
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def _no_file(folder: Path) -> None:
    folder.mkdir()


def _garbage(folder: Path) -> None:
    folder.mkdir()
    (folder / "posterior.parquet").write_bytes(b"not parquet at all")


def _unknown_parameter(folder: Path) -> None:
    write_posterior(folder, [{COOP: 0.5, "nope.param": 1.0, "weight": 1.0, "generation": 0}])


def _zero_weights(folder: Path) -> None:
    write_posterior(folder, [{**r, "weight": 0.0} for r in ROWS])


def _negative_weight(folder: Path) -> None:
    write_posterior(folder, [{**ROWS[1], "weight": -0.5}, ROWS[2]])


def _out_of_bounds(folder: Path) -> None:
    write_posterior(folder, [{COOP: 1.5, TROOPS: 9000.0, "weight": 1.0, "generation": 0}])


def _text_column(folder: Path) -> None:
    write_posterior(folder, [{COOP: "high", TROOPS: 9000.0, "weight": 1.0, "generation": 0}])


def _bad_metadata(folder: Path) -> None:
    write_posterior(folder, meta=["not", "a", "mapping"])  # type: ignore[arg-type]


@pytest.mark.parametrize(("make", "fragments"), [
    (None, ["design.calibration", "no calibration folder 'calib'"]),
    (_no_file, ["design.calibration", "no posterior.parquet"]),
    (_garbage, ["posterior.parquet", "cannot read it as Parquet"]),
    (_unknown_parameter, ["posterior.parquet: nope.param"]),
    (_zero_weights, ["posterior.parquet: weight", "sum to 0"]),
    (_negative_weight, ["posterior.parquet: weight", "≥ 0"]),
    (_out_of_bounds, [f"row 0.{COOP}", "out of bounds"]),
    (_text_column, [f"posterior.parquet: {COOP}", "expected a column of numbers"]),
    (_bad_metadata, ["posterior.parquet: stability_sim", "expected JSON"]),
], ids=["no-folder", "no-file", "unreadable", "unknown-parameter", "zero-weights",
        "negative-weight", "out-of-bounds", "text-column", "bad-metadata"])
def test_bad_calibration_is_one_line(tmp_path: Path, make: Any, fragments: list[str]) -> None:
    if make is not None:
        make(tmp_path / "calib")
    result = runner.invoke(app, ["sweep", str(sweep_file(tmp_path)), "--dry-run"])
    assert_user_error(result, *fragments)


@pytest.mark.parametrize(("design", "fragment"), [
    ({"samples": 0}, "design.samples: expected a whole number ≥ 1"),
    ({"samples": "ten"}, "design.samples"),
    ({"calibration": ""}, "design.calibration: expected the path"),
    ({"parameters": {COOP: [0, 1]}}, "design.parameters: unknown key for a posterior"),
])
def test_bad_design_section_is_one_line(tmp_path: Path, design: dict[str, Any],
                                        fragment: str) -> None:
    write_posterior(tmp_path / "calib")
    path = sweep_file(tmp_path)
    data = yaml.safe_load(path.read_text())
    data["design"].update(design)
    path.write_text(yaml.safe_dump(data))
    assert_user_error(runner.invoke(app, ["sweep", str(path), "--dry-run"]), fragment)


def test_a_tiny_posterior_sweep_runs(tmp_path: Path) -> None:
    write_posterior(tmp_path / "calib")
    outcome = run_sweep(sweep_file(tmp_path, samples=2), out=tmp_path / "out",
                        executor="serial")
    assert outcome.status == "complete" and outcome.ok == 2
    results = load_results(tmp_path / "out")
    runs = results.runs
    assert list(runs["point_id"]) == [0, 1]
    assert set(zip(runs[COOP], runs[TROOPS], strict=True)) <= {(0.5, 10000), (0.8, 15000)}
    design = results.manifest["design"]
    assert design["kind"] == "posterior" and design["info"]["calibration_name"] == "toy"
    labels = point_labels(results)
    assert labels[0].startswith("level=") and "residual_troops=" in labels[0]
    doc = _Doc()
    _design(doc, results)
    assert "drawn from the posterior of calibration toy (calib; posterior.parquet sha256 " \
        f"{design['info']['posterior_sha256']})" in doc.markdown()


def test_without_metadata_the_columns_and_registry_bounds_serve(tmp_path: Path) -> None:
    folder = tmp_path / "calib"
    folder.mkdir()
    pq.write_table(pa.Table.from_pylist(ROWS[:3]), folder / "posterior.parquet")
    design = build({"kind": "posterior", "calibration": "calib", "samples": 5}, seed=1,
                   source=str(tmp_path / "sweep.yaml"))
    assert design.parameters == (COOP, TROOPS)
    assert design.ranges == {COOP: (0.0, 1.0), TROOPS: (0.0, 30000.0)}
    assert design.info["calibration_name"] is None
