"""Summary statistics against independent implementations (scipy, numpy)."""

from __future__ import annotations

import json
import math
import statistics
import warnings

import numpy as np
import pytest
from scipy import stats

from parley.analysis.stats import (
    BINS,
    LEVELS,
    UNIT,
    Z95,
    Aggregate,
    freq_summary,
    hist_quantiles,
    kaplan_meier,
    paired_difference,
    share,
    wilson,
)
from parley.experiments.simulate import MonthlyLevels, Outcomes, simulate
from parley.outcomes import BINARY_OUTCOMES, COUNT_OUTCOMES, FINAL_LEVELS, FIRST_TALKS
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


def _simulated(scenario, seeds, aggregate):
    """The outcomes of the worlds, their monthly levels folded into ``aggregate``."""
    record = {"outcomes": Outcomes(), "monthly": MonthlyLevels(aggregate)}
    return simulate(scenario, seeds, record)["outcomes"]


def test_aggregates_merge_exactly(trump_oh):
    seeds = run_seeds(4, range(3000))
    whole = Aggregate(48)
    whole.add_outcomes(_simulated(trump_oh, seeds, whole))
    parts = Aggregate(48)
    for chunk in np.array_split(seeds, 4):
        a = Aggregate(48)
        a.add_outcomes(_simulated(trump_oh, chunk, a))
        parts.merge(Aggregate.from_json(a.to_json()))
    assert whole.to_json() == parts.to_json()


def test_paired_interval_is_narrower_than_unpaired_with_common_random_numbers(trump_oh):
    """Common random numbers: the same seeds under two stances give correlated outcomes."""
    seeds = run_seeds(6, range(5000))
    a = simulate(trump_oh, seeds)["outcomes"]["talks_resumed"]
    fewer = with_values(trump_oh, {"washington.outreach_rate": 0.05})
    b = simulate(fewer, seeds)["outcomes"]["talks_resumed"]
    d = paired_difference(a, b)
    paired = d["diff_hi"] - d["diff_lo"]
    unpaired = d["unpaired_hi"] - d["unpaired_lo"]
    assert paired < 0.8 * unpaired
    # and independent seeds for the second scenario lose that advantage
    b_indep = simulate(fewer, run_seeds(999, range(5000)))["outcomes"]["talks_resumed"]
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


# --- small hand-built inputs against independent computations --------------------------

