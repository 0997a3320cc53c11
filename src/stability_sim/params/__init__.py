"""The parameter registry: every parameter of the model, declared once.

A package: the declaration machinery in :mod:`~stability_sim.params.parameter`, one
declaration module per family beside it (``run``, ``policy``, ``states``, ``security``,
``jihadists``, ``cells``, ``trafficking``, ``intelligence``, ``responders``; each says what
it holds and why), the one :data:`REGISTRY` assembled in
:mod:`~stability_sim.params.registry`, and the typed read-only views a run reads
(:class:`Pars`) in :mod:`~stability_sim.params.views`.
Everything importable from ``stability_sim.params`` before the split still is.
"""

from stability_sim.params.parameter import (
    MAX_SCHEDULE_TROOPS,
    Kind,
    Parameter,
    Role,
    Section,
)
from stability_sim.params.registry import (
    READING_ORDER,
    REGISTRY,
    RETIRED,
    Registry,
    defaults,
    get,
    prefixes,
    resolve,
    suggest,
)
from stability_sim.params.views import (
    Pars,
    RecordingValues,
    View,
    derivation_inputs,
    with_derivation_inputs,
)

__all__ = [
    "MAX_SCHEDULE_TROOPS",
    "READING_ORDER",
    "REGISTRY",
    "RETIRED",
    "Kind",
    "Parameter",
    "Pars",
    "RecordingValues",
    "Registry",
    "Role",
    "Section",
    "View",
    "defaults",
    "derivation_inputs",
    "get",
    "prefixes",
    "resolve",
    "suggest",
    "with_derivation_inputs",
]
