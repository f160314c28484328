"""Whether Pyongyang engages: the concession gap, its engagement margin each month, and
its answers (taking up an offer, reaching out to a leader it thinks it can flatter)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from parley.params import LADDER
from parley.rules.constants import Constants, Stance, Value, constant
from parley.rules.talks import TalksCode


@dataclass(frozen=True)
class EngagementConstants(Constants):
    broad_linkage_rung: Value = constant(
        0.1, 0.0, 0.25,
        "Extra LADDER height a deal must reach when sanctions are tied broadly.")
    bold_rung: Value = constant(
        0.25, 0.0, 0.5,
        "How far a bold move lowers what a deal asks (one LADDER rung) while its credit lasts.")
    accept_willing: Value = constant(
        0.5, 0.2, 1.0,
        "Chance a willing Pyongyang (engagement margin >= 0) takes up a given offer.")
    engage_pressure: Value = constant(
        1.0, 0.25, 2.0,
        "Weight of the change in enforced pressure since the start in the engagement margin.",
        "Fearon 1995 / outside options: pressure lowers the value of no agreement")
    engage_relief_value: Value = constant(
        0.5, 0.0, 1.0, "Weight of the relief on offer (if within reach) in the engagement margin.",
        "Yeo, Prospects: Kim hopes to trade a minimal freeze for partial relief; size assumed")
    engage_outside_option: Value = constant(
        0.2, 0.0, 0.5, "Weight of a spoiler patron's lifeline (its own diplomacy) in the margin.",
        "Oh, Second: China may pursue its own diplomacy with Pyongyang; size assumed")
    engage_capability: Value = constant(
        0.5, 0.1, 1.5,
        "Weight of capability gained since the start (a stronger hand) in the margin.",
        "Oh, Third: Pyongyang keeps building capabilities; size assumed")
    engage_tension: Value = constant(
        0.5, 0.0, 1.0,
        "Weight of tension risen since the start (the spiral: hostility breeds distrust).",
        "Jervis 1976, spiral model; size assumed")
    engage_bold_opener: Value = constant(
        0.15, 0.0, 0.4,
        "Engagement a bold move (e.g. an end-of-war declaration) adds while its credit lasts.",
        "Oh, First: bold moves; counted once more as an opener, size assumed")
    dialogue_engagement: Value = constant(
        0.05, 0.0, 0.2, "Engagement an inter-Korean contact last month adds to Pyongyang's margin.")
    choice_scale: Value = constant(
        0.15, 0.05, 0.3,
        "Scale of Pyongyang's choice to take up an offer: the engagement margin enters a logit "
        "choice probability with this scale (the unobserved part of its valuation has a "
        "standard deviation of about 1.8 x the scale).",
        "McFadden 1974; Train 2009: random-utility choice; scale assumed (sd about 0.27, a "
        "fifth of the threshold's base range)")
    concession_scale: Value = constant(
        0.125, 0.05, 0.25,
        "How far, on the LADDER scale, Pyongyang's furthest step may go beyond its "
        "max_concession in a given month: the chance it bridges a gap g is exp(-g / scale).",
        "Random utility of the furthest step (an exponential tail); half a LADDER rung, assumed")


STREAMS: dict[str, tuple[str, ...]] = {
    # Whether Pyongyang prefers talks is the engagement margin, a function of the state (no
    # draw of its own); its ranged inputs show as ``range:`` elements.  The draw is
    # whether it takes up a given offer (a logit choice on the margin).
    "accept": ("dynamics.accept_willing", "dynamics.choice_scale"),
    "flatter": ("flattery_outreach", "washington.legacy_drive", "washington.flatterable"),
}


def concession_gap(us: Stance, dprk: Stance, c: EngagementConstants,
                   bold_credit: np.ndarray) -> np.ndarray:
    """How far what Washington asks before relief exceeds Pyongyang's furthest step (>= 0).

    Fearon's bargaining range: a deal exists only where offers overlap.  Yeo,
    'Progressive'/'Centrist': the precondition ladder; Oh, 'First': a bold move
    lowers what is asked by ``bold_rung`` while its credit lasts; broad linkage
    (Yeo, Bloomberg) adds ``broad_linkage_rung``.
    """
    need = (LADDER[us["relief_precondition"]]
            + c.broad_linkage_rung * (us["sanctions_linkage"] == "broad")
            - c.bold_rung * (bold_credit > 0))
    return np.maximum(need - dprk["max_concession"], 0.0)


def reach(gap: np.ndarray, c: EngagementConstants) -> np.ndarray:
    """The chance this month's furthest step of Pyongyang's bridges the concession gap.

    Random utility (McFadden 1974): the step Pyongyang will take varies month to month
    beyond its ``max_concession`` with an exponential tail of scale ``concession_scale``,
    so a gap g is bridged with chance exp(-g / scale): 1 with no gap, small but never 0
    for a large one.  A deal, the relief term of the margin and Kim's outreach all use
    it, so a concession that meets the ask always has a chance (Yeo, 'Trump': barring a
    major concession from Pyongyang).
    """
    return np.exp(-np.maximum(gap, 0.0) / c.concession_scale)


def deal_chance(us: Stance, dprk: Stance, c: EngagementConstants,
                bold_credit: np.ndarray) -> np.ndarray:
    """A freeze-for-relief deal needs Pyongyang's step to meet the precondition: its chance."""
    return reach(concession_gap(us, dprk, c, bold_credit), c)


