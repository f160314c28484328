"""Calibration of Pyongyang's baseline provocation rates to a period of the historical record.

Generative form (the simulator's rules use exactly this)
--------------------------------------------------------
Time runs in calendar months. At baseline (before any behavioural modifiers the rules
apply), in every month independently:

1. **Missile tests.** With probability ``test_month_rate`` the month is a *test month*
   (at least one missile test). In a test month the number of tests is ``n = 1 + G``
   where ``G`` is geometric on ``{0, 1, 2, ...}`` with mean ``tests_per_test_month - 1``,
   i.e. ``P(G >= k) = q**k`` with ``q = (m - 1) / m`` and ``m = tests_per_test_month``.
   Equivalently ``n`` is geometric on ``{1, 2, ...}`` with success probability ``1 / m``
   (``numpy.random.Generator.geometric(1 / m)``).
2. **Missile class.** Each test is independently ICBM-class with probability
   ``icbm_share``, intermediate/medium-range with probability ``irbm_share``, otherwise
   short-range.
3. **Nuclear tests.** With probability ``nuclear_test_rate`` the month has a nuclear test
   (at most one per month; independent of the missile tests).

Mapping of the data's missile classes (CNS database via ``parley.analysis.records``):

* ``icbm`` and ``slv`` -> ICBM-class. *Assumption:* space launch vehicles use the same
  long-range rocket technology as ICBMs and are treated by the US as ICBM-class
  provocations (e.g. the Unha-3 launches of 2012 and 2016).
* ``irbm_mrbm`` -> intermediate/medium-range.
* ``srbm``, ``slbm`` and ``other`` (unidentified, glide vehicles) -> short-range.
  *Assumption:* the SLBMs tested so far and the unidentified launches are, for escalation
  purposes, comparable to short-range tests; this slightly understates the intermediate
  share.

Fitting
-------
All four parameters are fitted by maximum likelihood on the months ``start..end``
(inclusive); the MLEs have closed forms:

* ``test_month_rate`` = (months with a test) / (months); 95% Wilson score interval;
* ``tests_per_test_month`` = (tests) / (months with a test) (MLE of a geometric mean);
  95% Wald interval from the geometric variance ``m (m - 1)`` per test month;
* ``icbm_share`` and ``irbm_share`` = class counts / tests (multinomial MLE); 95% Wilson
  intervals which, like the model, treat tests as independent (salvos make them too
  narrow);
* ``nuclear_test_rate`` = (months with a nuclear test) / (months); 95% Clopper-Pearson.

Fit quality is checked by simulating the period many times under the fitted model
(:func:`simulate_statistics`). Statistics that the MLE matches in expectation (months with
a test, tests per year, ICBM share, nuclear tests) are central by construction, so their
percentiles mainly check the code; the informative checks are the chi-square test of the
monthly count distribution (0/1/2/3+ tests), the spread between calendar years of the
share of months with a test (stationarity within the period), the standard deviation of
yearly test totals (over-dispersion) and the largest monthly count (tail of the geometric).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from parley import defaults
from parley.analysis import records
from parley.analysis.intervals import wilson
from parley.rules import provocation

__all__ = [
    "DEFAULT_SIMS",
    "ICBM_CLASSES",
    "IRBM_CLASSES",
    "PERIODS",
    "SHIPPED_PERIOD",
    "SHORT_CLASSES",
    "FitQuality",
    "ProvocationFit",
    "SimulatedStatistics",
    "StatisticCheck",
    "calibrate_periods",
    "calibration_payload",
    "fit_provocations",
    "format_calibration_table",
    "observed_range",
    "resolve_period",
    "simulate_statistics",
    "yearly_test_month_shares",
]

ICBM_CLASSES: tuple[str, ...] = ("icbm", "slv")
IRBM_CLASSES: tuple[str, ...] = ("irbm_mrbm",)
SHORT_CLASSES: tuple[str, ...] = ("srbm", "slbm", "other")

#: Named calibration periods (inclusive month ranges).
PERIODS: dict[str, tuple[str, str]] = {
    "kim_jong_un_2012_2020": ("2012-01", "2020-12"),
    "trump_2017_2020": ("2017-01", "2020-12"),
    "biden_2021_2024": ("2021-01", "2024-12"),
    "obama_2009_2016": ("2009-01", "2016-12"),
    "bush_2005_2008": ("2005-01", "2008-12"),
}
#: The period the shipped 2021-2025 scenarios are calibrated on (2021-2024 is held out).
SHIPPED_PERIOD = "kim_jong_un_2012_2020"

DEFAULT_SIMS = 2000

#: ``--dynamics`` defaults, sized to finish within 15 minutes on 2 cores
#: (benchmarks/bench_calibrate.py).  The shipped posterior is written only when named
#: with ``--out``: by default a fit writes beside its history, never over a shipped file.
DYNAMICS_POSTERIOR = "scenarios/posteriors/dynamics.json"
DYNAMICS_DB = "parley-calibration/dynamics.db"
DYNAMICS_OUT = "parley-calibration/posterior.json"
DYNAMICS_PARTICLES = 120
#: One generation: the prior proposes every particle, so every weight is equal and the
#: effective sample is all the particles.  With 23 fitted values and 120 particles a
#: later generation's Gaussian-kernel proposal gives importance weights that collapse
#: (round 5: effective sample 120, 5.5, 1.9, 3.3 of 120 over 4 generations at the
#: former defaults); see benchmarks/PROFILE.md, "The ABC fit (round 5)".
DYNAMICS_GENERATIONS = 1
#: Worlds per term per simulation: twice the former 100, so that a particle's distance
#: is less a draw of its worlds' noise and more its values' fit.
DYNAMICS_WORLDS = 200
#: Epsilon is this quantile of the distances before it: in generation 0 of the
#: calibration sample drawn from the prior (so one generation accepts the prior draws
#: nearest the record, about this share of them), later of the generation before.
#: Round 6: 0.03 (was 0.2).  With forked workers a fit of 6,230 prior draws takes 7.3 min
#: on 2 cores, and the tighter epsilon learns what 0.2 could not: six values' 90%
#: intervals shrink to 0.24-0.77 of their priors' (at 0.2 the narrowest was 0.77);
#: benchmarks/PROFILE.md, "The ABC fit (round 6)".
DYNAMICS_QUANTILE = 0.03

_Z95 = float(stats.norm.ppf(0.975))
_HIST_LABELS = ("0", "1", "2", "3+")


# --------------------------------------------------------------------------- periods


def resolve_period(spec: str) -> tuple[str, str, str]:
    """Turn a period name or ``"YYYY-MM:YYYY-MM"`` into ``(name, start, end)``.

    Raises ``ValueError`` with a one-line message for unknown names, malformed ranges,
    reversed ranges and ranges outside the data.
    """
    spec = spec.strip()
    if spec in PERIODS:
        start, end = PERIODS[spec]
        return spec, start, end
    if ":" not in spec:
        known = ", ".join(PERIODS)
        raise ValueError(f"unknown period {spec!r} (known: {known}; or YYYY-MM:YYYY-MM)")
    left, _, right = spec.partition(":")
    p0, p1 = records.parse_month(left), records.parse_month(right)
    if p0 > p1:
        raise ValueError(f"period {spec!r} starts after it ends")
    months = records.load_missile_tests()["month"]
    first, last = months.iloc[0], months.iloc[-1]
    if p0 < first or p1 > last:
        raise ValueError(f"period {spec!r} is outside the data ({first}..{last})")
    return f"{p0}:{p1}", str(p0), str(p1)


# --------------------------------------------------------------------------- fitting


def _clopper_pearson(k: int, n: int) -> tuple[float, float]:
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    return (float(ci.low), float(ci.high))


def _hist(counts: np.ndarray) -> tuple[int, int, int, int]:
    c = np.asarray(counts)
    return (
        int(np.sum(c == 0)),
        int(np.sum(c == 1)),
        int(np.sum(c == 2)),
        int(np.sum(c >= 3)),
    )


def _year_segments(months: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Start index and length of each calendar-year run in a sorted monthly series."""
    years = np.asarray([p.year for p in months])
    starts = np.flatnonzero(np.r_[True, years[1:] != years[:-1]])
    lengths = np.diff(np.r_[starts, len(years)])
    return starts, lengths


