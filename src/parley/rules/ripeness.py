"""Ripeness: the route from a crisis to summitry (Zartman's mutually hurting stalemate).

Parties negotiate when both hurt in a stalemate they cannot escalate out of and
see a way out (Zartman, Ripe for Resolution, 1989; "Ripeness: the hurting
stalemate and beyond", 2000).  The textbook sequence is 2017-2018: a crisis of
ICBM and nuclear tests and threats of force, a North that declares its deterrent
complete (November 2017), a South Korean president who mediates, and a US
president who wants a meeting.  Here the hurt builds from months of crisis-level
tension outside talks (:func:`stalemate_after`); a leader-level opening then
comes with a monthly chance that needs all of it: the stalemate, a mediator, a
deterrent the North can talk from, and a president's appetite for a summit
(:func:`opening_chance`).  Why such openings close (the commitment problem,
Fearon 1995; Powell 2006) is the walkout rule's: summits that bring no relief end.
The texts allow it for the shipped scenarios where they speak of it: Oh,
Introduction (a re-elected Trump would seek another meeting with Kim) and Yeo's
editor's introduction (a surprise third summit remained possible).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from parley.rules.constants import Constants, Value, clip, constant
from parley.rules.talks import TalksCode


@dataclass(frozen=True)
class RipenessConstants(Constants):
    ripe_tension: Value = constant(
        0.7, 0.5, 0.9, "Tension above which a month outside talks adds to a hurting stalemate.",
        "Zartman 1989/2000: a mutually hurting stalemate; the level (the top three tenths "
        "of the scale, a crisis register) assumed")
    stalemate_memory: Value = constant(
        0.9, 0.8, 0.97, "Monthly retention of the hurting stalemate (it builds over months).",
        "Zartman 2000: ripeness is perceived over time; size assumed")
    ripeness_rate: Value = constant(
        0.2, 0.05, 0.5,
        "Monthly chance of a leader-level opening at a full stalemate, mediator, deterrent and "
        "appetite for a summit.", "Zartman 1989: ripe moments are seized, not certain; assumed")
    deterrent_complete: Value = constant(
        0.6, 0.5, 0.8,
        "Capability at which the North has a deterrent it can talk from (an ICBM able to reach "
        "the US; multiple warheads are at multiple_warhead_capability).",
        "Oh, Third: some experts judge its ICBMs reach all of the US (the base capability "
        "0.5-0.7 of 2020); the record: it declared its force complete in Nov 2017")
    mediation_scale: Value = constant(
        0.1, 0.05, 0.2,
        "Sum over allies of engagement x lobbying for flexibility at which mediation is full.",
        "The record: President Moon's mediation of 2018; size assumed")


STREAMS: dict[str, tuple[str, ...]] = {
    "ripe": ("dynamics.ripeness_rate", "washington.legacy_drive"),
}


def hurt(tension: np.ndarray, talking: np.ndarray, c: RipenessConstants) -> np.ndarray:
    """This month's hurt (0-1): how far tension stands above ``ripe_tension``, outside talks."""
    above = clip((tension - c.ripe_tension) / (1.0 - c.ripe_tension), 0.0, 1.0)
    return np.where(talking, 0.0, above)


def stalemate_after(stalemate: np.ndarray, tension: np.ndarray, talking: np.ndarray,
                    c: RipenessConstants) -> np.ndarray:
    """The hurting stalemate, an average of the months' hurt with ``stalemate_memory``."""
    return c.stalemate_memory * stalemate + (1.0 - c.stalemate_memory) * hurt(tension, talking, c)


def mediation(engagement: np.ndarray, presses_flexibility: np.ndarray,
              c: RipenessConstants) -> np.ndarray:
    """An ally's mediation (0-1): its engagement with the North times its lobbying of
    Washington for flexibility, relative to ``mediation_scale`` (no lobbying: none)."""
    return clip(engagement * np.maximum(presses_flexibility, 0.0) / c.mediation_scale,
                0.0, 1.0)


def opening_chance(stalemate: np.ndarray, mediated: np.ndarray, capability: np.ndarray,
                   legacy_drive: np.ndarray, attention: np.ndarray,
                   c: RipenessConstants) -> np.ndarray:
    """The monthly chance of a leader-level opening out of a hurting stalemate."""
    deterrent = capability >= c.deterrent_complete
    return c.ripeness_rate * stalemate * np.minimum(mediated, 1.0) * deterrent \
        * legacy_drive * attention


def opens(u: np.ndarray, chance: np.ndarray, talks: np.ndarray) -> np.ndarray:
    """A ripe opening this month, from no contact."""
    return (talks == TalksCode.NO_CONTACT) & (u < chance)


#: what the chronicle says when a rule of this family fires (parley.narrative)
SAYS = {"ripe": "Out of the stalemate, with Seoul mediating, the leaders agree to meet."}
