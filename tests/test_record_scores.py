"""The hindcast's scores computed right, on hand-made paths (no simulation: the fast lane).

The scores of :mod:`parley.analysis.record_scores` are pure functions of arrays, so their
unit tests live here rather than in tests/test_hindcast.py, whose tests run the model and
the command (the slow lane); mutation testing runs the fast lane only.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from parley.analysis import baselines as B
from parley.analysis import record_scores as S
from parley.analysis.terms import term_of
from parley.scenario_files import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def test_brier_log_loss_and_leave_one_out():
    p, o = np.array([0.9, 0.2, 0.4]), np.array([1, 0, 0])
    assert S.brier(p, o) == pytest.approx((0.01 + 0.04 + 0.16) / 3)
    assert S.log_loss(p, o) == pytest.approx(-(math.log(0.9) + math.log(0.8) + math.log(0.6)) / 3)
    loo = S.leave_one_out([np.array([1.0]), np.array([0.0]), np.array([0.0])])
    assert loo == pytest.approx([0.0, 0.5, 0.5])
    assert S.clip(0.0) == pytest.approx(0.005) and S.clip(1.0) == pytest.approx(0.995)


def test_patterns_of_a_hand_made_path():
    talks = np.array([0, 1, 1, 0, 0, 1, 0, 1], bool)
    tests = np.array([2, 0, 0, 1, 3, 0, 0, 1])
    pat = S.patterns(talks, tests)
    assert pat["first_talks_month"][0] == 2
    assert pat["months_in_talks"][0] == 4
    assert pat["spells"][0] == 3
    assert pat["collapses"][0] == 2  # the last spell is still open at the end
    assert pat["tests_per_month_in_talks"][0] == pytest.approx(1 / 4)
    assert pat["tests_per_month_out_of_talks"][0] == pytest.approx(6 / 4)
    none = S.patterns(np.zeros(5, bool), np.zeros(5))
    assert none["first_talks_month"][0] == 6 and math.isnan(none["tests_per_month_in_talks"][0])


def test_where_the_record_falls():
    sim = np.array([0.0, 1.0, 2.0, 3.0])
    assert S.where_record_falls(sim, 2.0)["quantile"] == pytest.approx(0.5 + 0.125)
    assert S.where_record_falls(sim, 10.0)["quantile"] == 1.0
    assert S.where_record_falls(sim, -1.0)["quantile"] == 0.0
    assert S.where_record_falls(sim, float("nan"))["quantile"] is None


def test_conditioning_keeps_worlds_whose_path_matches_the_record():
    # world 0: no talks, then talks late; world 1: talks at once; world 2: never talks
    talks = np.array([[0, 0, 0, 1], [1, 1, 0, 0], [0, 0, 0, 0]], bool)
    tests = np.zeros((3, 4), int)
    obs = np.array([0, 0], bool)
    w = S.condition_weights(talks, tests, obs, np.zeros(2), upto=2)
    assert w == pytest.approx([1.0, S.MISMATCH_WEIGHT ** 2, 1.0])
    f = S.conditional_forecast(talks, tests, obs, np.zeros(2), upto=2)
    assert f.p == pytest.approx(1 / (2 + S.MISMATCH_WEIGHT ** 2))  # only world 0 talks later
    assert f.lo <= f.p <= f.hi and 1 < f.ess < 3
    # with no record yet every world counts: two of three talk at some point
    assert S.conditional_forecast(talks, tests, obs, np.zeros(2), upto=0).p == pytest.approx(2 / 3)
    # test counts far from the record's lower a world's weight
    busy = tests.copy()
    busy[2, :2] = 25
    assert S.condition_weights(talks, busy, obs, np.zeros(2), upto=2)[2] < 1e-6


def test_rolling_origins():
    assert S.origins(48, 48) == [0, 6, 12, 18, 24, 30, 36, 42]
    assert S.origins(12, 48) == [0, 6, 12]


def _term(name, sim_talks, obs_talks, tests=None, obs_tests=None, start_state="none"):
    """A term of bush_2001's scenario with hand-made simulated and recorded paths."""
    sim_talks = np.asarray(sim_talks, bool)
    obs_talks = np.asarray(obs_talks, bool)
    base = load_scenario(ROOT / "scenarios" / "hindcast" / "bush_2001.yaml")
    scenario = replace(base, name=name, title=name,
                       horizon=base.horizon.model_copy(update={"months": sim_talks.shape[1]}))
    obs_tests = np.zeros(len(obs_talks), int) if obs_tests is None else np.asarray(obs_tests)
    term = replace(term_of(base), scenario=scenario, obs_talks=obs_talks, obs_tests=obs_tests,
                   start_state=start_state)
    tests = np.zeros(sim_talks.shape, int) if tests is None else np.asarray(tests)
    return S.TermPaths(term, sim_talks, tests)