@dataclass(frozen=True)
class ProvocationFit:
    """Maximum-likelihood provocation rates for one period (see the module docstring)."""

    name: str
    start: str
    end: str
    n_months: int
    # fitted parameters
    test_month_rate: float
    tests_per_test_month: float
    icbm_share: float
    irbm_share: float
    nuclear_test_rate: float
    # 95% intervals
    test_month_rate_ci: tuple[float, float]
    tests_per_test_month_ci: tuple[float, float]
    icbm_share_ci: tuple[float, float]
    irbm_share_ci: tuple[float, float]
    nuclear_test_rate_ci: tuple[float, float]
    # observed statistics
    n_test_months: int
    n_tests: int
    n_icbm: int
    n_irbm: int
    n_short: int
    n_nuclear_tests: int
    monthly_count_hist: tuple[int, int, int, int]  # months with 0 / 1 / 2 / 3+ tests
    max_tests_in_month: int
    yearly_test_month_range: tuple[float, float]  # min, max yearly share of test months
    yearly_tests_sd: float  # SD of yearly test totals (full years only; nan if < 2)

    @property
    def short_share(self) -> float:
        return 1.0 - self.icbm_share - self.irbm_share

    @property
    def tests_per_year(self) -> float:
        """Observed tests per year (equal to the fitted expectation)."""
        return 12.0 * self.n_tests / self.n_months

    @property
    def observed_icbm_share(self) -> float:
        return self.n_icbm / self.n_tests if self.n_tests else float("nan")

    @property
    def rate_within_observed_range(self) -> bool:
        lo, hi = self.yearly_test_month_range
        return lo <= self.test_month_rate <= hi

    def to_dict(self) -> dict:
        d = asdict(self)
        d["short_share"] = self.short_share
        d["tests_per_year"] = self.tests_per_year
        d["rate_within_observed_range"] = self.rate_within_observed_range
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items()}


