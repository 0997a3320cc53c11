"""What the placed agent families share: the flat index of the cell they stand on."""

from __future__ import annotations

from mesa.discrete_space import Cell, CellAgent
from mesa.discrete_space.cell_agent import HasCell


class PlacedAgent(CellAgent):
    """A Mesa ``CellAgent`` that knows the flat index of its cell.

    Layers are flat numpy arrays indexed ``ix * ny + iy``; the model exposes ``ny``. The
    index is kept up to date when the cell changes, since the vectorised rules ask for
    it far more often than agents move.
    """

    _cell_index: int = -1

    @property
    def cell(self) -> Cell | None:
        """The Mesa cell the agent stands on."""
        return self._mesa_cell

    @cell.setter
    def cell(self, cell: Cell | None) -> None:
        HasCell.cell.fset(self, cell)
        if cell is not None:
            x, y = cell.coordinate
            self._cell_index = x * self.model.ny + y

    @property
    def cell_index(self) -> int:
        """Flat index of the agent's cell into the model's layers."""
        return self._cell_index
