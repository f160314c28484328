"""Tokyo's own rules (parley.rules.japan): pressure after tests and the abductions
issue do what docs/MODEL.md says; a flipped sign or a lost guard fails here.

Rules are called with small hand-built arrays and the declared constants (``C``);
where a constant matters the test reads it, so a changed default does not break the
test but a flipped term does.
"""

from __future__ import annotations

import numpy as np
import pytest
from rulekit import C, _arr, _us

from parley.rules import allies, japan


def test_tokyo_adds_sanctions_only_after_a_test_month():
    st = {"pressure_push": np.full(4, 0.5)}
    level = np.full(4, 0.4)
    tests, nuclear = _arr(0, 2, 0, 1, dtype=int), _arr(0, 0, 1, 0, dtype=int)
    after = japan.after_tests(st, C.japan, level, tests, nuclear)
    step = 0.5 * C.value("test_sanctions_step")
    assert after == pytest.approx([0.4, 0.4 + step, 0.4 + step, 0.4 + step])  # one test will do
    assert (after >= level).all()  # never an easing
    assert japan.after_tests(st, C.japan, np.ones(4), tests, nuclear).max() == 1.0  # capped
    off = japan.after_tests({"pressure_push": np.zeros(4)}, C.japan, level, tests, nuclear)
    assert off == pytest.approx(level)


def test_the_abductions_issue_drags_washington_away_from_flexibility():
    st = {"abductions_precondition": True, "consultation": np.full(2, 0.8),
          "presses_flexibility": np.zeros(2)}
    us = _us(alliance_coordination=_arr(0.5, 0.0))
    push = japan.abductions_push(st, us, C.japan)
    assert push[0] == pytest.approx(-C.value("abductions_drag") * 0.8 * 0.5)
    assert push[0] < 0 and push[1] == 0  # no coordination, no drag
    assert japan.abductions_push({**st, "abductions_precondition": False}, us, C.japan) == 0.0
    # it adds to the allies' lobbying, so it lowers the push a plain ally would give
    plain = allies.ally_push(st, us, C.allies)
    assert (plain + push <= plain).all()