def test_score_record_pools_completed_terms_and_keeps_the_censored_one_apart():
    a = _term("a", [[1, 1], [0, 0], [1, 0], [1, 1]], [1, 1])   # P(talks) 0.75, happened
    b = _term("b", [[0, 0], [0, 0], [0, 1], [0, 0]], [0, 0])   # P(talks) 0.25, did not
    c = _term("c", [[0, 0], [1, 1], [0, 0], [0, 0]], [0])      # censored after one month
    res = S.score_record([a, b, c])
    assert res["n_terms"] == 2 and res["n_censored"] == 1
    assert res["brier_model"] == pytest.approx((0.25 ** 2 + 0.25 ** 2) / 2)
    assert [r["naive_base_rate"] for r in res["rows"][:2]] == pytest.approx([0.0, 1.0])
    assert res["brier_naive_loo"] == pytest.approx(1.0)
    assert res["rows"][2]["observed_talks"] is None and res["rows"][2]["censored"]
    # month level: 5 months in the record, 2 in talks; climatology leaves each term out
    assert res["month"]["n_months"] == 5
    assert res["rows"][0]["climatology"] == pytest.approx(0.0)
    assert res["rows"][1]["climatology"] == pytest.approx(2 / 3)
    assert [f["scenario"] for f in res["live"]] == ["c"]
    # worlds 0, 2, 3 match the record's first month and never talk; world 1 (talks) is down-weighted
    w = S.MISMATCH_WEIGHT
    assert res["live"][0]["p"] == pytest.approx(w / (3 + w))


def test_the_log_floor_does_not_move_with_the_number_of_worlds():
    # the model gives 0 to talks that happened (term a) and 1 to talks that did not (b):
    # each costs -log(0.005) at the term level, with 4 worlds as with 40 (not 0.5 / worlds)
    assert S.FLOOR == 0.005
    for copies in (1, 10):
        a = _term("a", [[0, 0]] * 4 * copies, [1, 1])
        b = _term("b", [[1, 1]] * 4 * copies, [0, 0])
        res = S.score_record([a, b])
        assert res["log_model"] == pytest.approx(-math.log(0.005))
        assert res["month"]["log_model"] == pytest.approx(-math.log(0.005))


def test_one_censored_term_alone_is_scored_without_base_rates():
    c = _term("c", [[0, 0], [1, 1]], [0])
    res = S.score_record([c])
    assert res["n_terms"] == 0 and res["brier_model"] is None
    assert res["month"]["log_climatology"] is None
    assert len(res["live"]) == 1
    from parley.cli.hindcast import format_hindcast

    res.update(runs=2, seed=1, panel_last_month="2025-12")
    text = format_hindcast(res)
    assert "no completed term to score" in text and "Live forecast" in text


# ------------------------------------------------ every field, against a by-hand reckoning
# The expectations below are computed in the test the plain way (loops, explicit formulas),
# not with the module's own helpers, so a slip in the module cannot agree with itself.

SIM = [[0, 1, 1, 0], [0, 0, 0, 0], [1, 1, 1, 1], [0, 0, 1, 0]]
SIM_TESTS = [[1, 0, 0, 2], [3, 3, 0, 0], [0, 0, 0, 0], [1, 1, 1, 1]]


def _floored(p):
    """Each probability held within the stated floor, one at a time."""
    return [min(max(x, S.FLOOR), 1 - S.FLOOR) for x in p]


def _nll(p, o):
    """Mean negative log-likelihood with the stated floor, one term at a time."""
    out = [-math.log(pi if oi else 1 - pi) for pi, oi in zip(_floored(p), o, strict=True)]
    return sum(out) / len(out)


def _sq(p, o):
    return sum((pi - oi) ** 2 for pi, oi in zip(p, o, strict=True)) / len(p)


