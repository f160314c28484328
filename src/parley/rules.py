"""The decision rules, one function per decision, over numpy arrays of worlds.

Each rule takes the state of every world (arrays of shape ``(n_worlds,)``),
the deciding actor's stance and, where the decision is random, its uniform
draws; it returns arrays.  The same code steps one world (SolaraViz,
``parley chronicle``, ``mesa.batch_run``) or ten thousand (batches).
Docstrings cite the text each rule stands on: Oh = Oh (2020), Yeo = Yeo (2020),
see ``docs/MODEL.md`` for the full table.  Weights marked *assumption* are
the modellers' own and are listed in ``docs/MODEL.md``.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from parley.params import LADDER

Stance = dict  # parameter name -> float array, str or bool


class Talks(IntEnum):
    """The talks state machine (transitions in :func:`advance_talks`)."""

    NO_CONTACT = 0
    WORKING = 1
    SUMMIT = 2
    AGREEMENT = 3
    COLLAPSE = 4


MULTIPLE_WARHEAD_CAPABILITY = 0.8  # capability at which ICBM tests count as MIRV tests
RELIEF_SIZE = {"partial_time_limited": 0.3, "targeted_reversible": 0.3, "package": 0.6}
PARTIAL_RELIEF_MONTHS = 12  # a time-limited relief lapses unless renewed (assumption)
BOLD_MOVES = ("sanctions_relief", "end_of_war_declaration", "troop_posture")
BOLD_RELIEF = 0.15  # sanctions eased by a unilateral bold relief (assumption)
BOLD_CREDIT = 0.15  # flexibility a bold move adds while its credit lasts (assumption)


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


def attention(st: Stance, crisis_left: np.ndarray, month: int, horizon: int) -> np.ndarray:
    """Share of Washington's attention left for North Korea this month.

    Yeo, 'Prospects': other crises and the election year crowd out talks.  Oh,
    'First': a second-term president faces no re-election pressure.
    """
    a = 1.0 - st["crisis_distraction"] * (crisis_left > 0)
    election_year = (not st["no_reelection_pressure"]) and month > horizon - 12
    return a * (1.0 - st["election_year_drag"]) if election_year else a


def us_flexibility(st: Stance, bold_credit: np.ndarray, ally_push: np.ndarray) -> np.ndarray:
    """How much change in US attitude Pyongyang can read in Washington's offer (0-1).

    Yeo, 'Prospects': Pyongyang finds a president more promising who is open to
    dialogue without stressing preconditions; Yeo, 'Progressive': step-by-step
    sequencing, partial relief and no tightening.  Weights: assumption.
    """
    f = (0.35 * (1.0 - LADDER[st["relief_precondition"]])
         + 0.15 * (st["sequencing"] == "phased")
         + 0.15 * st["personal_diplomacy"]
         + 0.10 * (st["relief_form"] != "package")
         + 0.10 * (st["sanctions_policy"] != "tighten")
         + 0.05 * st["peace_regime_goal"]
         - 0.05 * (st["sanctions_linkage"] == "broad"))
    return np.clip(f + bold_credit + ally_push, 0.0, 1.0)


def offers_talks(u: np.ndarray, st: Stance, att: np.ndarray, talks: np.ndarray) -> np.ndarray:
    """Washington offers working-level talks when there is no contact.

    Yeo, 'Trump': envoy Biegun's trips to resume talks after Stockholm.  The
    monthly ``outreach_rate`` is scaled by attention.
    """
    return (talks == Talks.NO_CONTACT) & (u < st["outreach_rate"] * att)


def sanctions_change(st: Stance, talks: np.ndarray, deal: np.ndarray) -> np.ndarray:
    """Monthly change of nominal sanctions under Washington's sanctions policy.

    Yeo, 'Centrist': Biden backs tighter sanctions, Bloomberg would not add
    any; Yeo, 'Progressive': Sanders and Warren would not tighten.  Step sizes:
    assumption.
    """
    policy = st["sanctions_policy"]
    if policy == "tighten":
        return np.where(deal, 0.0, 0.02)
    if policy == "ease_with_progress":
        return np.where(in_talks(talks), -0.01, 0.0)
    return np.zeros_like(talks, dtype=float)


def bold_move(u: np.ndarray, st: Stance, talks: np.ndarray, att: np.ndarray) -> np.ndarray:
    """A bold move (end-of-war declaration, troop posture, relief) by a second-term president.

    Oh, 'First': free of re-election pressure, Trump could withdraw US forces,
    declare an end to the war or relieve sanctions, short of a red-line test.
    """
    if not st["no_reelection_pressure"]:
        return np.zeros_like(u, dtype=bool)
    return in_talks(talks) & (u < st["bold_move_rate"] * att)


def bold_move_kind(u: np.ndarray) -> np.ndarray:
    """Which of Oh's three bold moves it is (index into BOLD_MOVES), equally likely.

    Equal odds are an assumption; a relief move eases sanctions by BOLD_RELIEF.
    """
    return np.minimum((u * len(BOLD_MOVES)).astype(np.int64), len(BOLD_MOVES) - 1)


def decay_bold_credit(credit: np.ndarray) -> np.ndarray:
    """A bold move's goodwill fades by 10% a month and is gone below 0.05 (~11 months)."""
    credit = credit * 0.9
    return np.where(credit < 0.05, 0.0, credit)


