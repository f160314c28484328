"""Sanctions policy, relief, evasion and pressure (parley.rules.sanctions):
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


def test_sanctions_policies():
    talks = _arr(T.NO_CONTACT, T.WORKING, T.AGREEMENT, dtype=np.int64)
    no_deal, deal = np.zeros(3, bool), _arr(0, 0, 1, dtype=bool)
    tighten = sanctions.sanctions_change(
        _us(sanctions_policy="tighten"), C.sanctions, talks, no_deal
    )
    assert tighten.tolist() == [C.value("tighten_step")] * 3
    assert (
        sanctions.sanctions_change(_us(sanctions_policy="tighten"), C.sanctions, talks, deal)[2]
        == 0
    )
    assert not sanctions.sanctions_change(
        _us(sanctions_policy="hold"), C.sanctions, talks, no_deal
    ).any()
    eased = sanctions.sanctions_change(
        _us(sanctions_policy="ease_with_progress"), C.sanctions, talks, no_deal
    )
    assert eased.tolist() == [0, -C.value("ease_step"), -C.value("ease_step")]


def test_relief_lapses_when_due_unless_renewed_under_a_clean_deal():
    due = C.value("relief_renewal_months")
    relief = np.ones(5, bool)
    months = _arr(due, due, due, due - 1, due, dtype=np.int64)
    deal = _arr(1, 1, 0, 1, 1, dtype=bool)
    tests = _arr(0, 2, 0, 0, 0, dtype=np.int64)
    partial = sanctions.relief_lapses(
        _us(relief_form="partial_time_limited"), C.sanctions, relief, deal, months, tests
    )
    assert partial.tolist() == [False, True, True, False, False]
    package = sanctions.relief_lapses(
        _us(relief_form="package"), C.sanctions, relief, deal, months, tests
    )
    assert package.tolist() == [False, False, True, False, False]  # only the unilateral one
    assert not sanctions.relief_lapses(_us(), C.sanctions, ~relief, deal, months, tests).any()


def test_evasion_grows_faster_under_pressure_and_saturates():
    st = {"evasion_growth": 0.01}
    got = sanctions.evasion_growth(st, C.sanctions, _arr(0.2, 0.2, 1.0), _arr(0.0, 0.8, 0.8))
    assert got[1] > got[0] > 0 and got[2] == 0
    assert got[0] == pytest.approx(0.01 * C.value("evasion_base") * 0.8)


def test_relief_on_offer_and_gap():
    assert sanctions.relief_on_offer(_us(relief_form="package"), C.sanctions) == C.value(
        "relief_package"
    )
    broad = sanctions.relief_on_offer(
        _us(relief_form="package", sanctions_linkage="broad"), C.sanctions
    )
    assert broad == pytest.approx(C.value("relief_package") * C.value("broad_linkage_relief_share"))
    assert sanctions.relief_on_offer(
        _us(relief_form="targeted_reversible"), C.sanctions
    ) == C.value("relief_targeted")
    dprk = {"max_concession": _arr(0.25, 0.5, 1.0)}
    z = np.zeros(3)
    gap = engagement.concession_gap(
        _us(relief_precondition="verifiable_irreversible_steps"), dprk, C.engagement, z
    )
    assert gap == pytest.approx([0.5, 0.25, 0.0])
    bold = engagement.concession_gap(
        _us(relief_precondition="verifiable_irreversible_steps"), dprk, C.engagement, z + 0.1
    )
    assert bold == pytest.approx(np.maximum(gap - C.value("bold_rung"), 0))
    broad_gap = engagement.concession_gap(
        _us(relief_precondition="nuclear_and_missile_freeze", sanctions_linkage="broad"),
        dprk,
        C.engagement,
        z,
    )
    assert broad_gap == pytest.approx(
        [0.25 + C.value("broad_linkage_rung"), C.value("broad_linkage_rung"), 0.0]
    )


@pytest.mark.parametrize("renewal", [12, 12.0, 7.5, "per world"])
def test_months_into_renewal_is_the_plain_remainder_bit_for_bit(renewal):
    # settle_relief takes the remainder only where it may not be the months themselves;
    # the result must be np.where(held, months % renewal, 0): values, zero signs, dtype
    rng = np.random.default_rng(5)
    months = np.concatenate([np.arange(-3, 40), rng.integers(0, 30, 200)])
    n = len(months)
    if renewal == "per world":
        renewal = rng.choice([6.0, 12.0, 13.5, 24.0], n)
    for values in (months, months.astype(float), months * 0.5, -0.0 * months):
        for held in (np.ones(n, bool), rng.random(n) < 0.5, np.zeros(n, bool)):
            want = np.where(held, values % renewal, 0)
            got = sanctions._months_into_renewal(values, renewal, held)
            assert got.dtype == want.dtype
            assert np.array_equal(got, want) and np.array_equal(np.signbit(got),
                                                                np.signbit(want))
