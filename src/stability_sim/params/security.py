"""Parameters of the security family (``agents/security.py``): forces and combat.

Afghan forces (``agents/afghan.py``) and their funding after 2013, the national and
international units, and combat (``combat.*``: the
:func:`~stability_sim.agents.security.engage` rule's coefficients) belong here. All are
uncertainties but ``afg_forces.funding`` and ``afg_funding.*`` (levers of group
``funding``; the presence condition's two numbers are uncertainties).
"""

from __future__ import annotations

from stability_sim.params.calibrated import CALIBRATED_TO
from stability_sim.params.parameter import Kind, Role, Section

# --- Afghan forces ---------------------------------------------------------------------------
AFG_FORCES = Section("Afghan forces")
_p, _share = AFG_FORCES.p, AFG_FORCES.share
_p("afg_forces.initial", Kind.INT, 195_000, "troops",
   "Afghan National Security Forces (army and police) at the start of the history window "
   "(early 2010)",
   "US DoD 1230 report, Apr 2010: ANA about 100,000 and ANP about 95,000 at the end of "
   "2009; approximate (docs/HISTORY.md)", low=0, high=600_000)
_p("afg_forces.target", Kind.INT, 352_000, "troops",
   "authorised strength of the ANSF after the history window (the growth target; the "
   "history window follows the dated targets of docs/HISTORY.md)",
   "NATO/ISAF: ANSF authorised strength 352,000, reached by Oct 2012", low=0, high=600_000)
_share("afg_forces.base_effectiveness", 0.6,
       "e0: effectiveness of Afghan forces with full enablers and morale",
       "assumption: below the international force's quality (security.intl_quality)")
_share("afg_forces.support_floor", 0.4,
       "a: share of effectiveness kept with no international enablers",
       "assumption: enablers (air, medevac, intelligence) were international in 2013")
_share("afg_forces.attrition_monthly", 0.025,
       "delta0: monthly attrition of a paid, supported force (non-re-enlistment, desertion, "
       "casualties off the battlefield)",
       "US DoD 1230 report, Jul 2013: ANA attrition about 2-3% a month in 2012-13")
_p("afg_forces.growth_months", Kind.FLOAT, 13.1, "months",
   "tau_g: recruitment closes 1/tau_g of the gap to the goal (the smaller of the target and "
   "the funded size) each month, besides replacing attrition",
   "assumption: the ANSF grew from about 195,000 (early 2010) to 352,000 (Oct 2012), "
   "closing the gap in about two years (docs/HISTORY.md)", low=1.0, high=60.0,
   calibrated=CALIBRATED_TO["afg_forces.growth_months"])
_share("afg_forces.funding", 1.0,
       "share of the pledged international funding of Afghan forces that arrives after 2013",
       "Chicago summit 2012: USD 4.1 bn a year pledged for the ANSF; 1 = as pledged",
       lever="funding")  # donors decide how much of the pledge they pay
_p("afg_forces.cost_per_troop_usd", Kind.FLOAT, 16200.0, "USD/troop/year",
   "cost of keeping one soldier or policeman a year (pay, food, equipment, fuel)",
   "derived from the Chicago summit 2012 model: USD 4.1 bn a year for 228,500 troops",
   low=5_000.0, high=60_000.0,
   calibrated=CALIBRATED_TO["afg_forces.cost_per_troop_usd"])
_p("afg_forces.enabler_troops", Kind.FLOAT, 10_000.0, "troops",
   "E: international troops that bring 63% of the enablers (air support, medevac, "
   "intelligence, logistics): e = 1 - exp(-troops/E)",
   "assumption: the 8,000-12,000 residual force [KL13] was planned to advise and enable; "
   "the first troops bring the enablers, so e is concave", low=1_000.0, high=60_000.0)
_share("afg_forces.morale_support_floor", 0.8,
       "a_m: morale a paid force keeps with no international enablers",
       "assumption: the Afghan army held three years after the 1989 Soviet withdrawal while "
       "Soviet aid paid it (docs/HISTORY.md)")
_p("afg_forces.morale_months", Kind.FLOAT, 3.0, "months",
   "tau_m: time constant of morale toward its target",
   "assumption: armies unpaid or abandoned broke within months (Najibullah 1992: about "
   "four months after Soviet aid ended; South Vietnam 1975; docs/HISTORY.md)",
   low=0.5, high=24.0)
