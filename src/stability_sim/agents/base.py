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

    #: Flat index of the agent's cell into the model's layers (-1 before placement). A
    #: plain attribute, not a property: the rules read it hundreds of thousands of times
    #: a run, and only the ``cell`` setter writes it.
    cell_index: int = -1

    @property
    def cell(self) -> Cell | None:
        """The Mesa cell the agent stands on."""
        return self._mesa_cell

    @cell.setter
    def cell(self, cell: Cell | None) -> None:
        HasCell.cell.fset(self, cell)
        if cell is not None:
            x, y = cell.coordinate
            self.cell_index = x * self.model.ny + y
