"""Parameters of the jihadists family (``agents/jihadists.py``): networks and attacks.

Network sizes and recruitment, capacity, movement, each network's reach and initial
placement (``jihadists.<net>.reach_<place>``, ``jihadists.<net>.seed_<place>``: the
places are listed in ``agents/jihadists.py::NETWORKS``, the weights here), and the attacks
the cells make (``attacks.*``). All are uncertainties.
"""

from __future__ import annotations

from stability_sim.params.calibrated import CALIBRATED_TO
from stability_sim.params.parameter import Kind, Section

# --- Jihadist networks ---------------------------------------------------------------------
JIHADISTS = Section("Jihadist networks")
_p, _share = JIHADISTS.p, JIHADISTS.share
_JIHADIST_FIGHTERS = {
    "taliban": (28_000, "approximate: ISAF / US intelligence estimates of Jan-Oct 2010, "
                "25,000-36,000 insurgent fighters (Brookings Afghanistan Index 2010); "
                "docs/HISTORY.md"),
    "imu": (1_500, "assumption: pre-2014 estimates run from hundreds (US State Dept) to a "
            "few thousand in FATA and northern Afghanistan"),
    "iju": (200, "US State Dept Country Reports on Terrorism 2012: 100-200 members"),
    "hut": (17_500, "[KL13]: 15,000-20,000 followers in Central Asia (midpoint)"),
    "jak": (366, "[KL13]: a few battalions, mostly in Afghanistan, attacks in Kazakhstan in "
            "2011; assumed 100 before its calibration"),
}
for _net, (_fighters, _src) in _JIHADIST_FIGHTERS.items():
    _p(f"jihadists.{_net}.initial_fighters", Kind.INT, _fighters, "people",
       f"initial fighters (members, for HuT) of the {_net.upper()} network", _src,
       low=0, high=200_000,
       calibrated=CALIBRATED_TO.get(f"jihadists.{_net}.initial_fighters", ""))
_JIHADIST_RECRUITMENT = {"taliban": 2.38, "imu": 0.0591, "iju": 0.05, "hut": 0.0398,
                         "jak": 0.05}
for _net, _rate in _JIHADIST_RECRUITMENT.items():
    _p(f"jihadists.{_net}.recruitment_rate", Kind.FLOAT, _rate, "people/month",
       f"r_n: recruitment coefficient of the {_net.upper()} network",
       "calibrated on the record 2010-2013 (see calibrated)"
       if f"jihadists.{_net}.recruitment_rate" in CALIBRATED_TO else
       "assumption: hand-set; no target of the 2010-2013 record follows it (the network "
       "barely acts inside the window)", low=0.0, high=5.0,
       calibrated=CALIBRATED_TO.get(f"jihadists.{_net}.recruitment_rate", ""))
_JIHADIST_CELL_SIZE = {
    "taliban": (500, "assumption: a district's fighting group of a few hundred"),
    "imu": (150, "assumption: a band of one to two hundred, as raided Kyrgyzstan in 1999-2000"),
    "iju": (100, "assumption: the whole IJU is 100-200 members (US State Dept 2012)"),
    "hut": (400, "assumption: a local HuT organisation of a few hundred members, itself "
            "made of small study circles"),
    "jak": (50, "assumption: JaK's 'battalions' in Khost [KL13] are small groups"),
}
for _net, (_size, _src) in _JIHADIST_CELL_SIZE.items():
    _p(f"jihadists.{_net}.cell_size", Kind.INT, _size, "people",
       f"fighters (members) per cell of the {_net.upper()} network at the start; cells "
       "split above jihadists.split_factor times it", _src, low=25, high=5_000)

