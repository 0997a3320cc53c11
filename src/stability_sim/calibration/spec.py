"""Calibration files: load and validate what to calibrate, against what, and how.

A calibration file is YAML::

    name: recovery
    scenario: baseline                  # a scenario file (relative to this file) or name
    targets: ../targets/recovery.yaml   # a targets file (relative to this file) or name
    seed: 20131231                      # master seed of every run and every draw
    months: 24                          # optional: the runs' horizon
    set: {grid.resolution: 0.5}         # optional: fixed for every run
    replications: 4                     # runs per design point (and per ABC particle)
    budget: 2000                        # most runs the calibration may make (HM + ABC)
    parameters:                         # uniform prior ranges, inside registry bounds
      afg_forces.attrition_monthly: [0.01, 0.05]
    history_matching: {waves: 3, points: 40, cutoff: 3.0}
    abc: {population: 100, generations: 4}

Everything is checked before any run, with the one-line messages of scenario files.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from stability_sim import params, shipped
from stability_sim.calibration.targets import TargetSet, load_targets
from stability_sim.config import NAME_PATTERN, Scenario, flatten, load_scenario, parse_overrides
from stability_sim.errors import UserError
from stability_sim.experiments.designs import NOT_SWEEPABLE
from stability_sim.yamlio import load_file

#: Top-level keys of a calibration file.
KEYS = ("name", "description", "scenario", "targets", "seed", "months", "set",
        "replications", "budget", "parameters", "history_matching", "abc")
HM_KEYS = ("waves", "points", "cutoff")
ABC_KEYS = ("population", "generations", "predictive")


@dataclass(frozen=True)
class HistoryMatching:
    """Settings of the history-matching waves.

    Attributes:
        waves: Number of waves (0 skips history matching: ABC over the whole prior box).
        points: Design points per wave.
        cutoff: Implausibility above which a point is ruled out (3, Pukelsheim's 3-sigma
            rule, is the usual choice; e.g. Andrianakis et al. 2015).
    """

    waves: int = 3
    points: int = 40
    cutoff: float = 3.0


@dataclass(frozen=True)
class ABCSettings:
    """Settings of the ABC-SMC stage (pyabc).

    Attributes:
        population: Accepted particles per generation.
        generations: Most generations (pyabc's temperature schedule ends at the exact
            posterior of the error model in the last one).
        predictive: Posterior draws for the posterior predictive check (each run
            ``replications`` times).
    """

    population: int = 100
    generations: int = 4
    predictive: int = 40


@dataclass(frozen=True)
class Calibration:
    """A validated calibration file.

    Attributes:
        name: Short identifier; the default output folder is ``results/<name>``.
        source: The calibration file.
        raw: Its parsed contents (recorded in the manifest).
        base: The scenario every run starts from, with ``months``, ``set`` and ``--set``.
        targets_path: The targets file.
        targets: The targets, validated (and checked to lie inside the runs).
        seed: Master seed.
        replications: Runs per design point or particle.
        budget: Most runs of history matching and ABC together.
        priors: Parameter → (low, high), in the file's order.
        hm: History-matching settings.
        abc: ABC settings.
        overrides: ``--set`` options.
        description: Free text.
    """

    name: str
    source: str
    raw: dict[str, Any]
    base: Scenario
    scenario_path: Path
    targets_path: Path
    targets: TargetSet
    seed: int
    replications: int
    budget: int
    priors: dict[str, tuple[float, float]]
    hm: HistoryMatching
    abc: ABCSettings
    overrides: tuple[str, ...] = ()
    description: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        """The calibrated parameters, in the file's order."""
        return tuple(self.priors)

    @property
    def hm_runs(self) -> int:
        """Runs of the history-matching waves."""
        return self.hm.waves * self.hm.points * self.replications

    @property
    def _box(self) -> tuple[np.ndarray, np.ndarray]:
        ranges = np.array(list(self.priors.values()), dtype=float)
        return ranges[:, 0], ranges[:, 1]

    @property
    def whole(self) -> np.ndarray:
        """Which calibrated parameters are whole numbers (``int`` in the registry)."""
        return np.array([params.get(n).kind is params.Kind.INT for n in self.names])

    def to_natural(self, unit: np.ndarray) -> np.ndarray:
        """Points of the unit cube (rows) as parameter values, in the file's order.

        A whole-number parameter (a number of fighters) is searched over as a continuous
        range and rounded to the nearest whole number where a run is made.
        """
        low, high = self._box
        natural = low + np.asarray(unit, dtype=float) * (high - low)
        return np.where(self.whole, np.round(natural), natural)

    def to_unit(self, natural: np.ndarray) -> np.ndarray:
        """Parameter values (rows, in the file's order) as points of the unit cube."""
        low, high = self._box
        return (np.asarray(natural, dtype=float) - low) / (high - low)

    def fingerprint(self) -> str:
        """sha256 of what decides the results (a resume must match it)."""
        text = repr((sorted(self.raw.items(), key=str), self.overrides,
                     self.targets.sha256, sorted(self.base.explicit.items())))
        return hashlib.sha256(text.encode()).hexdigest()


