"""The decision rules, one function per decision, over numpy arrays of worlds.

Each rule takes the state of every world (arrays of shape ``(n_worlds,)``),
the deciding actor's stance and, where the decision is random, its uniform
draws; it returns arrays.  The same code steps one world (SolaraViz,
``parley chronicle``, ``mesa.batch_run``) or ten thousand (batches).
Docstrings cite the text each rule stands on: Oh = Oh (2020), Yeo = Yeo (2020),
see ``docs/MODEL.md`` for the full table.  Weights marked *assumption* are
the modellers' own; every number that shapes behaviour is a declared
modelling constant in :data:`parley.params.DYNAMICS`, passed in as ``dyn``
(name -> float or per-world array) and listed in ``docs/MODEL.md``.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from parley.params import LADDER, TINY

Stance = dict  # parameter name -> float array, str or bool
Dyn = dict  # modelling constant name -> float or float array (params.DYNAMICS)


class Talks(IntEnum):
    """The talks state machine (transitions in :func:`advance_talks`)."""

    NO_CONTACT = 0
    WORKING = 1
    SUMMIT = 2
    AGREEMENT = 3
    COLLAPSE = 4


BOLD_MOVES = ("sanctions_relief", "end_of_war_declaration", "troop_posture")
RELIEF_SIZE_KEY = {"partial_time_limited": "relief_partial",
                   "targeted_reversible": "relief_targeted", "package": "relief_package"}


def in_talks(talks: np.ndarray) -> np.ndarray:
    return (talks == Talks.WORKING) | (talks == Talks.SUMMIT) | (talks == Talks.AGREEMENT)


# ------------------------------------------------------------------ world


def us_crisis_starts(u: np.ndarray, rate: np.ndarray, months: np.ndarray,
                     left: np.ndarray) -> np.ndarray:
    """Months left of a crisis elsewhere that crowds out North Korea policy.

    Yeo, 'Prospects': conflict with Iran and the impeachment trial overshadowed
    diplomacy with Pyongyang.  A new crisis starts with probability ``rate``.
    """
    started = (left <= 0) & (u < rate)
    return np.where(started, np.round(months), np.maximum(left - 1, 0))


def drift_us_china(level: np.ndarray, drift: np.ndarray, u: np.ndarray,
                   shock_rate: np.ndarray, shock_size: np.ndarray) -> np.ndarray:
    """US-China tension: a steady drift plus occasional flare-ups.

    Oh, 'Second': tensions have intensified since the coronavirus crisis.
    """
    return np.clip(level + drift + np.where(u < shock_rate, shock_size, 0.0), 0.0, 1.0)


# ------------------------------------------------------------- Washington


def attention(st: Stance, dyn: Dyn, crisis_left: np.ndarray, month: int,
              horizon: int) -> np.ndarray:
    """Share of Washington's attention left for North Korea this month.

    Yeo, 'Prospects': other crises and the election year crowd out talks.  Oh,
    'First': a second-term president faces no re-election pressure.
    """
    a = 1.0 - st["crisis_distraction"] * (crisis_left > 0)
    if st["no_reelection_pressure"]:
        return a
    election_year = month > horizon - dyn["election_year_months"]
    return a * (1.0 - st["election_year_drag"] * election_year)


def us_flexibility(st: Stance, dyn: Dyn, bold_credit: np.ndarray,
                   ally_push: np.ndarray) -> np.ndarray:
    """How much change in US attitude Pyongyang can read in Washington's offer (0-1).

    Yeo, 'Prospects': Pyongyang finds a president more promising who is open to
    dialogue without stressing preconditions; Yeo, 'Progressive': step-by-step
    sequencing, partial relief and no tightening.  Weights: assumption.
    """
    f = (dyn["flex_precondition"] * (1.0 - LADDER[st["relief_precondition"]])
         + dyn["flex_phased"] * (st["sequencing"] == "phased")
         + dyn["flex_personal"] * st["personal_diplomacy"]
         + dyn["flex_relief_form"] * (st["relief_form"] != "package")
         + dyn["flex_no_tightening"] * (st["sanctions_policy"] != "tighten")
         + dyn["flex_peace_regime"] * st["peace_regime_goal"]
         - dyn["flex_broad_linkage"] * (st["sanctions_linkage"] == "broad"))
    return np.clip(f + bold_credit + ally_push, 0.0, 1.0)


def offers_talks(u: np.ndarray, st: Stance, att: np.ndarray, talks: np.ndarray) -> np.ndarray:
    """Washington offers working-level talks when there is no contact.

    Yeo, 'Trump': envoy Biegun's trips to resume talks after Stockholm.  The
    monthly ``outreach_rate`` is scaled by attention.
    """
    return (talks == Talks.NO_CONTACT) & (u < st["outreach_rate"] * att)


def sanctions_change(st: Stance, dyn: Dyn, talks: np.ndarray, deal: np.ndarray) -> np.ndarray:
    """Monthly change of nominal sanctions under Washington's sanctions policy.

    Yeo, 'Centrist': Biden backs tighter sanctions, Bloomberg would not add
    any; Yeo, 'Progressive': Sanders and Warren would not tighten.  Step sizes:
    assumption.
    """
    policy = st["sanctions_policy"]
    zero = np.zeros_like(talks, dtype=float)
    if policy == "tighten":
        return np.where(deal, zero, zero + dyn["tighten_step"])
    if policy == "ease_with_progress":
        return np.where(in_talks(talks), zero - dyn["ease_step"], zero)
    return zero


def bold_move(u: np.ndarray, st: Stance, talks: np.ndarray, att: np.ndarray) -> np.ndarray:
    """A bold move (end-of-war declaration, troop posture, relief) by a second-term president.

    Oh, 'First': free of re-election pressure, Trump could withdraw US forces,
    declare an end to the war or relieve sanctions, short of a red-line test.
    A bold move can come while talks run or, as an opener, while there is no
    contact (an end-of-war declaration offered to bring Pyongyang back); not
    in the cooling-off month after a collapse.
    """
    if not st["no_reelection_pressure"]:
        return np.zeros_like(u, dtype=bool)
    possible = in_talks(talks) | (talks == Talks.NO_CONTACT)
    return possible & (u < st["bold_move_rate"] * att)


def bold_move_kind(u: np.ndarray) -> np.ndarray:
    """Which of Oh's three bold moves it is (index into BOLD_MOVES), equally likely.

    Equal odds are an assumption; a relief move eases sanctions by ``bold_relief``.
    """
    return np.minimum((u * len(BOLD_MOVES)).astype(np.int64), len(BOLD_MOVES) - 1)


def decay_bold_credit(credit: np.ndarray, dyn: Dyn) -> np.ndarray:
    """A bold move's goodwill fades (``bold_credit_decay``) and is gone below a floor."""
    credit = credit * dyn["bold_credit_decay"]
    return np.where(credit < dyn["bold_credit_floor"], 0.0, credit)


