"""Parameters of the responders family (``agents/responders.py``): CSTO, RATS, NATO link.

All are uncertainties but ``csto.contribution_<iso3>``, levers of group ``csto``: the
troops a member pledges to the Collective Rapid Reaction Force is a decision of its
government, as the will to use them (``cooperation.csto_political_will``) is; the CRRF's
readiness, thresholds and mobilisation delay are calibrated behaviour, so uncertainties.
"""

from __future__ import annotations

from stability_sim.params.parameter import Kind, Section

# --- Responders ----------------------------------------------------------------------------
RESPONDERS = Section("Responders")
_p, _share = RESPONDERS.p, RESPONDERS.share
_share("csto.readiness", 0.1, "readiness of the CRRF to act on a request",
       "calibrated: [KL13] a 'paper tiger', idle in 2004-05 and Kyrgyzstan 2010; at the "
       "2013 cooperation level it acts in well under half of the runs with a crisis")
_share("csto.request_threshold", 0.76, "theta_req: stability below which a member asks",
       "assumption: a member asks on the edge of destabilisation (theta_d = 0.75)")
_share("csto.withdraw_threshold", 0.8, "stability above which contingents leave",
       "assumption: leave once the host is clearly stable again")
_p("csto.mobilisation_months", Kind.INT, 2, "months", "mobilisation delay of the CRRF",
   "assumption: earmarked, not standing, battalions [W06]", low=0, high=12)
_share("csto.will_speedup", 0.5,
       "share of the mobilisation delay cut at full political will "
       "(delay = months·(1 - speedup·will))",
       "assumption: battalions that have exercised together mobilise faster, but are "
       "earmarked, not standing [W06]")
for _iso, _troops, _src in (
    ("rus", 9_000, "[KL13]: Russia 8,000 to 10,000 men (midpoint)"),
    ("kaz", 3_000, "[KL13]: Kazakhstan approximately 3,000 men"),
    ("tjk", 300, "[KL13]: Tajikistan 300 men"),
    ("kgz", 300, "[KL13]: Kyrgyzstan 300 men"),
):
    _p(f"csto.contribution_{_iso}", Kind.INT, _troops, "troops",
       f"{_iso.upper()} contribution to the CSTO Collective Rapid Reaction Force", _src,
       low=0, high=30_000, lever="csto")  # a pledge is a government's decision
_share("rats.intel_weight", 1.0,
       "intelligence a fully shared RATS database adds in an SCO member (before rivalry)",
       "assumption: a shared database of 42 organisations and 1,100 people [KL13] "
       "counts double what local informants give (at most 0.5)")
_share("rats.neighbour_detection", 0.5,
       "rise in detection of a detected cell's network neighbours",
       "assumption: one arrest exposes contacts")
_share("rats.exposure_memory", 0.7,
       "monthly persistence of a cell's exposure by RATS sharing (the rest fades)",
       "assumption: a lead goes cold within a few months (half-life about two months)")
_share("rats.pyramid_damping", 0.7, "how much a pyramidal structure blunts that rise",
       "[KL13]: HuT cells: 'only the heads of the cells know' the higher structures")
_share("nato.link_efficiency", 0.5,
       "interdiction and intelligence gain on the Tajik-Afghan border at nato_link = 1",
       "[W06]: the Tajik-Afghan border as 'optimal locale for multi-institutional "
       "collaboration'; assumption: size")
_share("nato.intel_share", 0.5,
       "share of the NATO link's gain added to intelligence on the Tajik-Afghan border "
       "(interdiction and crossings get all of it)",
       "assumption: the link shares border surveillance more readily than sources [W06]")
