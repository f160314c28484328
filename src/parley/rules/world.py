"""The world around the talks: crises elsewhere that take Washington's attention, and
US-China tension (drift, flare-ups, friction from sanctions on Chinese firms)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from parley.rules.constants import Constants, Stance, Value, clip, constant


@dataclass(frozen=True)
class WorldConstants(Constants):
    secondary_sanctions_friction: Value = constant(
        0.004, 0.0, 0.01,
        "Monthly rise of US-China tension while Washington tightens (sanctions on Chinese "
        "firms that Beijing condemns).",
        "Oh, Second: China condemns US sanctions on Chinese firms; size assumed")


#: stream (decision) -> the parameters that set its probability (for ``parley drivers``)
STREAMS: dict[str, tuple[str, ...]] = {
    "us_crisis": ("shocks.us_crisis_rate",),
    "us_china_shock": ("shocks.us_china_shock_rate",),
}


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
    return clip(level + drift + np.where(u < shock_rate, shock_size, 0.0), 0.0, 1.0)


def us_china_friction(us: Stance, c: WorldConstants) -> Value:
    """Extra monthly US-China tension while Washington tightens sanctions.

    Oh, 'Second': China condemns US unilateral sanctions on Chinese firms;
    tightening reaches those firms.
    """
    return c.secondary_sanctions_friction * (us["sanctions_policy"] == "tighten")