def relief_lapses(us: Stance, dyn: Dyn, relief: np.ndarray, deal: np.ndarray,
                  months: np.ndarray, tests_since: np.ndarray) -> np.ndarray:
    """Whether relief in force runs out this month.

    Yeo, 'Progressive': Warren offers partial, time-limited relief for a
    verifiable freeze.  Time-limited relief, and any relief with no deal in
    force (a unilateral bold relief), comes up for renewal every
    ``relief_renewal_months``; it is renewed only under a deal in force with no
    missile test since it was granted (assumption).
    """
    due = relief & (months >= dyn["relief_renewal_months"])
    limited = (us["relief_form"] == "partial_time_limited") | ~deal
    return due & limited & ~(deal & (tests_since == 0))


def multiple_warhead_test(dyn: Dyn, icbm: np.ndarray, capability: np.ndarray) -> np.ndarray:
    """An ICBM test once capability has reached multiple warheads (Oh, 'Third')."""
    return (icbm > 0) & (capability >= dyn["multiple_warhead_capability"])


def red_line_breached(st: Stance, dyn: Dyn, icbm: np.ndarray, nuclear: np.ndarray,
                      capability: np.ndarray) -> np.ndarray:
    """Whether this month's tests cross Washington's red line.

    Oh, 'First': bold moves hold as long as Pyongyang does not test ICBMs with
    multiple warheads or other strategic weapons that threaten the US directly.
    """
    line = st["red_line"]
    if line == "none":
        return np.zeros_like(nuclear, dtype=bool)
    if line == "nuclear_test":
        return nuclear > 0
    if line == "icbm":
        return (icbm > 0) | (nuclear > 0)
    return multiple_warhead_test(dyn, icbm, capability) | (nuclear > 0)


