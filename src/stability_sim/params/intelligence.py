"""Parameters of the intelligence field (``agents/intelligence.py::intel_field``).

What local informants and the international force's enablers add to the intelligence
level I of a cell. What RATS and the NATO link add is theirs (``rats.*``, ``nato.*`` in
:mod:`stability_sim.params.responders`). All are uncertainties.
"""

from __future__ import annotations

from stability_sim.params.parameter import Section

# --- Intelligence ----------------------------------------------------------------------------
INTELLIGENCE = Section("Intelligence")
_p, _share = INTELLIGENCE.p, INTELLIGENCE.share
_share("intelligence.informant_weight", 0.5,
       "intelligence from local informants at full legitimacy and no corruption "
       "(times L·(1 - c))",
       "assumption: people inform a legitimate, clean state (Kalyvas 2006: information "
       "follows control and trust); at most half of what is knowable")
_share("intelligence.enabler_weight", 0.3,
       "intelligence the international force's enablers (ISR) add in Afghanistan with "
       "all of them there (times the enabler share e of afg_forces.enabler_troops)",
       "assumption: enablers were international in 2013 (see afg_forces.support_floor); "
       "less than the informants of a legitimate state")
