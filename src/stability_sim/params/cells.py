"""Parameters of the per-cell fields: grievance, government control and corruption.

Not an agent family: grievance and control are PropertyLayers every family writes to
(violence, presence, fighters), updated by the model's cell rules, so they get their own
module rather than a family's (``agents/population.py`` and ``agents/territory.py``
hold their rules). All are uncertainties.
"""

from __future__ import annotations

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
_share("control.rate", 0.2, "kappa: monthly rate of change of government control",
       "assumption: districts change hands over seasons")
_p("control.insurgent_weight", Kind.FLOAT, 10.0, "1",
   "lambda: weight of a fighter against a troop-equivalent in control",
   "assumption: insurgents rule by intimidation, so one fighter outweighs a soldier",
   low=0.0, high=100.0)
_share("control.smoothing", 0.25, "weight of the Moore-neighbourhood mean in control",
       "assumption: control spreads along valleys and roads")
_p("control.base_presence", Kind.FLOAT, 1.0, "troops",
   "troop-equivalents every cell has without any force (officials, elders): the state's "
   "hold on an unarmed cell in s/(s + lambda·F)",
   "assumption: one troop-equivalent per 0.25° cell, so an empty cell is the state's "
   "until a fighter's influence outweighs it", low=0.01, high=100.0)
_p("control.influence_reach", Kind.FLOAT, 0.25, "degree",
   "half-width of the square over which a band's fighters hold the ground",
   "assumption: about a district (0.75° square at 0.25°); at 0.5° it rounds to the band's "
   "own cell (issue 17)", low=0.0, high=1.0)
_p("control.warmup_iterations", Kind.INT, 24, "iterations",
   "settling iterations of control at the start, all agents in place",
   "assumption: control starts in equilibrium with the initial forces (MODEL.md §3); "
   "24 iterations at rate 0.2 close all but 0.5% of the gap", low=0, high=240)

# --- Corruption ----------------------------------------------------------------------------
_share("corruption.relaxation_rate", 0.02,
       "monthly share of the gap to the state's baseline corruption that closes",
       "assumption: bribes wear off over years once the trade moves on (a half-life of "
       "about three years)")
