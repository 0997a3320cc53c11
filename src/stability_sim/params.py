"""The parameter registry: every parameter of the model, declared once.

Each :class:`Parameter` carries its dotted name, kind, default, bounds, unit, one-line
meaning and source. Scenario validation (:mod:`stability_sim.config`), ``--set``
overrides, ``stability-sim params``, sweep designs and the visual server's widgets are all
built from :data:`REGISTRY`; nothing else declares a default.

Sources cite the seeds as [KL13] (Kunze & Logvinov 2013) and [W06] (Weitz 2006) with the
figure, another public source dated before 2014, or say ``assumption: <why>``. Initial
conditions use facts up to 2013 only: the model is judged on what happened later.

A parameter whose default is ``None`` and which has a ``derive`` rule takes its value from
other parameters unless it is set explicitly (the cooperation sub-knobs follow
``cooperation.level`` this way).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from stability_sim.errors import UserError
from stability_sim.timeline import month_ordinal, parse_month


class Kind(StrEnum):
    """The value kinds a parameter can have."""

    FLOAT = "float"
    INT = "int"
    BOOL = "bool"
    CHOICE = "choice"
    MONTH = "month"
    SCHEDULE = "schedule"


#: Hard ceiling for troop numbers in a schedule: above any force ever deployed there
#: (ISAF peaked near 130,000 in 2011), so a larger number is a typo.
MAX_SCHEDULE_TROOPS = 200_000


@dataclass(frozen=True)
class Parameter:
    """One model parameter.

    Attributes:
        name: Dotted name, e.g. ``cooperation.level``; the YAML nesting follows the dots.
        kind: What kind of value it holds.
        default: Default value (``None`` only for derived or optional parameters).
        unit: Unit of the value (``"1"`` for dimensionless shares).
        meaning: One line saying what it controls.
        source: Where the default comes from: a citation with the figure, or
            ``assumption: <why>``.
        low: Lower bound (numbers and months), inclusive.
        high: Upper bound (numbers and months), inclusive.
        choices: Allowed values for ``Kind.CHOICE``.
        derive: For a parameter whose default is ``None``: how its value follows from the
            other (resolved) parameters when not set explicitly.
        derive_doc: The rule of ``derive`` in words, shown to users.
        optional: ``None`` is a valid explicit value (e.g. no explicit schedule).
    """

    name: str
    kind: Kind
    default: Any
    unit: str
    meaning: str
    source: str
    low: Any = None
    high: Any = None
    choices: tuple[Any, ...] = ()
    derive: Callable[[Mapping[str, Any]], Any] | None = field(default=None, repr=False)
    derive_doc: str = ""
    optional: bool = False

    @property
    def group(self) -> str:
        """The first component of the dotted name (``run`` for top-level settings)."""
        return self.name.split(".", 1)[0] if "." in self.name else "run"

    def bounds_text(self) -> str:
        """The allowed values in words, for tables and error messages."""
        if self.kind is Kind.CHOICE:
            return "one of " + ", ".join(_fmt(c) for c in self.choices)
        if self.kind is Kind.BOOL:
            return "true or false"
        if self.kind is Kind.SCHEDULE:
            return f"list of {{date: YYYY-MM, troops: 0..{MAX_SCHEDULE_TROOPS}}}"
        return f"[{_fmt(self.low)}, {_fmt(self.high)}]"

    def default_text(self) -> str:
        """The default in words (derived parameters show their rule)."""
        if self.default is None and self.derive_doc:
            return f"= {self.derive_doc}"
        return _fmt(self.default)

    def coerce(self, value: Any) -> Any:
        """Check a value parsed from YAML and return it in canonical form.

        Raises:
            UserError: With what was expected (the caller adds the file and key).
        """
        if value is None:
            if self.optional or self.derive is not None:
                return None
            raise UserError(f"a value is required ({self.bounds_text()})")
        return _COERCERS[self.kind](self, value)

    def coerce_text(self, text: str) -> Any:
        """Parse a command-line string (``--set key=text``) as this parameter's kind.

        Raises:
            UserError: If the text does not parse or is out of bounds.
        """
        text = text.strip()
        if text.lower() in ("", "null", "none", "~"):
            return self.coerce(None)
        if self.kind is Kind.SCHEDULE:
            from stability_sim.yamlio import loads  # schedules are written as YAML lists

            return self.coerce(loads(text, source=f"--set {self.name}"))
        return self.coerce(_parse_scalar(self, text))


def _parse_scalar(p: Parameter, text: str) -> Any:
    """Type a command-line word by the parameter's kind (numbers as Python reads them)."""
    if p.kind is Kind.BOOL:
        words = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
        return words.get(text.lower(), text)
    numeric = p.kind in (Kind.FLOAT, Kind.INT) or (
        p.kind is Kind.CHOICE and not any(isinstance(c, str) for c in p.choices)
    )
    if numeric:
        try:
            return int(text.replace("_", ""))
        except ValueError:
            try:
                return float(text.replace("_", ""))
            except ValueError:
                return text  # coerce() reports it as the wrong type
    return text


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1000:
        return f"{int(value):,}"
    if isinstance(value, int) and abs(value) >= 10_000:
        return f"{value:,}"
    if value is None:
        return "none"
    return str(value)


