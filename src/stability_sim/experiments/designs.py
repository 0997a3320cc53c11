"""Sweep designs: grids, LHS and Sobol' samples, scenarios, explicit points, posteriors.

A design turns the ``design`` section of a sweep file into a list of design points, each a
mapping of dotted parameter name → value, checked against the registry. Sampled designs
draw from their own stream of the sweep's master seed (not from the runs' streams), so the
same file always gives the same points. A ``posterior`` design draws its points from a
calibration folder's ``posterior.parquet`` (read here with pyarrow: the experiments layer
sits below the calibration).
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from stability_sim import params
from stability_sim.errors import UserError

#: Kinds a sweep file's ``design.kind`` can name.
KINDS = ("grid", "lhs", "sobol", "scenarios", "points", "posterior", "exploratory")

#: How an ``exploratory`` design samples its worlds.
WORLD_KINDS = ("lhs", "sobol", "posterior")

#: Spawn key of the design's random stream: far from the runs' keys 0..N-1, so the points
#: never share a stream with a run.
DESIGN_STREAM = (2**32 - 1,)

#: Parameters a design may not vary: the sweep's own ``seed`` and ``replications`` do that.
NOT_SWEEPABLE = ("seed",)


@dataclass(frozen=True)
class Point:
    """One design point.

    Attributes:
        values: Dotted parameter name → value set at this point (on top of the base).
        label: The point's name (``scenarios`` designs) or ``""``.
        scenario: Path of a scenario file replacing the sweep's base scenario, or None.
        policy: In an ``exploratory`` design, the index of the point's policy (its lever
            values), else None.
        world: In an ``exploratory`` design, the index of the point's world (its
            uncertainties' values), else None.
    """

    values: Mapping[str, Any]
    label: str = ""
    scenario: str | None = None
    policy: int | None = None
    world: int | None = None


@dataclass(frozen=True)
class Design:
    """A resolved design.

    Attributes:
        kind: One of :data:`KINDS`.
        parameters: The varied parameters, in the file's order.
        points: The design points, in order (``point_id`` is the index).
        ranges: For ``lhs``/``sobol``: name → (low, high).
        info: Settings the analysis needs (samples, second order, sampler seed).
    """

    kind: str
    parameters: tuple[str, ...]
    points: tuple[Point, ...]
    ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    info: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The design as the manifest records it (points as rows of values)."""
        out: dict[str, Any] = {"kind": self.kind, "parameters": list(self.parameters),
                               "info": dict(self.info)}
        if self.ranges:
            out["ranges"] = {k: list(v) for k, v in self.ranges.items()}
        if self.kind == "scenarios":
            out["points"] = [{"label": p.label, "scenario": p.scenario,
                              "set": dict(p.values)} for p in self.points]
        else:
            out["points"] = [[p.values[k] for k in self.parameters] for p in self.points]
        if self.kind == "exploratory":
            out["point_policy"] = [p.policy for p in self.points]
            out["point_world"] = [p.world for p in self.points]
        return out


