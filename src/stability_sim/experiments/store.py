"""The result store of a sweep: a folder of Parquet chunks committed through a manifest.

Layout of ``results/<name>/``::

    manifest.json           what was run (sweep, design, versions, times, counts) and the
                            committed chunks with their sha256
    parts/runs-NNNNNN.parquet      run rows, one chunk per flush
    timeseries/part-NNNNNN.parquet monthly outcomes of the same runs (run_id, step, date, ...)
    cells/part-NNNNNN.parquet      per-cell summary of the same runs (run_id, cell, ...)
    runs.parquet            every run row sorted by run_id, written when the sweep completes
    failed.log              tracebacks of failed runs

Finished runs are buffered and flushed as a chunk every ``chunk_runs`` runs (or every
``flush_seconds``): the time-series and cell files, then the runs file, each written to a
temporary name and renamed, then the manifest, rewritten the same way. The manifest is the commit
point: a chunk it does not list (a crash between the writes) and a temporary file (a crash
during a write) are reported and deleted on resume, and their runs redone; a chunk whose
checksum or run count does not match is reported, deleted and redone. So a crash at any
moment leaves nothing that a reader would take as good, and loses at most the runs of one
unflushed chunk.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import shutil
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from stability_sim import params
from stability_sim.errors import UserError
from stability_sim.experiments.spec import Sweep
from stability_sim.experiments.worker import RunResult
from stability_sim.outcomes import CELL_COLUMNS, monthly_columns, summary_keys, summary_types
from stability_sim.runio import atomic_write_bytes, jsonable

#: Version of the folder layout; readers refuse what they do not know. 2 added cells/.
SCHEMA_VERSION = 2
MANIFEST = "manifest.json"
KIND = "stability_sim sweep results"
#: Everything a sweep writes into its folder (``--overwrite`` removes only these).
OWNED = (MANIFEST, "runs.parquet", "parts", "timeseries", "cells", "failed.log", ".lock")
#: A chunk's per-run data files besides its runs file: manifest key → sub-folder.
DATA = {"timeseries": "timeseries", "cells": "cells"}
#: Every file kind of a chunk, as keyed in the manifest, and the sub-folder it lives in.
CHUNK_FILES = {**DATA, "runs": "parts"}

_ARROW = {"bool": pa.bool_(), "int": pa.int64(), "float": pa.float64(), "str": pa.string()}


def now() -> str:
    """The current UTC time, ISO 8601, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
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


def chunk_file(key: str, chunk_id: int) -> str:
    """The name, relative to the results folder, of a chunk's file of a kind (CHUNK_FILES)."""
    stem = "runs" if key == "runs" else "part"
    return f"{CHUNK_FILES[key]}/{stem}-{chunk_id:06d}.parquet"


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
        if entry.is_dir() and any(entry.iterdir()):
            return False
    return True


def read_manifest(folder: Path, *, any_version: bool = False) -> dict[str, Any]:
    """Read and check a results folder's manifest.

    Args:
        folder: The results folder.
        any_version: Accept any format version (to overwrite an older sweep's folder).

    Raises:
        UserError: If the folder holds no sweep results, or a format this version cannot read.
    """
    path = folder / MANIFEST
    if not path.is_file():
        raise UserError("not a sweep results folder (no manifest.json)", source=str(folder))
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"damaged manifest ({exc})", source=str(path)) from None
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
    return manifest