_share("afg_forces.morale_desertion", 0.3,
       "delta_m: extra monthly desertion at zero morale (attrition = delta0 + delta_m(1-m)^2)",
       "assumption: a broken force loses about a third of its men a month, so it is gone "
       "within a season, as in the analogues of docs/HISTORY.md")
_p("afg_forces.cascade_weight", Kind.FLOAT, 5.0, "1",
   "c: how much the month's excess losses (share of the force) lower the morale target "
   "(1 - c·x): the comrades leaving",
   "assumption: losing a tenth of the force above the usual in a month halves morale",
   low=0.0, high=50.0)
_share("afg_forces.disintegration_share", 1.0 / 3.0,
       "the force has disintegrated (the government collapses) below this share of its "
       "strength at the branch (2013-12)",
       "assumption: an army that has lost two thirds of its men no longer holds the country")

# --- Afghan funding after 2013 -------------------------------------------------------------
AFG_FUNDING = Section("Afghan funding after 2013", role=Role.LEVER, lever="funding")
_p, _share = AFG_FUNDING.p, AFG_FUNDING.share
_p("afg_funding.preset", Kind.CHOICE, "chicago", "1",
   "funding schedule of the Afghan forces after 2013: chicago (the 2013 level through "
   "2014, tapering to the pledge) or cut (as chicago until afg_funding.cut_date, then none)",
   "Chicago summit declaration on Afghanistan, May 2012", choices=("chicago", "cut"))
_p("afg_funding.pledge_usd_bn", Kind.FLOAT, 4.1, "USD bn/year",
   "what the Chicago summit pledged a year for the Afghan forces from 2015",
   "Chicago summit 2012: USD 4.1 bn a year for an ANSF of 228,500", low=0.0, high=20.0)
_p("afg_funding.taper_end", Kind.MONTH, "2017-12", "month",
   "month by which funding has tapered from the 2013 level to the pledge",
   "Chicago 2012: a 'gradual managed force reduction' to 228,500; assumption: over three "
   "years from 2015", low="2015-01", high="2030-12")
_p("afg_funding.cut_date", Kind.MONTH, "2015-01", "month",
   "with preset cut: the month from which no international funding arrives",
   "assumption: the Tokyo 2012 pledges ran through 2015 and were conditional; a cut "
   "could come as they were renewed", low="2014-01", high="2030-12")
_share("afg_funding.presence_dependence", 0.5,
       "d: share of the pledge that depends on a continuing international presence "
       "(funding x (1 - d(1 - min(1, troops/T))))",
       "assumption: the Chicago and Tokyo pledges were made for a transition with a NATO "
       "training mission and tied to oversight; half is taken to fall away without one",
       role=Role.UNCERTAINTY, lever="")
_p("afg_funding.presence_troops", Kind.FLOAT, 8_000.0, "troops",
   "T: international presence at which the whole pledge holds",
   "[KL13]: a residual of 8,000-12,000 was planned; assumption: its lower end",
   low=0.0, high=100_000.0, role=Role.UNCERTAINTY, lever="")

# --- Security forces -------------------------------------------------------------------------
SECURITY = Section("Security forces")
_p, _share = SECURITY.p, SECURITY.share
_share("security.intl_quality", 0.9, "quality of international troops",
       "assumption: best trained and equipped force in theatre")
_share("security.csto_quality", 0.7, "quality of CSTO contingents",
       "assumption: Russian airborne core, but 'ill-equipped' Tajik and Kyrgyz parts [KL13]")
_share("security.deployable_share", 0.35,
       "share of a national force free to move to threatened cells (rest garrisons)",
       "assumption: post-Soviet forces keep most units near the capital and bases")
_share("security.border_share", 0.2,
       "share of the deployable force posted on border/interdiction duty",
       "assumption: border guards are a separate, smaller service in each state")
_p("security.police_per_1000", Kind.FLOAT, 2.0, "police/1000 people",
   "interior police holding each populated cell of a Central Asian state",
   "assumption: large post-Soviet interior ministries; Afghan police are in ANSF",
   low=0.0, high=20.0)
_share("security.mobile_quality_floor", 0.5,
       "quality of a Central Asian state's mobile units with the worst border guards "
       "(quality = floor + weight·border_quality)",
       "assumption: mobile units are the better-trained part of a post-Soviet army")
