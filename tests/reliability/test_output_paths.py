"""Output folders that try to escape are refused: system folders, symbolic links, ``..``.

:func:`stability_sim.paths.safe_output_dir` directly, then ``run``, ``sweep`` and
``report`` with ``--out`` (and ``sweep``'s default ``results/<name>``): exit 2 with one
line naming ``--out`` and the path, and nothing written. Ordinary folders (a temporary
folder, ``/var/tmp``, a scratch path that does not exist yet) stay allowed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stability_sim.cli.main import app
from stability_sim.errors import UserError
from stability_sim.paths import safe_output_dir
from stability_sim.untrusted import printable

REPO = Path(__file__).resolve().parents[2]
BASELINE = REPO / "configs" / "scenarios" / "baseline.yaml"
TINY_SWEEP = REPO / "configs" / "sweeps" / "tiny_grid.yaml"
CHEAP_RUN = ("--months", "1", "--set", "grid.resolution=0.5")

runner = CliRunner()


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder one level below ``tmp_path``, so ``..`` has somewhere to go."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def refused(path: str | Path, *fragments: str) -> str:
    """The message of the refusal of ``path``, checked for ``--out``, the path and more."""
    with pytest.raises(UserError) as info:
        safe_output_dir(Path(path))
    line = info.value.line()
    # As typer passes it on, hidden characters shown as escapes (a NUL as \x00).
    assert line.startswith(f"--out: {printable(str(Path(path)))}: "), line
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    return line


# --------------------------------------------------------------------------------------
# The rule
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["..", "../results", "../../x", "a/../../x", "./../x",
                                  "results/../../x"])
def test_relative_paths_climbing_out_are_refused(work: Path, path: str) -> None:
    refused(path, "climbs out of the working folder through '..'")


@pytest.mark.parametrize("path", ["results", "results/demo", "a/../b", "./out", ".", "a/b/.."])
def test_relative_paths_inside_are_allowed(work: Path, path: str) -> None:
    assert safe_output_dir(Path(path)) == Path(path)


def test_dotdot_through_a_symlink_is_judged_where_it_lands(work: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere" / "deep"
    elsewhere.mkdir(parents=True)
    (work / "link").symlink_to(elsewhere)
    # Lexically link/.. is the working folder; really it is tmp_path/elsewhere.
    refused("link/..", "climbs out")


@pytest.mark.parametrize("path", ["/", "/etc", "/etc/stability_sim", "/usr/local/results",
                                  "/var/lib/results", "/var/log", "/proc/self", "/dev/shm/x",
                                  "/bin", "/boot/x", "/sys/kernel", "/run/results", "/sbin",
                                  "/lib", "/lib64", "/etc/../usr"])
def test_system_folders_are_refused(work: Path, path: str) -> None:
    refused(path, "is a system folder")


@pytest.mark.parametrize("path", ["/var/tmp/stability_sim_results", "/scratch/me/results",
                                  "/root/results", "/home/someone/results"])
def test_other_absolute_folders_are_allowed(path: str) -> None:
    assert safe_output_dir(Path(path)) == Path(path)


def test_a_temporary_folder_is_allowed(tmp_path: Path) -> None:
    assert safe_output_dir(tmp_path / "results" / "demo") == tmp_path / "results" / "demo"
    assert safe_output_dir(tmp_path) == tmp_path  # an existing folder too


def test_a_symlink_to_etc_is_refused(work: Path) -> None:
    (work / "out").symlink_to("/etc")
    refused("out", "is a system folder (/etc)")  # where it leads is the first reason
    # A folder below it resolves into /etc.
    refused("out/results", "is a system folder (/etc/results)")


def test_a_symlink_folder_inside_tmp_is_refused(work: Path, tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.mkdir()
    link = tmp_path / "link"
    link.symlink_to(target)
    refused(link, f"is a symbolic link (to {target})")
    (work / "rel").symlink_to(target)
    refused("rel", "is a symbolic link")


def test_dangling_and_looping_symlinks_are_refused(work: Path) -> None:
    (work / "dangling").symlink_to(work / "nowhere")
    refused("dangling", "is a symbolic link")
    (work / "a").symlink_to(work / "b")
    (work / "b").symlink_to(work / "a")
    refused("a", "symbolic link")
    refused("a/sub", "loop of symbolic links")


def test_a_symlink_above_the_folder_is_allowed(work: Path, tmp_path: Path) -> None:
    # results -> /scratch/... is a deliberate set-up; only where it leads is checked.
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (work / "results").symlink_to(scratch)
    assert safe_output_dir(Path("results/demo")) == Path("results/demo")


def test_unusable_names_are_refused(work: Path) -> None:
    refused("a\x00b", "contains a NUL character")
    refused("x" * 300, "cannot be checked")


# --------------------------------------------------------------------------------------
# Through the command line
# --------------------------------------------------------------------------------------
def assert_refused(result, path: str | Path, fragment: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: --out: {path}: "), lines[0]
    assert fragment in lines[0], lines[0]


def snapshot(*folders: Path) -> set[Path]:
    return {p for folder in folders for p in folder.rglob("*")}


def test_run_refuses_escaping_out(work: Path, tmp_path: Path) -> None:
    before = snapshot(tmp_path)
    result = runner.invoke(app, ["run", str(BASELINE), *CHEAP_RUN, "--out", "../escape"])
    assert_refused(result, "../escape", "climbs out")
    assert snapshot(tmp_path) == before


def test_sweep_refuses_a_system_folder(work: Path) -> None:
    for extra in (["--dry-run"], ["--executor", "serial"]):
        result = runner.invoke(app, ["sweep", str(TINY_SWEEP), "--out", "/etc/stability_sim",
                                     *extra])
        assert_refused(result, "/etc/stability_sim", "is a system folder")
    assert not Path("/etc/stability_sim").exists()


def test_sweep_refuses_a_symlinked_default_folder(work: Path, tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.mkdir()
    (work / "results").mkdir()
    (work / "results" / "tiny_grid").symlink_to(target)
    result = runner.invoke(app, ["sweep", str(TINY_SWEEP), "--executor", "serial"])
    assert_refused(result, "results/tiny_grid", "is a symbolic link")
    assert not any(target.iterdir())


def test_report_refuses_a_symlink_to_etc(work: Path) -> None:
    (work / "report").symlink_to("/etc")
    result = runner.invoke(app, ["report", str(work), "--out", "report"])
    assert_refused(result, "report", "is a system folder (/etc)")


def test_run_sweep_in_python_refuses_a_system_folder_but_allows_climbing(
        work: Path, tmp_path: Path) -> None:
    """The Python API keeps the system-folder and link rules; ``..`` is the caller's own."""
    from stability_sim.experiments import run_sweep

    with pytest.raises(UserError, match=r"^out: /etc/stability_sim: is a system folder"):
        run_sweep(TINY_SWEEP, out="/etc/stability_sim", executor="serial")
    assert not Path("/etc/stability_sim").exists()
    link = work / "link"
    link.symlink_to(tmp_path)
    with pytest.raises(UserError, match=r"^out: link: is a symbolic link"):
        run_sweep(TINY_SWEEP, out="link", executor="serial")
    assert safe_output_dir(Path("../results"), allow_climb=True) == Path("../results")


def test_run_refuses_a_symlink_in_tmp_and_writes_nothing(work: Path, tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.mkdir()
    link = tmp_path / "link"
    link.symlink_to(target)
    result = runner.invoke(app, ["run", str(BASELINE), *CHEAP_RUN, "--out", str(link)])
    assert_refused(result, link, "is a symbolic link")
    assert not any(target.iterdir())


def test_run_writes_into_an_ordinary_tmp_folder(tmp_path: Path) -> None:
    out = tmp_path / "one"
    result = runner.invoke(app, ["run", str(BASELINE), *CHEAP_RUN, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "summary.json").is_file() and (out / "timeseries.parquet").is_file()


def test_real_entry_point_refuses_escaping_out(work: Path, tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "stability_sim.cli", "run", str(BASELINE),
                           *CHEAP_RUN, "--out", "../escape"], cwd=work,
                          env={**os.environ, "NO_COLOR": "1"}, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [
        "error: --out: ../escape: climbs out of the working folder through '..'; give an "
        "absolute path if you mean a folder elsewhere"]
    assert not (tmp_path / "escape").exists()
