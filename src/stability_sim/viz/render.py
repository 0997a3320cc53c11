"""The live map as one PNG: a dynamic layer over the real geography, agents as markers.

Drawing one raster image per frame (numpy, then a PNG) costs a few milliseconds at 0.25°,
where one matplotlib patch per cell would cost seconds; that is what lets the page keep
up with a 500 ms play interval. The static part (water, relief, borders) is computed once
per model.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from matplotlib import colormaps
from matplotlib.image import imsave

from stability_sim.agents.jihadists import JihadistCell
from stability_sim.agents.security import ForceKind, SecurityForce
from stability_sim.agents.trafficking import TraffickingCell
from stability_sim.geography import STUDY_STATES, RegionalGrid
from stability_sim.model import StabilityModel

#: Dynamic layers: label, colour map, and how values map to [0, 1].
LAYERS = {
    "control": ("government control (red: insurgent, green: government)", "RdYlGn", "unit"),
    "violence": ("deaths this month", "magma_r", "log"),
    "traffic": ("opiate flow this month, tons", "Purples", "log"),
    "grievance": ("grievance", "Oranges", "unit"),
}

#: Marker colours (RGB 0-255) of the agent families.
STATE_COLOURS = {"AFG": (34, 110, 34), "TJK": (0, 90, 180), "KGZ": (200, 60, 0),
                 "UZB": (0, 150, 160), "TKM": (120, 80, 30), "KAZ": (90, 90, 200)}
INTERNATIONAL = (20, 40, 140)
CSTO = (220, 0, 160)
HUB = (0, 0, 0)
NETWORK_COLOURS = [(230, 25, 75), (245, 130, 48), (145, 30, 180), (70, 240, 240),
                   (240, 50, 230), (128, 0, 0), (0, 0, 128), (170, 110, 40)]
WATER = np.array([170, 205, 235], dtype=float)
OUTSIDE = np.array([236, 236, 236], dtype=float)
BORDER = np.array([60, 60, 60], dtype=float)
#: Target map width in pixels; each cell is drawn as a square of whole pixels.
WIDTH_PX = 720


@dataclass
class Legend:
    """One legend entry: a colour (hex) and what it marks."""

    colour: str
    label: str


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


class MapRenderer:
    """Renders one model's map; build a new one when the model is replaced (Reset).

    Args:
        model: The model to draw.
    """

    def __init__(self, model: StabilityModel) -> None:
        self.model = model
        grid = RegionalGrid.load(model.p["grid.resolution"])
        self.nx, self.ny = model.nx, model.ny
        self.scale = max(2, WIDTH_PX // self.nx)
        # Relief: lighter in the lowlands, darker in the mountains (ETOPO5 mean elevation).
        elev = np.clip(grid.elev_mean.astype(float), 0, 5000) / 5000.0
        shade = (235 - 90 * elev)[..., None] * np.ones(3)
        base = np.where(grid.water[..., None], WATER, shade)
        base = np.where((grid.country == 0)[..., None] & ~grid.water[..., None], OUTSIDE, base)
        self.base = base  # (nx, ny, 3)
        self.study = model.land.state.reshape(self.nx, self.ny) >= 0
        country = np.repeat(np.repeat(grid.country, self.scale, 0), self.scale, 1)
        edge = np.zeros(country.shape, dtype=bool)
        edge[1:, :] |= country[1:, :] != country[:-1, :]
        edge[:, 1:] |= country[:, 1:] != country[:, :-1]
        self.edges = edge
        self.network_colour = network_colours(model)

    def layer_values(self, layer: str) -> np.ndarray:
        """The layer's current values, shape ``(nx, ny)``."""
        f = self.model.fields
        return {"control": f.control, "violence": f.violence, "traffic": f.traffic,
                "grievance": f.grievance}[layer].reshape(self.nx, self.ny)

    def rgb(self, layer: str = "control", *, agents: bool = True) -> np.ndarray:
        """The frame as an ``(height_px, width_px, 3)`` uint8 array, north up."""
        _, cmap_name, scale = LAYERS[layer]
        values = self.layer_values(layer)
        if scale == "log":
            top = max(1.0, float(values.max()))
            norm = np.log1p(np.maximum(values, 0.0)) / np.log1p(top)
            shown = self.study | (values > 0)
            alpha = np.where(values > 0, 0.85, 0.0)
        else:
            norm = np.clip(values, 0.0, 1.0)
            shown = self.study
            alpha = np.full(values.shape, 0.7)
        colours = colormaps[cmap_name](norm)[..., :3] * 255.0
        a = np.where(shown, alpha, 0.0)[..., None]
        cells = (1.0 - a) * self.base + a * colours
        if agents:
            self._markers(cells)
        image = np.repeat(np.repeat(cells, self.scale, 0), self.scale, 1)
        image[self.edges] = BORDER
        return np.ascontiguousarray(image.transpose(1, 0, 2)[::-1]).astype(np.uint8)

    def _markers(self, cells: np.ndarray) -> None:
        """Colour the cells that hold agents (later families draw over earlier ones)."""
        by_type = self.model.agents_by_type

        def paint(agents: object, colour_of) -> None:
            for agent in agents:
                index = agent.cell_index
                if index >= 0:
                    cells[index // self.ny, index % self.ny] = colour_of(agent)

        paint(by_type.get(TraffickingCell, []), lambda a: HUB)
        paint(by_type.get(SecurityForce, []), _force_colour)
        paint(by_type.get(JihadistCell, []), lambda a: self.network_colour[a.network.spec.key])

    def png(self, layer: str = "control", *, agents: bool = True) -> bytes:
        """The frame as PNG bytes."""
        buffer = io.BytesIO()
        imsave(buffer, self.rgb(layer, agents=agents), format="png")
        return buffer.getvalue()

    def legend(self, layer: str) -> list[Legend]:
        """The legend of a frame (see :func:`legend`)."""
        return legend(self.model, layer)


def network_colours(model: StabilityModel) -> dict[str, tuple[int, int, int]]:
    """Marker colour of each jihadist network, in the model's order of networks."""
    return {n.spec.key: NETWORK_COLOURS[i % len(NETWORK_COLOURS)]
            for i, n in enumerate(model.networks)}


def legend(model: StabilityModel, layer: str) -> list[Legend]:
    """The legend of a frame: the layer, then the agent families."""
    colours = network_colours(model)
    entries = [Legend("#ffffff", f"layer: {LAYERS[layer][0]}")]
    entries += [Legend(_hex(STATE_COLOURS[s]), f"security forces of {s}")
                for s in STUDY_STATES]
    entries += [Legend(_hex(INTERNATIONAL), "international (ISAF/RSM) units"),
                Legend(_hex(CSTO), "deployed CSTO contingents"),
                Legend(_hex(HUB), "trafficking hubs")]
    entries += [Legend(_hex(colours[n.spec.key]), f"jihadist cells: {n.spec.label}")
                for n in model.networks]
    return entries


def _force_colour(force: SecurityForce) -> tuple[int, int, int]:
    if force.kind is ForceKind.CSTO:
        return CSTO
    if force.kind is ForceKind.INTERNATIONAL:
        return INTERNATIONAL
    return STATE_COLOURS.get(force.owner, (80, 80, 80))
