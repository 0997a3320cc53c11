"""The command line in-process: help, version, params, and every kind of bad input.

Bad input must end with exit code 2 and one line on stderr that names the file (or the
``--set`` option) and the key, never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stability_sim import __version__, params
from stability_sim.cli.main import app
from stability_sim.config import SCENARIO_DIR

runner = CliRunner()
BASELINE = str(SCENARIO_DIR / "baseline.yaml")
GOOD = "name: ok\ncooperation:\n  level: 0.5\n"


def invoke(*args: str):
    return runner.invoke(app, list(args))


def assert_user_error(result, *fragments: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    message = result.stderr.strip()
    assert message.startswith("error: ")
    assert "\n" not in message, message
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


def write(tmp_path: Path, text: str | bytes, name: str = "scenario.yaml") -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return str(path)


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"stability-sim {__version__}"


@pytest.mark.parametrize("command", ["params", "run", "validate", "sweep", "report", "score",
                                     "serve"])
def test_every_command_has_useful_help(command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0
    info = next(c for c in app.registered_commands if c.name == command)
    summary = (info.callback.__doc__ or "").strip().splitlines()[0]
    assert len(summary.split()) >= 5, f"{command} has no real description"
    assert " ".join(summary.split()[:5]) in " ".join(result.stdout.split())


def test_top_level_help_lists_commands() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("params", "run", "sweep", "report", "score", "serve", "validate"):
        assert command in result.stdout


def test_params_json_lists_every_parameter_with_source() -> None:
    result = invoke("params", "--format", "json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [r["name"] for r in rows] == list(params.REGISTRY)
    assert all(r["source"] for r in rows)


def test_params_table_and_group() -> None:
    result = invoke("params", "--group", "csto")
    assert result.exit_code == 0
    assert "csto.force_ratio" in result.stdout
    assert "drawdown.preset" not in result.stdout
    assert_user_error(invoke("params", "--group", "cooperaton"), "--group",
                      "did you mean 'cooperation'")
    assert_user_error(invoke("params", "cooperation.levl"), "cooperation.levl",
                      "did you mean 'cooperation.level'")


def test_parameters_doc_is_current() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "PARAMETERS.md").read_text()
    result = invoke("params", "--format", "markdown")
    assert result.stdout in doc, "docs/PARAMETERS.md is stale: regenerate it (see its header)"


def test_validate_shipped_scenarios() -> None:
    result = invoke("validate", *map(str, sorted(SCENARIO_DIR.glob("*.yaml"))))
    assert result.exit_code == 0
    assert result.stdout.count("ok ") >= 4


def test_run_dry_run_prints_scenario_and_grid() -> None:
    result = invoke("run", BASELINE, "--dry-run", "--seed", "7", "--set", "grid.resolution=0.5")
    assert result.exit_code == 0, result.output
    assert "baseline" in result.stdout
    assert "regional grid at 0.5" in result.stdout
    assert "AFG" in result.stdout


BAD_FILES = [
    ("unknown key", "name: x\ncooperation:\n  levl: 0.5\n", ["cooperation.levl",
                                                             "did you mean 'cooperation.level'"]),
    ("unknown top key", "name: x\ndrawdwn:\n  preset: no_drawdown\n",
     ["drawdwn", "did you mean 'drawdown'"]),
    ("wrong type", "name: x\ncooperation:\n  level: high\n", ["cooperation.level",
                                                              "expected a number"]),
    ("out of bounds", "name: x\ncooperation:\n  level: 1.5\n", ["cooperation.level",
                                                                "out of bounds [0.0, 1.0]"]),
    ("int bounds", "name: x\nmonths: 0\n", ["months", "out of bounds [1, 600]"]),
    ("bad choice", "name: x\ngrid:\n  resolution: 0.1\n", ["grid.resolution", "one of"]),
    ("value for mapping", "name: x\ncooperation: 0.5\n", ["cooperation", "expected a mapping"]),
    ("mapping for value", "name: x\ncooperation:\n  level: {a: 1}\n",
     ["cooperation.level", "got a mapping"]),
    ("malformed", "name: x\ncooperation:\n  level: [0.5\n", ["line ", "malformed YAML"]),
    ("bad indent", "name: x\n cooperation: 1\nfoo: : :\n", ["line 2", "malformed YAML"]),
    ("bad name", "name: Base Line!\n", ["name", "[a-z0-9_-]"]),
    ("missing name", "cooperation:\n  level: 0.5\n", ["name", "missing key"]),
    ("empty", "", ["empty file"]),
    ("top-level list", "- a\n- b\n", ["expected a mapping"]),
    ("python tag", "name: x\nseed: !!python/object/apply:os.system ['echo hi']\n",
     ["line 2", "unsupported YAML tag"]),
    ("anchor", "name: x\na: &a 1\nb: *a\n", ["line 2", "anchors and aliases"]),
    ("alias", "name: x\nb: *a\n", ["line 2", "aliases"]),
    ("nan", "name: x\ncooperation:\n  level: .nan\n", ["cooperation.level", "finite"]),
    ("date not month", "name: x\nstart: 2014-01-15\n", ["start", "YYYY-MM"]),
    ("schedule order", "name: x\ndrawdown:\n  schedule:\n    - {date: '2015-01', troops: 1}\n"
     "    - {date: '2014-01', troops: 1}\n", ["drawdown.schedule", "dates must increase"]),
    ("non-text key", "name: x\n1: 2\n", ["keys must be text"]),
]


@pytest.mark.parametrize(("case", "text", "fragments"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_bad_scenario_file(tmp_path: Path, case: str, text: str, fragments: list[str]) -> None:
    path = write(tmp_path, text)
    for command in (["run", path, "--dry-run"], ["validate", path]):
        assert_user_error(invoke(*command), path, *fragments)


def test_binary_garbage(tmp_path: Path) -> None:
    path = write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    assert_user_error(invoke("validate", path), path, "UTF-8")


def test_missing_file(tmp_path: Path) -> None:
    path = str(tmp_path / "nope.yaml")
    assert_user_error(invoke("run", path, "--dry-run"), path, "no such file")
    assert_user_error(invoke("validate", str(tmp_path)), str(tmp_path), "not a regular file")


@pytest.mark.parametrize(
    ("option", "fragments"),
    [
        ("cooperation.levl=0.3", ["--set cooperation.levl=0.3", "did you mean"]),
        ("cooperation.level", ["--set cooperation.level", "expected key=value"]),
        ("cooperation.level=2", ["cooperation.level", "out of bounds"]),
        ("cooperation.level=lots", ["cooperation.level", "expected a number"]),
        ("months=1.5", ["months", "whole number"]),
        ("drawdown.end=2014-1", ["drawdown.end", "YYYY-MM"]),
        ("drawdown.schedule=[{date: 2014-01", ["drawdown.schedule", "malformed YAML"]),
        ("name=other", ["name", "cannot be set"]),
    ],
)
def test_bad_set_option(tmp_path: Path, option: str, fragments: list[str]) -> None:
    path = write(tmp_path, GOOD)
    assert_user_error(invoke("run", path, "--dry-run", "--set", option), *fragments)


def test_seed_and_months_are_checked_like_set(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    assert_user_error(invoke("run", path, "--dry-run", "--months", "0"), "months",
                      "out of bounds")
    assert_user_error(invoke("run", path, "--dry-run", "--seed", "-1"), "seed", "out of bounds")


def test_serve_refuses_a_bad_config(tmp_path: Path) -> None:
    bad = write(tmp_path, "name: x\ncooperation: {level: 3}\n")
    assert_user_error(invoke("serve", bad), "cooperation.level", "out of bounds")


def test_serve_on_all_interfaces_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    from stability_sim.cli import serve_cmd

    commands = []
    monkeypatch.setattr(serve_cmd, "run_child", lambda cmd, env: commands.append(cmd) or 0)
    result = invoke("serve", "--host", "0.0.0.0", "--port", "9999")
    assert result.exit_code == 0
    assert "warning: serving on 0.0.0.0" in result.stderr
    assert commands[0][commands[0].index("--host") + 1] == "0.0.0.0"
    result = invoke("serve")
    assert result.stderr == "" and commands[1][commands[1].index("--host") + 1] == "127.0.0.1"


def test_run_writes_timeseries_and_summary(tmp_path: Path) -> None:
    import pandas as pd

    out = tmp_path / "one"
    result = invoke("run", BASELINE, "--seed", "3", "--months", "6", "--set",
                    "grid.resolution=0.5", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "run summary" in result.stdout and "destabilized_tjk" in result.stdout
    frame = pd.read_parquet(out / "timeseries.parquet")
    assert list(frame.columns[:2]) == ["step", "date"] and len(frame) == 1 + 48 + 6
    record = json.loads((out / "summary.json").read_text())
    assert record["seed"] == 3 and record["version"] == __version__
    assert record["scenario"]["cooperation"]["level"] == 0.25
    assert set(record["summary"]) >= {"destabilized_tjk", "trafficking_north_share"}
    assert not list(out.glob(".*.tmp"))  # no temporary files left behind
    assert (out / "summary.json").stat().st_mode & 0o044  # readable like any new file


def test_run_refuses_a_file_as_out(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    assert_user_error(invoke("run", BASELINE, "--months", "1", "--out", str(target)), "--out")