def military_response(u: np.ndarray, st: Stance, dyn: Dyn, breach: np.ndarray,
                      nuclear: np.ndarray) -> np.ndarray:
    """Whether Washington brandishes force after a test (a military crisis).

    Yeo, 'Centrist': force to pre-empt a nuclear or missile test stayed an
    option for Biden and Bloomberg.  The model sees tests, not preparations, so
    the option is exercised in answer: an option, not a commitment, taken with
    probability ``military_response_p`` in a month with a red-line breach or a
    nuclear test (assumption).
    """
    if not st["military_option"]:
        return np.zeros_like(u, dtype=bool)
    provoked = breach | (nuclear > 0)
    return provoked & (u < dyn["military_response_p"])


# -------------------------------------------------------------- Pyongyang


def provocation_multiplier(st: Stance, dyn: Dyn, tension: np.ndarray, talks: np.ndarray,
                           pressure: np.ndarray) -> np.ndarray:
    """How the state of the world scales Pyongyang's baseline test rates.

    The base rates are calibrated on 2012-2020 (``parley calibrate``).  Outside
    talks, tension and sanctions pressure raise them: tests as leverage and the
    Jervis (1976) spiral -- theory and assumption, the texts only say a test
    could derail talks (Oh, headline).  In talks Pyongyang restrains itself (the
    record: no missile test in 2018).  Only tension and pressure *above* their
    neutral points raise the rate, so more sensitivity never lowers it (below
    them Pyongyang tests at the calibrated base rate; neutral points:
    assumption).
    """
    over_t = np.maximum(tension - dyn["leverage_neutral_tension"], 0)
    over_p = np.maximum(pressure - dyn["leverage_neutral_pressure"], 0)
    above = dyn["leverage_tension_weight"] * over_t + dyn["leverage_pressure_weight"] * over_p
    lever = np.minimum(1.0 + st["leverage_sensitivity"] * above, dyn["leverage_cap"])
    return np.where(in_talks(talks), 1.0 - st["restraint_in_talks"], lever)


def missile_tests(u_month: np.ndarray, u_count: np.ndarray, rate: np.ndarray,
                  mean_count: np.ndarray, dyn: Dyn) -> np.ndarray:
    """Number of missiles launched this month: 1 + geometric in a test month.

    Generative form fitted by :mod:`parley.calibration` on the CNS/NTI counts.
    """
    q = np.clip((mean_count - 1.0) / mean_count, 0.0, dyn["max_geometric_q"])
    extra = np.where(q > 0, np.floor(np.log1p(-u_count) / np.log(np.maximum(q, TINY))), 0.0)
    return np.where(u_month < rate, 1 + np.minimum(extra, dyn["max_extra_tests"]),
                    0).astype(np.int64)


def classify_tests(u_icbm: np.ndarray, u_irbm: np.ndarray, n: np.ndarray,
                   st: Stance) -> tuple[np.ndarray, np.ndarray]:
    """How many of this month's tests are ICBM-class and intermediate-range.

    Uses the inverse binomial CDF on one draw per class, so the counts stay
    fixed slots of the run's stream.  Shares are calibrated on 2012-2020;
    capability growth (Oh, 'Third') acts through the red line, not the mix.
    """
    icbm = _binomial_inverse(u_icbm, n, st["icbm_share"])
    rest = n - icbm
    share = np.clip(st["irbm_share"] / np.maximum(1.0 - st["icbm_share"], TINY), 0.0, 1.0)
    return icbm, _binomial_inverse(u_irbm, rest, share)


