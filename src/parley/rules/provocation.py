"""Pyongyang's tests and what they set off: how many missiles of which class, nuclear
tests, capability growth, Washington's red line and its military response."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from parley.params import TINY
from parley.rules.constants import Constants, Stance, Value, clip, constant
from parley.rules.talks import in_talks


@dataclass(frozen=True)
class ProvocationConstants(Constants):
    multiple_warhead_capability: Value = constant(
        0.8, 0.6, 0.95, "Capability at which an ICBM test counts as a multiple-warhead test.",
        "Oh, Third: may seek multiple warheads; threshold crossed within the term (assumed)")
    leverage_tension_weight: Value = constant(
        0.5, 0.0, 1.0, "Weight of tension above its neutral point in the provocation multiplier.")
    leverage_pressure_weight: Value = constant(
        0.5, 0.0, 1.0,
        "Weight of pressure above its neutral point in the provocation multiplier.")
    leverage_neutral_tension: Value = constant(
        0.5, 0.3, 0.7, "Tension below which tests are at their calibrated base rate.")
    leverage_neutral_pressure: Value = constant(
        0.5, 0.3, 0.7, "Pressure below which tests are at their calibrated base rate.")
    leverage_cap: Value = constant(3.0, 1.5, 5.0, "Largest multiple of the base test rate.")
    max_extra_tests: Value = constant(
        30, 20, 40, "Numerical cap on extra missiles in one month (observed maximum 19).")
    max_geometric_q: Value = constant(0.999, 0.99, 0.9999,
                                      "Numerical cap of the geometric count's q.")
    military_response_p: Value = constant(
        0.2, 0.05, 0.5,
        "Chance force is brandished in a month with a red-line breach or nuclear test.")


STREAMS: dict[str, tuple[str, ...]] = {
    "test_month": ("test_month_rate",),
    "test_count": ("tests_per_test_month",),
    "icbm": ("icbm_share",),
    "irbm": ("irbm_share",),
    "nuclear": ("nuclear_test_rate",),
    "military": ("military_option", "dynamics.military_response_p"),
}


def provocation_multiplier(st: Stance, c: ProvocationConstants, tension: np.ndarray,
                           talks: np.ndarray, pressure: np.ndarray) -> np.ndarray:
    """How the state of the world scales Pyongyang's baseline test rates.

    The base rates are calibrated on 2012-2020 (``parley calibrate``).  Outside
    talks, tension and sanctions pressure raise them: tests as leverage and the
    Jervis (1976) spiral -- theory and assumption, the texts only say a test
    could derail talks (Oh, headline).  In talks Pyongyang restrains itself (the
    record: no missile test in 2018).  Only tension and pressure *above* their
    neutral points raise the rate, so more sensitivity never lowers it (below
    them Pyongyang tests at the calibrated base rate; neutral points:
    assumption).
    """
    over_t = np.maximum(tension - c.leverage_neutral_tension, 0)
    over_p = np.maximum(pressure - c.leverage_neutral_pressure, 0)
    above = c.leverage_tension_weight * over_t + c.leverage_pressure_weight * over_p
    lever = np.minimum(1.0 + st["leverage_sensitivity"] * above, c.leverage_cap)
    return np.where(in_talks(talks), 1.0 - st["restraint_in_talks"], lever)


def missile_tests(u_month: np.ndarray, u_count: np.ndarray, rate: np.ndarray,
                  mean_count: np.ndarray, c: ProvocationConstants) -> np.ndarray:
    """Number of missiles launched this month: 1 + geometric in a test month.

    Generative form fitted by :mod:`parley.analysis.calibration` on the CNS/NTI counts.
    The count is worked out only in the worlds that test (the same operations on the
    same values, each world's own).
    """
    month = u_month < rate
    inputs = (u_count, mean_count, c.max_geometric_q, c.max_extra_tests)
    shapes = [getattr(x, "shape", ()) for x in inputs]  # one value per world, or one
    if month.ndim != 1 or any(shape not in ((), month.shape) for shape in shapes):
        return _missile_count(month, *inputs)  # shapes that only broadcast
    tests = np.zeros(month.shape, dtype=np.int64)
    (at,) = month.nonzero()
    if len(at):
        mine = (np.asarray(x)[at] if shape else x
                for x, shape in zip(inputs, shapes, strict=True))
        tests[at] = _missile_count(True, *mine)
    return tests


def _missile_count(month: Value, u_count: Value, mean_count: Value, max_q: Value,
                   max_extra: Value) -> np.ndarray:
    """1 + geometric where ``month`` (a test month), else 0: :func:`missile_tests`."""
    q = clip((mean_count - 1.0) / mean_count, 0.0, max_q)
    extra = np.where(q > 0, np.floor(np.log1p(-u_count) / np.log(np.maximum(q, TINY))), 0.0)
    return np.where(month, 1 + np.minimum(extra, max_extra), 0).astype(np.int64)


def classify_tests(u_icbm: np.ndarray, u_irbm: np.ndarray, n: np.ndarray,
                   st: Stance) -> tuple[np.ndarray, np.ndarray]:
    """How many of this month's tests are ICBM-class and intermediate-range.

    Uses the inverse binomial CDF on one draw per class, so the counts stay
    fixed slots of the run's stream.  Shares are calibrated on 2012-2020;
    capability growth (Oh, 'Third') acts through the red line, not the mix.
    """
    icbm = _binomial_inverse(u_icbm, n, st["icbm_share"])
    rest = n - icbm
    share = clip(st["irbm_share"] / np.maximum(1.0 - st["icbm_share"], TINY), 0.0, 1.0)
    return icbm, _binomial_inverse(u_irbm, rest, share)


def _binomial_inverse(u: np.ndarray, n: np.ndarray, p: Value) -> np.ndarray:
    """Smallest k with Binomial(n, p) CDF(k) >= u, walking the pmf up from k = 0.

    The cdf only grows with k, so k is the number of CDF(0), ..., CDF(n - 1) below u.
    Where every world has the same p (every shipped scenario: a share is a stance) and
    u is a draw (in [0, 1)), each n's cdf is read from :func:`_binomial_tables`, walked
    once per (n, p) with the operations of :func:`_binomial_walk`, which walks world by
    world otherwise: the same bits either way (tests/rules/test_provocation.py).
    """
    pp = np.asarray(p)
    counts_of_worlds = (u.ndim == 1 and u.size and n.shape == u.shape
                        and n.dtype.kind in "iu")
    if (counts_of_worlds and (pp.ndim == 0 or (pp.shape == u.shape and (pp == pp[0]).all()))
            and n.min() >= 0 and u.min() >= 0.0 and u.max() < 1.0):
        return _binomial_search(u, n, float(pp[0] if pp.ndim else pp))
    k = np.zeros(u.shape, dtype=np.int64)
    idx = np.nonzero(n > 0)[0]
    if len(idx):
        pp = np.broadcast_to(pp, u.shape)[idx]
        k[idx] = _binomial_walk(u[idx], n[idx].astype(float), pp)
    return k


#: buckets of [0, 1) in the guide of :func:`_binomial_tables`: a draw's first byte (a
#: power of two, so that u x buckets is exact)
_GUIDE_BUCKETS = np.iinfo(np.uint8).max + 1


def _binomial_search(u: np.ndarray, n: np.ndarray, p: float) -> np.ndarray:
    """:func:`_binomial_inverse` of one p for draws in [0, 1), read from the tables.

    An indexed search (Chen & Asau 1974): the guide gives k at once where no CDF(i)
    falls in u's bucket of [0, 1); where one does (a few worlds in a hundred) it gives
    the count below the bucket, and the search steps up past the CDF(i) between the
    bucket's start and u.  The flat tables are read at row x row length + column.
    """
    size = 1 << int(n.max()).bit_length()  # tables for n up to a power of two
    cdf, guide = _binomial_tables(p, size)
    bucket = (u * _GUIDE_BUCKETS).astype(np.intp)
    bucket += n * _GUIDE_BUCKETS
    g = guide.take(bucket)
    k = g.astype(np.int64)
    (near,) = (g < 0).nonzero()
    if len(near):
        at, uu = ~k[near], u[near]
        row = n[near] * (size + 1)
        up = cdf.take(row + at) < uu
        while up.any():
            at += up
            up = cdf.take(row + at) < uu
        k[near] = at
    return k


@functools.lru_cache
def _binomial_tables(p: float, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The cdf and guide tables of Binomial(n, p) for n up to ``size``, flat and read-only.

    Row n of ``cdf`` (``size + 1`` long) holds CDF(i) at i < n, each row walked as
    :func:`_binomial_walk` walks a world, and +inf at i >= n (never below a draw).  Row n
    of ``guide`` (``_GUIDE_BUCKETS`` long) holds at b the number of CDF(0..n-1) below
    b / _GUIDE_BUCKETS, bitwise negated (below 0) where some CDF(i) lies in bucket b.
    """
    nn = np.arange(size + 1, dtype=float)
    pp = np.full(size + 1, p)
    pmf = (1.0 - pp) ** nn
    cdf = pmf.copy()
    odds_den = np.maximum(1.0 - pp, TINY)
    table = np.full((size + 1, size + 1), np.inf)
    for i in range(size):
        table[i + 1:, i] = cdf[i + 1:]
        pmf *= nn - i
        pmf /= i + 1
        pmf *= pp
        pmf /= odds_den
        cdf += pmf
    starts = np.arange(_GUIDE_BUCKETS + 1) / _GUIDE_BUCKETS
    below = np.array([np.searchsorted(row, starts) for row in table])  # CDF(i) below each
    inside = below[:, 1:] > below[:, :-1]
    guide = np.where(inside, ~below[:, :-1], below[:, :-1])
    guide = guide.astype(np.min_scalar_type(-size - 1)).ravel()
    flat = table.ravel()
    flat.flags.writeable = guide.flags.writeable = False
    return flat, guide


def _binomial_walk(uu: np.ndarray, nn: np.ndarray, pp: np.ndarray) -> np.ndarray:
    """:func:`_binomial_inverse` world by world, for worlds with n > 0 (``nn`` as floats)."""
    idx = np.arange(len(uu))
    k = np.zeros(len(uu), dtype=np.int64)
    pmf = (1.0 - pp) ** nn
    cdf = pmf.copy()
    odds_den = np.maximum(1.0 - pp, TINY)
    steps = np.zeros(len(idx), dtype=np.int64)
    i = 0
    # A world stops for good once cdf >= u (the cdf only grows while i < n) or i = n, so
    # stopped worlds may walk on uncounted; they are dropped once they are the majority.
    while True:
        more = cdf < uu
        more &= i < nn
        walking = np.count_nonzero(more)
        if not walking:
            break
        if walking < len(more) - walking:  # the walking worlds are a minority
            k[idx] = steps
            idx, nn, pp, uu, pmf, cdf, odds_den, steps, more = (
                x[more] for x in (idx, nn, pp, uu, pmf, cdf, odds_den, steps, more))
        steps += more
        pmf *= nn - i  # the same operations, in the same order, as pmf*(n-i)/(i+1)*p/q
        pmf /= i + 1
        pmf *= pp
        pmf /= odds_den
        cdf += pmf
        i += 1
    k[idx] = steps
    return k


def nuclear_test(u: np.ndarray, st: Stance, mult: np.ndarray) -> np.ndarray:
    """A nuclear test this month (0 or 1); base rate from the six tests 2006-2017."""
    return (u < st["nuclear_test_rate"] * mult).astype(np.int64)


def capability_after(st: Stance, capability: np.ndarray) -> np.ndarray:
    """Capability grows by ``capability_growth`` a month, up to 1 (Oh, 'Third')."""
    return np.minimum(capability + st["capability_growth"], 1.0)


def multiple_warhead_test(c: ProvocationConstants, icbm: np.ndarray,
                          capability: np.ndarray) -> np.ndarray:
    """An ICBM test once capability has reached multiple warheads (Oh, 'Third')."""
    return (icbm > 0) & (capability >= c.multiple_warhead_capability)


def red_line_breached(st: Stance, c: ProvocationConstants, icbm: np.ndarray,
                      nuclear: np.ndarray, capability: np.ndarray) -> np.ndarray:
    """Whether this month's tests cross Washington's red line.

    Oh, 'First': bold moves hold as long as Pyongyang does not test ICBMs with
    multiple warheads or other strategic weapons that threaten the US directly.
    """
    line = st["red_line"]
    if line == "none":
        return np.zeros_like(nuclear, dtype=bool)
    if line == "nuclear_test":
        return nuclear > 0
    if line == "icbm":
        return (icbm > 0) | (nuclear > 0)
    return multiple_warhead_test(c, icbm, capability) | (nuclear > 0)


def military_response(u: np.ndarray, st: Stance, c: ProvocationConstants, breach: np.ndarray,
                      nuclear: np.ndarray) -> np.ndarray:
    """Whether Washington brandishes force after a test (a military crisis).

    Yeo, 'Centrist': force to pre-empt a nuclear or missile test stayed an
    option for Biden and Bloomberg.  The model sees tests, not preparations, so
    the option is exercised in answer: an option, not a commitment, taken with
    probability ``military_response_p`` in a month with a red-line breach or a
    nuclear test (assumption).
    """
    if not st["military_option"]:
        return np.zeros_like(u, dtype=bool)
    provoked = breach | (nuclear > 0)
    return provoked & (u < c.military_response_p)


#: each red line in words: what crosses it (a nuclear test crosses every line but none)
RED_LINE_WORDS = {"none": "none", "nuclear_test": "a nuclear test",
                  "icbm": "any ICBM or nuclear test",
                  "multiple_warhead_icbm": "an ICBM with multiple warheads, or a nuclear test"}
#: what the chronicle says when a rule of this family fires (parley.narrative)
SAYS = {
    "launch": "Pyongyang launches {n} missile{s}{detail}.",
    "nuclear": "Pyongyang conducts a nuclear test.",
    "breach": "{what} crosses Washington's red line ({line}): Washington adds "
              "sanctions{ending}",
    "military": "Washington puts military options on the table: a military crisis.",
}