def test_a_completed_terms_row_field_by_field():
    a = _term("a", SIM, [0, 0, 1, 1], SIM_TESTS, [2, 0, 0, 0])
    row = S.score_record([a], draws=2)["rows"][0]
    assert (row["scenario"], row["months"], row["months_observed"]) == ("a", 4, 4)
    assert not row["censored"] and not row["inherited"]
    # worlds 0, 2, 3 talk at some point
    assert row["p_talks"] == row["p_talks_to_date"] == 0.75
    assert (row["lo"], row["hi"]) == pytest.approx(S.wilson(3, 4))
    assert (row["p_new_spell"], row["new_spell_lo"], row["new_spell_hi"]) == pytest.approx(
        (0.75, *S.wilson(3, 4)))
    # two draws, world i under draw i % 2: draw 0 (worlds 0, 2) all talk, draw 1 (1, 3) half
    spread = (0.5 + 0.025 * 0.5, 0.5 + 0.975 * 0.5)
    assert (row["talks_param_lo"], row["talks_param_hi"]) == pytest.approx(spread)
    assert (row["new_spell_param_lo"], row["new_spell_param_hi"]) == pytest.approx(spread)
    assert row["observed_talks"] is row["observed_new_spell"] is row["observed_talks_to_date"] \
        is True
    assert row["observed_first_talks_month"] == 3
    assert row["median_first_talks_month"] == 2.0  # first months 2, 1, 3 (world 1 never)
    # tests per world over the term: 3, 6, 0, 4
    assert (row["sim_tests_q10"], row["sim_tests_q50"], row["sim_tests_q90"]) == (0, 3, 5)
    assert row["observed_tests"] == 2
    pat = row["patterns"]
    assert list(pat) == list(S.PATTERNS)
    # where the record falls: P(sim < obs) + P(sim == obs) / 2 over defined worlds
    assert pat["first_talks_month"]["quantile"] == pytest.approx(2 / 4 + 1 / 8)  # 2,5,1,3 vs 3
    assert pat["months_in_talks"]["quantile"] == pytest.approx(2 / 4 + 1 / 8)  # 2,0,4,1 vs 2
    assert pat["months_in_talks"]["q50"] == 1.5 and pat["months_in_talks"]["observed"] == 2
    assert pat["spells"]["quantile"] == pytest.approx(1 / 4 + 3 / 8)  # 1,0,1,1 vs 1
    assert pat["collapses"]["quantile"] == pytest.approx(2 / 8)  # 1,0,0,1 vs 0
    # in talks: 0, undefined, 0, 1 tests a month against the record's 0
    in_talks = pat["tests_per_month_in_talks"]
    assert in_talks["quantile"] == pytest.approx(1 / 3) and in_talks["defined_share"] == 0.75
    # out of talks: 1.5, 1.5, undefined, 1 against the record's 2 / 2 = 1
    assert pat["tests_per_month_out_of_talks"]["quantile"] == pytest.approx(1 / 6)
    assert S.score_record([a])["rows"][0]["talks_param_lo"] is None  # a point run


def test_a_term_that_starts_in_talks_has_no_new_spell_from_carrying_on():
    # the same worlds, in talks the month before: world 2 never leaves them, so it has
    # talks in the term but no new spell; the record only carries on and then stops
    b = _term("b", SIM, [1, 1, 0, 0], SIM_TESTS, [0, 0, 0, 0], start_state="talks")
    row = S.score_record([b])["rows"][0]
    assert row["inherited"] and row["p_talks"] == 0.75
    assert row["p_new_spell"] == 0.5  # worlds 0 and 3 begin one
    assert (row["new_spell_lo"], row["new_spell_hi"]) == pytest.approx(S.wilson(2, 4))
    assert row["observed_talks"] is True and row["observed_new_spell"] is False
    assert row["observed_first_talks_month"] == 1


def test_a_censored_terms_row_reads_only_the_months_recorded():
    c = _term("c", SIM, [0, 0], SIM_TESTS, [1, 2])
    row = S.score_record([c])["rows"][0]
    assert row["censored"] and row["months_observed"] == 2 and row["months"] == 4
    assert row["p_talks"] == 0.75 and row["p_talks_to_date"] == 0.5  # worlds 0, 2 by month 2
    # nothing yet in the record: whether talks come is still open
    assert row["observed_talks"] is None and row["observed_new_spell"] is None
    assert row["observed_talks_to_date"] is False and row["observed_first_talks_month"] is None
    # tests over the two recorded months: 1, 6, 0, 2
    assert (row["sim_tests_q10"], row["sim_tests_q50"], row["sim_tests_q90"]) == (0, 1, 4)
    assert row["observed_tests"] == 3
    assert row["patterns"]["months_in_talks"]["quantile"] == pytest.approx(1 / 4)  # 1,0,2,0 vs 0
    # talks already in the record of a running term are an outcome, not an open question
    c2 = _term("c2", SIM, [0, 1], SIM_TESTS, [0, 0])
    row = S.score_record([c2])["rows"][0]
    assert row["observed_talks"] is True and row["observed_new_spell"] is True
    never = _term("never", np.zeros((3, 4)), [0, 0, 0, 0])
    assert S.score_record([never])["rows"][0]["median_first_talks_month"] is None


