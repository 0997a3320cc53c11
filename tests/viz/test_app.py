"""The visual server's parts built in-process: widgets from the registry, the map, the page."""

from __future__ import annotations

import io

import numpy as np
import pytest

pytest.importorskip("solara")

from matplotlib.image import imread

from stability_sim import params
from stability_sim.viz import app
from stability_sim.viz.render import LAYERS, MapRenderer


def test_widgets_come_from_the_registry() -> None:
    knobs = app.model_params(app.default_scenario())
    assert set(knobs) == {name.replace(".", "__") for name in app.KNOBS}
    for name in app.KNOBS:
        w, p = knobs[name.replace(".", "__")], params.get(name)
        if w["type"].startswith("Slider"):
            assert (w["min"], w["max"]) == (p.low, p.high)
            assert w["value"] == p.default
        elif p.derive is not None:
            assert w["value"] == app.AUTO and app.AUTO in w["values"]
        elif p.kind is params.Kind.CHOICE:
            assert w["values"] == list(p.choices) and w["value"] == p.default


def test_live_model_takes_widget_values() -> None:
    model = app.LiveModel(cooperation__level=0.8, cooperation__intel_sharing=app.AUTO,
                          cooperation__nato_link=0.3, seed="7", grid__resolution=0.5)
    assert model.p["cooperation.intel_sharing"] == 0.8  # derived from the level
    assert model.p["cooperation.nato_link"] == 0.3
    assert model.p["seed"] == 7 and model.p["grid.resolution"] == 0.5
    assert app.current_date(model) == "2013-12"
    model.step()
    assert app.current_date(model) == "2014-01"


def test_served_config_is_the_start(tmp_path, monkeypatch) -> None:
    config = tmp_path / "fast.yaml"
    config.write_text("name: fast\ngrid: {resolution: 0.5}\ncooperation: {level: 0.6}\n")
    monkeypatch.setenv(app.CONFIG_ENV, str(config))
    knobs = app.model_params()
    assert knobs["cooperation__level"]["value"] == 0.6
    assert knobs["grid__resolution"]["value"] == 0.5


@pytest.mark.parametrize("layer", list(LAYERS))
def test_map_renders_every_layer_with_agents(layer: str) -> None:
    model = app.LiveModel(grid__resolution=0.5, seed="3")
    renderer = MapRenderer(model)
    for _ in range(3):
        model.step()
    image = imread(io.BytesIO(renderer.png(layer)))
    assert image.shape[:2] == (model.ny * renderer.scale, model.nx * renderer.scale)
    bare = renderer.rgb(layer, agents=False)
    assert not np.array_equal(bare, renderer.rgb(layer))  # markers drawn
    assert len(np.unique(bare.reshape(-1, 3), axis=0)) > 20  # relief, water, layer, borders
    labels = [e.label for e in renderer.legend(layer)]
    assert any("CSTO" in x for x in labels) and any("Taliban" in x for x in labels)


def test_control_layer_follows_the_model() -> None:
    model = app.LiveModel(grid__resolution=0.5, seed="3")
    renderer = MapRenderer(model)
    before = renderer.rgb("control", agents=False)
    model.fields.control[model.state("AFG").cells] = 0.0  # all insurgent-held
    after = renderer.rgb("control", agents=False)
    assert not np.array_equal(before, after)
    def reds(image: np.ndarray) -> int:
        return int(((image[..., 0] > 150) & (image[..., 1] < 100)).sum())

    assert reds(after) > reds(before) + 1000  # Afghanistan turned red


def test_page_builds_in_process() -> None:
    """The whole page in an AppLayout (as the server shows it): sidebar knobs, Step, layers."""
    import ipyvuetify as v
    import solara

    @solara.component
    def Shown() -> None:  # noqa: N802 (a Solara component)
        with solara.AppLayout():
            app.Page()

    def text(rc) -> str:
        return " ".join(str(getattr(w, "children", "")) for w in rc.find(v.Html).widgets)

    _, rc = solara.render(Shown(), handle_error=False)
    try:
        labels = [s.label for s in rc.find(v.Slider).widgets]
        assert "cooperation.level" in labels and "drawdown.residual_troops [troops]" in labels
        assert "Central Asia, 2013-12" in text(rc)
        rc.find(v.Btn, children=["Step"]).widget.click()
        rc.find(v.Btn, children=["Step"]).widget.click()
        assert "Central Asia, 2014-02" in text(rc)
        rc.find(v.Btn, children=["Reset"]).widget.click()
        assert "Central Asia, 2013-12" in text(rc)
        rc.find(v.BtnToggle).widget.v_model = 1  # what clicking "violence" sends
        assert app.layer_choice.value == "violence"
    finally:
        app.layer_choice.set("control")
        rc.close()
