"""Comparing sweep results folders: shared by the sweep tests and the reliability tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from stability_sim.experiments import load_results


def frames(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Runs (without wall time, which is not reproducible), time series, cell summaries."""
    results = load_results(folder)
    return results.runs.drop(columns="elapsed_s"), results.timeseries, results.cells()


def assert_same(expected: Path, got: Path) -> None:
    """Same rows and values in runs, time series and cells; no run lost or doubled."""
    runs = pd.read_parquet(got / "runs.parquet")
    assert runs["run_id"].is_unique
    assert list(runs["run_id"]) == sorted(runs["run_id"])
    for want, have in zip(frames(expected), frames(got), strict=True):
        pd.testing.assert_frame_equal(want, have)
