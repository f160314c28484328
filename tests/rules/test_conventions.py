"""Conventions every random rule follows (a draw below its probability fires):
every rule does what docs/MODEL.md says.

Rules are called with small hand-built arrays and the declared constants (``C``);
where a constant matters the test reads it, so a changed default does not break the
test but a flipped term does.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from rulekit import C, T, _arr, _us
from scipy import stats

from parley.rules import (
    allies,
    engagement,
    patrons,
    provocation,
    sanctions,
    washington,
    world,
)
from parley.rules import talks as talks_rules

ZERO = np.zeros(2)
IDLE = np.full(2, T.NO_CONTACT, dtype=np.int64)
TALKING = np.full(2, T.WORKING, dtype=np.int64)

ZERO_RATE_RULES = {
    "us_crisis_starts": lambda: world.us_crisis_starts(ZERO, 0.0, np.full(2, 4.0), np.zeros(2)),
    "drift_us_china": lambda: world.drift_us_china(np.full(2, 0.5), 0.0, ZERO, 0.0, 0.3) - 0.5,
    "offers_talks": lambda: washington.offers_talks(ZERO, {"outreach_rate": 0.0}, np.ones(2), IDLE),
    "bold_move": lambda: washington.bold_move(
        ZERO, _us(no_reelection_pressure=True, bold_move_rate=0.0), IDLE, np.ones(2)
    ),
    "military_response": lambda: provocation.military_response(
        ZERO,
        _us(military_option=True),
        replace(C.provocation, military_response_p=0.0),
        np.ones(2, bool),
        np.ones(2),
    ),
    "missile_tests": lambda: provocation.missile_tests(
        ZERO, np.full(2, 0.5), 0.0, np.full(2, 3.0), C.provocation
    ),
    "nuclear_test": lambda: provocation.nuclear_test(ZERO, {"nuclear_test_rate": 0.0}, np.ones(2)),
    "accepts_talks": lambda: engagement.accepts_talks(
        ZERO, replace(C.engagement, accept_willing=0.0), np.ones(2, bool), np.ones(2)
    ),
    "flatters_leader": lambda: engagement.flatters_leader(
        ZERO, {"flattery_outreach": 0.0}, _us(legacy_drive=np.ones(2)), IDLE, np.ones(2, bool)
    ),
    "walks_out": lambda: talks_rules.walks_out(
        ZERO, {"walkout_patience": 6.0}, C.talks, TALKING, np.zeros(2), np.zeros(2, bool)
    ),
    "inter_korean_dialogue": lambda: allies.inter_korean_dialogue(
        ZERO, {"engagement": 0.0}, _us(), C.allies, IDLE
    ),
    "inter_korean_dialogue linked": lambda: allies.inter_korean_dialogue(
        ZERO, {"engagement": 0.0}, _us(links_inter_korean_dialogue=True), C.allies, TALKING
    ),
}


@pytest.mark.parametrize("rule", ZERO_RATE_RULES)
def test_a_zero_probability_never_fires_even_on_the_draw_zero(rule):
    assert not np.any(ZERO_RATE_RULES[rule]())


def test_the_same_rules_fire_on_the_draw_zero_when_the_probability_is_positive():
    # the control for the test above: the guards were open, only the probability was 0
    assert washington.offers_talks(ZERO, {"outreach_rate": 0.1}, np.ones(2), IDLE).all()
    assert provocation.nuclear_test(ZERO, {"nuclear_test_rate": 0.1}, np.ones(2)).tolist() == [1, 1]
    assert talks_rules.walks_out(
        ZERO, {"walkout_patience": 6.0}, C.talks, TALKING, np.ones(2), np.zeros(2, bool)
    ).all()
    assert allies.inter_korean_dialogue(ZERO, {"engagement": 0.1}, _us(), C.allies, IDLE).all()


def test_no_op_rules_still_return_one_value_per_world():
    for policy in ("hold", "tighten", "ease_with_progress"):
        got = sanctions.sanctions_change(
            _us(sanctions_policy=policy), C.sanctions, IDLE, np.zeros(2, bool)
        )
        assert got.shape == (2,) and got.dtype == np.float64
    assert engagement.flatters_leader(
        ZERO, {"flattery_outreach": 1.0}, _us(personal_diplomacy=False), IDLE, np.ones(2, bool)
    ).shape == (2,)
    assert washington.bold_move(ZERO, _us(), IDLE, np.ones(2)).shape == (2,)


def test_bold_move_kind_stays_a_valid_index_at_the_top_of_the_draw():
    kinds = washington.bold_move_kind(_arr(0.0, 0.34, 0.67, 0.999999, 1.0))
    assert kinds.tolist() == [0, 1, 2, 2, len(washington.BOLD_MOVES) - 1]


def test_a_patron_at_exactly_its_threshold_is_not_yet_a_spoiler():
    st = {"spoiler_threshold": 0.6}
    assert patrons.is_spoiler(st, _arr(0.6, 0.6000001)).tolist() == [False, True]


def test_a_spoiler_enforces_in_full_while_talks_move():
    st = {"enforcement": 0.9, "influence": 0.8}
    spoiler = np.ones(2, bool)
    assert patrons.unenforced(st, C.patrons, spoiler, TALKING) == pytest.approx(
        [0.8 * (0.9 - 1.0)] * 2
    )
    assert patrons.unenforced(st, C.patrons, spoiler, IDLE) == pytest.approx(
        [0.8 * (0.9 * C.value("spoiler_enforcement_share") - 1.0)] * 2
    )


def test_binomial_inverse_is_the_smallest_k_whose_cdf_reaches_u():
    # Binomial(1, 0.5): CDF(0) = 0.5 exactly, so u = 0.5 gives k = 0 and u just above gives 1
    got = provocation._binomial_inverse(
        _arr(0.5, 0.5000001, 0.25, 0.75), np.full(4, 1), np.full(4, 0.5)
    )
    assert got.tolist() == [0, 1, 0, 1]
    # Binomial(2, 0.5): CDF = 0.25, 0.75, 1
    got = provocation._binomial_inverse(
        _arr(0.25, 0.26, 0.75, 0.76), np.full(4, 2), np.full(4, 0.5)
    )
    assert got.tolist() == [0, 1, 1, 2]


@pytest.mark.parametrize("icbm_share,irbm_share", [(0.3, 0.35), (0.2, 0.1), (0.6, 0.6)])
def test_classify_tests_splits_icbm_then_the_rest(icbm_share, irbm_share):
    rng = np.random.default_rng(7)
    u_icbm, u_irbm, n = rng.random(2000), rng.random(2000), rng.integers(0, 12, 2000)
    icbm, irbm = provocation.classify_tests(
        u_icbm, u_irbm, n, {"icbm_share": icbm_share, "irbm_share": irbm_share}
    )
    want_icbm = stats.binom.ppf(u_icbm, n, icbm_share).astype(int)
    # intermediate-range among the rest, at the conditional share (capped at all of them)
    rest_share = min(irbm_share / (1 - icbm_share), 1.0)
    want_irbm = stats.binom.ppf(u_irbm, n - want_icbm, rest_share).astype(int)
    assert np.array_equal(icbm, want_icbm)
    assert np.array_equal(irbm, want_irbm)
    assert (icbm + irbm <= n).all()


def test_missile_counts_are_capped_by_the_geometric_q_cap():
    # a huge mean count would make q ~ 1 and the count explode; the cap keeps q at
    # max_geometric_q, so the extra count is floor(log(1 - u) / log(q_cap))
    capped = replace(C.provocation, max_geometric_q=0.9)
    got = provocation.missile_tests(np.zeros(1), np.full(1, 0.5), 1.0, np.full(1, 1e6), capped)
    assert got.tolist() == [1 + int(np.floor(np.log(0.5) / np.log(0.9)))]
