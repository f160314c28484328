"""Moscow as a patron with rules of its own (the ``russia`` role).

Beyond what any patron does (``rules/patrons.py``: enforcement, spoiling, UN easing,
press), Moscow holds a veto in the Security Council and, from June 2024, a treaty with
Pyongyang.  Two rules follow:

* the **council shield**: in a month when another patron (Beijing) plays spoiler, Moscow
  sides with it on UN sanctions and its veto takes away ``council_shield`` of the
  multilateral part of sanctions pressure (Oh, 'Second': China could work with Russia to
  ease UN sanctions on the North).  Unlike a patron's dent, the shield is not weighted
  by Moscow's trade with the North: a veto weighs on the whole UN regime.
* the **treaty lifeline**: a mutual-assistance treaty (the Comprehensive Strategic
  Partnership signed in Pyongyang on 2024-06-19) gives the North an outside option and
  lowers what sanctions cost it, whatever the US-China tension (the record; the sizes are
  ours).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from parley.rules.constants import Constants, Stance, Value, constant


@dataclass(frozen=True)
class RussiaConstants(Constants):
    un_pressure_share: Value = constant(
        0.5, 0.2, 0.8,
        "Share of effective sanctions pressure that rests on UN Security Council measures "
        "(the rest is unilateral), which a veto can shield.",
        "Oh, Second: Russia with China on easing UN sanctions; the share is ours")
    treaty_cost_relief: Value = constant(
        0.3, 0.0, 0.6,
        "Share of sanctions pressure a full treaty lifeline (treaty_lifeline 1) offsets "
        "(trade, oil and payment for arms outside the sanctions).")


STREAMS: dict[str, tuple[str, ...]] = {}


def sides_with_spoiler(spoilers: Sequence[tuple[str, np.ndarray]], n: int,
                       me: str) -> np.ndarray:
    """Worlds where another patron (not Moscow itself) plays spoiler this month.

    Oh, 'Second': the easing of UN sanctions is China's, "with Russia": Moscow sides
    with a spoiling Beijing rather than spoiling the Council alone.
    """
    out = np.zeros(n, dtype=bool)
    for name, spoiler in spoilers:
        if name != me:
            out |= np.asarray(spoiler, dtype=bool)
    return out


def council_shield(st: Stance, c: RussiaConstants, siding: np.ndarray) -> np.ndarray:
    """The veto's dent in effective pressure (a negative share, like a patron's).

    Oh, 'Second': Russia sides with China to ease UN sanctions; while it shields,
    the multilateral part of the pressure (``un_pressure_share``) loses
    ``council_shield`` of its bite.  Not weighted by Moscow's trade.
    """
    return -st["council_shield"] * c.un_pressure_share * siding


def treaty_dent(st: Stance, c: RussiaConstants) -> np.ndarray:
    """What a treaty lifeline takes off effective pressure (a negative share).

    Record: the Treaty on Comprehensive Strategic Partnership (Pyongyang, 2024-06-19)
    pledges mutual assistance; trade and payment for arms then flow outside the
    sanctions.  ``treaty_cost_relief`` is ours.
    """
    return -st["treaty_lifeline"] * c.treaty_cost_relief


def treaty_lifeline(st: Stance) -> np.ndarray:
    """The treaty as an outside option for Pyongyang (added to the patrons' lifeline),
    held whatever the US-China tension (a patron's own lifeline needs it to spoil)."""
    return st["treaty_lifeline"] * 1.0


#: what the chronicle says when a rule of this family fires (parley.narrative)
SAYS = {
    "shield": "{name} sides with {other} in the Security Council and shields Pyongyang "
              "from UN pressure.",
}