def test_term_and_month_scores_by_hand():
    a = _term("a", SIM, [0, 0, 1, 1])  # happened; the model gives 0.75
    d = _term("d", [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]], [0, 0, 0, 0])
    c = _term("c", SIM, [0, 0])  # censored: months count, terms do not
    res = S.score_record([a, d, c])
    p, o = [0.75, 0.25], [1, 0]
    assert res["brier_model"] == pytest.approx(_sq(p, o))
    assert res["log_model"] == pytest.approx(_nll(p, o))
    # each term's naive base rate is the other completed term's outcome: wrong both times
    assert [r.get("naive_base_rate") for r in res["rows"]] == [0.0, 1.0, None]
    assert res["brier_naive_loo"] == 1.0
    assert res["log_naive_loo"] == pytest.approx(-math.log(S.FLOOR))
    assert res["brier_coin"] == 0.25 and res["log_coin"] == pytest.approx(math.log(2))
    month = res["month"]
    # climatology leaves the term's own months out: 2 of the other 6, 6 and 8 months in talks
    assert [r["climatology"] for r in res["rows"]] == pytest.approx([0.0, 2 / 6, 2 / 8])
    p_a, p_d, p_c = [0.25, 0.5, 0.75, 0.25], [0, 0, 0, 0.25], [0.25, 0.5]
    o_a, o_d, o_c = [0, 0, 1, 1], [0, 0, 0, 0], [0, 0]
    assert res["rows"][0]["month_log_model"] == pytest.approx(_nll(p_a, o_a))
    assert res["rows"][1]["month_log_model"] == pytest.approx(_nll(p_d, o_d))
    assert res["rows"][2]["month_log_model"] == pytest.approx(_nll(p_c, o_c))
    assert res["rows"][0]["month_log_climatology"] == pytest.approx(_nll([0.0] * 4, o_a))
    assert res["rows"][1]["month_log_climatology"] == pytest.approx(_nll([2 / 6] * 4, o_d))
    every_p, every_o = p_a + p_d + p_c, o_a + o_d + o_c
    clim = [0.0] * 4 + [2 / 6] * 4 + [2 / 8] * 2
    assert month["n_months"] == 10 and month["share_in_talks"] == 0.2
    assert month["log_model"] == pytest.approx(_nll(every_p, every_o))
    assert month["log_climatology"] == pytest.approx(_nll(clim, every_o))
    # the month Briers are reported on the floored probabilities
    assert month["brier_model"] == pytest.approx(_sq(_floored(every_p), every_o))
    assert month["brier_climatology"] == pytest.approx(_sq(_floored(clim), every_o))
    # reliability: the months binned by forecast, tenths of [0, 1]
    assert month["reliability"] == [
        {"bin_lo": 0.0, "bin_hi": pytest.approx(0.1), "n": 3, "mean_p": S.FLOOR,
         "observed": 0.0},
        {"bin_lo": pytest.approx(0.2), "bin_hi": pytest.approx(0.3), "n": 4, "mean_p": 0.25,
         "observed": 0.25},
        {"bin_lo": 0.5, "bin_hi": pytest.approx(0.6), "n": 2, "mean_p": 0.5, "observed": 0.0},
        {"bin_lo": pytest.approx(0.7), "bin_hi": pytest.approx(0.8), "n": 1, "mean_p": 0.75,
         "observed": 1.0}]
    assert [f["scenario"] for f in res["live"]] == ["c"]
    assert sorted(res["targets"]) == sorted(S.TARGETS)


