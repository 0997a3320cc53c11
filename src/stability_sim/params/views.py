"""Typed read-only views of a run's parameters, and a record of which ones a run reads.

``pars = Pars.of(scenario.values)`` is built once per run and read by attribute, following
the dotted names: ``pars.jihadists.recruit_pool``, ``pars.states.tjk.legitimacy`` (or
``pars.state("TJK").legitimacy``), ``pars.jihadists.net("imu").recruitment_rate``,
``pars.csto.contribution_rus``, ``pars.grid.resolution``, ``pars.start``.

The view classes are generated from :data:`~stability_sim.params.REGISTRY` when this
module is imported, one class per dotted prefix, so the declaration stays the single
source of names. Each class has ``__slots__`` only (an attribute read is a slot read),
refuses assignment and deletion, carries ``__annotations__`` from each parameter's
:class:`~stability_sim.params.Kind`, and checks every value against that type when the
view is built (once per run), so code reading ``pars.months`` gets an ``int``. A misspelt
attribute raises :class:`AttributeError` naming the closest parameter.

Recording: ``Pars.of(values, record=seen)`` builds subclasses that add each dotted name
read to ``seen``; without ``record`` the plain classes have no hook, so reading costs
nothing extra. :class:`RecordingValues` does the same for code that still reads the
plain mapping (``model.p["..."]``), and ``Pars.of`` on a :class:`RecordingValues` records
into the same set.
"""

from __future__ import annotations

import keyword
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from stability_sim.params.parameter import Kind, Parameter
from stability_sim.params.registry import REGISTRY, suggest

_TYPES: dict[Kind, Any] = {
    Kind.FLOAT: float,
    Kind.INT: int,
    Kind.BOOL: bool,
    Kind.MONTH: str,
    Kind.SCHEDULE: tuple[tuple[str, int], ...],
}


def _annotation(p: Parameter) -> Any:
    if p.kind is Kind.CHOICE:
        kinds = tuple(dict.fromkeys(type(c) for c in p.choices))
        t: Any = kinds[0] if len(kinds) == 1 else kinds[0] | kinds[1]
    else:
        t = _TYPES[p.kind]
    return t | None if p.optional else t  # a derived value is resolved, never None


def _check(p: Parameter, value: Any) -> None:
    """Refuse a value that is not of the parameter's declared type (at build time)."""
    if value is None:
        ok = p.optional
    elif p.kind is Kind.CHOICE:
        ok = value in p.choices and type(value) in {type(c) for c in p.choices}
    elif p.kind is Kind.SCHEDULE:
        ok = isinstance(value, tuple)
    elif p.kind is Kind.INT:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = type(value) is _TYPES[p.kind]
    if not ok:
        raise TypeError(f"{p.name}: expected {_annotation(p)}, got {type(value).__name__} "
                        f"{value!r} (values must come from params.resolve / a Scenario)")


class View:
    """Base of the generated view classes: read-only, slots only."""

    __slots__ = ("_values",)
    _PATH: ClassVar[str] = ""
    #: Attribute → dotted name, for this node's parameters.
    _LEAVES: ClassVar[dict[str, str]] = {}
    #: Attribute → view class, for this node's sub-groups.
    _CHILDREN: ClassVar[dict[str, type[View]]] = {}

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"parameters are read-only during a run: {self._dotted(name)}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"parameters are read-only during a run: {self._dotted(name)}")

    def __getattr__(self, name: str) -> Any:  # only called when no slot has the name
        if name.startswith("__"):
            raise AttributeError(name)
        full = self._dotted(name)
        pool = [n for n in REGISTRY if n.startswith(self._PATH)] + [
            self._dotted(c) for c in self._CHILDREN]
        raise AttributeError(f"no parameter {full}{suggest(full, pool)}", name=name, obj=self)

    def __repr__(self) -> str:
        return f"<parameters {self._PATH or 'Pars'}: {len(self._LEAVES)} values, " \
               f"groups {sorted(self._CHILDREN)}>"

    def __reduce__(self) -> tuple[Any, ...]:
        # Generated classes are not importable by name: rebuild from the values instead
        # (a recording view pickles as a plain one).
        return _view_at, (dict(object.__getattribute__(self, "_values")), self._PATH)

    @classmethod
    def _dotted(cls, name: str) -> str:
        return f"{cls._PATH}.{name}" if cls._PATH else name

    def part(self, key: str) -> View:
        """The sub-group named ``key`` (case-insensitive), e.g. a state or a network.

        Raises:
            KeyError: Naming the groups there are.
        """
        child = key.lower()
        if child not in self._CHILDREN:
            raise KeyError(f"{self._dotted(child)}: no such group; there are "
                           f"{', '.join(sorted(self._CHILDREN))}")
        return object.__getattribute__(self, child)

    def as_dict(self) -> dict[str, Any]:
        """Dotted name → value for every parameter under this view."""
        values = object.__getattribute__(self, "_values")
        return {n: values[n] for n in REGISTRY if not self._PATH or n.startswith(self._PATH + ".")}


class Pars(View):
    """The root view of a run's parameters; build it with :meth:`Pars.of`."""

    __slots__ = ()

    @staticmethod
    def of(values: Mapping[str, Any], *, record: set[str] | None = None) -> Pars:
        """Build the views of one run from its resolved values (``scenario.values``).

        Args:
            values: Dotted name → value for every registry parameter.
            record: If given, every parameter read through the views is added to it by
                dotted name. A :class:`RecordingValues` records into its own set.

        Raises:
            TypeError: A value not of its parameter's declared type.
            KeyError: A registry parameter missing from ``values``.
        """
        if isinstance(values, RecordingValues):
            record = values.seen if record is None else record
            values = values.raw
        root = _RECORDING[""] if record is not None else _CLASSES[""]
        return root._build(values, record)  # type: ignore[attr-defined,no-any-return]

    def state(self, iso3: str) -> View:
        """The parameters of one study state by ISO3 code: ``pars.state("TJK").legitimacy``."""
        return self.states.part(iso3)  # type: ignore[attr-defined,no-any-return]