def _type_name(value: Any) -> str:
    return {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        list: "list",
        dict: "mapping",
    }.get(type(value), type(value).__name__)


def _number(p: Parameter, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UserError(f"expected a number {p.bounds_text()}, got {_type_name(value)} {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise UserError(f"expected a finite number {p.bounds_text()}, got {value!r}")
    # Compare before float(): an integer beyond 1.8e308 (from --set or Python) overflows it.
    if not p.low <= value <= p.high:
        raise UserError(f"{_fmt(value)} is out of bounds {p.bounds_text()}")
    return float(value)


def _coerce_float(p: Parameter, value: Any) -> float:
    return _number(p, value)


def _coerce_int(p: Parameter, value: Any) -> int:
    if isinstance(value, float) and math.isfinite(value) and not value.is_integer():
        raise UserError(f"expected a whole number {p.bounds_text()}, got {value!r}")
    if isinstance(value, int) and not isinstance(value, bool):
        # Integers stay exact: through float, a seed above 2**53 would silently change.
        if not p.low <= value <= p.high:
            raise UserError(f"{_fmt(value)} is out of bounds {p.bounds_text()}")
        return value
    return int(_number(p, value))


def _coerce_bool(p: Parameter, value: Any) -> bool:
    if not isinstance(value, bool):
        raise UserError(f"expected true or false, got {_type_name(value)} {value!r}")
    return value


def _coerce_choice(p: Parameter, value: Any) -> Any:
    for choice in p.choices:
        same_kind = isinstance(choice, str) == isinstance(value, str)
        if same_kind and not isinstance(value, bool) and value == choice:
            return choice
    raise UserError(f"expected {p.bounds_text()}, got {value!r}")


def _coerce_month(p: Parameter, value: Any) -> str:
    if not isinstance(value, str):
        raise UserError(f"expected a month as 'YYYY-MM' (quoted), got {_type_name(value)}")
    try:
        parse_month(value)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if not month_ordinal(p.low) <= month_ordinal(value) <= month_ordinal(p.high):
        raise UserError(f"{value} is out of bounds {p.bounds_text()}")
    return value


def _coerce_schedule(p: Parameter, value: Any) -> tuple[tuple[str, int], ...]:
    if not isinstance(value, list | tuple) or not value:
        raise UserError(f"expected a non-empty list of {{date: YYYY-MM, troops: N}}, got {value!r}")
    points: list[tuple[str, int]] = []
    for i, item in enumerate(value):
        if isinstance(item, tuple) and len(item) == 2:  # canonical form, from Python
            item = {"date": item[0], "troops": item[1]}
        if not isinstance(item, dict) or set(item) != {"date", "troops"}:
            raise UserError(f"item {i}: expected {{date: YYYY-MM, troops: N}}, got {item!r}")
        date = item["date"]
        if not isinstance(date, str):
            raise UserError(f"item {i}: date must be a quoted 'YYYY-MM' string, got {date!r}")
        try:
            parse_month(date)
        except ValueError as exc:
            raise UserError(f"item {i}: {exc}") from None
        troops = item["troops"]
        if isinstance(troops, bool) or not isinstance(troops, int | float):
            raise UserError(f"item {i}: troops must be a number, got {troops!r}")
        # Bounds only (NaN and infinities fail them too): math.isfinite() would overflow
        # on an integer beyond 1.8e308.
        if not 0 <= troops <= MAX_SCHEDULE_TROOPS:
            raise UserError(f"item {i}: troops {troops!r} out of bounds [0, 200,000]")
        if points and month_ordinal(date) <= month_ordinal(points[-1][0]):
            raise UserError(f"item {i}: dates must increase, {date} follows {points[-1][0]}")
        points.append((date, round(troops)))
    return tuple(points)


_COERCERS: dict[Kind, Callable[[Parameter, Any], Any]] = {
    Kind.FLOAT: _coerce_float,
    Kind.INT: _coerce_int,
    Kind.BOOL: _coerce_bool,
    Kind.CHOICE: _coerce_choice,
    Kind.MONTH: _coerce_month,
    Kind.SCHEDULE: _coerce_schedule,
}


# --------------------------------------------------------------------------------------
# Declarations
# --------------------------------------------------------------------------------------
_DECLARED: list[Parameter] = []


def _p(name: str, kind: Kind, default: Any, unit: str, meaning: str, source: str, **kw: Any):
    _DECLARED.append(Parameter(name, kind, default, unit, meaning, source, **kw))


def _share(name: str, default: float, meaning: str, source: str, **kw: Any) -> None:
    _p(name, Kind.FLOAT, default, "1", meaning, source, low=0.0, high=1.0, **kw)


def _per_state(
    suffix: str,
    kind: Kind,
    values: Mapping[str, Any],
    unit: str,
    meaning: str,
    source: str,
    low: Any,
    high: Any,
) -> None:
    """Declare ``states.<iso3>.<suffix>`` for each study state from one table."""
    for iso3, value in values.items():
        _p(
            f"states.{iso3.lower()}.{suffix}",
            kind,
            value,
            unit,
            f"{meaning} ({iso3})",
            source,
            low=low,
            high=high,
        )


# --- Run settings (top-level keys of a scenario file) ---------------------------------
_p("start", Kind.MONTH, "2014-01", "month", "first simulated month",
   "MODEL.md §2: the drawdown year 2014 [KL13]", low="2013-01", high="2030-12")
_p("months", Kind.INT, 120, "months", "horizon: number of monthly steps",
   "MODEL.md §2: ten years after the drawdown", low=1, high=600)
_p("seed", Kind.INT, 20131123, "1", "master seed of the run's numpy SeedSequence",
   "assumption: any fixed integer; this one is the date [KL13] was finished",
   low=0, high=2**63 - 1)
_p("grid.resolution", Kind.CHOICE, 0.25, "degree", "cell size of the regional raster",
   "MODEL.md §2: 0.25° default, 0.5° for ensembles in CI", choices=(0.25, 0.5))

# --- Drawdown of the international force -----------------------------------------------
_p("drawdown.preset", Kind.CHOICE, "isaf_2014_plan", "", "named drawdown schedule",
   "[KL13]: withdrawal by end-2014 leaving 8,000-12,000 troops (NATO, Feb/Jun 2013)",
   choices=("isaf_2014_plan", "full_withdrawal", "no_drawdown"))
_p("drawdown.initial_troops", Kind.INT, 87_207, "troops",
   "international troops at drawdown.initial_date; also the reference of Afghan support",
   "[KL13]: 87,207 ISAF soldiers from 49 nations, Aug 2013", low=0, high=150_000)
_p("drawdown.initial_date", Kind.MONTH, "2013-08", "month",
   "date of drawdown.initial_troops, where every preset schedule starts",
   "[KL13]: ISAF placemat, Aug 2013", low="2013-01", high="2013-12")
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

# --- Afghan forces ---------------------------------------------------------------------------
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
       "Chicago summit 2012: USD 4.1 bn a year pledged for the ANSF; 1 = as pledged")

# --- Security forces -------------------------------------------------------------------------
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
_p("security.troop_equivalent", Kind.FLOAT, 1.0, "1",
   "weight of one national soldier against one fighter in presence s",
   "assumption: unit weight; quality carries the differences", low=0.1, high=5.0)

# --- States (per study state) ------------------------------------------------------------
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
           0.0, 1.0)
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

