"""Pyongyang's patrons (Beijing; Moscow's role adds rules/russia.py to these): how much
of the sanctions they enforce, when rivalry with Washington turns them into spoilers,
and when they press Pyongyang back to talks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from parley.rules.constants import Constants, Stance, Value, clip, constant
from parley.rules.talks import in_talks


@dataclass(frozen=True)
class PatronConstants(Constants):
    spoiler_enforcement_share: Value = constant(
        1 / 3, 0.0, 0.67, "Share of its enforcement a spoiler patron keeps outside talks.")
    press_phased_fit: Value = constant(0.6, 0.3, 1.0,
                                       "Fit of a phased US offer with the patron's aims.")
    press_peace_fit: Value = constant(0.4, 0.0, 0.7, "Extra fit of a peace-regime goal.")
    press_scale: Value = constant(0.3, 0.1, 0.5, "Scale of a patron's press on Pyongyang.")


STREAMS: dict[str, tuple[str, ...]] = {}


def is_spoiler(st: Stance, us_china: np.ndarray) -> np.ndarray:
    """A patron turns spoiler when US-China tension passes its threshold.

    Oh, 'Second': with tensions rising China may pursue its own diplomacy and
    work with Russia to ease UN sanctions.
    """
    return us_china > st["spoiler_threshold"]


def enforcement_share(st: Stance, c: PatronConstants, spoiler: np.ndarray,
                      talks: np.ndarray) -> np.ndarray:
    """Share of sanctions this patron enforces.

    Oh, 'Second': China broadly backed maximum pressure while talks moved
    forward; a spoiler keeps ``spoiler_enforcement_share`` of it outside talks.
    """
    moving = in_talks(talks)
    return st["enforcement"] * np.where(spoiler & ~moving, c.spoiler_enforcement_share, 1.0)


def unenforced(st: Stance, c: PatronConstants, spoiler: np.ndarray,
               talks: np.ndarray) -> np.ndarray:
    """This patron's dent in effective pressure: its influence times what it leaves unenforced.

    Early (2015): sanctions fail when third parties keep trading with the target.
    """
    return st["influence"] * (enforcement_share(st, c, spoiler, talks) - 1.0)


def lifeline(st: Stance, spoiler: np.ndarray) -> np.ndarray:
    """A spoiler patron's own diplomacy with Pyongyang: an outside option worth its influence.

    Oh, 'Second': China may pursue its own diplomacy with the North.
    """
    return st["influence"] * spoiler


def presses_pyongyang(st: Stance, us: Stance, c: PatronConstants,
                      spoiler: np.ndarray) -> np.ndarray:
    """Pressure on Pyongyang to return to talks when the US offer fits the patron's aims.

    Yeo, 'Prospects': Beijing favours a phased approach and a peace regime and
    may push Pyongyang back to talks if the US position is closer to its own.
    """
    fit = (us["sequencing"] == "phased") * (c.press_phased_fit
                                            + c.press_peace_fit * us["peace_regime_goal"])
    return st["influence"] * st["phased_affinity"] * fit * c.press_scale * ~spoiler


def un_easing(st: Stance, sanctions: np.ndarray, spoiler: np.ndarray) -> np.ndarray:
    """A spoiler lobbies to ease UN sanctions by ``un_easing_push`` a month (Oh, 'Second')."""
    return clip(sanctions - st["un_easing_push"] * spoiler, 0.0, 1.0)


#: what the chronicle says when a rule of this family fires (parley.narrative)
SAYS = {
    "spoiler": "{name} turns spoiler as US-China tension reaches {level}: it eases "
               "enforcement and lobbies to ease UN sanctions.",
    "enforcing": "{name} returns to enforcing sanctions.",
}
