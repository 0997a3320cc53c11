"""The files shipped inside the package (scenarios, sweeps, targets, observations).

The files live in ``stability_sim/configs/<kind>/`` so that any install, not only a
source checkout, has them; the repository's ``configs/`` holds links to them (one copy
of each file). Wherever such a file is asked for, :func:`resolve`
applies one rule:

1. A file that exists at the given path is read, so an explicit path always wins.
2. Otherwise a bare name (``baseline``, ``demo``: no folder, no suffix) is the shipped
   file of that name. A name never searches the working folder for ``NAME.yaml``: your
   own ``baseline.yaml`` there is read only when you give its path.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Literal

from stability_sim.errors import UserError

Kind = Literal["scenarios", "sweeps", "targets", "observations"]

_NOUN = {"scenarios": "scenario", "sweeps": "sweep", "targets": "targets file",
         "observations": "observations file"}
# config.NAME_PATTERN, repeated because config imports this module.
_NAME = re.compile(r"[a-z0-9_-]{1,64}")


def folder(kind: Kind) -> Path:
    """The folder of the shipped files of one kind.

    A real folder, not only a resource: shipped sweeps name their scenario by a path
    relative to themselves (``../scenarios/baseline.yaml``), as a user's copy in
    ``configs/`` does. pip always unpacks a wheel, so only a zipped package fails here.

    Raises:
        UserError: When the package is not installed as files on disk.
    """
    root = resources.files("stability_sim").joinpath("configs", kind)
    if not isinstance(root, Path):
        raise UserError(f"the shipped {kind} are not files on disk ({root}); install "
                        "stability_sim with pip rather than from a zip")
    return root


def names(kind: Kind) -> list[str]:
    """The names of the shipped files of one kind (``baseline``, ...), sorted."""
    return sorted(p.stem for p in folder(kind).glob("*.yaml"))


def resolve(value: str | Path, kind: Kind) -> Path:
    """The file a command-line argument or a sweep's ``scenario:`` names.

    Args:
        value: A path, or the name of a shipped file.
        kind: Which shipped files a name is looked up among.

    Returns:
        The existing file at ``value``; else the shipped file named ``value``; else
        ``value`` as a path, so that reading it reports the missing file as before.

    Raises:
        UserError: For a bare name that is neither a file nor a shipped name (listing
            the shipped names).
    """
    path = Path(value)
    try:
        if path.is_file():
            return path
    except OSError:  # e.g. a name too long for the file system: not a file
        return path
    text = str(value)
    if not _is_bare_name(text):
        return path
    shipped = folder(kind) / f"{text}.yaml"
    if shipped.is_file():
        return shipped
    raise UserError(f"no such file, and no shipped {_NOUN[kind]} of that name "
                    f"(shipped: {', '.join(names(kind))})", source=text)


def _is_bare_name(text: str) -> bool:
    """A name as a user types it: no folder, no suffix (the scenario names' pattern)."""
    return _NAME.fullmatch(text) is not None
