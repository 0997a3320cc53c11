"""Parameters of the states family (``agents/states.py``): the six study states.

Per-state initial conditions, legitimacy dynamics, upheavals (``regimes.*``,
``agents/regimes.py``), the borders and rivalries between states, and the stability index
S and what counts as destabilised (``stability.*``, read by ``StateAgent``). All are
uncertainties but ``states.<iso3>.repression``, a lever of group ``repression``: how hard
a regime represses is its choice.
"""

from __future__ import annotations

from stability_sim.params.parameter import Kind, Section

# --- States (per study state) ------------------------------------------------------------
STATES = Section("States (per study state)")
_p, _share, _per_state = STATES.p, STATES.share, STATES.per_state
_per_state("troops", Kind.INT,
           {"TJK": 8_800, "KGZ": 10_900, "UZB": 48_000, "TKM": 22_000, "KAZ": 39_000},
           "troops", "active national armed forces",
           "IISS Military Balance 2013, active forces (AFG's army is afg_forces.initial)",
           0, 500_000)
_per_state("legitimacy", Kind.FLOAT,
           {"AFG": 0.30, "TJK": 0.45, "KGZ": 0.40, "UZB": 0.50, "TKM": 0.55, "KAZ": 0.65},
           "1", "initial legitimacy L",
           "assumption: order of [KL13] (KAZ 'relatively stable'; KGZ after 2010 unrest; "
           "AFG contested), not WGI-calibrated",
           0.0, 1.0)
_per_state("repression", Kind.FLOAT,
           {"AFG": 0.50, "TJK": 0.83, "KGZ": 0.67, "UZB": 1.00, "TKM": 1.00, "KAZ": 0.67},
           "1", "repression rho",
           "Freedom House 2013 civil liberties rating CL (1-7) as (CL-1)/6; AFG lowered: "
           "the state cannot repress where it does not govern",
           0.0, 1.0, lever="repression")
_per_state("poverty", Kind.FLOAT,
           {"AFG": 0.36, "TJK": 0.40, "KGZ": 0.38, "UZB": 0.16, "TKM": 0.25, "KAZ": 0.04},
           "1", "poverty headcount, the base hardship H0",
           "World Bank national poverty lines, latest before 2014 (AFG NRVA 2011-12; KGZ, "
           "KAZ 2012; UZB 2013 official; TJK 2012); TKM has none: assumption",
           0.0, 1.0)
_per_state("border_quality", Kind.FLOAT,
           {"AFG": 0.2, "TJK": 0.3, "KGZ": 0.35, "UZB": 0.8, "TKM": 0.5, "KAZ": 0.6},
           "1", "border guard quality (interdiction and infiltration checks)",
           "assumption: UZB-AFG one guarded bridge at Termez, TJK-AFG porous [KL13]",
           0.0, 1.0)
_per_state("corruption", Kind.FLOAT,
           {"AFG": 0.92, "TJK": 0.78, "KGZ": 0.76, "UZB": 0.83, "TKM": 0.83, "KAZ": 0.74},
           "1", "initial corruption c of officials",
           "Transparency International CPI 2013 score S as 1 - S/100 (AFG 8, UZB 17, "
           "TKM 17, TJK 22, KGZ 24, KAZ 26)",
           0.0, 1.0)

_per_state("remittances", Kind.FLOAT,
           {"AFG": 0.01, "TJK": 0.47, "KGZ": 0.31, "UZB": 0.12, "TKM": 0.0, "KAZ": 0.001},
           "share of GDP", "personal remittances received",
           "World Bank WDI, personal remittances received, % of GDP, 2012 (recalled; UZB "
           "an estimate, TKM none published: assumption 0)",
           0.0, 1.0)

_share("states.legitimacy_rate", 0.05,
       "monthly rate at which legitimacy moves toward its performance target",
       "assumption: legitimacy shifts over years, not months")
