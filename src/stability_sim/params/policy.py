"""Policy parameters: the drawdown of the international force and regional cooperation.

Not a family: the two policy knobs of the model (MODEL.md §2), read by several families.
Both sections are levers (groups ``drawdown`` and ``cooperation``) except the two facts
a drawdown schedule starts from, which are uncertainties.
"""

from __future__ import annotations

from stability_sim.params.parameter import Kind, Role, Section

# --- Drawdown of the international force -----------------------------------------------
DRAWDOWN = Section("Drawdown of the international force", lever="drawdown")
_p, _share = DRAWDOWN.p, DRAWDOWN.share
_p("drawdown.preset", Kind.CHOICE, "isaf_2014_plan", "", "named drawdown schedule",
   "[KL13]: withdrawal by end-2014 leaving 8,000-12,000 troops (NATO, Feb/Jun 2013)",
   choices=("isaf_2014_plan", "full_withdrawal", "no_drawdown"))
_p("drawdown.initial_troops", Kind.INT, 87_207, "troops",
   "international troops at drawdown.initial_date; also the reference of Afghan support",
   "[KL13]: 87,207 ISAF soldiers from 49 nations, Aug 2013", low=0, high=150_000,
   role=Role.UNCERTAINTY)  # history, not a choice: where every schedule starts
_p("drawdown.initial_date", Kind.MONTH, "2013-08", "month",
   "date of drawdown.initial_troops, where every preset schedule starts",
   "[KL13]: ISAF placemat, Aug 2013", low="2013-01", high="2013-12", role=Role.UNCERTAINTY)
_p("drawdown.residual_troops", Kind.INT, 10_000, "troops",
   "troops left after the isaf_2014_plan drawdown",
   "[KL13]: 8,000 to 12,000 troops to remain after 2014 (default is the midpoint)",
   low=0, high=30_000)
_p("drawdown.end", Kind.MONTH, "2014-12", "month", "month the residual level is reached",
   "[KL13]: ISAF mission ends in 2014", low="2013-09", high="2030-12")
_p("drawdown.schedule", Kind.SCHEDULE, None, "troops",
   "explicit {date, troops} points, linearly interpolated; overrides the preset",
   "user input: none by default (the preset applies)", optional=True)

# --- Cooperation --------------------------------------------------------------------------
COOPERATION = Section("Cooperation", lever="cooperation")
_p, _share = COOPERATION.p, COOPERATION.share
_share("cooperation.level", 0.25,
       "one knob scaling intelligence sharing, CSTO will, joint interdiction, NATO link",
       "assumption: low in 2013: RATS shares little, the CSTO a 'paper tiger', no "
       "SCO-NATO contact [KL13][W06]; 0 = none, 1 = a working security community")
_share("cooperation.intel_sharing", None,
       "share of detections RATS passes between SCO members (before rivalry damping)",
       "assumption: follows the level one-to-one [KL13: 'whether ... willing to share']",
       derive=lambda v: v["cooperation.level"], derive_doc="cooperation.level")
_share("cooperation.csto_political_will", None,
       "political will of CSTO members to act on a request for help",
       "assumption: follows the level; no intervention in 2004-05 nor Kyrgyzstan 2010 [KL13]",
       derive=lambda v: v["cooperation.level"], derive_doc="cooperation.level")
_share("cooperation.joint_interdiction", None,
       "extra interdiction from joint operations (CSTO 'Kanal') on border cells",
       "assumption: follows the level; annual Kanal operations since 2003 [W06]",
       derive=lambda v: v["cooperation.level"], derive_doc="cooperation.level")
_share("cooperation.nato_link", None,
       "strength of the NATO-SCO/CSTO link on the Tajik-Afghan border",
       "assumption: the last tie to form, so it rises as the square of the level; the SCO "
       "'lacks contacts with NATO' in 2006 [W06]",
       derive=lambda v: v["cooperation.level"] ** 2, derive_doc="cooperation.level²")