def build(section: Any, *, seed: int, source: str, replications: int = 1,
          max_runs: int | None = None) -> Design:
    """Build the design described by a sweep file's ``design`` section.

    Args:
        section: The parsed ``design`` mapping.
        seed: The sweep's master seed (sampled designs use their own stream of it).
        source: The sweep file, for messages.
        replications: Runs per point (for the size check).
        max_runs: Refuse a design of more runs than this, before generating it.

    Raises:
        UserError: Naming the file and key for any problem.
    """
    if not isinstance(section, dict):
        raise UserError(f"expected a mapping with 'kind' ({', '.join(KINDS)})",
                        source=source, key="design")
    kind = section.get("kind")
    if kind not in KINDS:
        raise UserError(f"expected one of {', '.join(KINDS)}, got {kind!r}", source=source,
                        key="design.kind")
    allowed = {"grid": ("kind", "parameters"), "lhs": ("kind", "parameters", "samples"),
               "sobol": ("kind", "parameters", "samples", "second_order"),
               "scenarios": ("kind", "scenarios"),
               "points": ("kind", "parameters", "points"),
               "posterior": ("kind", "calibration", "samples"),
               "exploratory": ("kind", "policies", "worlds")}[kind]
    for key in section:
        if key not in allowed:
            raise UserError(f"unknown key for a {kind} design{params.suggest(str(key), allowed)}",
                            source=source, key=f"design.{key}")
    if kind == "scenarios":
        return _scenarios(section.get("scenarios"), source=source)
    if kind == "points":
        return _points(section.get("parameters"), section.get("points"), source=source,
                       replications=replications, max_runs=max_runs)
    if kind == "exploratory":
        return _exploratory(section, seed=seed, source=source, replications=replications,
                            max_runs=max_runs)
    if kind == "posterior":
        samples = _count(section.get("samples"), source=source, key="design.samples")
        _limit(samples, replications, max_runs, source=source, key="design.samples")
        return _posterior(section.get("calibration"), samples, _stream(seed), source=source)
    names, raw = _parameters(section.get("parameters"), source=source)
    if kind == "grid":
        sizes = [len(v) if isinstance(v, list) else 1 for v in raw.values()]
        _limit(math.prod(sizes), replications, max_runs, source=source,
               key="design.parameters")
        return _grid(names, raw, source=source)
    ranges = {n: _range(n, raw[n], source=source) for n in names}
    samples = _count(section.get("samples"), source=source, key="design.samples")
    second = section.get("second_order", False)
    rows = 1 if kind == "lhs" else len(names) * (2 if second is True else 1) + 2
    _limit(samples * rows, replications, max_runs, source=source, key="design.samples")
    rng = _stream(seed)
    if kind == "lhs":
        return _lhs(names, ranges, samples, rng)
    if not isinstance(second, bool):
        raise UserError("expected true or false", source=source, key="design.second_order")
    return _sobol(names, ranges, samples, second, rng, source=source)


def _stream(seed: int) -> np.random.Generator:
    """The design's own random stream of the master seed (see :data:`DESIGN_STREAM`)."""
    return np.random.Generator(np.random.PCG64(
        np.random.SeedSequence(seed, spawn_key=DESIGN_STREAM)))


def _limit(points: int, replications: int, max_runs: int | None, *, source: str,
           key: str) -> None:
    """Refuse an oversized design before generating it (it could exhaust memory)."""
    if max_runs is not None and points * replications > max_runs:
        raise UserError(f"{points:,} design points × {replications:,} replications = "
                        f"{points * replications:,} runs, more than the {max_runs:,} allowed",
                        source=source, key=key)


def _parameters(raw: Any, *, source: str, prefix: str = "design.parameters"
                ) -> tuple[tuple[str, ...], dict[str, Any]]:
    if not isinstance(raw, dict) or not raw:
        raise UserError("expected a mapping of parameter name → values or range",
                        source=source, key=prefix)
    for name in raw:
        key = f"{prefix}.{name}"
        if not isinstance(name, str):
            raise UserError("parameter names must be text", source=source, key=key)
        if name in NOT_SWEEPABLE:
            raise UserError("the seed is set by the sweep's 'seed' and 'replications', "
                            "not swept", source=source, key=key)
        try:
            params.get(name)
        except UserError as exc:  # the key is its path in this file, not the bare name
            raise UserError(exc.message, source=source, key=key) from None
    return tuple(raw), raw


def _coerce(name: str, value: Any, *, source: str, key: str) -> Any:
    try:
        return params.get(name).coerce(value)
    except UserError as exc:
        raise exc.at(source=source, key=key) from None


def _grid(names: tuple[str, ...], raw: Mapping[str, Any], *, source: str,
          prefix: str = "design.parameters") -> Design:
    levels: list[list[Any]] = []
    for name in names:
        key = f"{prefix}.{name}"
        values = raw[name]
        if not isinstance(values, list) or not values:
            raise UserError("expected a non-empty list of values, e.g. [0.25, 0.5, 0.75]",
                            source=source, key=key)
        coerced = [_coerce(name, v, source=source, key=key) for v in values]
        if len(set(map(repr, coerced))) != len(coerced):
            raise UserError("a value is listed twice", source=source, key=key)
        levels.append(coerced)
    points = tuple(Point(dict(zip(names, combo, strict=True)))
                   for combo in itertools.product(*levels))
    return Design("grid", names, points, info={"levels": {n: len(v) for n, v in
                                                         zip(names, levels, strict=True)}})


