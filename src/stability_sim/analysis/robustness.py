"""Robustness of policies across worlds: how each lever setting does in every plausible world.

The input is one row per run with its policy, its world and an outcome (an event counts
as 0/1, so its world mean is a probability). Per policy, over the worlds (each world's
value the mean of its replications):

- the mean and percentiles (the spread of outcomes a policy-maker should expect);
- satisficing: the share of worlds in which the policy meets a stated threshold
  (Simon 1956; Starr 1962's domain criterion);
- regret: in each world, how far the policy falls short of the best policy in that
  world; a policy's maximum regret over the worlds, and the minimax-regret policy
  (Savage 1951), as EMA Workbench's robustness metrics and McPhail et al. (2018) define
  them.

Intervals come from the replications: each (policy, world) cell's runs are resampled with
replacement and every statistic recomputed (a percentile bootstrap), so a difference
between policies smaller than the runs' own noise shows as overlapping intervals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Percentiles reported over the worlds.
PERCENTILES = (10, 50, 90)
#: Bootstrap resamples and the interval's level.
BOOTSTRAP = 1000
LEVEL = 0.9


@dataclass(frozen=True)
class Robustness:
    """The robustness of each policy for one outcome.

    Attributes:
        table: One row per policy: ``mean``, ``p10``/``p50``/``p90`` over worlds,
            ``satisficing`` (NaN without a threshold), ``max_regret``, each with
            ``_lo``/``_hi`` bootstrap bounds, and ``worlds`` and ``runs`` counted.
        regret: Policy × world: the regret of each policy in each world.
        values: Policy × world: the mean outcome of each cell.
        direction: ``min`` (less is better) or ``max``.
        threshold: The satisficing threshold, or None.
        best: The policy with the smallest maximum regret.
        dropped_worlds: Worlds left out because some policy has no finished run there.
    """

    table: pd.DataFrame
    regret: pd.DataFrame
    values: pd.DataFrame
    direction: str
    threshold: float | None
    best: object
    dropped_worlds: tuple = ()


def _cells(frame: pd.DataFrame, policy: str, world: str, value: str
           ) -> tuple[list, list, np.ndarray, np.ndarray, tuple]:
    """The runs as a padded (policy, world, replication) array and the counts per cell."""
    data = frame[[policy, world, value]].dropna(subset=[value])
    policies = sorted(data[policy].unique(), key=_order)
    worlds_all = sorted(frame[world].unique(), key=_order)
    counts = data.groupby([policy, world]).size().unstack(world).reindex(
        index=policies, columns=worlds_all).fillna(0).astype(int)
    dropped = tuple(w for w in worlds_all if (counts[w] == 0).any())
    worlds = [w for w in worlds_all if w not in dropped]
    counts = counts[worlds]
    reps = int(counts.to_numpy().max()) if worlds else 0
    cube = np.full((len(policies), len(worlds), max(reps, 1)), np.nan)
    p_index = {p: i for i, p in enumerate(policies)}
    w_index = {w: j for j, w in enumerate(worlds)}
    data = data[data[world].isin(worlds)]
    filled = np.zeros((len(policies), len(worlds)), dtype=int)
    for p, w, v in zip(data[policy], data[world], data[value].astype(float), strict=True):
        i, j = p_index[p], w_index[w]
        cube[i, j, filled[i, j]] = v
        filled[i, j] += 1
    return policies, worlds, cube, counts.to_numpy(), dropped


def _order(value: object) -> tuple:
    return (0, value, "") if isinstance(value, int | float | np.number) else (1, 0, str(value))


def _stats(means: np.ndarray, *, direction: str, threshold: float | None,
           percentiles: Sequence[int]) -> dict[str, np.ndarray]:
    """Every statistic per policy from cell means (..., policy, world)."""
    out = {"mean": means.mean(axis=-1)}
    for q in percentiles:
        out[f"p{q}"] = np.percentile(means, q, axis=-1)
    if threshold is not None:
        meets = means <= threshold if direction == "min" else means >= threshold
        out["satisficing"] = meets.mean(axis=-1)
    else:
        out["satisficing"] = np.full(means.shape[:-1], np.nan)
    regret = _regret(means, direction)
    out["max_regret"] = regret.max(axis=-1)
    return out


def _regret(means: np.ndarray, direction: str) -> np.ndarray:
    """Regret of each policy in each world (axis -2 policies, -1 worlds)."""
    if direction == "min":
        return means - means.min(axis=-2, keepdims=True)
    return means.max(axis=-2, keepdims=True) - means


def robustness(frame: pd.DataFrame, value: str, *, policy: str = "policy",
               world: str = "world", direction: str = "min",
               threshold: float | None = None,
               percentiles: Sequence[int] = PERCENTILES, bootstrap: int = BOOTSTRAP,
               level: float = LEVEL, seed: int = 0) -> Robustness:
    """The robustness table of ``value`` per policy across worlds.

    Args:
        frame: One row per run with ``policy``, ``world`` and ``value`` columns.
        value: The outcome column (booleans count as 0/1).
        policy: The column naming each run's policy.
        world: The column naming each run's world.
        direction: ``min`` if less of the outcome is better, ``max`` if more is.
        threshold: Satisficing threshold (met at ``<=`` for ``min``, ``>=`` for ``max``).
        percentiles: Percentiles over the worlds.
        bootstrap: Resamples of the replications for the intervals (0: none).
        level: The intervals' level.
        seed: Seed of the bootstrap.

    Raises:
        ValueError: ``direction`` is neither ``min`` nor ``max``, or no world has a
            finished run for every policy.
    """
    if direction not in ("min", "max"):
        raise ValueError(f"direction must be 'min' or 'max', not {direction!r}")
    frame = frame.assign(**{value: frame[value].astype(float)})
    policies, worlds, cube, counts, dropped = _cells(frame, policy, world, value)
    if not worlds:
        raise ValueError("no world has a finished run for every policy")
    means = np.nanmean(cube, axis=-1)
    point = _stats(means, direction=direction, threshold=threshold, percentiles=percentiles)
    table = pd.DataFrame(point, index=pd.Index(policies, name=policy))
    if bootstrap:
        rng = np.random.default_rng(seed)
        lo_q, hi_q = 100 * (1 - level) / 2, 100 * (1 + level) / 2
        draws = {k: [] for k in point}
        # In batches, so 10,000 runs x 1,000 resamples stay within a few hundred MB.
        batch = max(1, int(2e7 // max(cube.size, 1)))
        for start in range(0, bootstrap, batch):
            b = min(batch, bootstrap - start)
            u = rng.random((b, *cube.shape))
            idx = np.floor(u * counts[None, :, :, None]).astype(int)
            sample = np.take_along_axis(np.broadcast_to(cube, (b, *cube.shape)), idx, axis=-1)
            valid = np.arange(cube.shape[-1]) < counts[..., None]
            boot_means = (np.where(valid, sample, 0.0).sum(axis=-1)
                          / counts[None, ...])
            for k, v in _stats(boot_means, direction=direction, threshold=threshold,
                               percentiles=percentiles).items():
                draws[k].append(v)
        for k, parts in draws.items():
            stacked = np.concatenate(parts, axis=0)
            if np.isnan(stacked).all():
                table[f"{k}_lo"] = table[f"{k}_hi"] = np.nan
                continue
            table[f"{k}_lo"] = np.percentile(stacked, lo_q, axis=0)
            table[f"{k}_hi"] = np.percentile(stacked, hi_q, axis=0)
    table["worlds"] = len(worlds)
    table["runs"] = counts.sum(axis=1)
    regret = pd.DataFrame(_regret(means, direction), index=table.index,
                          columns=pd.Index(worlds, name=world))
    values = pd.DataFrame(means, index=table.index, columns=regret.columns)
    best = table["max_regret"].idxmin()
    return Robustness(table=table, regret=regret, values=values, direction=direction,
                      threshold=threshold, best=best, dropped_worlds=dropped)