def _no_warnings(fn, *args, **kwargs):
    """Call fn with every warning (numpy's RuntimeWarnings included) raised as an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args, **kwargs)


def _scipy_wilson(k, n):
    ci = stats.binomtest(k, n).proportion_ci(method="wilson")
    return ci.low, ci.high


def test_share_is_the_count_the_proportion_and_its_wilson_interval():
    s = share(3, 10)
    assert set(s) == {"k", "n", "p", "lo", "hi"}
    assert (s["k"], s["n"], s["p"]) == (3, 10, pytest.approx(0.3))
    assert (s["lo"], s["hi"]) == pytest.approx(_scipy_wilson(3, 10), abs=1e-9)
    every = share(10, 10)
    assert every["p"] == 1.0 and every["hi"] == 1.0 and every["lo"] < 1.0
    # no trials: the proportion is undefined and the interval vacuous
    empty = share(0, 0)
    assert (empty["k"], empty["n"], empty["lo"], empty["hi"]) == (0, 0, 0.0, 1.0)
    assert math.isnan(empty["p"])


def _km_reference(event_months, censor_months):
    return stats.ecdf(stats.CensoredData(uncensored=event_months, right=censor_months)).sf


def test_kaplan_meier_with_censoring_at_any_month_matches_scipy():
    # first talks (or censoring) at any month 0..5; after month 5 nobody is left at risk
    ev_months = np.array([0, 0, 1, 2, 2, 3, 5, 5])
    ce_months = np.array([1, 2, 2, 4, 5, 5])
    km = _no_warnings(kaplan_meier, np.bincount(ev_months, minlength=8),
                      np.bincount(ce_months, minlength=8))
    assert set(km) == {"month", "survival", "lo", "hi", "median"}
    assert km["month"] == list(range(8))
    ref = _km_reference(ev_months, ce_months)
    ci = ref.confidence_interval(method="log-log")
    for t in range(8):
        assert km["survival"][t] == pytest.approx(ref.evaluate(t), abs=1e-12)
        assert km["lo"][t] == pytest.approx(ci.low.evaluate(t), abs=1e-9)
        assert km["hi"][t] == pytest.approx(ci.high.evaluate(t), abs=1e-9)
    assert km["median"] == 5.0  # survival 0.52 at month 4, 0.26 at month 5
    # a wider z widens the band; z = 0 collapses it onto the curve
    wide = kaplan_meier(np.bincount(ev_months, minlength=8), np.bincount(ce_months, minlength=8),
                        z=3.0)
    assert wide["lo"][3] < km["lo"][3] < km["survival"][3] < km["hi"][3] < wide["hi"][3]
    flat = kaplan_meier(np.bincount(ev_months, minlength=8), np.bincount(ce_months, minlength=8),
                        z=0.0)
    assert flat["lo"] == pytest.approx(flat["survival"]) and flat["hi"] == pytest.approx(
        flat["survival"])


@pytest.mark.filterwarnings("ignore:The confidence interval is undefined")
def test_kaplan_meier_when_every_run_finds_talks():
    # 4 runs, first talks in months 1, 1, 2, 3 of a 5-month horizon: nobody censored
    events = np.array([0, 2, 1, 1, 0, 0])
    km = _no_warnings(kaplan_meier, events, np.zeros(6, np.int64))
    assert km["survival"] == pytest.approx([1.0, 0.5, 0.25, 0.0, 0.0, 0.0], abs=1e-15)
    ref = _km_reference(np.array([1, 1, 2, 3]), np.array([], int))
    ci = ref.confidence_interval(method="log-log")
    for t in (1, 2):
        assert km["lo"][t] == pytest.approx(ci.low.evaluate(t), abs=1e-9)
        assert km["hi"][t] == pytest.approx(ci.high.evaluate(t), abs=1e-9)
    # a band collapses where the curve is certain: 1 before any event, 0 once all had one
    assert km["lo"][0] == km["hi"][0] == 1.0
    assert km["lo"][3:] == km["hi"][3:] == [0.0, 0.0, 0.0]
    assert km["median"] == 1.0  # survival exactly one half counts


def test_kaplan_meier_without_events_and_median_rules():
    none = _no_warnings(kaplan_meier, np.zeros(4, np.int64), np.array([0, 0, 0, 5]))
    assert none["survival"] == none["lo"] == none["hi"] == [1.0] * 4
    assert none["median"] is None
    # one run of four finds talks: survival 0.75 never reaches one half
    above = _no_warnings(kaplan_meier, np.array([0, 1, 0, 0]), np.array([0, 0, 0, 3]))
    assert above["survival"] == pytest.approx([1.0, 0.75, 0.75, 0.75])
    assert above["median"] is None
    # two runs, one finds talks in month 1: survival is exactly 0.5 there
    half = _no_warnings(kaplan_meier, np.array([0, 1, 0]), np.array([0, 0, 1]))
    assert half["survival"] == [1.0, 0.5, 0.5] and half["median"] == 1.0


def test_freq_summary_by_hand():
    # the counts 0, 0, 2, 2, 2, 3 with trailing empty cells
    s = freq_summary(np.array([2, 0, 3, 1, 0, 0]))
    assert set(s) == {"mean", "sd", "q10", "q50", "q90", "max", "values", "freq"}
    x = np.array([0, 0, 2, 2, 2, 3])
    assert s["mean"] == pytest.approx(1.5) and s["sd"] == pytest.approx(np.sqrt(1.5))
    assert s["sd"] == pytest.approx(x.std(ddof=1))
    assert (s["q10"], s["q50"], s["q90"]) == (0, 2, 3)
    assert s["max"] == 3 and s["values"] == [0, 1, 2, 3] and s["freq"] == [2, 0, 3, 1]


@pytest.mark.parametrize("x", [[0, 1], [0, 2], [1, 1, 4, 4], [0, 0, 0, 1, 1, 1, 1, 1, 1, 3],
                               [5], [2, 7, 7, 9, 1, 0, 3]])
def test_freq_summary_matches_numpy_on_small_samples(x):
    x = np.array(x)
    s = freq_summary(np.bincount(x))
    assert s["mean"] == pytest.approx(x.mean())
    assert s["sd"] == pytest.approx(x.std(ddof=1) if len(x) > 1 else 0.0)
    for p in (10, 50, 90):  # the smallest count whose cumulative share reaches p%
        assert s[f"q{p}"] == int(np.quantile(x, p / 100, method="inverted_cdf"))
    assert s["max"] == x.max()
    assert s["values"] == list(range(x.max() + 1))
    assert s["freq"] == np.bincount(x).tolist()


def test_freq_summary_of_no_runs():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = freq_summary(np.array([0, 0, 0]))
    assert math.isnan(s["mean"])
    assert (s["max"], s["values"], s["freq"]) == (0, [0], [0])


def _hist_quantile_reference(row, q):
    """Smallest x with F(x) >= q, F the piecewise-linear CDF of the histogram, by brute force."""
    edges = np.linspace(0.0, 1.0, len(row) + 1)
    grid = np.linspace(0.0, 1.0, 400_001)
    cdf = np.concatenate([[0.0], np.cumsum(row) / row.sum()])
    return grid[np.argmax(np.interp(grid, edges, cdf) >= q - 1e-12)]


def test_hist_quantiles_by_hand_on_four_bins():
    # bins [0, .25), [.25, .5), [.5, .75), [.75, 1]
    hist = np.array([[2, 0, 1, 1],    # cdf .5 .5 .75 1
                     [0, 1, 0, 0],    # a single value in the second bin
                     [0, 0, 1, 3],    # most of the mass in the last bin
                     [1, 3, 0, 0]])   # cdf .25 1 1 1
    q = hist_quantiles(hist)
    assert set(q) == {"q10", "q50", "q90"}
    assert q["q10"] == pytest.approx([0.05, 0.275, 0.6, 0.1])
    assert q["q50"] == pytest.approx([0.25, 0.375, 0.75 + 0.25 / 3, 0.25 + 0.25 / 3])
    assert q["q90"] == pytest.approx([0.9, 0.475, 0.75 + 0.65 / 3, 0.25 + 0.65 * 0.25 / 0.75])
    other = hist_quantiles(hist, qs=(0.25, 0.75))
    assert set(other) == {"q25", "q75"}
    assert other["q75"][0] == pytest.approx(0.75)


def test_hist_quantiles_match_a_brute_force_inverse_cdf():
    rng = np.random.default_rng(5)
    hist = rng.integers(1, 4, (12, BINS)) * (rng.random((12, BINS)) < 0.25)
    hist[:, 0] += np.arange(12) % 2  # some rows with mass in the first bin
    hist[hist.sum(axis=1) == 0, 7] = 1
    q = hist_quantiles(hist)
    for i, row in enumerate(hist):
        for name, p in (("q10", 0.1), ("q50", 0.5), ("q90", 0.9)):
            assert q[name][i] == pytest.approx(_hist_quantile_reference(row, p), abs=1e-5)


def test_hist_quantiles_of_an_empty_month_stay_on_the_unit_interval():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        q = hist_quantiles(np.zeros((2, BINS), np.int64))
    for vals in q.values():
        assert all(0.0 <= v <= 1.0 for v in vals)


def test_paired_difference_by_hand():
    x = np.array([1, 1, 0, 1, 0, 1, 1], float)
    y = np.array([0, 1, 0, 0, 0, 1, 0], float)
    d = paired_difference(x, y)
    assert set(d) == {"diff", "diff_lo", "diff_hi", "unpaired_lo", "unpaired_hi"}
    n = len(x)
    se_pair = statistics.stdev(x - y) / math.sqrt(n)
    se_unpair = math.sqrt(statistics.variance(x) / n + statistics.variance(y) / n)
    assert d["diff"] == pytest.approx(3 / 7)
    assert (d["diff_lo"], d["diff_hi"]) == pytest.approx(
        (3 / 7 - Z95 * se_pair, 3 / 7 + Z95 * se_pair), abs=1e-12)
    assert (d["unpaired_lo"], d["unpaired_hi"]) == pytest.approx(
        (3 / 7 - Z95 * se_unpair, 3 / 7 + Z95 * se_unpair), abs=1e-12)
    one_sd = paired_difference(x, y, z=1.0)
    assert one_sd["diff_hi"] - one_sd["diff"] == pytest.approx(se_pair)
    # two runs are enough for an interval
    two = paired_difference([1.0, 0.0], [0.0, 0.0])
    assert (two["diff_lo"], two["diff_hi"]) == pytest.approx(
        (0.5 - Z95 * math.sqrt(0.5) / math.sqrt(2), 0.5 + Z95 * math.sqrt(0.5) / math.sqrt(2)))
    assert two["unpaired_hi"] == pytest.approx(0.5 + Z95 * math.sqrt(0.5 / 2))


def test_paired_difference_of_one_run_has_an_unbounded_interval():
    d = _no_warnings(paired_difference, [1.0], [0.0])
    assert d == {"diff": 1.0, "diff_lo": -math.inf, "diff_hi": math.inf,
                 "unpaired_lo": -math.inf, "unpaired_hi": math.inf}


def test_paired_difference_computes_in_double_precision_for_any_input_dtype():
    x = [1, 0, 1, 1, 0, 1, 1, 0, 1]
    y = [0, 0, 1, 0, 0, 1, 1, 1, 0]
    ref = paired_difference(np.array(x, float), np.array(y, float))
    for dtype in (bool, np.int64, np.float32):
        assert paired_difference(np.array(x, dtype), np.array(y, dtype)) == ref


H = 3  # horizon of the hand-built aggregates


def _runs(rng, n):
    """n runs' raw outcomes, consistent with each other (first talks iff talks resumed)."""
    talks = rng.random(n) < 0.6
    out = {k: rng.random(n) < p for k, p in zip(BINARY_OUTCOMES, (0, 0.7, 0.3, 0.2, 0.1, 0.4),
                                                     strict=True)}
    out["talks_resumed"] = talks
    out[FIRST_TALKS] = np.where(talks, rng.integers(1, H + 1, n), 0)
    for k in COUNT_OUTCOMES:
        out[k] = rng.integers(0, 6, n)
    for k in FINAL_LEVELS:
        out[k] = rng.random(n)
    return out