def yearly_test_month_shares(start: str, end: str) -> pd.Series:
    """Share of months with at least one missile test, per calendar year in ``start..end``.

    Years cut by the period's ends use only the months inside the period.
    """
    df = records.missile_tests_between(start, end)
    year = df["month"].map(lambda p: p.year).astype("int64")
    shares = (df["tests"] > 0).groupby(year).mean()
    shares.index.name = "year"
    return shares.rename("test_month_share")


def observed_range(start: str, end: str) -> tuple[float, float]:
    """Min and max over calendar years in ``start..end`` of the yearly share of test months."""
    shares = yearly_test_month_shares(start, end)
    return float(shares.min()), float(shares.max())


def fit_provocations(start: str, end: str, name: str | None = None) -> ProvocationFit:
    """Fit the baseline provocation parameters to months ``start..end`` (``"YYYY-MM"``)."""
    df = records.missile_tests_between(start, end)
    p0, p1 = df["month"].iloc[0], df["month"].iloc[-1]
    counts = df["tests"].to_numpy(dtype=np.int64)
    n_months = len(df)
    n_test_months = int(np.count_nonzero(counts))
    n_tests = int(counts.sum())
    n_icbm = int(df[list(ICBM_CLASSES)].to_numpy().sum())
    n_irbm = int(df[list(IRBM_CLASSES)].to_numpy().sum())
    n_short = int(df[list(SHORT_CLASSES)].to_numpy().sum())
    assert n_icbm + n_irbm + n_short == n_tests
    nuclear = records.nuclear_tests_monthly(p0, p1)
    n_nuclear = int(nuclear.sum())
    n_nuclear_months = int((nuclear > 0).sum())

    rate = n_test_months / n_months
    if n_test_months:
        m = n_tests / n_test_months
        half = _Z95 * math.sqrt(m * (m - 1) / n_test_months)
        m_ci = (max(1.0, m - half), m + half)
    else:  # no tests: the size parameter is unidentified; 1 is harmless since rate = 0
        m, m_ci = 1.0, (1.0, math.inf)
    icbm = n_icbm / n_tests if n_tests else 0.0
    irbm = n_irbm / n_tests if n_tests else 0.0

    starts, lengths = _year_segments(df["month"])
    yearly_tm = np.add.reduceat((counts > 0).astype(float), starts) / lengths
    full = lengths == 12
    yearly_tests = np.add.reduceat(counts, starts)[full]
    sd = float(np.std(yearly_tests, ddof=1)) if len(yearly_tests) >= 2 else float("nan")

    return ProvocationFit(
        name=name or f"{p0}:{p1}",
        start=str(p0),
        end=str(p1),
        n_months=n_months,
        test_month_rate=rate,
        tests_per_test_month=m,
        icbm_share=icbm,
        irbm_share=irbm,
        nuclear_test_rate=n_nuclear_months / n_months,
        test_month_rate_ci=wilson(n_test_months, n_months),
        tests_per_test_month_ci=m_ci,
        icbm_share_ci=wilson(n_icbm, n_tests),
        irbm_share_ci=wilson(n_irbm, n_tests),
        nuclear_test_rate_ci=_clopper_pearson(n_nuclear_months, n_months),
        n_test_months=n_test_months,
        n_tests=n_tests,
        n_icbm=n_icbm,
        n_irbm=n_irbm,
        n_short=n_short,
        n_nuclear_tests=n_nuclear,
        monthly_count_hist=_hist(counts),
        max_tests_in_month=int(counts.max()),
        yearly_test_month_range=(float(yearly_tm.min()), float(yearly_tm.max())),
        yearly_tests_sd=sd,
    )