#: Reach A_n in [0, 1] by country (ISO3, lower case) or named region (raised to it
#: where higher), and weights of initial placement by country or region, per network:
#: (reach, seed, source). The places are the sources'; the levels are assumptions.
_JIHADIST_PLACES: dict[str, tuple[dict[str, float], dict[str, float], str]] = {
    "taliban": (
        {"afg": 1.0, "pak": 0.8},
        {"southern_afghanistan": 3.0, "eastern_afghanistan": 3.0, "afg": 1.0, "pak": 0.0},
        "[KL13]: a territorial insurgency holding ground in the south and east of "
        "Afghanistan, Pakistan as sanctuary; none start in Pakistan: the 2010 estimates of "
        "its strength count the insurgents in Afghanistan (docs/HISTORY.md), and the "
        "sanctuary's men are the reserve that regenerates them (sanctuary_inflow); "
        "assumption: the levels"),
    "imu": (
        {"uzb": 1.0, "kgz": 0.8, "tjk": 0.8, "afg": 0.5, "pak": 0.4, "kaz": 0.3, "tkm": 0.3,
         "fergana_valley": 1.0, "osh": 1.0, "northern_afghanistan": 0.7,
         "tajik_afghan_border": 0.9},
        {"northern_afghanistan": 2.0, "pak": 1.0},
        "[KL13]: aimed at the Uzbek regime and Central Asia, refuge in northern Afghanistan "
        "and Pakistan, incursions into UZB and KGZ 1999-2000, Fergana and Osh; "
        "assumption: the levels"),
    "iju": (
        {"uzb": 1.0, "tjk": 0.5, "kgz": 0.5, "afg": 0.5, "pak": 0.5, "kaz": 0.3, "tkm": 0.3,
         "fergana_valley": 1.0, "northern_afghanistan": 0.6},
        {"eastern_afghanistan": 1.0, "pak": 1.0},
        "[KL13]: IMU splinter aimed at Uzbekistan, based with the Haqqani network; "
        "assumption: the levels"),
    "hut": (
        {"uzb": 0.7, "kgz": 0.7, "tjk": 0.6, "kaz": 0.3, "tkm": 0.1,
         "fergana_valley": 1.0, "osh": 1.0},
        {"fergana_valley": 4.0, "uzb": 1.0, "kgz": 0.6, "tjk": 0.6, "kaz": 0.2},
        "[KL13]: strongest in the Fergana Valley; 15,000-20,000 followers in Central Asia, "
        "3,000-5,000 in KGZ and TJK; assumption: the levels"),
    "jak": (
        {"kaz": 1.0, "afg": 0.4, "pak": 0.5, "uzb": 0.3, "kgz": 0.3},
        {"eastern_afghanistan": 1.0, "pak": 1.0, "kaz": 7.51},
        "[KL13]: Kazakh-focused, battalions 'primarily active in Afghanistan' (Khost) "
        "and 'in other parts of the world', attacks in Kazakhstan in 2011 (citing Zarif "
        "2011, Zenn 2012); assumption: the levels (seed_kaz, assumed 0.3 before its "
        "calibration, is the weight of its home cells)"),
}
for _net, (_reach, _seed, _src) in _JIHADIST_PLACES.items():
    for _place, _value in _reach.items():
        _share(f"jihadists.{_net}.reach_{_place}", _value,
               f"reach A_n of the {_net.upper()} network in {_place} (its aims and "
               "co-ethnic or refuge areas)", _src)
    for _place, _value in _seed.items():
        _p(f"jihadists.{_net}.seed_{_place}", Kind.FLOAT, _value, "1",
           f"weight of {_place} in placing the {_net.upper()} network's initial cells "
           "(times √population)", _src, low=0.0, high=10.0,
           calibrated=CALIBRATED_TO.get(f"jihadists.{_net}.seed_{_place}", ""))

# The Taliban's territorial strategy and sanctuary (agents/jihadists.py: territorial,
# sanctuary); the other networks drift toward opportunity.
_p("jihadists.taliban.sanctuary_inflow", Kind.FLOAT, 3110.0, "fighters/month",
   "fighters the Taliban field from the Pakistani sanctuary a month at full capacity",
   "[KL13]: the Taliban 'weakened ... not driven away', rear bases in Pakistan; "
   "assumption before calibration: about 1.5% of 25,000 a month", low=0.0, high=5_000.0,
   calibrated=CALIBRATED_TO["jihadists.taliban.sanctuary_inflow"])
_share("jihadists.taliban.hold_ground", 0.8,
       "how much less a Taliban band moves from ground its network controls (move "
       "probability x (1 - hold(1 - g)))",
       "assumption: the Taliban contest and hold districts rather than drift (issue 17)")
_p("jihadists.taliban.attack_factor", Kind.FLOAT, 5.46, "1",
   "how many times attacks.base_rate a Taliban band attacks per fighter (an insurgency at "
   "war, not a clandestine network)",
   "assumption before calibration: UNAMA counted about 3,000 civilian deaths a year in "
   "2010-2012, far more per fighter than Central Asian networks cause", low=1.0,
   high=100.0,
   calibrated=CALIBRATED_TO["jihadists.taliban.attack_factor"])