class ResultStore:
    """Writes a sweep's results into its folder as runs finish.

    Use :meth:`open`; then :meth:`add` each result, and :meth:`close` at the end (or on
    interruption: it flushes what is buffered and records the state).

    Args:
        folder: The results folder.
        sweep: The sweep being run.
        manifest: The manifest (new, or the one being resumed).
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
        self._points = [sweep.point_values(i) for i in range(len(sweep.design.points))]

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, folder: Path, sweep: Sweep, *, resume: bool, overwrite: bool,
             executor: Mapping[str, Any], chunk_runs: int = 25,
             flush_seconds: float = 30.0, environment: Mapping[str, Any] | None = None,
             ) -> ResultStore:
        """Create, resume or overwrite a results folder, then lock it for this process.

        Raises:
            UserError: For an existing folder without ``resume``/``overwrite``, a folder
                that is not a sweep's, a resume of a different sweep, or a folder in use.
        """
        if resume and overwrite:
            raise UserError("choose one of --resume and --overwrite", source="--resume")
        if folder.exists() and not folder.is_dir():
            raise UserError("exists and is not a folder", source=str(folder))
        has_manifest = (folder / MANIFEST).is_file()
        nonempty = folder.is_dir() and not _only_empty_leftovers(folder)
        if nonempty and not has_manifest:
            raise UserError("exists and is not a sweep results folder; choose another --out "
                            "(nothing was deleted)", source=str(folder))
        if has_manifest and not (resume or overwrite):
            raise UserError("already holds sweep results; add --resume to continue them or "
                            "--overwrite to start again", source=str(folder))
        folder.mkdir(parents=True, exist_ok=True)
        lock = cls._take_lock(folder)
        try:
            if has_manifest and overwrite:
                read_manifest(folder, any_version=True)  # only delete what a sweep wrote
                for name in OWNED:
                    target = folder / name
                    if name == ".lock":
                        continue
                    if target.is_dir():
                        shutil.rmtree(target)
                    else:
                        target.unlink(missing_ok=True)
                has_manifest = False
            for sub in CHUNK_FILES.values():
                (folder / sub).mkdir(exist_ok=True)
            leftovers = _remove_temporaries(folder)
            session = {"started": now(), "finished": None, "executor": dict(executor)}
            if has_manifest and resume:
                manifest = read_manifest(folder)
                if manifest.get("fingerprint") != sweep.fingerprint():
                    raise UserError(
                        "was written by a different sweep (the sweep file, its scenario, "
                        "--set or the stability_sim version changed); use --overwrite to "
                        "start again or --out for a new folder", source=str(folder))
                manifest["sessions"].append(session)
                store = cls(folder, sweep, manifest, chunk_runs=chunk_runs,
                            flush_seconds=flush_seconds)
                store._recover(leftovers)
            else:
                manifest = new_manifest(sweep, session, environment or {})
                store = cls(folder, sweep, manifest, chunk_runs=chunk_runs,
                            flush_seconds=flush_seconds)
                store._note_leftovers(leftovers)
                store._write_manifest()
        except BaseException:
            lock.close()
            raise
        store._lock = lock
        return store

    @staticmethod
    def _take_lock(folder: Path) -> Any:
        handle = open(folder / ".lock", "a")  # noqa: SIM115 (held until close())
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise UserError("another sweep is writing to this folder right now",
                            source=str(folder)) from None
        return handle

    def _recover(self, leftovers: list[str]) -> None:
        """Check committed chunks, drop damaged ones and anything uncommitted.

        Args:
            leftovers: Temporary files already removed from the folder's top level.
        """
        good = []
        for chunk in self.manifest["chunks"]:
            problem = self._check_chunk(chunk)
            if problem:
                self.notes.append(f"chunk {chunk['id']} {problem}; its "
                                  f"{chunk.get('n_runs')} runs will be run again")
                for key in CHUNK_FILES:
                    if chunk.get(key):
                        (self.folder / chunk[key]).unlink(missing_ok=True)
                continue
            table = pq.read_table(self.folder / chunk["runs"], columns=["run_id", "status"])
            ids = table.column("run_id").to_pylist()
            self.done.update(ids)
            for status in table.column("status").to_pylist():
                self.counts[status] += 1
            good.append(chunk)
        self.manifest["chunks"] = good
        listed = {c[k] for c in good for k in CHUNK_FILES if c.get(k)}
        for sub in CHUNK_FILES.values():
            for path in sorted((self.folder / sub).iterdir()):
                name = f"{sub}/{path.name}"
                if name not in listed:
                    path.unlink()  # written before a crash, never committed
                    leftovers.append(name)
        self._note_leftovers(leftovers)
        (self.folder / "runs.parquet").unlink(missing_ok=True)
        self._write_manifest()

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
            if not path.is_file():
                return f"is missing {name}"
            if sha256(path) != chunk[f"{key}_sha256"]:
                return f"has a damaged {name} (checksum mismatch)"
        rows = pq.ParquetFile(self.folder / chunk["runs"]).metadata.num_rows
        if rows != chunk.get("n_runs"):
            return f"lists {chunk['n_runs']} runs but {chunk['runs']} holds {rows}"
        return None

    # ------------------------------------------------------------------ writing
    @property
    def next_chunk(self) -> int:
        """Id of the next chunk to write."""
        return max((c["id"] for c in self.manifest["chunks"]), default=-1) + 1

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
        """Write the buffered runs as one committed chunk."""
        self._last_flush = time.monotonic()
        if not self._rows:
            return
        cid = self.next_chunk
        chunk: dict[str, Any] = {"id": cid, "n_runs": len(self._rows)}
        for key in DATA:
            chunk.update({key: None, f"{key}_sha256": None})
            if not self._frames[key]:
                continue  # every run of the chunk failed
            frame = pd.concat(self._frames[key], ignore_index=True)
            table = pa.Table.from_pandas(frame, schema=self.data_schemas[key],
                                         preserve_index=False)
            name = chunk_file(key, cid)
            data = parquet_bytes(table)
            atomic_write_bytes(self.folder / name, data)
            chunk.update({key: name, f"{key}_sha256": hashlib.sha256(data).hexdigest()})
        table = pa.Table.from_pylist(self._rows, schema=self.schema)
        name = chunk_file("runs", cid)
        data = parquet_bytes(table)
        atomic_write_bytes(self.folder / name, data)
        chunk.update(runs=name, runs_sha256=hashlib.sha256(data).hexdigest())
        if self._tracebacks:
            with open(self.folder / "failed.log", "a", encoding="utf-8") as log:
                log.write("\n".join(self._tracebacks) + "\n")
        self.manifest["chunks"].append(chunk)
        self._write_manifest()
        self._rows, self._tracebacks = [], []
        self._frames = {key: [] for key in DATA}

    def _write_manifest(self) -> None:
        total = self.sweep.total_runs
        # Called when every counted run is committed (the buffer is empty, or is the chunk
        # being committed), so the chunks say what is still to run.
        committed = sum(c["n_runs"] for c in self.manifest["chunks"])
        self.manifest["counts"] = {"total": total, **self.counts, "pending": total - committed}
        text = json.dumps(jsonable(self.manifest), indent=1, allow_nan=False)
        atomic_write_bytes(self.folder / MANIFEST, (text + "\n").encode())

    def close(self, *, interrupted: bool = False) -> str:
        """Flush, consolidate ``runs.parquet`` if every run is done, record the state.

        Returns:
            The sweep's status: ``complete``, ``interrupted`` or ``incomplete``.
        """
        try:
            self.flush()
            if self._duplicates:
                ids = sorted(set(self._duplicates))
                self.notes.append(
                    f"{len(self._duplicates)} results of runs already saved were delivered "
                    f"again and ignored (runs {', '.join(map(str, ids[:10]))}"
                    f"{', ...' if len(ids) > 10 else ''})")
            complete = len(self.done) == self.sweep.total_runs
            if complete:
                self._consolidate()
            status = "complete" if complete else "interrupted" if interrupted else "incomplete"
            self.manifest["status"] = status
            self.manifest["sessions"][-1]["finished"] = now()
            self.manifest["finished"] = now() if complete else None
            self._write_manifest()
            return status
        finally:
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
        if path.is_file() and temporary(path.name):
            path.unlink()
            names.append(path.name)
    return names


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
        "sweep_file": {"path": str(sweep_path), "sha256": sha256(sweep_path) if sweep_path.is_file()
                       else None, "contents": sweep.raw},
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