def test_rolling_origin_forecasts_by_hand():
    # twelve months: origins at months 0 and 6; the record of e talks in month 8 only
    sim = np.zeros((3, 12), bool)
    sim[0, 7:] = True
    sim[1, 2] = True
    e = _term("e", sim, np.arange(12) == 7)
    f = _term("f", sim[::-1], np.zeros(12, bool))
    g = _term("g", sim, np.ones(3, bool))  # censored: neither scored nor anyone's base rate
    rolling = S.score_record([e, f, g])["rolling"]
    got = [(r["scenario"], r["origin"], r["base_rate"], r["observed"])
           for r in rolling["forecasts"]]
    # the base rate: did the other completed term have talks after the same origin?
    assert got == [("e", 0, 0.0, True), ("e", 6, 0.0, True),
                   ("f", 0, 1.0, False), ("f", 6, 1.0, False)]
    for r in rolling["forecasts"]:
        term = e if r["scenario"] == "e" else f
        want = S.conditional_forecast(term.talks, term.tests, term.obs_talks, term.obs_tests,
                                      r["origin"])
        assert (r["p"], r["lo"], r["hi"], r["ess"]) == (want.p, want.lo, want.hi, want.ess)
    p = [r["p"] for r in rolling["forecasts"]]
    o = [r["observed"] for r in rolling["forecasts"]]
    b = [0.0, 0.0, 1.0, 1.0]
    assert rolling["n"] == 4 and rolling["n_low_ess"] == 4  # three worlds: all thin
    assert rolling["brier_model"] == pytest.approx(_sq(p, o))
    assert rolling["brier_base_rate"] == 1.0 and rolling["brier_coin"] == 0.25
    assert rolling["log_model"] == pytest.approx(_nll(p, o))
    assert rolling["log_base_rate"] == pytest.approx(_nll(b, o))
    assert rolling["log_coin"] == pytest.approx(math.log(2))
    assert S.score_record([g])["rolling"] == {"forecasts": [], "n": 0}


def test_the_two_targets_by_hand():
    a = _term("a", SIM, [0, 0, 1, 1])
    d = _term("d", [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]], [0, 0, 0, 0])
    h = _term("h", SIM, [1, 1, 0, 0], start_state="talks")  # carries on, then stops
    res = S.score_record([a, d, h])["targets"]
    under, new = res["underway"], res["new_spell"]
    assert (under["n_terms"], under["n_months"], under["happened"]) == (3, 12, 2)
    assert new["happened"] == 1  # only a begins a spell: h's talks are carried over
    assert under["meaning"] == S.TARGETS["underway"]
    model = {t["scenario"]: t["model"] for t in under["per_term"]}
    assert model == {"a": 0.75, "d": 0.25, "h": 0.75}
    assert {t["scenario"]: t["model"] for t in new["per_term"]} == {"a": 0.75, "d": 0.25,
                                                                      "h": 0.5}
    assert [t["observed"] for t in new["per_term"]] == [True, False, False]
    # persistence knows a term that starts in talks has them; for a new spell it does not
    persist = B.PERSISTENCE[a.term.coding]
    assert [t["persistence"] for t in under["per_term"]] == pytest.approx(
        [persist, persist, 1 - S.FLOOR])
    assert [t["persistence"] for t in new["per_term"]] == pytest.approx([persist] * 3)
    assert [t["base_rate"] for t in under["per_term"]] == pytest.approx([0.5, 1.0, 0.5])
    assert under["term"]["model"]["brier"] == pytest.approx(_sq([0.75, 0.25, 0.75], [1, 0, 1]))
    assert under["term"]["model"]["log"] == pytest.approx(_nll([0.75, 0.25, 0.75], [1, 0, 1]))
    assert new["term"]["model"]["log"] == pytest.approx(_nll([0.75, 0.25, 0.5], [1, 0, 0]))
    # month level, a new spell: the share of worlds beginning one in each month
    p_new = [0.25, 0.25, 0.25, 0.0, 0, 0, 0, 0.25, 0.0, 0.25, 0.25, 0.0]
    o_new = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert new["month"]["model"]["brier"] == pytest.approx(_sq(p_new, o_new))
    assert new["month"]["model"]["log"] == pytest.approx(_nll(p_new, o_new))
    p_under = [0.25, 0.5, 0.75, 0.25, 0, 0, 0, 0.25, 0.25, 0.5, 0.75, 0.25]
    o_under = [0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0]
    assert under["month"]["model"]["log"] == pytest.approx(_nll(p_under, o_under))
    assert set(under["term"]) == set(under["month"]) == set(B.FORECASTERS)
    assert under["month"]["coin"]["brier"] == 0.25


