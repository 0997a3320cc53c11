"""What the placed agent families share: the flat index of the cell they stand on."""

from __future__ import annotations

from mesa.discrete_space import CellAgent


class PlacedAgent(CellAgent):
    """A Mesa ``CellAgent`` that knows the flat index of its cell.

    Layers are flat numpy arrays indexed ``ix * ny + iy``; the model exposes ``ny``.
    """

    @property
    def cell_index(self) -> int:
        """Flat index of the agent's cell into the model's layers."""
        x, y = self.cell.coordinate
        return x * self.model.ny + y
