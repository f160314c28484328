"""The forecasters beside the model (analysis/baselines.py) and the two scored targets."""

from __future__ import annotations

import numpy as np
import pytest

from parley.analysis import baselines as B
from parley.analysis import record_scores as S


@pytest.mark.parametrize(("threshold", "coding"), [([0.0, 0.65], -1), ([0.0, 1.3], 0),
                                                   ([0.65, 1.3], 1), (0.3, -1), (1.0, 1)])
def test_threshold_coding(threshold, coding):
    assert B.coding_of(threshold) == coding


def test_persistence_falls_as_the_north_hardens():
    assert B.PERSISTENCE[-1] > B.PERSISTENCE[0] > B.PERSISTENCE[1]


def test_a_spell_begins_only_after_a_month_out_of_talks():
    talks = np.array([[1, 1, 0, 1], [0, 1, 1, 1]], bool)
    assert S.spell_starts(talks, start_in_talks=True).tolist() == [
        [False, False, False, True], [False, True, False, False]]
    assert S.spell_starts(talks, start_in_talks=False)[0].tolist() == [True, False, False, True]


def test_logistic_finds_the_direction_and_the_ridge_shrinks_it():
    x = np.array([[-1.0], [-1.0], [0.0], [0.0], [1.0], [1.0]])
    y = np.array([1, 1, 1, 0, 0, 0])
    strong = B.fit_logistic(x, y, ridge=0.01)
    weak = B.fit_logistic(x, y, ridge=10.0)
    assert strong[1] < weak[1] < 0  # harder North, fewer talks; the ridge pulls toward 0
    p = B.predict_logistic(strong, np.array([[-1.0], [1.0]]))
    assert p[0] > 0.5 > p[1]


def test_term_baselines_leave_the_term_out():
    out = B.term_baselines(np.array([1.0, 0.0, 0.0]), np.array([-1, 1, 1]),
                           np.array([0.0, 0.0, 0.0]))
    assert out["base_rate"].tolist() == pytest.approx([0.0, 0.5, 0.5])
    assert out["persistence"].tolist() == [0.8, 0.2, 0.2]
    assert out["coin"].tolist() == [0.5, 0.5, 0.5]
    # the other two terms both had no talks: the fit left without term 0 predicts low for it
    assert out["logistic"][0] < 0.5


def test_month_baselines_turn_a_term_chance_into_a_monthly_hazard():
    monthly = [np.array([0, 0, 1, 0]), np.array([0, 0, 0, 0])]
    out = B.month_baselines(monthly, np.array([-1, 1]), np.array([0.0, 0.0]), True)
    hazard = out["persistence"][0][0]
    assert 1 - (1 - hazard) ** 4 == pytest.approx(B.PERSISTENCE[-1])
    under = B.month_baselines(monthly, np.array([-1, 1]), np.array([0.0, 0.0]), False)
    assert under["persistence"][1][0] == B.PERSISTENCE[1]
    assert out["climatology"][0][0] == 0.0 and out["climatology"][1][0] == 0.25


def _penalised_gradient(beta, x, y, ridge):
    """The gradient of the ridge-penalised log-likelihood, written out (zero at the fit)."""
    design = np.column_stack([np.ones(len(x)), x])
    p = 1 / (1 + np.exp(-(design @ beta)))
    return design.T @ (y - p) - ridge * np.r_[0.0, beta[1:]]


