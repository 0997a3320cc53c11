"""``discover`` and ``robustness`` on a real small exploratory sweep, through the CLI.

The sweep is the model itself (2 policies × 4 worlds × 2 replications, 24 months at
0.5°): every file each command promises must be written, the report must show both, and
every mistake a researcher can make on the command line is one line and exit code 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from stability_sim.analysis.exploratory import robust
from stability_sim.cli.main import app
from stability_sim.config import SCENARIO_DIR
from stability_sim.errors import UserError
from stability_sim.experiments import run_sweep
from stability_sim.experiments.results import load_results
from tests.analysis.conftest import synthetic

SWEEP = f"""\
name: explore
description: 2 policies x 4 worlds x 2 replications
scenario: {SCENARIO_DIR / 'baseline.yaml'}
months: 24
seed: 11
replications: 2
set: {{grid.resolution: 0.5}}
design:
  kind: exploratory
  policies:
    drawdown.residual_troops: [0, 12000]
  worlds:
    kind: lhs
    samples: 4
    parameters:
      afg_funding.presence_dependence: [0.0, 1.0]
      regimes.upheaval_rate: [0.003, 0.012]
"""

DISCOVERY_FILES = {"tradeoff.csv", "stability.csv", "box.csv", "features.csv", "discovery.md",
                   "discovery.json", "features.png", "box.png", "tradeoff.png", "pairs.png"}
ROBUSTNESS_FILES = {"robustness.csv", "regret.csv", "values.csv", "robustness.md",
                    "robustness.json", "robustness.png"}


@pytest.fixture(scope="module")
def explored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("explore")
    (folder / "explore.yaml").write_text(SWEEP)
    outcome = run_sweep(folder / "explore.yaml", out=folder / "out", executor="serial")
    assert outcome.ok == 16
    return folder / "out"


def cli(*args: str) -> object:
    return CliRunner().invoke(app, [str(a) for a in args])


def test_the_run_table_says_which_policy_and_world(explored: Path) -> None:
    runs = load_results(explored).runs
    assert sorted(runs["policy_id"].unique()) == [0, 1]
    assert sorted(runs["world_id"].unique()) == [0, 1, 2, 3]
    per_world = runs.groupby("world_id")["afg_funding.presence_dependence"].nunique()
    assert (per_world == 1).all()
    per_policy = runs.groupby("policy_id")["drawdown.residual_troops"].nunique()
    assert (per_policy == 1).all()


def test_discover_and_robustness_write_every_file_and_the_report_shows_them(
        explored: Path) -> None:
    event = "afg_insurgent_control_final>=0.3"
    result = cli("discover", explored, "--event", event)
    assert result.exit_code == 0, result.output
    folder = explored / "discovery" / "afg_insurgent_control_final_ge_0.3"
    assert {p.name for p in folder.iterdir()} == DISCOVERY_FILES
    record = json.loads((folder / "discovery.json").read_text())
    assert record["runs"] == 16 and 0 < record["hits"] < 16
    assert record["levers"] == ["drawdown.residual_troops"]
    assert set(record["features"]) == {"drawdown.residual_troops",
                                       "afg_funding.presence_dependence",
                                       "regimes.upheaval_rate"}
    assert "coverage" in result.output and "feature scores" in result.output

    cart = cli("discover", explored, "--event", event, "--method", "cart", "--out",
               explored / "cart")
    assert cart.exit_code == 0, cart.output
    assert {"leaves.csv", "box.csv", "discovery.json"} <= {p.name for p in
                                                           (explored / "cart").iterdir()}
    # CART into PRIM's folder: PRIM's own files go, so the two are never mixed.
    again = cli("discover", explored, "--event", event, "--method", "cart", "--out", folder)
    assert again.exit_code == 0, again.output
    names = {p.name for p in folder.iterdir()}
    assert "leaves.csv" in names and not names & {"tradeoff.csv", "stability.csv",
                                                  "tradeoff.png"}
    assert json.loads((folder / "discovery.json").read_text())["method"] == "cart"
    cli("discover", explored, "--event", event)  # PRIM again, for the report below

    result = cli("robustness", explored, "--outcome", "attacks_central_asia_total",
                 "--threshold", "20", "--bootstrap", "200")
    assert result.exit_code == 0, result.output
    folder = explored / "robustness" / "attacks_central_asia_total"
    assert {p.name for p in folder.iterdir()} == ROBUSTNESS_FILES
    table = pd.read_csv(folder / "robustness.csv", index_col=0)
    assert list(table.index) == ["residual_troops=0", "residual_troops=12000"]
    assert (table["worlds"] == 4).all() and (table["runs"] == 8).all()
    assert "minimax regret" in result.output

    # Without a threshold there is no satisficing: the report shows a dash, not a crash.
    plain = cli("robustness", explored, "--outcome", "destabilized_central_asia",
                "--bootstrap", "50")
    assert plain.exit_code == 0, plain.output

    report = cli("report", explored)
    assert report.exit_code == 0, report.output
    text = (explored / "report" / "report.md").read_text()
    assert "## Scenario discovery" in text and "## Robustness of policies" in text
    assert "attacks_central_asia_total (less is better)" in text
    assert "P(destabilized_central_asia) (less is better)" in text
    figures = {p.name for p in (explored / "report" / "figures").iterdir()}
    assert "robustness_attacks_central_asia_total_robustness.png" in figures
    assert "discovery_afg_insurgent_control_final_ge_0.3_tradeoff.png" in figures


@pytest.mark.parametrize(("args", "fragment"), [
    (["discover", "{r}", "--event", "no_such_outcome"], "unknown outcome"),
    (["discover", "{r}", "--event", "attacks_central_asia_total>1e9"], "never happens"),
    (["discover", "{r}", "--event", "attacks_central_asia_total>=0"], "every run"),
    (["discover", "{r}", "--event", "destabilized_tjk", "--box", "999"], "not on the"),
    (["robustness", "{r}", "--outcome", "no_such_outcome"], "unknown outcome"),
    (["robustness", "{r}", "--outcome", "destabilized_tjk>1"], "true or false"),
])
def test_mistakes_are_one_line_and_exit_2(explored: Path, args: list[str],
                                          fragment: str) -> None:
    result = CliRunner().invoke(app, [a.format(r=explored) for a in args])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], lines
    assert "Traceback" not in result.output


def test_a_folder_without_levers_is_refused(small_results: Path) -> None:
    # A folder sweeping only uncertainties has no policy to compare.
    results = synthetic({"kind": "lhs", "parameters": ["regimes.upheaval_rate"]},
                        {"regimes.upheaval_rate": [0.004, 0.008],
                         "attacks_central_asia_total": [1.0, 2.0]})
    with pytest.raises(UserError, match="varies no lever"):
        robust(results, "attacks_central_asia_total")
    # The analysis tests' small grid of levers is accepted: one world, its replications.
    result = cli("robustness", small_results, "--outcome", "attacks_central_asia_total",
                 "--bootstrap", "50", "--out", small_results.parent / "rob")
    assert result.exit_code == 0, result.output
