"""Sweep files: load and validate a sweep, resolve its design, list its runs.

A sweep file is YAML::

    name: drawdown_x_cooperation
    scenario: ../scenarios/baseline.yaml   # relative to this file (or the working folder)
    months: 120                            # optional: overrides the scenario's horizon
    seed: 20140101                         # master seed of the whole sweep
    replications: 20                       # runs per design point
    set: {grid.resolution: 0.5}            # optional: fixed for every run
    design:
      kind: grid
      parameters:
        drawdown.residual_troops: [8000, 10000, 12000]
        cooperation.level: [0.0, 0.25, 0.5, 0.75, 1.0]

Everything is checked against the parameter registry before any run starts, with the same
one-line messages as scenario files. Run ``i`` is design point ``i // replications``,
replicate ``i % replications``, and gets child ``i`` of ``SeedSequence(seed)``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from stability_sim import __version__, params, shipped
from stability_sim.config import NAME_PATTERN, Scenario, flatten, load_scenario, parse_overrides
from stability_sim.errors import UserError
from stability_sim.experiments.designs import NOT_SWEEPABLE, Design, build
from stability_sim.runio import jsonable
from stability_sim.yamlio import given_twice, line_of, load_file

#: Top-level keys of a sweep file.
KEYS = ("name", "description", "scenario", "months", "seed", "replications", "set", "design")

#: A sweep larger than this is almost surely a typo (and would take weeks here).
MAX_RUNS = 1_000_000


@dataclass(frozen=True)
class Run:
    """One run of a sweep, as sent to a worker.

    Attributes:
        run_id: Index of the run; it is also the index of its seed child.
        point_id: Index of the design point.
        replicate: Replicate number within the point.
        scenario: The full scenario of the run (base, fixed settings, point values).
        seed: The run's SeedSequence (child ``run_id`` of the master).
    """

    run_id: int
    point_id: int
    replicate: int
    scenario: Scenario
    seed: np.random.SeedSequence


@dataclass(frozen=True)
class Sweep:
    """A validated sweep.

    Attributes:
        name: Short identifier; the default output folder is ``results/<name>``.
        source: The sweep file.
        raw: The file's parsed contents (recorded in the manifest).
        bases: Point id → the point's base scenario (with fixed settings applied).
        design: The resolved design.
        seed: Master seed.
        replications: Runs per design point.
        overrides: ``--set`` options applied to every run.
        description: Free text from the file.
    """

    name: str
    source: str
    raw: Mapping[str, Any]
    bases: tuple[Scenario, ...]
    design: Design
    seed: int
    replications: int
    overrides: tuple[str, ...] = ()
    description: str = ""

    @property
    def total_runs(self) -> int:
        """Design points × replications."""
        return len(self.design.points) * self.replications

    def run(self, run_id: int) -> Run:
        """The run with this id (its scenario and seed are fixed by the id alone)."""
        point_id, replicate = divmod(run_id, self.replications)
        point = self.design.points[point_id]
        scenario = self.bases[point_id].with_overrides(dict(point.values))
        child = np.random.SeedSequence(self.seed, spawn_key=(run_id,))
        return Run(run_id, point_id, replicate, scenario, child)

    def runs(self, skip: set[int] | frozenset[int] = frozenset()) -> Iterator[Run]:
        """The runs in id order, leaving out ``skip`` (the ones a resumed sweep has)."""
        for run_id in range(self.total_runs):
            if run_id not in skip:
                yield self.run(run_id)

    def point_values(self, point_id: int) -> dict[str, Any]:
        """The swept columns' values at a design point.

        For grid, LHS and Sobol designs these are the point's values; for a scenarios
        design, the point's label and the resolved value of every parameter any point sets;
        an exploratory design adds the indices of the point's policy and world.
        """
        point = self.design.points[point_id]
        out: dict[str, Any] = {}
        if self.design.kind == "scenarios":
            out["scenario"] = point.label
            resolved = self.bases[point_id].with_overrides(dict(point.values)).values
            for name in self.design.parameters:
                out[name] = resolved[name]
        else:
            out.update(point.values)
        if self.design.kind == "exploratory":
            out["policy_id"], out["world_id"] = point.policy, point.world
        return out

    def fingerprint(self) -> str:
        """sha256 of everything that decides the results; a resume must match it."""
        record = {
            "version": __version__,
            "seed": self.seed,
            "replications": self.replications,
            "design": self.design.to_json(),
            "bases": [dict(sorted(b.explicit.items())) for b in self.bases],
        }
        text = json.dumps(jsonable(record), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def load_sweep(path: str | Path, overrides: Sequence[str] = ()) -> Sweep:
    """Load and validate a sweep file.

    Args:
        path: The YAML file, or the name of a shipped sweep (``demo``); a file that
            exists at ``path`` wins over a shipped name.
        overrides: ``key=value`` strings (``--set``) applied to every run.

    Raises:
        UserError: Naming the file (or ``--set``) and the key for any problem.
    """
    path = shipped.resolve(path, "sweeps")
    source = str(path)
    data = load_file(path)
    if data is None:
        raise UserError("empty file; expected a mapping with name, scenario, seed, "
                        "replications and design", source=source)
    if not isinstance(data, dict):
        raise UserError("expected a mapping of keys at the top level", source=source)
    for key in data:
        if key not in KEYS:
            raise UserError(f"unknown key{params.suggest(str(key), KEYS)}", source=source,
                            key=str(key))
    for key in ("name", "scenario", "seed", "replications", "design"):
        if key not in data:
            raise UserError("missing key", source=source, key=key)
    name = data["name"]
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise UserError(f"expected 1-64 characters from [a-z0-9_-], got {name!r}",
                        source=source, key="name")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise UserError("expected text", source=source, key="description")
    seed = _checked("seed", data["seed"], source)
    replications = data["replications"]
    if isinstance(replications, bool) or not isinstance(replications, int) \
            or not 1 <= replications <= 100_000:
        raise UserError(f"expected a whole number in [1, 100000], got {replications!r}",
                        source=source, key="replications")
    fixed: dict[str, Any] = {}
    if data.get("months") is not None:
        fixed["months"] = _checked("months", data["months"], source)
    raw_set = data.get("set", {})
    if raw_set is None:
        raw_set = {}
    if not isinstance(raw_set, dict):
        raise UserError("expected a mapping of parameter → value", source=source, key="set")
    try:
        in_set = flatten(raw_set, source=source)
    except UserError as exc:
        raise UserError(exc.message, source=source,
                        key=f"set.{exc.key}" if exc.key else "set") from None
    if "months" in fixed and "months" in in_set:  # the top-level shorthand and 'set'
        raise UserError(given_twice(line_of(data, "months"), line_of(raw_set, "months")),
                        source=source, key="months (and set.months)")
    fixed.update(in_set)
    cli = parse_overrides(overrides)
    for name_ in (*fixed, *cli):
        if name_ in NOT_SWEEPABLE:
            where = "--set" if name_ in cli else source
            raise UserError("use the sweep's 'seed' (the master seed) instead", source=where,
                            key=name_)
    design = build(data["design"], seed=seed, source=source,
                   replications=replications, max_runs=MAX_RUNS)
    swept = set(design.parameters)
    for name_ in cli:
        if name_ in swept:
            raise UserError("is varied by the design; change the design instead",
                            source=f"--set {name_}")
    for name_ in fixed:
        # A grid/LHS/Sobol value would silently replace the fixed one; a scenarios design
        # may override a common setting for one scenario on purpose.
        if name_ in swept and design.kind != "scenarios":
            raise UserError("is varied by the design; remove it from 'set'", source=source,
                            key=f"set.{name_}")
    base_path = _scenario_path(data["scenario"], path, key="scenario", source=source)
    base = load_scenario(base_path)
    bases = []
    files: dict[str, Scenario] = {}
    for i, point in enumerate(design.points):
        scenario = base
        if point.scenario is not None:
            if point.scenario not in files:
                p = _scenario_path(point.scenario, path, source=source,
                                   key=f"design.scenarios[{i}].scenario")
                files[point.scenario] = load_scenario(p)
            scenario = files[point.scenario]
        bases.append(scenario.with_overrides({**fixed, **cli}))
    sweep = Sweep(name, source, data, tuple(bases), design, seed, replications,
                  tuple(overrides), description)
    # Resolve every point once now, so a value that only fails in combination (a derived
    # value, a schedule) is reported before any run starts.
    for i in range(len(design.points)):
        try:
            _ = sweep.run(i * replications).scenario.values
        except UserError as exc:
            raise exc.at(source=source, key=f"design point {i}") from None
    return sweep


def _checked(name: str, value: Any, source: str) -> Any:
    try:
        return params.get(name).coerce(value)
    except UserError as exc:
        raise exc.at(source=source, key=name) from None


def _scenario_path(value: Any, sweep_path: Path, *, key: str, source: str) -> Path:
    """A scenario path, relative to the sweep file's folder or else the working folder.

    Failing both, a bare name is a shipped scenario (``scenario: baseline``).
    """
    if not isinstance(value, str) or not value.strip():
        raise UserError("expected the path of a scenario file, e.g. "
                        "../scenarios/baseline.yaml", source=source, key=key)
    candidates = [sweep_path.parent / value, Path(value)]
    for candidate in candidates:
        try:
            if candidate.is_file():
                return candidate
        except OSError:  # e.g. a name too long for the file system: not a scenario file
            continue
    if value in shipped.names("scenarios"):  # so a copied sweep file works in any folder
        return shipped.folder("scenarios") / f"{value}.yaml"
    raise UserError(f"no scenario file {value!r} next to the sweep file or in the working "
                    f"folder, nor a shipped scenario ({', '.join(shipped.names('scenarios'))})",
                    source=source, key=key)
