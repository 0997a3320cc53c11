"""Figures of forecast scores: the PIT histogram and the CRPS per observation.

They are drawn from the rows of a score table (a ``ScoreTable.rows`` frame, or the
``rows`` of ``scores.json`` read back), so the ``score`` command and the report draw the
same figures without scoring again. Object API only (no pyplot state), as in
:mod:`stability_sim.analysis.plots`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from stability_sim.experiments.folder import refuse_links
from stability_sim.runio import atomic_write_bytes

#: The figures, in the order they are written.
FIGURES = ("pit.png", "crps.png")
#: PIT histogram bins: few, since there are usually few observations.
PIT_BINS = 5
DPI = 110


def _frame(rows: pd.DataFrame | Sequence[dict[str, Any]]) -> pd.DataFrame:
    return rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))


def pit_histogram(rows: pd.DataFrame | Sequence[dict[str, Any]]) -> Figure:
    """Histogram of the PIT values of the numeric observations, uniform line drawn.

    A calibrated forecast gives a flat histogram; a U shape says the ensemble is too
    narrow (observations fall in its tails), a hump that it is too wide, a slope that it
    is biased.
    """
    frame = _frame(rows)
    fig = Figure(figsize=(6.0, 4.0), layout="constrained")
    ax = fig.add_subplot()
    values = pd.to_numeric(frame.get("pit", pd.Series(dtype=float)), errors="coerce")
    values = values[np.isfinite(values)].to_numpy()
    if values.size:
        ax.hist(values, bins=PIT_BINS, range=(0, 1), density=True, color="#4C72B0",
                edgecolor="white")
    else:
        ax.text(0.5, 0.5, "no numeric observation scored", ha="center", va="center",
                transform=ax.transAxes)
    ax.axhline(1.0, color="black", linestyle="--", linewidth=1, label="calibrated (uniform)")
    ax.set_xlim(0, 1)
    ax.set_xlabel("PIT of the observation in the ensemble")
    ax.set_ylabel("density")
    ax.set_title(f"PIT histogram ({values.size} observations)")
    ax.legend(loc="upper right", fontsize="small")
    return fig


def crps_chart(rows: pd.DataFrame | Sequence[dict[str, Any]]) -> Figure:
    """The score of each observation (CRPS for numbers, Brier for events), as bars.

    With one forecast per design point, each point is a marker on its observation's row.
    Scores of different observations are in different units: compare points along a
    row, not rows with each other.
    """
    frame = _frame(rows)
    names = list(dict.fromkeys(frame["observation"])) if len(frame) else []
    fig = Figure(figsize=(7.0, 1.2 + 0.45 * max(1, len(names))), layout="constrained")
    ax = fig.add_subplot()
    if not names:
        ax.text(0.5, 0.5, "no observation scored", ha="center", va="center",
                transform=ax.transAxes)
        return fig
    y = {name: i for i, name in enumerate(names)}
    labels = [f"{n} ({frame.loc[frame['observation'] == n, 'score_name'].iloc[0]})"
              for n in names]
    points = list(dict.fromkeys(frame["point"]))
    scores = pd.to_numeric(frame["score"], errors="coerce")
    if len(points) == 1:
        ax.barh([y[n] for n in frame["observation"]], scores.fillna(0), color="#4C72B0")
    else:
        ax.scatter(scores, [y[n] for n in frame["observation"]], s=18, alpha=0.7,
                   color="#4C72B0", label="one design point each")
        ax.legend(loc="lower right", fontsize="small")
    if "reference_score" in frame:
        ref = frame.drop_duplicates("observation")
        ax.scatter(pd.to_numeric(ref["reference_score"], errors="coerce"),
                   [y[n] for n in ref["observation"]], marker="|", s=200, color="black",
                   label="reference")
        ax.legend(loc="lower right", fontsize="small")
    ax.set_yticks(range(len(names)), labels)
    ax.invert_yaxis()
    ax.set_xlabel("score (lower is better)")
    ax.set_title("Score per observation")
    return fig


def write_score_figures(rows: pd.DataFrame | Sequence[dict[str, Any]], folder: str | Path
                        ) -> list[Path]:
    """Draw :data:`FIGURES` into ``folder`` (which must exist); returns their paths."""
    folder = Path(folder)
    refuse_links(folder, FIGURES, listed=())
    paths = []
    for name, draw in zip(FIGURES, (pit_histogram, crps_chart), strict=True):
        image = io.BytesIO()
        draw(rows).savefig(image, format="png", dpi=DPI)
        path = folder / name
        atomic_write_bytes(path, image.getvalue())
        paths.append(path)
    return paths