def load_calibration(path: str | Path, overrides: Sequence[str] = ()) -> Calibration:
    """Load and validate a calibration file.

    Args:
        path: The YAML file, or the name of a shipped calibration.
        overrides: ``key=value`` strings (``--set``) applied to every run.

    Raises:
        UserError: Naming the file (or ``--set``) and the key for any problem.
    """
    path = shipped.resolve(path, "calibrations")
    source = str(path)
    data = load_file(path)
    if not isinstance(data, dict):
        raise UserError("expected a mapping with name, scenario, targets, seed, "
                        "replications, budget and parameters", source=source)
    for key in data:
        if key not in KEYS:
            raise UserError(f"unknown key{params.suggest(str(key), KEYS)}", source=source,
                            key=str(key))
    for key in ("name", "scenario", "targets", "seed", "replications", "budget",
                "parameters"):
        if key not in data:
            raise UserError("missing key", source=source, key=key)
    name = data["name"]
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise UserError(f"expected 1-64 characters from [a-z0-9_-], got {name!r}",
                        source=source, key="name")
    description = data.get("description", "") or ""
    if not isinstance(description, str):
        raise UserError("expected text", source=source, key="description")
    seed = _checked("seed", data["seed"], source)
    replications = _whole(data["replications"], 1, 10_000, source, "replications")
    budget = _whole(data["budget"], 1, 10_000_000, source, "budget")
    fixed: dict[str, Any] = {}
    if data.get("months") is not None:
        fixed["months"] = _checked("months", data["months"], source)
    raw_set = data.get("set") or {}
    if not isinstance(raw_set, dict):
        raise UserError("expected a mapping of parameter → value", source=source, key="set")
    try:
        fixed.update(flatten(raw_set, source=source))
    except UserError as exc:
        raise UserError(exc.message, source=source,
                        key=f"set.{exc.key}" if exc.key else "set") from None
    cli = parse_overrides(overrides)
    for name_ in (*fixed, *cli):
        if name_ in NOT_SWEEPABLE:
            raise UserError("use the calibration's 'seed' instead",
                            source="--set" if name_ in cli else source, key=name_)
    priors = _priors(data["parameters"], source)
    for name_ in (*fixed, *cli):
        if name_ in priors:
            raise UserError("is calibrated; remove it from the fixed settings",
                            source="--set" if name_ in cli else source, key=name_)
    hm = _section(data.get("history_matching"), HistoryMatching, HM_KEYS, source,
                  "history_matching")
    abc = _section(data.get("abc"), ABCSettings, ABC_KEYS, source, "abc")
    scenario_path = _near(data["scenario"], path, "scenarios", source, "scenario")
    base = load_scenario(scenario_path).with_overrides({**fixed, **cli})
    try:  # a value that fails only in combination is reported now, not after a wave
        _ = base.with_overrides({n: (lo + hi) / 2 for n, (lo, hi) in priors.items()}).values
    except UserError as exc:
        raise exc.at(source=source, key="parameters") from None
    targets_path = _near(data["targets"], path, "targets", source, "targets")
    targets = load_targets(targets_path)
    values = base.values
    targets.check_run(values["start"], values["months"], source=str(targets_path))
    calibration = Calibration(name, source, data, base, scenario_path, targets_path, targets,
                              seed,
                              replications, budget, priors, hm, abc, tuple(overrides),
                              description)
    least = calibration.hm_runs + abc.population * replications
    if budget < least:
        raise UserError(f"{budget:,} runs cannot hold the history matching "
                        f"({calibration.hm_runs:,} runs) and one ABC population "
                        f"({abc.population * replications:,} runs): at least {least:,}",
                        source=source, key="budget")
    return calibration


