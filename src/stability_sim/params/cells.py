"""Parameters of the per-cell fields: grievance and government control.

Not an agent family: grievance and control are PropertyLayers every family writes to
(violence, presence, fighters), updated by the model's cell rules, so they get their own
module rather than a family's. All are uncertainties.
"""

from __future__ import annotations

from stability_sim.params.parameter import Kind, Section

# --- Grievance and control -------------------------------------------------------------------
GRIEVANCE_CONTROL = Section("Grievance and control")
_p, _share = GRIEVANCE_CONTROL.p, GRIEVANCE_CONTROL.share
_share("grievance.violence_exposure", 0.3, "hardship added by recent violence (saturating)",
       "Epstein 2002: hardship; assumption: violence can add up to 0.3 to poverty")
_share("grievance.memory", 0.9, "monthly persistence of violence exposure",
       "assumption: a half-life of about six months")
_share("control.rate", 0.2, "kappa: monthly rate of change of government control",
       "assumption: districts change hands over seasons")
_p("control.insurgent_weight", Kind.FLOAT, 10.0, "1",
   "lambda: weight of a fighter against a troop-equivalent in control",
   "assumption: insurgents rule by intimidation, so one fighter outweighs a soldier",
   low=0.0, high=100.0)
_share("control.smoothing", 0.25, "weight of the Moore-neighbourhood mean in control",
       "assumption: control spreads along valleys and roads")
