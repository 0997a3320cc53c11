"""Every figure renders from a real (small) results folder, failed run included."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from matplotlib.figure import Figure

from stability_sim import analysis as an
from stability_sim.errors import UserError
from stability_sim.geography import RegionalGrid


def rendered(fig: Figure) -> bytes:
    """The figure as PNG bytes, checked to hold drawn content."""
    assert isinstance(fig, Figure) and fig.axes
    assert any(ax.has_data() or ax.images or ax.collections for ax in fig.axes)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=60)
    data = buffer.getvalue()
    assert data.startswith(b"\x89PNG") and len(data) > 5_000
    return data


@pytest.mark.parametrize("kind", an.plots.KINDS)
def test_distributions(small_results: Path, kind: str) -> None:
    rendered(an.distribution(small_results, "attacks_central_asia_total", kind=kind))


def test_event_distribution_draws_probabilities(small_results: Path) -> None:
    fig = an.distribution(small_results, "destabilized_central_asia",
                          by="cooperation.level")
    rendered(fig)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["level=0.25",
                                                                      "level=0.8"]


def test_fan_chart_has_a_calendar_axis(small_results: Path) -> None:
    fig = an.fan_chart(small_results, "stability_index_tjk")
    rendered(fig)
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 4  # one median per design point
    # Dates on the x axis: the history window from early 2010 (step -48, 2009-12) beside
    # the scenario's months (step 24, 2015-12).
    dates = ax.get_lines()[0].get_xdata()
    assert (pd.Timestamp(dates[0]), pd.Timestamp(dates[-1])) == (pd.Timestamp("2009-12-01"),
                                                                 pd.Timestamp("2015-12-01"))


def test_event_heatmap_annotates_each_cell(small_results: Path) -> None:
    fig = an.event_heatmap(small_results, "destabilized_central_asia")
    rendered(fig)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert len(texts) == 4 and all("[" in t and "n=" in t for t in texts)
    # The failed run is left out: one cell has 2 runs, the others 3.
    assert sorted(t.split("n=")[1] for t in texts) == ["2", "3", "3", "3"]


def test_maps_show_the_mean_over_runs(small_results: Path) -> None:
    grid, means = an.cell_means(small_results)
    assert isinstance(grid, RegionalGrid) and grid.resolution == 0.5
    assert list(means.columns) == ["control_mean", "insurgent_share", "fatalities",
                                   "traffic_tons"]
    assert means["insurgent_share"].between(0, 1).all() and means["traffic_tons"].max() > 0
    results = an.load_results(small_results)
    one = results.cells(run_ids=[0]).set_index("cell")
    two = results.cells(run_ids=[1]).set_index("cell")
    _, pair = an.cell_means(results, run_ids=[0, 1])
    both = one.index.intersection(two.index)
    np.testing.assert_allclose(pair.loc[both, "control_mean"],
                               (one.loc[both, "control_mean"] + two.loc[both, "control_mean"])
                               / 2, rtol=1e-6)
    for layer in an.maps.LAYERS:
        rendered(an.outcome_map(results, layer))
    rendered(an.map_panel(results))
    with pytest.raises(UserError, match="unknown map layer"):
        an.outcome_map(results, "rainfall")
    with pytest.raises(UserError, match="no finished runs"):
        an.outcome_map(results, run_ids=[4])  # the failed run


def test_sensitivity_chart_and_panel(small_results: Path) -> None:
    table = an.sensitivity(small_results, ["attacks_central_asia_total"])
    assert "SRC" in table.columns  # a grid gets the regression ranking
    rendered(an.sensitivity_chart(table, "attacks_central_asia_total"))
    panel = an.outcome_panel(small_results, ["destabilized_tjk", "incursions_total"])
    rendered(panel)
    # A grid's points get compact labels, explained in the title.
    assert panel.get_suptitle() == "groups: residual_troops / level"
    assert "8000 / 0.25" in [t.get_text() for t in panel.axes[0].get_yticklabels()]


def test_plots_draw_into_a_given_axes(small_results: Path) -> None:
    fig = Figure()
    axes = fig.subplots(1, 3)
    assert an.distribution(small_results, "incursions_total", ax=axes[0]) is fig
    assert an.fan_chart(small_results, "intl_troops", ax=axes[1]) is fig
    assert an.outcome_map(small_results, ax=axes[2]) is fig
    rendered(fig)


def test_plot_arguments_are_checked(small_results: Path) -> None:
    with pytest.raises(UserError, match="unknown outcome 'attacks'"):
        an.distribution(small_results, "attacks")
    with pytest.raises(UserError, match="unknown plot kind"):
        an.distribution(small_results, "incursions_total", kind="pie")
    with pytest.raises(UserError, match="unknown monthly series"):
        an.fan_chart(small_results, "destabilized_tjk")
