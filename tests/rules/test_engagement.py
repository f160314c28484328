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


def test_a_deal_is_certain_with_overlap_and_fades_with_the_gap():
    dprk = {"max_concession": np.array([0.25, 0.25, 0.5, 1.0])}
    none = np.zeros(4)
    scale = C.value("concession_scale")
    for word, need in [("fissile_freeze", 0.25), ("nuclear_and_missile_freeze", 0.5),
                       ("substantial_disarmament", 1.0)]:
        got = engagement.deal_chance(
            _us(relief_precondition=word, sanctions_linkage="nuclear_only"), dprk,
            C.engagement, none)
        gap = np.maximum(need - dprk["max_concession"], 0.0)
        assert got == pytest.approx(np.exp(-gap / scale)), word
        assert ((got == 1.0) == (gap == 0)).all() and (got > 0).all()  # never exactly 0
    # the larger the gap, the smaller the chance
    far = engagement.reach(np.array([0.0, 0.1, 0.5, 1.0]), C.engagement)
    assert far[0] == 1.0 and (np.diff(far) < 0).all()
    # a bold move lowers the bar by one rung while its credit lasts
    got = engagement.deal_chance(
        _us(relief_precondition="nuclear_and_missile_freeze"), dprk, C.engagement,
        np.full(4, 0.15))
    assert got.tolist() == [1.0, 1.0, 1.0, 1.0]


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


def test_relief_counts_as_far_as_it_is_within_reach_and_nothing_counts_twice():
    within = _margin()
    value = C.value("engage_relief_value") * C.value("relief_partial")
    for gap in (0.1, 0.5):
        short = _margin(gap=gap)
        reached = np.exp(-gap / C.value("concession_scale"))
        assert within - short == pytest.approx(value * (1 - reached))
    assert _margin(gap=0.5) < _margin(gap=0.1) < within
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


def test_acceptance_is_a_logit_choice_on_the_margin():
    margin = _arr(-0.6, -0.01, 0.0, 0.3)
    assert engagement.engages(margin).tolist() == [False, False, True, True]
    p = engagement.accept_probability(margin, C.engagement)
    scale, top = C.value("choice_scale"), C.value("accept_willing")
    assert p == pytest.approx(top / (1 + np.exp(-margin / scale)))
    assert p[2] == pytest.approx(top / 2) and (np.diff(p) > 0).all()
    assert 0 < p[0] < 0.05 * top  # well below zero: rare, never impossible
    offer = _arr(1, 1, 1, 0, dtype=bool)
    just_below = p - 1e-9
    assert engagement.accepts_talks(just_below, C.engagement, offer, margin).tolist() == [
        True, True, True, False]  # no offer, no acceptance
    assert not engagement.accepts_talks(p, C.engagement, offer, margin).any()


def test_flattery_needs_a_flatterable_leader_doing_personal_diplomacy_and_no_contact():
    st = {"flattery_outreach": np.full(3, 1.0)}
    talks = _arr(T.NO_CONTACT, T.NO_CONTACT, T.WORKING, dtype=np.int64)
    reached = _arr(1.0, 0.1, 1.0)
    us = _us(legacy_drive=np.full(3, 0.5))
    u = np.full(3, 0.04)  # below 1 x 0.5 x 0.1: the reach scales the rate
    assert engagement.flatters_leader(u, st, us, talks, reached).tolist() == [True, True, False]
    assert not engagement.flatters_leader(np.full(3, 0.06), st, us, talks, reached)[1]
    for off in ("personal_diplomacy", "flatterable"):
        assert not engagement.flatters_leader(u, st, {**us, off: False}, talks, reached).any()
    assert not engagement.flatters_leader(np.full(3, 0.6), st, us, talks, reached).any()
