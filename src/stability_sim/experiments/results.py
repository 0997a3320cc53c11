"""Reading a sweep's results folder: :func:`load_results` → :class:`Results`.

Only committed chunks (listed in the manifest, checksums matching) are read, so a folder
from an interrupted sweep loads too, as what it is: ``results.complete`` is False. A folder
that does not agree with its manifest (a file missing, edited or not listed, run counts
that do not add up) is refused with one line naming the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from stability_sim.errors import UserError
from stability_sim.experiments.folder import refuse_links
from stability_sim.experiments.store import (
    CHUNK_FILES,
    MANIFEST,
    OWNED,
    chunk_file,
    read_state,
    sha256,
    temporary,
)

#: What a reader must not follow: the sweep's own files (not its report).
READ = tuple(name for name in OWNED if name != "report")


@dataclass
class Results:
    """A sweep's results.

    Attributes:
        path: The results folder.
        manifest: The manifest (sweep file, design, versions, times, counts, chunks).
        runs: One row per run, sorted by ``run_id``.
    """

    path: Path
    manifest: dict[str, Any]
    runs: pd.DataFrame
    _chunks: dict[str, list[Path]] = field(default_factory=dict, repr=False)

    @property
    def complete(self) -> bool:
        """Whether every run of the sweep is in the folder."""
        return self.manifest.get("status") == "complete"

    @property
    def parameters(self) -> list[str]:
        """The swept columns of ``runs`` (``scenario`` first for a scenarios design)."""
        return list(self.manifest["columns"]["parameters"])

    @property
    def outcomes(self) -> list[str]:
        """The summary outcome columns of ``runs``."""
        return list(self.manifest["columns"]["summary"])

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        """Every run's monthly outcomes, sorted by ``run_id`` and ``step``.

        Loaded on first use; for a large sweep prefer :meth:`series`.
        """
        return self.series()

    def series(self, columns: list[str] | None = None,
               run_ids: list[int] | None = None) -> pd.DataFrame:
        """Monthly outcomes of some runs and columns (``run_id``, ``step``, ``date`` always).

        Args:
            columns: Monthly columns to read (default all).
            run_ids: Runs to read (default all).
        """
        return self._read("timeseries", ("run_id", "step", "date"), columns, run_ids)

    def cells(self, columns: list[str] | None = None,
              run_ids: list[int] | None = None) -> pd.DataFrame:
        """Per-cell summaries of some runs (``run_id`` and ``cell`` always).

        ``cell`` is the flat index ``ix * height + iy`` into the run's grid
        (:class:`~stability_sim.geography.RegionalGrid` at the run's resolution); the
        columns are those of :func:`stability_sim.outcomes.cell_summary`.

        Args:
            columns: Columns to read (default all).
            run_ids: Runs to read (default all).
        """
        return self._read("cells", ("run_id", "cell"), columns, run_ids)

    def _read(self, kind: str, keys: tuple[str, ...], columns: list[str] | None,
              run_ids: list[int] | None) -> pd.DataFrame:
        wanted = None if columns is None else [*keys, *(c for c in columns if c not in keys)]
        filters = None if run_ids is None else [("run_id", "in", [int(r) for r in run_ids])]
        tables = [_read_table(p, columns=wanted, filters=filters)
                  for p in self._chunks.get(kind, [])]
        if not tables:
            return pd.DataFrame(columns=wanted or list(keys))
        frame = pa.concat_tables(tables).to_pandas()
        return frame.sort_values(list(keys[:2]), ignore_index=True)


def _unreadable(path: Path, exc: Exception) -> UserError:
    # Only reached without checksums (verify=False) or for a file damaged since checked.
    return UserError(f"{path.parent.name}/{path.name} is not a readable Parquet file "
                     f"({' '.join(str(exc).split())[:120]}); resume the sweep with --resume "
                     "to redo it", source=str(path.parent.parent))


def _read_table(path: Path, **options: Any) -> pa.Table:
    try:
        return pq.read_table(path, **options)
    except (OSError, pa.ArrowException) as exc:
        raise _unreadable(path, exc) from None


def load_results(path: str | Path, *, verify: bool = True) -> Results:
    """Load a sweep's results folder.

    The folder is untrusted input: every name in its manifest and journal is checked to
    be the one its chunk id allows (so nothing outside the folder is read), links are
    refused, and every chunk must have the layout its manifest gives.

    Args:
        path: The folder (``results/<name>``).
        verify: Check every chunk against its sha256 in the manifest.

    Raises:
        UserError: If the folder is not a sweep's, is from a format this version does not
            read, or does not agree with its manifest: a field of the wrong kind, a file
            missing, a link, not matching its checksum, its run count or its layout, a
            chunk file the manifest does not list, or run counts that do not add up.
    """
    folder = Path(path)
    refuse_links(folder, READ, listed=tuple(set(CHUNK_FILES.values())))
    # Listed before the journal and manifest are read: chunks a running sweep commits in
    # between have ids above the last one read, and those are let be (see below).
    present = {f"{sub}/{p.name}" for sub in set(CHUNK_FILES.values())
               if (folder / sub).is_dir() for p in (folder / sub).iterdir()}
    manifest, journal = read_state(folder)
    source = str(folder / MANIFEST)
    if journal.problem:
        raise UserError(f"{journal.problem}; resume the sweep with --resume to redo what it lists "
                        "from there on", source=str(folder))
    chunks = manifest["chunks"]
    files: list[tuple[str, str]] = [(c[key], c[f"{key}_sha256"]) for c in chunks
                                    for key in CHUNK_FILES if c.get(key)]
    final = manifest.get("runs") if manifest.get("status") == "complete" else None
    if final:
        files.append((final["file"], final["sha256"]))
    for name, digest in files:
        file = folder / name
        if not file.is_file():
            raise UserError(f"{name} is listed in the manifest but missing; resume the sweep "
                            "with --resume to redo it", source=str(folder))
        if verify and sha256(file) != digest:
            raise UserError(f"{name} does not match its checksum in the manifest (edited or "
                            "damaged); resume the sweep with --resume to redo it",
                            source=str(folder))
    # A file the manifest does not list is never read; but it means the folder is not what
    # the manifest says (a file copied in, a chunk's entry removed), so refuse it. Let be
    # only what a sweep writing or killed right now leaves: temporary files, and the files
    # of the chunk after the last committed one (written, not yet committed: the folder was
    # listed before the journal was read, so any earlier chunk was committed by then).
    upcoming = max((c["id"] for c in chunks), default=-1) + 1
    expected = {chunk_file(key, upcoming) for key in CHUNK_FILES}
    listed = {name for name, _ in files}
    stray = sorted(name for name in present - listed - expected
                   if not temporary(name.rpartition("/")[2]))
    if stray:
        raise UserError(f"{stray[0]} is not listed in the manifest (put there by hand, or its "
                        "entry was removed); move it out of the folder, or resume the sweep "
                        "with --resume to delete it", source=str(folder))
    _check_layouts(folder, manifest, chunks)
    if final:
        runs = _read_table(folder / final["file"]).to_pandas()
    elif chunks:
        runs = pa.concat_tables([_read_table(folder / c["runs"]) for c in chunks]) \
            .to_pandas().sort_values("run_id", ignore_index=True)
    else:
        runs = pd.DataFrame(columns=["run_id", "point_id", "replicate", "status"])
    _check_counts(manifest, runs, source, final["file"] if final else None)
    if final:
        _check_same_runs(folder, chunks, runs, source)
    data = {key: [folder / c[key] for c in chunks if c.get(key)]
            for key in CHUNK_FILES if key != "runs"}
    return Results(folder, manifest, runs, data)


def _check_layouts(folder: Path, manifest: dict[str, Any], chunks: list[dict[str, Any]]) -> None:
    """Refuse chunks whose columns or run counts are not the manifest's, before Arrow reads.

    A chunk from another sweep, copied in with its checksum edited to match, would
    otherwise fail late in a concatenation or, worse, be read with the wrong columns.
    """
    columns = manifest["columns"]
    expected = {"timeseries": ["run_id", "step", "date", *columns["monthly"]],
                "cells": ["run_id", "cell", *columns["cells"]]}
    runs_schema = None
    for chunk in chunks:
        for key in CHUNK_FILES:
            if not chunk.get(key):
                continue
            path = folder / chunk[key]
            try:
                meta = pq.ParquetFile(path).metadata
                schema = meta.schema.to_arrow_schema()
            except (OSError, pa.ArrowException) as exc:
                raise _unreadable(path, exc) from None
            if key == "runs" and meta.num_rows != chunk["n_runs"]:
                raise UserError(f"lists {chunk['n_runs']} runs for {chunk['runs']}, which "
                                f"holds {meta.num_rows} (the manifest was edited); resume "
                                "the sweep with --resume to redo it", source=str(folder / MANIFEST))
            if key == "runs":
                needed = {"run_id", "point_id", "replicate", "status", *columns["summary"],
                          *columns["parameters"]}
                runs_schema = runs_schema or schema
                good = needed <= set(schema.names) and schema.equals(runs_schema,
                                                                     check_metadata=False)
            else:
                good = schema.names == expected[key]
            if not good:
                raise UserError(f"{chunk[key]} does not have the columns of this sweep's "
                                f"{key} (a file of another sweep?); resume the sweep with "
                                "--resume to redo it", source=str(folder))


def _check_same_runs(folder: Path, chunks: list[dict[str, Any]], runs: pd.DataFrame,
                     source: str) -> None:
    """``runs.parquet`` must hold exactly the runs of the chunks it was written from."""
    ids = np.sort(np.concatenate([
        _read_table(folder / c["runs"], columns=["run_id"]).column("run_id").to_numpy()
        for c in chunks])) if chunks else np.array([], dtype=np.int64)
    if not np.array_equal(ids, runs["run_id"].to_numpy()):
        raise UserError("runs.parquet does not hold the runs of the chunks it lists (the "
                        "manifest was edited); resume the sweep with --resume to rewrite it",
                        source=source)


def _check_counts(manifest: dict[str, Any], runs: pd.DataFrame, source: str,
                  final: str | None) -> None:
    """Refuse a folder whose runs do not add up to what its manifest says."""
    if not runs["run_id"].is_unique:
        twice = int(runs.loc[runs["run_id"].duplicated(), "run_id"].iloc[0])
        raise UserError(f"run {twice} is in the results more than once (the manifest was "
                        "edited)", source=source)
    committed = sum(c.get("n_runs", 0) for c in manifest.get("chunks", []))
    if final and len(runs) != committed:
        raise UserError(f"{final} holds {len(runs)} runs but the chunks {committed}; resume "
                        "the sweep with --resume to rewrite it", source=source)
    if final and len(runs) != manifest.get("total_runs"):
        raise UserError(f"the sweep is marked complete with {len(runs)} of "
                        f"{manifest.get('total_runs')} runs (the manifest was edited)",
                        source=source)
    counts = manifest.get("counts") or {}
    for status in ("ok", "failed"):
        found = int((runs["status"] == status).sum())
        if status in counts and counts[status] != found:
            raise UserError(f"counts {counts[status]} {status} runs but the listed chunks "
                            f"hold {found} (the manifest was edited)", source=source,
                            key=f"counts.{status}")
