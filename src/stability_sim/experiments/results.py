"""Reading a sweep's results folder: :func:`load_results` → :class:`Results`.

Only committed chunks (listed in the manifest, checksums matching) are read, so a folder
from an interrupted sweep loads too, as what it is: ``results.complete`` is False.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from stability_sim.errors import UserError
from stability_sim.experiments.store import CHUNK_FILES, read_manifest, sha256


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
        tables = [pq.read_table(p, columns=wanted, filters=filters)
                  for p in self._chunks.get(kind, [])]
        if not tables:
            return pd.DataFrame(columns=wanted or list(keys))
        frame = pa.concat_tables(tables).to_pandas()
        return frame.sort_values(list(keys[:2]), ignore_index=True)


def load_results(path: str | Path, *, verify: bool = True) -> Results:
    """Load a sweep's results folder.

    Args:
        path: The folder (``results/<name>``).
        verify: Check every chunk against its sha256 in the manifest.

    Raises:
        UserError: If the folder is not a sweep's, is from a format this version does not
            read, or a file is missing or does not match the manifest.
    """
    folder = Path(path)
    manifest = read_manifest(folder)
    chunks = manifest.get("chunks", [])
    files: list[tuple[str, str]] = []
    for chunk in chunks:
        for key in CHUNK_FILES:
            if chunk.get(key):
                files.append((chunk[key], chunk[f"{key}_sha256"]))
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
    if final:
        runs = pd.read_parquet(folder / final["file"])
    elif chunks:
        runs = pa.concat_tables([pq.read_table(folder / c["runs"]) for c in chunks]) \
            .to_pandas().sort_values("run_id", ignore_index=True)
    else:
        runs = pd.DataFrame(columns=["run_id", "point_id", "replicate", "status"])
    data = {key: [folder / c[key] for c in chunks if c.get(key)]
            for key in CHUNK_FILES if key != "runs"}
    return Results(folder, manifest, runs, data)
