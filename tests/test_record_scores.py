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
    assert S.clip(0.0, 100) == pytest.approx(0.005) and S.clip(1.0, 100) == pytest.approx(0.995)


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


def _term(name, sim_talks, obs_talks):
    sim_talks = np.asarray(sim_talks, bool)
    obs_talks = np.asarray(obs_talks, bool)
    base = load_scenario(ROOT / "scenarios" / "hindcast" / "bush_2001.yaml")
    scenario = replace(base, name=name, title=name,
                       horizon=base.horizon.model_copy(update={"months": sim_talks.shape[1]}))
    term = replace(term_of(base), scenario=scenario, obs_talks=obs_talks,
                   obs_tests=np.zeros(len(obs_talks), int))
    return S.TermPaths(term, sim_talks, np.zeros(sim_talks.shape, int))


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