def _range(name: str, value: Any, *, source: str,
           prefix: str = "design.parameters") -> tuple[float, float]:
    key = f"{prefix}.{name}"
    param = params.get(name)
    if param.kind not in (params.Kind.FLOAT, params.Kind.INT):
        raise UserError(f"sampled designs need a number parameter; this is a {param.kind} "
                        "(use a grid or scenarios design)", source=source, key=key)
    if not isinstance(value, list) or len(value) != 2:
        raise UserError(f"expected a range [low, high] within {param.bounds_text()}",
                        source=source, key=key)
    low, high = (_coerce(name, v, source=source, key=key) for v in value)
    if not low < high:
        raise UserError(f"expected low < high, got [{low}, {high}]", source=source, key=key)
    return float(low), float(high)


def _count(value: Any, *, source: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UserError(f"expected a whole number ≥ 1, got {value!r}", source=source, key=key)
    return value


def _scaled(names: Sequence[str], ranges: Mapping[str, tuple[float, float]],
            unit: np.ndarray) -> tuple[Point, ...]:
    """Map unit-cube samples onto the ranges (integers rounded, kept inside the range)."""
    points = []
    for row in unit:
        values: dict[str, Any] = {}
        for name, u in zip(names, row, strict=True):
            low, high = ranges[name]
            x = low + float(u) * (high - low)
            if params.get(name).kind is params.Kind.INT:
                values[name] = int(min(high, max(low, round(x))))
            else:
                values[name] = min(high, max(low, x))
        points.append(Point(values))
    return tuple(points)


def _lhs(names: tuple[str, ...], ranges: Mapping[str, tuple[float, float]], samples: int,
         rng: np.random.Generator) -> Design:
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(names), rng=rng).random(samples)
    return Design("lhs", names, _scaled(names, ranges, unit), dict(ranges),
                  info={"samples": samples, "sampler": "scipy.stats.qmc.LatinHypercube"})


def _sobol(names: tuple[str, ...], ranges: Mapping[str, tuple[float, float]], samples: int,
           second_order: bool, rng: np.random.Generator, *, source: str) -> Design:
    from SALib.sample import sobol

    _power_of_two(samples, source=source, key="design.samples")
    # SALib samples the actual ranges; sample on the unit cube so integers round the same
    # way as in the LHS design, then scale.
    problem = {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}
    unit = sobol.sample(problem, samples, calc_second_order=second_order, seed=rng)
    # SALib's layout: per base sample, A, the D (or 2D) mixed rows, then B.
    runs_per_sample = len(names) * (2 if second_order else 1) + 2
    return Design("sobol", names, _scaled(names, ranges, unit), dict(ranges),
                  info={"samples": samples, "second_order": second_order,
                        "sampler": "SALib.sample.sobol (Saltelli scheme)",
                        "rows_per_sample": runs_per_sample})


def _power_of_two(samples: int, *, source: str, key: str) -> None:
    """Refuse a Sobol' sample size that is not a power of two (the sequence's balance)."""
    if samples & (samples - 1):
        below = 1 << (samples.bit_length() - 1)
        raise UserError(
            f"Sobol' samples must be a power of two for the sequence's balance, got "
            f"{samples} (try {below} or {below * 2})", source=source, key=key)


def points_design(names: Sequence[str], rows: Sequence[Sequence[Any]], *,
                  source: str = "<points>", info: Mapping[str, Any] | None = None) -> Design:
    """A design of explicit points (rows of values in the order of ``names``).

    The calibration builds its waves and ABC batches with it; a sweep file can list
    points the same way (``kind: points``). Values are checked against the registry.

    Raises:
        UserError: For an unknown parameter or a value out of its bounds.
    """
    names = tuple(names)
    for name in names:
        _parameters({name: None}, source=source)
    points = []
    for i, row in enumerate(rows):
        if len(row) != len(names):
            raise UserError(f"expected {len(names)} values, got {len(row)}", source=source,
                            key=f"design.points[{i}]")
        points.append(Point({n: _coerce(n, v, source=source, key=f"design.points[{i}].{n}")
                             for n, v in zip(names, row, strict=True)}))
    return Design("points", names, tuple(points), info=dict(info or {}))


def _points(names: Any, rows: Any, *, source: str, replications: int,
            max_runs: int | None) -> Design:
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise UserError("expected a list of parameter names, e.g. [cooperation.level]",
                        source=source, key="design.parameters")
    if len(set(names)) != len(names):
        raise UserError("a parameter is listed twice", source=source, key="design.parameters")
    if not isinstance(rows, list) or not rows or not all(isinstance(r, list) for r in rows):
        raise UserError("expected a non-empty list of points, each a list of values",
                        source=source, key="design.points")
    _limit(len(rows), replications, max_runs, source=source, key="design.points")
    return points_design(names, rows, source=source)


