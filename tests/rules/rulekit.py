"""What the rule tests share: every constant at its default, hand-built stances and arrays."""

from __future__ import annotations

import numpy as np

from parley.rules import (
    ModelConstants,
)
from parley.rules import talks as talks_rules

C = ModelConstants.build()  # every constant at its declared default
T = talks_rules.Talks
N = 4000


def _us(**kw):
    base = {
        "relief_precondition": "fissile_freeze",
        "sequencing": "phased",
        "personal_diplomacy": True,
        "relief_form": "partial_time_limited",
        "sanctions_policy": "hold",
        "peace_regime_goal": False,
        "sanctions_linkage": "nuclear_and_missiles",
        "red_line": "icbm",
        "military_option": False,
        "no_reelection_pressure": False,
        "links_inter_korean_dialogue": False,
        "outreach_rate": np.full(N, 0.5),
        "bold_move_rate": np.full(N, 0.5),
        "crisis_distraction": np.full(N, 0.5),
        "election_year_drag": np.full(N, 0.5),
        "legacy_drive": np.full(N, 0.5),
        "alliance_coordination": np.full(N, 0.5),
    }
    return {**base, **kw}


def _arr(*xs, dtype=float):
    return np.array(xs, dtype=dtype)


def _flags(n, *idx):
    out = np.zeros(n, bool)
    out[list(idx)] = True
    return out
