"""Workarounds for Mesa 3.5, in one place, used explicitly by the model.

Each works around a cost or a leak found by measurement (Mesa 3.3.1, re-measured on
3.5.1); each says when it can go. Nothing here acts at import or changes Mesa for the
whole process. (The per-model agent counters that replaced ``mesa.Agent._ids`` went with
Mesa 3.4.2, which fixed that leak: 50 models built and dropped leave none alive.)

- :class:`MooreGrid` (cells that link themselves on demand). Remove when Mesa's grid
  construction no longer links every cell eagerly at about 0.34 s a 0.25° model.
- :func:`forget_cell_class` (unregister a grid's cell class from copyreg). Remove when
  Mesa no longer registers each grid's cell class in ``copyreg.dispatch_table``.
- :class:`CellAgents` (a cell's agents with O(1) removal). Remove when Mesa's ``Cell``
  no longer keeps its agents in a list that ``remove`` scans.
- :func:`collector_paused` (no cyclic GC while a model is built). Remove when building a
  model no longer allocates ~100,000 long-lived objects (a grid without per-cell objects).
"""

from __future__ import annotations

import copyreg
import functools
import gc
import weakref
from collections.abc import Callable
from typing import Any

from mesa.discrete_space import Cell, OrthogonalMooreGrid

from stability_sim.landscape import MOORE


class CellAgents:
    """A cell's agents in the order they came, with removal in O(1).

    Mesa keeps them in a list, whose ``remove`` scans it: with thousands of bands in one
    cell (a run at the edge of the registry's bounds, where the Taliban recruit around
    Kabul faster than the war chest sends them home) moves and dissolutions became
    quadratic, 20 s for one 12-month run. A dict keeps the same order (an agent stands in
    a cell once), so runs are bit-identical. Provides what Mesa's ``Cell`` uses of a
    list: ``append``, ``remove``, ``copy``, ``len`` and iteration.
    """

    __slots__ = ("_d",)

    def __init__(self) -> None:
        self._d: dict[Any, None] = {}

    def append(self, agent: Any) -> None:
        """Add an agent at the end."""
        self._d[agent] = None

    def remove(self, agent: Any) -> None:
        """Remove an agent (ValueError if it is not here, as a list says)."""
        try:
            del self._d[agent]
        except KeyError:
            raise ValueError("agent not in cell") from None

    def copy(self) -> list[Any]:
        """The agents as a new list."""
        return list(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def __iter__(self) -> Any:
        return iter(self._d)

    def __contains__(self, agent: Any) -> bool:
        return agent in self._d

    def __getitem__(self, index: int) -> Any:
        return list(self._d)[index]


class LinkOnDemandCell(Cell):
    """A Mesa cell whose Moore links are made the first time they are asked for.

    The model's rules use numpy neighbour tables (``Landscape.neighbours``), so in a run
    no cell's ``connections`` is ever read; linking all 18,144 cells of a 0.25° grid
    up front was a tenth of a default run. Anything that does read them (Mesa's
    neighbourhood queries, a visualisation) gets exactly Mesa's links.
    """

    #: The grid, held weakly (copyreg keeps each grid's cell class alive for good), set
    #: on each grid's own cell class.
    _grid_ref: weakref.ref | None = None

    def __init__(self, coordinate: Any, *, capacity: int | None = None,
                 random: Any = None, **kwargs: Any) -> None:
        super().__init__(coordinate, capacity=capacity, random=random, **kwargs)
        _LINKS.__set__(self, None)  # not linked yet
        self._agents = CellAgents()  # type: ignore[assignment]

    @property
    def connections(self) -> dict:  # type: ignore[override]
        """Mesa's ``connections``: offset → neighbouring cell, linked on first use."""
        links = _LINKS.__get__(self)
        if links is None:
            links = {}
            grid = self._grid_ref()
            if grid is None:
                raise RuntimeError("the cell's grid is gone; its links cannot be made")
            cells, (height, width) = grid._cells, grid.dimensions
            i, j = self.coordinate
            for di, dj in MOORE:  # Mesa's order of offsets
                ni, nj = i + di, j + dj
                if 0 <= ni < height and 0 <= nj < width:
                    links[(di, dj)] = cells[ni, nj]
            _LINKS.__set__(self, links)
        return links

    @connections.setter
    def connections(self, value: dict) -> None:
        _LINKS.__set__(self, value)


_LINKS = Cell.connections  # the slot that holds a cell's links


class MooreGrid(OrthogonalMooreGrid):
    """Mesa's Moore grid (non-torus), with cells that link themselves on demand.

    Same cells, same links (same keys, same order) as ``OrthogonalMooreGrid``; a test
    compares them. Mesa (3.3 and 3.5) links every cell at construction through
    ``Cell.connect``, which also clears a cache per link: 0.34 s a model at 0.25°.
    """

    def __init__(self, dimensions: Any, *, random: Any) -> None:
        super().__init__(dimensions, torus=False, random=random, cell_klass=LinkOnDemandCell)

    def _connect_cells_2d(self) -> None:
        self.cell_klass._grid_ref = weakref.ref(self)


def collector_paused(init: Callable[..., None]) -> Callable[..., None]:
    """Run a constructor with Python's cyclic garbage collector paused.

    Building a model allocates ~100,000 long-lived objects (a 0.25° grid's cells and
    their lists and dicts), which made Python run a full collection in the middle of
    it: 40 ms of a 90 ms build at 0.25°, finding nothing to free. Paused, the new
    objects are simply examined later, in the young generations. The collector is
    switched back on however the constructor ends.
    """

    @functools.wraps(init)
    def wrapped(self: Any, *args: Any, **kwargs: Any) -> None:
        enabled = gc.isenabled()
        gc.disable()
        try:
            init(self, *args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return wrapped


def forget_cell_class(owner: Any, grid: OrthogonalMooreGrid) -> None:
    """Unregister ``grid``'s cell class from copyreg once ``owner`` is collected.

    Mesa (3.3 and 3.5) registers each grid's cell class in copyreg's global table (to pickle
    cells), which keeps the class and its property layers alive after the model is gone.
    """
    weakref.finalize(owner, copyreg.dispatch_table.pop, grid.cell_klass, None)