def _net(self: View, name: str) -> View:
    """The parameters of one jihadist network: ``pars.jihadists.net("imu")``."""
    return self.part(name)


#: Extra methods of particular views, by dotted prefix.
_METHODS: dict[str, dict[str, Any]] = {"jihadists": {"net": _net}}


def _build(cls: type[View], values: Mapping[str, Any], record: set[str] | None) -> View:
    obj = object.__new__(cls)
    put = object.__setattr__
    put(obj, "_values", values)
    for attr, name in cls._LEAVES.items():
        value = values[name]
        _check(REGISTRY[name], value)
        put(obj, attr, value)
    for attr, child in cls._CHILDREN.items():
        put(obj, attr, _build(child, values, record))
    if record is not None:
        put(obj, "_seen", record)
    return obj


def _recording_getattribute(leaves: dict[str, str]) -> Any:
    get = object.__getattribute__

    def __getattribute__(self: View, name: str) -> Any:  # noqa: N807
        full = leaves.get(name)
        if full is not None:
            get(self, "_seen").add(full)
        return get(self, name)

    return __getattribute__


def _generate() -> tuple[dict[str, type[View]], dict[str, type[View]]]:
    """One plain and one recording view class per dotted prefix, from the registry."""
    tree: dict[str, dict[str, str]] = {"": {}}  # prefix → attribute → dotted name
    for name in REGISTRY:
        parts = name.split(".")
        for i, part in enumerate(parts):
            if not part.isidentifier() or keyword.iskeyword(part) or part.startswith("_"):
                raise RuntimeError(f"{name}: {part!r} cannot be an attribute of a view")
            tree.setdefault(".".join(parts[:i]), {})
        tree[".".join(parts[:-1])][parts[-1]] = name
    plain: dict[str, type[View]] = {}
    recording: dict[str, type[View]] = {}
    kids_of: dict[str, list[str]] = {path: [] for path in tree}
    for path in tree:
        if path:
            parent, _, child = path.rpartition(".")
            kids_of[parent].append(child)
    for path in sorted(tree, key=lambda s: -s.count(".") if s else 1):  # children first
        children = kids_of[path]
        leaves = tree[path]
        methods = _METHODS.get(path, {})
        base = Pars if not path else View
        clash = (set(leaves) | set(children)) & ({*dir(base)} | set(methods))
        if clash or set(leaves) & set(children):
            raise RuntimeError(f"view {path or 'Pars'}: names clash with methods: {clash}")
        name = "Pars" if not path else "Pars_" + path.replace(".", "_")
        annotations = {a: _annotation(REGISTRY[n]) for a, n in leaves.items()}
        for rec, out in ((False, plain), (True, recording)):
            kids = recording if rec else plain
            ns: dict[str, Any] = {
                "__slots__": (*leaves, *children, *(("_seen",) if rec else ())),
                "__annotations__": {**annotations, **{c: kids[_join(path, c)] for c in children}},
                "__module__": __name__,
                "__qualname__": name,
                "__doc__": f"Parameters under {path or 'the root'} (generated from the registry).",
                "_PATH": path,
                "_LEAVES": dict(leaves),
                "_CHILDREN": {c: kids[_join(path, c)] for c in children},
                "_build": classmethod(_build),
                **methods,
            }
            if rec:
                ns["__getattribute__"] = _recording_getattribute(leaves)
            out[path] = type(name, (base,), ns)
    return plain, recording


def _join(path: str, child: str) -> str:
    return f"{path}.{child}" if path else child


_CLASSES, _RECORDING = _generate()


def _view_at(values: Mapping[str, Any], path: str) -> View:
    """Rebuild the (plain) view at ``path`` from values: how views unpickle."""
    view: View = Pars.of(values)
    for part in path.split(".") if path else ():
        view = object.__getattribute__(view, part)
    return view


class RecordingValues(Mapping[str, Any]):
    """A run's values as a mapping that adds each key read to ``seen``.

    For code that reads ``model.p["dotted.name"]``: give the model a scenario whose
    ``values`` is this wrapper. Membership tests and iteration do not count as reads.
    """

    __slots__ = ("raw", "seen")

    def __init__(self, raw: Mapping[str, Any], seen: set[str] | None = None) -> None:
        self.raw = raw
        self.seen: set[str] = set() if seen is None else seen

    def __getitem__(self, name: str) -> Any:
        value = self.raw[name]
        self.seen.add(name)
        return value

    def __contains__(self, name: object) -> bool:
        return name in self.raw

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)


def derivation_inputs(name: str) -> frozenset[str]:
    """The parameters a derived parameter's rule reads (empty for a plain parameter).

    Found by running the rule on recording defaults, so it cannot drift from the rule.
    """
    p = REGISTRY[name]
    if p.derive is None:
        return frozenset()
    from stability_sim.params.registry import defaults

    seen: set[str] = set()
    p.derive(RecordingValues(defaults(), seen))
    return frozenset(seen)


def with_derivation_inputs(read: set[str], explicit: Mapping[str, Any]) -> set[str]:
    """``read`` plus what each derived parameter read there follows from, unless it was set.

    A run that reads ``cooperation.intel_sharing`` left at its rule uses
    ``cooperation.level``, so ``cooperation.level`` counts as read by that run; if the
    scenario set ``intel_sharing`` explicitly, it does not.
    """
    out = set(read)
    for name in read:
        if name not in explicit:
            out |= derivation_inputs(name)
    return out
