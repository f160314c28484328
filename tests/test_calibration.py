"""Tests for parley.analysis.calibration: MLE fits, simulation under the generative form, CLI."""

from __future__ import annotations

import argparse
import csv
import json
import math
import statistics
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from parley.analysis import calibration as cal
from parley.rules import provocation

MISSILE_CSV = (
    Path(__file__).resolve().parents[1]
    / "src"
    / "parley"
    / "analysis"
    / "refdata"
    / "dprk_missile_tests_monthly.csv"
)
NUCLEAR_MONTHS = ["2006-10", "2009-05", "2013-02", "2016-01", "2016-09", "2017-09"]


def csv_rows(start: str = "", end: str = "9999") -> list[dict[str, str]]:
    """The raw CSV's rows for months start..end (default: all), with the csv module only."""
    with MISSILE_CSV.open(newline="", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if start <= r["month"] <= end]


def hand_counts(start: str, end: str) -> dict:
    """Counts for months start..end computed from the raw CSV with the csv module only."""
    rows = csv_rows(start, end)
    tests = [int(r["tests"]) for r in rows]
    years: dict[str, list[int]] = {}
    for r in rows:
        years.setdefault(r["month"][:4], []).append(int(r["tests"]) > 0)
    return {
        "n_months": len(rows),
        "test_months": sum(t > 0 for t in tests),
        "tests": sum(tests),
        "icbm": sum(int(r["icbm"]) + int(r["slv"]) for r in rows),
        "irbm": sum(int(r["irbm_mrbm"]) for r in rows),
        "short": sum(int(r["srbm"]) + int(r["slbm"]) + int(r["other"]) for r in rows),
        "hist": (
            sum(t == 0 for t in tests),
            sum(t == 1 for t in tests),
            sum(t == 2 for t in tests),
            sum(t >= 3 for t in tests),
        ),
        "max": max(tests),
        "yearly_shares": [sum(v) / len(v) for v in years.values()],
        "nuclear": sum(start <= m <= end for m in NUCLEAR_MONTHS),
    }


# Function-scoped (each costs milliseconds): mutmut credits a module-scoped fixture's calls
# to the first test that builds it only, so every other test of the fit went unrun.
@pytest.fixture
def kim_fit() -> cal.ProvocationFit:
    return cal.fit_period("kim_jong_un_2012_2020")


@pytest.fixture
def kim_sims(kim_fit) -> cal.SimulatedStatistics:
    return cal.simulate_statistics(kim_fit, n_sims=4000, seed=7)


# ---------------------------------------------------------------- periods


def test_named_periods():
    assert cal.PERIODS["kim_jong_un_2012_2020"] == ("2012-01", "2020-12")
    assert cal.PERIODS["trump_2017_2020"] == ("2017-01", "2020-12")
    assert cal.PERIODS["biden_2021_2024"] == ("2021-01", "2024-12")
    assert cal.PERIODS["obama_2009_2016"] == ("2009-01", "2016-12")
    assert cal.PERIODS["bush_2005_2008"] == ("2005-01", "2008-12")
    assert cal.SHIPPED_PERIOD == "kim_jong_un_2012_2020"
    # the shipped calibration must not see the held-out simulated horizon (2021 onwards)
    assert cal.PERIODS[cal.SHIPPED_PERIOD][1] < "2021-01"


def test_resolve_period():
    assert cal.resolve_period("trump_2017_2020") == ("trump_2017_2020", "2017-01", "2020-12")
    assert cal.resolve_period("2016-06:2017-05") == ("2016-06:2017-05", "2016-06", "2017-05")
    for bad in ("nonsense", "2020-12:2012-01", "2012-13:2013-01", "1970-01:1980-12", "2012:2013"):
        with pytest.raises(ValueError):
            cal.resolve_period(bad)


def test_class_mapping_partitions_the_data_classes():
    groups = (cal.ICBM_CLASSES, cal.IRBM_CLASSES, cal.SHORT_CLASSES)
    flat = [c for g in groups for c in g]
    assert sorted(flat) == sorted(["srbm", "irbm_mrbm", "icbm", "slbm", "slv", "other"])
    assert set(cal.ICBM_CLASSES) == {"icbm", "slv"}