def relief_lapses(us: Stance, relief: np.ndarray, deal: np.ndarray, months: np.ndarray,
                  tests_since: np.ndarray) -> np.ndarray:
    """Whether relief in force runs out this month.

    Yeo, 'Progressive': Warren offers partial, time-limited relief for a
    verifiable freeze.  Time-limited relief, and any relief with no deal in
    force (a unilateral bold relief), comes up for renewal every
    PARTIAL_RELIEF_MONTHS; it is renewed only under a deal in force with no
    missile test since it was granted (assumption).
    """
    due = relief & (months >= PARTIAL_RELIEF_MONTHS)
    limited = (us["relief_form"] == "partial_time_limited") | ~deal
    return due & limited & ~(deal & (tests_since == 0))


def red_line_breached(st: Stance, icbm: np.ndarray, nuclear: np.ndarray,
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
    return ((icbm > 0) & (capability >= MULTIPLE_WARHEAD_CAPABILITY)) | (nuclear > 0)


def military_response(u: np.ndarray, st: Stance, breach: np.ndarray,
                      nuclear: np.ndarray) -> np.ndarray:
    """Whether Washington brandishes force after a test (a military crisis).

    Yeo, 'Centrist': force to pre-empt a nuclear or missile test stayed an
    option for Biden and Bloomberg.  The model sees tests, not preparations, so
    the option is exercised in answer: an option, not a commitment, taken with
    probability 0.2 in a month with a red-line breach or a nuclear test
    (assumption).
    """
    if not st["military_option"]:
        return np.zeros_like(u, dtype=bool)
    provoked = breach | (nuclear > 0)
    return provoked & (u < 0.2)


# -------------------------------------------------------------- Pyongyang


def provocation_multiplier(st: Stance, tension: np.ndarray, talks: np.ndarray,
                           pressure: np.ndarray) -> np.ndarray:
    """How the state of the world scales Pyongyang's baseline test rates.

    The base rates are calibrated on 2012-2020 (``parley calibrate``).  Outside
    talks, tension and sanctions pressure raise them: tests as leverage and the
    Jervis (1976) spiral -- theory and assumption, the texts only say a test
    could derail talks (Oh, headline).  In talks Pyongyang restrains itself (the
    record: no missile test in 2018).  The neutral point (tension 0.5,
    pressure 0.5, multiplier 1) is an assumption.
    """
    lever = 1.0 + st["leverage_sensitivity"] * (0.5 * (tension - 0.5) + 0.5 * (pressure - 0.5))
    return np.where(in_talks(talks), 1.0 - st["restraint_in_talks"], np.clip(lever, 0.2, 3.0))


def missile_tests(u_month: np.ndarray, u_count: np.ndarray, rate: np.ndarray,
                  mean_count: np.ndarray) -> np.ndarray:
    """Number of missiles launched this month: 1 + geometric in a test month.

    Generative form fitted by :mod:`parley.calibration` on the CNS/NTI counts.
    """
    q = np.clip((mean_count - 1.0) / mean_count, 0.0, 0.999)
    extra = np.where(q > 0, np.floor(np.log1p(-u_count) / np.log(np.maximum(q, 1e-12))), 0.0)
    return np.where(u_month < rate, 1 + np.minimum(extra, 30), 0).astype(np.int64)


def classify_tests(u_icbm: np.ndarray, u_irbm: np.ndarray, n: np.ndarray,
                   st: Stance) -> tuple[np.ndarray, np.ndarray]:
    """How many of this month's tests are ICBM-class and intermediate-range.

    Uses the inverse binomial CDF on one draw per class, so the counts stay
    fixed slots of the run's stream.  Shares are calibrated on 2012-2020;
    capability growth (Oh, 'Third') acts through the red line, not the mix.
    """
    icbm = _binomial_inverse(u_icbm, n, st["icbm_share"])
    rest = n - icbm
    share = np.clip(st["irbm_share"] / np.maximum(1.0 - st["icbm_share"], 1e-9), 0.0, 1.0)
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
        pmf = pmf * (nn - i) / (i + 1) * pp / np.maximum(1.0 - pp, 1e-12)
        cdf = cdf + pmf
        i += 1
    return k


def nuclear_test(u: np.ndarray, st: Stance, mult: np.ndarray) -> np.ndarray:
    """A nuclear test this month (0 or 1); base rate from the six tests 2006-2017."""
    return (u < st["nuclear_test_rate"] * mult).astype(np.int64)


def evasion_growth(st: Stance, evasion: np.ndarray, pressure: np.ndarray) -> np.ndarray:
    """Growth of sanctions evasion; faster under heavier pressure.

    Oh, 'Third', citing the UN Panel of Experts (Aug 2020): evasion through
    illicit maritime trade of oil and coal and through cyber theft.
    """
    return st["evasion_growth"] * (0.5 + pressure) * (1.0 - evasion)


def accepts_talks(u: np.ndarray, st: Stance, offer: np.ndarray, flexibility: np.ndarray,
                  press: np.ndarray, pressure: np.ndarray) -> np.ndarray:
    """Pyongyang accepts an offer only if it reads a change in US attitude.

    Yeo, 'Trump': after Stockholm the North refused talks without a change in
    attitude.  Patron pressure (Yeo, 'Prospects') and sanctions pressure add to
    its willingness; a logistic with scale 0.1 (assumption) turns the margin
    into a probability.
    """
    margin = flexibility + press + 0.2 * pressure - st["attitude_threshold"]
    return offer & (u < 1.0 / (1.0 + np.exp(-margin / 0.1)))


def sits_out(u0: np.ndarray, st: Stance) -> np.ndarray:
    """Whether Pyongyang has chosen, for this whole run, to stay away from diplomacy.

    Yeo's forecasts are conditional on the North returning to the table at all
    ('Introduction', 'Prospects'); Oh, 'Third': it keeps building capabilities.
    Drawn once per run from the set-up slot; the share is an assumption.
    """
    return u0 < st["sit_out_share"]


def flatters_leader(u: np.ndarray, st: Stance, us: Stance, talks: np.ndarray) -> np.ndarray:
    """Kim reaches out to a president he thinks can be flattered into partial relief.

    Yeo, 'Prospects': Kim may contact a re-elected Trump if he believes Trump
    can be flattered into partial relief for a minimal freeze.  Yeo says it of
    Trump; extending it to any president open to leader-level diplomacy, scaled
    by that president's appetite for a legacy, is an assumption.
    """
    if not us["personal_diplomacy"]:
        return np.zeros_like(u, dtype=bool)
    return (talks == Talks.NO_CONTACT) & (u < st["flattery_outreach"] * us["legacy_drive"])


def walks_out(u: np.ndarray, st: Stance, talks: np.ndarray, talks_months: np.ndarray,
              relief: np.ndarray) -> np.ndarray:
    """Pyongyang walks out of talks that bring no relief.

    Yeo, 'Trump': Stockholm ended abruptly; two summits brought no relief.
    Hazard 0.15 x (months in talks / patience), capped at 0.3: assumption.
    """
    hazard = np.minimum(0.15 * talks_months / st["walkout_patience"], 0.3)
    talking = (talks == Talks.WORKING) | (talks == Talks.SUMMIT)
    return talking & ~relief & (u < hazard)


# ----------------------------------------------------------------- patrons


def is_spoiler(st: Stance, us_china: np.ndarray) -> np.ndarray:
    """A patron turns spoiler when US-China tension passes its threshold.

    Oh, 'Second': with tensions rising China may pursue its own diplomacy and
    work with Russia to ease UN sanctions.
    """
    return us_china > st["spoiler_threshold"]


def enforcement_share(st: Stance, spoiler: np.ndarray, talks: np.ndarray) -> np.ndarray:
    """Share of sanctions this patron enforces.

    Oh, 'Second': China broadly backed maximum pressure while talks moved
    forward; a spoiler enforces a third of it (assumption).
    """
    moving = in_talks(talks)
    return st["enforcement"] * np.where(spoiler & ~moving, 1.0 / 3.0, 1.0)


def unenforced(st: Stance, spoiler: np.ndarray, talks: np.ndarray) -> np.ndarray:
    """This patron's dent in effective pressure: its influence times what it leaves unenforced.

    Early (2015): sanctions fail when third parties keep trading with the target.
    """
    return st["influence"] * (enforcement_share(st, spoiler, talks) - 1.0)


def presses_pyongyang(st: Stance, us: Stance, spoiler: np.ndarray) -> np.ndarray:
    """Pressure on Pyongyang to return to talks when the US offer fits the patron's aims.

    Yeo, 'Prospects': Beijing favours a phased approach and a peace regime and
    may push Pyongyang back to talks if the US position is closer to its own.
    """
    fit = (us["sequencing"] == "phased") * (0.6 + 0.4 * us["peace_regime_goal"])
    return st["influence"] * st["phased_affinity"] * fit * 0.3 * ~spoiler


# ----------------------------------------------------------------- allies


def inter_korean_dialogue(u: np.ndarray, st: Stance) -> np.ndarray:
    """An inter-Korean contact this month (lowers tension).

    Yeo, 'Progressive': Warren links inter-Korean dialogue with the nuclear
    talks.  Seoul's propensity is an assumption (the texts say little of Seoul).
    """
    return u < st["engagement"]


def ally_push(st: Stance, us: Stance) -> float | np.ndarray:
    """How an ally's lobbying shifts Washington's flexibility, weighted by coordination.

    Yeo, 'Progressive' and 'Prospects': Sanders would consult closely with
    Seoul; every Democrat stressed working with allies.  Scale 0.1: assumption.
    """
    return 0.1 * st["presses_flexibility"] * st["consultation"] * us["alliance_coordination"]


# ------------------------------------------------------ talks and tension


def deal_possible(us: Stance, dprk: Stance, bold_credit: np.ndarray) -> np.ndarray:
    """A freeze-for-relief deal needs Pyongyang's furthest step to meet the precondition.

    Fearon's bargaining range: a deal exists only where offers overlap.  Yeo,
    'Progressive'/'Centrist': the precondition ladder; Oh, 'First': bold moves
    lower what is asked (one rung, assumption); broad linkage (Yeo, Bloomberg
    on human rights and cyber) adds a tenth of a rung (assumption).
    """
    need = LADDER[us["relief_precondition"]] + 0.1 * (us["sanctions_linkage"] == "broad")
    need = need - 0.25 * (bold_credit > 0)
    return dprk["max_concession"] >= need - 1e-9


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


def update_tension(tension: np.ndarray, tests: np.ndarray, icbm: np.ndarray,
                   nuclear: np.ndarray, talking: np.ndarray, dialogue: np.ndarray,
                   bold: np.ndarray, military: np.ndarray) -> np.ndarray:
    """Tension decays, rises with tests, falls with contact (the Jervis spiral).

    Coefficients are assumptions, documented in docs/MODEL.md.
    """
    t = (0.9 * tension + 0.02 * tests + 0.08 * icbm + 0.25 * nuclear
         - 0.04 * talking - 0.03 * dialogue - 0.1 * bold + 0.02)
    return np.where(military, 1.0, np.clip(t, 0.0, 1.0))