_share("security.mobile_quality_weight", 0.5,
       "how much of the border guards' quality a Central Asian state's mobile units share",
       "assumption: post-Soviet forces share training and equipment across services")
_p("security.patrol_km", Kind.FLOAT, 30.0, "km",
   "standard deviation of the Gaussian over which a patrolling unit's presence (and a "
   "network's presence) spreads",
   "assumption: a battalion's area of operations, about 60 km each way (2 sd); the box of "
   "0.5° beyond the unit's 0.25° cell that it replaces has an sd of about 30 km. Smooth and "
   "in km so that 0.25° and 0.5° grids give the same presence (issue 17)", low=15.0,
   high=100.0)
_p("security.garrison_km", Kind.FLOAT, 25.0, "km",
   "standard deviation of the Gaussian over which a garrison holds the ground around its "
   "base",
   "assumption: a base's troops man posts over its district and the next, about 50 km "
   "each way (2 sd); at least about half a 0.5° cell (23 km) so that 0.25° and 0.5° grids "
   "give the same presence (issue 17)", low=20.0, high=80.0)
_p("security.threat_offset", Kind.FLOAT, 2.0, "1",
   "threat of a cell = fighters' influence × (offset - control): at 2, a lost cell "
   "counts double a held one",
   "assumption: forces go first where the state is losing ground", low=1.0, high=10.0)
_p("security.threat_threshold", Kind.FLOAT, 1.0, "1",
   "threat above which a cell draws mobile units (influence about one fighter per "
   "0.25° cell in a held cell)",
   "assumption: a lone fighter is a police matter, not a unit's", low=0.0, high=100.0)
_p("security.troop_equivalent", Kind.FLOAT, 1.0, "1",
   "weight of one national soldier against one fighter in presence s",
   "assumption: unit weight; quality carries the differences", low=0.1, high=5.0)

# --- Combat ----------------------------------------------------------------------------------
COMBAT = Section("Combat")
_p, _share = COMBAT.p, COMBAT.share
_p("combat.detection_coeff", Kind.FLOAT, 0.02, "1/troop",
   "k_d in D = 1 - exp(-k_d s q I)",
   "Kress & Szechtman 2009; assumption: 50 troop-equivalents per 0.25° cell with "
   "full intelligence detect 63% of a band",
   low=0.0, high=1.0)
_p("combat.insurgent_loss_rate", Kind.FLOAT, 3.62e-05, "1/troop-equivalent/month",
   "b: insurgent losses F(1 - exp(-b s D)) (Deitchman's area fire on the detected share)",
   "Deitchman 1962, Kress & Szechtman 2009; assumption: a few per cent of the fighters in "
   "contact a month", low=0.0, high=0.1,
   calibrated=CALIBRATED_TO["combat.insurgent_loss_rate"])
_share("combat.force_loss_rate", 0.01, "force losses per month per fighter",
       "assumption: insurgents avoid pitched battle")
_p("combat.engaged_per_fighter", Kind.FLOAT, 10.0, "troops/fighter",
   "most troop-equivalents engaged per fighter in a cell (operations scale with the "
   "enemy; the rest cause no collateral damage)",
   "assumption: operations scale with the enemy, at the classic counter-insurgency "
   "ratio of about ten to one", low=1.0, high=100.0)
_p("combat.repression_base", Kind.FLOAT, 0.5, "1",
   "multiplier of insurgent losses and collateral damage at no repression "
   "(harshness = base + rho)",
   "assumption: the harshest regime (rho = 1) uses three times the force of the mildest",
   low=0.0, high=5.0)
_p("combat.terrain_factor", Kind.FLOAT, 0.002, "1/m",
   "tau: extra force losses per metre of ruggedness", "Doran (Iruba): terrain favours "
   "guerrillas; assumption: 500 m of ruggedness doubles force losses", low=0.0, high=0.05)
_share("combat.collateral_rate", 0.02, "civilian casualties per unit s·(1-D)",
       "Bennett 2008: poor intelligence means collateral damage")
_p("combat.collateral_grievance", Kind.FLOAT, 0.001, "1/casualty",
   "grievance added per collateral casualty in a cell",
   "Bennett 2008: collateral damage fuels insurgency", low=0.0, high=0.1)