_share("states.legitimacy_rate", 0.05,
       "monthly rate at which legitimacy moves toward its performance target",
       "assumption: legitimacy shifts over years, not months")
_p("states.ndn_revenue_effect", Kind.FLOAT, 0.02, "1",
   "legitimacy target gained while NDN transit revenue flows",
   "[KL13]: ISAF countries 'will pay a considerable amount for the transit routes'",
   low=0.0, high=0.2)

# --- Borders ---------------------------------------------------------------------------------
_share("borders.porosity_tjk_afg", 0.6, "crossing success, Tajik-Afghan border",
       "[KL13]: Badakhshan a main smuggling route; [W06]: porous Tajik-Afghan border")
_share("borders.porosity_tkm_afg", 0.35, "crossing success, Turkmen-Afghan border",
       "MODEL.md §4: medium; [KL13]: opium 'transported via Turkmenistan'")
_share("borders.porosity_uzb_afg", 0.1, "crossing success, Uzbek-Afghan border",
       "[KL13]: one guarded crossing, the Termez bridge")
_share("borders.porosity_pak_afg", 0.8, "crossing success, Durand line",
       "assumption: unfenced; sanctuary of jihadists in Pakistan [KL13]")
_share("borders.porosity_other", 0.3, "crossing success on other land borders",
       "assumption: Fergana enclaves and mountain borders are hard to seal")

