"""Chunk entries and the journal that commits them.

A chunk is one flush of finished runs: a runs file in ``parts/`` and, unless every run of
it failed, a time-series file and a cell file. Its entry records the file names, their
sha256 and its run counts. A results folder is untrusted input (it can be copied from
anywhere), so an entry is only ever read through :func:`check_entry`, which accepts the
one name a chunk of that id can have: no path in an entry can reach outside the folder.

Entries are committed by appending one line each to ``chunks.jsonl`` (the journal), so a
commit costs the same at the 40,000th chunk as at the first; the manifest takes them over
when a session opens and closes (compaction) and the journal is then removed. Each line
carries a check of its own text: a line a crash cut short, or one edited by hand, is
recognised and never taken as a commit.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stability_sim.errors import UserError

#: The journal's file name inside a results folder.
JOURNAL = "chunks.jsonl"
#: A chunk's data files besides its runs file: entry key → sub-folder.
DATA = {"timeseries": "timeseries", "cells": "cells"}
#: Every file kind of a chunk, as keyed in an entry, and the sub-folder it lives in.
CHUNK_FILES = {**DATA, "runs": "parts"}
#: Chunk ids above this are refused (a million runs in chunks of one fit below it).
MAX_ID = 999_999

_SHA256 = re.compile(r"[0-9a-f]{64}")
_CHECK = re.compile(r"[0-9a-f]{16}")


def chunk_file(key: str, chunk_id: int) -> str:
    """The name, relative to the results folder, of a chunk's file of a kind (CHUNK_FILES)."""
    stem = "runs" if key == "runs" else "part"
    return f"{CHUNK_FILES[key]}/{stem}-{chunk_id:06d}.parquet"


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def check_entry(entry: Any, where: str) -> dict[str, Any]:
    """A chunk entry read from a manifest or journal, checked field by field.

    Args:
        entry: The parsed entry.
        where: Where it was read, for the message (``chunks[3]``, ``chunks.jsonl line 9``).

    Returns:
        The entry.

    Raises:
        UserError: Naming ``where`` and the field, for anything but a plain entry whose
            file names are exactly those of its id inside their own sub-folders.
    """
    if not isinstance(entry, Mapping):
        raise UserError(f"{where}: a chunk entry must be a mapping, got {type(entry).__name__}")
    cid = entry.get("id")
    if not _count(cid) or cid > MAX_ID:
        raise UserError(f"{where}: chunk id must be an integer in [0, {MAX_ID}], got {cid!r}")
    for field in ("n_runs", "n_ok", "n_failed"):
        if not _count(entry.get(field)):
            raise UserError(f"{where}: {field} must be a non-negative integer, got "
                            f"{entry.get(field)!r}")
    if entry["n_ok"] + entry["n_failed"] != entry["n_runs"] or entry["n_runs"] == 0:
        raise UserError(f"{where}: n_ok + n_failed must equal n_runs (at least 1)")
    for key in CHUNK_FILES:
        name, digest = entry.get(key), entry.get(f"{key}_sha256")
        if name is None and key != "runs":
            if digest is not None:
                raise UserError(f"{where}: {key}_sha256 is set but {key} is not")
            continue
        expected = chunk_file(key, cid)
        if name != expected:
            # The one guard that keeps every read, write and delete inside the folder.
            raise UserError(f"{where}: chunk entry names {name!r} as its {key} file, not "
                            f"{expected!r} (a path anywhere else is never followed)")
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
            raise UserError(f"{where}: {key}_sha256 must be 64 lowercase hex digits")
    return dict(entry)


def _check(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def entry_line(entry: Mapping[str, Any]) -> bytes:
    """One journal line: the entry as compact JSON, a tab, and a check of that text."""
    text = json.dumps(dict(entry), sort_keys=True, separators=(",", ":"))
    return f"{text}\t{_check(text)}\n".encode()


@dataclass(frozen=True)
class JournalState:
    """What a journal holds.

    Attributes:
        entries: The committed entries, in order.
        torn: Whether it ends in a line a crash cut short (never a commit: no problem).
        problem: A damaged line (reading stopped there), or None.
    """

    entries: list[dict[str, Any]]
    torn: bool = False
    problem: str | None = None


def read_journal(folder: Path) -> JournalState:
    """The entries a folder's journal commits.

    Reading stops at the first line that is not a whole, checked entry: the last line of a
    crash mid-append (no newline) is expected and is no problem; any other bad line is.

    Raises:
        UserError: If the journal is a link, or cannot be read.
    """
    path = folder / JOURNAL
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return JournalState([])
    except OSError as exc:
        raise UserError(f"cannot be read safely ({exc.strerror}; a link is never followed)",
                        source=str(path)) from None
    with os.fdopen(fd, "rb") as handle:
        data = handle.read()
    entries: list[dict[str, Any]] = []
    for number, raw in enumerate(data.split(b"\n")[:-1], start=1):
        text, _, check = raw.decode("utf-8", "replace").rpartition("\t")
        where = f"{JOURNAL} line {number}"
        if not _CHECK.fullmatch(check) or _check(text) != check:
            return JournalState(entries, problem=f"{where} is damaged (its check does not "
                                "match)")
        try:
            entries.append(check_entry(json.loads(text), where))
        except json.JSONDecodeError as exc:
            return JournalState(entries, problem=f"{where} is not JSON ({exc.msg})")
        except UserError as exc:
            return JournalState(entries, problem=exc.message)
    # What follows the last newline is a commit a crash cut short: never committed.
    return JournalState(entries, torn=not data.endswith(b"\n") and bool(data))


def merge(listed: list[dict[str, Any]], journal: list[dict[str, Any]],
          source: str) -> list[dict[str, Any]]:
    """The manifest's chunks followed by the journal's that it does not hold yet.

    A crash between writing a compacted manifest and removing the journal leaves entries
    in both; they are the same entry and count once.

    Raises:
        UserError: If an id is listed twice with different contents.
    """
    chunks = list(listed)
    seen = {c["id"]: c for c in listed}
    for entry in journal:
        if entry["id"] in seen:
            if seen[entry["id"]] != entry:
                raise UserError(f"chunk {entry['id']} is listed twice with different files "
                                "(the manifest or its journal was edited)", source=source)
            continue
        seen[entry["id"]] = entry
        chunks.append(entry)
    return chunks


class Journal:
    """The open journal of a writing session: each :meth:`append` is one commit."""

    def __init__(self, folder: Path) -> None:
        # O_NOFOLLOW: a journal planted as a link must not make commits land elsewhere.
        self.path = folder / JOURNAL
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW,
                           0o666)

    def append(self, entry: Mapping[str, Any]) -> None:
        """Commit one chunk: append its line and make it durable before returning."""
        data = entry_line(entry)
        written = os.write(self._fd, data)
        if written != len(data):  # a full disk can cut a write short without an error
            raise OSError(28, os.strerror(28), str(self.path))
        os.fsync(self._fd)

    def close(self) -> None:
        """Close the file (the entries stay on disk)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