def _months(rng, n):
    """Per month 1..H: each level's value in each world and the in-talks mask."""
    months = []
    for _ in range(H):
        levels = {name: rng.random(n) for name in LEVELS}
        levels["tension"][0], levels["tension"][-1] = 1.0, 0.0  # the ends of [0, 1]
        months.append((levels, rng.random(n) < 0.5))
    return months


def _batches():
    rng = np.random.default_rng(11)
    return [(_runs(rng, n), _months(rng, n)) for n in (4, 3, 5)]


def _aggregate(batches):
    agg = Aggregate(horizon=H)
    for runs, months in batches:
        agg.add_outcomes(runs)
        for m, (levels, in_talks) in enumerate(months, start=1):
            agg.add_month(m, levels, in_talks)
    return agg


def _cat(batches, key):
    return np.concatenate([runs[key] for runs, _ in batches])


def _histogram(values):
    return np.histogram(values, bins=BINS, range=(0.0, 1.0))[0]


def test_aggregate_summary_against_the_raw_runs():
    batches = _batches()
    s = _aggregate(batches).summary()
    n = 12
    assert set(s) == {"runs", "shares", "talks_given_engaged", "time_to_talks", "counts",
                      "final_means", "monthly"}
    assert s["runs"] == n
    assert set(s["shares"]) == set(BINARY_OUTCOMES)
    for k in BINARY_OUTCOMES:
        kk = int(_cat(batches, k).sum())
        assert s["shares"][k] == {"k": kk, "n": n, "p": pytest.approx(kk / n),
                                  "lo": pytest.approx(_scipy_wilson(kk, n)[0], abs=1e-9),
                                  "hi": pytest.approx(_scipy_wilson(kk, n)[1], abs=1e-9)}
    talks, engaged = _cat(batches, "talks_resumed"), _cat(batches, "engaged")
    g = s["talks_given_engaged"]
    assert (g["k"], g["n"]) == ((talks & engaged).sum(), engaged.sum())
    assert (g["lo"], g["hi"]) == pytest.approx(_scipy_wilson(g["k"], g["n"]), abs=1e-9)

    # time to talks: runs that never found talks are censored at the horizon
    first = _cat(batches, FIRST_TALKS)
    assert (first == 0).sum() > 0 and (first == 1).sum() > 0
    ref = _km_reference(first[first > 0], np.full((first == 0).sum(), H))
    ci = ref.confidence_interval(method="log-log")
    km = s["time_to_talks"]
    assert km["month"] == list(range(H + 1))
    for t in range(H + 1):
        assert km["survival"][t] == pytest.approx(ref.evaluate(t), abs=1e-12)
        if 0 < km["survival"][t] < 1:
            assert km["lo"][t] == pytest.approx(ci.low.evaluate(t), abs=1e-9)
            assert km["hi"][t] == pytest.approx(ci.high.evaluate(t), abs=1e-9)
    assert km["median"] == next(t for t in range(H + 1) if ref.evaluate(t) <= 0.5)

    assert set(s["counts"]) == set(COUNT_OUTCOMES)
    for k in COUNT_OUTCOMES:
        x, c = _cat(batches, k), s["counts"][k]
        assert c["mean"] == pytest.approx(x.mean()) and c["sd"] == pytest.approx(x.std(ddof=1))
        assert c["q50"] == int(np.quantile(x, 0.5, method="inverted_cdf"))
        assert (c["max"], c["freq"]) == (x.max(), np.bincount(x).tolist())
    assert s["final_means"] == {k: pytest.approx(_cat(batches, k).mean(), abs=1e-9)
                                for k in FINAL_LEVELS}

    monthly = s["monthly"]
    assert set(monthly) == {"month", *LEVELS, "in_talks_share"}
    assert monthly["month"] == [1, 2, 3]
    for name in LEVELS:
        hist = np.stack([_histogram(np.concatenate([months[m][0][name] for _, months in batches]))
                         for m in range(H)])
        want = hist_quantiles(hist)
        assert set(monthly[name]) == set(want)
        for q, values in want.items():  # key by key: pytest 9 refuses nested approx
            assert monthly[name][q] == pytest.approx(values)
    in_talks = [sum(months[m][1].sum() for _, months in batches) / n for m in range(H)]
    assert monthly["in_talks_share"] == pytest.approx(in_talks)


