"""Pyongyang's tests and what they set off: how many missiles of which class, nuclear
tests, capability growth, Washington's red line and its military response."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from parley.params import TINY
from parley.rules.constants import Constants, Stance, Value, constant
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
    """
    q = np.clip((mean_count - 1.0) / mean_count, 0.0, c.max_geometric_q)
    extra = np.where(q > 0, np.floor(np.log1p(-u_count) / np.log(np.maximum(q, TINY))), 0.0)
    return np.where(u_month < rate, 1 + np.minimum(extra, c.max_extra_tests),
                    0).astype(np.int64)


def classify_tests(u_icbm: np.ndarray, u_irbm: np.ndarray, n: np.ndarray,
                   st: Stance) -> tuple[np.ndarray, np.ndarray]:
    """How many of this month's tests are ICBM-class and intermediate-range.

    Uses the inverse binomial CDF on one draw per class, so the counts stay
    fixed slots of the run's stream.  Shares are calibrated on 2012-2020;
    capability growth (Oh, 'Third') acts through the red line, not the mix.
    """
    icbm = _binomial_inverse(u_icbm, n, st["icbm_share"])
    rest = n - icbm
    share = np.clip(st["irbm_share"] / np.maximum(1.0 - st["icbm_share"], TINY), 0.0, 1.0)
    return icbm, _binomial_inverse(u_irbm, rest, share)


def _binomial_inverse(u: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Smallest k with Binomial(n, p) CDF(k) >= u, walking the pmf up from k = 0."""
    p = np.broadcast_to(p, u.shape)
    k = np.zeros(u.shape, dtype=np.int64)
    idx = np.nonzero(n > 0)[0]
    if not len(idx):
        return k
    nn, pp, uu = n[idx].astype(float), p[idx], u[idx]
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
