"""Crises elsewhere and US-China tension (parley.rules.world):
every rule does what docs/MODEL.md says.

Rules are called with small hand-built arrays and the declared constants (``C``);
where a constant matters the test reads it, so a changed default does not break the
test but a flipped term does.
"""

from __future__ import annotations

import numpy as np
import pytest
from rulekit import C, _arr, _us

from parley.rules import (
    world,
)


def test_us_crisis_starts_only_when_none_runs_and_counts_down():
    left = _arr(0, 0, 3, 1)
    u = _arr(0.01, 0.9, 0.01, 0.01)
    got = world.us_crisis_starts(u, 0.05, np.full(4, 4.0), left)
    assert got.tolist() == [4, 0, 2, 0]


def test_us_china_drifts_and_flares_within_bounds():
    level = _arr(0.5, 0.5, 0.99, 0.0)
    u = _arr(0.9, 0.01, 0.01, 0.9)
    got = world.drift_us_china(level, _arr(0.01, 0.01, 0.01, -0.05), u, 0.05, 0.1)
    assert got == pytest.approx([0.51, 0.61, 1.0, 0.0])


def test_friction_only_under_tightening():
    assert (
        world.us_china_friction(_us(sanctions_policy="tighten"), C.world)
        == C.value("secondary_sanctions_friction")
        > 0
    )
    assert world.us_china_friction(_us(sanctions_policy="hold"), C.world) == 0
