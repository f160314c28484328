"""Parameter uncertainty: the envelope, parameter draws, intervals and ordering shares."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from parley.analysis import uncertainty as U
from parley.analysis.intervals import wilson
from parley.scenario import with_values
from parley.scenario_files import load_scenario

ROOT = Path(__file__).resolve().parents[1]
HINDCAST = sorted((ROOT / "scenarios" / "hindcast").glob("*.yaml"))


# --------------------------------------------------------------- envelope


@pytest.fixture(scope="module")
def hindcast_scenarios():
    return [load_scenario(p) for p in HINDCAST]


def test_shared_assumptions_are_the_values_every_term_assumes_alike(hindcast_scenarios):
    env = {p.name: p for p in U.shared_assumptions(hindcast_scenarios)}
    # what the eight hindcast terms inherit alike from scenarios/hindcast/base.yaml
    assert set(env) == {
        # (Beijing's phased_affinity is restated per term from dated sources since 0.2)
        "beijing__influence", "pyongyang__capability_growth",
        "pyongyang__evasion_growth", "pyongyang__flattery_outreach",
        "pyongyang__leverage_sensitivity", "pyongyang__restraint_in_talks",
        "pyongyang__walkout_patience", "shocks__us_china_shock_rate",
        "shocks__us_china_shock_size", "shocks__us_crisis_months", "shocks__us_crisis_rate",
        "washington__crisis_distraction", "washington__election_year_drag"}
    leverage = env["pyongyang__leverage_sensitivity"]
    # [0.5, 1.5] widened by half each side: [0.25, 2.25]
    assert (leverage.low, leverage.high) == pytest.approx((0.25, 2.25))
    assert leverage.default == pytest.approx(1.0)
    assert leverage.path == "pyongyang.leverage_sensitivity"
    crisis = env["shocks__us_crisis_rate"]  # a single value 0.04: [0.02, 0.06]
    assert (crisis.low, crisis.high, crisis.default) == pytest.approx((0.02, 0.06, 0.04))
    # a sourced value is never drawn; nor is one the terms set differently
    assert "pyongyang__test_month_rate" not in env
    assert "washington__outreach_rate" not in env
    assert "pyongyang__sit_out_share" not in env  # the retired coin is set by no file
    for p in env.values():
        assert p.low < p.high


def test_an_assumption_one_term_changes_is_no_longer_shared(hindcast_scenarios):
    changed = with_values(hindcast_scenarios[0], {"pyongyang.leverage_sensitivity": 1.2})
    env = U.shared_assumptions([changed, *hindcast_scenarios[1:]])
    assert "pyongyang__leverage_sensitivity" not in {p.name for p in env}
    assert "beijing__influence" in {p.name for p in env}


def test_envelope_is_clipped_to_the_declared_bounds(hindcast_scenarios):
    env = {p.name: p for p in U.assumption_envelope(hindcast_scenarios)}
    influence = env["beijing__influence"]  # 0.8, declared in [0, 1]
    assert (influence.low, influence.high) == pytest.approx((0.4, 1.0))


# ------------------------------------------------------------------ draws


ENV = [U.UncertainParameter("a__x", 0.0, 1.0, 0.5, "r"),
       U.UncertainParameter("b__y", 10.0, 20.0, 15.0, "r")]


def test_envelope_draws_are_deterministic_in_range_and_stratified():
    draws = U.parameter_draws(10, seed=5, envelope=ENV)
    assert draws == U.parameter_draws(10, seed=5, envelope=ENV)
    assert draws != U.parameter_draws(10, seed=6, envelope=ENV)
    x = np.array([d["a__x"] for d in draws])
    y = np.array([d["b__y"] for d in draws])
    assert ((x >= 0) & (x <= 1)).all() and ((y >= 10) & (y <= 20)).all()
    # Latin hypercube: one draw in each tenth of each range
    assert sorted(np.floor(x * 10).astype(int)) == list(range(10))
    assert sorted(np.floor(y - 10).astype(int)) == list(range(10))


def _posterior_file(tmp_path, weights, particles=((0.1, 1.0), (0.9, 2.0))):
    doc = {"format": U.POSTERIOR_FORMAT,
           "parameters": [{"name": "a__x"}, {"name": "b__y"}],
           "particles": [list(p) for p in particles], "weights": list(weights),
           "provenance": {"seed": 1}}
    path = tmp_path / "post.json"
    path.write_text(json.dumps(doc))
    return path


def test_posterior_draws_follow_the_weights(tmp_path):
    post = U.load_posterior(_posterior_file(tmp_path, [0.0, 2.0]))
    assert post.weights.tolist() == [0.0, 1.0]  # normalised
    draws = U.parameter_draws(20, seed=1, posterior=post)
    assert all(d == {"a__x": 0.9, "b__y": 2.0} for d in draws)
    post = U.load_posterior(_posterior_file(tmp_path, [1.0, 3.0]))
    draws = U.parameter_draws(4000, seed=2, posterior=post)
    share = np.mean([d["a__x"] == 0.9 for d in draws])
    assert share == pytest.approx(0.75, abs=0.03)  # 4,000 draws: SE 0.007
    assert post.mean()["a__x"] == pytest.approx(0.7)


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d.update(format="other"), "format"),
    (lambda d: d.update(weights=[1.0]), "particles"),
    (lambda d: d.update(weights=[-1.0, 2.0]), "weights"),
    (lambda d: d.pop("parameters"), "parameters"),
])
def test_a_bad_posterior_file_gives_one_line_naming_file_and_field(tmp_path, mutate, field):
    path = _posterior_file(tmp_path, [1.0, 1.0])
    doc = json.loads(path.read_text())
    mutate(doc)
    path.write_text(json.dumps(doc))
    with pytest.raises(U.PosteriorError) as err:
        U.load_posterior(path)
    message = str(err.value)
    assert str(path) in message and field in message and "\n" not in message


def test_draws_need_a_source():
    with pytest.raises(ValueError):
        U.parameter_draws(3, seed=1)
    with pytest.raises(ValueError):
        U.parameter_draws(0, seed=1, envelope=ENV)


# ------------------------------------------------- intervals over a batch


def _runs(shares: dict[str, list[float]], worlds: int = 100) -> pd.DataFrame:
    """Runs whose per-draw share of ones is exactly as given (first worlds are ones)."""
    rows = []
    for scenario, per_draw in shares.items():
        for draw, p in enumerate(per_draw):
            ones = round(p * worlds)
            for world in range(worlds):
                rows.append({"scenario": scenario, "draw": draw, "world": world,
                             "talks": float(world < ones)})
    return pd.DataFrame(rows)


def test_parameter_interval_is_the_spread_of_per_draw_shares():
    runs = _runs({"a": [0.1, 0.3, 0.5, 0.7, 0.9]})
    s = U.uncertainty_summary(runs, ["talks"], level=0.5)["a"]["talks"]
    assert s["mean"] == pytest.approx(0.5)
    assert (s["param_lo"], s["param_hi"]) == pytest.approx((0.3, 0.7))  # quartiles of 5 draws
    # the Monte Carlo interval of 500 pooled runs is far narrower
    assert s["mc_hi"] - s["mc_lo"] < 0.1 < s["param_hi"] - s["param_lo"]
    assert s["draws"] == 5 and s["worlds"] == 100
    # between-draw variance 0.05 against noise of about 0.0017: mostly parameters
    assert s["mc_share"] < 0.05


def test_mc_share_is_one_when_draws_differ_only_by_noise():
    rng = np.random.default_rng(0)
    runs = pd.DataFrame({"scenario": "a", "draw": np.repeat(np.arange(50), 40),
                         "talks": (rng.random(2000) < 0.5).astype(float)})
    s = U.uncertainty_summary(runs, ["talks"])["a"]["talks"]
    # 50 draws of pure noise: the ratio's sampling error is about 0.2
    assert s["mc_share"] > 0.6


def test_ordering_shares_count_above_below_and_tied_draws():
    runs = _runs({"a": [0.8, 0.9, 0.5, 0.2], "b": [0.2, 0.1, 0.5, 0.8]})
    (row,) = U.ordering_shares(runs, "talks")
    assert (row["a"], row["b"], row["draws"]) == ("a", "b", 4)
    assert (row["above"], row["tied"], row["below"]) == (0.5, 0.25, 0.25)
    # the direction is pinned: with the labels swapped, above and below swap
    swapped = runs.replace({"scenario": {"a": "z"}})
    (row,) = U.ordering_shares(swapped, "talks")
    assert (row["a"], row["b"]) == ("b", "z")
    assert (row["above"], row["below"]) == (0.25, 0.5)


def test_a_small_difference_within_monte_carlo_error_is_a_tie():
    runs = _runs({"a": [0.52, 0.9], "b": [0.50, 0.1]})
    (row,) = U.ordering_shares(runs, "talks")
    assert (row["above"], row["tied"], row["below"]) == (0.5, 0.5, 0.0)
    (unpaired,) = U.ordering_shares(runs, "talks", world_col=None)
    assert unpaired["tied"] == 0.5


def test_per_draw_means_and_rank_shares_and_figure(tmp_path):
    from parley.outputs.ranking_plots import plot_ranking_stability, rank_shares

    runs = _runs({"a": [0.8, 0.9, 0.5], "b": [0.2, 0.95, 0.1], "c": [0.0, 0.0, 0.0]})
    means = U.per_draw_means(runs, "talks")
    assert means.loc["a"].tolist() == pytest.approx([0.8, 0.9, 0.5])
    shares = rank_shares(means)
    assert shares.loc["a", 1] == pytest.approx(2 / 3)
    assert shares.loc["b", 1] == pytest.approx(1 / 3)
    assert shares.loc["c", 3] == 1.0
    assert np.allclose(shares.sum(axis=1), 1.0)
    fig = plot_ranking_stability(means, "P(talks)", tmp_path / "rank.png")
    assert (tmp_path / "rank.png").stat().st_size > 1000
    assert len(fig.axes[0].patches) == 9  # 3 scenarios x 3 ranks
    assert not math.isnan(shares.values.sum())


def test_the_shipped_posterior_loads_with_its_provenance():
    from parley.experiments.abc import FITTED_DYNAMICS

    post = U.load_posterior(ROOT / "scenarios" / "posteriors" / "dynamics.json")
    fitted = {f"dynamics__{n}" for n in FITTED_DYNAMICS}
    assert fitted <= set(post.names)
    assert "pyongyang__leverage_sensitivity" in post.names
    assert len(post.weights) == post.provenance["settings"]["particles"]
    prov = post.provenance
    assert set(prov["data"]["record_files"]) == {"dprk_missile_tests_monthly.csv",
                                                 "us_dprk_talks_monthly.csv",
                                                 "us_dprk_talks_episodes.csv"}
    # fitted on the eight completed terms, never on the censored 2025 term
    terms = [t["name"] for t in prov["data"]["terms"]]
    assert len(terms) == 8 and "trump_2025" not in terms
    assert all(t["months"] == 48 for t in prov["data"]["terms"])
    # what was not fitted is named, and nothing is both
    assert not fitted & set(prov["fixed_at_default"])
    # the model has gained constants since this posterior was fitted (ripeness, choice
    # scales); what it names fixed is still a list of names, none of them fitted
    assert all(n.startswith("dynamics__") for n in prov["fixed_at_default"])
    assert prov["generations"] and prov["settings"]["seed"] == 20201130
    assert set(prov["summary_statistics"]) == {
        "talks", "time_to_talks", "months_in_talks", "spells", "collapses",
        "tests_in_talks", "tests_out_of_talks"}


# ------------------------------------------------ values pinned by hand (mutation testing)


def test_the_declared_dynamics_are_every_modelling_constant_with_its_range_and_reason():
    from parley.rules import DYNAMICS

    dyn = {p.name: p for p in U.declared_dynamics()}
    assert len(dyn) == len(DYNAMICS) == 78  # every constant declares a numeric range
    friction = dyn["dynamics__secondary_sanctions_friction"]
    assert (friction.low, friction.high, friction.default) == (0.0, 0.01, 0.004)
    assert friction.reason.startswith("Monthly rise of US-China tension")
    assert friction.path == "dynamics.secondary_sanctions_friction"
    election = dyn["dynamics__election_year_months"]
    assert (election.low, election.high, election.default) == (6.0, 18.0, 12.0)
    for p in dyn.values():
        assert p.low < p.high and p.low <= p.default <= p.high and p.reason, p.name
    # the envelope lists the dynamics first, then the shared assumptions
    assert [p.name for p in U.assumption_envelope([])] == list(dyn)


def test_every_shared_assumption_is_listed_not_only_those_before_a_skipped_value(
        hindcast_scenarios):
    # sorted by path; values that are flags, words or not shared are skipped, not a stop
    assert [p.name for p in U.shared_assumptions(hindcast_scenarios)] == [
        "beijing__influence", "pyongyang__capability_growth", "pyongyang__evasion_growth",
        "pyongyang__flattery_outreach", "pyongyang__leverage_sensitivity",
        "pyongyang__restraint_in_talks", "pyongyang__walkout_patience",
        "shocks__us_china_shock_rate", "shocks__us_china_shock_size", "shocks__us_crisis_months",
        "shocks__us_crisis_rate", "washington__crisis_distraction",
        "washington__election_year_drag"]
    alone = U.shared_assumptions(hindcast_scenarios[:1])
    assert len(alone) == 29 and all(p.reason and p.low < p.high for p in alone)


def test_monte_carlo_intervals_of_a_share_and_of_a_mean():
    mean, lo, hi = U._mc_interval(np.array([1.0, 0.0, 0.0, 1.0, 1.0]))
    assert (mean, lo, hi) == pytest.approx((0.6, *wilson(3, 5)))
    values = np.array([0.5, 1.5, 2.5, 3.5])
    half = 1.959963984540054 * np.std(values, ddof=1) / 2.0
    assert U._mc_interval(values) == pytest.approx((2.0, 2.0 - half, 2.0 + half))
    mean, lo, hi = U._mc_interval(np.array([0.25]))
    assert mean == 0.25 and math.isnan(lo) and math.isnan(hi)


def test_a_summary_by_hand_with_unequal_noise():
    # two draws of four worlds, outcome not 0/1: per-draw means 1 and 3
    runs = pd.DataFrame({"scenario": "s", "draw": [0] * 4 + [1] * 4,
                         "x": [0.0, 2.0, 0.0, 2.0, 3.0, 3.0, 2.0, 4.0]})
    s = U.uncertainty_summary(runs, ["x"], level=0.5)["s"]["x"]
    assert s["mean"] == 2.0 and (s["draws"], s["worlds"]) == (2, 4)
    assert (s["param_lo"], s["param_hi"]) == pytest.approx((1.5, 2.5))
    # noise: within-draw variances 4/3 and 2/3 over 4 worlds, mean 0.25; between: 2
    assert s["mc_share"] == pytest.approx(0.25 / 2.0)
    one = U.uncertainty_summary(runs[runs.draw == 0], ["x"])["s"]["x"]
    assert math.isnan(one["mc_share"])  # one draw: no spread between draws to explain


def test_pairing_over_common_worlds_is_what_tells_close_scenarios_apart():
    # b is a below a world by world in every draw, by a little; the worlds vary a lot
    rng = np.random.default_rng(3)
    level = rng.normal(0.0, 5.0, 60)
    rows = [{"scenario": name, "draw": draw, "world": w, "x": level[w] + shift}
            for draw in range(3) for w in range(60) for name, shift in (("a", 0.1),
                                                                      ("b", 0.0))]
    runs = pd.DataFrame(rows)
    (paired,) = U.ordering_shares(runs, "x")
    (unpaired,) = U.ordering_shares(runs, "x", world_col=None)
    assert paired["above"] == 1.0  # the paired difference is exactly 0.1, its error ~0
    assert unpaired["tied"] == 1.0  # against the worlds' spread 0.1 is noise
    (no_world,) = U.ordering_shares(runs.drop(columns="world"), "x")
    assert no_world["tied"] == 1.0  # no world column: cannot pair


def test_a_posterior_of_one_particle_and_weights_that_do_not_sum_to_one(tmp_path):
    post = U.load_posterior(_posterior_file(tmp_path, [0.25], particles=((0.3, 1.5),)))
    assert post.weights.tolist() == [1.0] and post.mean() == {"a__x": 0.3, "b__y": 1.5}
    post = U.load_posterior(_posterior_file(tmp_path, [0.2, 0.6]))
    assert post.weights.tolist() == pytest.approx([0.25, 0.75])
    assert post.provenance == {"seed": 1} and post.path == tmp_path / "post.json"
    assert post.particles.dtype == float
    path = _posterior_file(tmp_path, [0.0, 0.0])
    with pytest.raises(U.PosteriorError, match="not all zero"):
        U.load_posterior(path)
    doc = json.loads(path.read_text())
    doc.pop("provenance")
    doc["weights"] = [1, 1]
    path.write_text(json.dumps(doc))
    assert U.load_posterior(path).provenance == {}
    # one draw is allowed, and a seed gives the same draws
    assert len(U.parameter_draws(1, seed=4, envelope=ENV)) == 1
    assert U.parameter_draws(6, seed=4, posterior=post) == U.parameter_draws(6, seed=4,
                                                                             posterior=post)
