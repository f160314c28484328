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


def test_missile_counts_of_shapes_that_only_broadcast_are_those_of_the_worlds_path():
    """One world given as scalars, or a month row against a column of worlds, goes through
    the broadcasting path: the same counts as one world at a time, 0 outside test months."""
    rng = np.random.default_rng(4)
    u_month, u_count = rng.random(12), rng.random(12)
    rate, mean = np.full(12, 0.5), np.linspace(1.0, 6.0, 12)
    worlds = provocation.missile_tests(u_month, u_count, rate, mean, C.provocation)
    assert (worlds == 0).any() and (worlds > 1).any()  # both kinds of month in the sample
    alone = [int(provocation.missile_tests(u_month[i], u_count[i], rate[i], mean[i],
                                           C.provocation)) for i in range(12)]
    assert alone == worlds.tolist()
    column = provocation.missile_tests(u_month[:, None], u_count[:, None], 0.5,
                                       mean[:, None], C.provocation)
    assert column.shape == (12, 1) and column[:, 0].tolist() == worlds.tolist()


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


# p values at and near the edges of [0, 1], and a few inside it
EDGE_P = [0.0, 5e-324, 1e-300, 1e-12, 1e-6, 0.1, 0.25, 1 / 3, 0.5, 0.7, 0.999999,
          1 - 1e-12, np.nextafter(1.0, 0.0), 1.0]


def _edge_draws(p: float, n_max: int) -> np.ndarray:
    """Draws in [0, 1) at and around every cdf value of Binomial(n, p), n <= n_max, at the
    edges of the guide's buckets and at the ends: the ties and near-ties where the
    table's search and the walk could part."""
    cdf, _ = provocation._binomial_tables(float(p), n_max)
    vals = np.unique(cdf[np.isfinite(cdf)])  # every CDF(i), i < n <= n_max
    buckets = np.arange(provocation._GUIDE_BUCKETS) / provocation._GUIDE_BUCKETS
    ends = [0.0, 5e-324, 1e-300, 1e-16, 0.5, 1 - 2**-53, np.nextafter(1.0, 0.0)]
    u = np.concatenate([vals, np.nextafter(vals, 0.0), np.nextafter(vals, 1.0), buckets,
                        np.nextafter(buckets, 0.0), np.nextafter(buckets, 1.0), ends,
                        np.random.default_rng(3).random(200)])
    return u[(u >= 0.0) & (u < 1.0)]


def _walked(u: np.ndarray, n: np.ndarray, p: float) -> np.ndarray:
    """The original formula (pmf * (n-i) / (i+1) * p / q), walked world by world."""
    want = np.zeros(len(u), dtype=np.int64)
    some = n > 0
    want[some] = provocation._binomial_walk(u[some], n[some].astype(float),
                                            np.full(np.count_nonzero(some), p))
    return want


@pytest.mark.parametrize("p", EDGE_P)
def test_binomial_table_gives_the_walks_counts_bit_for_bit(p):
    # one p for every world (and draws in [0, 1)) reads the cached tables: the counts
    # must be those of the walk
    n_max = 45
    u = _edge_draws(p, n_max)
    n = np.repeat(np.arange(n_max + 1), len(u))
    uu = np.tile(u, n_max + 1)
    got = provocation._binomial_inverse(uu, n, np.full(len(uu), p))
    want = _walked(uu, n, p)
    assert got.dtype == np.int64
    assert np.array_equal(got, want)
    assert np.array_equal(provocation._binomial_search(uu, n, float(p)), want)
    assert np.array_equal(provocation._binomial_inverse(uu, n, float(p)), want)  # a float p
    assert (got[n == 0] == 0).all() and (got <= n).all()


def test_binomial_inverse_outside_the_draws_range_walks():
    # numbers no draw gives (u >= 1, u < 0) take the walk, as before the tables
    u = np.array([1.0, 2.0, -0.5, 0.3, 1.0, -0.0])
    n = np.array([3, 5, 4, 2, 0, 7])
    for p in (0.0, 0.3, 1.0):
        assert np.array_equal(provocation._binomial_inverse(u, n, np.full(6, p)),
                              _walked(u, n, p))


def test_binomial_inverse_with_differing_p_is_each_worlds_own():
    # worlds of differing p walk one by one; each gets what its p alone would give it
    rng = np.random.default_rng(4)
    p = rng.choice(EDGE_P, 3000)
    u, n = rng.random(3000), rng.integers(0, 40, 3000)
    u[::7] = 0.0
    got = provocation._binomial_inverse(u, n, p)
    for value in EDGE_P:
        mine = p == value
        assert np.array_equal(got[mine], provocation._binomial_inverse(u[mine], n[mine],
                                                                       np.full(mine.sum(),
                                                                               value)))
