"""Results integrity: load_results reads a folder only if it agrees with its manifest.

Each test copies one complete sweep (6 runs in 3 chunks), changes one thing, and expects
a one-line UserError naming the file at fault, or, where the change is one a crash or a
running sweep leaves, a load that does not read the changed file.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

from stability_sim.errors import UserError
from stability_sim.experiments import load_results, run_sweep
from stability_sim.experiments.store import CHUNK_FILES, SCHEMA_VERSION
from tests.reliability.common import sweep_text
from tests.sweep_results import assert_same, frames

SIX = sweep_text(replications=3)


@pytest.fixture(scope="module")
def complete(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("integrity")
    (folder / "sweep.yaml").write_text(SIX)
    outcome = run_sweep(folder / "sweep.yaml", out=folder / "out", executor="serial",
                        chunk_runs=2)
    assert outcome.ok == 6
    return folder / "out"


@pytest.fixture
def copy(complete: Path, tmp_path: Path) -> Path:
    shutil.copytree(complete, tmp_path / "out")
    return tmp_path / "out"


def edit_manifest(folder: Path, change: Callable[[dict[str, Any]], None]) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    change(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1))


def refused(folder: Path, *needles: str) -> str:
    """The one-line message load_results refuses ``folder`` with; it holds every needle."""
    with pytest.raises(UserError) as error:
        load_results(folder)
    line = str(error.value)
    assert "\n" not in line, line
    for needle in needles:
        assert needle in line, line
    return line


def test_the_manifest_carries_the_schema_version(complete: Path) -> None:
    manifest = json.loads((complete / "manifest.json").read_text())
    assert manifest["schema_version"] == SCHEMA_VERSION
    assert isinstance(manifest["schema_version"], int)
    assert load_results(complete).manifest["schema_version"] == SCHEMA_VERSION


@pytest.mark.parametrize("version", [SCHEMA_VERSION + 1, SCHEMA_VERSION - 1,
                                     str(SCHEMA_VERSION), None, "absent"])
def test_another_or_no_schema_version_is_refused(copy: Path, version: Any) -> None:
    def change(manifest: dict[str, Any]) -> None:
        if version == "absent":
            del manifest["schema_version"]
        else:
            manifest["schema_version"] = version

    edit_manifest(copy, change)
    line = refused(copy, "manifest.json", "schema_version", f"reads version {SCHEMA_VERSION}")
    if version not in (None, "absent"):
        assert f"format version {version!r}" in line


def test_a_damaged_manifest_is_refused(copy: Path) -> None:
    text = (copy / "manifest.json").read_text()
    (copy / "manifest.json").write_text(text[: len(text) // 2])
    refused(copy, "manifest.json", "damaged manifest")


@pytest.mark.parametrize("kind", [*CHUNK_FILES, "final"])
def test_a_missing_file_is_refused(copy: Path, kind: str) -> None:
    manifest = json.loads((copy / "manifest.json").read_text())
    name = "runs.parquet" if kind == "final" else manifest["chunks"][1][kind]
    (copy / name).unlink()
    refused(copy, name, "missing", "--resume")


@pytest.mark.parametrize("name", ["parts/runs-000099.parquet", "timeseries/extra.parquet",
                                  "cells/notes.txt", "parts/runs-000004.parquet"])
def test_an_unlisted_file_is_refused(copy: Path, name: str) -> None:
    shutil.copy(copy / "parts/runs-000000.parquet", copy / name)  # a valid Parquet file
    refused(copy, name, "not listed in the manifest")


def test_a_crash_s_leftovers_are_not_read(copy: Path, complete: Path) -> None:
    """Temporary files, and the next chunk's files (written, not committed): let be."""
    for sub in ("parts", "timeseries", "cells"):
        source = next((copy / sub).glob("*-000000.parquet"))
        shutil.copy(source, copy / sub / source.name.replace("000000", "000003"))
        (copy / sub / f".{source.name}.k2x9.tmp").write_bytes(source.read_bytes()[:100])
    for want, got in zip(frames(complete), frames(copy), strict=True):
        pd.testing.assert_frame_equal(want, got)  # the copied chunk 0 is not read twice


def test_an_edited_file_is_refused(copy: Path) -> None:
    """A valid Parquet file whose values changed: only its checksum shows it."""
    name = "timeseries/part-000001.parquet"
    table = pq.read_table(copy / name)
    column = table.column("intl_troops").to_pylist()
    column[0] += 1.0
    table = table.set_column(table.schema.get_field_index("intl_troops"), "intl_troops",
                             [column])
    pq.write_table(table, copy / name)
    refused(copy, name, "checksum")


def test_an_edited_checksum_is_refused(copy: Path) -> None:
    edit_manifest(copy, lambda m: m["chunks"][2].update(cells_sha256="0" * 64))
    refused(copy, "cells/part-000002.parquet", "checksum")


def test_a_removed_chunk_entry_is_refused(copy: Path) -> None:
    """Its files stay: they are not listed (a middle chunk) or the counts do not add up."""
    edit_manifest(copy, lambda m: m["chunks"].pop(1))
    refused(copy, "part-000001.parquet", "not listed")


def test_a_removed_last_chunk_entry_is_refused(copy: Path) -> None:
    edit_manifest(copy, lambda m: m["chunks"].pop())
    refused(copy, "manifest.json", "runs.parquet holds 6 runs but the chunks 4")


def test_an_edited_run_count_is_refused(copy: Path) -> None:
    edit_manifest(copy, lambda m: m["chunks"][0].update(n_runs=3, n_ok=3))
    refused(copy, "manifest.json", "parts/runs-000000.parquet", "holds 2")
    edit_manifest(copy, lambda m: m["chunks"][0].update(n_ok=2))
    refused(copy, "manifest.json", "chunks[0]", "n_ok + n_failed must equal n_runs")


def test_an_edited_run_count_is_redone_on_resume(copy: Path, complete: Path) -> None:
    edit_manifest(copy, lambda m: m["chunks"][0].update(n_runs=3, n_ok=3))
    outcome = run_sweep(complete.parent / "sweep.yaml", out=copy, executor="serial",
                        resume=True)
    assert outcome.ran == 2
    assert any("parts/runs-000000.parquet holds 2" in note for note in outcome.notes)
    assert_same(complete, copy)


def test_a_chunk_listed_twice_is_refused(copy: Path) -> None:
    edit_manifest(copy, lambda m: m["chunks"].append(dict(m["chunks"][0])))
    refused(copy, "manifest.json", "chunk 0 is listed more than once")
    edit_manifest(copy, lambda m: m["chunks"].__setitem__(-1, dict(m["chunks"][0], id=3)))
    refused(copy, "manifest.json", "chunks[3]", "part-000000.parquet'",
            "not 'timeseries/part-000003.parquet'")


def test_edited_run_statuses_are_refused(copy: Path) -> None:
    """Counts are derived from the chunk entries: an entry's n_ok must be its file's."""
    edit_manifest(copy, lambda m: m["chunks"][0].update(n_ok=1, n_failed=1))
    refused(copy, "manifest.json", "counts.ok", "counts 5 ok runs but the listed chunks hold 6")


def test_a_complete_sweep_short_of_runs_is_refused(copy: Path) -> None:
    edit_manifest(copy, lambda m: m.update(total_runs=7))
    refused(copy, "manifest.json", "design.points", "total_runs / replications")