def test_aggregate_tallies_are_exact_integer_counts_of_the_raw_runs():
    batches = _batches()
    d = _aggregate(batches).to_json()
    assert d["n"] == 12 and d["horizon"] == H
    assert d["binary"] == {k: int(_cat(batches, k).sum()) for k in BINARY_OUTCOMES}
    assert d["first_talks"] == np.bincount(_cat(batches, FIRST_TALKS), minlength=H + 1).tolist()
    assert d["counts"] == {k: np.bincount(_cat(batches, k)).tolist() for k in COUNT_OUTCOMES}
    for i, name in enumerate(LEVELS):
        for m in range(H):
            values = np.concatenate([months[m][0][name] for _, months in batches])
            assert d["monthly"][i][m] == _histogram(values).tolist()
    # 1.0 falls into the last bin, 0.0 into the first (three batches, two such worlds each)
    assert d["monthly"][0][0][-1] >= 3 and d["monthly"][0][0][0] >= 3
    assert d["in_talks"] == [int(sum(months[m][1].sum() for _, months in batches))
                             for m in range(H)]
    assert d["talks_engaged"] == int((_cat(batches, "talks_resumed")
                                      & _cat(batches, "engaged")).sum())
    assert d["final_sum"] == {k: pytest.approx(_cat(batches, k).sum() / UNIT, abs=20)
                              for k in FINAL_LEVELS}
    # counts serialise as integers, so that sums of chunks stay exact
    assert _ints_only(json.loads(json.dumps(d)))


