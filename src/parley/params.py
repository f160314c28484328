"""Every stance and world parameter, declared once as a typed object.

The scenario schema, the sweep paths, the SolaraViz sliders and the EMA adapter
are all built from these declarations, in the manner of EMA Workbench's
``RealParameter`` / ``CategoricalParameter``.  Categorical stances keep the
words the texts use; ``LADDER`` is the one table that turns the
precondition/concession words into numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

# What Washington asks before sanctions relief, and how far Pyongyang will go,
# on one 0-1 scale of nuclear concession.  The order follows Yeo (2020): Sanders
# asks a fissile freeze; Warren (in her own words), Bloomberg and Buttigieg add
# missiles; Klobuchar asks verifiable irreversible steps; Biden substantial
# disarmament.  The spacing (equal steps) is an assumption.
LADDER: dict[str, float] = {
    "nothing_upfront": 0.0,
    "fissile_freeze": 0.25,
    "nuclear_and_missile_freeze": 0.5,
    "verifiable_irreversible_steps": 0.75,
    "substantial_disarmament": 1.0,
}


@dataclass(frozen=True)
class Real:
    """A numeric parameter in [low, high]; a scenario may give a (low, high) range."""

    name: str
    low: float
    high: float
    doc: str

    def check(self, value: float) -> str | None:
        if not self.low <= value <= self.high:
            return f"must lie in [{self.low}, {self.high}]"
        return None


@dataclass(frozen=True)
class Choice:
    """A categorical parameter; numbers come from a documented table."""

    name: str
    options: tuple[str, ...]
    doc: str


@dataclass(frozen=True)
class Flag:
    """A yes/no stance."""

    name: str
    doc: str


Param = Real | Choice | Flag

WASHINGTON: tuple[Param, ...] = (
    Flag("personal_diplomacy",
         "Pursues leader-to-leader diplomacy without prior nuclear concessions."),
    Flag("summit_requires_working_level",
         "A summit only after substantive agreement at the working level."),
    Choice("relief_precondition", tuple(LADDER),
           "What Washington asks of Pyongyang before any sanctions relief."),
    Choice("relief_form", ("partial_time_limited", "targeted_reversible", "package"),
           "Relief offered in part and for a time, targeted and reversible, or only as a package."),
    Choice("sequencing", ("phased", "all_upfront"),
           "Step-by-step (peace and disarmament in parallel) or everything upfront."),
    Choice("sanctions_policy", ("tighten", "hold", "ease_with_progress"),
           "Month to month: tighten (while no deal is in force), hold, or ease while talks go on."),
    Choice("red_line", ("none", "nuclear_test", "icbm", "multiple_warhead_icbm"),
           "The test that ends talks and triggers a hard response."),
    Flag("military_option", "Force to pre-empt or answer a nuclear or missile test stays open."),
    Flag("no_reelection_pressure",
         "A second-term president: no election year, room for bold moves."),
    Flag("peace_regime_goal", "Seeks a peace regime on the peninsula alongside denuclearisation."),
    Choice("sanctions_linkage", ("nuclear_only", "nuclear_and_missiles", "broad"),
           "What sanctions are tied to: nuclear only, plus missiles, "
           "or also human rights and cyber."),
    Flag("links_inter_korean_dialogue",
         "Ties inter-Korean dialogue to the nuclear talks (Seoul paces with them)."),
    Real("outreach_rate", 0.0, 1.0,
         "Monthly probability of offering talks when there is no contact and attention allows."),
    Real("legacy_drive", 0.0, 1.0, "Appetite for a personal diplomatic legacy (summits)."),
    Real("bold_move_rate", 0.0, 1.0,
         "Monthly probability, in talks and free of re-election, of a bold move "
         "(end-of-war declaration, troop posture, relief)."),
    Real("alliance_coordination", 0.0, 1.0, "How closely moves are coordinated with allies."),
    Real("crisis_distraction", 0.0, 1.0,
         "Share of attention another crisis (Iran, impeachment) takes while it lasts."),
    Real("election_year_drag", 0.0, 1.0,
         "Share of attention the last year of a first term takes from diplomacy."),
)

PYONGYANG: tuple[Param, ...] = (
    Real("attitude_threshold", 0.0, 1.5,
         "Net value talks must offer Pyongyang (a change in US attitude and more) before it "
         "engages; above about 1 no offer in the model's space suffices without pressure."),
    Real("sit_out_share", 0.0, 1.0,
         "Chance, drawn once per run, that Pyongyang sits out the whole term (hindcasts with an "
         "outside fact only; 0 in the administration scenarios, whose engagement is a process)."),
    Real("max_concession", 0.0, 1.0,
         "Furthest Pyongyang will go in a deal, on the LADDER scale (0.25 = fissile freeze)."),
    Real("test_month_rate", 0.0, 1.0,
         "Baseline monthly probability of at least one missile test (calibrated)."),
    Real("tests_per_test_month", 1.0, 10.0, "Mean number of missiles in a month with a test."),
    Real("icbm_share", 0.0, 1.0, "Share of tests that are ICBM-class (incl. space launchers)."),
    Real("irbm_share", 0.0, 1.0, "Share of tests that are intermediate or medium range."),
    Real("nuclear_test_rate", 0.0, 0.2, "Baseline monthly probability of a nuclear test."),
    Real("leverage_sensitivity", 0.0, 3.0,
         "How much stalled diplomacy and pressure multiply the test rate (tests as leverage)."),
    Real("restraint_in_talks", 0.0, 1.0, "Reduction of the test rate while talks are under way."),
    Real("evasion_growth", 0.0, 0.1,
         "Monthly growth of sanctions evasion (illicit maritime trade, cyber theft)."),
    Real("capability_growth", 0.0, 0.1,
         "Monthly progress towards miniaturised multiple-warhead missiles."),
    Real("flattery_outreach", 0.0, 1.0,
         "Monthly propensity to reach out to a leader it thinks can be flattered into relief."),
    Real("walkout_patience", 1.0, 36.0, "Months of talks without relief Pyongyang tolerates."),
)

PATRON: tuple[Param, ...] = (
    Real("enforcement", 0.0, 1.0, "Share of the sanctions it enforces when it cooperates."),
    Real("influence", 0.0, 1.0, "Weight of its trade and influence on Pyongyang."),
    Real("spoiler_threshold", 0.0, 1.0,
         "US-China tension above which it plays spoiler and pursues its own diplomacy."),
    Real("un_easing_push", 0.0, 0.1,
         "Monthly erosion of UN sanctions it pushes for while a spoiler."),
    Real("phased_affinity", 0.0, 1.0,
         "How hard it presses Pyongyang back to talks when the US offer is phased."),
)

ALLY: tuple[Param, ...] = (
    Real("engagement", 0.0, 1.0, "Propensity for inter-Korean dialogue in a month."),
    Real("presses_flexibility", -1.0, 1.0,
         "Pushes Washington towards (+) or away from (-) flexibility."),
    Real("consultation", 0.0, 1.0, "Weight of alliance consultation in Washington's moves."),
)

WORLD: tuple[Param, ...] = (
    Real("tension", 0.0, 1.0, "Peninsula tension at the start."),
    Real("sanctions", 0.0, 1.0, "Nominal sanctions level at the start."),
    Real("evasion", 0.0, 1.0, "Share of sanctions evaded at the start."),
    Real("us_china_tension", 0.0, 1.0, "US-China tension at the start."),
    Real("us_china_drift", -0.05, 0.05, "Monthly drift of US-China tension."),
    Real("capability", 0.0, 1.0, "Progress towards multiple-warhead ICBMs at the start."),
)

SHOCKS: tuple[Param, ...] = (
    Real("us_crisis_rate", 0.0, 1.0, "Monthly probability a crisis elsewhere starts."),
    Real("us_crisis_months", 1.0, 24.0, "How long such a crisis crowds out attention."),
    Real("us_china_shock_rate", 0.0, 1.0, "Monthly probability of a US-China flare-up."),
    Real("us_china_shock_size", 0.0, 0.5, "Rise in US-China tension at a flare-up."),
)

ROLES: dict[str, tuple[Param, ...]] = {
    "washington": WASHINGTON,
    "pyongyang": PYONGYANG,
    "patron": PATRON,
    "ally": ALLY,
}
SECTIONS: dict[str, tuple[Param, ...]] = {"world": WORLD, "shocks": SHOCKS}


def by_name(params: tuple[Param, ...]) -> dict[str, Param]:
    return {p.name: p for p in params}


def is_ladder(decl: Param) -> bool:
    """A choice made of the LADDER's words (what is asked, or conceded, before relief)."""
    return isinstance(decl, Choice) and decl.options == tuple(LADDER)


