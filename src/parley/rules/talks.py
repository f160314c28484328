"""The talks machine: how talks open, move up to a summit and a freeze deal, and end
(a derailing test, a walkout, a broken deal, a red-line breach); docs/MODEL.md, 'Talks'."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from parley.params import LADDER
from parley.rules.constants import Constants, Stance, Value, constant


class Talks(IntEnum):
    """The talks state machine (transitions in :func:`advance_talks`)."""

    NO_CONTACT = 0
    WORKING = 1
    SUMMIT = 2
    AGREEMENT = 3
    COLLAPSE = 4


class TalksCode:
    """The :class:`Talks` states as plain ints, for the rules' array comparisons and
    assignments: numpy converts an IntEnum member about three times slower than an
    int, and the month loop compares talks states some twenty times (same results)."""

    NO_CONTACT = int(Talks.NO_CONTACT)
    WORKING = int(Talks.WORKING)
    SUMMIT = int(Talks.SUMMIT)
    AGREEMENT = int(Talks.AGREEMENT)
    COLLAPSE = int(Talks.COLLAPSE)


@dataclass(frozen=True)
class TalksConstants(Constants):
    derail_p: Value = constant(0.5, 0.2, 0.9, "Chance a test in working-level talks ends them.")
    summit_p: Value = constant(
        0.25, 0.1, 0.5,
        "Monthly summit chance at full legacy drive and attention, once talks are ready.")
    summit_ready_working: Value = constant(
        3, 1, 6, "Months of working-level talks before a summit when a summit needs them.")
    summit_ready_direct: Value = constant(1, 1, 3, "Months of talks before a summit otherwise.")
    deal_p_working: Value = constant(0.10, 0.03, 0.25,
                                     "Monthly deal chance in working-level talks.")
    deal_p_summit: Value = constant(0.25, 0.1, 0.5, "Monthly deal chance at a summit.")
    freeze_covers_missiles_rung: Value = constant(
        0.5, 0.25, 0.75,
        "LADDER rung from which a freeze also covers all missile tests (else only ICBMs).")
    walkout_hazard: Value = constant(0.15, 0.05, 0.3,
                                     "Walkout hazard at the patience limit (per month).")
    walkout_cap: Value = constant(0.3, 0.1, 0.5, "Largest monthly walkout hazard.")
    spoiler_derail_p: Value = constant(
        0.1, 0.02, 0.3,
        "Monthly chance a spoiler patron of full influence derails running talks "
        "(scaled by its influence).",
        "Oh, headline and Second: talks could be derailed if Beijing played spoiler; "
        "size assumed")


STREAMS: dict[str, tuple[str, ...]] = {
    "derail": ("dynamics.derail_p",),
    "summit": ("dynamics.summit_p", "washington.legacy_drive"),
    "deal": ("dynamics.deal_p_working", "dynamics.deal_p_summit"),
    "walkout": ("walkout_patience", "dynamics.walkout_hazard"),
    "spoiled": ("dynamics.spoiler_derail_p", "beijing.spoiler_threshold"),
}


#: talks state -> whether the state is talks (WORKING, SUMMIT or AGREEMENT)
_IN_TALKS = np.array([t in (Talks.WORKING, Talks.SUMMIT, Talks.AGREEMENT) for t in Talks])


def in_talks(talks: np.ndarray) -> np.ndarray:
    """Whether each world is in talks (working level, a summit or an agreement)."""
    return _IN_TALKS.take(talks)


def walks_out(u: np.ndarray, st: Stance, c: TalksConstants, talks: np.ndarray,
              talks_months: np.ndarray, relief: np.ndarray) -> np.ndarray:
    """Pyongyang walks out of talks that bring no relief.

    Yeo, 'Trump': Stockholm ended abruptly; two summits brought no relief.
    Hazard ``walkout_hazard`` x (months in talks / patience), capped.
    """
    hazard = np.minimum(c.walkout_hazard * talks_months / st["walkout_patience"],
                        c.walkout_cap)
    talking = (talks == TalksCode.WORKING) | (talks == TalksCode.SUMMIT)
    return talking & ~relief & (u < hazard)


def freeze_violated(us: Stance, c: TalksConstants, tests: np.ndarray, icbm: np.ndarray,
                    nuclear: np.ndarray) -> np.ndarray:
    """A freeze covers nuclear tests; from the missile-freeze rung up, missile tests too."""
    covers_missiles = LADDER[us["relief_precondition"]] >= c.freeze_covers_missiles_rung
    if np.ndim(covers_missiles) == 0:  # one rung for every world
        return (nuclear > 0) | ((tests > 0) if covers_missiles else (icbm > 0))
    return (nuclear > 0) | np.where(covers_missiles, tests > 0, icbm > 0)


@dataclass(frozen=True)
class TalksMonth:
    """The month's moves of the talks machine, and the talks state they lead to."""

    talks: np.ndarray
    derail: np.ndarray
    spoiled: np.ndarray
    deal_broken: np.ndarray
    to_summit: np.ndarray
    to_deal: np.ndarray