_p("jihadists.taliban.contest_preference", Kind.FLOAT, 2.0, "1",
   "w_c: pull of contested ground (control near 1/2) on Taliban bands",
   "assumption: the insurgency pushes where the government's hold is weakest", low=0.0,
   high=20.0)
_p("jihadists.taliban.centre_preference", Kind.FLOAT, 1.0, "1",
   "w_p: pull of district centres (populated places) on Taliban bands",
   "assumption: holding a district means holding its centre", low=0.0, high=20.0)

# The Taliban's war chest (agents/war_chest.py): the fighters their income pays.
_share("jihadists.taliban.opium_tax_share", 0.15,
       "tau: the insurgents' take of the farm-gate value of opium grown where they hold "
       "the ground",
       "approximate: UNODC 2009 (Addiction, Crime and Insurgency) put the insurgents' drug "
       "income at about USD 125 M a year in 2005-2009, on a farm-gate value of USD "
       "0.4-1 bn (UNODC Afghanistan Opium Surveys): the 10 % ushr plus levies on traders")
_p("jihadists.taliban.opium_price_usd_kg", Kind.FLOAT, 170.0, "USD/kg",
   "P: farm-gate price of dry opium",
   "approximate: UNODC Afghanistan Opium Surveys 2010-2013, weighted farm-gate prices of "
   "about USD 140-240 a kg (169 in 2010)", low=30.0, high=500.0)
_p("jihadists.taliban.local_tax_usd", Kind.FLOAT, 5.0, "USD/person/year",
   "t_l: what the Taliban raise a year per person in areas they hold (tithes on other "
   "crops, road tolls, levies on contracts)",
   "assumption: the order of the opium tax spread over the people of the south; a wide "
   "range, left to the calibration", low=0.0, high=40.0)
_p("jihadists.taliban.outside_usd_m", Kind.FLOAT, 100.0, "USD M/year",
   "O: money from donors abroad a year",
   "approximate: US government estimates of 2008-2009 reported in the press put foreign "
   "donations to the Taliban at about USD 100 M a year; assumption: held constant",
   low=0.0, high=500.0)
_p("jihadists.taliban.fighter_cost_usd", Kind.FLOAT, 4060.0, "USD/year",
   "c_f: what a fighter costs a year (pay, food, arms, ammunition, transport, payments "
   "to the families of the dead)",
   "assumption: a fighter's pay of about USD 10 a day (USD 3,650 a year) was widely "
   "reported in 2009-2010; upkeep is left to the calibration", low=2_000.0, high=20_000.0,
   calibrated=CALIBRATED_TO["jihadists.taliban.fighter_cost_usd"])
_p("jihadists.taliban.unpaid_months", Kind.FLOAT, 6.0, "months",
   "time over which fighters the war chest cannot pay go home",
   "assumption: part-time fighters return to their farms within a season", low=1.0,
   high=36.0)

# The Central Asian networks' war chests (agents/war_chest.py): fees on the consignments
# entering the ground around their bands, plus outside money, pay their fighters.
_p("jihadists.transit_price_usd_kg", Kind.FLOAT, 400.0, "USD/kg",
   "P_t: value of a kg of opium equivalent in transit through northern Afghanistan and "
   "Central Asia, on which trafficking.protection_fee is paid",
   "approximate (recalled, to be checked): UNODC 2012 (Opiate flows through northern "
   "Afghanistan and Central Asia) put heroin wholesale at about USD 2,000-3,000 a kg in "
   "northern Afghanistan and on the Tajik border, and UNODC converts about 7 kg of opium "
   "to 1 kg of heroin", low=100.0, high=3_000.0)
_CA_CHEST = {
    "imu": (1.0, "assumption: al-Qaeda and Gulf donors paid the IMU in the 1990s-2000s; "
            "by 2010 [KL13] finds it 'largely financed by the heroin trade', so outside "
            "money is small beside the fees"),
    "iju": (0.3, "assumption: a small splinter fed by its Haqqani hosts [KL13]"),
    "jak": (0.3, "assumption: a small group fed by its hosts in Khost [KL13]"),
}
for _net, (_usd, _src) in _CA_CHEST.items():
    _p(f"jihadists.{_net}.outside_usd_m", Kind.FLOAT, _usd, "USD M/year",
       f"O: money from abroad a year for the {_net.upper()}", _src, low=0.0, high=50.0)
    _p(f"jihadists.{_net}.fighter_cost_usd", Kind.FLOAT, 4060.0, "USD/year",
       f"c_f: what a fighter of the {_net.upper()} costs a year",
       "assumption: as a Taliban fighter (calibrated to USD 4,060, about USD 10 a day "
       "plus upkeep): the same camps and markets", low=1_000.0, high=20_000.0)
    _p(f"jihadists.{_net}.unpaid_months", Kind.FLOAT, 6.0, "months",
       f"time over which {_net.upper()} fighters the chest cannot pay leave",
       "assumption: as the Taliban's; foreign fighters drift to better-paid groups "
       "within a season", low=1.0, high=36.0)

