"""The result store of a sweep: a folder of Parquet chunks committed through a journal.

Layout of ``results/<name>/``::

    manifest.json           what was run (sweep, design, sessions with the code and
                            libraries of each, times, counts) and the committed chunks,
                            with their sha256, as of the last time a session opened or closed
    chunks.jsonl            the journal: chunks committed since then, one checked line each
    parts/runs-NNNNNN.parquet      run rows, one chunk per flush
    timeseries/part-NNNNNN.parquet monthly outcomes of the same runs (run_id, step, date, ...)
    cells/part-NNNNNN.parquet      per-cell summary of the same runs (run_id, cell, ...)
    runs.parquet            every run row sorted by run_id, written when the sweep completes
    failed.log              tracebacks of failed runs
    report/                 what ``stability-sim report`` writes by default

Finished runs are buffered and flushed as a chunk every ``chunk_runs`` runs (or every
``flush_seconds``): the time-series and cell files, then the runs file, each written to a
temporary name and renamed, then one line appended to the journal and synced. That line
is the commit point, and its cost does not grow with the sweep (rewriting the manifest
per chunk took 1.3 s a commit at 40,000 chunks). When a session opens and closes, the
manifest takes the journal's entries over (written to a temporary name and renamed) and
the journal is removed. A chunk no commit lists (a crash between the writes), a
temporary file (a crash during a write) and a journal line cut short are reported and
deleted on resume, and their runs redone; a chunk whose checksum or run count does not
match is reported, deleted and redone. So a crash at any moment leaves nothing that a
reader would take as good, and loses at most the runs of one unflushed chunk.

The folder is untrusted input (see :mod:`~stability_sim.experiments.chunks` and
:mod:`~stability_sim.experiments.folder`): every name in a manifest is checked before it
is used, links are refused, and a full or read-only disk is one line (exit 3).
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import shutil
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from stability_sim import params
from stability_sim.errors import UserError
from stability_sim.experiments import provenance
from stability_sim.experiments.chunks import (
    CHUNK_FILES,
    DATA,
    JOURNAL,
    Journal,
    JournalState,
    check_entry,
    chunk_file,
    merge,
    read_journal,
)
from stability_sim.experiments.designs import KINDS as DESIGN_KINDS
from stability_sim.experiments.folder import (
    StorageError,
    append_text,
    open_nofollow,
    refuse_link,
    refuse_links,
    storage,
)
from stability_sim.experiments.spec import Sweep
from stability_sim.experiments.worker import RunResult
from stability_sim.outcomes import CELL_COLUMNS, monthly_columns, summary_keys, summary_types
from stability_sim.runio import atomic_write_bytes, jsonable

__all__ = ["CHUNK_FILES", "DATA", "JOURNAL", "MANIFEST", "OWNED", "SCHEMA_VERSION",
           "ResultStore", "StorageError", "chunk_file", "read_manifest", "read_state"]

#: Version of the folder layout; readers refuse what they do not know. 2 added cells/;
#: 3 the journal, checked chunk entries with run counts, and a record per session.
SCHEMA_VERSION = 3
MANIFEST = "manifest.json"
KIND = "stability_sim sweep results"
#: Everything a sweep writes into its folder (``--overwrite`` removes only these).
OWNED = (MANIFEST, JOURNAL, "runs.parquet", "parts", "timeseries", "cells", "failed.log",
         "report", ".lock")
#: What to do once a storage failure is fixed.
RESUME = "continue the sweep with --resume"
#: Design kinds a manifest may name: those a sweep file can (one list, so a new kind is
#: never written by the sweep and then refused by the reader).
KINDS = DESIGN_KINDS

_ARROW = {"bool": pa.bool_(), "int": pa.int64(), "float": pa.float64(), "str": pa.string()}


def now() -> str:
    """The current UTC time, ISO 8601, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes (a link at ``path`` is refused, not followed)."""
    digest = hashlib.sha256()
    with os.fdopen(open_nofollow(path, os.O_RDONLY), "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parquet_bytes(table: pa.Table) -> bytes:
    """A table serialised as Parquet in memory (so it can be hashed and written atomically)."""
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def param_type(name: str) -> pa.DataType:
    """The Arrow type of a swept parameter's column."""
    p = params.get(name)
    kind = params.Kind
    if p.kind is kind.FLOAT:
        return pa.float64()
    if p.kind is kind.INT:
        return pa.int64()
    if p.kind is kind.BOOL:
        return pa.bool_()
    if p.kind is kind.CHOICE and not any(isinstance(c, str) for c in p.choices):
        return pa.float64()
    return pa.string()  # months, text choices, schedules (as JSON)