def engagement_margin(dprk: Stance, c: EngagementConstants, *, relief: Value,
                      flexibility: np.ndarray, press: np.ndarray,
                      pressure_change: np.ndarray, gap: np.ndarray, lifeline: np.ndarray,
                      capability_gain: np.ndarray, tension_rise: np.ndarray,
                      bold_credit: np.ndarray, dialogue: np.ndarray,
                      reached: np.ndarray | None = None) -> np.ndarray:
    """Pyongyang's net value of talking this month, against its attitude threshold.

    Bargaining with outside options (Fearon 1995; Powell 2002): Pyongyang
    talks when what talks can bring beats what it has without them.  For:
    the change in US attitude it reads (Yeo, 'Trump'), patron press (Yeo,
    'Prospects'), pressure as actually enforced (no deal hurts more), relief
    within reach of what it is willing to give (Yeo, 'Prospects'; ``relief``
    is the relief on offer, :func:`parley.rules.sanctions.relief_on_offer`),
    a bold opener's goodwill (Oh, 'First'), inter-Korean contact.  Against: a
    spoiler patron's lifeline (Oh, 'Second': China's own diplomacy),
    capability gained since the start of the term (Oh, 'Third'), and tension
    risen since the start (Jervis's spiral; a fall adds).  The threshold is
    Pyongyang's stance at the start of the term, so the state of the world
    (pressure, capability, tension) enters as a change from then.  What
    Washington asks enters through ``flexibility`` (its precondition and
    sequencing terms) and through ``gap``: the relief on offer counts as far as
    it is within reach (:func:`reach`; ``reached`` when the caller has it already);
    the size of the gap is not counted a second time.
    """
    if reached is None:
        reached = reach(gap, c)
    return (flexibility + press + c.engage_pressure * pressure_change
            + c.engage_relief_value * relief * reached
            + c.engage_bold_opener * (bold_credit > 0)
            + c.dialogue_engagement * dialogue
            - c.engage_outside_option * lifeline
            - c.engage_capability * capability_gain
            - c.engage_tension * tension_rise
            - dprk["attitude_threshold"])


def engages(margin: np.ndarray) -> np.ndarray:
    """Pyongyang prefers talks this month: a margin at or above zero (even or better odds)."""
    return margin >= 0.0


def accept_probability(margin: np.ndarray, c: EngagementConstants) -> np.ndarray:
    """The chance Pyongyang takes up an offer: a logit choice on its engagement margin.

    Random utility (McFadden 1974; Train 2009): Pyongyang's value of talking is the
    margin plus an unobserved part, so it takes up an offer with probability
    ``accept_willing / (1 + exp(-margin / choice_scale))``: ``accept_willing / 2`` at a
    margin of 0, near ``accept_willing`` well above it, small but never 0 below it.
    """
    return c.accept_willing / (1.0 + np.exp(-margin / c.choice_scale))


def accepts_talks(u: np.ndarray, c: EngagementConstants, offer: np.ndarray,
                  margin: np.ndarray) -> np.ndarray:
    """Pyongyang accepts this month's offer with :func:`accept_probability`.

    Yeo, 'Trump': after Stockholm the North refused talks without a change in
    attitude; even a Pyongyang that prefers talks may take its time over an offer.
    """
    return offer & (u < accept_probability(margin, c))


def flatters_leader(u: np.ndarray, st: Stance, us: Stance, talks: np.ndarray,
                    reached: np.ndarray) -> np.ndarray:
    """Kim reaches out to a president he thinks can be flattered into partial relief.

    Yeo, 'Prospects': Kim may contact a re-elected Trump if he believes Trump
    can be flattered into partial relief for a minimal freeze.  Kept to the
    text's scope and condition: a president the text names (``flatterable``)
    doing leader-level diplomacy, and relief within reach of what Pyongyang is
    willing to give (``reached``, :func:`reach` of the gap); the monthly rate
    scales with that president's appetite for a legacy.
    """
    if not (us["personal_diplomacy"] and us["flatterable"]):
        return np.zeros_like(u, dtype=bool)
    return ((talks == TalksCode.NO_CONTACT)
            & (u < st["flattery_outreach"] * us["legacy_drive"] * reached))


#: what the chronicle says when a rule of this family fires (parley.narrative)
SAYS = {
    "flatter": "Kim reaches out to the President, betting he can be flattered into partial "
               "relief for a minimal freeze.",
    "accepted": "Washington offers talks and Pyongyang accepts ({numbers}).",
    "willing": "Washington offers talks; Pyongyang is willing ({numbers}) but does not take "
               "them up this month: its answer is a draw each month.",
    "refused": "Washington offers talks; Pyongyang refuses: talks offer it less than it asks "
               "({numbers}).",
}