# ---------------------------------------------------------------- fitting


@pytest.mark.parametrize("name", list(cal.PERIODS))
def test_fit_equals_hand_counts(name):
    start, end = cal.PERIODS[name]
    h = hand_counts(start, end)
    fit = cal.fit_provocations(start, end, name=name)
    assert fit.n_months == h["n_months"]
    assert fit.n_test_months == h["test_months"]
    assert fit.n_tests == h["tests"]
    assert (fit.n_icbm, fit.n_irbm, fit.n_short) == (h["icbm"], h["irbm"], h["short"])
    assert fit.monthly_count_hist == h["hist"]
    assert fit.max_tests_in_month == h["max"]
    assert fit.n_nuclear_tests == h["nuclear"]
    assert fit.test_month_rate == pytest.approx(h["test_months"] / h["n_months"])
    assert fit.tests_per_test_month == pytest.approx(h["tests"] / h["test_months"])
    assert fit.icbm_share == pytest.approx(h["icbm"] / h["tests"])
    assert fit.irbm_share == pytest.approx(h["irbm"] / h["tests"])
    assert fit.nuclear_test_rate == pytest.approx(h["nuclear"] / h["n_months"])
    assert fit.yearly_test_month_range == pytest.approx(
        (min(h["yearly_shares"]), max(h["yearly_shares"]))
    )


def test_kim_period_values(kim_fit):
    # 2012-2020: 123 tests (2+6+19+15+24+21+0+27+9) in 40 of 108 months
    assert kim_fit.n_months == 108
    assert kim_fit.n_tests == 123
    assert kim_fit.n_test_months == 40
    assert kim_fit.n_icbm == 6  # 3 ICBMs in 2017 + space launches 2012-04, 2012-12, 2016-02
    assert kim_fit.n_nuclear_tests == 4
    assert kim_fit.tests_per_year == pytest.approx(123 / 9)


@pytest.mark.parametrize("name", list(cal.PERIODS))
def test_fitted_rate_within_observed_yearly_range(name):
    start, end = cal.PERIODS[name]
    fit = cal.fit_provocations(start, end, name=name)
    lo, hi = cal.observed_range(start, end)
    assert (lo, hi) == fit.yearly_test_month_range
    assert lo <= fit.test_month_rate <= hi
    assert fit.rate_within_observed_range
    lo_ci, hi_ci = fit.test_month_rate_ci
    assert lo_ci <= fit.test_month_rate <= hi_ci


def test_observed_range_partial_years():
    # 2016-07..2017-06: Jul-Oct 2016 and Feb-May 2017 had tests, i.e. 4 of 6 months in each
    h = hand_counts("2016-07", "2017-06")
    assert h["yearly_shares"] == pytest.approx([4 / 6, 4 / 6])
    assert cal.observed_range("2016-07", "2017-06") == pytest.approx(
        (min(h["yearly_shares"]), max(h["yearly_shares"]))
    )
    shares = cal.yearly_test_month_shares("2016-07", "2017-06")
    assert list(shares.index) == [2016, 2017] and shares.index.dtype == np.int64
    assert (shares.name, shares.index.name) == ("test_month_share", "year")


def test_wilson_interval_matches_scipy(kim_fit):
    ci = stats.binomtest(kim_fit.n_test_months, kim_fit.n_months).proportion_ci(method="wilson")
    assert kim_fit.test_month_rate_ci == pytest.approx((ci.low, ci.high), abs=1e-12)


def test_nuclear_interval_is_clopper_pearson(kim_fit):
    ci = stats.binomtest(4, 108).proportion_ci(method="exact")
    assert kim_fit.nuclear_test_rate_ci == pytest.approx((ci.low, ci.high))


def test_period_without_tests_is_handled():
    fit = cal.fit_provocations("2018-01", "2018-12")
    assert fit.test_month_rate == 0.0
    assert fit.tests_per_test_month == 1.0
    sims = cal.simulate_statistics(fit, n_sims=50, seed=1)
    assert (sims.months_with_test == 0).all()
    assert np.isnan(sims.icbm_share).all()


# ---------------------------------------------------------------- simulation