def _scenarios(raw: Any, *, source: str) -> Design:
    if not isinstance(raw, list) or not raw:
        raise UserError("expected a list of {name, scenario?, set?} entries",
                        source=source, key="design.scenarios")
    points: list[Point] = []
    seen: set[str] = set()
    varied: dict[str, None] = {}
    from stability_sim.config import NAME_PATTERN, flatten

    for i, entry in enumerate(raw):
        key = f"design.scenarios[{i}]"
        if not isinstance(entry, dict):
            raise UserError("expected a mapping with 'name' and optionally 'scenario', 'set'",
                            source=source, key=key)
        for k in entry:
            if k not in ("name", "scenario", "set"):
                raise UserError(f"unknown key{params.suggest(str(k), ('name', 'scenario', 'set'))}",
                                source=source, key=f"{key}.{k}")
        name = entry.get("name")
        if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
            raise UserError(f"expected 1-64 characters from [a-z0-9_-], got {name!r}",
                            source=source, key=f"{key}.name")
        if name in seen:
            raise UserError(f"the name {name!r} is used twice", source=source, key=f"{key}.name")
        seen.add(name)
        scenario = entry.get("scenario")
        if scenario is not None and not isinstance(scenario, str):
            raise UserError("expected the path of a scenario file", source=source,
                            key=f"{key}.scenario")
        overrides = entry.get("set", {})
        if not isinstance(overrides, dict):
            raise UserError("expected a mapping of parameter → value", source=source,
                            key=f"{key}.set")
        try:
            values = flatten(overrides, source=source)
        except UserError as exc:
            raise UserError(exc.message, source=source,
                            key=f"{key}.set.{exc.key}" if exc.key else f"{key}.set") from None
        for n in values:
            if n in NOT_SWEEPABLE:
                raise UserError("the seed is set by the sweep's 'seed', not per scenario",
                                source=source, key=f"{key}.set.{n}")
            varied[n] = None
        points.append(Point(values, label=name, scenario=scenario))
    return Design("scenarios", tuple(varied), tuple(points),
                  info={"labels": [p.label for p in points]})



#: The posterior file a calibration folder holds, and its columns that are not parameters.
POSTERIOR_FILE = "posterior.parquet"
POSTERIOR_COLUMNS = ("weight", "generation")