def test_the_test_count_kernel_and_the_weights_normalisation_by_hand():
    talks = np.zeros((3, 2), bool)
    tests = np.array([[4, 0], [1, 0], [0, 9]])  # cumulative 4, 1, 9 against the record's 1
    w = S.condition_weights(talks, tests, np.zeros(2, bool), np.array([1, 0]), upto=2)
    # a Gaussian kernel on the square roots: gaps 1, 0, 2 (bandwidth 1)
    assert w == pytest.approx([math.exp(-0.5), 1.0, math.exp(-2.0)])
    # every world off the record in one month: the best still weighs 1 (weights are relative)
    w = S.condition_weights(np.array([[1, 0], [1, 0]], bool), np.zeros((2, 2), int),
                            np.zeros(2, bool), np.zeros(2), upto=2)
    assert w.tolist() == [1.0, 1.0]
    assert S.effective_sample_size(np.array([1.0, 0.5])) == pytest.approx(1.5 ** 2 / 1.25)
    f = S.conditional_forecast(np.array([[0, 1], [0, 0], [0, 1]], bool), np.zeros((3, 2), int),
                               np.zeros(1, bool), np.zeros(1), upto=1)
    assert f.p == pytest.approx(2 / 3) and f.ess == pytest.approx(3.0)
    assert (f.lo, f.hi) == pytest.approx(S.wilson(2.0, 3.0))


def test_live_forecast_and_a_record_without_a_defined_value_by_hand():
    c = _term("c", SIM, [0, 0])
    live = S.live_forecast(c)
    assert (live["scenario"], live["title"], live["start"]) == ("c", "c", c.start)
    assert (live["months_observed"], live["months"], live["worlds"]) == (2, 4, 4)
    assert live["p_at_start"] == 0.75  # unconditioned: worlds 0, 2 and 3 talk at some point
    assert not live["talks_so_far"] and live["tests_so_far"] == 0
    scores = S.score_record([c])
    row = scores["rows"][0]
    assert (row["title"], row["coding"]) == ("c", c.term.coding)
    keys = ("brier_model", "brier_naive_loo", "brier_coin", "log_model", "log_naive_loo",
            "log_coin")
    assert {k: scores[k] for k in keys} == dict.fromkeys(keys)  # no completed term: None
    assert S.where_record_falls(np.array([1.0, np.nan]), float("nan")) == {
        "q10": None, "q50": None, "q90": None, "observed": None, "quantile": None,
        "defined_share": 0.5}
    assert S.where_record_falls(np.array([np.nan, np.nan, np.nan]), 2.0) == {
        "q10": None, "q50": None, "q90": None, "observed": 2.0, "quantile": None,
        "defined_share": 0.0}
    assert S.where_record_falls(np.array([3.0]), 2.0)["quantile"] == 0.0  # one world is enough


def test_two_completed_terms_get_a_climatology_and_one_alone_a_coin_base_rate():
    a = _term("a", SIM, [0, 0, 1, 1])
    d = _term("d", np.zeros((4, 4)), [0, 0, 0, 0])
    month = S.score_record([a, d])["month"]
    assert month["log_climatology"] is not None and month["brier_climatology"] is not None
    (only,) = [r["base_rate"] for r in S.score_record([a])["rolling"]["forecasts"]]
    assert only == 0.5  # no other term to take a base rate from


def test_each_target_gets_its_own_monthly_baselines():
    # talks under way: a term chance is each month's chance; a new spell: a monthly hazard
    a = _term("a", SIM, [0, 0, 1, 1])
    d = _term("d", np.zeros((4, 4)), [0, 0, 0, 0])
    targets = S.score_record([a, d])["targets"]
    persist = B.PERSISTENCE[a.term.coding]
    o_under = [0, 0, 1, 1, 0, 0, 0, 0]
    o_new = [0, 0, 1, 0, 0, 0, 0, 0]
    assert targets["underway"]["month"]["persistence"]["brier"] == pytest.approx(
        _sq([persist] * 8, o_under))
    hazard = 1 - (1 - persist) ** (1 / 4)
    assert targets["new_spell"]["month"]["persistence"]["brier"] == pytest.approx(
        _sq([hazard] * 8, o_new))
    # two terms: each one's base rate is the other's outcome
    assert [t["base_rate"] for t in targets["underway"]["per_term"]] == [0.0, 1.0]
    assert targets["new_spell"]["month"]["base_rate"]["brier"] == pytest.approx(
        _sq([0.0] * 4 + [1.0] * 4, o_new))  # hazards of a term chance of 0 and of 1