# --- Rivalry -----------------------------------------------------------------------------------
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

# --- Jihadist networks ---------------------------------------------------------------------
_JIHADIST_FIGHTERS = {
    "taliban": (25_000, "ISAF estimates 2010-11: 25,000-36,000 insurgent fighters"),
    "imu": (1_500, "assumption: pre-2014 estimates run from hundreds (US State Dept) to a "
            "few thousand in FATA and northern Afghanistan"),
    "iju": (200, "US State Dept Country Reports on Terrorism 2012: 100-200 members"),
    "hut": (17_500, "[KL13]: 15,000-20,000 followers in Central Asia (midpoint)"),
    "jak": (100, "assumption: a few battalions, mostly in Afghanistan [KL13]"),
}
for _net, (_fighters, _src) in _JIHADIST_FIGHTERS.items():
    _p(f"jihadists.{_net}.initial_fighters", Kind.INT, _fighters, "people",
       f"initial fighters (members, for HuT) of the {_net.upper()} network", _src,
       low=0, high=200_000)
_JIHADIST_RECRUITMENT = {"taliban": 0.25, "imu": 0.1, "iju": 0.05, "hut": 0.3, "jak": 0.05}
for _net, _rate in _JIHADIST_RECRUITMENT.items():
    _p(f"jihadists.{_net}.recruitment_rate", Kind.FLOAT, _rate, "people/month",
       f"r_n: recruitment coefficient of the {_net.upper()} network",
       "assumption: calibrated so 2014 sizes hold near their 2013 levels", low=0.0, high=5.0)
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
_p("jihadists.repression_backlash", Kind.FLOAT, 3.0, "1",
   "beta_b: recruitment gain per unit repression times recent repression",
   "calibrated (SF7): [KL13] on Andijan 2005, crackdown then solidarity rallies; 1.5 was "
   "weaker than the arrests themselves", low=0.0, high=10.0)
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
_p("jihadists.vision", Kind.INT, 2, "cells", "radius a cell looks when it moves",
   "assumption: local knowledge of a few valleys", low=1, high=5)

# --- Attacks -------------------------------------------------------------------------------
_p("attacks.base_rate", Kind.FLOAT, 0.008, "1/fighter",
   "a0: attack propensity per fighter-capacity", "assumption: calibrated to AFG 2013 tempo",
   low=0.0, high=0.1)