def runs_schema(sweep: Sweep) -> pa.Schema:
    """The columns of ``runs.parquet``, typed, in order."""
    fields = [("run_id", pa.int64()), ("point_id", pa.int64()), ("replicate", pa.int64()),
              ("seed_entropy", pa.int64()), ("spawn_key", pa.string())]
    if sweep.design.kind == "scenarios":
        fields.append(("scenario", pa.string()))
    if sweep.design.kind == "exploratory":
        fields += [("policy_id", pa.int64()), ("world_id", pa.int64())]
    fields += [(name, param_type(name)) for name in sweep.design.parameters]
    fields += [("status", pa.string()), ("error", pa.string()), ("elapsed_s", pa.float64())]
    fields += [(key, _ARROW[t]) for key, t in summary_types().items()]
    return pa.schema(fields)


def timeseries_schema() -> pa.Schema:
    """The columns of the time-series chunks."""
    return pa.schema([("run_id", pa.int64()), ("step", pa.int64()), ("date", pa.string()),
                      *((c, pa.float64()) for c in monthly_columns())])


def cells_schema() -> pa.Schema:
    """The columns of the per-cell chunks (float32 keeps maps of big sweeps small)."""
    return pa.schema([("run_id", pa.int64()), ("cell", pa.int32()),
                      *((c, pa.float32()) for c in CELL_COLUMNS)])


def _cell(value: Any) -> Any:
    if isinstance(value, tuple):  # a schedule
        return json.dumps([list(v) for v in value])
    return value


def temporary(name: str) -> bool:
    """Whether a file is a temporary one of ``atomic_write_bytes`` (``.NAME.XXXX.tmp``).

    That is a write in progress, or one a crash cut short. Parquet readers skip such
    hidden files, and so does ``load_results``.
    """
    return name.startswith(".") and name.endswith(".tmp")


def _only_empty_leftovers(folder: Path) -> bool:
    """Whether a folder is empty but for what a sweep makes before its first manifest.

    That is the lock, the empty chunk folders and the temporary file of a first manifest
    whose write was cut short: a crash there must not block a rerun.
    """
    for entry in folder.iterdir():
        if entry.name not in (".lock", *CHUNK_FILES.values()) and not temporary(entry.name):
            return False
        if entry.is_dir() and not entry.is_symlink() and any(entry.iterdir()):
            return False
    return True


def read_manifest(folder: Path, *, any_version: bool = False) -> dict[str, Any]:
    """Read and check a results folder's manifest (its committed chunks: :func:`read_state`).

    Args:
        folder: The results folder.
        any_version: Accept any format version and skip the structure check (only to
            recognise an older sweep's folder that ``--overwrite`` may delete).

    Raises:
        UserError: If the folder holds no sweep results, a format this version cannot read,
            or a manifest whose structure is not what a sweep writes (named field by field).
    """
    path = folder / MANIFEST
    if path.is_symlink():
        refuse_link(path)
    if not path.is_file():
        raise UserError("not a sweep results folder (no manifest.json)", source=str(folder))
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"damaged manifest ({exc})", source=str(path)) from None
    except RecursionError:
        raise UserError("damaged manifest (nested too deeply)", source=str(path)) from None
    if not isinstance(manifest, dict) or manifest.get("kind") != KIND:
        raise UserError("not a stability_sim sweep manifest", source=str(path))
    version = manifest.get("schema_version")
    if version is None and not any_version:
        raise UserError("has no schema_version, so its results format is unknown; this "
                        f"stability_sim reads version {SCHEMA_VERSION} (rerun the sweep with "
                        "this version)", source=str(path), key="schema_version")
    if version != SCHEMA_VERSION and not any_version:
        raise UserError(f"results format version {version!r}; this stability_sim reads "
                        f"version {SCHEMA_VERSION} (rerun the sweep with this version)",
                        source=str(path), key="schema_version")
    if not any_version:
        _check_structure(manifest, str(path))
    return manifest


