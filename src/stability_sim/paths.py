"""Where results may be written: the check every output folder passes.

``run``, ``sweep`` and ``report`` write into a folder the user names (so do
``run_sweep`` and ``write_report`` in Python), and ``sweep --overwrite`` deletes
results in it. On a shared machine that name may come from a
copied command, a script or a planted symbolic link, so a folder is refused when it:

- resolves into a system folder (``/`` itself, ``/bin``, ``/etc``, ``/usr``, ``/var``
  but ``/var/tmp`` ...), where results never belong;
- is itself a symbolic link, which could send the writes (and the deletes) anywhere;
- is relative and climbs out of the working folder through ``..`` (command line only).

Absolute paths elsewhere (``/scratch/me/results``, a temporary folder, the home folder)
stay allowed, since researchers keep large results on scratch disks; so do symbolic links
*above* the folder (a ``results -> /scratch/...`` link is a common, deliberate set-up),
whose target is still held to the system-folder rule because the resolved path is.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from stability_sim.errors import UserError

#: Folders (and everything under them) that no output may resolve into.
SYSTEM_DIRS = tuple(PurePosixPath(p) for p in (
    "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/run",
    "/sbin", "/sys", "/usr", "/var",
))
#: Exceptions inside :data:`SYSTEM_DIRS`: world-writable scratch space.
ALLOWED_SYSTEM_SUBDIRS = (PurePosixPath("/var/tmp"),)


def safe_output_dir(path: Path, *, option: str = "--out", allow_climb: bool = False) -> Path:
    """Check that ``path`` is a sensible folder to write results into.

    Args:
        path: The folder as the user gave it (relative to the working folder or absolute).
        option: The option it came from, named in the message.
        allow_climb: Accept a relative path through ``..`` out of the working folder. The
            Python API does: a notebook in ``experiments/`` writing to ``../results`` is
            the researcher's own code, not a name passed in from elsewhere.

    Returns:
        ``path`` unchanged, so messages and manifests keep what the user typed.

    Raises:
        UserError: Naming ``option`` and ``path`` when the folder resolves into a system
            folder, is a symbolic link, or climbs out of the working folder through ``..``.
    """
    text = str(path)

    def refuse(why: str) -> UserError:
        return UserError(why, source=option, key=text)

    if "\x00" in text:
        raise refuse("contains a NUL character")
    try:
        cwd = Path.cwd().resolve()
        resolved = (cwd / path).resolve()
        is_link = path.is_symlink()
    except RuntimeError:  # Python 3.11 reports a symbolic-link loop this way
        raise refuse("is inside a loop of symbolic links") from None
    except OSError as exc:
        raise refuse(f"cannot be checked ({exc.strerror or exc})") from None
    posix = PurePosixPath(resolved.as_posix())
    if posix == PurePosixPath("/") or (
        any(posix.is_relative_to(d) for d in SYSTEM_DIRS)
        and not any(posix.is_relative_to(d) for d in ALLOWED_SYSTEM_SUBDIRS)
    ):
        shown = "" if str(resolved) == text else f" ({resolved})"
        raise refuse(f"is a system folder{shown}; write results under the project, your "
                     "home or a scratch or temporary folder")
    if is_link:
        raise refuse(f"is a symbolic link (to {os.readlink(path)}); give the real folder "
                     "instead")
    if (not allow_climb and not path.is_absolute() and ".." in path.parts
            and not resolved.is_relative_to(cwd)):
        raise refuse("climbs out of the working folder through '..'; give an absolute path "
                     "if you mean a folder elsewhere")
    return path