def _posterior(value: Any, samples: int, rng: np.random.Generator, *, source: str) -> Design:
    """``samples`` points drawn from a calibration's weighted posterior sample.

    Systematic resampling: one uniform draw places ``samples`` evenly spaced positions on
    the cumulative weights, so each row is drawn ``samples × weight`` times give or take
    one, with less noise than independent draws; a row of weight 0 is never drawn. Rows
    drawn more than once become separate points, so each point's runs stay replicates of
    one parameter set and the point count matches ``samples``. Only the file's last
    ``generation`` is drawn from (an ABC-SMC file may keep the earlier populations).
    """
    folder = _calibration_folder(value, source=source)
    path = folder / POSTERIOR_FILE
    if not path.is_file():
        raise UserError(f"no {POSTERIOR_FILE} in the calibration folder {str(folder)!r} "
                        "(did the calibration finish its ABC stage?)", source=source,
                        key="design.calibration")
    data = path.read_bytes()
    where = str(path)
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        # Parse the bytes that were hashed, so the recorded sha256 is that of what was drawn.
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise UserError(f"cannot read it as Parquet: {' '.join(str(exc).split())}",
                        source=where) from None
    meta = _posterior_meta(table.schema.metadata or {}, source=where)
    names = tuple(meta.get("parameters") or
                  [c for c in table.column_names if c not in POSTERIOR_COLUMNS])
    for name in (*names, "weight"):
        if name not in table.column_names:
            raise UserError("missing column", source=where, key=name)
    for name in names:
        if name in NOT_SWEEPABLE:
            raise UserError("the seed is set by the sweep, not drawn", source=where, key=name)
        try:
            param = params.get(name)
        except UserError as exc:
            raise UserError(exc.message, source=where, key=name) from None
        if param.kind not in (params.Kind.FLOAT, params.Kind.INT):
            raise UserError(f"a posterior needs number parameters; this is a {param.kind}",
                            source=where, key=name)
    if table.num_rows == 0:
        raise UserError("the posterior has no rows", source=where)
    for name in (*names, "weight"):
        kind = table.schema.field(name).type
        if not _numeric(kind):
            raise UserError(f"expected a column of numbers, got {kind}", source=where,
                            key=name)
    columns = {n: np.asarray(table.column(n).to_numpy(zero_copy_only=False), dtype=float)
               for n in (*names, "weight")}
    rows = np.arange(table.num_rows)
    last = None
    if "generation" in table.column_names and _numeric(table.schema.field("generation").type):
        generation = np.asarray(table.column("generation").to_numpy(zero_copy_only=False),
                                dtype=float)
        if np.isfinite(generation).any():
            # An ABC-SMC file may keep earlier populations; the posterior is the last one.
            last = int(np.nanmax(generation))
            rows = rows[generation == last]
    weights = columns["weight"][rows]
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise UserError("expected finite weights ≥ 0", source=where, key="weight")
    total = float(weights.sum())
    if not total > 0:
        raise UserError("the weights sum to 0: nothing to draw", source=where, key="weight")
    cumulative = np.cumsum(weights / total)
    cumulative[-1] = 1.0  # rounding must not leave the last positions past the end
    positions = (rng.random() + np.arange(samples)) / samples
    drawn = rows[np.minimum(np.searchsorted(cumulative, positions, side="right"),
                            len(rows) - 1)]
    # Systematic draws come out in row order; shuffled, the first runs of an interrupted
    # sweep are still a fair sample of the posterior.
    drawn = rng.permutation(drawn)
    points = []
    for row in drawn:
        values: dict[str, Any] = {}
        for name in names:
            x = float(columns[name][row])
            # An ABC sampler moves integer parameters continuously: round as the LHS does.
            if params.get(name).kind is params.Kind.INT and math.isfinite(x):
                x = round(x)
            values[name] = _coerce(name, x, source=where, key=f"row {int(row)}.{name}")
        points.append(Point(values))
    prior = meta.get("prior") or {}
    # The prior box is the design's range (the report's contrasts split it in quarters);
    # without a recorded prior, the registry's bounds.
    ranges = {}
    for name in names:
        box = prior.get(name)
        if not _is_range(box):
            box = [params.get(name).low, params.get(name).high]
        if _is_range(box):
            ranges[name] = (float(box[0]), float(box[1]))
    info = {"samples": samples, "calibration": str(value),
            "calibration_name": meta.get("calibration"),
            "posterior_sha256": hashlib.sha256(data).hexdigest(),
            "posterior_rows": len(rows), "generation": last,
            "resampling": "systematic"}
    return Design("posterior", names, tuple(points), ranges, info=info)


def _numeric(kind: Any) -> bool:
    """Whether an Arrow type holds numbers."""
    import pyarrow as pa

    return bool(pa.types.is_integer(kind) or pa.types.is_floating(kind))


def _is_range(value: Any) -> bool:
    return (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool)
                    and math.isfinite(v) for v in value) and value[0] < value[1])


def _calibration_folder(value: Any, *, source: str) -> Path:
    """A calibration folder, relative to the sweep file's folder or else the working one."""
    if not isinstance(value, str) or not value.strip():
        raise UserError("expected the path of a calibration folder", source=source,
                        key="design.calibration")
    for candidate in (Path(source).parent / value, Path(value)):
        try:
            if candidate.is_dir():
                return candidate
        except OSError:  # a name too long for the file system is no folder either
            continue
    raise UserError(f"no calibration folder {value!r} next to the sweep file or in the "
                    "working folder", source=source, key="design.calibration")


def _posterior_meta(metadata: Mapping[bytes, bytes], *, source: str) -> dict[str, Any]:
    """The calibration's record in the file's schema metadata (empty when absent)."""
    raw = metadata.get(b"stability_sim")
    if raw is None:
        return {}
    try:
        meta = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        meta = None
    if not isinstance(meta, dict) or not (
            meta.get("parameters") is None
            or (isinstance(meta["parameters"], list)
                and all(isinstance(n, str) for n in meta["parameters"]))):
        raise UserError("expected JSON with 'calibration', 'parameters' (a list of names) "
                        "and 'prior' in the schema metadata", source=source,
                        key="stability_sim")
    if meta.get("prior") is not None and not isinstance(meta["prior"], dict):
        raise UserError("expected a mapping of parameter → [low, high]", source=source,
                        key="stability_sim.prior")
    return meta


