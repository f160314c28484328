"""Tests for parley.analysis.calibration: MLE fits, simulation under the generative form, CLI."""

from __future__ import annotations

import argparse
import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from parley.analysis import calibration as cal

MISSILE_CSV = (
    Path(__file__).resolve().parents[1]
    / "src"
    / "parley"
    / "analysis"
    / "refdata"
    / "dprk_missile_tests_monthly.csv"
)
NUCLEAR_MONTHS = ["2006-10", "2009-05", "2013-02", "2016-01", "2016-09", "2017-09"]


def hand_counts(start: str, end: str) -> dict:
    """Counts for months start..end computed from the raw CSV with the csv module only."""
    with MISSILE_CSV.open(newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if start <= r["month"] <= end]
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


@pytest.fixture(scope="module")
def kim_fit() -> cal.ProvocationFit:
    return cal.fit_period("kim_jong_un_2012_2020")


@pytest.fixture(scope="module")
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
    assert list(shares.index) == [2016, 2017]


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
