"""The shipped scenarios and sweeps: in the wheel, found by name from any folder, one copy."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stability_sim import shipped
from stability_sim.cli.main import app
from stability_sim.config import SCENARIO_DIR, SWEEP_DIR, load_scenario
from stability_sim.errors import UserError
from stability_sim.experiments import run_sweep
from stability_sim.experiments.spec import load_sweep

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "stability_sim"
KINDS = ("scenarios", "sweeps", "targets", "observations")
SCENARIOS = ["baseline", "full_withdrawal", "high_cooperation", "no_drawdown"]
SWEEPS = ["demo", "drawdown_x_cooperation", "exploratory", "scenarios", "sobol",
          "tiny_exploratory", "tiny_grid", "tiny_sobol", "uncertainty_lhs"]


def test_the_shipped_files_are_package_data() -> None:
    assert shipped.names("scenarios") == SCENARIOS
    assert shipped.names("sweeps") == SWEEPS
    assert SCENARIO_DIR == PACKAGE / "configs" / "scenarios"
    assert SWEEP_DIR == PACKAGE / "configs" / "sweeps"


@pytest.mark.parametrize("kind", KINDS)
def test_the_repositorys_configs_are_links_to_the_one_copy(kind: str) -> None:
    # configs/ is where users look and copy from: every shipped file is there, as a link
    # to the package's file (so the two cannot drift), and nothing else is shipped there.
    linked = sorted(p.stem for p in (REPO / "configs" / kind).glob("*.yaml"))
    assert linked == shipped.names(kind)
    for name in linked:
        link = REPO / "configs" / kind / f"{name}.yaml"
        assert link.is_symlink(), f"{link} is a copy; make it a link to the package's file"
        assert link.resolve() == (shipped.folder(kind) / f"{name}.yaml").resolve()


def test_names_resolve_from_an_empty_folder(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in SCENARIOS:
        scenario = load_scenario(name)
        assert scenario.name == name
        assert Path(scenario.source) == SCENARIO_DIR / f"{name}.yaml"
    for name in SWEEPS:
        sweep = load_sweep(name)
        assert sweep.name == name
        # The sweeps' ../scenarios/x.yaml resolve inside the package.
        assert all(Path(b.source).resolve().parent == SCENARIO_DIR.resolve()
                   for b in sweep.bases)
    assert list(tmp_path.iterdir()) == []


def test_a_sweep_may_name_a_shipped_scenario(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = (SWEEP_DIR / "tiny_grid.yaml").read_text()
    assert "scenario: ../scenarios/baseline.yaml" in text
    (tmp_path / "mine.yaml").write_text(text.replace("../scenarios/baseline.yaml",
                                                     "baseline"))
    sweep = load_sweep("mine.yaml")
    assert Path(sweep.bases[0].source) == SCENARIO_DIR / "baseline.yaml"


def test_an_existing_file_wins_over_a_shipped_name(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "baseline").write_text("name: mine\nmonths: 12\n")
    scenario = load_scenario("baseline")
    assert (scenario.name, scenario.source) == ("mine", "baseline")


def test_a_name_never_reads_the_working_folders_yaml(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "baseline.yaml").write_text("name: mine\nmonths: 12\n")
    assert load_scenario("baseline").name == "baseline"
    assert load_scenario("baseline.yaml").name == "mine"


def test_a_missing_path_is_still_a_missing_file(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # Only a bare name is looked up among the shipped files: a path is read as a path.
    monkeypatch.chdir(tmp_path)
    for value in ("baseline.yaml", "scenarios/baseline.yaml", "./baseline"):
        with pytest.raises(UserError) as err:
            load_scenario(value)
        assert "shipped" not in str(err.value)


def test_an_unknown_name_lists_the_shipped_ones(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["run", "baselin", "--dry-run"])
    assert result.exit_code == 2
    assert "baselin: no such file, and no shipped scenario of that name (shipped: " \
        "baseline, full_withdrawal, high_cooperation, no_drawdown)" in " ".join(
            result.output.split())
    assert "Traceback" not in result.output
    result = CliRunner().invoke(app, ["sweep", "dem", "--dry-run"])
    assert result.exit_code == 2
    assert "no shipped sweep of that name (shipped: demo," in " ".join(result.output.split())


def test_cli_takes_names_from_an_empty_folder(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["validate", *SCENARIOS])
    assert result.exit_code == 0, result.output
    # Rich wraps long lines at the console's width, where depends on the checkout's path.
    flat = " ".join(result.output.split())
    assert f"ok {SCENARIO_DIR / 'baseline.yaml'}" in flat
    assert "(baseline: 8 keys set)" in flat
    result = runner.invoke(app, ["run", "baseline", "--dry-run", "--set",
                                 "grid.resolution=0.5"])
    assert result.exit_code == 0, result.output
    assert "dry run: scenario valid" in result.output
    result = runner.invoke(app, ["sweep", "demo", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "dry run: sweep valid" in result.output
    assert list(tmp_path.iterdir()) == []


def _build_wheel(out: Path) -> Path:
    """Build the wheel from a copy of the sources, so the checkout gets no build/ folder.

    Without build isolation when this environment's setuptools can build the project;
    else pip fetches setuptools for the build (a few seconds with PyPI reachable).
    """
    source = out / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(PACKAGE, source / "src" / "stability_sim",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out)]
    try:
        from importlib.metadata import version

        if int(version("setuptools").split(".")[0]) >= 77:  # pyproject's build requirement
            command.append("--no-build-isolation")
    except Exception:  # no setuptools here: the isolated build brings its own
        pass
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    done = subprocess.run([*command, str(source)], capture_output=True, text=True,
                          timeout=180, env=env)
    if done.returncode != 0 and any(s in done.stderr for s in (
            "Failed to establish a new connection", "No matching distribution",
            "Temporary failure in name resolution")):
        pytest.skip("no PyPI for an isolated build and setuptools here is older than 77")
    assert done.returncode == 0, done.stderr
    wheels = list(out.glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_the_wheel_ships_the_scenarios_and_sweeps(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as whl:
        members = set(whl.namelist())
        for kind in KINDS:
            inside = sorted(m for m in members
                            if m.startswith(f"stability_sim/configs/{kind}/"))
            expected = sorted(f"stability_sim/configs/{kind}/{n}.yaml"
                              for n in shipped.names(kind))
            assert inside == expected
            for member in inside:
                assert whl.read(member) == (PACKAGE / member.removeprefix(
                    "stability_sim/")).read_bytes()


def test_a_sweep_runs_from_a_link_in_configs(tmp_path: Path) -> None:
    # make demo runs configs/sweeps/demo.yaml, a link: the manifest hashes the file it
    # points to (the results folder's own files are still never read through links).
    sweep = tmp_path / "one.yaml"
    sweep.write_text(f"name: one\nscenario: {SCENARIO_DIR / 'baseline.yaml'}\nmonths: 2\n"
                     "seed: 1\nreplications: 1\nset: {grid: {resolution: 0.5}}\n"
                     "design: {kind: grid, parameters: {cooperation.level: [0.5]}}\n")
    link = tmp_path / "link.yaml"
    link.symlink_to(sweep.name)
    outcome = run_sweep(link, out=tmp_path / "out", executor="serial")
    assert outcome.failed == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["sweep_file"] == {**manifest["sweep_file"], "path": str(link),
                                      "sha256": hashlib.sha256(sweep.read_bytes()).hexdigest()}