def fit_period(spec: str) -> ProvocationFit:
    """:func:`fit_provocations` for a period name or ``"YYYY-MM:YYYY-MM"``."""
    name, start, end = resolve_period(spec)
    return fit_provocations(start, end, name=name)


# --------------------------------------------------------------------------- simulation


@dataclass(frozen=True)
class StatisticCheck:
    """Observed value of a statistic against its simulated distribution."""

    observed: float
    sim_mean: float
    sim_low: float  # 2.5% quantile
    sim_high: float  # 97.5% quantile
    percentile: float  # mid-rank percentile of the observed value, 0..100
    p_two_sided: float  # 2 * min(P(sim <= obs), P(sim >= obs)), capped at 1


@dataclass(frozen=True)
class FitQuality:
    """Fit-quality summary: per-statistic checks and a chi-square test of monthly counts."""

    checks: dict[str, StatisticCheck]
    observed_hist: tuple[int, int, int, int]
    expected_hist: tuple[float, float, float, float]
    chi2: float
    chi2_df: int
    chi2_p: float
    chi2_small_expected: bool  # some expected count < 5: the chi-square p is approximate


@dataclass(frozen=True)
class SimulatedStatistics:
    """Distributions of period statistics simulated under a :class:`ProvocationFit`."""

    n_sims: int
    seed: int
    months_with_test: np.ndarray = field(repr=False)
    tests_per_year: np.ndarray = field(repr=False)
    icbm_share: np.ndarray = field(repr=False)  # nan where a run had no tests
    nuclear_tests: np.ndarray = field(repr=False)
    yearly_test_month_spread: np.ndarray = field(repr=False)  # max - min yearly share
    yearly_tests_sd: np.ndarray = field(repr=False)  # nan if < 2 full years
    max_tests_in_month: np.ndarray = field(repr=False)
    quality: FitQuality


#: Statistic name -> label used in tables (order of display).
STATISTIC_LABELS: dict[str, str] = {
    "months_with_test": "months with a test",
    "tests_per_year": "tests per year",
    "icbm_share": "ICBM share of tests",
    "nuclear_tests": "nuclear tests",
    "yearly_test_month_spread": "yearly test-month share max-min",
    "yearly_tests_sd": "SD of yearly test totals",
    "max_tests_in_month": "most tests in one month",
}


def _check(observed: float, sims: np.ndarray) -> StatisticCheck:
    s = np.asarray(sims, dtype=float)
    s = s[~np.isnan(s)]
    if s.size == 0 or math.isnan(observed):
        nan = float("nan")
        return StatisticCheck(observed, nan, nan, nan, nan, nan)
    below = float(np.mean(s < observed))
    equal = float(np.mean(s == observed))
    p_le, p_ge = below + equal, 1.0 - below
    return StatisticCheck(
        observed=float(observed),
        sim_mean=float(s.mean()),
        sim_low=float(np.quantile(s, 0.025)),
        sim_high=float(np.quantile(s, 0.975)),
        percentile=100.0 * (below + 0.5 * equal),
        p_two_sided=min(1.0, 2.0 * min(p_le, p_ge)),
    )


def expected_count_probs(fit: ProvocationFit) -> np.ndarray:
    """Model probabilities of 0, 1, 2 and 3+ tests in a month."""
    r, p = fit.test_month_rate, 1.0 / fit.tests_per_test_month
    return np.array([1 - r, r * p, r * p * (1 - p), r * (1 - p) ** 2])


def _chi_square(fit: ProvocationFit) -> tuple[tuple[float, ...], float, int, float, bool]:
    observed = np.asarray(fit.monthly_count_hist, dtype=float)
    expected = expected_count_probs(fit) * fit.n_months
    keep = expected > 0
    # two parameters (test_month_rate, tests_per_test_month) are estimated from the counts
    ddof = 2
    df = int(keep.sum()) - 1 - ddof
    exp_t = tuple(float(x) for x in expected)
    small = bool(np.any(expected[keep] < 5))
    if df < 1:  # a class expected never (no tests, or one test a test month): no test
        return exp_t, float("nan"), max(df, 0), float("nan"), small
    res = stats.chisquare(observed[keep], expected[keep], ddof=ddof)
    return exp_t, float(res.statistic), df, float(res.pvalue), small


