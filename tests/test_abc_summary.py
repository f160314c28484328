"""The ABC fit's summaries, distance and predictive check, and the held-out scores of
``parley calibrate`` (:mod:`parley.analysis.forecast_scores`), on hand-made histories.

No simulation, so these run in the fast lane (and under mutation testing); the fits
themselves are in tests/test_abc.py (the slow lane).
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from parley.analysis import abc_summary as S
from parley.analysis.forecast_scores import (
    CLIP,
    brier,
    leave_one_out_rates,
    log_score,
    score_forecasts,
)
from parley.analysis.terms import load_terms

ROOT = Path(__file__).resolve().parents[1]
TRUMP_2017 = ROOT / "scenarios" / "hindcast" / "trump_2017.yaml"


def test_statistics_of_a_hand_built_history():
    talks = np.array([0, 1, 1, 0, 1, 0], dtype=bool)
    tests = np.array([1, 0, 2, 3, 0, 1])
    s = {k: float(v[0]) for k, v in S.term_statistics(talks, tests).items()}
    assert s["talks"] == 1.0
    assert s["time_to_talks"] == pytest.approx(1 / 6)  # first talks in month 2 of 6
    assert s["months_in_talks"] == pytest.approx(3 / 6)
    assert s["spells"] == 2.0
    assert s["collapses"] == 2.0  # both spells ended before the last month
    assert s["tests_in_talks"] == pytest.approx(2 / 3)
    assert s["tests_out_of_talks"] == pytest.approx(5 / 3)


def test_a_spell_running_to_the_end_is_not_a_collapse_and_no_talks_is_censored():
    talks = np.array([[0, 0, 1, 1], [0, 0, 0, 0]], dtype=bool)
    tests = np.array([[0, 0, 0, 4], [1, 1, 1, 1]])
    s = S.term_statistics(talks, tests)
    assert s["spells"].tolist() == [1.0, 0.0]
    assert s["collapses"].tolist() == [0.0, 0.0]
    assert s["time_to_talks"].tolist() == [0.5, 1.0]  # no talks: the whole term
    assert s["tests_in_talks"][0] == 2.0 and math.isnan(s["tests_in_talks"][1])
    # summaries average over worlds, skipping undefined values
    summary = S.summarise("t", talks, tests)
    assert summary["t.talks"] == 0.5
    assert summary["t.tests_in_talks"] == 2.0


def test_statistics_refuse_mismatched_shapes():
    with pytest.raises(ValueError, match="differ in shape"):
        S.term_statistics(np.zeros((2, 3), bool), np.zeros((2, 4)))


def test_distance_is_scaled_rms_and_skips_undefined_record_values():
    obs = {"a.talks": 1.0, "a.months_in_talks": 0.1, "a.tests_in_talks": math.nan}
    assert S.distance(dict(obs), obs) == 0.0
    sim = {"a.talks": 0.5, "a.months_in_talks": 0.1, "a.tests_in_talks": 9.0}
    # talks off by 0.5 of scale 1; the NaN observation is skipped: sqrt(0.25 / 2)
    assert S.distance(sim, obs) == pytest.approx(math.sqrt(0.25 / 2))
    scale = S.STATISTIC_SCALES["months_in_talks"]
    sim = {"a.talks": 1.0, "a.months_in_talks": 0.1 + scale, "a.tests_in_talks": 0.0}
    assert S.distance(sim, obs) == pytest.approx(math.sqrt(1 / 2))
    # a statistic the record defines but the simulation never produced: a full scale
    sim = {"a.talks": 1.0, "a.months_in_talks": math.nan, "a.tests_in_talks": 0.0}
    assert S.distance(sim, obs) == pytest.approx(math.sqrt(1 / 2))
    # farther is larger
    assert S.distance({"a.talks": 0.0, "a.months_in_talks": 0.1}, obs) > \
        S.distance({"a.talks": 0.5, "a.months_in_talks": 0.1}, obs)
    with pytest.raises(ValueError):
        S.distance({"a.x": 1.0}, {"a.x": math.nan})


def test_predictive_check_places_the_record_among_simulated_worlds():
    (trump,) = load_terms([TRUMP_2017])
    term = replace(trump, obs_talks=np.array([0, 1, 0, 0], bool), obs_tests=np.zeros(4, int))
    term = replace(term, scenario=replace(term.scenario, name="x"))
    talks = np.zeros((4, 4), bool)
    talks[:2, 1] = True  # half the worlds talk
    check = S.predictive_check([term], {"x": (talks, np.zeros((4, 4), int))})
    row = check["x"]["talks"]
    assert row["mean"] == 0.5 and row["observed"] == 1.0
    assert row["percentile"] == 75.0  # half below, half equal
    assert "x" in S.format_predictive_check(check)


def test_scores_and_baselines():
    assert brier([0.5, 0.5], [1, 0]) == 0.25
    assert log_score([0.8], [True]) == pytest.approx(math.log(0.8))
    assert log_score([0.0], [True]) == pytest.approx(math.log(CLIP))  # clipped, not -inf
    assert leave_one_out_rates([np.array([1.0]), np.array([0.0]), np.array([1.0])]) == \
        [0.5, 1.0, 0.5]
    scores = score_forecasts([0.9, 0.1], [True, False],
                             [np.array([0.9, 0.9]), np.array([0.1, 0.1])],
                             [np.array([True, False]), np.array([False, False])])
    assert scores["coin_flip"]["term_brier"] == 0.25
    assert scores["coin_flip"]["month_log"] == pytest.approx(math.log(0.5))
    assert scores["model"]["term_brier"] == pytest.approx(0.01)
    # base rate of a term = the other term's outcome: always wrong here
    assert scores["base_rate"]["term_brier"] == 1.0
    assert math.isnan(scores["base_rate"]["month_log"])


def test_every_forecasters_term_and_month_scores_by_hand():
    # two terms of three months: the first had talks (months 2 and 3), the second none
    monthly_obs = [np.array([False, True, True]), np.array([False, False, False])]
    scores = score_forecasts([0.7, 0.2], [True, False],
                             [np.array([0.1, 0.6, 0.9]), np.array([0.2, 0.0, 1.0])],
                             monthly_obs)

    def nll(p, o):  # mean log probability given to what happened, clipped
        p = [min(max(x, CLIP), 1 - CLIP) for x in p]
        return sum(math.log(x if y else 1 - x) for x, y in zip(p, o, strict=True)) / len(p)

    months = [False, True, True, False, False, False]
    model = scores["model"]
    assert model["term_brier"] == pytest.approx((0.3 ** 2 + 0.2 ** 2) / 2)
    assert model["term_log"] == pytest.approx(nll([0.7, 0.2], [True, False]))
    assert model["month_log"] == pytest.approx(nll([0.1, 0.6, 0.9, 0.2, 0.0, 1.0], months))
    # climatology: each term's months get the other term's share of months in talks
    clim = scores["climatology"]
    assert clim["month_log"] == pytest.approx(nll([0.0] * 3 + [2 / 3] * 3, months))
    assert clim["term_log"] == scores["base_rate"]["term_log"] == pytest.approx(
        nll([0.0, 1.0], [True, False]))
    assert scores["coin_flip"]["term_log"] == pytest.approx(math.log(0.5))
    # a certain forecast that is wrong costs log(CLIP), at either end
    assert log_score([1.0], [False]) == pytest.approx(math.log(CLIP))
    assert log_score([1.0], [True]) == pytest.approx(math.log(1 - CLIP))
    assert math.isnan(leave_one_out_rates([np.array([1.0, 0.0])])[0])  # nothing else to pool
