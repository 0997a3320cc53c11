"""The live visual server: a Mesa SolaraViz page on the real map of the region.

``page`` is what ``solara run stability_sim.viz.app`` (and ``stability-sim serve``) shows:
the map with a chosen dynamic layer and the agents, charts of the monthly outcomes, and a
panel with the date and key numbers; the model's knobs are widgets in the sidebar, built
from the parameter registry (bounds, defaults and labels are never declared here).

The scenario the page starts from is the file named by ``STABILITY_SIM_SERVE_CONFIG``
(``stability-sim serve CONFIG`` sets it), else the registry defaults.
"""

from __future__ import annotations

import itertools
import os
from typing import Any

import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from stability_sim import params
from stability_sim.config import Scenario, default_scenario, load_scenario
from stability_sim.geography import STUDY_STATES
from stability_sim.model import StabilityModel
from stability_sim.outcomes import CENTRAL_ASIA
from stability_sim.timeline import add_months
from stability_sim.viz.render import LAYERS, MapRenderer, legend

#: The knobs shown as widgets, by registry name (their bounds and defaults come from it).
KNOBS = (
    "drawdown.preset",
    "drawdown.residual_troops",
    "cooperation.level",
    "cooperation.intel_sharing",
    "cooperation.csto_political_will",
    "cooperation.nato_link",
    "csto.force_ratio",
    "seed",
    "grid.resolution",
)
#: Choice shown for a derived parameter: let the registry derive it (e.g. from the level).
AUTO = "auto"
#: Steps of float sliders: fine enough for every share in the registry.
FLOAT_STEP = 0.05
CONFIG_ENV = "STABILITY_SIM_SERVE_CONFIG"


def start_scenario() -> Scenario:
    """The scenario the page starts from (the served config file, or the defaults)."""
    path = os.environ.get(CONFIG_ENV)
    return load_scenario(path) if path else default_scenario()


def widget(name: str, value: Any) -> dict[str, Any]:
    """The SolaraViz input for a registry parameter, starting at ``value``."""
    p = params.get(name)
    label = f"{name} [{p.unit}]" if p.unit not in ("", "1") else name
    if p.derive is not None:
        steps = [round(i * 0.1, 1) for i in range(11)]
        return {"type": "Select", "label": f"{label} ({AUTO}: {p.derive_doc or 'derived'})",
                "value": AUTO if value is None else value, "values": [AUTO, *steps]}
    if p.kind is params.Kind.CHOICE:
        return {"type": "Select", "label": label, "value": value, "values": list(p.choices)}
    if p.kind is params.Kind.INT:
        if name == "seed":
            return {"type": "InputText", "label": label, "value": str(value)}
        return {"type": "SliderInt", "label": label, "value": int(value), "min": int(p.low),
                "max": int(p.high), "step": _int_step(int(p.high) - int(p.low))}
    return {"type": "SliderFloat", "label": label, "value": float(value),
            "min": float(p.low), "max": float(p.high), "step": FLOAT_STEP}


def _int_step(span: int) -> int:
    """The smallest round slider step (1, 2 or 5 × a power of ten) with ≤ 60 positions."""
    return next(step for k in itertools.count() for step in (10**k, 2 * 10**k, 5 * 10**k)
                if span / step <= 60)


def model_params(scenario: Scenario | None = None) -> dict[str, Any]:
    """SolaraViz ``model_params``: a widget per knob, keyed as the model's keywords."""
    scenario = scenario or start_scenario()
    explicit = scenario.explicit
    values = scenario.values
    out: dict[str, Any] = {}
    for name in KNOBS:
        derived = params.get(name).derive is not None and name not in explicit
        out[name.replace(".", "__")] = widget(name, None if derived else values[name])
    return out


class LiveModel(StabilityModel):
    """The model as the page builds it: widget values become parameter overrides.

    A derived knob left at ``auto`` is not set, so the registry derives it; the seed comes
    from a text box.
    """

    def __init__(self, **kwargs: Any) -> None:
        # Named ``kwargs``: Mesa's parameter check exempts only that name. Mesa 3.5's
        # SolaraViz adds ``scenario=`` (an empty Mesa Scenario) when it rebuilds the model;
        # the knobs carry every parameter, so it is dropped.
        kwargs.pop("scenario", None)
        overrides = {k: v for k, v in kwargs.items() if v != AUTO}
        if "seed" in overrides:
            overrides["seed"] = int(str(overrides["seed"]).strip() or 0)
        super().__init__(start_scenario(), **overrides)


def current_date(model: StabilityModel) -> str:
    """The month the model is in (the last month stepped; the month before the start at 0)."""
    return add_months(model.start, model.steps - 1)