def test_the_logistic_fit_is_the_penalised_maximum_and_predicts_the_logistic_curve():
    x = np.array([[-1.0, 0.0], [-1.0, 1.0], [0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([1.0, 1.0, 0.0, 1.0, 0.0, 0.0])
    for ridge in (0.1, 1.0, 5.0):
        beta = B.fit_logistic(x, y, ridge=ridge)
        assert np.abs(_penalised_gradient(beta, x, y, ridge)).max() < 1e-8
    beta = B.fit_logistic(x, y)  # the intercept is not penalised: the mean is matched
    assert B.predict_logistic(beta, x).sum() == pytest.approx(y.sum())
    z = beta[0] + beta[1] * 0.5 - beta[2]
    assert B.predict_logistic(beta, np.array([[0.5, -1.0]]))[0] == pytest.approx(
        1 / (1 + np.exp(-z)))


def test_the_monthly_hazard_compounds_to_the_term_chance():
    for months in (1, 3, 48):
        h = B.monthly_hazard(0.8, months)
        assert 0 < h <= 0.8 and 1 - (1 - h) ** months == pytest.approx(0.8)


def test_a_lone_term_gets_a_coin_for_base_rate_climatology_and_logistic():
    term = B.term_baselines(np.array([1.0]), np.array([-1]), np.array([0.0]))
    assert [term[k][0] for k in ("base_rate", "climatology", "logistic", "coin")] == [0.5] * 4
    assert term["persistence"][0] == B.PERSISTENCE[-1]
    month = B.month_baselines([np.array([0, 1, 0])], np.array([1]), np.array([1.0]), True)
    for name in ("climatology", "logistic", "coin"):
        assert month[name][0].tolist() == [0.5] * 3, name
    # a term chance becomes a monthly hazard for a spell beginning: the coin's, persistence's
    assert month["base_rate"][0] == pytest.approx([B.monthly_hazard(0.5, 3)] * 3)
    assert month["persistence"][0] == pytest.approx([B.monthly_hazard(0.2, 3)] * 3)


def test_the_monthly_logistic_is_fitted_on_the_other_terms_months_and_three_covariates():
    monthly = [np.array([0, 0, 1, 1]), np.array([0, 0, 0, 0, 0, 0]), np.array([1, 1, 0])]
    coding, start_in = np.array([-1, 1, 0]), np.array([0.0, 0.0, 1.0])
    out = B.month_baselines(monthly, coding, start_in, False)

    def rows(j):
        n = len(monthly[j])
        return np.column_stack([np.full(n, coding[j]), np.full(n, start_in[j]),
                                (np.arange(n) + 0.5) / 48.0])

    for i, m in enumerate(monthly):
        others = [j for j in range(3) if j != i]
        beta = B.fit_logistic(np.concatenate([rows(j) for j in others]),
                              np.concatenate([monthly[j] for j in others]).astype(float))
        assert out["logistic"][i] == pytest.approx(B.predict_logistic(beta, rows(i)))
        assert len(out["logistic"][i]) == len(m)
    # the base rate of a term under way is the other terms' share with talks, every month
    assert out["base_rate"][1].tolist() == [1.0] * 6
    assert out["base_rate"][0].tolist() == [0.5] * 4


@pytest.fixture(scope="module")
def simulated_terms():
    from parley.analysis.terms import load_terms
    from parley.experiments.hindcast import simulate_term

    return [simulate_term(t, 200, 11) for t in load_terms(None)]


@pytest.fixture
def scored(simulated_terms):
    """Scored in each test (milliseconds): mutmut credits what a module-scoped fixture
    calls to the first test that builds it only."""
    return S.score_record(simulated_terms)


def test_both_targets_are_scored_for_every_forecaster(scored):
    assert set(scored["targets"]) == {"underway", "new_spell"}
    for target in scored["targets"].values():
        for level in ("term", "month"):
            assert set(target[level]) == set(B.FORECASTERS)
            assert target[level]["coin"]["log"] == pytest.approx(np.log(2))
        assert target["n_terms"] == 8


def test_talks_at_the_start_are_inherited_and_are_not_a_new_spell(scored):
    rows = {r["scenario"]: r for r in scored["rows"]}
    # the Agreed Framework ran through Clinton's second term: talks in the term, no new spell
    assert rows["clinton_1997"]["inherited"] and rows["clinton_1997"]["observed_talks"]
    assert rows["clinton_1997"]["observed_new_spell"] is False
    assert rows["clinton_1997"]["p_new_spell"] < rows["clinton_1997"]["p_talks"]
    assert not rows["trump_2017"]["inherited"]
    # out of talks at the start, the two targets are the same event
    assert rows["trump_2017"]["p_new_spell"] == rows["trump_2017"]["p_talks"]
    new = {p["scenario"]: p for p in scored["targets"]["new_spell"]["per_term"]}
    assert new["trump_2017"]["observed"] and not new["biden_2021"]["observed"]


@pytest.mark.slow
def test_with_parameter_draws_no_term_is_a_structural_zero_or_one():
    """The issue's bar: with the default 20 draws over 2,000 worlds, no completed term out of
    talks at its start below 0.02 or above 0.98 (binomial sd at 0.03 is 0.004, so the
    margin is about three sd)."""
    from parley.analysis.terms import load_terms
    from parley.experiments.hindcast import simulate_term, term_draws

    terms = load_terms(None)
    draws = term_draws(terms, 20, 20201130)
    for term, values in zip(terms, draws, strict=True):
        if term.censored or term.start_in_talks:
            continue
        p = simulate_term(term, 2000, 20201130, values=values).talks.any(axis=1).mean()
        assert 0.02 < p < 0.98, (term.name, p)