_p("attacks.severity_exponent", Kind.FLOAT, 2.4, "1",
   "alpha_sev: power-law exponent of fatalities per attack",
   "Clauset, Young & Gleditsch 2007: alpha ≈ 2.38 for terrorist event severity",
   low=1.5, high=3.5)
_p("attacks.max_fatalities", Kind.INT, 500, "people", "truncation of the severity law",
   "assumption: above the worst regional attacks before 2014", low=10, high=10_000)

# --- Combat ----------------------------------------------------------------------------------
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
_p("combat.terrain_factor", Kind.FLOAT, 0.002, "1/m",
   "tau: extra force losses per metre of ruggedness", "Doran (Iruba): terrain favours "
   "guerrillas; assumption: 500 m of ruggedness doubles force losses", low=0.0, high=0.05)
_share("combat.collateral_rate", 0.02, "civilian casualties per unit s·(1-D)",
       "Bennett 2008: poor intelligence means collateral damage")
_p("combat.collateral_grievance", Kind.FLOAT, 0.001, "1/casualty",
   "grievance added per collateral casualty in a cell",
   "Bennett 2008: collateral damage fuels insurgency", low=0.0, high=0.1)

# --- Grievance and control -------------------------------------------------------------------
_share("grievance.violence_exposure", 0.3, "hardship added by recent violence (saturating)",
       "Epstein 2002: hardship; assumption: violence can add up to 0.3 to poverty")
_share("grievance.memory", 0.9, "monthly persistence of violence exposure",
       "assumption: a half-life of about six months")
_share("control.rate", 0.2, "kappa: monthly rate of change of government control",
       "assumption: districts change hands over seasons")
_p("control.insurgent_weight", Kind.FLOAT, 10.0, "1",
   "lambda: weight of a fighter against a troop-equivalent in control",
   "assumption: insurgents rule by intimidation, so one fighter outweighs a soldier",
   low=0.0, high=100.0)
_share("control.smoothing", 0.25, "weight of the Moore-neighbourhood mean in control",
       "assumption: control spreads along valleys and roads")

# --- Trafficking -----------------------------------------------------------------------------
_p("trafficking.opium_tons", Kind.FLOAT, 5_500.0, "t/year", "Afghan opium production",
   "UNODC Afghanistan Opium Survey 2013: about 5,500 t", low=0.0, high=20_000.0)
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
_share("trafficking.protection_fee", 0.1, "share of consignment value paid to jihadist cells",
       "[KL13]: IMU 'largely financed by the heroin trade'")
_share("trafficking.bribe_rate", 0.05, "corruption added per unit flow through a cell",
       "assumption: NarcoLogic-style bribes erode border control")

# --- Responders ----------------------------------------------------------------------------
_share("csto.readiness", 0.1, "readiness of the CRRF to act on a request",
       "calibrated: [KL13] a 'paper tiger', idle in 2004-05 and Kyrgyzstan 2010; at the "
       "2013 cooperation level it acts in well under half of the runs with a crisis")
_share("csto.request_threshold", 0.76, "theta_req: stability below which a member asks",
       "assumption: a member asks on the edge of destabilisation (theta_d = 0.75)")
_share("csto.withdraw_threshold", 0.8, "stability above which contingents leave",
       "assumption: leave once the host is clearly stable again")
_p("csto.mobilisation_months", Kind.INT, 2, "months", "mobilisation delay of the CRRF",
   "assumption: earmarked, not standing, battalions [W06]", low=0, high=12)
for _iso, _troops, _src in (
    ("rus", 9_000, "[KL13]: Russia 8,000 to 10,000 men (midpoint)"),
    ("kaz", 3_000, "[KL13]: Kazakhstan approximately 3,000 men"),
    ("tjk", 300, "[KL13]: Tajikistan 300 men"),
    ("kgz", 300, "[KL13]: Kyrgyzstan 300 men"),
):
    _p(f"csto.contribution_{_iso}", Kind.INT, _troops, "troops",
       f"{_iso.upper()} contribution to the CSTO Collective Rapid Reaction Force", _src,
       low=0, high=30_000)
_share("rats.intel_weight", 1.0,
       "intelligence a fully shared RATS database adds in an SCO member (before rivalry)",
       "assumption: a shared database of 42 organisations and 1,100 people [KL13] "
       "counts double what local informants give (at most 0.5)")
