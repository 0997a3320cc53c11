"""Parameters of the trafficking family (``agents/trafficking.py``): opium and routes.

All are uncertainties: interdiction is driven by the levers elsewhere (troops, joint
interdiction, the NATO link), not by a trafficking parameter.
"""

from __future__ import annotations

from stability_sim.params.parameter import Kind, Section

# --- Trafficking -----------------------------------------------------------------------------
TRAFFICKING = Section("Trafficking")
_p, _share = TRAFFICKING.p, TRAFFICKING.share
_p("trafficking.opium_tons", Kind.FLOAT, 5_500.0, "t/year", "Afghan opium production",
   "UNODC Afghanistan Opium Survey 2013: about 5,500 t", low=0.0, high=20_000.0)
_p("trafficking.production_control_offset", Kind.FLOAT, 1.5, "1",
   "production weight of a cell ∝ (offset - control): where insurgents rule, 3 times "
   "as much as under full control at 1.5",
   "UNODC Afghanistan Opium Survey 2013: cultivation concentrated in insecure provinces; "
   "assumption: the ratio", low=1.0, high=10.0)
_p("trafficking.production_weight_south", Kind.FLOAT, 4.0, "1",
   "production weight of southern Afghanistan (Helmand, Kandahar) relative to elsewhere",
   "UNODC Afghanistan Opium Survey 2013: the south grew most of the opium (Helmand "
   "about half of it); assumption: the factor", low=0.0, high=20.0)
_p("trafficking.production_weight_east", Kind.FLOAT, 1.5, "1",
   "production weight of eastern Afghanistan relative to elsewhere",
   "UNODC Afghanistan Opium Survey 2013: the east next after the south and west; "
   "assumption: the factor", low=0.0, high=20.0)
_share("trafficking.seasonality", 0.7, "share of the harvest in spring (Apr-Jun)",
       "UNODC: opium harvest from April (south) to July (north-east)")
_share("trafficking.learning_rate", 0.655, "traffickers' risk learning rate",
       "NarcoLogic (Magliocca et al. 2019): network learning 0.655")
_share("trafficking.base_risk", 0.40, "prior perceived risk of a route segment",
       "NarcoLogic (Magliocca et al. 2019): base risk 0.40")
_p("trafficking.risk_weight", Kind.FLOAT, 3.0, "100 km",
   "route cost per 100 km through ground perceived as certain seizure",
   "assumption: sure seizure triples the cost of a road", low=0.0, high=1_000.0)
_p("trafficking.terrain_weight", Kind.FLOAT, 0.001, "1/m",
   "route cost per metre of ruggedness", "assumption: mountain tracks are slow",
   low=0.0, high=0.05)
_p("trafficking.border_cost", Kind.FLOAT, 5.0, "100 km",
   "route cost of crossing a fully closed border (times 1 - porosity)",
   "assumption: a closed border costs a 500 km detour", low=0.0, high=500.0)
_p("trafficking.exit_premium_north", Kind.FLOAT, 48.0, "100 km",
   "relative value of a ton delivered to the Russian border",
   "calibrated: a 20-25% northern share at both resolutions ([KL13]: 'more than 20 per "
   "cent' in 2006)",
   low=0.0, high=500.0)
_p("trafficking.exit_premium_west", Kind.FLOAT, 0.0, "100 km",
   "relative value of a ton delivered to Iran (Balkan route)",
   "assumption: the largest route before 2014 (UNODC); the reference, 0", low=0.0,
   high=500.0)
_p("trafficking.exit_premium_south", Kind.FLOAT, 0.0, "100 km",
   "relative value of a ton delivered to Pakistan (southern route)",
   "assumption: second route before 2014 (UNODC); no premium over the west", low=0.0,
   high=500.0)
_p("trafficking.interdiction_coeff", Kind.FLOAT, 0.002, "1/troop",
   "seizure probability per troop on border/interdiction duty",
   "assumption: UNODC: Central Asia seized a few per cent of the flow", low=0.0, high=0.1)
_share("trafficking.patrol_interdiction", 0.1,
       "interdiction effort of a patrolling troop-equivalent relative to one on "
       "border/interdiction duty",
       "assumption: patrols stop what they meet; posts search what passes")
_share("trafficking.risk_relaxation", 0.02,
       "monthly share of the gap to trafficking.base_risk that perceived risk closes on "
       "unused route cells",
       "assumption: memories of seizures fade over years (a half-life of about three)")
_share("trafficking.protection_fee", 0.1, "share of consignment value paid to jihadist cells",
       "[KL13]: IMU 'largely financed by the heroin trade'")
_share("trafficking.bribe_rate", 0.05, "corruption added per unit flow through a cell",
       "assumption: NarcoLogic-style bribes erode border control")
_p("trafficking.bribe_half_saturation", Kind.FLOAT, 10.0, "t/month",
   "tons handled around a hub in a month at which its bribes reach half their effect",
   "assumption: ten tons a month is a main route's hub ([KL13]: more than 20% of about "
   "5,500 t/year goes north)", low=0.1, high=1_000.0)