def simulate_statistics(
    fit: ProvocationFit, n_sims: int = DEFAULT_SIMS, seed: int = defaults.SEED
) -> SimulatedStatistics:
    """Simulate the fitted period ``n_sims`` times under the generative form (vectorised).

    The monthly counts come from the simulator's rule
    (:func:`parley.rules.provocation.missile_tests`).  Each run has ``fit.n_months``
    months laid out on the same calendar years as the
    period, so yearly statistics are comparable with the record.
    """
    if n_sims < 1:
        raise ValueError("n_sims must be at least 1")
    rng = np.random.default_rng(seed)
    n = fit.n_months
    shape = (n_sims, n)
    u_month, u_count = rng.random(shape), rng.random(shape)
    is_test = u_month < fit.test_month_rate
    # the simulator's own rule (its numerical caps included), not a second copy of it
    counts = provocation.missile_tests(u_month, u_count, fit.test_month_rate,
                                       fit.tests_per_test_month,
                                       provocation.ProvocationConstants())
    totals = counts.sum(axis=1)
    n_icbm = rng.binomial(totals, fit.icbm_share)
    icbm_share = np.where(totals > 0, n_icbm / np.maximum(totals, 1), np.nan)
    nuclear = rng.binomial(n, fit.nuclear_test_rate, size=n_sims)

    months = pd.Series(pd.period_range(fit.start, fit.end, freq="M"))
    starts, lengths = _year_segments(months)
    yearly_tm = np.add.reduceat(is_test.astype(float), starts, axis=1) / lengths
    spread = yearly_tm.max(axis=1) - yearly_tm.min(axis=1)
    full = lengths == 12
    if full.sum() >= 2:
        yearly_tests = np.add.reduceat(counts, starts, axis=1)[:, full]
        sd = yearly_tests.std(axis=1, ddof=1)
    else:
        sd = np.full(n_sims, np.nan)

    observed = {
        "months_with_test": fit.n_test_months,
        "tests_per_year": fit.tests_per_year,
        "icbm_share": fit.observed_icbm_share,
        "nuclear_tests": fit.n_nuclear_tests,
        "yearly_test_month_spread": fit.yearly_test_month_range[1] - fit.yearly_test_month_range[0],
        "yearly_tests_sd": fit.yearly_tests_sd,
        "max_tests_in_month": fit.max_tests_in_month,
    }
    simulated = {
        "months_with_test": is_test.sum(axis=1),
        "tests_per_year": totals * 12.0 / n,
        "icbm_share": icbm_share,
        "nuclear_tests": nuclear,
        "yearly_test_month_spread": spread,
        "yearly_tests_sd": sd,
        "max_tests_in_month": counts.max(axis=1),
    }
    checks = {k: _check(float(observed[k]), simulated[k]) for k in STATISTIC_LABELS}
    exp_hist, chi2, chi2_df, chi2_p, small = _chi_square(fit)
    quality = FitQuality(
        checks=checks,
        observed_hist=fit.monthly_count_hist,
        expected_hist=exp_hist,  # type: ignore[arg-type]
        chi2=chi2,
        chi2_df=chi2_df,
        chi2_p=chi2_p,
        chi2_small_expected=small,
    )
    return SimulatedStatistics(
        n_sims=n_sims,
        seed=seed,
        quality=quality,
        **simulated,  # type: ignore[arg-type]
    )


# --------------------------------------------------------------------------- reporting


def _fmt(x: float, digits: int) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _ci(ci: tuple[float, float], digits: int) -> str:
    return f"[{_fmt(ci[0], digits)}, {_fmt(ci[1], digits)}]"


