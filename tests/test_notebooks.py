"""The notebooks in experiments/: stored without outputs, and they run top to bottom.

Each is executed in a real Jupyter kernel (nbclient), against a tiny sweep it creates in a
temporary results folder (``STABILITY_SIM_RESULTS``), so CI proves them on every run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "experiments").glob("*.ipynb"))


def test_the_notebooks_exist() -> None:
    assert {p.name for p in NOTEBOOKS} >= {"calibration.ipynb", "outcome_distributions.ipynb",
                                        "scenario_discovery.ipynb", "sensitivity.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("STABILITY_SIM_RESULTS", str(tmp_path))
    notebook = nbformat.read(path, as_version=4)  # the kernel inherits the environment
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError, with the cell and traceback, on failure
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert len(images) >= 2, "the notebook's figures were not displayed"
    assert any((tmp_path).iterdir())  # its tiny sweep went to the temporary folder
