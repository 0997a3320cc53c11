"""Parameters of the responders family (``agents/responders.py``): CSTO, RATS, NATO link.

All are uncertainties but ``csto.contribution_<iso3>``, levers of group ``csto``: the
troops a member pledges to the Collective Rapid Reaction Force is a decision of its
government, as the will to use them (``cooperation.csto_political_will``) is; the CRRF's
mandate window, force ratio, mandate length and mobilisation delay describe
how it behaves and are uncertain, so uncertainties.
"""

from __future__ import annotations

from stability_sim.params.parameter import Kind, Section

# --- Responders ----------------------------------------------------------------------------
RESPONDERS = Section("Responders")
_p, _share = RESPONDERS.p, RESPONDERS.share
_p("csto.mandate_window", Kind.INT, 6, "months",
   "a member's crisis is under the CRRF's mandate while an armed incursion into it is at "
   "most this old",
   "[W06]: the force answers 'terrorist attacks or incursions'; [KL13]: no intervention in "
   "Kyrgyzstan's internal violence of 2010; assumption: size (the IMU's incursions of 1999 "
   "and 2000 [KL13] each lasted a few months, as recalled: Aug-Oct)", low=1, high=24)
_p("csto.force_ratio", Kind.FLOAT, 3.0, "troops per fighter",
   "CRRF troops sent per armed fighter in the host (within the pledges)",
   "assumption: the contingent comes to clear an incursion with the attacker's customary "
   "3:1 superiority; [KL13]: its role is to support the national forces", low=0.5,
   high=20.0)
_p("csto.mandate_months", Kind.INT, 12, "months",
   "months a deployment lasts before it ends or a new request is decided",
   "assumption: no CSTO deployment up to 2013 to ground it; a year, the term after which "
   "multinational missions are commonly renewed", low=1, high=60)
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
       "share of the other SCO members' own intelligence a fully shared, fully trusted "
       "RATS exchange adds in a member (times sharing and 1 - rivalry)",
       "assumption: an exchange pools what its members know and cannot know more ([KL13]: "
       "a database of 42 organisations and 1,100 people, 'dependent upon the cooperation "
       "of their members'); at most once the partners' mean")
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
