"""The package's imports run one way and form no cycle (type-checking imports included).

A cycle hidden behind ``if TYPE_CHECKING:`` is still a coupling (``outcomes`` and
``model`` once formed one), so every ``import`` and ``from ... import`` statement counts.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).parents[1] / "src" / "stability_sim"

#: Layers, lowest first: a module may import only from its own layer or lower ones.
LAYERS = (
    ("errors", "timeline", "untrusted", "yamlio", "paths", "geography", "params", "config",
     "landscape", "inputs", "history", "health", "mesa_compat", "runio", "shipped"),
    ("world", "ledger"),
    ("agents",),
    ("outcomes",),
    ("model",),
    ("experiments",),
    ("calibration",),
    ("analysis",),
    ("cli", "viz"),
)


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    here = _module(path).split(".")
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here if is_package else here[:-1]
                base = base[: len(base) - (node.level - 1)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.add(name)
            found |= {f"{name}.{a.name}" for a in node.names}
    return {n for n in found if n.startswith("stability_sim")}


@cache
def _graph() -> nx.DiGraph:
    """The import graph (read once; callers copy it before changing it)."""
    modules = {_module(p): p for p in PACKAGE.rglob("*.py")}
    graph = nx.DiGraph()
    for name, path in modules.items():
        graph.add_node(name)
        for target in _imports(path):
            while target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]  # `from pkg.mod import name`
            if target in modules and target != name:
                graph.add_edge(name, target)
    return graph


def _layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else ""
    for k, names in enumerate(LAYERS):
        if top in names:
            return k
    return -1  # the package itself


def test_no_import_cycle() -> None:
    graph = _graph().copy()
    # A package's __init__ re-exporting its own modules is not a cycle between modules.
    own = [(a, b) for a, b in graph.edges if b.startswith(a + ".") or a.startswith(b + ".")]
    graph.remove_edges_from(own)
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, f"import cycles: {cycles[:5]}"


def test_every_module_has_a_layer() -> None:
    unplaced = [m for m in _graph().nodes if m != "stability_sim" and _layer(m) < 0]
    assert not unplaced, f"add these to LAYERS: {unplaced}"


def test_imports_run_one_way() -> None:
    wrong = [(a, b) for a, b in _graph().edges
             if _layer(a) >= 0 and _layer(b) > _layer(a)]
    assert not wrong, f"imports against the layering: {wrong}"


@pytest.mark.parametrize("module", ["stability_sim.agents.states", "stability_sim.outcomes"])
def test_the_check_sees_type_checking_imports(module: str) -> None:
    assert any(b.startswith("stability_sim.") for b in _graph().successors(module))
