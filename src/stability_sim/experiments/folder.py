"""The results folder as a file system: links refused, write failures told in one line.

A results folder may have been copied from elsewhere or prepared by someone else, so
nothing in it is followed: a symbolic link where a sweep keeps its files (``parts/``, the
lock, the failure log, the report, ...) would make writes land, or files be deleted,
outside the folder. And a full disk or a read-only folder is not a bug: it is told as one
line saying which path and what to do, with exit code 3, and leaves a folder that
``--resume`` continues.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from stability_sim.errors import UserError

#: Sub-folders of a results folder whose files are listed too (a link inside is refused).
LISTED = ("parts", "timeseries", "cells", "report", "report/figures")
#: Errors of the storage itself, not of the program: the user can act on each.
STORAGE_ERRNOS = {errno.ENOSPC: "free some space", errno.EDQUOT: "free some space",
                  errno.EROFS: "make it writable", errno.EACCES: "make it writable",
                  errno.EPERM: "make it writable", errno.EIO: "check the disk"}


class StorageError(UserError):
    """The results folder cannot be written: a full disk, a read-only folder, ..."""

    exit_code = 3


def refuse_links(folder: Path, names: tuple[str, ...],
                 listed: tuple[str, ...] = LISTED) -> None:
    """Refuse a results folder where a sweep's own files or folders are links.

    Args:
        folder: The results folder (itself checked by :mod:`stability_sim.paths`).
        names: The top-level names a sweep owns.
        listed: Sub-folders searched one level down too.

    Raises:
        UserError: Naming the first link found.
    """
    for name in sorted({*names, *listed}):
        path = folder / name
        if path.is_symlink():
            refuse_link(path)
        if name in listed and path.is_dir():
            for entry in os.scandir(path):
                if entry.is_symlink():
                    refuse_link(Path(entry.path))


def refuse_link(path: Path) -> None:
    """Refuse a link found where a results folder keeps its own file or folder.

    Raises:
        UserError: Always, naming ``path``.
    """
    raise UserError("is a symbolic link; links inside a results folder are never followed "
                    "(remove it, or start again with --overwrite)", source=str(path))


def open_nofollow(path: Path, flags: int, mode: int = 0o666) -> int:
    """``os.open`` that refuses a link at ``path`` (a planted link must not be followed).

    Raises:
        UserError: If ``path`` is a link.
    """
    try:
        return os.open(path, flags | os.O_NOFOLLOW, mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            refuse_link(path)
        raise


def append_text(path: Path, text: str) -> None:
    """Append to a log file in the results folder without following a link."""
    fd = open_nofollow(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(text)


@contextmanager
def storage(folder: Path, hint: str) -> Iterator[None]:
    """Turn a failure of the storage under ``folder`` into one :class:`StorageError` line.

    Args:
        folder: The folder being written, named when the error names no file.
        hint: What to do once the storage is fixed (``continue the sweep with --resume``).
    """
    try:
        yield
    except OSError as exc:
        action = STORAGE_ERRNOS.get(exc.errno or 0)
        if action is None:
            raise
        where = exc.filename or folder
        raise StorageError(f"cannot be written ({exc.strerror}); {action}, then {hint}",
                           source=str(where)) from None