def test_simulated_months_with_test_mean(kim_fit, kim_sims):
    n, r, s = kim_fit.n_months, kim_fit.test_month_rate, kim_sims.n_sims
    # months with a test ~ Binomial(n, r): the mean of s runs has SE sqrt(n r (1-r) / s)
    se = math.sqrt(n * r * (1 - r) / s)
    assert abs(kim_sims.months_with_test.mean() - n * r) < 4 * se
    # and its spread is binomial: variance within 15% (SE of a variance ~ sqrt(2/s) ~ 2%)
    assert kim_sims.months_with_test.var() == pytest.approx(n * r * (1 - r), rel=0.15)


def test_simulated_tests_per_year_and_icbm_share(kim_fit, kim_sims):
    s = kim_sims.n_sims
    expected = 12 * kim_fit.test_month_rate * kim_fit.tests_per_test_month
    se = kim_sims.tests_per_year.std(ddof=1) / math.sqrt(s)
    assert abs(kim_sims.tests_per_year.mean() - expected) < 4 * se
    shares = kim_sims.icbm_share[~np.isnan(kim_sims.icbm_share)]
    se_share = shares.std(ddof=1) / math.sqrt(shares.size)
    assert abs(shares.mean() - kim_fit.icbm_share) < 4 * se_share + 0.002  # ratio-mean bias
    se_nuc = math.sqrt(kim_fit.n_months * kim_fit.nuclear_test_rate / s)
    expected_nuc = kim_fit.n_months * kim_fit.nuclear_test_rate
    assert abs(kim_sims.nuclear_tests.mean() - expected_nuc) < 4 * se_nuc


def test_expected_count_probabilities_follow_geometric(kim_fit):
    probs = cal.expected_count_probs(kim_fit)
    assert probs.sum() == pytest.approx(1.0)
    r, m = kim_fit.test_month_rate, kim_fit.tests_per_test_month
    q = (m - 1) / m
    # P(n >= 3 | test month) = P(G >= 2) = q**2
    assert probs[3] == pytest.approx(r * q**2)
    assert probs[1] == pytest.approx(r * (1 - q))
    # mean tests per test month under the geometric is m
    k = np.arange(1, 2000)
    assert np.sum(k * (1 - q) * q ** (k - 1)) == pytest.approx(m)


def test_simulation_is_seeded(kim_fit):
    a = cal.simulate_statistics(kim_fit, n_sims=200, seed=11)
    b = cal.simulate_statistics(kim_fit, n_sims=200, seed=11)
    c = cal.simulate_statistics(kim_fit, n_sims=200, seed=12)
    assert np.array_equal(a.tests_per_year, b.tests_per_year)
    assert not np.array_equal(a.tests_per_year, c.tests_per_year)
    assert a.months_with_test.shape == (200,)
    with pytest.raises(ValueError):
        cal.simulate_statistics(kim_fit, n_sims=0)


def test_fit_quality(kim_fit, kim_sims):
    q = kim_sims.quality
    assert set(q.checks) == set(cal.STATISTIC_LABELS)
    for check in q.checks.values():
        assert 0.0 <= check.p_two_sided <= 1.0
        assert 0.0 <= check.percentile <= 100.0
        assert check.sim_low <= check.sim_mean <= check.sim_high
    # statistics matched by the MLE are central in their simulated distribution
    assert q.checks["months_with_test"].p_two_sided > 0.5
    assert q.checks["tests_per_year"].p_two_sided > 0.5
    assert sum(q.expected_hist) == pytest.approx(kim_fit.n_months)
    assert q.observed_hist == kim_fit.monthly_count_hist
    assert q.chi2_df == 1
    res = stats.chisquare(q.observed_hist, q.expected_hist, ddof=2)
    assert q.chi2 == pytest.approx(res.statistic)
    assert q.chi2_p == pytest.approx(res.pvalue)


def test_format_calibration_table(kim_fit, kim_sims):
    text = cal.format_calibration_table([(kim_fit, kim_sims)])
    assert "kim_jong_un_2012_2020" in text
    assert "monthly test probability" in text
    assert f"{kim_fit.test_month_rate:.3f}" in text
    assert "within: yes" in text
    assert "chi2" in text


