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
    Flag("flatterable",
         "Pyongyang believes this president can be flattered into partial relief (Yeo names "
         "Trump); only then does Kim reach out to him."),
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

# What Moscow does that Beijing's role does not (the ``russia`` role: a patron's
# stances and these).  rules/russia.py holds the rules and their citations.
RUSSIA: tuple[Param, ...] = (
    Real("council_shield", 0.0, 1.0,
         "Share of the multilateral (UN) part of sanctions pressure that Moscow's Security "
         "Council veto takes away in a month when it sides with a spoiling patron."),
    Real("treaty_lifeline", 0.0, 1.0,
         "Weight of a treaty commitment to Pyongyang (a mutual-assistance pact): a lifeline "
         "that lowers what sanctions cost the North, whatever the US-China tension."),
)

# What Tokyo does that Seoul's role does not (the ``japan`` role: an ally's stances
# and these).  rules/japan.py holds the rules and their citations.
JAPAN: tuple[Param, ...] = (
    Real("pressure_push", 0.0, 1.0,
         "After a month with a North Korean missile or nuclear test, how hard Tokyo answers "
         "with sanctions of its own and a push at the UN for more."),
    Flag("abductions_precondition",
         "Tokyo presses Washington to make the abductions issue a condition of any deal "
         "(a drag on Washington's flexibility, weighted by consultation)."),
)


@dataclass(frozen=True)
class Role:
    """A role an actor of a scenario plays, declared once.

    ``stances`` is its table of fields (types, bounds); ``agent`` names its class in
    :mod:`parley.agents` and ``rules`` its module under :mod:`parley.rules`; ``cited``
    lists the stances that must cite a text or the dated record (``source`` or
    ``reading``), never a bare assumption, unless they hold their neutral value
(:data:`NEUTRAL`: the mechanism off); ``exactly_one`` says a scenario needs one
    actor of this role, no more.  The order of :data:`ROLE_DECLS` is the order the
    roles act each month.  A new role is a declaration here, a class in
    ``parley.agents`` and a rules module: the model's schedule does not change.
    """

    name: str
    stances: tuple[Param, ...]
    agent: str
    rules: str
    doc: str
    cited: tuple[str, ...] = ()
    exactly_one: bool = False


ROLE_DECLS: dict[str, Role] = {r.name: r for r in (
    Role("washington", WASHINGTON, "Washington", "washington",
         "The US administration: offers, sanctions, relief, red lines, bold moves.",
         exactly_one=True),
    Role("pyongyang", PYONGYANG, "Pyongyang", "engagement",
         "North Korea: tests, evasion, capability, acceptance, outreach, walkouts.",
         exactly_one=True),
    Role("patron", PATRON, "Patron", "patrons",
         "A patron of Pyongyang (Beijing): enforcement, spoiling, pressing it back to talks."),
    Role("russia", PATRON + RUSSIA, "Russia", "russia",
         "Moscow: a patron that also shields Pyongyang in the Security Council beside a "
         "spoiling Beijing, and may hold a treaty lifeline to it.",
         cited=("council_shield", "treaty_lifeline")),
    Role("ally", ALLY, "Ally", "allies",
         "A US ally (Seoul): inter-Korean dialogue, lobbying Washington."),
    Role("japan", ALLY + JAPAN, "Japan", "japan",
         "Tokyo: an ally that answers tests with pressure of its own and presses the "
         "abductions issue on Washington.",
         cited=("pressure_push", "abductions_precondition")),
)}

#: role -> its table of stance fields (derived from ROLE_DECLS)
ROLES: dict[str, tuple[Param, ...]] = {name: r.stances for name, r in ROLE_DECLS.items()}
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
# Every number that shapes behaviour is declared beside the rules it shapes, in
# its family's module under parley/rules/ (parley.rules.DYNAMICS lists them all),
# as a Dynamic: a default, a plausible range and its basis.  A scenario may
# override any of them in a top-level ``dynamics:`` section (with provenance,
# like a stance); ``NegotiationModel(dynamics__NAME=value)`` does the same for
# one run, a sweep or the calibration.

ASSUMPTION = "ASSUMPTION"


@dataclass(frozen=True)
class Dynamic(Real):
    """A modelling constant: a Real with a default and the basis of its size."""

    default: float = 0.0
    basis: str = ASSUMPTION


# Numerical guard (not behaviour): floor of a divisor or a log argument, and the
# tolerance of a comparison on the LADDER scale.
TINY = 1e-12


# The neutral alternative of a stance: what the model assumes when no text speaks
# (the base.yaml default, or "the mechanism off").  tests/test_claims.py switches a
# cited value to it and checks that the declared outcome moves the declared way.
# A parameter without an entry is a level, not a switch: its citations claim nil.
NEUTRAL: dict[str, object] = {
    "personal_diplomacy": False,
    "flatterable": False,
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
    "council_shield": 0.0,
    "treaty_lifeline": 0.0,
    "pressure_push": 0.0,
    "abductions_precondition": False,
}
