"""Statistics of an ensemble, and the files that hold what they are compared with.

A *statistic* is an outcome reduced over months and over runs: ``value`` (a monthly
outcome in one month, or a summary outcome), ``mean`` or ``sum`` (a monthly outcome over
a window of months), ``share`` (the share of runs in which an event happened) and
``quantile`` (a quantile across runs of the per-run value, mean or sum). Every statistic
has one value per run (0/1 for ``share``); the ensemble statistic is the mean of those,
or their quantile.

Two files use that grammar:

* a *targets file* (:func:`load_targets`) holds what a calibration fits: each target an
  observed value with its uncertainty and its source, all dated on or before a
  ``cutoff`` (the model must not be fitted to what it is later scored against);
* an *observations file* (:func:`load_observations`) holds what later happened, one
  realisation each (a number, or true/false for an event), which
  :mod:`stability_sim.calibration.scoring` scores forecasts against.

Every mistake in either file is one :class:`~stability_sim.errors.UserError` naming the
file and the key (``targets[2].window``).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stability_sim import params, shipped
from stability_sim.errors import UserError
from stability_sim.history import load_history
from stability_sim.outcomes import OUTCOMES, Outcome, Scope
from stability_sim.timeline import add_months, month_ordinal, parse_month
from stability_sim.yamlio import load_file

#: The reductions a statistic may use.
REDUCTIONS = ("value", "mean", "sum", "share", "quantile")
#: What ``of`` may name for a quantile: the per-run value it is taken of.
QUANTILE_OF = ("value", "mean", "sum")
#: Event conditions: strictly above or strictly below a threshold.
EVENT_SIDES = ("above", "below")
#: z of a central 90% normal interval: an ``interval: [lo, hi]`` is read as one.
Z90 = 1.6448536269514722
#: Resamples of the bootstrap behind a quantile's ensemble variance (fixed seed below).
BOOTSTRAP = 400
_BOOTSTRAP_SEED = 20161231

NAME = re.compile(r"[a-z0-9_]{1,64}")
_BY_NAME: dict[str, Outcome] = {o.name: o for o in OUTCOMES}

#: Keys of one statistic, common to targets and observations.
STAT_KEYS = ("name", "outcome", "reduction", "month", "window", "q", "of", "event", "source")
TARGET_KEYS = (*STAT_KEYS, "observed", "sd", "interval")
OBSERVATION_KEYS = (*STAT_KEYS, "observed")
TARGETS_FILE_KEYS = ("cutoff", "description", "targets", "truth")
OBSERVATIONS_FILE_KEYS = ("description", "observations")


@dataclass(frozen=True, kw_only=True)
class Statistic:
    """An outcome reduced over months and runs (see the module docstring).

    Attributes:
        name: Identifier, ``[a-z0-9_]+``, unique in its file.
        outcome: An outcome of :data:`stability_sim.outcomes.OUTCOMES`.
        reduction: One of :data:`REDUCTIONS`.
        month: The month (``YYYY-MM``) of a monthly ``value`` (or ``share``/``quantile``
            of one); None otherwise.
        window: First and last month (inclusive) of a ``mean`` or ``sum``, or of a
            monthly event's months; None otherwise.
        q: The quantile's level in (0, 1), for ``quantile``; None otherwise.
        of: For ``quantile``: the per-run ``value``, ``mean`` or ``sum``.
        event: For ``share`` of a number: ``("above", x)`` or ``("below", x)``
            (strict); None for a true/false outcome.
        source: Where the number comes from, as text.
    """

    name: str
    outcome: str
    reduction: str
    month: str | None = None
    window: tuple[str, str] | None = None
    q: float | None = None
    of: str = "value"
    event: tuple[str, float] | None = None
    source: str = ""

    @property
    def monthly(self) -> bool:
        """Whether it reads the monthly series (else the runs table)."""
        return _BY_NAME[self.outcome].scope is Scope.MONTHLY

    @property
    def columns(self) -> tuple[str, ...]:
        """The monthly columns it needs (for ``Results.series(columns=...)``)."""
        return (self.outcome,) if self.monthly else ()

    @property
    def date(self) -> str | None:
        """The last month it refers to; None for a summary outcome (the run's last month)."""
        if self.window is not None:
            return self.window[1]
        return self.month

    @property
    def months(self) -> tuple[str, ...]:
        """Every month it reads, in order (empty for a summary outcome)."""
        if self.month is not None:
            return (self.month,)
        if self.window is not None:
            first, last = (month_ordinal(m) for m in self.window)
            start = self.window[0]
            return tuple(add_months(start, k) for k in range(last - first + 1))
        return ()

    @property
    def is_event(self) -> bool:
        """Whether each run's value is 0/1 (an event happened or not)."""
        return self.reduction == "share"

    def describe(self) -> str:
        """A short text such as ``sum of attacks_tjk 2014-01..2014-12``."""
        if self.reduction == "quantile":
            what = f"q{self.q:g} of {self.of} of {self.outcome}"
        elif self.reduction == "share":
            what = f"share of runs with {self.outcome}"
            if self.event is not None:
                what += f" {self.event[0]} {self.event[1]:g}"
        else:
            what = f"{self.reduction} of {self.outcome}"
        if self.window is not None:
            what += f" {self.window[0]}..{self.window[1]}"
        elif self.month is not None:
            what += f" in {self.month}"
        return what

    def per_run(self, runs: pd.DataFrame, series: pd.DataFrame | None) -> pd.Series:
        """The per-run value of every run in ``runs`` (0/1 for ``share``).

        Args:
            runs: One row per run, with ``run_id`` and the summary outcomes (pass the
                runs that finished: a failed run's outcomes are missing).
            series: The monthly series (``run_id``, ``step``, ``date`` and
                :attr:`columns`); needed for a monthly outcome only.

        Returns:
            Floats indexed by ``run_id``, NaN where a run has no value (a run without the
            months asked for; a missing summary value, except that a never-happened
            month outcome compared with a threshold is "no event", 0).
        """
        ids = pd.Index(runs["run_id"].to_numpy(), name="run_id")
        if not self.monthly:
            raw = pd.to_numeric(runs[self.outcome].astype(object), errors="coerce")
            values = pd.Series(raw.to_numpy(dtype=float), index=ids)
            if self.event is None:
                return values.rename(self.name)
            return self._compare(values, nullable=_BY_NAME[self.outcome].nullable)
        if series is None:
            raise ValueError(f"statistic {self.name!r} needs the monthly series")
        # A run's first row is the state before its first month (early 2010, before the
        # history window), not a simulated month; every later row is one.
        rows = series[(series["step"] > series["step"].min())
                      & series["date"].isin(self.months)]
        rows = rows[rows["run_id"].isin(ids)]
        grouped = rows.groupby("run_id")[self.outcome]
        counts = grouped.count().reindex(ids, fill_value=0)
        complete = counts == len(self.months)  # a run short of the months has no value
        how = self.of if self.reduction == "quantile" else self.reduction
        if self.reduction == "share":
            side, x = self.event  # type: ignore[misc]
            hit = grouped.max() > x if side == "above" else grouped.min() < x
            values = hit.astype(float).reindex(ids)
        elif how == "sum":
            values = grouped.sum().reindex(ids)
        else:  # value (one month) or mean
            values = grouped.mean().reindex(ids)
        values = values.astype(float).where(complete)
        return values.rename(self.name)

    def _compare(self, values: pd.Series, *, nullable: bool) -> pd.Series:
        side, x = self.event  # type: ignore[misc]
        hit = (values > x) if side == "above" else (values < x)
        out = hit.astype(float)
        if not nullable:  # a missing value is unknown; a never-happened month is no event
            out[values.isna()] = np.nan
        return out.rename(self.name)

    def statistic(self, values: np.ndarray) -> float:
        """The ensemble statistic of per-run values (NaN left out; NaN if none left)."""
        v = _finite(values)
        if v.size == 0:
            return math.nan
        if self.reduction == "quantile":
            return float(np.quantile(v, self.q))
        return float(np.mean(v))

    def ensemble_variance(self, values: np.ndarray) -> float:
        """The stochastic variance a comparison with the record must allow for.

        For ``value``, ``mean`` and ``sum`` the record is one realisation, so this is
        the variance of one run around the ensemble mean (``ddof=1``). For ``share`` and
        ``quantile`` the record is compared with an ensemble estimate, so this is the
        sampling variance of that estimate from ``len(values)`` runs: ``p(1-p)/n``, and
        a bootstrap (fixed seed, so it is reproducible) for a quantile.

        Returns:
            The variance; NaN with fewer than two values (one run says nothing about it).
        """
        v = _finite(values)
        n = v.size
        if n < 2:
            return math.nan
        if self.reduction == "share":
            p = float(np.mean(v))
            return p * (1.0 - p) / n
        if self.reduction == "quantile":
            rng = np.random.default_rng(np.random.SeedSequence(_BOOTSTRAP_SEED))
            draws = rng.choice(v, size=(BOOTSTRAP, n), replace=True)
            return float(np.var(np.quantile(draws, self.q, axis=1), ddof=1))
        return float(np.var(v, ddof=1))


@dataclass(frozen=True, kw_only=True)
class Target(Statistic):
    """A statistic with the value a calibration fits it to.

    Attributes:
        observed: The observed value (the midpoint of ``interval`` when one is given).
        sd: The observation's standard deviation (> 0).
        interval: The 90% interval as written, if the file gave one instead of ``sd``.
    """

    observed: float
    sd: float
    interval: tuple[float, float] | None = None


@dataclass(frozen=True, kw_only=True)
class Observation(Statistic):
    """A statistic with what was later observed: one realisation.

    Attributes:
        observed: A number (scored with the CRPS), or true/false for an event (``share``,
            scored with the Brier score).
    """

    observed: float | bool


class _Statistics:
    """What targets and observations files share: per-run values and the runs' months."""

    source: str

    @property
    def items(self) -> tuple[Statistic, ...]:
        """The statistics, in file order."""
        raise NotImplementedError

    @property
    def names(self) -> list[str]:
        """The names, in file order."""
        return [s.name for s in self.items]

    @property
    def columns(self) -> tuple[str, ...]:
        """Every monthly column any statistic needs (each once, in order)."""
        return tuple(dict.fromkeys(c for s in self.items for c in s.columns))

    def per_run(self, runs: pd.DataFrame, series: pd.DataFrame | None) -> pd.DataFrame:
        """Per-run values: index ``run_id``, one column per statistic (file order)."""
        index = pd.Index(runs["run_id"].to_numpy(), name="run_id")
        if not self.items:
            return pd.DataFrame(index=index)
        return pd.concat([s.per_run(runs, series) for s in self.items], axis=1)

    def check_run(self, start: str, months: int, *, source: str | None = None,
                  key: str | None = None) -> None:
        """Refuse runs that do not cover every month a statistic reads.

        A run of ``months`` months from ``start`` covers the history window (from 2010-01,
        :mod:`stability_sim.history`) to ``start + months - 1``.

        Args:
            start: The runs' first month, ``YYYY-MM``.
            months: The runs' horizon.
            source: The file that set the runs (named in the error).
            key: The key in it, if any.

        Raises:
            UserError: Naming the first statistic whose months the runs do not cover.
        """
        last = add_months(start, months - 1)
        first = min(start, load_history().start, key=month_ordinal)
        for s in self.items:
            needed = s.months
            if needed and (month_ordinal(needed[0]) < month_ordinal(first)
                           or month_ordinal(needed[-1]) > month_ordinal(last)):
                span = needed[0] if len(needed) == 1 else f"{needed[0]}..{needed[-1]}"
                raise UserError(f"'{s.name}' of {self.source} reads {span}, but the runs cover "
                                f"{first}..{last}", source=source, key=key)


@dataclass(frozen=True)
class TargetSet(_Statistics):
    """A targets file, validated.

    Attributes:
        source: The file.
        cutoff: The last month any target may refer to, ``YYYY-MM``.
        description: Free text from the file.
        targets: The targets, in file order.
        sha256: The file's sha256 (recorded with a calibration).
        truth: For synthetic targets, the parameter values they were made at (the
            recovery checks compare the posterior with it); empty for evidence.
    """

    source: str
    cutoff: str
    description: str
    targets: tuple[Target, ...]
    sha256: str
    truth: Mapping[str, float] = field(default_factory=dict)

    @property
    def items(self) -> tuple[Target, ...]:
        """The targets."""
        return self.targets

    def __getitem__(self, name: str) -> Target:
        for t in self.targets:
            if t.name == name:
                return t
        raise KeyError(name)

    def check_run(self, start: str, months: int, *, source: str | None = None,
                  key: str | None = None) -> None:
        """Refuse runs that do not cover every target's months.

        Also, a summary outcome is read at the runs' last month, which must then not be
        after the cutoff.

        Raises:
            UserError: For a target the runs do not cover, or a summary outcome read after
                the cutoff.
        """
        super().check_run(start, months, source=source, key=key)
        last = add_months(start, months - 1)
        if month_ordinal(last) > month_ordinal(self.cutoff):
            for t in self.targets:
                if not t.monthly:
                    raise UserError(f"target '{t.name}' of {self.source} reads {t.outcome} at "
                                    f"the runs' last month {last}, after the cutoff "
                                    f"{self.cutoff}; end the runs by the cutoff or use a "
                                    "monthly outcome", source=source, key=key)


@dataclass(frozen=True)
class ObservationSet(_Statistics):
    """An observations file, validated.

    Attributes:
        source: The file.
        description: Free text from the file.
        observations: The observations, in file order.
        sha256: The file's sha256 (recorded with the scores).
    """

    source: str
    description: str
    observations: tuple[Observation, ...]
    sha256: str

    @property
    def items(self) -> tuple[Observation, ...]:
        """The observations."""
        return self.observations


def load_targets(path: str | Path) -> TargetSet:
    """Load and validate a targets file (or a shipped one, by bare name).

    Raises:
        UserError: Naming the file and the key for any problem (see docs/CALIBRATION.md).
    """
    path = shipped.resolve(path, "targets")
    source = str(path)
    data = _top(path, TARGETS_FILE_KEYS, "cutoff and targets")
    if "cutoff" not in data:
        raise UserError("missing key; expected the last month targets may refer to, e.g. "
                        "2016-12", source=source, key="cutoff")
    cutoff = _month(data["cutoff"], source=source, key="cutoff")
    entries = _entries(data, "targets", source)
    targets: list[Target] = []
    for i, entry in enumerate(entries):
        where = f"targets[{i}]"
        common = _statistic(entry, TARGET_KEYS, source=source, where=where)
        observed, sd, interval = _target_value(entry, common, source=source, where=where)
        target = Target(**common, observed=observed, sd=sd, interval=interval)
        if target.date is not None and month_ordinal(target.date) > month_ordinal(cutoff):
            raise UserError(f"target '{target.name}' is dated {target.date}, after the cutoff "
                            f"{cutoff}", source=source,
                            key=f"{where}.{'window' if target.window else 'month'}")
        targets.append(target)
    _unique(targets, "targets", source)
    return TargetSet(source, cutoff, _description(data, source), tuple(targets),
                     _sha256(path), _truth(data.get("truth"), source))


def _truth(raw: Any, source: str) -> dict[str, float]:
    """The ``truth`` of synthetic targets: parameter → value, checked against the registry."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise UserError("expected a mapping of parameter → the value the targets were made "
                        "at", source=source, key="truth")
    out: dict[str, float] = {}
    for name, value in raw.items():
        try:
            out[str(name)] = float(params.get(str(name)).coerce(value))
        except UserError as exc:
            raise UserError(exc.message, source=source, key=f"truth.{name}") from None
        except (TypeError, ValueError):
            raise UserError(f"expected a number, got {value!r}", source=source,
                            key=f"truth.{name}") from None
    return out


def load_observations(path: str | Path) -> ObservationSet:
    """Load and validate an observations file (or a shipped one, by bare name).

    Raises:
        UserError: Naming the file and the key for any problem (see docs/CALIBRATION.md).
    """
    path = shipped.resolve(path, "observations")
    source = str(path)
    data = _top(path, OBSERVATIONS_FILE_KEYS, "observations")
    entries = _entries(data, "observations", source)
    observations: list[Observation] = []
    for i, entry in enumerate(entries):
        where = f"observations[{i}]"
        common = _statistic(entry, OBSERVATION_KEYS, source=source, where=where)
        if common["reduction"] == "quantile":
            raise UserError("an observation is one realisation, not a quantile over runs; "
                            "use value, mean or sum", source=source, key=f"{where}.reduction")
        if "observed" not in entry:
            raise UserError("missing key", source=source, key=f"{where}.observed")
        value = entry["observed"]
        if common["reduction"] == "share":
            if not isinstance(value, bool):
                raise UserError(f"expected true or false (did the event happen?), got "
                                f"{value!r}", source=source, key=f"{where}.observed")
            observed: float | bool = value
        else:
            observed = _number(value, source=source, key=f"{where}.observed")
        observations.append(Observation(**common, observed=observed))
    _unique(observations, "observations", source)
    return ObservationSet(source, _description(data, source), tuple(observations),
                          _sha256(path))


# --- reading the files -------------------------------------------------------------------

def _top(path: Path, keys: Sequence[str], expected: str) -> Mapping[str, Any]:
    source = str(path)
    data = load_file(path)
    if data is None:
        raise UserError(f"empty file; expected a mapping with {expected}", source=source)
    if not isinstance(data, dict):
        raise UserError("expected a mapping of keys at the top level", source=source)
    for key in data:
        if key not in keys:
            raise UserError(f"unknown key{params.suggest(str(key), keys)}", source=source,
                            key=str(key))
    return data


def _entries(data: Mapping[str, Any], key: str, source: str) -> list[Any]:
    if key not in data:
        raise UserError("missing key", source=source, key=key)
    entries = data[key]
    if not isinstance(entries, list) or not entries:
        raise UserError("expected a non-empty list", source=source, key=key)
    return entries


def _description(data: Mapping[str, Any], source: str) -> str:
    description = data.get("description", "")
    if description is None:
        return ""
    if not isinstance(description, str):
        raise UserError("expected text", source=source, key="description")
    return " ".join(description.split())


def _unique(items: Sequence[Statistic], key: str, source: str) -> None:
    seen: dict[str, int] = {}
    for i, s in enumerate(items):
        if s.name in seen:
            raise UserError(f"name '{s.name}' is used twice ({key}[{seen[s.name]}] and "
                            f"{key}[{i}])", source=source, key=f"{key}[{i}].name")
        seen[s.name] = i


def _statistic(entry: Any, keys: Sequence[str], *, source: str, where: str) -> dict[str, Any]:
    """The fields of :class:`Statistic` from one entry, checked together."""
    if not isinstance(entry, dict):
        raise UserError("expected a mapping (name, outcome, reduction, ...)", source=source,
                        key=where)
    for key in entry:
        if key not in keys:
            raise UserError(f"unknown key{params.suggest(str(key), keys)}", source=source,
                            key=f"{where}.{key}")

    def at(key: str) -> str:
        return f"{where}.{key}"

    for key in ("name", "outcome", "reduction", "source"):
        if key not in entry:
            raise UserError("missing key", source=source, key=at(key))
    name = entry["name"]
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise UserError(f"expected 1-64 characters from [a-z0-9_], got {name!r}",
                        source=source, key=at("name"))
    text = entry["source"]
    if not isinstance(text, str) or not text.strip():
        raise UserError("expected a non-empty text saying where the number comes from",
                        source=source, key=at("source"))
    outcome = entry["outcome"]
    if not isinstance(outcome, str) or outcome not in _BY_NAME:
        raise UserError(f"unknown outcome{params.suggest(str(outcome), _BY_NAME)} (see "
                        "docs/OUTCOMES.md)", source=source, key=at("outcome"))
    reduction = entry["reduction"]
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise UserError(f"unknown reduction{params.suggest(str(reduction), REDUCTIONS)}; "
                        f"expected one of {', '.join(REDUCTIONS)}", source=source,
                        key=at("reduction"))
    spec = _BY_NAME[outcome]
    monthly = spec.scope is Scope.MONTHLY
    is_bool = spec.dtype == "bool"

    q = entry.get("q")
    if reduction == "quantile":
        if q is None:
            raise UserError("missing key; a quantile needs its level q in (0, 1)",
                            source=source, key=at("q"))
        q = _number(q, source=source, key=at("q"))
        if not 0.0 < q < 1.0:
            raise UserError(f"expected a level strictly between 0 and 1, got {q:g}",
                            source=source, key=at("q"))
    elif q is not None:
        raise UserError("q is only for reduction quantile", source=source, key=at("q"))
    of = entry.get("of", "value")
    if reduction != "quantile" and "of" in entry:
        raise UserError("of is only for reduction quantile", source=source, key=at("of"))
    if of not in QUANTILE_OF:
        raise UserError(f"expected one of {', '.join(QUANTILE_OF)}, got {of!r}",
                        source=source, key=at("of"))
    how = of if reduction == "quantile" else reduction  # what each run's value is

    event = None
    if "event" in entry:
        if reduction != "share":
            raise UserError("event is only for reduction share", source=source,
                            key=at("event"))
        if is_bool:
            raise UserError(f"{outcome} is already true/false; leave out event",
                            source=source, key=at("event"))
        event = _event(entry["event"], source=source, key=at("event"))
    elif reduction == "share" and not is_bool:
        raise UserError(f"{outcome} is a number: a share needs an event, e.g. "
                        "event: {above: 0}", source=source, key=at("event"))
    if is_bool and reduction != "share":
        raise UserError(f"{outcome} is true/false: use reduction share", source=source,
                        key=at("reduction"))

    month = window = None
    if not monthly:
        for key in ("month", "window"):
            if key in entry:
                raise UserError(f"{outcome} is a summary outcome (one value per run, at its "
                                f"last month): it takes no {key}", source=source,
                                key=at(key))
        if how in ("mean", "sum"):
            raise UserError(f"{how} needs a monthly outcome over a window; {outcome} is a "
                            "summary outcome (use value)", source=source,
                            key=at("of" if reduction == "quantile" else "reduction"))
    elif how in ("mean", "sum"):
        if "month" in entry:
            raise UserError(f"{how} is over a window: give window: [first, last], not month",
                            source=source, key=at("month"))
        if "window" not in entry:
            raise UserError(f"missing key; {how} needs window: [first, last]",
                            source=source, key=at("window"))
        window = _window(entry["window"], source=source, key=at("window"))
    elif reduction == "share":  # an event in one month or in any month of a window
        if ("month" in entry) == ("window" in entry):
            raise UserError("an event on a monthly outcome needs month or window (one of "
                            "them)", source=source, key=at("month"))
        if "month" in entry:
            month = _month(entry["month"], source=source, key=at("month"))
        else:
            window = _window(entry["window"], source=source, key=at("window"))
    else:  # the value in one month
        if "window" in entry:
            raise UserError(f"{how} is of one month: give month, or use mean or sum over "
                            "the window", source=source, key=at("window"))
        if "month" not in entry:
            raise UserError(f"missing key; {outcome} is monthly: say which month",
                            source=source, key=at("month"))
        month = _month(entry["month"], source=source, key=at("month"))
    return {"name": name, "outcome": outcome, "reduction": reduction, "month": month,
            "window": window, "q": q, "of": of, "event": event,
            "source": " ".join(text.split())}


def _target_value(entry: Mapping[str, Any], common: Mapping[str, Any], *, source: str,
                  where: str) -> tuple[float, float, tuple[float, float] | None]:
    """``observed``, ``sd`` and ``interval`` of a target: observed + sd, or an interval."""
    has_observed, has_interval = "observed" in entry, "interval" in entry
    if has_observed and has_interval:
        raise UserError("give observed with sd, or interval, not both", source=source,
                        key=f"{where}.interval")
    if has_interval:
        if "sd" in entry:
            raise UserError("an interval is read as a 90% interval, which sets sd; leave "
                            "out sd", source=source, key=f"{where}.sd")
        raw = entry["interval"]
        key = f"{where}.interval"
        if not isinstance(raw, list) or len(raw) != 2:
            raise UserError(f"expected [low, high], got {raw!r}", source=source, key=key)
        lo, hi = (_number(v, source=source, key=key) for v in raw)
        if not lo < hi:
            raise UserError(f"expected low < high, got [{lo:g}, {hi:g}]", source=source,
                            key=key)
        observed, sd, interval = (lo + hi) / 2, (hi - lo) / 2 / Z90, (lo, hi)
    elif has_observed:
        observed = _number(entry["observed"], source=source, key=f"{where}.observed")
        if "sd" not in entry:
            raise UserError("missing key; observed needs its sd (> 0), or give a 90% "
                            "interval instead", source=source, key=f"{where}.sd")
        sd = _number(entry["sd"], source=source, key=f"{where}.sd")
        if sd <= 0:
            raise UserError(f"expected a number > 0, got {sd:g}", source=source,
                            key=f"{where}.sd")
        interval = None
    else:
        raise UserError("missing key; give observed with sd, or interval: [low, high]",
                        source=source, key=f"{where}.observed")
    if common["reduction"] == "share" and not 0.0 <= observed <= 1.0:
        raise UserError(f"a share is in [0, 1], got {observed:g}", source=source,
                        key=f"{where}.{'interval' if interval else 'observed'}")
    return observed, sd, interval


def _event(raw: Any, *, source: str, key: str) -> tuple[str, float]:
    if not isinstance(raw, dict) or len(raw) != 1:
        raise UserError("expected one condition, {above: x} or {below: x}", source=source,
                        key=key)
    ((side, x),) = raw.items()
    if side not in EVENT_SIDES:
        raise UserError(f"unknown condition{params.suggest(str(side), EVENT_SIDES)}; "
                        "expected above or below", source=source, key=f"{key}.{side}")
    return side, _number(x, source=source, key=f"{key}.{side}")


def _month(raw: Any, *, source: str, key: str) -> str:
    try:
        if not isinstance(raw, str):
            raise ValueError
        parse_month(raw)
    except ValueError:
        raise UserError(f"expected a month as YYYY-MM (quoted or not), got {raw!r}",
                        source=source, key=key) from None
    return raw


def _window(raw: Any, *, source: str, key: str) -> tuple[str, str]:
    if not isinstance(raw, list) or len(raw) != 2:
        raise UserError(f"expected [first, last] months, e.g. [2014-01, 2014-12], got {raw!r}",
                        source=source, key=key)
    first, last = (_month(m, source=source, key=key) for m in raw)
    if month_ordinal(last) < month_ordinal(first):
        raise UserError(f"the window ends ({last}) before it starts ({first})", source=source,
                        key=key)
    return first, last


def _number(raw: Any, *, source: str, key: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise UserError(f"expected a finite number, got {raw!r}", source=source, key=key)
    return float(raw)


def _finite(values: np.ndarray | Sequence[float] | pd.Series) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    return v[np.isfinite(v)]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
