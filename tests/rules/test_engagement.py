"""The concession gap, the engagement margin and Pyongyang's answers (parley.rules.engagement):
every rule does what docs/MODEL.md says.

Rules are called with small hand-built arrays and the declared constants (``C``);
where a constant matters the test reads it, so a changed default does not break the
test but a flipped term does.
"""

from __future__ import annotations

import numpy as np
import pytest
from rulekit import C, T, _arr, _us

from parley.rules import (
    engagement,
    sanctions,
)


@pytest.mark.parametrize(
    "term,value,sign",
    [
        ("flexibility", 0.7, +1),
        ("press", 0.1, +1),
        ("pressure_change", 0.1, +1),
        ("bold_credit", 0.1, +1),
        ("dialogue", True, +1),
        ("gap", 0.25, -1),
        ("lifeline", 0.5, -1),
        ("capability_gain", 0.1, -1),
        ("tension_rise", 0.1, -1),
    ],
)
def test_every_engagement_term_points_the_documented_way(term, value, sign):
    base = _margin()
    assert sign * (_margin(**{term: value}) - base) > 0


def test_deal_needs_overlap_on_the_ladder():
    dprk = {"max_concession": np.array([0.25, 0.25, 0.5, 1.0])}
    none = np.zeros(4)
    for word, expected in [
        ("fissile_freeze", [1, 1, 1, 1]),
        ("nuclear_and_missile_freeze", [0, 0, 1, 1]),
        ("substantial_disarmament", [0, 0, 0, 1]),
    ]:
        got = engagement.deal_possible(
            _us(relief_precondition=word, sanctions_linkage="nuclear_only"),
            dprk,
            C.engagement,
            none,
        )
        assert got.tolist() == [bool(x) for x in expected], word
    # a bold move lowers the bar by one rung while its credit lasts
    got = engagement.deal_possible(
        _us(relief_precondition="nuclear_and_missile_freeze"), dprk, C.engagement, np.full(4, 0.15)
    )
    assert got.tolist() == [True, True, True, True]


def _margin(**kw):
    args = {
        "flexibility": np.full(1, 0.5),
        "press": np.zeros(1),
        "pressure_change": np.zeros(1),
        "gap": np.zeros(1),
        "lifeline": np.zeros(1),
        "capability_gain": np.zeros(1),
        "tension_rise": np.zeros(1),
        "bold_credit": np.zeros(1),
        "dialogue": np.zeros(1, bool),
    }
    args.update({k: np.atleast_1d(np.asarray(v)) for k, v in kw.items()})
    dprk = {"attitude_threshold": np.full(1, 0.5)}
    return engagement.engagement_margin(
        dprk,
        C.engagement,
        relief=sanctions.relief_on_offer(_us(sequencing="phased"), C.sanctions),
        **args,
    )[0]


def test_relief_counts_only_within_reach_and_nothing_counts_twice():
    within = _margin()
    short = _margin(gap=1e-6)
    assert within - short == pytest.approx(
        C.value("engage_relief_value") * C.value("relief_partial")
    )
    assert _margin(gap=0.5) == short  # beyond reach, the size of the gap does not count twice
    dprk = {"attitude_threshold": np.full(1, 0.5)}
    zero = {
        k: np.zeros(1)
        for k in (
            "press",
            "pressure_change",
            "gap",
            "lifeline",
            "capability_gain",
            "tension_rise",
            "bold_credit",
        )
    }
    upfront = engagement.engagement_margin(
        dprk,
        C.engagement,
        relief=sanctions.relief_on_offer(_us(sequencing="all_upfront"), C.sanctions),
        flexibility=np.full(1, 0.5),
        dialogue=np.zeros(1, bool),
        **zero,
    )
    phased = engagement.engagement_margin(
        dprk,
        C.engagement,
        relief=sanctions.relief_on_offer(_us(sequencing="phased"), C.sanctions),
        flexibility=np.full(1, 0.5),
        dialogue=np.zeros(1, bool),
        **zero,
    )
    assert phased[0] == upfront[0]  # sequencing acts through F (flex_phased), not again here
    higher = {"attitude_threshold": np.full(1, 0.7)}
    assert (
        engagement.engagement_margin(
            higher,
            C.engagement,
            relief=sanctions.relief_on_offer(_us(), C.sanctions),
            flexibility=np.full(1, 0.5),
            dialogue=np.zeros(1, bool),
            **zero,
        )[0]
        < phased[0]
    )


def test_engages_and_accepts_only_when_willing_and_offered():
    margin = _arr(-0.01, 0.0, 0.3, 0.3)
    assert engagement.engages(margin).tolist() == [False, True, True, True]
    offer = _arr(1, 1, 1, 0, dtype=bool)
    u = np.full(4, C.value("accept_willing") / 2)
    assert engagement.accepts_talks(u, C.engagement, offer, margin).tolist() == [
        False,
        True,
        True,
        False,
    ]
    late = np.full(4, (1 + C.value("accept_willing")) / 2)
    assert not engagement.accepts_talks(late, C.engagement, offer, margin).any()


def test_flattery_needs_personal_diplomacy_relief_within_reach_and_no_contact():
    st = {"flattery_outreach": np.full(3, 1.0)}
    talks = _arr(T.NO_CONTACT, T.NO_CONTACT, T.WORKING, dtype=np.int64)
    reach = _arr(1, 0, 1, dtype=bool)
    u = np.full(3, 0.1)
    us = _us(legacy_drive=np.full(3, 0.5))
    assert engagement.flatters_leader(u, st, us, talks, reach).tolist() == [True, False, False]
    assert not engagement.flatters_leader(
        u, st, {**us, "personal_diplomacy": False}, talks, reach
    ).any()
    assert not engagement.flatters_leader(
        np.full(3, 0.6), st, us, talks, reach
    ).any()  # rate x legacy
