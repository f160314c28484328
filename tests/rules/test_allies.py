"""Allies: inter-Korean dialogue and lobbying (parley.rules.allies):
every rule does what docs/MODEL.md says.

Rules are called with small hand-built arrays and the declared constants (``C``);
where a constant matters the test reads it, so a changed default does not break the
test but a flipped term does.
"""

from __future__ import annotations

import numpy as np
from rulekit import C, T, _arr, _us

from parley.rules import (
    allies,
)


def test_inter_korean_dialogue_paces_with_talks_when_linked():
    st = {"engagement": np.full(2, 0.2)}
    talks = _arr(T.NO_CONTACT, T.WORKING, dtype=np.int64)
    u = np.full(2, 0.3)
    assert not allies.inter_korean_dialogue(u, st, _us(), C.allies, talks).any()
    linked = allies.inter_korean_dialogue(
        u, st, _us(links_inter_korean_dialogue=True), C.allies, talks
    )
    assert linked.tolist() == [
        C.value("linked_dialogue_outside") * 0.2 > 0.3,
        C.value("linked_dialogue_in_talks") * 0.2 > 0.3,
    ]
    assert linked[1]


def test_ally_push_sign_follows_the_ally():
    us = _us(alliance_coordination=0.5)
    assert allies.ally_push({"presses_flexibility": 0.5, "consultation": 1.0}, us, C.allies) > 0
    assert allies.ally_push({"presses_flexibility": -0.5, "consultation": 1.0}, us, C.allies) < 0
    assert allies.ally_push({"presses_flexibility": 0.5, "consultation": 0.0}, us, C.allies) == 0
