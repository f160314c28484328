"""Tests, red lines and the military response (parley.rules.provocation):
every rule does what docs/MODEL.md says.

Rules are called with small hand-built arrays and the declared constants (``C``);
where a constant matters the test reads it, so a changed default does not break the
test but a flipped term does.
"""

from __future__ import annotations

import numpy as np
import pytest
from rulekit import C, T, _arr, _us
from scipy import stats

from parley.rules import (
    provocation,
)


@pytest.mark.parametrize(
    "line,icbm,nuclear,cap,expected",
    [
        ("none", 1, 1, 1.0, False),
        ("icbm", 1, 0, 0.0, True),
        ("icbm", 0, 1, 0.0, True),
        ("icbm", 0, 0, 1.0, False),
        ("nuclear_test", 1, 0, 1.0, False),
        ("nuclear_test", 0, 1, 0.0, True),
        ("multiple_warhead_icbm", 1, 0, 0.5, False),
        ("multiple_warhead_icbm", 1, 0, 0.9, True),
        ("multiple_warhead_icbm", 0, 1, 0.0, True),
    ],
)
def test_red_lines(line, icbm, nuclear, cap, expected):
    got = provocation.red_line_breached(
        {"red_line": line}, C.provocation, np.array([icbm]), np.array([nuclear]), np.array([cap])
    )
    assert bool(got[0]) is expected


def test_multiple_warhead_test_needs_capability_and_an_icbm():
    cap = C.value("multiple_warhead_capability")
    got = provocation.multiple_warhead_test(
        C.provocation, _arr(1, 1, 0), _arr(cap, cap - 0.01, 1.0)
    )
    assert got.tolist() == [True, False, False]


def test_military_option_only_when_kept_open_and_provoked():
    p = C.value("military_response_p")
    u = _arr(p / 2, p * 1.5)
    yes, no = np.ones(2, bool), np.zeros(2, bool)
    nuc0, nuc1 = np.zeros(2, int), np.ones(2, int)
    assert not provocation.military_response(
        u, _us(military_option=False), C.provocation, yes, nuc1
    ).any()
    assert provocation.military_response(
        u, _us(military_option=True), C.provocation, yes, nuc0
    ).tolist() == [True, False]
    assert provocation.military_response(
        u, _us(military_option=True), C.provocation, no, nuc1
    ).tolist() == [True, False]
    assert not provocation.military_response(
        u, _us(military_option=True), C.provocation, no, nuc0
    ).any()


def test_provocation_multiplier_never_falls_with_sensitivity():
    t0, p0 = C.value("leverage_neutral_tension"), C.value("leverage_neutral_pressure")
    tension = _arr(0.1, t0, t0 + 0.2, 0.9, 0.9)
    pressure = _arr(0.1, p0, p0, p0 + 0.3, 1.0)
    talks = np.zeros(5, np.int64)
    prev = None
    for sens in (0.0, 1.0, 3.0):
        mu = provocation.provocation_multiplier(
            {"leverage_sensitivity": sens, "restraint_in_talks": 0.5},
            C.provocation,
            tension,
            talks,
            pressure,
        )
        assert mu[0] == mu[1] == 1.0  # at or below the neutral point: the base rate
        if prev is not None:
            assert (mu >= prev).all() and (mu[2:] > prev[2:]).all()
        prev = mu
    assert mu.max() <= C.value("leverage_cap")


def test_provocation_multiplier_rises_with_tension_and_pressure_and_restrains_in_talks():
    st = {"leverage_sensitivity": 1.0, "restraint_in_talks": 0.7}
    idle = np.zeros(3, np.int64)
    by_t = provocation.provocation_multiplier(
        st, C.provocation, _arr(0.6, 0.7, 0.8), idle, np.zeros(3)
    )
    by_p = provocation.provocation_multiplier(
        st, C.provocation, np.zeros(3), idle, _arr(0.6, 0.7, 0.8)
    )
    assert by_t[0] < by_t[1] < by_t[2] and by_p[0] < by_p[1] < by_p[2]
    talking = np.full(3, T.WORKING)
    assert provocation.provocation_multiplier(
        st, C.provocation, _arr(0.9, 0.9, 0.9), talking, np.ones(3)
    ) == pytest.approx([0.3] * 3)


def test_missile_counts_follow_the_calibrated_form():
    rng = np.random.default_rng(1)
    n = 200_000
    rate, mean = 0.37, 3.08
    tests = provocation.missile_tests(
        rng.random(n), rng.random(n), np.full(n, rate), np.full(n, mean), C.provocation
    )
    # share of test months: sd = sqrt(p(1-p)/n) ~ 0.0011; allow 5 sd
    assert (tests > 0).mean() == pytest.approx(rate, abs=0.0055)
    # mean count in a test month: geometric sd ~ 2.5, n ~ 74,000 -> se ~ 0.01; allow 5 se
    assert tests[tests > 0].mean() == pytest.approx(mean, abs=0.05)
    assert tests.max() <= 1 + C.value("max_extra_tests")
    one = provocation.missile_tests(
        np.zeros(3), _arr(0.1, 0.5, 0.99), np.ones(3), np.ones(3), C.provocation
    )
    assert one.tolist() == [1, 1, 1]  # mean 1: exactly one missile in a test month


def test_classification_is_the_inverse_binomial():
    rng = np.random.default_rng(2)
    u, n, p = rng.random(50_000), rng.integers(0, 15, 50_000), rng.random(50_000) * 0.5
    k = provocation._binomial_inverse(u, n, p)
    assert np.array_equal(k, stats.binom.ppf(u, n, p).astype(int))
    icbm, irbm = provocation.classify_tests(
        np.full(3, 0.5),
        np.full(3, 0.5),
        _arr(0, 10, 10, dtype=int),
        {"icbm_share": 0.0, "irbm_share": 1.0},
    )
    assert icbm.tolist() == [0, 0, 0] and irbm.tolist() == [0, 10, 10]


def test_nuclear_test_scales_with_the_multiplier():
    st = {"nuclear_test_rate": np.full(3, 0.1)}
    got = provocation.nuclear_test(_arr(0.15, 0.15, 0.05), st, _arr(1.0, 2.0, 1.0))
    assert got.tolist() == [0, 1, 1]