_share("states.legitimacy_base", 0.6,
       "share of initial legitimacy L0 a state keeps with no control (target "
       "L0·(base + w_G·control) - w_v·violence)",
       "assumption: a regime keeps most of its legitimacy from identity and patronage even "
       "where it has lost the ground [KL13]")
_share("states.legitimacy_control_weight", 0.4,
       "share of L0 that depends on population-weighted control (full control restores L0 "
       "with legitimacy_base 0.6)",
       "assumption: losing territory costs a regime, but not all of its standing")
_share("states.legitimacy_violence_weight", 0.3,
       "legitimacy target lost at the violence term's saturation (v/(v + v½) = 1)",
       "assumption: a state that cannot protect its people loses about a third of full "
       "legitimacy (Andijan 2005 [KL13])")
_share("states.remittance_weight", 0.5,
       "legitimacy target lost per unit of remittances (share of GDP) that stop coming "
       "(× economy.remittance_shock)",
       "assumption: remittances keep Tajik and Kyrgyz households afloat; losing all of "
       "Tajikistan's (47 % of GDP) would cost about half of its 2013 legitimacy")
_p("states.ndn_revenue_effect", Kind.FLOAT, 0.02, "1",
   "legitimacy target gained while NDN transit revenue flows",
   "[KL13]: ISAF countries 'will pay a considerable amount for the transit routes'",
   low=0.0, high=0.2)

# --- Regimes --------------------------------------------------------------------------------
REGIMES = Section("Regimes")
_p, _share = REGIMES.p, REGIMES.share
_p("regimes.upheaval_rate", Kind.FLOAT, 5.0 / 840.0, "per state-month",
   "monthly hazard of an upheaval (elite contest or mass protest) at the mean 2013 "
   "standing of the Central Asian states",
   "record 2000-2013: five upheavals (Kyrgyzstan 2005 and 2010, Andijan 2005 [KL13], "
   "Zhanaozen 2011, Khorog 2012) in 70 state-years of the five states",
   low=0.0, high=0.05)
_p("regimes.legitimacy_exponent", Kind.FLOAT, 1.0, "1",
   "how steeply the upheaval hazard rises as legitimacy falls ((1 - L)/(1 - mean L0) to "
   "this power)",
   "assumption: the record's upheavals fell where standing was lowest (Kyrgyzstan twice, "
   "Turkmenistan never); 0 makes them independent of legitimacy", low=0.0, high=4.0)
_share("regimes.fall_probability", 0.4, "probability that an upheaval topples the regime",
       "record 2000-2013: two of the five upheavals toppled the government (Kyrgyzstan "
       "2005 and 2010); the others were put down by force")
_share("economy.remittance_shock", 0.0,
       "share of remittances that stop coming (the economy as an input to legitimacy)",
       "assumption: none in 2013; an uncertainty to explore (no evidence after 2013 used)")

# --- Borders ---------------------------------------------------------------------------------
BORDERS = Section("Borders")
_p, _share = BORDERS.p, BORDERS.share
_share("borders.porosity_tjk_afg", 0.6, "crossing success, Tajik-Afghan border",
       "[KL13]: Badakhshan a main smuggling route; [W06]: porous Tajik-Afghan border")
_share("borders.porosity_tkm_afg", 0.35, "crossing success, Turkmen-Afghan border",
       "MODEL.md §4: medium; [KL13]: opium 'transported via Turkmenistan'")
_share("borders.porosity_uzb_afg", 0.1, "crossing success, Uzbek-Afghan border",
       "[KL13]: one guarded crossing, the Termez bridge")
_share("borders.porosity_pak_afg", 0.8, "crossing success, Durand line",
       "assumption: unfenced; sanctuary of jihadists in Pakistan [KL13]")
_share("borders.guard_effect", 0.5,
       "share of crossings a study state's border guards of quality 1 stop (porosity "
       "× (1 - effect·quality))",
       "assumption: even the best-guarded border (Termez bridge [KL13]) is crossed by "
       "mountain paths")