_share("rats.neighbour_detection", 0.5,
       "rise in detection of a detected cell's network neighbours",
       "assumption: one arrest exposes contacts")
_share("rats.pyramid_damping", 0.7, "how much a pyramidal structure blunts that rise",
       "[KL13]: HuT cells: 'only the heads of the cells know' the higher structures")
_share("nato.link_efficiency", 0.5,
       "interdiction and intelligence gain on the Tajik-Afghan border at nato_link = 1",
       "[W06]: the Tajik-Afghan border as 'optimal locale for multi-institutional "
       "collaboration'; assumption: size")

# --- Stability index -----------------------------------------------------------------------
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
_share("stability.destabilized_threshold", 0.75,
       "theta_d: S below which a state is unstable",
       "calibrated: 2013 Central Asian states sit at S 0.83-0.9; 0.75 is the median of the "
       "baseline's lowest sustained S (Tajikistan), so destabilisation is a coin toss "
       "over ten years of the planned drawdown")
_p("stability.destabilized_months", Kind.INT, 3, "months",
   "consecutive months below theta_d that count as destabilised", "MODEL.md §4",
   low=1, high=24)
_share("stability.collapse_control", 0.5,
       "population-weighted control below which the government has collapsed", "MODEL.md §4")


REGISTRY: Mapping[str, Parameter] = {p.name: p for p in _DECLARED}
if len(REGISTRY) != len(_DECLARED):  # a name declared twice would silently shadow
    raise RuntimeError("duplicate parameter name in the registry")


#: Parameters that were declared but never read, so setting them did nothing (issue 15).
#: A file that still sets one gets the unknown-key error with this reason instead of a
#: "did you mean" that would point at an unrelated parameter.
RETIRED: Mapping[str, str] = {
    "rats.known_individuals": "removed: the size of the RATS database had no mechanism; "
                              "what RATS adds is rats.intel_weight",
    "rivalry.uzb_tkm": "removed: rivalry is read only between SCO members, and Turkmenistan "
                       "is not one",
    "rivalry.rus_chn": "removed: rivalry is read only between the Central Asian SCO members",
    "states.afg.troops": "removed: Afghanistan's army is afg_forces.initial",
}


def get(name: str) -> Parameter:
    """Look up a parameter by dotted name.

    Raises:
        UserError: For an unknown name, with a "did you mean" suggestion.
    """
    try:
        return REGISTRY[name]
    except KeyError:
        raise UserError(f"unknown parameter{suggest(name, REGISTRY)}", key=name) from None


def suggest(name: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, or an empty string.

    A retired parameter gets the reason it was removed instead of a guess.
    """
    import difflib

    if name in RETIRED:
        return f" ({RETIRED[name]})"

    pool = list(candidates)
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    if not close:  # a misspelt last component: compare within the same group
        head, _, tail = name.rpartition(".")
        tails = {c.rpartition(".")[2]: c for c in pool if c.rpartition(".")[0] == head}
        close = [tails[t] for t in difflib.get_close_matches(tail, list(tails), n=1)]
    return f" (did you mean '{close[0]}'?)" if close else ""


def defaults() -> dict[str, Any]:
    """Every parameter at its default, derived ones resolved."""
    return resolve({})


def resolve(explicit: Mapping[str, Any]) -> dict[str, Any]:
    """Complete a set of explicitly set values with defaults and derived values.

    Args:
        explicit: Dotted name → already coerced value.

    Returns:
        Dotted name → value for every parameter in the registry.
    """
    values = {name: explicit.get(name, p.default) for name, p in REGISTRY.items()}
    for name, p in REGISTRY.items():
        if p.derive is not None and values[name] is None:
            values[name] = p.derive(values)
    return values


def prefixes() -> frozenset[str]:
    """Every proper prefix of a dotted name (``states``, ``states.tjk`` ...)."""
    out: set[str] = set()
    for name in REGISTRY:
        parts = name.split(".")
        out.update(".".join(parts[:i]) for i in range(1, len(parts)))
    return frozenset(out)
