"""Writing one run's results: ``timeseries.parquet`` and ``summary.json``, atomically.

Each file is written to a temporary name in the same folder and renamed into place, so
a crash never leaves a half-written file that a reader would take as good.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd


def _umask_mode() -> int:
    """The mode a plain ``open()`` would give a new file (mkstemp makes them private)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and an atomic rename."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename is None:
            exc.filename = str(path)  # a failed write() names no file; say which one
        raise


def write_parquet(path: Path, frame: pd.DataFrame) -> None:
    """Write a DataFrame as Parquet atomically."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        frame.to_parquet(tmp, index=False)
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def jsonable(value: Any) -> Any:
    """Numbers, tuples and NaN made safe for strict JSON (NaN → null)."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_run(out: Path, timeseries: pd.DataFrame, summary: Mapping[str, Any],
              meta: Mapping[str, Any]) -> None:
    """Write ``out/timeseries.parquet`` and ``out/summary.json`` (summary plus meta)."""
    out.mkdir(parents=True, exist_ok=True)
    write_parquet(out / "timeseries.parquet", timeseries)
    record = {"summary": jsonable(summary), **jsonable(meta)}
    atomic_write_bytes(out / "summary.json",
                       (json.dumps(record, indent=2, allow_nan=False) + "\n").encode())