def _ints_only(obj):
    if isinstance(obj, dict):
        return all(_ints_only(v) for v in obj.values())
    if isinstance(obj, list):
        return all(_ints_only(v) for v in obj)
    return type(obj) is int


def test_a_new_aggregate_is_integer_zeros_and_coerces_what_it_is_given():
    fresh = Aggregate(horizon=2).to_json()
    assert _ints_only(fresh)
    assert fresh["first_talks"] == [0, 0, 0] and fresh["in_talks"] == [0, 0]
    assert np.shape(fresh["monthly"]) == (len(LEVELS), 2, BINS)
    assert fresh["counts"] == {k: [0] for k in COUNT_OUTCOMES}
    given = Aggregate(horizon=2, n=3, first_talks=np.array([1.0, 2.0, 0.0]),
                      counts={"tests": np.array([1.0, 2.0])},
                      monthly=np.ones((len(LEVELS), 2, BINS)), in_talks=np.array([2.0, 1.0]))
    d = given.to_json()
    assert _ints_only(d)
    assert d["first_talks"] == [1, 2, 0] and d["counts"]["tests"] == [1, 2]
    assert d["counts"]["collapses"] == [0] and d["in_talks"] == [2, 1]


def test_aggregate_from_json_round_trip_and_older_files():
    agg = _aggregate(_batches())
    d = json.loads(json.dumps(agg.to_json()))
    again = Aggregate.from_json(d)
    assert again.to_json() == agg.to_json()
    assert json.dumps(again.summary()) == json.dumps(agg.summary())
    # aggregates written before talks_engaged existed load with none counted
    del d["talks_engaged"]
    old = Aggregate.from_json(d)
    assert old.talks_engaged == 0
    assert old.summary()["talks_given_engaged"]["k"] == 0


