"""``parley explain``: Shapley attribution of a paired difference to differing stances."""

from __future__ import annotations

import numpy as np
import pytest

from parley.experiments import explain as E
from parley.model import NegotiationModel
from parley.randomness import run_seeds
from parley.scenario import ScenarioError, with_values
from parley.scenario_files import load_scenario

RUNS = 400


@pytest.fixture(scope="module")
def oh_yeo(scenario_dir):
    a = load_scenario(scenario_dir / "trump_oh.yaml")
    b = load_scenario(scenario_dir / "trump_yeo.yaml")
    return a, b, E.explain(a, b, runs=RUNS, seed=2)


def _parts_and_total(table, outcome):
    rows = table[table["outcome"] == outcome]
    total = rows[rows["group"] == "(total)"].iloc[0]
    return rows[rows["group"] != "(total)"], total


def test_the_parts_add_up_exactly_to_the_paired_difference(oh_yeo):
    _, _, table = oh_yeo
    for outcome in E.HEADLINE:
        parts, total = _parts_and_total(table, outcome)
        assert parts["shapley"].sum() == pytest.approx(total["shapley"], abs=1e-12)


def test_the_full_coalition_is_scenario_b_on_the_same_worlds(oh_yeo):
    a, b, table = oh_yeo
    seeds = run_seeds(2, range(RUNS))
    for scenario, column in ((a, "value_a"), (b, "value_b")):
        out = NegotiationModel(scenario=scenario, seeds=seeds).run().outcomes()
        for outcome in E.HEADLINE:
            _, total = _parts_and_total(table, outcome)
            assert total[column] == f"{out[outcome].mean():.4f}"


def test_swapping_a_and_b_negates_every_part(oh_yeo):
    a, b, table = oh_yeo
    back = E.explain(b, a, runs=RUNS, seed=2)
    fwd = table.set_index(["outcome", "group"])["shapley"]
    rev = back.set_index(["outcome", "group"])["shapley"]
    assert set(fwd.index) == set(rev.index)
    np.testing.assert_allclose(rev.loc[fwd.index].to_numpy(), -fwd.to_numpy(), atol=1e-12)


def test_groups_are_the_differing_values_with_both_citations(trump_oh):
    b = with_values(trump_oh, {"washington.legacy_drive": 0.5,
                               "washington.election_year_drag": 0.9})
    groups = {g.label: g for g in E.differing_groups(trump_oh, b)}
    assert set(groups) == {"washington.legacy_drive", "washington.election_year_drag"}
    legacy = groups["washington.legacy_drive"]
    # Oh gives the direction, the number is ours: a reading, said so
    assert legacy.cite_a.startswith("oh2020, ") and legacy.cite_a.endswith(" (reading)")
    assert legacy.cite_b == "assumption"
    assert (legacy.value_a, legacy.value_b) == ("[0.7, 0.9]", "0.5")
    # a provenance-only change is no difference at all
    assert E.differing_groups(trump_oh, trump_oh) == []


def test_a_stance_that_cannot_act_gets_exactly_zero(trump_oh):
    # a second-term president has no election year, so its drag acts nowhere
    try:
        b = with_values(trump_oh, {"washington.election_year_drag": 0.0,
                                   "washington.legacy_drive": 0.3})
    except ScenarioError:
        pytest.skip("washington.election_year_drag is no longer a parameter")
    if not trump_oh.actors["washington"].value("no_reelection_pressure"):
        pytest.skip("trump_oh is no longer a second term")
    table = E.explain(trump_oh, b, runs=RUNS, seed=4).set_index(["outcome", "group"])
    for outcome in E.HEADLINE:
        assert table.loc[(outcome, "washington.election_year_drag"), "shapley"] == 0.0
        assert table.loc[(outcome, "washington.election_year_drag"), "se"] == 0.0
    assert table.loc[("talks_resumed", "washington.legacy_drive"), "shapley"] != 0.0


def _toy_value(mask: int) -> dict[str, np.ndarray]:
    """Three groups: 0 and 1 symmetric and interacting, 2 a null player."""
    x = np.array([1.0, 2.0, 3.0])
    a, b = mask & 1, mask >> 1 & 1
    return {"y": x * (a + b) + x * a * b}


def test_exact_shapley_is_symmetric_and_gives_a_null_player_zero():
    phi = E._exact(_toy_value, 3, ["y"])["y"]
    np.testing.assert_array_equal(phi[2], 0.0)
    np.testing.assert_allclose(phi[0], phi[1])
    # interaction split evenly: each gets x + x/2
    np.testing.assert_allclose(phi[0], [1.5, 3.0, 4.5])
    np.testing.assert_allclose(phi[0] + phi[1] + phi[2], _toy_value(7)["y"] - _toy_value(0)["y"])


def test_sampled_shapley_adds_up_exactly_and_antithetic_orders_cancel():
    phi, order_se = E._sampled(_toy_value, 3, ["y"], permutations=6, seed=1)
    total = sum(phi["y"])
    np.testing.assert_allclose(total, _toy_value(7)["y"] - _toy_value(0)["y"])
    np.testing.assert_array_equal(phi["y"][2], 0.0)
    # an order gives group 0 either x or 2x; with its reverse the pair gives 1.5x exactly
    np.testing.assert_allclose(phi["y"][0], [1.5, 3.0, 4.5])
    np.testing.assert_allclose(order_se["y"], 0.0, atol=1e-12)


def test_many_groups_switch_to_sampled_orders(trump_oh, monkeypatch):
    monkeypatch.setattr(E, "EXACT_MAX", 1)
    b = with_values(trump_oh, {"washington.legacy_drive": 0.3,
                               "washington.outreach_rate": 0.6})
    table = E.explain(trump_oh, b, runs=200, seed=1, outcomes=("talks_resumed",),
                      permutations=4)
    assert table["method"].iloc[0].startswith("Shapley by 4 sampled orders")
    parts, total = _parts_and_total(table, "talks_resumed")
    assert parts["shapley"].sum() == pytest.approx(total["shapley"], abs=1e-12)


def test_the_explain_command_prints_both_citations(capsys, scenario_dir):
    from parley.cli import main

    code = main(["explain", str(scenario_dir / "trump_oh.yaml"),
                 str(scenario_dir / "trump_yeo.yaml"), "--runs", "100"])
    out = capsys.readouterr().out
    assert code == 0
    assert "exact Shapley" in out and "[oh2020, " in out and "[yeo2020, " in out
    assert out.count("paired difference") == len(E.HEADLINE)
    code = main(["explain", str(scenario_dir / "trump_oh.yaml"),
                 str(scenario_dir / "trump_yeo.yaml"), "--runs", "1"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--runs" in err