layer_choice = solara.reactive("control")


@solara.component
def MapView(model: StabilityModel) -> None:
    """The map with the chosen layer and the agents, and its legend."""
    update_counter.get()  # redrawn after every step (Mesa bumps the counter)
    renderer = solara.use_memo(lambda: MapRenderer(model), [model])
    with solara.Card(f"Central Asia, {current_date(model)}"):
        solara.ToggleButtonsSingle(value=layer_choice, values=list(LAYERS))
        solara.Image(renderer.png(layer_choice.value), format="png", width="100%")


def _series(model: StabilityModel, name: str) -> list[float]:
    return model.datacollector.model_vars[name]


def charts_figure(model: StabilityModel) -> Figure:
    """Stability per state, attacks, troops and forces, trafficking north, so far."""
    steps = range(len(_series(model, "intl_troops")))
    fig = Figure(figsize=(7, 4.6), layout="constrained")
    axes = fig.subplots(2, 2)
    for iso3 in STUDY_STATES:
        axes[0, 0].plot(steps, _series(model, f"stability_index_{iso3.lower()}"), label=iso3)
        axes[0, 1].plot(steps, _series(model, f"attacks_{iso3.lower()}"), label=iso3)
    axes[0, 0].set_title("stability index", fontsize="medium")
    axes[0, 1].set_title("attacks per month", fontsize="medium")
    axes[0, 0].legend(fontsize="x-small", ncol=3)
    axes[1, 0].plot(steps, _series(model, "intl_troops"), label="international troops")
    axes[1, 0].plot(steps, _series(model, "afg_forces"), label="Afghan forces")
    axes[1, 0].plot(steps, _series(model, "csto_deployed_troops"), label="CSTO deployed")
    axes[1, 0].set_title("forces", fontsize="medium")
    axes[1, 0].legend(fontsize="x-small")
    axes[1, 1].plot(steps, _series(model, "trafficking_north_tons"), color="purple")
    axes[1, 1].set_title("opiates north, tons per month", fontsize="medium")
    for ax in axes.flat:
        ax.set_xlabel(f"month since {add_months(model.start, -1)}", fontsize="small")
    return fig


@solara.component
def Charts(model: StabilityModel) -> None:
    """The charts of the monthly outcomes (:func:`charts_figure`)."""
    update_counter.get()  # redrawn after every step (Mesa bumps the counter)
    solara.FigureMatplotlib(charts_figure(model), format="png", dpi=80)


@solara.component
def Status(model: StabilityModel) -> None:
    """The current date and the key numbers."""
    update_counter.get()  # redrawn after every step (Mesa bumps the counter)
    c = model.current
    ca = sum(c[f"attacks_{s.lower()}"] for s in CENTRAL_ASIA)
    rows = [("date", current_date(model)), ("months stepped", str(model.steps)),
            ("cooperation level", f"{model.p['cooperation.level']:.2f}"),
            ("international troops", f"{c['intl_troops']:,.0f}"),
            ("Afghan forces", f"{c['afg_forces']:,.0f}"),
            ("Afghan territory insurgent-held", f"{c['afg_insurgent_control_share']:.1%}"),
            ("attacks in Central Asia this month", f"{ca:.0f}"),
            ("jihadist fighters", f"{c['jihadist_fighters_total']:,.0f}"),
            ("CSTO troops deployed", f"{c['csto_deployed_troops']:,.0f}"),
            ("opiates north this month", f"{c['trafficking_north_tons']:,.1f} t")]
    with solara.Card("Now"):
        solara.Markdown("\n".join(f"- **{k}**: {v}" for k, v in rows))
        # The map's legend lives here: the map's grid cell has no room below the image.
        items = "<br>".join(
            f'<span style="display:inline-block;width:10px;height:10px;background:{e.colour};'
            f'border:1px solid #666;margin-right:6px"></span>{e.label}'
            for e in legend(model, layer_choice.value))
        solara.HTML(tag="div", unsafe_innerHTML=items, style={"font-size": "12px"})


def make_page() -> Any:
    """The SolaraViz page for the served scenario (one model per browser session)."""
    knobs = solara.use_memo(model_params, [])
    first = solara.use_memo(lambda: LiveModel(**{k: v["value"] for k, v in knobs.items()}),
                            [])
    return SolaraViz(first, components=[(MapView, 0), (Status, 0), (Charts, 0)],
                     model_params=knobs, play_interval=500,
                     name="stability_sim: Central Asia after the drawdown")


@solara.component
def Page() -> Any:
    """Solara's entry point (``solara run stability_sim.viz.app``)."""
    return make_page()


page = Page