_share("jihadists.initial_capacity", 0.5, "K_n at the start: capacity after exhaustion",
       "[KL13]: the fight against ISAF and Pakistan 'has exhausted the capacities'")
_p("jihadists.recovery_months", Kind.FLOAT, 36.0, "months",
   "tau_rec: time constant of capacity recovery toward 1",
   "MODEL.md §4 (range 12-72); [KL13]: 'once such capacities have been restored'",
   low=12.0, high=72.0)
_p("jihadists.exhaustion_per_loss", Kind.FLOAT, 2.0, "1",
   "capacity lost per unit of fighters lost (as a share of the network)",
   "assumption: losing a tenth of the fighters costs a fifth of capacity", low=0.0, high=10.0)
_p("jihadists.population_exponent", Kind.FLOAT, 0.5, "1",
   "alpha: how recruitment grows with cell population (sub-linear)",
   "assumption: recruitment pools grow slower than population", low=0.0, high=1.0)
_p("jihadists.funds_effect", Kind.FLOAT, 0.5, "1",
   "phi: gain in recruitment and attacks per unit of funds (fees per 1,000 members)",
   "[KL13]: IMU 'largely financed by the heroin trade'", low=0.0, high=5.0)
_p("jihadists.security_half_saturation", Kind.FLOAT, 100.0, "troops",
   "k_s: security presence (per 0.25° cell) that halves recruitment and attacks",
   "assumption: a battalion per 0.25° cell (about 28 km square) deters half", low=1.0,
   high=10_000.0)
_p("jihadists.repression_backlash", Kind.FLOAT, 7.86, "1",
   "beta_b: recruitment gain per unit repression times recent repression",
   "[KL13] on Andijan 2005, crackdown then solidarity rallies; the size calibrated",
   low=0.0, high=10.0, calibrated=CALIBRATED_TO["jihadists.repression_backlash"])
_p("jihadists.recruit_pool", Kind.FLOAT, 0.002, "1",
   "largest share of a place's population that fighters (within reach) can make up",
   "assumption: 25,000-36,000 Taliban fighters [ISAF 2010-11] among ~30M Afghans is "
   "about 0.1%; twice that where recruitment is easiest", low=0.0, high=0.05)
_p("jihadists.nonviolent_pool_factor", Kind.FLOAT, 5.0, "1",
   "how much wider the pool of a non-violent movement (HuT) is than an armed band's",
   "assumption: 15,000-20,000 HuT followers [KL13] against a few thousand IMU fighters",
   low=1.0, high=50.0)
_p("jihadists.route_preference", Kind.FLOAT, 1.0, "1",
   "pull of trafficking flow on where cells move (to tax it)",
   "[KL13]: IMU attacks as 'measures to ensure a courier system for Afghan opiates'",
   low=0.0, high=10.0)
_p("jihadists.outflow_share", Kind.FLOAT, 0.004, "1/month",
   "share of each Central Asian network's (IMU, IJU, JaK) fighters leaving a month for "
   "other theatres (Syria, Iraq) from jihadists.outflow_start",
   "record to 2013 (recalled, order of magnitude, to be checked): a few hundred Central "
   "Asians had gone to Syria by the end of 2013 (ICSR, Dec 2013), against some 3,000-"
   "4,000 fighters of these networks: about 300 in 24 months; assumption: the pull "
   "stays at its 2013 strength (nothing after 2013 used)", low=0.0, high=0.05)
_p("jihadists.outflow_start", Kind.MONTH, "2012-01", "month",
   "first month Central Asian fighters leave for other theatres",
   "record to 2013: departures for Syria reported from 2012 (recalled)",
   low="2010-01", high="2030-12")