def ladder_word(x: float) -> str:
    """The LADDER rung nearest to a number in [0, 1] (ties go to the lower rung)."""
    return min(LADDER, key=lambda w: (abs(LADDER[w] - x), LADDER[w]))


def as_real(decl: Param) -> Real | None:
    """The numeric view of a parameter: itself, a ladder choice on [0, 1], or None.

    This is what lets a sweep ask "how much flexibility on relief would it
    take?": ``washington.relief_precondition=0:1:5`` visits every rung.
    """
    if isinstance(decl, Real):
        return decl
    if is_ladder(decl):
        return Real(decl.name, 0.0, 1.0, f"{decl.doc} As a number: its LADDER rung "
                    "(0 nothing upfront ... 1 substantial disarmament), nearest rung used.")
    return None


# ------------------------------------------------------------------ dynamics
#
# Every number that shapes behaviour in rules.py, agents.py and model.py is
# declared here, with a default, a plausible range and its basis.  A scenario
# may override any of them in a top-level ``dynamics:`` section (with
# provenance, like a stance); ``NegotiationModel(dynamics__NAME=value)`` does
# the same for one run, a sweep or the calibration.

ASSUMPTION = "ASSUMPTION"


@dataclass(frozen=True)
class Dynamic(Real):
    """A modelling constant: a Real with a default and the basis of its size."""

    default: float = 0.0
    basis: str = ASSUMPTION