def _binomial_inverse(u: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Smallest k with Binomial(n, p) CDF(k) >= u, walking the pmf up from k = 0."""
    p = np.broadcast_to(p, u.shape)
    k = np.zeros(u.shape, dtype=np.int64)
    idx = np.nonzero(n > 0)[0]
    nn, pp, uu = n[idx].astype(float), p[idx], u[idx]
    pmf = (1.0 - pp) ** nn
    cdf = pmf.copy()
    i = 0
    while len(idx):
        more = (cdf < uu) & (i < nn)
        if not more.any():
            break
        idx, nn, pp, uu, pmf, cdf = (x[more] for x in (idx, nn, pp, uu, pmf, cdf))
        k[idx] += 1
        pmf = pmf * (nn - i) / (i + 1) * pp / np.maximum(1.0 - pp, TINY)
        cdf = cdf + pmf
        i += 1
    return k


def nuclear_test(u: np.ndarray, st: Stance, mult: np.ndarray) -> np.ndarray:
    """A nuclear test this month (0 or 1); base rate from the six tests 2006-2017."""
    return (u < st["nuclear_test_rate"] * mult).astype(np.int64)


def evasion_growth(st: Stance, dyn: Dyn, evasion: np.ndarray,
                   pressure: np.ndarray) -> np.ndarray:
    """Growth of sanctions evasion; faster under heavier pressure.

    Oh, 'Third', citing the UN Panel of Experts (Aug 2020): evasion through
    illicit maritime trade of oil and coal and through cyber theft.
    """
    return st["evasion_growth"] * (dyn["evasion_base"] + pressure) * (1.0 - evasion)


def relief_on_offer(us: Stance, dyn: Dyn) -> float | np.ndarray:
    """Sanctions a deal would lift: the size of the relief form, less under broad linkage.

    Yeo, 'Progressive': partial, time-limited relief (Warren) against a package
    (Yeo, 'Trump'); Bloomberg ties sanctions also to human rights and cyber.
    """
    size = dyn[RELIEF_SIZE_KEY[us["relief_form"]]]
    return size * (dyn["broad_linkage_relief_share"] if us["sanctions_linkage"] == "broad"
                   else 1.0)


def concession_gap(us: Stance, dprk: Stance, dyn: Dyn, bold_credit: np.ndarray) -> np.ndarray:
    """How far what Washington asks before relief exceeds Pyongyang's furthest step (>= 0).

    Fearon's bargaining range: a deal exists only where offers overlap.  Yeo,
    'Progressive'/'Centrist': the precondition ladder; Oh, 'First': a bold move
    lowers what is asked by ``bold_rung`` while its credit lasts; broad linkage
    (Yeo, Bloomberg) adds ``broad_linkage_rung``.
    """
    need = (LADDER[us["relief_precondition"]]
            + dyn["broad_linkage_rung"] * (us["sanctions_linkage"] == "broad")
            - dyn["bold_rung"] * (bold_credit > 0))
    return np.maximum(need - dprk["max_concession"], 0.0)


def deal_possible(us: Stance, dprk: Stance, dyn: Dyn, bold_credit: np.ndarray) -> np.ndarray:
    """A freeze-for-relief deal needs Pyongyang's furthest step to meet the precondition."""
    return concession_gap(us, dprk, dyn, bold_credit) <= TINY


def engagement_margin(dprk: Stance, us: Stance, dyn: Dyn, *, flexibility: np.ndarray,
                      press: np.ndarray, pressure_change: np.ndarray, gap: np.ndarray,
                      lifeline: np.ndarray, capability_gain: np.ndarray,
                      tension_rise: np.ndarray, bold_credit: np.ndarray,
                      dialogue: np.ndarray) -> np.ndarray:
    """Pyongyang's net value of talking this month, against its attitude threshold.

    Bargaining with outside options (Fearon 1995; Powell 2002): Pyongyang
    talks when what talks can bring beats what it has without them.  For:
    the change in US attitude it reads (Yeo, 'Trump'), patron press (Yeo,
    'Prospects'), pressure as actually enforced (no deal hurts more), relief
    within reach of what it is willing to give (Yeo, 'Prospects'), a bold
    opener's goodwill (Oh, 'First'), inter-Korean contact.  Against: a
    spoiler patron's lifeline (Oh, 'Second': China's own diplomacy),
    capability gained since the start of the term (Oh, 'Third'), and tension
    risen since the start (Jervis's spiral; a fall adds).  The threshold is
    Pyongyang's stance at the start of the term, so the state of the world
    (pressure, capability, tension) enters as a change from then.  What
    Washington asks enters through ``flexibility`` (its precondition and
    sequencing terms) and through ``gap``, which decides whether the relief
    on offer is within reach; it is not counted a second time.  Weights: ``dyn``.
    """
    within_reach = gap <= TINY
    return (flexibility + press + dyn["engage_pressure"] * pressure_change
            + dyn["engage_relief_value"] * relief_on_offer(us, dyn) * within_reach
            + dyn["engage_bold_opener"] * (bold_credit > 0)
            + dyn["dialogue_engagement"] * dialogue
            - dyn["engage_outside_option"] * lifeline
            - dyn["engage_capability"] * capability_gain
            - dyn["engage_tension"] * tension_rise
            - dprk["attitude_threshold"])


def engages(margin: np.ndarray) -> np.ndarray:
    """Pyongyang is willing to talk this month: even or better odds of accepting an offer."""
    return margin >= 0.0


def accepts_talks(u: np.ndarray, dyn: Dyn, offer: np.ndarray, margin: np.ndarray) -> np.ndarray:
    """Pyongyang accepts an offer in a month it is willing, with chance ``accept_willing``.

    Yeo, 'Trump': after Stockholm the North refused talks without a change in
    attitude; a willing Pyongyang may still take its time over an offer.
    """
    return offer & engages(margin) & (u < dyn["accept_willing"])


def sits_out(u0: np.ndarray, st: Stance) -> np.ndarray:
    """Whether Pyongyang stays away from diplomacy for this whole run.

    Retired from the administration scenarios (base value 0; engagement is now
    :func:`engagement_margin`); kept for hindcasts of terms where an outside
    fact (e.g. the 2020-2022 border closure) says it refused from the start.
    """
    return u0 < st["sit_out_share"]


def flatters_leader(u: np.ndarray, st: Stance, us: Stance, talks: np.ndarray,
                    within_reach: np.ndarray) -> np.ndarray:
    """Kim reaches out to a president he thinks can be flattered into partial relief.

    Yeo, 'Prospects': Kim may contact a re-elected Trump if he believes Trump
    can be flattered into partial relief for a minimal freeze.  Kept to the
    text's scope and condition: a president doing leader-level diplomacy, and
    relief within reach of what Pyongyang is willing to give (no gap); the
    monthly rate scales with that president's appetite for a legacy.
    """
    if not us["personal_diplomacy"]:
        return np.zeros_like(u, dtype=bool)
    return ((talks == Talks.NO_CONTACT) & within_reach
            & (u < st["flattery_outreach"] * us["legacy_drive"]))


def walks_out(u: np.ndarray, st: Stance, dyn: Dyn, talks: np.ndarray, talks_months: np.ndarray,
              relief: np.ndarray) -> np.ndarray:
    """Pyongyang walks out of talks that bring no relief.

    Yeo, 'Trump': Stockholm ended abruptly; two summits brought no relief.
    Hazard ``walkout_hazard`` x (months in talks / patience), capped.
    """
    hazard = np.minimum(dyn["walkout_hazard"] * talks_months / st["walkout_patience"],
                        dyn["walkout_cap"])
    talking = (talks == Talks.WORKING) | (talks == Talks.SUMMIT)
    return talking & ~relief & (u < hazard)


# ----------------------------------------------------------------- patrons


def is_spoiler(st: Stance, us_china: np.ndarray) -> np.ndarray:
    """A patron turns spoiler when US-China tension passes its threshold.

    Oh, 'Second': with tensions rising China may pursue its own diplomacy and
    work with Russia to ease UN sanctions.
    """
    return us_china > st["spoiler_threshold"]


def us_china_friction(us: Stance, dyn: Dyn) -> float:
    """Extra monthly US-China tension while Washington tightens sanctions.

    Oh, 'Second': China condemns US unilateral sanctions on Chinese firms;
    tightening reaches those firms.
    """
    return dyn["secondary_sanctions_friction"] * (us["sanctions_policy"] == "tighten")


def enforcement_share(st: Stance, dyn: Dyn, spoiler: np.ndarray, talks: np.ndarray) -> np.ndarray:
    """Share of sanctions this patron enforces.

    Oh, 'Second': China broadly backed maximum pressure while talks moved
    forward; a spoiler keeps ``spoiler_enforcement_share`` of it outside talks.
    """
    moving = in_talks(talks)
    return st["enforcement"] * np.where(spoiler & ~moving, dyn["spoiler_enforcement_share"], 1.0)


def unenforced(st: Stance, dyn: Dyn, spoiler: np.ndarray, talks: np.ndarray) -> np.ndarray:
    """This patron's dent in effective pressure: its influence times what it leaves unenforced.

    Early (2015): sanctions fail when third parties keep trading with the target.
    """
    return st["influence"] * (enforcement_share(st, dyn, spoiler, talks) - 1.0)


def lifeline(st: Stance, spoiler: np.ndarray) -> np.ndarray:
    """A spoiler patron's own diplomacy with Pyongyang: an outside option worth its influence.

    Oh, 'Second': China may pursue its own diplomacy with the North.
    """
    return st["influence"] * spoiler


def presses_pyongyang(st: Stance, us: Stance, dyn: Dyn, spoiler: np.ndarray) -> np.ndarray:
    """Pressure on Pyongyang to return to talks when the US offer fits the patron's aims.

    Yeo, 'Prospects': Beijing favours a phased approach and a peace regime and
    may push Pyongyang back to talks if the US position is closer to its own.
    """
    fit = (us["sequencing"] == "phased") * (dyn["press_phased_fit"]
                                            + dyn["press_peace_fit"] * us["peace_regime_goal"])
    return st["influence"] * st["phased_affinity"] * fit * dyn["press_scale"] * ~spoiler


# ----------------------------------------------------------------- allies


def inter_korean_dialogue(u: np.ndarray, st: Stance, us: Stance, dyn: Dyn,
                          talks: np.ndarray) -> np.ndarray:
    """An inter-Korean contact this month (lowers tension).

    Seoul's propensity is an assumption (the texts say little of Seoul).  Yeo,
    'Progressive': Warren ties inter-Korean dialogue to the nuclear talks; when
    Washington does, Seoul's dialogue moves in step with them (more while
    they run; outside them as usual unless ``linked_dialogue_outside`` < 1).
    """
    if not us["links_inter_korean_dialogue"]:
        return u < st["engagement"]
    pace = np.where(in_talks(talks), dyn["linked_dialogue_in_talks"],
                    dyn["linked_dialogue_outside"])
    return u < st["engagement"] * pace


def ally_push(st: Stance, us: Stance, dyn: Dyn) -> float | np.ndarray:
    """How an ally's lobbying shifts Washington's flexibility, weighted by coordination.

    Yeo, 'Progressive' and 'Prospects': Sanders would consult closely with
    Seoul; every Democrat stressed working with allies.  Scale: ``ally_push_scale``.
    """
    return (dyn["ally_push_scale"] * st["presses_flexibility"] * st["consultation"]
            * us["alliance_coordination"])


# ------------------------------------------------------ talks and tension


def advance_talks(talks: np.ndarray, *, opened: np.ndarray,
                  summit_invite: np.ndarray, to_summit: np.ndarray, to_deal: np.ndarray,
                  breach: np.ndarray, derail: np.ndarray, walkout: np.ndarray,
                  deal_broken: np.ndarray) -> np.ndarray:
    """One month of the talks state machine (docs/MODEL.md, 'Talks').

    NO_CONTACT -> WORKING on an accepted offer, -> SUMMIT on a leader-level
    invitation; WORKING -> SUMMIT; WORKING/SUMMIT -> AGREEMENT on a deal;
    any talks -> COLLAPSE on a red-line breach, a derailing test, a walkout or a
    broken deal; COLLAPSE -> NO_CONTACT after one month.  Later assignments win
    when several fire in one month: an invitation beats an accepted offer, a
    deal beats a summit, and a collapse beats everything.
    """
    new = talks.copy()
    cooled = talks == Talks.COLLAPSE
    new[cooled] = Talks.NO_CONTACT
    idle = talks == Talks.NO_CONTACT
    new[idle & opened] = Talks.WORKING
    new[idle & summit_invite] = Talks.SUMMIT
    talking = (talks == Talks.WORKING) | (talks == Talks.SUMMIT)
    new[(talks == Talks.WORKING) & to_summit] = Talks.SUMMIT
    new[talking & to_deal] = Talks.AGREEMENT
    ends = in_talks(talks) & (breach | derail | walkout | deal_broken)
    new[ends] = Talks.COLLAPSE
    return new


def update_tension(tension: np.ndarray, dyn: Dyn, tests: np.ndarray, icbm: np.ndarray,
                   nuclear: np.ndarray, talking: np.ndarray, dialogue: np.ndarray,
                   bold: np.ndarray, military: np.ndarray) -> np.ndarray:
    """Tension decays, rises with tests, falls with contact (the Jervis spiral).

    Coefficients are declared modelling constants (``tension_*``).
    """
    t = (dyn["tension_retention"] * tension + dyn["tension_per_test"] * tests
         + dyn["tension_per_icbm"] * icbm + dyn["tension_per_nuclear"] * nuclear
         - dyn["tension_talks_relief"] * talking - dyn["tension_dialogue_relief"] * dialogue
         - dyn["tension_bold_relief"] * bold + dyn["tension_drift"])
    return np.where(military, 1.0, np.clip(t, 0.0, 1.0))