def test_aggregate_of_one_run():
    rng = np.random.default_rng(3)
    runs, months = _runs(rng, 1), _months(rng, 1)
    s = _aggregate([(runs, months)]).summary()
    assert s["runs"] == 1
    assert s["final_means"] == {k: pytest.approx(runs[k][0], abs=1e-9) for k in FINAL_LEVELS}
    assert s["monthly"]["in_talks_share"] == [float(m[1][0]) for m in months]


def test_aggregate_of_no_runs():
    agg = Aggregate(horizon=H)
    assert agg.max_half_width() == 0.5  # no information yet: the vacuous interval
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = agg.summary()
    assert s["runs"] == 0
    for sh in (*s["shares"].values(), s["talks_given_engaged"]):
        assert (sh["k"], sh["n"], sh["lo"], sh["hi"]) == (0, 0, 0.0, 1.0)
        assert math.isnan(sh["p"])
    km = s["time_to_talks"]
    assert km["survival"] == km["lo"] == km["hi"] == [1.0] * (H + 1)
    assert km["median"] is None
    for c in s["counts"].values():
        assert (c["max"], c["values"], c["freq"]) == (0, [0], [0])
    assert s["final_means"] == dict.fromkeys(FINAL_LEVELS, 0.0)
    assert s["monthly"]["month"] == [1, 2, 3]
    assert s["monthly"]["in_talks_share"] == [0.0] * H


def test_max_half_width_is_the_widest_wilson_half_width():
    batches = _batches()
    agg = _aggregate(batches)
    widths = {k: (lambda lo, hi: (hi - lo) / 2)(*_scipy_wilson(int(_cat(batches, k).sum()), 12))
              for k in BINARY_OUTCOMES}
    assert agg.max_half_width() == pytest.approx(max(widths.values()), abs=1e-9)
    # with 10 runs the outcome nearest one half is the least precise
    ten = Aggregate(horizon=H, n=10, binary={"talks_resumed": 1, "engaged": 5, "crisis": 9})
    assert ten.max_half_width() == pytest.approx(
        (_scipy_wilson(5, 10)[1] - _scipy_wilson(5, 10)[0]) / 2, abs=1e-9)


def test_grouped_months_fold_each_group_into_its_own_aggregate():
    # a model stepping three parameter draws' worlds one after the other (groups of 5)
    rng = np.random.default_rng(4)
    size, groups = 5, 3
    months = _months(rng, size * groups)
    months[1][0]["tension"][:] = 1.0  # month 2: every world at the top bin
    grouped = [Aggregate(horizon=H) for _ in range(groups)]
    for m, (levels, in_talks) in enumerate(months, start=1):
        Aggregate.add_month_grouped(grouped, m, levels, in_talks, size)
    for g, agg in enumerate(grouped):
        part = slice(g * size, (g + 1) * size)
        for m, (levels, in_talks) in enumerate(months):
            for i, name in enumerate(LEVELS):
                want = _histogram(levels[name][part])  # [0, 1] in BINS bins, 1.0 in the last
                assert agg.monthly[i, m].tolist() == want.tolist(), (g, m, name)
            assert agg.in_talks[m] == sum(bool(x) for x in in_talks[part])
    assert grouped[0].monthly[LEVELS.index("tension"), 1, BINS - 1] == size
    assert len({a.monthly.tobytes() for a in grouped}) == groups  # so a swap would show
    # folding adds to what an aggregate holds: month 1 again doubles its tallies
    before = [(a.monthly.copy(), a.in_talks.copy()) for a in grouped]
    Aggregate.add_month_grouped(grouped, 1, *months[0], size)
    for agg, (monthly, in_talks) in zip(grouped, before, strict=True):
        assert (agg.monthly[:, 0] == 2 * monthly[:, 0]).all()
        assert (agg.monthly[:, 1:] == monthly[:, 1:]).all()
        assert agg.in_talks.tolist() == [2 * in_talks[0], *in_talks[1:].tolist()]
    assert sum(in_talks[0] for _, in_talks in before) > 0  # so the doubling shows
