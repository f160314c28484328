"""Summary statistics against independent implementations (scipy, numpy)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from parley.analysis.stats import (
    BINS,
    Aggregate,
    freq_summary,
    hist_quantiles,
    kaplan_meier,
    paired_difference,
    wilson,
)
from parley.experiments.engine import simulate
from parley.randomness import run_seeds
from parley.scenario import with_values


@pytest.mark.parametrize("k,n", [(0, 10), (3, 10), (500, 1000), (999, 1000), (10, 10)])
def test_wilson_matches_scipy(k, n):
    ref = stats.binomtest(k, n).proportion_ci(method="wilson")
    assert wilson(k, n) == pytest.approx((ref.low, ref.high), abs=1e-9)


def test_kaplan_meier_matches_scipy_ecdf():
    rng = np.random.default_rng(0)
    first = rng.integers(0, 49, 3000)  # 0 = never within 48 months
    events = np.bincount(first, minlength=49)
    never = events[0]
    events[0] = 0
    censored = np.zeros(49, np.int64)
    censored[48] = never
    km = kaplan_meier(events, censored)
    times = np.where(first > 0, first, 48)
    data = stats.CensoredData(uncensored=times[first > 0], right=times[first == 0])
    ref = stats.ecdf(data).sf
    for t in (1, 10, 30, 47):
        assert km["survival"][t] == pytest.approx(ref.evaluate(t), abs=1e-12)
    ci = ref.confidence_interval(method="log-log")
    assert km["lo"][20] == pytest.approx(ci.low.evaluate(20), abs=1e-9)
    assert km["hi"][20] == pytest.approx(ci.high.evaluate(20), abs=1e-9)
    med = next(t for t in range(49) if ref.evaluate(t) <= 0.5)
    assert km["median"] == med


def test_freq_summary_matches_numpy():
    x = np.random.default_rng(1).poisson(7, 5000)
    s = freq_summary(np.bincount(x))
    assert s["mean"] == pytest.approx(x.mean())
    assert s["sd"] == pytest.approx(x.std(ddof=1))
    assert s["q50"] == int(np.quantile(x, 0.5, method="inverted_cdf"))
    assert s["q90"] == int(np.quantile(x, 0.9, method="inverted_cdf"))


def test_histogram_quantiles_within_a_bin_of_exact():
    x = np.random.default_rng(2).beta(2, 5, (3, 20_000))
    hist = np.stack([np.bincount(np.minimum((row * BINS).astype(int), BINS - 1),
                                 minlength=BINS) for row in x])
    q = hist_quantiles(hist)
    for i, row in enumerate(x):
        for name, p in (("q10", 0.1), ("q50", 0.5), ("q90", 0.9)):
            assert q[name][i] == pytest.approx(np.quantile(row, p), abs=1.0 / BINS)


def test_aggregates_merge_exactly(trump_oh):
    seeds = run_seeds(4, range(3000))
    whole = Aggregate(48)
    whole.add_outcomes(simulate(trump_oh, seeds, whole))
    parts = Aggregate(48)
    for chunk in np.array_split(seeds, 4):
        a = Aggregate(48)
        a.add_outcomes(simulate(trump_oh, chunk, a))
        parts.merge(Aggregate.from_json(a.to_json()))
    assert whole.to_json() == parts.to_json()


def test_paired_interval_is_narrower_than_unpaired_with_common_random_numbers(trump_oh):
    """Common random numbers: the same seeds under two stances give correlated outcomes."""
    seeds = run_seeds(6, range(5000))
    a = simulate(trump_oh, seeds)["talks_resumed"]
    b = simulate(with_values(trump_oh, {"washington.outreach_rate": 0.05}), seeds)["talks_resumed"]
    d = paired_difference(a, b)
    paired = d["diff_hi"] - d["diff_lo"]
    unpaired = d["unpaired_hi"] - d["unpaired_lo"]
    assert paired < 0.8 * unpaired
    # and independent seeds for the second scenario lose that advantage
    b_indep = simulate(with_values(trump_oh, {"washington.outreach_rate": 0.05}),
                       run_seeds(999, range(5000)))["talks_resumed"]
    d2 = paired_difference(a, b_indep)
    assert (d2["diff_hi"] - d2["diff_lo"]) > 0.9 * (d2["unpaired_hi"] - d2["unpaired_lo"])


def test_wilson_with_no_trials_is_the_vacuous_interval():
    # one convention everywhere (statistics, plots, calibration): no trials, no information
    assert wilson(0, 0) == (0.0, 1.0)


def test_runs_header_is_spelled_from_the_outcome_schema():
    from parley.outcomes import BINARY_OUTCOMES, COUNT_OUTCOMES, OUTCOMES, RUNS_HEADER
    from parley.results.store import RUNS_HEADER as STORE_HEADER

    assert STORE_HEADER == RUNS_HEADER
    assert RUNS_HEADER.rstrip("\n").split(",")[3:] == list(OUTCOMES)
    assert set(BINARY_OUTCOMES) | set(COUNT_OUTCOMES) < set(OUTCOMES)


def _outcomes(talks, engaged, horizon=4):
    talks, engaged = np.array(talks, bool), np.array(engaged, bool)
    n = len(talks)
    zeros = np.zeros(n, np.int64)
    out = {k: zeros.copy() for k in ("tests", "icbm_tests", "nuclear_tests", "months_in_talks",
                                      "collapses")}
    out.update({k: np.zeros(n, bool) for k in ("summit_held", "freeze_deal", "relief_granted",
                                               "crisis")})
    out.update(talks_resumed=talks, engaged=engaged, first_talks_month=np.where(talks, 2, 0),
               final_tension=np.zeros(n), final_sanctions_pressure=np.zeros(n),
               final_us_china_tension=np.zeros(n))
    return out


def test_talks_given_engaged_counts_joint_runs_and_merges():
    # 5 worlds engaged, 2 of them with talks; one world with talks but not engaged (not counted)
    a = Aggregate(horizon=4)
    a.add_outcomes(_outcomes([1, 1, 0, 0, 0, 1], [1, 1, 1, 1, 1, 0]))
    s = a.summary()["talks_given_engaged"]
    assert (s["k"], s["n"], s["p"]) == (2, 5, pytest.approx(0.4))
    b = Aggregate(horizon=4)
    b.add_outcomes(_outcomes([1, 0], [1, 1]))
    a.merge(b)
    again = Aggregate.from_json(a.to_json()).summary()["talks_given_engaged"]
    assert (again["k"], again["n"]) == (3, 7)