_share("jihadists.sanctuary_grievance", 0.3,
       "grievance G in Pakistan's border areas, where networks recover",
       "assumption: sanctuary recruitment [KL13: Taliban and IMU bases in Pakistan]")
_share("jihadists.arrest_rate", 0.05,
       "share of a non-violent cell's members arrested per month at full ρ and D",
       "assumption: HuT arrests in Uzbekistan ran to thousands over the 2000s")
_share("jihadists.move_probability", 0.3, "chance a cell moves in a month",
       "assumption: small bands relocate seasonally, not constantly")
_p("jihadists.rugged_preference", Kind.FLOAT, 1.0, "1",
   "weight of ruggedness in a cell's choice of where to move",
   "Doran (Iruba): guerrillas prefer rough terrain", low=0.0, high=10.0)
_p("jihadists.vision", Kind.FLOAT, 0.5, "degree",
   "how far a band looks, and can go, when it moves in a month (at least one cell)",
   "assumption: local knowledge of a few valleys, about 55 km beyond the band's own 0.25° "
   "cell (a square of side 0.25 + 2·vision degrees at every resolution)", low=0.25,
   high=2.0)
_p("jihadists.attraction_base", Kind.FLOAT, 0.5, "1",
   "pull of a place with no grievance, against 1 more at full grievance (A_n·(base + G))",
   "assumption: bands go where people resent the state, but not only there", low=0.0,
   high=5.0)
_p("jihadists.traffic_half_saturation", Kind.FLOAT, 10.0, "t/month",
   "trafficking flow through a cell at which half its pull on moving cells is reached",
   "assumption: ten tons a month is a main route ([KL13]: 'more than 20 per cent' of "
   "about 5,500 t/year goes north)", low=0.1, high=1_000.0)
_p("jihadists.caught_share", Kind.FLOAT, 0.1, "1",
   "share of a band caught (rounded up) when it fails to cross a border",
   "assumption: most of a band turns back, a few are arrested", low=0.0, high=0.5)
_p("jihadists.caught_repression_scale", Kind.FLOAT, 100.0, "people",
   "fighters caught at a border that count as a full repression event in their cell",
   "assumption: arrests at the border anger fewer people than arrests at home",
   low=1.0, high=10_000.0)
_p("jihadists.split_factor", Kind.FLOAT, 2.0, "1",
   "a cell larger than this times its network's cell_size splits in two",
   "assumption: bands split when they outgrow a leader's span", low=1.5, high=10.0)
_p("jihadists.dissolve_floor", Kind.FLOAT, 3.0, "people",
   "a cell with fewer fighters than this (or than dissolve_share of cell_size) "
   "dissolves", "assumption: a band of two is no longer a band", low=0.0, high=50.0)
_p("jihadists.dissolve_share", Kind.FLOAT, 0.05, "1",
   "a cell smaller than this share of its network's cell_size dissolves",
   "assumption: a remnant of a twentieth joins other cells or goes home", low=0.0,
   high=0.5)
_p("jihadists.fee_scale", Kind.FLOAT, 10.0, "t/1000 members",
   "fee income per thousand members that counts as one unit of funds",
   "assumption: ten tons' worth of fees a month per thousand members is a "
   "sizeable income ([KL13]: the IMU 'largely financed by the heroin trade')",
   low=1.0, high=1_000.0)
_p("jihadists.funds_memory_months", Kind.FLOAT, 12.0, "months",
   "smoothing of funds: each month funds = ((m - 1)·funds + income)/m",
   "assumption: a year, so the harvest season does not swing recruitment",
   low=1.0, high=60.0)

# --- Attacks -------------------------------------------------------------------------------
ATTACKS = Section("Attacks")
_p, _share = ATTACKS.p, ATTACKS.share
_p("attacks.base_rate", Kind.FLOAT, 0.008, "1/fighter",
   "a0: attack propensity per fighter-capacity", "assumption: calibrated to AFG 2013 tempo",
   low=0.0, high=0.1)
_p("attacks.severity_exponent", Kind.FLOAT, 2.4, "1",
   "alpha_sev: power-law exponent of fatalities per attack",
   "Clauset, Young & Gleditsch 2007: alpha ≈ 2.38 for terrorist event severity",
   low=1.5, high=3.5)
_p("attacks.max_fatalities", Kind.INT, 500, "people", "truncation of the severity law",
   "assumption: above the worst regional attacks before 2014", low=10, high=10_000)