# ---------------------------------------------------------------- CLI


def _parser() -> argparse.ArgumentParser:
    from parley.cli import build_parser

    return build_parser("calibrate")


def _main(argv: list[str]) -> int:
    from parley.cli import main

    return main(argv)


@pytest.mark.parametrize(
    "period", ["no_such_period", "2020-12:2012-01", "2012-1x:2013-01", "1950-01:1960-12"]
)
def test_cli_bad_period_returns_2(period, capsys):
    assert _main(["calibrate", "--period", period, "--sims", "10"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert err.count("\n") == 0
    assert "error" in err
    assert "Traceback" not in err


def test_bad_period_in_the_library_raises_value_error():
    with pytest.raises(ValueError, match="bogus"):
        cal.calibrate_periods(["bogus"], n_sims=10, seed=1)


def test_cli_defaults():
    args = _parser().parse_args(["calibrate"])
    assert args.period is None
    assert args.sims == 2000
    assert args.seed == 20201130
    assert args.json is None
    from parley.cli.calibrate import run_calibrate

    assert args.func is run_calibrate


def test_cli_runs_and_writes_json(tmp_path, capsys):
    out = tmp_path / "fits.json"
    code = _main(
        [
            "calibrate",
            "--period",
            "kim_jong_un_2012_2020",
            "--period",
            "2016-06:2017-05",
            "--sims",
            "100",
            "--json",
            str(out),
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "kim_jong_un_2012_2020" in text
    assert "2016-06:2017-05" in text
    data = json.loads(out.read_text())
    assert [d["fit"]["name"] for d in data] == ["kim_jong_un_2012_2020", "2016-06:2017-05"]
    assert data[0]["fit"]["n_tests"] == 123
    assert data[0]["fit"]["test_month_rate"] == pytest.approx(40 / 108)
    assert data[0]["quality"]["n_sims"] == 100


# ------------------------------------------------------ calibrate --dynamics

HINDCAST_DIR = Path(__file__).resolve().parents[1] / "scenarios" / "hindcast"


@pytest.mark.parametrize("argv, says", [
    (["--particles", "0"], "--particles 0: allowed 1 to 100,000"),
    (["--worlds", "-1"], "--worlds -1: allowed 1 to 100,000"),
    (["--terms", "/nonexistent/terms"], "no such file or folder of hindcast scenarios"),
])
def test_dynamics_bad_input_is_one_line_and_exit_2(argv, says, tmp_path, capsys):
    out = tmp_path / "post.json"
    code = _main(["calibrate", "--dynamics", "--out", str(out), *argv])
    err = capsys.readouterr().err
    assert code == 2
    assert says in err and err.count("\n") == 1
    assert not out.exists()


@pytest.mark.slow  # an ABC fit of the record's eight terms: about 20 s
def test_dynamics_writes_a_posterior_file_that_draws_can_use(tmp_path, capsys):
    from parley.analysis.uncertainty import load_posterior, parameter_draws

    out, fig = tmp_path / "post.json", tmp_path / "ppc.png"
    code = _main(["calibrate", "--dynamics", "--particles", "4", "--generations", "1",
                  "--worlds", "5", "--executor", "serial", "--terms", str(HINDCAST_DIR),
                  "--db", str(tmp_path / "fit.db"), "--out", str(out),
                  "--figure", str(fig), "--seed", "11"])
    assert code == 0
    text = capsys.readouterr().out
    assert "dynamics__accept_willing" in text and "trump_2017" in text
    post = load_posterior(out)
    assert len(post.weights) == 4 and "dynamics__accept_willing" in post.names
    # the screened constants are fitted, the rest named as left at their defaults
    assert "dynamics__bold_rung" not in post.names
    prov = post.provenance
    assert "dynamics__bold_rung" in prov["fixed_at_default"]
    assert prov["settings"]["seed"] == 11 and prov["settings"]["particles"] == 4
    assert len(prov["data"]["record_files"]) == 3  # missile counts, talks panel, episodes
    assert {t["name"] for t in prov["data"]["terms"]} >= {"trump_2017", "biden_2021"}
    assert prov["observed_summaries"]["obama_2013.talks"] == 0.0
    assert fig.stat().st_size > 1000
    draws = parameter_draws(3, seed=1, posterior=post)
    assert set(draws[0]) == set(post.names)


# ------------------------------------------------ by hand (each field, each branch)
# The expectations are reckoned in the test the plain way (loops, the csv module, written-out
# formulas), not with the module's helpers.


Z95 = 1.959963984540054  # the normal's 97.5% point


def test_resolve_period_takes_the_data_edges_and_names_what_is_wrong():
    rows = csv_rows()
    first, last = rows[0]["month"], rows[-1]["month"]
    assert cal.resolve_period(f"{first}:{last}") == (f"{first}:{last}", first, last)
    assert cal.resolve_period("2017-09:2017-09")[1:] == ("2017-09", "2017-09")  # one month
    before = f"{int(first[:4]) - 1}-12"
    after = f"{last[:5]}{int(last[5:]) + 1:02d}" if last[5:] != "12" else f"{int(last[:4]) + 1}-01"
    for spec in (f"{before}:{last}", f"{first}:{after}"):
        with pytest.raises(ValueError, match=rf"outside the data \({first}\.\.{last}\)"):
            cal.resolve_period(spec)
    with pytest.raises(ValueError, match="starts after it ends"):
        cal.resolve_period("2017-10:2017-09")
    with pytest.raises(ValueError, match="known: kim_jong_un_2012_2020, trump_2017_2020, "):
        cal.resolve_period("nonsense")


def test_fit_of_a_two_year_period_by_hand():
    h = hand_counts("2016-01", "2017-12")
    fit = cal.fit_provocations("2016-01", "2017-12")
    assert (fit.name, fit.start, fit.end) == ("2016-01:2017-12", "2016-01", "2017-12")
    assert fit.n_nuclear_tests == 3  # 2016-01 (the period's first month), 2016-09, 2017-09
    # the Wald interval of the geometric mean: m +- z sqrt(m (m - 1) / test months)
    m, k = h["tests"] / h["test_months"], h["test_months"]
    half = Z95 * math.sqrt(m * (m - 1) / k)
    assert 1 < m - half < 2  # the floor at one test a test month does not bind here
    assert fit.tests_per_test_month_ci == pytest.approx((m - half, m + half))
    # two full years: the sample SD of their totals
    rows = csv_rows("2016-01", "2017-12")
    totals = [sum(int(r["tests"]) for r in rows if r["month"][:4] == y) for y in ("2016", "2017")]
    assert fit.yearly_tests_sd == pytest.approx(abs(totals[0] - totals[1]) / math.sqrt(2))
    assert fit.nuclear_test_rate_ci == pytest.approx(
        (stats.beta.ppf(0.025, 3, 22), stats.beta.ppf(0.975, 4, 21)))  # Clopper-Pearson 95%


def test_fit_floors_the_size_interval_at_one_test_and_handles_a_period_without_tests():
    fit = cal.fit_provocations("2015-01", "2015-12")  # 15 tests in 6 test months
    m, k = 15 / 6, 6
    assert m - Z95 * math.sqrt(m * (m - 1) / k) < 1
    assert fit.tests_per_test_month_ci[0] == 1.0
    assert math.isnan(fit.yearly_tests_sd)  # one full year: no spread between years
    quiet = cal.fit_provocations("2018-01", "2018-12")
    assert quiet.tests_per_test_month_ci == (1.0, math.inf)
    assert (quiet.icbm_share, quiet.irbm_share) == (0.0, 0.0)


def test_check_reads_the_observed_value_against_its_simulations():
    sims = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, np.nan])  # the NaN run is left out
    high = cal._check(8.0, sims)  # 8 of 10 below, 1 equal
    assert high.observed == 8.0 and high.sim_mean == pytest.approx(4.5)
    # quantiles interpolate linearly between order statistics at q (n - 1)
    assert (high.sim_low, high.sim_high) == pytest.approx((0.025 * 9, 0.975 * 9))
    assert high.percentile == pytest.approx(100 * (0.8 + 0.1 / 2))
    assert high.p_two_sided == pytest.approx(2 * min(0.8 + 0.1, 1 - 0.8))
    low = cal._check(1.0, sims)  # 1 below, 1 equal: the lower tail is the smaller
    assert low.percentile == pytest.approx(15.0)
    assert low.p_two_sided == pytest.approx(2 * min(0.1 + 0.1, 1 - 0.1))
    tied = cal._check(3.0, np.array([3.0, 3.0]))  # both tails 1: capped at 1
    assert (tied.percentile, tied.p_two_sided) == (50.0, 1.0)
    one = cal._check(1.0, np.array([1.0]))
    assert (one.sim_mean, one.percentile, one.p_two_sided) == (1.0, 50.0, 1.0)
    for observed, runs in ((2.0, np.array([np.nan, np.nan])), (float("nan"), np.arange(3.0))):
        c = cal._check(observed, runs)
        assert c.observed == observed or (math.isnan(c.observed) and math.isnan(observed))
        assert all(math.isnan(getattr(c, f)) for f in
                   ("sim_mean", "sim_low", "sim_high", "percentile", "p_two_sided"))


def _with_counts(fit, n, rate, size, hist):
    return replace(fit, n_months=n, test_month_rate=rate, tests_per_test_month=size,
                   monthly_count_hist=hist)


def test_chi_square_of_the_monthly_counts_by_hand(kim_fit):
    # 50 months, rate 0.4, 2 tests a test month: expected 30, 10, 5, 5 (none below 5)
    fit = _with_counts(kim_fit, 50, 0.4, 2.0, (31, 9, 6, 4))
    expected, chi2, df, p, small = cal._chi_square(fit)
    assert expected == pytest.approx((30.0, 10.0, 5.0, 5.0))
    x = 1 / 30 + 1 / 10 + 1 / 5 + 1 / 5
    assert (chi2, df, small) == (pytest.approx(x), 1, False)
    assert p == pytest.approx(math.erfc(math.sqrt(x / 2)))  # chi-square, 1 df, upper tail
    # 10 months: expected 6, 2, 1, 1, each class still in the test (but flagged small)
    _, chi2, df, _, small = cal._chi_square(_with_counts(kim_fit, 10, 0.4, 2.0, (6, 2, 1, 1)))
    assert (chi2, df, small) == (pytest.approx(0.0), 1, True)
    # no test months: three classes expected never, so no test is made
    _, chi2, df, p, small = cal._chi_square(_with_counts(kim_fit, 12, 0.0, 1.0, (12, 0, 0, 0)))
    assert math.isnan(chi2) and math.isnan(p) and df == 0 and small is False


def _calendar_years(start: str, end: str) -> list[list[int]]:
    """The month indices of each calendar year in start..end (inclusive), by hand."""
    (y, m), (y1, m1) = (map(int, start.split("-"))), (map(int, end.split("-")))
    years: dict[int, list[int]] = {}
    i = 0
    while (y, m) <= (y1, m1):
        years.setdefault(y, []).append(i)
        i, (y, m) = i + 1, ((y, m + 1) if m < 12 else (y + 1, 1))
    return list(years.values())


# two full years between two halves; and a sparse period (one test, a space launch, so
# an ICBM share of 1), where many runs hold a single test
@pytest.mark.parametrize(("start", "end"), [("2015-07", "2018-06"), ("1997-01", "1999-12")])
def test_simulated_statistics_replay_by_hand(start, end):
    fit = cal.fit_provocations(start, end)
    years = _calendar_years(start, end)
    n = sum(len(y) for y in years)
    sims = cal.simulate_statistics(fit, n_sims=40, seed=5)
    assert (sims.n_sims, sims.seed) == (40, 5)
    rng = np.random.default_rng(5)
    u_month, u_count = rng.random((40, n)), rng.random((40, n))
    counts = provocation.missile_tests(u_month, u_count, fit.test_month_rate,
                                       fit.tests_per_test_month,
                                       provocation.ProvocationConstants())
    n_icbm = rng.binomial(counts.sum(axis=1), fit.icbm_share)
    nuclear = rng.binomial(n, fit.nuclear_test_rate, size=40)
    for i in range(40):
        row, total = counts[i], int(counts[i].sum())
        assert sims.months_with_test[i] == sum(u_month[i] < fit.test_month_rate)
        assert sims.tests_per_year[i] == pytest.approx(total * 12 / n)
        if total:
            assert sims.icbm_share[i] == pytest.approx(n_icbm[i] / total)
        else:
            assert math.isnan(sims.icbm_share[i])
        shares = [sum(u_month[i][j] < fit.test_month_rate for j in y) / len(y) for y in years]
        assert sims.yearly_test_month_spread[i] == pytest.approx(max(shares) - min(shares))
        full = [int(sum(row[j] for j in y)) for y in years if len(y) == 12]
        assert sims.yearly_tests_sd[i] == pytest.approx(statistics.stdev(full))
        assert sims.max_tests_in_month[i] == row.max()
        assert sims.nuclear_tests[i] == nuclear[i]
    assert sims.quality.chi2_small_expected is cal._chi_square(fit)[4]


def test_simulated_statistics_observed_values_and_bad_counts():
    h = hand_counts("2016-01", "2017-12")  # tests in 9 and 8 of the two years' months
    fit = cal.fit_provocations("2016-01", "2017-12")
    obs = cal.simulate_statistics(fit, n_sims=1).quality.checks["yearly_test_month_spread"]
    assert obs.observed == pytest.approx(max(h["yearly_shares"]) - min(h["yearly_shares"]))
    assert min(h["yearly_shares"]) > 0
    short = cal.simulate_statistics(cal.fit_provocations("2016-03", "2017-02"), n_sims=1)
    assert short.months_with_test.shape == (1,)
    assert np.isnan(short.yearly_tests_sd).all()  # no full calendar year
    with pytest.raises(ValueError, match="n_sims must be at least 1"):
        cal.simulate_statistics(fit, n_sims=0)


def test_calibrate_periods_defaults_seed_and_bad_counts():
    results = cal.calibrate_periods(None, n_sims=1, seed=3)
    assert [fit.name for fit, _ in results] == list(cal.PERIODS)
    assert {sims.seed for _, sims in results} == {3}
    for bad in (0, None):
        with pytest.raises(ValueError, match="--sims must be a positive integer"):
            cal.calibrate_periods(["trump_2017_2020"], n_sims=bad)


def test_calibration_payload_fields(kim_fit):
    sims = cal.simulate_statistics(kim_fit, n_sims=20, seed=2)
    entry = cal.calibration_payload([(kim_fit, sims)])[0]
    fit = entry["fit"]
    assert isinstance(kim_fit.to_dict()["monthly_count_hist"], list)  # before JSON, too
    assert fit["short_share"] == pytest.approx(1 - kim_fit.icbm_share - kim_fit.irbm_share)
    assert fit["tests_per_year"] == pytest.approx(12 * 123 / 108)
    assert fit["rate_within_observed_range"] is True
    assert fit["test_month_rate_ci"] == list(kim_fit.test_month_rate_ci)  # tuples as lists
    assert fit["monthly_count_hist"] == list(kim_fit.monthly_count_hist)
    q = entry["quality"]
    assert q == {
        "n_sims": 20, "seed": 2,
        "checks": {k: asdict(v) for k, v in sims.quality.checks.items()},
        "monthly_count_hist_observed": list(kim_fit.monthly_count_hist),
        "monthly_count_hist_expected": list(sims.quality.expected_hist),
        "chi2": sims.quality.chi2, "chi2_df": 1, "chi2_p": sims.quality.chi2_p}
    quiet = cal.fit_provocations("2018-01", "2018-12")
    payload = cal.calibration_payload([(quiet, cal.simulate_statistics(quiet, n_sims=5))])
    assert payload[0]["fit"]["tests_per_test_month_ci"] == [1.0, None]  # inf as null
    assert payload[0]["quality"]["chi2"] is None


def _table_inputs(kim_fit):
    """A fit and its checks with round numbers, so that every digit the table shows is set."""
    fit = replace(kim_fit, name="demo", start="2016-01", end="2017-12", n_months=24,
                  test_month_rate=0.5, test_month_rate_ci=(0.3, 0.7),
                  yearly_test_month_range=(0.25, 0.75), tests_per_test_month=2.5,
                  tests_per_test_month_ci=(1.5, 3.5), n_tests=30, n_test_months=12,
                  icbm_share=0.1, icbm_share_ci=(0.05, 0.2), n_icbm=3, irbm_share=0.2,
                  irbm_share_ci=(0.1, 0.3), n_irbm=6, nuclear_test_rate=0.04,
                  nuclear_test_rate_ci=(0.001, 0.2), n_nuclear_tests=1)
    check, nan = cal.StatisticCheck, float("nan")
    checks = {"months_with_test": check(12, 11.5, 7, 16, 55.0, 0.9),
              "tests_per_year": check(15, 14.25, 9.5, 20, 60.0, 0.8),
              "icbm_share": check(0.1, 0.0995, 0.05, 0.2, 48.0, 0.96),
              "nuclear_tests": check(1, 1.25, 0, 3, 40.0, 1.0),
              "yearly_test_month_spread": check(nan, nan, nan, nan, nan, nan),
              "yearly_tests_sd": check(5, 4.5, 1, 9, 62.5, 0.75),
              "max_tests_in_month": check(4, 4.0, 3, 7, 50.0, 1.0)}
    quality = cal.FitQuality(checks, (12, 5, 4, 3), (12.0, 6.0, 3.6, 2.4), 0.75, 1, 0.386, True)
    none = np.zeros(1)
    return fit, cal.SimulatedStatistics(200, 9, *[none] * 7, quality=quality)


TABLE = """\
== demo  2016-01..2017-12  (24 months; 200 simulations, seed 9)
  fitted parameter           MLE     95% CI            observed
  monthly test probability   0.500  [0.300, 0.700]    yearly range 0.250-0.750 (within: yes)
  tests per test month        2.50  [1.50, 3.50]      30 tests in 12 test months
  ICBM-class share           0.100  [0.050, 0.200]    3 of 30 (icbm+slv)
  IRBM/MRBM share            0.200  [0.100, 0.300]    6 of 30
  nuclear test rate         0.0400  [0.0010, 0.2000]  1 nuclear test
  statistic                         observed  simulated mean [95%]     pct  p(2-sided)
  months with a test                      12  11.5 [7, 16]             55   0.900
  tests per year                       15.00  14.25 [9.50, 20.00]      60   0.800
  ICBM share of tests                  0.100  0.100 [0.050, 0.200]     48   0.960
  nuclear tests                            1  1.2 [0, 3]               40   1.000
  yearly test-month share max-min        n/a  n/a [n/a, n/a]          n/a     n/a
  SD of yearly test totals              5.00  4.50 [1.00, 9.00]        62   0.750
  most tests in one month                  4  4.0 [3, 7]               50   1.000
  monthly tests 0/1/2/3+: observed 12/5/4/3, expected 12.0/6.0/3.6/2.4; \
chi2 = 0.75, df = 1, p = 0.386 (some expected < 5)

pct = mid-rank percentile of the observed value among the simulations; \
p(2-sided) = 2*min(P(sim<=obs), P(sim>=obs)).
ICBM-class = icbm + slv; short-range = srbm + slbm + other. \
Chi-square df = 4 classes - 1 - 2 fitted parameters."""


def test_the_calibration_table_line_by_line(kim_fit):
    fit, sims = _table_inputs(kim_fit)
    assert cal.format_calibration_table([(fit, sims)]) == TABLE
    # a rate outside the years' range, two nuclear tests, no small expected count
    outside = replace(fit, test_month_rate=0.8, n_nuclear_tests=2)
    calm = replace(sims, quality=replace(sims.quality, chi2_small_expected=False))
    text = cal.format_calibration_table([(outside, calm), (outside, calm)])
    assert "yearly range 0.250-0.750 (within: NO)" in text
    assert "[0.0010, 0.2000]  2 nuclear tests\n" in text
    assert "p = 0.386\n" in text and "expected < 5" not in text
    assert text.count("== demo  2016-01..2017-12") == 2
    assert "(within: NO)\n  tests per test month" in text  # blocks are joined by lines
    assert "2 nuclear tests\n  statistic" in text
    assert "p = 0.386\n\n== demo" in text and "p = 0.386\n\npct = " in text
