"""Washington's moves: the attention it has for North Korea, the flexibility Pyongyang
reads in its offer, offers of talks, and a second-term president's bold moves."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from parley.params import LADDER
from parley.rules.constants import Constants, Stance, Value, clip, constant
from parley.rules.talks import TalksCode


@dataclass(frozen=True)
class WashingtonConstants(Constants):
    election_year_months: Value = constant(
        12, 6, 18, "Months before the end of a first term that count as the election year.",
        "Yeo, Introduction: nothing before the November election; the fourth year of a term")
    flex_precondition: Value = constant(
        0.35, 0.2, 0.5,
        "Weight of a low relief precondition in US flexibility (the largest: Yeo stresses "
        "preconditions).")
    flex_phased: Value = constant(0.15, 0.05, 0.25,
                                  "Weight of phased sequencing in US flexibility.")
    flex_personal: Value = constant(0.15, 0.05, 0.25,
                                    "Weight of leader-level diplomacy in US flexibility.")
    flex_relief_form: Value = constant(
        0.10, 0.0, 0.2,
        "Weight of partial or reversible (not package-only) relief in US flexibility.")
    flex_no_tightening: Value = constant(
        0.10, 0.0, 0.2, "Weight of a sanctions policy that does not tighten in US flexibility.")
    flex_peace_regime: Value = constant(0.05, 0.0, 0.15,
                                        "Weight of a peace-regime goal in flexibility.")
    flex_broad_linkage: Value = constant(
        0.05, 0.0, 0.15,
        "Flexibility lost when sanctions are also tied to human rights and cyber.")
    bold_credit: Value = constant(
        0.15, 0.05, 0.3,
        "Flexibility a bold move adds while its goodwill lasts (one policy step of F).")
    bold_credit_decay: Value = constant(0.9, 0.7, 0.97,
                                        "Monthly retention of a bold move's goodwill.")
    bold_credit_floor: Value = constant(0.05, 0.01, 0.1, "Goodwill below which it is gone.")


STREAMS: dict[str, tuple[str, ...]] = {
    "offer": ("outreach_rate",),
    "bold_move": ("bold_move_rate", "no_reelection_pressure"),
    "bold_kind": (),  # equal odds of Oh's three moves: the modellers' own
}

BOLD_MOVES = ("sanctions_relief", "end_of_war_declaration", "troop_posture")


def attention(st: Stance, c: WashingtonConstants, crisis_left: np.ndarray, month: int,
              horizon: int) -> np.ndarray:
    """Share of Washington's attention left for North Korea this month.

    Yeo, 'Prospects': other crises and the election year crowd out talks.  Oh,
    'First': a second-term president faces no re-election pressure.
    """
    a = 1.0 - st["crisis_distraction"] * (crisis_left > 0)
    if st["no_reelection_pressure"]:
        return a
    election_year = month > horizon - c.election_year_months
    if np.ndim(election_year) == 0:  # one answer for every world: x 1 or x (1 - drag)
        return a * (1.0 - st["election_year_drag"]) if election_year else a
    return a * (1.0 - st["election_year_drag"] * election_year)


def us_flexibility(st: Stance, c: WashingtonConstants, bold_credit: np.ndarray,
                   ally_push: np.ndarray) -> np.ndarray:
    """How much change in US attitude Pyongyang can read in Washington's offer (0-1).

    Yeo, 'Prospects': Pyongyang finds a president more promising who is open to
    dialogue without stressing preconditions; Yeo, 'Progressive': step-by-step
    sequencing, partial relief and no tightening.  Weights: assumption.
    """
    f = (c.flex_precondition * (1.0 - LADDER[st["relief_precondition"]])
         + c.flex_phased * (st["sequencing"] == "phased")
         + c.flex_personal * st["personal_diplomacy"]
         + c.flex_relief_form * (st["relief_form"] != "package")
         + c.flex_no_tightening * (st["sanctions_policy"] != "tighten")
         + c.flex_peace_regime * st["peace_regime_goal"]
         - c.flex_broad_linkage * (st["sanctions_linkage"] == "broad"))
    return clip(f + bold_credit + ally_push, 0.0, 1.0)


def offers_talks(u: np.ndarray, st: Stance, att: np.ndarray, talks: np.ndarray) -> np.ndarray:
    """Washington offers working-level talks when there is no contact.

    Yeo, 'Trump': envoy Biegun's trips to resume talks after Stockholm.  The
    monthly ``outreach_rate`` is scaled by attention.
    """
    return (talks == TalksCode.NO_CONTACT) & (u < st["outreach_rate"] * att)


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
    possible = talks != TalksCode.COLLAPSE  # in talks or no contact
    return possible & (u < st["bold_move_rate"] * att)


def bold_move_kind(u: np.ndarray) -> np.ndarray:
    """Which of Oh's three bold moves it is (index into BOLD_MOVES), equally likely.

    Equal odds are an assumption; a relief move eases sanctions by ``bold_relief``.
    """
    kind = (u * len(BOLD_MOVES)).astype(np.int64)
    return np.minimum(kind, len(BOLD_MOVES) - 1, out=kind)


def decay_bold_credit(credit: np.ndarray, c: WashingtonConstants) -> np.ndarray:
    """A bold move's goodwill fades (``bold_credit_decay``) and is gone below a floor."""
    credit = credit * c.bold_credit_decay
    np.putmask(credit, credit < c.bold_credit_floor, 0.0)
    return credit
