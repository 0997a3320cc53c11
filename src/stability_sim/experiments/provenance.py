"""What produced a sweep's runs: code, libraries, and the resolved parameters of its points.

Each session of a sweep records :func:`record`; a resume compares it with the last
session's (:func:`differences`) and refuses to mix runs of two models. The package
version string alone cannot tell: it stays 0.1.0 across any number of code changes, and
a changed default changes the runs without changing the sweep file. So the record holds
a digest of the package's own source files, the git commit and whether the tree was
dirty, the versions of Python and of the libraries that shape the results, and a digest
of every design point's fully resolved parameters (defaults and derived values included).
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from stability_sim import __version__
from stability_sim.experiments.spec import Sweep
from stability_sim.runio import jsonable

#: Packages whose versions the manifest records (and a resume compares).
PACKAGES = ("mesa", "numpy", "scipy", "pandas", "pyarrow", "SALib", "networkx", "pyyaml",
            "dask", "distributed")
#: Fields of a record that decide the results: a resume refuses when one differs.
#: ``git_commit`` is not one: a commit that changes only docs leaves ``code`` equal.
MODEL_FIELDS = ("stability_sim", "code", "python", "packages", "points")

_PACKAGE_ROOT = Path(__file__).resolve().parents[1]


def code_digest(root: Path = _PACKAGE_ROOT) -> str:
    """sha256 over the package's source and data files (names and bytes, in order).

    Covers the model, its defaults and the committed rasters, whether or not the tree is
    a git checkout, and an uncommitted edit as much as a commit. The shipped scenario and
    sweep files (``configs/``) are inputs, not code: the values they give are compared
    through the resolved design points, so a comment edited in one does not stop a resume.
    """
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        if path.relative_to(root).parts[0] == "configs":
            continue
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def git_state() -> dict[str, Any]:
    """The commit of the source tree stability_sim runs from, if it is a git checkout."""
    root = _PACKAGE_ROOT.parents[1]
    if not (root / ".git").exists():
        return {"git_commit": None, "git_dirty": None}
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], check=True,
                                capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain",
                                "--untracked-files=no"], check=True, capture_output=True,
                               text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return {"git_commit": None, "git_dirty": None}
    return {"git_commit": commit, "git_dirty": bool(dirty)}


def environment() -> dict[str, Any]:
    """Versions of Python, stability_sim and its libraries, the code digest, git state."""
    packages = {}
    for name in PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return {"stability_sim": __version__, "code": code_digest(),
            "python": platform.python_version(), "platform": platform.platform(),
            "packages": packages, **git_state()}


def points_digest(sweep: Sweep) -> str:
    """sha256 of every design point's resolved parameters, in point order."""
    digest = hashlib.sha256()
    for point_id, point in enumerate(sweep.design.points):
        values = sweep.bases[point_id].with_overrides(dict(point.values)).values
        text = json.dumps(jsonable(values), sort_keys=True, separators=(",", ":"))
        digest.update(hashlib.sha256(text.encode()).digest())
    return digest.hexdigest()


def record(sweep: Sweep) -> dict[str, Any]:
    """What a session of ``sweep`` runs with (stored in the manifest, per session)."""
    return {**environment(), "points": points_digest(sweep)}


def differences(before: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """What differs, in words, between two records in the fields that decide results."""
    found = []
    for field in MODEL_FIELDS:
        old, new = before.get(field), now.get(field)
        if field == "packages" and isinstance(old, dict) and isinstance(new, dict):
            for name in sorted(set(old) | set(new)):
                if old.get(name) != new.get(name):
                    found.append(f"{name} {old.get(name)} → {new.get(name)}")
        elif old != new:
            found.append(_describe(field, old, new, before, now))
    return found


def _describe(field: str, old: Any, new: Any, before: dict[str, Any],
              now: dict[str, Any]) -> str:
    if field == "code":
        commits = (before.get("git_commit"), now.get("git_commit"))
        where = (f", git {str(commits[0])[:10]}{'+dirty' if before.get('git_dirty') else ''} → "
                 f"{str(commits[1])[:10]}{'+dirty' if now.get('git_dirty') else ''}"
                 if any(commits) else "")
        return f"the stability_sim code{where}"
    if field == "points":
        return "the resolved parameters of the design points (a default or derived value)"
    short = {"stability_sim": "stability_sim version", "python": "Python"}[field]
    return f"{short} {old} → {new}"