def _roles(names: Sequence[str], role: params.Role, *, source: str, key: str) -> None:
    """Refuse a parameter of the wrong role under ``policies`` or ``worlds``."""
    where = {params.Role.LEVER: "policies", params.Role.UNCERTAINTY: "worlds"}
    for name in names:
        actual = params.get(name).role
        if actual is role:
            continue
        if actual is params.Role.SETTING:
            why = "a run setting, neither a lever nor an uncertainty; set it with 'set'"
        else:
            why = f"a{'n' if actual is params.Role.UNCERTAINTY else ''} {actual}: put it " \
                  f"under design.{where[actual]}"
        raise UserError(f"{name} is {why}", source=source, key=f"{key}.{name}")


def _exploratory(section: Mapping[str, Any], *, seed: int, source: str, replications: int,
                 max_runs: int | None) -> Design:
    """Policies (a grid of lever values) crossed with worlds (a sample of uncertainties).

    ``policies`` maps levers to lists of values, all combinations taken; ``worlds`` is an
    ``lhs`` or ``sobol`` sample of uncertainties over ranges, or draws from a calibration's
    ``posterior``. Every policy meets every world (Lempert et al. 2003's exploratory
    ensemble, EMA Workbench's levers × uncertainties), worlds outermost, so an
    interrupted sweep holds whole worlds: each with every policy, as regret needs.
    """
    raw_policies = section.get("policies")
    names, raw = _parameters(raw_policies, source=source, prefix="design.policies")
    _roles(names, params.Role.LEVER, source=source, key="design.policies")
    policies = _grid(names, raw, source=source, prefix="design.policies")
    worlds_section = section.get("worlds")
    if not isinstance(worlds_section, dict):
        raise UserError(f"expected a mapping with 'kind' ({', '.join(WORLD_KINDS)}), "
                        "'samples' and 'parameters' (or 'calibration')", source=source,
                        key="design.worlds")
    world_kind = worlds_section.get("kind")
    if world_kind not in WORLD_KINDS:
        raise UserError(f"expected one of {', '.join(WORLD_KINDS)}, got {world_kind!r}",
                        source=source, key="design.worlds.kind")
    allowed = ("kind", "samples", "calibration") if world_kind == "posterior" else (
        "kind", "samples", "parameters")
    for key in worlds_section:
        if key not in allowed:
            raise UserError(f"unknown key for {world_kind} worlds"
                            f"{params.suggest(str(key), allowed)}", source=source,
                            key=f"design.worlds.{key}")
    samples = _count(worlds_section.get("samples"), source=source, key="design.worlds.samples")
    _limit(samples * len(policies.points), replications, max_runs, source=source,
           key="design.worlds.samples")
    rng = _stream(seed)
    if world_kind == "posterior":
        worlds = _posterior(worlds_section.get("calibration"), samples, rng, source=source)
        _roles(worlds.parameters, params.Role.UNCERTAINTY, source=source,
               key="design.worlds.parameters")
    else:
        where = "design.worlds.parameters"
        world_names, world_raw = _parameters(worlds_section.get("parameters"), source=source,
                                             prefix=where)
        _roles(world_names, params.Role.UNCERTAINTY, source=source, key=where)
        ranges = {n: _range(n, world_raw[n], source=source, prefix=where) for n in world_names}
        if world_kind == "lhs":
            worlds = _lhs(world_names, ranges, samples, rng)
        else:
            from scipy.stats import qmc

            _power_of_two(samples, source=source, key="design.worlds.samples")
            unit = qmc.Sobol(d=len(world_names), scramble=True, rng=rng).random(samples)
            worlds = Design("sobol", world_names, _scaled(world_names, ranges, unit),
                            dict(ranges), info={"sampler": "scipy.stats.qmc.Sobol"})
    # Policies are levers and worlds uncertainties, so no parameter is in both.
    points = tuple(Point({**policy.values, **world.values}, policy=i, world=j)
                   for j, world in enumerate(worlds.points)
                   for i, policy in enumerate(policies.points))
    info = {"policies": len(policies.points), "worlds": len(worlds.points),
            "policy_parameters": list(names), "world_parameters": list(worlds.parameters),
            "world_kind": world_kind, "samples": samples,
            "world_info": dict(worlds.info)}
    return Design("exploratory", (*names, *worlds.parameters), points, dict(worlds.ranges),
                  info=info)
