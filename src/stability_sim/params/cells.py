"""Parameters of the per-cell fields: grievance, government control and corruption.

Not an agent family: grievance and control are PropertyLayers every family writes to
(violence, presence, fighters), updated by the model's cell rules, so they get their own
module rather than a family's (``agents/population.py`` and ``agents/territory.py``
hold their rules). All are uncertainties.
"""

from __future__ import annotations

from stability_sim.params.calibrated import CALIBRATED_TO
from stability_sim.params.parameter import Kind, Section

# --- Grievance and control -------------------------------------------------------------------
GRIEVANCE_CONTROL = Section("Grievance, control and corruption")
_p, _share = GRIEVANCE_CONTROL.p, GRIEVANCE_CONTROL.share
_share("grievance.violence_exposure", 0.3, "hardship added by recent violence (saturating)",
       "Epstein 2002: hardship; assumption: violence can add up to 0.3 to poverty")
_share("grievance.memory", 0.9, "monthly persistence of violence exposure",
       "assumption: a half-life of about six months")
_p("grievance.shock_saturation", Kind.FLOAT, 10.0, "deaths/month",
   "deaths in a cell in a month at which the violence shock saturates at 1",
   "assumption: ten deaths a month is a severe local incident; Andijan 2005 (187 dead "
   "[KL13]) saturates it many times over", low=1.0, high=1_000.0)
_p("grievance.collateral_shock_factor", Kind.FLOAT, 100.0, "deaths/grievance",
   "deaths a collateral casualty counts as in the shock, per unit of "
   "combat.collateral_grievance (0.1 at its default)",
   "assumption: a civilian killed by the security forces is resented like a tenth of an "
   "attack death, on top of its direct grievance (Bennett 2008)", low=0.0, high=10_000.0)
_p("grievance.repression_saturation", Kind.FLOAT, 10.0, "events/month",
   "repression events (wrongful arrests, collateral casualties) in a cell in a month "
   "that saturate its backlash memory",
   "assumption: ten arrests or casualties in a district in a month is a crackdown "
   "([KL13] on Andijan 2005)", low=1.0, high=1_000.0)
_share("control.rate", 0.3,
       "kappa: monthly rate at which control moves to its target where both sides are out "
       "in force",
       "assumption: districts change hands over seasons")
_p("control.half_presence", Kind.FLOAT, 20.0, "troop-equivalents",
   "a_half: armed presence of both sides (troop-equivalents + lambda·influence, per "
   "0.25°-cell of area) at which the rate is half kappa",
   "assumption: a platoon's worth of armed men in a district is enough to start turning it",
   low=0.1, high=1_000.0)
_p("control.persistence_months", Kind.FLOAT, 24.0, "months",
   "tau: with no armed presence, control fades toward the state's hold over this many "
   "months (shadow governance and fear outlast the band)",
   "Kalyvas 2006: control persists through the memory of sanctions; assumption: about two "
   "years", low=1.0, high=240.0)
_p("control.insurgent_weight", Kind.FLOAT, 2.33, "1",
   "lambda: weight of a fighter against a troop-equivalent in control",
   "assumption: insurgents rule by intimidation, so one fighter outweighs a soldier",
   low=0.0, high=100.0,
   calibrated=CALIBRATED_TO["control.insurgent_weight"])
_p("control.base_presence", Kind.FLOAT, 1.0, "troops",
   "troop-equivalents every cell has without any force (officials, elders): the state's "
   "hold on an unarmed cell in s/(s + lambda·F)",
   "assumption: one troop-equivalent per 0.25° cell, so an empty cell is the state's "
   "until a fighter's influence outweighs it", low=0.01, high=100.0)
_p("control.influence_km", Kind.FLOAT, 32.8, "km",
   "standard deviation of the Gaussian kernel over which a band's fighters hold the "
   "ground (the same kilometres at every resolution)",
   "assumption: a band dominates its district and reaches into the next (Afghan districts "
   "average about 1,600 km², some 40 km across); at least about half a 0.5° cell (23 km "
   "at 34.5°N), narrower kernels cannot be represented on the 0.5° grid and the two "
   "resolutions part (issue 17)", low=20.0, high=200.0,
   calibrated=CALIBRATED_TO["control.influence_km"])
_share("control.collaboration_weight", 0.5,
       "chi: how strongly control decides whom people help: intelligence to the state x "
       "(1 - chi(1 - g)), recruits to insurgents x (1 + chi(1 - g))",
       "Kalyvas 2006: collaboration follows control; Bhavnani et al. 2011; assumption: "
       "the weight")

# --- Corruption ----------------------------------------------------------------------------
_share("corruption.relaxation_rate", 0.02,
       "monthly share of the gap to the state's baseline corruption that closes",
       "assumption: bribes wear off over years once the trade moves on (a half-life of "
       "about three years)")