def _dyn(name: str, default: float, low: float, high: float, doc: str,
         basis: str = ASSUMPTION) -> Dynamic:
    return Dynamic(name, low, high, doc, default, basis)


DYNAMICS: dict[str, Dynamic] = {d.name: d for d in (
    # Washington
    _dyn("election_year_months", 12, 6, 18,
         "Months before the end of a first term that count as the election year.",
         "Yeo, Introduction: nothing before the November election; the fourth year of a term"),
    _dyn("flex_precondition", 0.35, 0.2, 0.5,
         "Weight of a low relief precondition in US flexibility (the largest: Yeo stresses "
         "preconditions)."),
    _dyn("flex_phased", 0.15, 0.05, 0.25, "Weight of phased sequencing in US flexibility."),
    _dyn("flex_personal", 0.15, 0.05, 0.25,
         "Weight of leader-level diplomacy in US flexibility."),
    _dyn("flex_relief_form", 0.10, 0.0, 0.2,
         "Weight of partial or reversible (not package-only) relief in US flexibility."),
    _dyn("flex_no_tightening", 0.10, 0.0, 0.2,
         "Weight of a sanctions policy that does not tighten in US flexibility."),
    _dyn("flex_peace_regime", 0.05, 0.0, 0.15, "Weight of a peace-regime goal in flexibility."),
    _dyn("flex_broad_linkage", 0.05, 0.0, 0.15,
         "Flexibility lost when sanctions are also tied to human rights and cyber."),
    _dyn("tighten_step", 0.02, 0.005, 0.05,
         "Monthly rise of nominal sanctions under a tightening policy (no deal in force)."),
    _dyn("ease_step", 0.01, 0.0, 0.03,
         "Monthly fall of nominal sanctions while talks run under an easing policy."),
    _dyn("bold_credit", 0.15, 0.05, 0.3,
         "Flexibility a bold move adds while its goodwill lasts (one policy step of F)."),
    _dyn("bold_credit_decay", 0.9, 0.7, 0.97, "Monthly retention of a bold move's goodwill."),
    _dyn("bold_credit_floor", 0.05, 0.01, 0.1, "Goodwill below which it is gone."),
    _dyn("bold_relief", 0.15, 0.05, 0.3,
         "Sanctions eased by a unilateral bold relief move (half a partial deal)."),
    _dyn("bold_rung", 0.25, 0.0, 0.5,
         "How far a bold move lowers what a deal asks (one LADDER rung) while its credit lasts."),
    _dyn("military_response_p", 0.2, 0.05, 0.5,
         "Chance force is brandished in a month with a red-line breach or nuclear test."),
    _dyn("relief_partial", 0.3, 0.1, 0.5, "Sanctions eased by partial, time-limited relief."),
    _dyn("relief_targeted", 0.3, 0.1, 0.5, "Sanctions eased by targeted, reversible relief."),
    _dyn("relief_package", 0.6, 0.3, 0.9, "Sanctions eased by a package deal."),
    _dyn("relief_renewal_months", 12, 6, 24,
         "Months after which time-limited (or unilateral) relief comes up for renewal."),
    _dyn("broad_linkage_rung", 0.1, 0.0, 0.25,
         "Extra LADDER height a deal must reach when sanctions are tied broadly."),
    _dyn("broad_linkage_relief_share", 0.5, 0.25, 1.0,
         "Share of deal relief actually lifted when sanctions are also tied to other issues."),
    _dyn("freeze_covers_missiles_rung", 0.5, 0.25, 0.75,
         "LADDER rung from which a freeze also covers all missile tests (else only ICBMs)."),
    _dyn("breach_sanctions", 0.1, 0.0, 0.2, "Sanctions added after a red-line breach."),
    _dyn("secondary_sanctions_friction", 0.004, 0.0, 0.01,
         "Monthly rise of US-China tension while Washington tightens (sanctions on Chinese "
         "firms that Beijing condemns).",
         "Oh, Second: China condemns US sanctions on Chinese firms; size assumed"),
    # Pyongyang: provocation
    _dyn("multiple_warhead_capability", 0.8, 0.6, 0.95,
         "Capability at which an ICBM test counts as a multiple-warhead test.",
         "Oh, Third: may seek multiple warheads; threshold crossed within the term (assumed)"),
    _dyn("leverage_tension_weight", 0.5, 0.0, 1.0,
         "Weight of tension above its neutral point in the provocation multiplier."),
    _dyn("leverage_pressure_weight", 0.5, 0.0, 1.0,
         "Weight of pressure above its neutral point in the provocation multiplier."),
    _dyn("leverage_neutral_tension", 0.5, 0.3, 0.7,
         "Tension below which tests are at their calibrated base rate."),
    _dyn("leverage_neutral_pressure", 0.5, 0.3, 0.7,
         "Pressure below which tests are at their calibrated base rate."),
    _dyn("leverage_cap", 3.0, 1.5, 5.0, "Largest multiple of the base test rate."),
    _dyn("max_extra_tests", 30, 20, 40,
         "Numerical cap on extra missiles in one month (observed maximum 19)."),
    _dyn("max_geometric_q", 0.999, 0.99, 0.9999, "Numerical cap of the geometric count's q."),
    _dyn("evasion_base", 0.5, 0.0, 1.0,
         "Evasion growth factor at zero pressure (it grows faster under pressure)."),
    # Pyongyang: engagement (docs/MODEL.md, 'Engagement rule')
    _dyn("accept_willing", 0.5, 0.2, 1.0,
         "Chance a willing Pyongyang (engagement margin >= 0) takes up a given offer."),
    _dyn("engage_pressure", 1.0, 0.25, 2.0,
         "Weight of the change in enforced pressure since the start in the engagement margin.",
         "Fearon 1995 / outside options: pressure lowers the value of no agreement"),
    _dyn("engage_relief_value", 0.5, 0.0, 1.0,
         "Weight of the relief on offer (if within reach) in the engagement margin.",
         "Yeo, Prospects: Kim hopes to trade a minimal freeze for partial relief; size assumed"),
    _dyn("engage_outside_option", 0.2, 0.0, 0.5,
         "Weight of a spoiler patron's lifeline (its own diplomacy) in the margin.",
         "Oh, Second: China may pursue its own diplomacy with Pyongyang; size assumed"),
    _dyn("engage_capability", 0.5, 0.1, 1.5,
         "Weight of capability gained since the start (a stronger hand) in the margin.",
         "Oh, Third: Pyongyang keeps building capabilities; size assumed"),
    _dyn("engage_tension", 0.5, 0.0, 1.0,
         "Weight of tension risen since the start (the spiral: hostility breeds distrust).",
         "Jervis 1976, spiral model; size assumed"),
    _dyn("engage_bold_opener", 0.15, 0.0, 0.4,
         "Engagement a bold move (e.g. an end-of-war declaration) adds while its credit lasts.",
         "Oh, First: bold moves; counted once more as an opener, size assumed"),
    # Pyongyang: talks
    _dyn("walkout_hazard", 0.15, 0.05, 0.3,
         "Walkout hazard at the patience limit (per month)."),
    _dyn("walkout_cap", 0.3, 0.1, 0.5, "Largest monthly walkout hazard."),
    # patrons and allies
    _dyn("spoiler_enforcement_share", 1 / 3, 0.0, 0.67,
         "Share of its enforcement a spoiler patron keeps outside talks."),
    _dyn("press_phased_fit", 0.6, 0.3, 1.0,
         "Fit of a phased US offer with the patron's aims."),
    _dyn("press_peace_fit", 0.4, 0.0, 0.7, "Extra fit of a peace-regime goal."),
    _dyn("press_scale", 0.3, 0.1, 0.5, "Scale of a patron's press on Pyongyang."),
    _dyn("ally_push_scale", 0.1, 0.0, 0.3, "Scale of an ally's lobbying of Washington."),
    _dyn("linked_dialogue_in_talks", 2.0, 1.0, 4.0,
         "Multiple of Seoul's dialogue propensity while US talks run, when Washington ties "
         "the two tracks.",
         "Yeo, Progressive: Warren ties inter-Korean dialogue to the nuclear talks; size assumed"),
    _dyn("linked_dialogue_outside", 1.0, 0.5, 1.0,
         "Multiple of Seoul's dialogue propensity outside talks when the tracks are tied."),
    _dyn("dialogue_engagement", 0.05, 0.0, 0.2,
         "Engagement an inter-Korean contact last month adds to Pyongyang's margin."),
    # talks
    _dyn("derail_p", 0.5, 0.2, 0.9, "Chance a test in working-level talks ends them."),
    _dyn("summit_p", 0.25, 0.1, 0.5,
         "Monthly summit chance at full legacy drive and attention, once talks are ready."),
    _dyn("summit_ready_working", 3, 1, 6,
         "Months of working-level talks before a summit when a summit needs them."),
    _dyn("summit_ready_direct", 1, 1, 3, "Months of talks before a summit otherwise."),
    _dyn("deal_p_working", 0.10, 0.03, 0.25, "Monthly deal chance in working-level talks."),
    _dyn("deal_p_summit", 0.25, 0.1, 0.5, "Monthly deal chance at a summit."),
    # tension
    _dyn("tension_retention", 0.9, 0.8, 0.97, "Monthly retention of tension (half-life)."),
    _dyn("tension_per_test", 0.02, 0.0, 0.05, "Tension added per missile."),
    _dyn("tension_per_icbm", 0.08, 0.02, 0.15, "Extra tension per ICBM-class test."),
    _dyn("tension_per_nuclear", 0.25, 0.1, 0.4, "Tension added by a nuclear test."),
    _dyn("tension_talks_relief", 0.04, 0.0, 0.1, "Tension removed in a month of talks."),
    _dyn("tension_dialogue_relief", 0.03, 0.0, 0.1,
         "Tension removed in a month of inter-Korean contact."),
    _dyn("tension_bold_relief", 0.1, 0.0, 0.2, "Tension removed by a bold move."),
    _dyn("tension_drift", 0.02, 0.0, 0.05, "Tension added every month (rest level 0.2)."),
    _dyn("crisis_tension", 0.95, 0.8, 1.0, "Tension at or above which a month is a crisis."),
)}


