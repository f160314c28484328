"""US allies (Seoul; Tokyo's role adds rules/japan.py): inter-Korean dialogue and lobbying
Washington."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from parley.rules.constants import Constants, Stance, Value, constant
from parley.rules.talks import in_talks


@dataclass(frozen=True)
class AllyConstants(Constants):
    ally_push_scale: Value = constant(0.1, 0.0, 0.3, "Scale of an ally's lobbying of Washington.")
    linked_dialogue_in_talks: Value = constant(
        2.0, 1.0, 4.0,
        "Multiple of Seoul's dialogue propensity while US talks run, when Washington ties "
        "the two tracks.",
        "Yeo, Progressive: Warren ties inter-Korean dialogue to the nuclear talks; size assumed")
    linked_dialogue_outside: Value = constant(
        1.0, 0.5, 1.0,
        "Multiple of Seoul's dialogue propensity outside talks when the tracks are tied.")


STREAMS: dict[str, tuple[str, ...]] = {"dialogue": ("engagement",)}


def inter_korean_dialogue(u: np.ndarray, st: Stance, us: Stance, c: AllyConstants,
                          talks: np.ndarray) -> np.ndarray:
    """An inter-Korean contact this month (lowers tension).

    Seoul's propensity is an assumption (the texts say little of Seoul).  Yeo,
    'Progressive': Warren ties inter-Korean dialogue to the nuclear talks; when
    Washington does, Seoul's dialogue moves in step with them (more while
    they run; outside them as usual unless ``linked_dialogue_outside`` < 1).
    """
    if not us["links_inter_korean_dialogue"]:
        return u < st["engagement"]
    pace = np.where(in_talks(talks), c.linked_dialogue_in_talks, c.linked_dialogue_outside)
    return u < st["engagement"] * pace


def ally_push(st: Stance, us: Stance, c: AllyConstants) -> Value:
    """How an ally's lobbying shifts Washington's flexibility, weighted by coordination.

    Yeo, 'Progressive' and 'Prospects': Sanders would consult closely with
    Seoul; every Democrat stressed working with allies.  Scale: ``ally_push_scale``.
    """
    return (c.ally_push_scale * st["presses_flexibility"] * st["consultation"]
            * us["alliance_coordination"])


#: what the chronicle says when a rule of this family fires (parley.narrative)
SAYS = {"dialogue": "{name} holds an inter-Korean contact."}