def read_state(folder: Path) -> tuple[dict[str, Any], JournalState]:
    """The manifest with every committed chunk (its own and the journal's) and counts.

    The journal is read before the manifest: a session that compacts in between has then
    put every entry read into the manifest too, and the same entry counts once.

    Returns:
        The manifest, and the journal as read (with its problems).
    """
    journal = read_journal(folder)
    manifest = read_manifest(folder)
    manifest["chunks"] = merge(manifest["chunks"], journal.entries, str(folder / JOURNAL))
    manifest["counts"] = counts(manifest["chunks"], manifest["total_runs"])
    return manifest, journal


def counts(chunks: list[dict[str, Any]], total: int) -> dict[str, int]:
    """Run counts of committed chunks: total, ok, failed and still pending."""
    ok = sum(c["n_ok"] for c in chunks)
    failed = sum(c["n_failed"] for c in chunks)
    return {"total": total, "ok": ok, "failed": failed, "pending": total - ok - failed}


def _need(ok: bool, source: str, key: str, what: str) -> None:
    if not ok:
        raise UserError(f"must be {what} (the manifest was edited or damaged)",
                        source=source, key=key)


def _integer(value: Any, low: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _check_structure(m: dict[str, Any], source: str) -> None:
    """Check every field of a manifest that stability_sim reads, before anything reads it.

    A results folder may come from anywhere: a field of the wrong type must give one line
    naming it here, not a traceback or an Arrow error in a plot much later.
    """
    _need(isinstance(m.get("chunks"), list), source, "chunks", "a list")
    _need(_integer(m.get("total_runs")), source, "total_runs", "a non-negative integer")
    _need(_integer(m.get("replications"), 1), source, "replications", "a positive integer")
    _need(_integer(m.get("seed")), source, "seed", "a non-negative integer")
    _need(isinstance(m.get("status"), str), source, "status", "a string")
    _need(isinstance(m.get("name"), str), source, "name", "a string")
    _need(isinstance(m.get("description", ""), str), source, "description", "a string")
    _need(isinstance(m.get("sweep_file"), dict) and isinstance(m["sweep_file"].get("path"), str),
          source, "sweep_file.path", "a string")
    _need(isinstance(m.get("sessions"), list) and bool(m["sessions"])
          and all(isinstance(s, dict) for s in m["sessions"]), source, "sessions",
          "a non-empty list of mappings")
    columns = m.get("columns")
    _need(isinstance(columns, dict) and all(_strings(columns.get(k)) for k in
                                            ("summary", "monthly", "cells", "parameters")),
          source, "columns", "a mapping of summary, monthly, cells and parameters to names")
    _check_design(m.get("design"), m["replications"], m["total_runs"], source)
    points = len(m["design"]["points"])
    bases = m.get("base_scenarios")
    _need(isinstance(bases, list) and all(
        isinstance(b, dict) and isinstance(b.get("resolved"), dict)
        and isinstance(b["resolved"].get("grid"), dict)
        and _number(b["resolved"]["grid"].get("resolution")) for b in bases),
        source, "base_scenarios", "a list of scenarios with a resolved grid.resolution")
    point_base = m.get("point_base")
    _need(isinstance(point_base, list) and len(point_base) == points
          and all(_integer(b) and b < len(bases) for b in point_base), source, "point_base",
          "a base scenario index for every design point")
    runs = m.get("runs")
    if runs is not None:
        _need(isinstance(runs, dict) and runs.get("file") == "runs.parquet"
              and isinstance(runs.get("sha256"), str), source, "runs",
              "{file: runs.parquet, sha256: ...}")
    seen: set[int] = set()
    for i, entry in enumerate(m["chunks"]):
        try:
            chunk = check_entry(entry, f"chunks[{i}]")
        except UserError as exc:
            raise exc.at(source=source) from None
        if chunk["id"] in seen:
            raise UserError(f"chunk {chunk['id']} is listed more than once (the manifest was "
                            "edited)", source=source, key="chunks")
        seen.add(chunk["id"])


def _check_design(design: Any, replications: int, total: int, source: str) -> None:
    _need(isinstance(design, dict) and design.get("kind") in KINDS, source, "design.kind",
          f"one of {', '.join(KINDS)}")
    names = design.get("parameters")
    _need(_strings(names), source, "design.parameters", "a list of parameter names")
    for name in names:
        try:
            params.get(name)
        except UserError as exc:
            raise UserError(f"{name!r}: {exc.message}", source=source,
                            key="design.parameters") from None
    rows = design.get("points")
    _need(isinstance(rows, list) and len(rows) * replications == total, source,
          "design.points", "a list of total_runs / replications points")
    kinds = [params.get(n).kind for n in names]
    for i, row in enumerate(rows):
        key = f"design.points[{i}]"
        if design["kind"] == "scenarios":
            _need(isinstance(row, dict) and isinstance(row.get("label"), str)
                  and isinstance(row.get("set"), dict), source, key,
                  "a mapping with a label and its settings")
            continue
        _need(isinstance(row, list) and len(row) == len(names), source, key,
              f"a list of {len(names)} values")
        for name, kind, value in zip(names, kinds, row, strict=True):
            if kind in (params.Kind.FLOAT, params.Kind.INT):
                _need(_number(value), source, f"{key}.{name}", "a number")
    ranges = design.get("ranges", {})
    _need(isinstance(ranges, dict) and all(
        n in names and isinstance(r, list) and len(r) == 2 and all(map(_number, r))
        for n, r in ranges.items()), source, "design.ranges",
        "a mapping of swept parameters to [low, high]")


class ResultStore:
    """Writes a sweep's results into its folder as runs finish.

    Use :meth:`open`; then :meth:`add` each result, and :meth:`close` at the end (or on
    interruption: it flushes what is buffered and records the state).

    Args:
        folder: The results folder.
        sweep: The sweep being run.
        manifest: The manifest (new, or the one being resumed, chunks merged).
        chunk_runs: Runs per chunk.
        flush_seconds: Flush at least this often while runs finish.
    """

    def __init__(self, folder: Path, sweep: Sweep, manifest: dict[str, Any], *,
                 chunk_runs: int, flush_seconds: float) -> None:
        self.folder = folder
        self.sweep = sweep
        self.manifest = manifest
        self.chunk_runs = chunk_runs
        self.flush_seconds = flush_seconds
        self.schema = runs_schema(sweep)
        self.data_schemas = {"timeseries": timeseries_schema(), "cells": cells_schema()}
        self.done: set[int] = set()
        self.counts = {"ok": 0, "failed": 0}
        self.notes: list[str] = []
        self._rows: list[dict[str, Any]] = []
        self._frames: dict[str, list[pd.DataFrame]] = {key: [] for key in DATA}
        self._tracebacks: list[str] = []
        self._duplicates: list[int] = []
        self._last_flush = time.monotonic()
        self._lock: Any = None
        self._journal: Journal | None = None
        # Kept, not recomputed from the chunks: a commit must not cost more per chunk.
        self._next_id = max((c["id"] for c in manifest["chunks"]), default=-1) + 1
        self._broken = False
        self._points = [sweep.point_values(i) for i in range(len(sweep.design.points))]

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, folder: Path, sweep: Sweep, *, resume: bool, overwrite: bool,
             executor: Mapping[str, Any], chunk_runs: int = 25,
             flush_seconds: float = 30.0, environment: Mapping[str, Any] | None = None,
             allow_version_change: bool = False, retry_failed: bool = True,
             ) -> ResultStore:
        """Create, resume or overwrite a results folder, then lock it for this process.

        Args:
            folder: The results folder.
            sweep: The sweep.
            resume: Continue the sweep in ``folder``.
            overwrite: Delete the sweep in ``folder`` (only what a sweep wrote) first.
            executor: The executor, as recorded per session.
            chunk_runs: Runs per chunk.
            flush_seconds: Flush at least this often.
            environment: This session's record (:func:`provenance.record`); computed
                when not given.
            allow_version_change: Resume even when the code, the libraries or the resolved
                parameters differ from the last session's (recorded in the manifest).
            retry_failed: On resume, run the failed runs again.

        Raises:
            UserError: For an existing folder without ``resume``/``overwrite``, a folder
                that is not a sweep's, a resume of a different sweep or model, a link
                inside the folder, or a folder in use.
            StorageError: If the folder cannot be written.
        """
        if resume and overwrite:
            raise UserError("choose one of --resume and --overwrite", source="--resume")
        if folder.exists() and not folder.is_dir():
            raise UserError("exists and is not a folder", source=str(folder))
        if folder.is_dir() and not overwrite:
            refuse_links(folder, OWNED)
        has_manifest = (folder / MANIFEST).is_file() or (folder / MANIFEST).is_symlink()
        nonempty = folder.is_dir() and not _only_empty_leftovers(folder)
        if nonempty and not has_manifest:
            raise UserError("exists and is not a sweep results folder; choose another --out "
                            "(nothing was deleted)", source=str(folder))
        if has_manifest and not (resume or overwrite):
            raise UserError("already holds sweep results; add --resume to continue them or "
                            "--overwrite to start again", source=str(folder))
        record = dict(environment) if environment is not None else provenance.record(sweep)
        with storage(folder, RESUME):
            folder.mkdir(parents=True, exist_ok=True)
            if overwrite and (folder / ".lock").is_symlink():
                (folder / ".lock").unlink()  # never lock (or create) a link's target
            lock = cls._take_lock(folder)
            try:
                store = cls._open_locked(folder, sweep, resume=resume and has_manifest,
                                         overwrite=overwrite and has_manifest,
                                         executor=executor, record=record,
                                         chunk_runs=chunk_runs, flush_seconds=flush_seconds,
                                         allow_version_change=allow_version_change,
                                         retry_failed=retry_failed)
                store._journal = Journal(folder)
            except BaseException:
                lock.close()
                raise
        store._lock = lock
        return store

    @classmethod
    def _open_locked(cls, folder: Path, sweep: Sweep, *, resume: bool, overwrite: bool,
                     executor: Mapping[str, Any], record: dict[str, Any], chunk_runs: int,
                     flush_seconds: float, allow_version_change: bool,
                     retry_failed: bool) -> ResultStore:
        if overwrite:
            read_manifest(folder, any_version=True)  # only delete what a sweep wrote
            for name in OWNED:
                target = folder / name
                if name == ".lock":
                    continue
                if target.is_symlink() or target.is_file():
                    target.unlink()  # a link is removed, never followed
                elif target.is_dir():
                    shutil.rmtree(target)
        for sub in CHUNK_FILES.values():
            (folder / sub).mkdir(exist_ok=True)
        leftovers = _remove_temporaries(folder)
        session = {"started": now(), "finished": None, "executor": dict(executor),
                   "environment": record}
        if not resume:
            manifest = new_manifest(sweep, session, record)
            store = cls(folder, sweep, manifest, chunk_runs=chunk_runs,
                        flush_seconds=flush_seconds)
            store._note_leftovers(leftovers)
            store._compact()
            return store
        manifest, journal = read_state(folder)
        if manifest.get("fingerprint") != sweep.fingerprint():
            raise UserError(
                "was written by a different sweep (the sweep file, its scenario or --set "
                "changed); use --overwrite to start again or --out for a new folder",
                source=str(folder))
        changed = provenance.differences(manifest["sessions"][-1].get("environment") or {},
                                         record)
        if changed and not allow_version_change:
            shown = "; ".join(changed[:4]) + (f"; and {len(changed) - 4} more"
                                              if len(changed) > 4 else "")
            raise UserError(
                f"was written by another model: {shown}. A resume would "
                "mix runs of both in one sweep: start again with --overwrite (or --out for "
                "a new folder), or add --allow-version-change to continue anyway (recorded "
                "in the manifest)", source=str(folder))
        if changed:
            session["allowed_version_change"] = changed
        manifest["sessions"].append(session)
        store = cls(folder, sweep, manifest, chunk_runs=chunk_runs,
                    flush_seconds=flush_seconds)
        if changed:
            store.notes.append("resumed although the model changed (" + "; ".join(changed)
                               + "); the manifest records it for this session")
        store._recover(leftovers, journal, retry_failed=retry_failed)
        return store

    @staticmethod
    def _take_lock(folder: Path) -> Any:
        fd = open_nofollow(folder / ".lock", os.O_WRONLY | os.O_CREAT)
        handle = os.fdopen(fd, "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise UserError("another sweep is writing to this folder right now",
                            source=str(folder)) from None
        return handle

    def _recover(self, leftovers: list[str], journal: JournalState, *,
                 retry_failed: bool) -> None:
        """Check committed chunks, drop damaged ones and anything uncommitted.

        Args:
            leftovers: Temporary files already removed from the folder's top level.
            journal: The journal as read (a damaged line drops the lines after it).
            retry_failed: Take failed runs out of their chunks so they run again.
        """
        if journal.problem:
            self.notes.append(f"{journal.problem}; chunks it committed from there on will "
                              "be run again")
        if journal.torn:
            self.notes.append(f"removed the last line of {JOURNAL}, a commit a crash cut "
                              "short; its runs will be run again")
        good = []
        for chunk in self.manifest["chunks"]:
            found = self._check_chunk(chunk)
            if found:
                self.notes.append(f"chunk {chunk['id']} {found}; its {chunk['n_runs']} runs "
                                  "will be run again")
                self._delete_files(chunk)
                continue
            good.append(chunk)
        replaced = self._take_failed_out(good) if retry_failed else []
        self.manifest["chunks"] = good
        listed = {c[k] for c in good for k in CHUNK_FILES if c.get(k)}
        for sub in CHUNK_FILES.values():
            for entry in sorted(os.scandir(self.folder / sub), key=lambda e: e.name):
                name = f"{sub}/{entry.name}"
                if name in listed:
                    continue
                if not entry.is_file(follow_symlinks=False):
                    raise UserError("is not a file a sweep wrote; move it out of the results "
                                    "folder", source=entry.path)
                os.unlink(entry.path)  # written before a crash, never committed
                leftovers.append(name)
        self._note_leftovers(leftovers)
        (self.folder / "runs.parquet").unlink(missing_ok=True)
        self.manifest.pop("runs", None)
        for chunk in good:
            table = pq.read_table(self.folder / chunk["runs"], columns=["run_id"])
            self.done.update(table.column("run_id").to_pylist())
            self.counts["ok"] += chunk["n_ok"]
            self.counts["failed"] += chunk["n_failed"]
        self._compact()
        for chunk in replaced:
            self._delete_files(chunk)  # after the commit that no longer lists them

    def _take_failed_out(self, chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Rewrite each chunk holding failed runs without them (under a new id).

        Returns:
            The replaced entries, whose files are deleted once the manifest that lists
            the new ones is written (a crash in between leaves them unlisted: removed on
            the next resume).
        """
        replaced = []
        failed = 0
        for i, chunk in enumerate(chunks):
            if not chunk["n_failed"]:
                continue
            runs = pq.read_table(self.folder / chunk["runs"], schema=self.schema)
            keep = runs.filter(pc.equal(runs.column("status"), "ok"))
            ids = keep.column("run_id")
            failed += chunk["n_failed"]
            replaced.append(chunk)
            chunks[i] = None  # type: ignore[call-overload]
            if keep.num_rows == 0:
                continue
            data = {key: pq.read_table(self.folder / chunk[key], schema=self.data_schemas[key])
                    for key in DATA if chunk.get(key)}
            data = {key: t.filter(pc.is_in(t.column("run_id"), value_set=ids))
                    for key, t in data.items()}
            chunks[i] = self._write_chunk(keep, data, n_ok=keep.num_rows, n_failed=0)
        chunks[:] = [c for c in chunks if c is not None]
        if failed:
            self.notes.append(f"{failed} failed run(s) will be run again (--keep-failed "
                              "keeps them)")
        return replaced

    def _delete_files(self, chunk: Mapping[str, Any]) -> None:
        for key in CHUNK_FILES:
            if chunk.get(key):  # names checked by check_entry: inside the folder
                (self.folder / chunk[key]).unlink(missing_ok=True)

    def _note_leftovers(self, names: list[str]) -> None:
        if names:
            shown = ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
            self.notes.append(f"removed {len(names)} file(s) that a crash left uncommitted "
                              f"({shown}); their runs, if any, will be run again")

    def _check_chunk(self, chunk: Mapping[str, Any]) -> str | None:
        for key in CHUNK_FILES:
            name = chunk.get(key)
            if not name:
                continue
            path = self.folder / name
            if not path.is_file() or path.is_symlink():
                return f"is missing {name}"
            if sha256(path) != chunk[f"{key}_sha256"]:
                return f"has a damaged {name} (checksum mismatch)"
        expected = {"runs": self.schema, **self.data_schemas}
        for key, schema in expected.items():
            if chunk.get(key) and not pq.read_schema(self.folder / chunk[key]).equals(
                    schema, check_metadata=False):
                return f"has {chunk[key]} in another layout than this sweep's"
        meta = pq.ParquetFile(self.folder / chunk["runs"]).metadata
        if meta.num_rows != chunk["n_runs"]:
            return f"lists {chunk['n_runs']} runs but {chunk['runs']} holds {meta.num_rows}"
        return None

    # ------------------------------------------------------------------ writing
    @property
    def next_chunk(self) -> int:
        """Id of the next chunk to write."""
        return self._next_id

    def add(self, result: RunResult) -> None:
        """Buffer a finished run; flush a chunk when it is due."""
        if result.run_id in self.done:
            # A duplicate delivery (a cluster that ran a task twice) must never become a
            # second row; the first result is kept, as seeds make both the same.
            self._duplicates.append(result.run_id)
            return
        self.done.add(result.run_id)
        row = dict(result.row)
        row.update(self._points[row["point_id"]])
        self._rows.append({k: _cell(v) for k, v in row.items()})
        self.counts[row["status"]] += 1
        for key in DATA:
            frame = getattr(result, key)
            if frame is not None:
                self._frames[key].append(frame)
        if result.traceback:
            self._tracebacks.append(f"--- run {result.run_id}\n{result.traceback}")
        if len(self._rows) >= self.chunk_runs or \
                time.monotonic() - self._last_flush >= self.flush_seconds:
            self.flush()

    def flush(self) -> None:
        """Write the buffered runs as one chunk and commit it with one journal line.

        Raises:
            StorageError: If the folder cannot be written; nothing more is written then
                (the buffered runs are redone by ``--resume``).
        """
        self._last_flush = time.monotonic()
        if not self._rows or self._broken:
            return
        with self._writing():
            runs = pa.Table.from_pylist(self._rows, schema=self.schema)
            data = {}
            for key in DATA:
                if self._frames[key]:  # none when every run of the chunk failed
                    frame = pd.concat(self._frames[key], ignore_index=True)
                    data[key] = pa.Table.from_pandas(frame, schema=self.data_schemas[key],
                                                     preserve_index=False)
            failed = sum(r["status"] != "ok" for r in self._rows)
            chunk = self._write_chunk(runs, data, n_ok=len(self._rows) - failed,
                                      n_failed=failed)
            if self._tracebacks:
                append_text(self.folder / "failed.log", "\n".join(self._tracebacks) + "\n")
            assert self._journal is not None
            self._journal.append(chunk)
        self.manifest["chunks"].append(chunk)
        self._rows, self._tracebacks = [], []
        self._frames = {key: [] for key in DATA}

    def _write_chunk(self, runs: pa.Table, data: Mapping[str, pa.Table], *, n_ok: int,
                     n_failed: int) -> dict[str, Any]:
        """Write a chunk's files (not yet committed) under the next id; its entry."""
        cid = self._next_id
        self._next_id += 1
        chunk: dict[str, Any] = {"id": cid, "n_runs": runs.num_rows, "n_ok": n_ok,
                                 "n_failed": n_failed}
        for key, table in [*((k, data.get(k)) for k in DATA), ("runs", runs)]:
            chunk.update({key: None, f"{key}_sha256": None})
            if table is None:
                continue
            name = chunk_file(key, cid)
            payload = parquet_bytes(table)
            atomic_write_bytes(self.folder / name, payload)
            chunk.update({key: name, f"{key}_sha256": hashlib.sha256(payload).hexdigest()})
        return chunk

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """A storage guard that also stops every later write once one has failed."""
        try:
            with storage(self.folder, RESUME):
                yield
        except (OSError, StorageError):
            self._broken = True
            raise

    def _write_manifest(self) -> None:
        total = self.sweep.total_runs
        self.manifest["counts"] = counts(self.manifest["chunks"], total)
        text = json.dumps(jsonable(self.manifest), indent=1, allow_nan=False)
        atomic_write_bytes(self.folder / MANIFEST, (text + "\n").encode())

    def _compact(self) -> None:
        """Write the manifest with every committed chunk, then remove the journal."""
        self._write_manifest()
        (self.folder / JOURNAL).unlink(missing_ok=True)

    def close(self, *, interrupted: bool = False) -> str:
        """Flush, consolidate ``runs.parquet`` if every run is done, record the state.

        Returns:
            The sweep's status: ``complete``, ``interrupted`` or ``incomplete`` (also when
            a storage failure stopped the writes: the folder is left for ``--resume``).

        Raises:
            StorageError: If the folder cannot be written.
        """
        try:
            self.flush()
            if self._broken:
                return "incomplete"
            if self._duplicates:
                ids = sorted(set(self._duplicates))
                self.notes.append(
                    f"{len(self._duplicates)} results of runs already saved were delivered "
                    f"again and ignored (runs {', '.join(map(str, ids[:10]))}"
                    f"{', ...' if len(ids) > 10 else ''})")
            complete = len(self.done) == self.sweep.total_runs
            status = "complete" if complete else "interrupted" if interrupted else "incomplete"
            with self._writing():
                if complete:
                    self._consolidate()
                self.manifest["status"] = status
                self.manifest["sessions"][-1]["finished"] = now()
                self.manifest["finished"] = now() if complete else None
                self._compact()
            return status
        finally:
            if self._journal is not None:
                self._journal.close()
            if self._lock is not None:
                self._lock.close()
                self._lock = None

    def _consolidate(self) -> None:
        """Write runs.parquet: every chunk's rows, sorted by run_id."""
        tables = [pq.read_table(self.folder / c["runs"], schema=self.schema)
                  for c in self.manifest["chunks"]]
        table = pa.concat_tables(tables).sort_by("run_id")
        data = parquet_bytes(table)
        atomic_write_bytes(self.folder / "runs.parquet", data)
        self.manifest["runs"] = {"file": "runs.parquet",
                                 "sha256": hashlib.sha256(data).hexdigest()}


def _remove_temporaries(folder: Path) -> list[str]:
    """Delete the temporary files of top-level writes a crash cut short; their names."""
    names = []
    for path in sorted(folder.iterdir()):
        if temporary(path.name) and (path.is_symlink() or path.is_file()):
            path.unlink()
            names.append(path.name)
    return names


def _input_sha256(path: Path) -> str | None:
    """Hex sha256 of an input file, through a link (None when it is no longer a file).

    Unlike :func:`sha256`, which refuses links among the results folder's own files: an
    input was already read through its link (``configs/sweeps/`` links to the shipped
    sweeps), so its record is of the file the link points to.
    """
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def new_manifest(sweep: Sweep, session: dict[str, Any],
                 environment: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest of a new sweep (chunks and counts are filled in as runs finish)."""
    sweep_path = Path(sweep.source)
    bases: dict[str, Any] = {}
    for base in sweep.bases:
        key = json.dumps(jsonable(dict(sorted(base.explicit.items()))), sort_keys=True)
        if key not in bases:
            bases[key] = {"name": base.name, "source": base.source,
                          "resolved": base.to_nested(resolved=True)}
    return {
        "kind": KIND,
        "schema_version": SCHEMA_VERSION,
        "name": sweep.name,
        "description": sweep.description,
        "fingerprint": sweep.fingerprint(),
        "sweep_file": {"path": str(sweep_path), "sha256": _input_sha256(sweep_path),
                       "contents": sweep.raw},
        "overrides": list(sweep.overrides),
        "seed": sweep.seed,
        "replications": sweep.replications,
        "total_runs": sweep.total_runs,
        "seeding": "run i (point i // replications, replicate i % replications) uses "
                   "numpy.random.SeedSequence(seed).spawn(total_runs)[i]",
        "design": sweep.design.to_json(),
        "base_scenarios": list(bases.values()),
        "point_base": [list(bases).index(json.dumps(jsonable(dict(sorted(b.explicit.items()))),
                                                    sort_keys=True)) for b in sweep.bases],
        "columns": {"summary": summary_keys(), "monthly": monthly_columns(),
                    "cells": list(CELL_COLUMNS),
                    "parameters": (["scenario"] if sweep.design.kind == "scenarios" else [])
                    + list(sweep.design.parameters)},
        "environment": dict(environment),
        "started": session["started"],
        "finished": None,
        "status": "running",
        "sessions": [session],
        "counts": {},
        "chunks": [],
    }