def dynamics_defaults() -> dict[str, float]:
    """Every modelling constant at its declared default."""
    return {name: d.default for name, d in DYNAMICS.items()}


# Numerical guard (not behaviour): floor of a divisor or a log argument, and the
# tolerance of a comparison on the LADDER scale.
TINY = 1e-12


# The neutral alternative of a stance: what the model assumes when no text speaks
# (the base.yaml default, or "the mechanism off").  tests/test_claims.py switches a
# cited value to it and checks that the declared outcome moves the declared way.
# A parameter without an entry is a level, not a switch: its citations claim nil.
NEUTRAL: dict[str, object] = {
    "personal_diplomacy": False,
    "summit_requires_working_level": True,
    "relief_precondition": "nuclear_and_missile_freeze",
    "relief_form": "package",
    "sequencing": "all_upfront",
    "sanctions_policy": "hold",
    "red_line": "icbm",
    "military_option": False,
    "no_reelection_pressure": False,
    "peace_regime_goal": False,
    "sanctions_linkage": "nuclear_and_missiles",
    "links_inter_korean_dialogue": False,
    "bold_move_rate": 0.0,
    "flattery_outreach": 0.0,
    "evasion_growth": 0.0,
    "capability_growth": 0.0,
    "un_easing_push": 0.0,
    "spoiler_threshold": 1.0,
    "phased_affinity": 0.0,
    "us_china_drift": 0.0,
}