def _checked(name: str, value: Any, source: str) -> Any:
    try:
        return params.get(name).coerce(value)
    except UserError as exc:
        raise exc.at(source=source, key=name) from None


def _whole(value: Any, low: int, high: int, source: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise UserError(f"expected a whole number in [{low}, {high}], got {value!r}",
                        source=source, key=key)
    return value


def _priors(raw: Any, source: str) -> dict[str, tuple[float, float]]:
    if not isinstance(raw, dict) or not raw:
        raise UserError("expected a mapping of parameter name → [low, high] prior range",
                        source=source, key="parameters")
    out: dict[str, tuple[float, float]] = {}
    for name, value in raw.items():
        key = f"parameters.{name}"
        if not isinstance(name, str):
            raise UserError("parameter names must be text", source=source, key=key)
        if name in NOT_SWEEPABLE:
            raise UserError("the seed is not a parameter to calibrate", source=source, key=key)
        try:
            param = params.get(name)
        except UserError as exc:
            raise UserError(exc.message, source=source, key=key) from None
        if param.kind not in (params.Kind.FLOAT, params.Kind.INT):
            raise UserError(f"only number parameters can be calibrated; this is a "
                            f"{param.kind}", source=source, key=key)
        if param.role is params.Role.SETTING:
            raise UserError("a run setting (start, horizon, resolution) is not a parameter "
                            "to calibrate; set it with 'months' or 'set'",
                            source=source, key=key)
        if not isinstance(value, list) or len(value) != 2:
            raise UserError(f"expected a prior range [low, high] within {param.bounds_text()}",
                            source=source, key=key)
        low, high = (_checked(name, v, source) for v in value)
        if not low < high:
            raise UserError(f"expected low < high, got [{low}, {high}]", source=source, key=key)
        out[name] = (float(low), float(high))
    return out


def _section(raw: Any, kind: type, keys: tuple[str, ...], source: str, where: str) -> Any:
    if raw is None:
        return kind()
    if not isinstance(raw, dict):
        raise UserError(f"expected a mapping with {', '.join(keys)}", source=source, key=where)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in keys:
            raise UserError(f"unknown key{params.suggest(str(key), keys)}", source=source,
                            key=f"{where}.{key}")
        if key == "cutoff":
            if isinstance(value, bool) or not isinstance(value, int | float) \
                    or not math.isfinite(value) or not 0 < value <= 100:
                raise UserError(f"expected a number in (0, 100], got {value!r}",
                                source=source, key=f"{where}.{key}")
            values[key] = float(value)
        else:
            low = 0 if key == "waves" else 1
            high = {"waves": 20, "points": 100_000, "population": 100_000,
                    "generations": 100, "predictive": 10_000}[key]
            values[key] = _whole(value, low, high, source, f"{where}.{key}")
    return kind(**values)


def _near(value: Any, here: Path, kind: shipped.Kind, source: str, key: str) -> Path:
    """A file named relative to the calibration file, else the working folder, else shipped."""
    if not isinstance(value, str) or not value.strip():
        raise UserError(f"expected the path of a {shipped.noun(kind)}", source=source, key=key)
    for candidate in (here.parent / value, Path(value)):
        try:
            if candidate.is_file():
                # Without the "x/../" of a path relative to the calibration file, so the
                # plan and the manifest show where the file is.
                return Path(os.path.normpath(candidate))
        except OSError:
            continue
    if value in shipped.names(kind):
        return shipped.folder(kind) / f"{value}.yaml"
    raise UserError(f"no {shipped.noun(kind)} {value!r} next to the calibration file or in the "
                    f"working folder, nor a shipped one "
                    f"({', '.join(shipped.names(kind)) or 'none'})", source=source, key=key)