_share("borders.porosity_other", 0.3, "crossing success on other land borders",
       "assumption: Fergana enclaves and mountain borders are hard to seal")

# --- Rivalry -----------------------------------------------------------------------------------
RIVALRY = Section("Rivalry")
_p, _share = RIVALRY.p, RIVALRY.share
_share("rivalry.uzb_tjk", 0.8, "pairwise rivalry Uzbekistan-Tajikistan",
       "[KL13]: 'energy and water issues' (Rogun dam dispute)")
_share("rivalry.uzb_kgz", 0.6, "pairwise rivalry Uzbekistan-Kyrgyzstan",
       "[KL13]: water and territorial complexity (Fergana enclaves)")
_share("rivalry.kgz_tjk", 0.5, "pairwise rivalry Kyrgyzstan-Tajikistan",
       "[KL13]: territorial complexity (Isfara border disputes)")
_share("rivalry.uzb_kaz", 0.3, "pairwise rivalry Uzbekistan-Kazakhstan",
       "assumption: leadership competition, no open dispute")
_share("rivalry.default", 0.2, "rivalry of any other pair of SCO members",
       "[KL13]: 'suspicion among the neighbouring Central Asian states ... remains high'")
_p("rivalry.scale", Kind.FLOAT, 1.0, "1", "multiplies every pairwise rivalry (0 removes it)",
   "assumption: the knob of stylized fact SF8", low=0.0, high=2.0)

# --- Stability index -----------------------------------------------------------------------
STABILITY = Section("Stability index")
_p, _share = STABILITY.p, STABILITY.share
_share("stability.weight_control", 0.4, "weight of population-weighted control in S",
       "assumption: territorial control first, as in RebeLand (Cioffi-Revilla 2010)")
_share("stability.weight_violence", 0.2, "weight of (1 - violence rate) in S",
       "assumption: violence shakes regimes less than lost territory (RebeLand)")
_share("stability.weight_legitimacy", 0.3, "weight of legitimacy in S",
       "assumption: authoritarian regimes rest on legitimacy and coercion [KL13]")
_share("stability.weight_insurgents", 0.1, "weight of (1 - insurgent presence) in S",
       "assumption: presence without control is a latent, smaller threat")
_p("stability.violence_scale", Kind.FLOAT, 20.0, "fatalities/month",
   "fatalities per month at which the violence term of S is halved",
   "assumption: a month like Andijan 2005 (187 dead [KL13]) is a deep crisis",
   low=1.0, high=10_000.0)
_p("stability.crisis_fatalities", Kind.FLOAT, 100.0, "deaths",
   "political-violence deaths in a state over stability.destabilized_months months that "
   "make a violent crisis (destabilised)",
   "the order of Andijan 2005 (187 dead [KL13]); the Tashkent and Bukhara attacks of 2004 "
   "(about 47 dead, recalled) and the Rasht fighting of 2010 left their regimes standing "
   "(the region 'relatively stable' [KL13]); fixed before any run (docs/ODD.md)",
   low=10.0, high=5_000.0)
_share("stability.control_lost", 0.9,
       "population-weighted control below which, for stability.destabilized_months months, "
       "a state has lost ground (destabilised)",
       "assumption: one citizen in ten outside the state's control, more than "
       "Gorno-Badakhshan and the Rasht valley together; fixed before any run")
_p("stability.destabilized_months", Kind.INT, 3, "months",
   "months over which deaths are summed, and control must stay lost, for a crisis",
   "MODEL.md §4 (3 consecutive months)",
   low=1, high=24)
_share("stability.capital_lost_control", 1.0 / 3.0,
       "control of the capital's cell below which the capital is lost (a collapse)",
       "MODEL.md §4: a cell is insurgent-controlled below 1/3")
_share("stability.collapse_control", 0.5,
       "population-weighted control below which the government has collapsed", "MODEL.md §4")