def spoiled(u: np.ndarray, talks: np.ndarray, spoiler_pull: Value,
            c: TalksConstants) -> np.ndarray:
    """A spoiler patron derails running talks (Oh: talks could be derailed if Beijing
    played spoiler): chance ``spoiler_derail_p`` x the spoilers' influence, each month."""
    talking = (talks == TalksCode.WORKING) | (talks == TalksCode.SUMMIT)
    return talking & (u < c.spoiler_derail_p * np.minimum(spoiler_pull, 1.0))


def resolve(talks: np.ndarray, talks_months: np.ndarray, us: Stance, c: TalksConstants, *,
            u_derail: np.ndarray, u_summit: np.ndarray, u_deal: np.ndarray,
            u_spoil: np.ndarray, tests: np.ndarray, icbm: np.ndarray, nuclear: np.ndarray,
            accept: np.ndarray, flatter: np.ndarray, ripe: np.ndarray, walkout: np.ndarray,
            breach: np.ndarray, military: np.ndarray, attention: np.ndarray,
            deal_chance: np.ndarray, spoiler_pull: Value) -> TalksMonth:
    """One month of talks: openings, a summit, a deal, and what ends them.

    A test in working-level talks derails them with chance ``derail_p``; a
    spoiler patron derails running talks (:func:`spoiled`); a test the freeze
    covers breaks a deal in force.  No new talks open in a month of crisis (a
    red-line breach or a military response).  An accepted offer opens
    working-level talks; Kim's outreach and a ripe leader-level opening
    (:mod:`parley.rules.ripeness`) open them too, or go straight to a summit
    when Washington does not ask for working-level agreement first (Oh,
    Introduction).  Ready talks reach a summit with chance ``summit_p`` x
    legacy drive x attention; a deal comes with chance ``deal_p_*`` x the
    chance Pyongyang's step meets the ask (``deal_chance``).
    """
    working_first = us["summit_requires_working_level"]
    derail = (talks == TalksCode.WORKING) & (tests > 0) & (u_derail < c.derail_p)
    on = ~derail
    spoil = spoiled(u_spoil, talks, spoiler_pull, c) & on
    deal_broken = (talks == TalksCode.AGREEMENT) & freeze_violated(us, c, tests, icbm, nuclear)
    calm = ~(breach | military)  # no new talks in a month of crisis
    leaders = flatter | ripe
    if working_first:  # leaders open working-level talks, as an accepted offer does
        invite, opened = np.zeros_like(leaders), (accept | leaders) & calm
    else:  # leaders go straight to a summit
        invite, opened = leaders & calm, accept & calm
    summit_p = c.summit_p * us["legacy_drive"] * attention
    ready = talks_months >= (c.summit_ready_working if working_first
                             else c.summit_ready_direct)
    to_summit = ready & (u_summit < summit_p) & on
    deal_p = np.where(talks == TalksCode.SUMMIT, c.deal_p_summit, c.deal_p_working)
    to_deal = (u_deal < deal_p * deal_chance) & on & ~walkout
    new = advance_talks(talks, opened=opened, summit_invite=invite, to_summit=to_summit,
                        to_deal=to_deal, breach=breach, derail=derail | spoil,
                        walkout=walkout, deal_broken=deal_broken)
    return TalksMonth(new, derail, spoil, deal_broken, to_summit, to_deal)


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
    cooled = talks == TalksCode.COLLAPSE
    new[cooled] = TalksCode.NO_CONTACT
    idle = talks == TalksCode.NO_CONTACT
    new[idle & opened] = TalksCode.WORKING
    new[idle & summit_invite] = TalksCode.SUMMIT
    working = talks == TalksCode.WORKING
    talking = working | (talks == TalksCode.SUMMIT)
    new[working & to_summit] = TalksCode.SUMMIT
    new[talking & to_deal] = TalksCode.AGREEMENT
    ends = in_talks(talks) & (breach | derail | walkout | deal_broken)
    new[ends] = TalksCode.COLLAPSE
    return new


# ------------------------------------------------------------------ the telling

#: what the chronicle says when a rule of this family fires (parley.narrative)
SAYS = {
    "derail": "The test derails the working-level talks.",
    "spoiled": "Beijing, now a spoiler, pulls Pyongyang out of the talks.",
    "walkout": "Pyongyang walks out after {months} of talks without relief.",
    "deal_broken": "The test breaks the freeze agreement.",
    "summit": "Leaders meet at a summit.",
    "lapsed": "Contact lapses after the collapse.",
}