def _format_one(fit: ProvocationFit, sims: SimulatedStatistics) -> list[str]:
    q = sims.quality
    lo, hi = fit.yearly_test_month_range
    inside = "yes" if fit.rate_within_observed_range else "NO"
    lines = [
        f"== {fit.name}  {fit.start}..{fit.end}  ({fit.n_months} months; "
        f"{sims.n_sims} simulations, seed {sims.seed})",
        "  fitted parameter           MLE     95% CI            observed",
        f"  monthly test probability {fit.test_month_rate:7.3f}  "
        f"{_ci(fit.test_month_rate_ci, 3):16s}  yearly range {lo:.3f}-{hi:.3f} "
        f"(within: {inside})",
        f"  tests per test month     {fit.tests_per_test_month:7.2f}  "
        f"{_ci(fit.tests_per_test_month_ci, 2):16s}  "
        f"{fit.n_tests} tests in {fit.n_test_months} test months",
        f"  ICBM-class share         {fit.icbm_share:7.3f}  "
        f"{_ci(fit.icbm_share_ci, 3):16s}  {fit.n_icbm} of {fit.n_tests} (icbm+slv)",
        f"  IRBM/MRBM share          {fit.irbm_share:7.3f}  "
        f"{_ci(fit.irbm_share_ci, 3):16s}  {fit.n_irbm} of {fit.n_tests}",
        f"  nuclear test rate        {fit.nuclear_test_rate:7.4f}  "
        f"{_ci(fit.nuclear_test_rate_ci, 4):16s}  {fit.n_nuclear_tests} nuclear "
        f"test{'' if fit.n_nuclear_tests == 1 else 's'}",
        "  statistic                         observed  simulated mean [95%]     pct  p(2-sided)",
    ]
    for key, label in STATISTIC_LABELS.items():
        c = q.checks[key]
        digits = 0 if key in ("months_with_test", "nuclear_tests", "max_tests_in_month") else 2
        if key == "icbm_share":
            digits = 3
        sim = f"{_fmt(c.sim_mean, max(digits, 1))} [{_fmt(c.sim_low, digits)}, "
        sim += f"{_fmt(c.sim_high, digits)}]"
        lines.append(
            f"  {label:32s} {_fmt(c.observed, digits):>9s}  {sim:22s} "
            f"{_fmt(c.percentile, 0):>4s}  {_fmt(c.p_two_sided, 3):>6s}"
        )
    obs = "/".join(str(x) for x in q.observed_hist)
    exp = "/".join(f"{x:.1f}" for x in q.expected_hist)
    note = " (some expected < 5)" if q.chi2_small_expected else ""
    lines.append(
        f"  monthly tests 0/1/2/3+: observed {obs}, expected {exp}; "
        f"chi2 = {_fmt(q.chi2, 2)}, df = {q.chi2_df}, p = {_fmt(q.chi2_p, 3)}{note}"
    )
    return lines


def format_calibration_table(
    fits_and_sims: Iterable[tuple[ProvocationFit, SimulatedStatistics]],
) -> str:
    """Plain-text table: per period, fitted vs observed values and the fit quality."""
    blocks = ["\n".join(_format_one(fit, sims)) for fit, sims in fits_and_sims]
    legend = (
        "pct = mid-rank percentile of the observed value among the simulations; "
        "p(2-sided) = 2*min(P(sim<=obs), P(sim>=obs)).\n"
        "ICBM-class = icbm + slv; short-range = srbm + slbm + other. "
        "Chi-square df = 4 classes - 1 - 2 fitted parameters."
    )
    return "\n\n".join([*blocks, legend])


def _quality_dict(sims: SimulatedStatistics) -> dict:
    q = sims.quality
    return {
        "n_sims": sims.n_sims,
        "seed": sims.seed,
        "checks": {k: asdict(v) for k, v in q.checks.items()},
        "monthly_count_hist_observed": list(q.observed_hist),
        "monthly_count_hist_expected": list(q.expected_hist),
        "chi2": q.chi2,
        "chi2_df": q.chi2_df,
        "chi2_p": q.chi2_p,
    }


def _json_safe(obj: object) -> object:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_safe(v) for v in obj]
    return obj


def calibrate_periods(
    specs: Sequence[str] | None = None, n_sims: int = DEFAULT_SIMS, seed: int = defaults.SEED
) -> list[tuple[ProvocationFit, SimulatedStatistics]]:
    """Fit and check every period (names or YYYY-MM:YYYY-MM; default all named periods)."""
    if n_sims is None or n_sims < 1:
        raise ValueError("--sims must be a positive integer")
    resolved = [resolve_period(s) for s in (specs or list(PERIODS))]
    results = []
    for name, start, end in resolved:
        fit = fit_provocations(start, end, name=name)
        results.append((fit, simulate_statistics(fit, n_sims=n_sims, seed=seed)))
    return results


def calibration_payload(results: list[tuple[ProvocationFit, SimulatedStatistics]]) -> list:
    """The fits and their checks as JSON-ready data (non-finite numbers as null)."""
    return _json_safe([{"fit": fit.to_dict(), "quality": _quality_dict(sims)}
                       for fit, sims in results])
