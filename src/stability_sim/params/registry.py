"""The one registry: every family's declarations, assembled in reading order.

:data:`REGISTRY` maps each dotted name to its :class:`~stability_sim.params.Parameter`.
Scenario validation (:mod:`stability_sim.config`), ``--set`` overrides,
``stability-sim params``, sweep designs, the visual server's widgets and the typed views
(:mod:`stability_sim.params.views`) are all built from it; nothing else declares a default.

Its order is the reading order of ``docs/PARAMETERS.md``, ``stability-sim params`` and
result tables: run settings, the two policy knobs, then the families as a reader meets
them. That order interleaves families (combat sits after attacks, the stability index
last), so it is written as the list of declaration sections in :data:`READING_ORDER`
rather than as the order of the modules; a section missing from it is an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from stability_sim.errors import UserError
from stability_sim.params import (
    cells,
    intelligence,
    jihadists,
    policy,
    responders,
    run,
    security,
    states,
    trafficking,
)
from stability_sim.params.parameter import SECTIONS, Parameter, Role

#: The declaration sections in the order the registry lists them.
READING_ORDER = (
    run.RUN,
    policy.DRAWDOWN,
    policy.COOPERATION,
    security.AFG_FORCES,
    security.AFG_FUNDING,
    security.SECURITY,
    states.STATES,
    states.REGIMES,
    states.BORDERS,
    states.RIVALRY,
    jihadists.JIHADISTS,
    jihadists.ATTACKS,
    security.COMBAT,
    cells.GRIEVANCE_CONTROL,
    trafficking.TRAFFICKING,
    intelligence.INTELLIGENCE,
    responders.RESPONDERS,
    states.STABILITY,
)


class Registry(dict[str, Parameter]):
    """Dotted name → :class:`Parameter`, in reading order, with selections by role."""

    def levers(self, group: str | None = None) -> list[Parameter]:
        """The policy levers, or those of one lever group (``drawdown``, ``repression``...)."""
        return [p for p in self.values()
                if p.role is Role.LEVER and (group is None or p.lever == group)]

    def lever_groups(self) -> list[str]:
        """The lever groups, in reading order."""
        return list(dict.fromkeys(p.lever for p in self.levers()))

    def uncertainties(self) -> list[Parameter]:
        """The parameters a robustness analysis varies: neither levers nor run settings."""
        return [p for p in self.values() if p.role is Role.UNCERTAINTY]

    def settings(self) -> list[Parameter]:
        """The run settings (start, months, seed, grid.resolution)."""
        return [p for p in self.values() if p.role is Role.SETTING]


def _assemble() -> Registry:
    if set(map(id, READING_ORDER)) != set(map(id, SECTIONS)) or len(READING_ORDER) != len(
            SECTIONS):
        missing = [s.title for s in SECTIONS if s not in READING_ORDER]
        raise RuntimeError(f"READING_ORDER must list every section once; missing: {missing}")
    declared = [p for section in READING_ORDER for p in section.parameters]
    registry = Registry((p.name, p) for p in declared)
    if len(registry) != len(declared):  # a name declared twice would silently shadow
        raise RuntimeError("duplicate parameter name in the registry")
    return registry


REGISTRY: Registry = _assemble()


#: Parameters that were declared but never read, so setting them did nothing (issue 15).
#: A file that still sets one gets the unknown-key error with this reason instead of a
#: "did you mean" that would point at an unrelated parameter.
RETIRED: Mapping[str, str] = {
    "rats.known_individuals": "removed: the size of the RATS database had no mechanism; "
                              "what RATS adds is rats.intel_weight",
    "rivalry.uzb_tkm": "removed: rivalry is read only between SCO members, and Turkmenistan "
                       "is not one",
    "rivalry.rus_chn": "removed: rivalry is read only between the Central Asian SCO members",
    "states.afg.troops": "removed: Afghanistan's army is afg_forces.initial",
    "control.warmup_iterations": "removed: every run starts in 2010 and lives through the "
                                 "history window instead of a settling loop (issue 17)",
    "control.smoothing": "removed: influence spreads over kilometres (control.influence_km)",
    "control.influence_reach": "removed: influence reaches control.influence_km, in km",
    "afg_forces.recruitment_monthly": "removed: recruitment closes the gap to the funded "
                                      "goal (afg_forces.growth_months)",
    "csto.readiness": "removed: the CSTO decides once per crisis by consensus, each member "
                      "agreeing with the political will (issue 18; csto.mandate_window)",
    "csto.request_threshold": "removed: a member asks when it is in crisis (issue 18: its "
                              "regime toppled, a violent crisis or lost ground)",
    "csto.withdraw_threshold": "removed: contingents leave when the host is no longer in "
                               "crisis or the mandate ends (csto.mandate_months)",
    "stability.destabilized_threshold": "removed: destabilised is a composite defined from "
                                        "the record (a regime toppled, "
                                        "stability.crisis_fatalities deaths or control below "
                                        "stability.control_lost for "
                                        "stability.destabilized_months); S is an index only",
}


def get(name: str) -> Parameter:
    """Look up a parameter by dotted name.

    Raises:
        UserError: For an unknown name, with a "did you mean" suggestion.
    """
    try:
        return REGISTRY[name]
    except KeyError:
        raise UserError(f"unknown parameter{suggest(name, REGISTRY)}", key=name) from None


def suggest(name: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, or an empty string.

    A retired parameter gets the reason it was removed instead of a guess.
    """
    import difflib

    if name in RETIRED:
        return f" ({RETIRED[name]})"

    pool = list(candidates)
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    if not close:  # a misspelt last component: compare within the same group
        head, _, tail = name.rpartition(".")
        tails = {c.rpartition(".")[2]: c for c in pool if c.rpartition(".")[0] == head}
        close = [tails[t] for t in difflib.get_close_matches(tail, list(tails), n=1)]
    return f" (did you mean '{close[0]}'?)" if close else ""


def defaults() -> dict[str, Any]:
    """Every parameter at its default, derived ones resolved."""
    return resolve({})


def resolve(explicit: Mapping[str, Any]) -> dict[str, Any]:
    """Complete a set of explicitly set values with defaults and derived values.

    Args:
        explicit: Dotted name → already coerced value.

    Returns:
        Dotted name → value for every parameter in the registry.
    """
    values = {name: explicit.get(name, p.default) for name, p in REGISTRY.items()}
    for name, p in REGISTRY.items():
        if p.derive is not None and values[name] is None:
            values[name] = p.derive(values)
    return values


def prefixes() -> frozenset[str]:
    """Every proper prefix of a dotted name (``states``, ``states.tjk`` ...)."""
    out: set[str] = set()
    for name in REGISTRY:
        parts = name.split(".")
        out.update(".".join(parts[:i]) for i in range(1, len(parts)))
    return frozenset(out)
