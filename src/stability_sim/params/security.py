"""Parameters of the security family (``agents/security.py``): forces and combat.

Afghan forces, the national and international units, and combat (``combat.*``: the
:func:`~stability_sim.agents.security.engage` rule's coefficients) belong here. All are
uncertainties but ``afg_forces.funding``, a lever of group ``funding``.
"""

from __future__ import annotations

from stability_sim.params.parameter import Kind, Section

# --- Afghan forces ---------------------------------------------------------------------------
AFG_FORCES = Section("Afghan forces")
_p, _share = AFG_FORCES.p, AFG_FORCES.share
_p("afg_forces.initial", Kind.INT, 352_000, "troops",
   "Afghan National Security Forces (army and police) at the start",
   "NATO/ISAF: ANSF authorised strength 352,000, reached by Oct 2012", low=0, high=600_000)
_share("afg_forces.base_effectiveness", 0.6,
       "e0: effectiveness of Afghan forces with full international support",
       "assumption: below the international force's quality (security.intl_quality)")
_share("afg_forces.support_floor", 0.4,
       "a: share of effectiveness kept with no international support",
       "assumption: enablers (air, medevac, intelligence) were international in 2013")
_share("afg_forces.attrition_monthly", 0.025,
       "monthly attrition of Afghan forces (desertion, casualties, non-re-enlistment)",
       "US DoD 1230 report, Jul 2013: ANA attrition about 2-3% a month in 2012-13")
_share("afg_forces.recruitment_monthly", 0.027,
       "monthly recruitment relative to authorised strength, at full legitimacy and funding",
       "assumption: slightly above attrition so the 2013 force holds its size")
_share("afg_forces.funding", 1.0,
       "share of the pledged international funding of Afghan forces that arrives",
       "Chicago summit 2012: USD 4.1 bn a year pledged for the ANSF; 1 = as pledged",
       lever="funding")  # donors decide how much of the pledge they pay

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
_p("security.patrol_reach", Kind.FLOAT, 0.5, "degree",
   "half-width of a patrol's footprint (and of the reach of a network's presence)",
   "assumption: about 60 km each way, a battalion's area of operations; 2 cells at 0.25°, "
   "1 at 0.5°", low=0.25, high=2.0)
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
_share("combat.insurgent_loss_rate", 0.15, "insurgent losses per month per unit s·D",
       "assumption: Lanchester-type aimed fire; a few per cent of fighters a month, as "
       "ISAF reported for 2010-12")
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
