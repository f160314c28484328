"""``parley drivers``: pick-freeze variance shares on cases whose answer is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from parley.experiments.drivers import (
    DECISION_PARAMS,
    ROUTE_ACTS,
    describe,
    drivers,
    group_share,
    largest_uncited,
    pick_freeze,
    provenance,
    unknown_decisions,
)
from parley.model import NegotiationModel
from parley.randomness import Draws, run_seeds
from parley.rules import DYNAMICS
from parley.scenario_files import load_scenario

ADMINISTRATIONS = ("sanders", "warren", "trump_oh", "trump_yeo", "biden", "bloomberg",
                   "buttigieg", "klobuchar")

N = 4000
SEEDS_A, SEEDS_B = run_seeds(9, range(N)), run_seeds(9, range(N, 2 * N))


def toy(seeds, stream_seeds):
    """x decides ``only_x`` alone; ``sum`` is x + y (half each); z matters nowhere."""
    d = Draws(seeds, stream_seeds)
    x, y = d.uniform("x", 1), d.uniform("y", 1)
    d.uniform("z", 1)
    return {"only_x": (x < 0.3).astype(float), "sum": x + y, "product": (x < 0.5) * (y < 0.5)}


@pytest.fixture(scope="module")
def toy_table():
    return pick_freeze(toy, ["x", "y", "z"], SEEDS_A, SEEDS_B).set_index(["outcome", "element"])


def test_an_outcome_that_is_a_function_of_one_stream_is_explained_by_it_alone(toy_table):
    only_x = toy_table.loc["only_x"]
    # binary outcome, p = 0.3: SEs ~ 0.01 at N = 4000; 0.05 is five of them
    assert only_x.loc["x", "first_order"] == pytest.approx(1.0, abs=0.05)
    assert only_x.loc["x", "total"] == pytest.approx(1.0, abs=0.05)
    for other in ("y", "z"):  # not drawn by the outcome: exactly zero, no noise
        assert only_x.loc[other, "first_order"] == 0.0
        assert only_x.loc[other, "total"] == 0.0


def test_an_additive_outcome_splits_its_variance_evenly(toy_table):
    half = toy_table.loc["sum"]
    for key in ("x", "y"):
        assert half.loc[key, "first_order"] == pytest.approx(0.5, abs=5 * half.loc[key,
                                                                                  "first_order_se"])
        assert half.loc[key, "total"] == pytest.approx(0.5, abs=5 * half.loc[key, "total_se"])


def test_an_interaction_shows_in_the_total_index_not_the_first_order(toy_table):
    # Y = [x<.5][y<.5]: V = 3/16, V_x = 1/16 -> S = 1/3; ST = (3/16 - 1/16)/(3/16) = 2/3
    prod = toy_table.loc["product"]
    for key in ("x", "y"):
        assert prod.loc[key, "first_order"] == pytest.approx(1 / 3, abs=0.05)
        assert prod.loc[key, "total"] == pytest.approx(2 / 3, abs=0.05)
        assert prod.loc[key, "total"] > prod.loc[key, "first_order"] + 0.2


def test_group_share_is_one_for_a_label_that_decides_the_outcome_and_zero_for_noise():
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 3, 3000)
    share_, se = group_share((labels == 1).astype(float), labels)
    assert share_ == pytest.approx(1.0) and se < 1e-9
    share_, se = group_share(rng.random(3000), labels)
    assert share_ < 0.01 and 0 < se < 0.01


@pytest.fixture(scope="module")
def oh_table(trump_oh):
    return drivers(trump_oh, runs=200, seed=5, outcomes=("talks_resumed", "crisis"))


def test_drivers_reproduce_exactly_for_a_seed(trump_oh, oh_table):
    again = drivers(trump_oh, runs=200, seed=5, outcomes=("talks_resumed", "crisis"))
    pd.testing.assert_frame_equal(oh_table, again)
    other = drivers(trump_oh, runs=200, seed=6, outcomes=("talks_resumed", "crisis"))
    assert not other["total"].equals(oh_table["total"])


def test_every_stream_of_the_model_is_in_the_table_with_its_provenance(trump_oh, oh_table):
    rows = oh_table[oh_table["outcome"] == "talks_resumed"].set_index("element")
    ranged = [f"range:{actor}.{name}" for actor, a in trump_oh.actors.items()
              for name, s in a.stances.items() if isinstance(s.value, list)]
    assert set(ranged) <= set(rows.index)
    for key in ranged:
        stance = trump_oh.actors[key[6:].split(".")[0]].stances[key.split(".")[1]]
        want = (stance.source.text if stance.source else f"{stance.reading.text} (reading)"
                if stance.reading else "assumption")
        assert rows.loc[key, "provenance"] == want
        assert rows.loc[key, "kind"] == "range"
    assert (rows["kind"] == "route").sum() >= 1
    # variance shares are shares: within [0, 1] up to their Monte Carlo error
    streams = rows[rows["kind"] != "route"]
    assert (streams["total"] >= 0).all()
    assert (streams["total"] <= 1 + 3 * streams["total_se"]).all()


def test_a_decision_with_no_declared_parameter_is_an_assumption(trump_oh):
    assert describe(trump_oh, "talks.derail").provenance == "assumption"
    assert provenance(trump_oh, ()) == "assumption"
    assert provenance(trump_oh, ("washington.legacy_drive",)) == "oh2020 (reading)"
    assert provenance(trump_oh, ("washington.legacy_drive", "world.tension")) == "assumption"


def test_largest_uncited_picks_the_biggest_assumption_among_random_elements(oh_table):
    rows = oh_table[(oh_table["outcome"] == "talks_resumed")
                    & (oh_table["provenance"] == "assumption") & (oh_table["kind"] != "route")]
    for index in ("total", "first_order"):
        top = largest_uncited(oh_table, index=index)
        assert top["provenance"] == "assumption" and top["kind"] != "route"
        assert top[index] == rows[index].max()


def test_a_route_is_never_the_largest_uncited_element():
    # a route that opens every world's talks has a share of exactly 1 (it restates the
    # outcome); it must not be reported as an untexted driver
    table = pd.DataFrame([
        {"outcome": "talks_resumed", "element": "route:accept", "kind": "route",
         "provenance": "assumption", "total": np.nan, "first_order": np.nan,
         "group_share": 1.0},
        {"outcome": "talks_resumed", "element": "pyongyang.accept", "kind": "decision",
         "provenance": "assumption", "total": 0.2, "first_order": 0.01, "group_share": np.nan},
    ])
    assert largest_uncited(table)["element"] == "pyongyang.accept"
    assert largest_uncited(table[table["kind"] == "route"]) is None


@pytest.mark.parametrize("name", ADMINISTRATIONS)
def test_drivers_knows_every_decision_the_model_draws(scenario_dir, name):
    # a new random decision in the model must be given its parameters in DECISION_PARAMS,
    # or drivers would label it without looking at its provenance
    spec = load_scenario(scenario_dir / f"{name}.yaml")
    model = NegotiationModel(scenario=spec, seeds=run_seeds(1, range(50)), narrate=False)
    model.step()
    keys = model.draws.keys
    assert not unknown_decisions(keys), unknown_decisions(keys)
    for act in ROUTE_ACTS:  # every route is a boolean act of the month
        assert getattr(model.acts, act).dtype == bool, act


def test_every_declared_decision_parameter_exists(trump_oh):
    stances = {n: a.stances for n, a in trump_oh.actors.items()}
    roles = {a.role: n for n, a in trump_oh.actors.items()}
    for decision, params in DECISION_PARAMS.items():
        for path in params:
            head, _, name = path.partition(".")
            if head == "dynamics":
                assert name in DYNAMICS, path
            elif head == "shocks":
                assert name in trump_oh.shocks, path
            elif name:
                assert name in stances[roles.get(head, head)], path
            else:  # the deciding actor's own: some actor has it
                assert any(path in st for st in stances.values()), (decision, path)


def test_modelling_constants_are_cited_only_where_their_size_is(trump_oh):
    # accept_willing is the modellers' own; election_year_months cites Yeo for its size;
    # engage_capability cites Oh for the mechanism but says its size is assumed
    assert DYNAMICS["accept_willing"].basis == "ASSUMPTION"
    assert provenance(trump_oh, ("dynamics.accept_willing",)) == "assumption"
    assert provenance(trump_oh, ("dynamics.election_year_months",)) == "yeo2020"
    assert provenance(trump_oh, ("dynamics.engage_capability",)) == "assumption"
    assert describe(trump_oh, "pyongyang.accept").provenance == "assumption"
    assert describe(trump_oh, "washington.bold_move").params == (
        "washington.bold_move_rate", "washington.no_reelection_pressure")


def test_the_drivers_command_prints_a_table_and_rejects_a_bad_outcome(capsys, scenario_dir):
    from parley.cli import main

    code = main(["drivers", str(scenario_dir / "trump_oh.yaml"), "--over", "streams",
                 "--runs", "100", "--outcome", "talks_resumed"])
    out = capsys.readouterr().out
    assert code == 0
    assert "talks_resumed" in out and "first-order" in out and "route:" in out
    assert "largest uncited first-order index" in out and "largest uncited total index" in out
    code = main(["drivers", str(scenario_dir / "trump_oh.yaml"), "--outcome", "tallks"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "tallks" in err and "talks_resumed" in err


def test_a_group_of_streams_explains_what_its_members_explain_jointly():
    # "product" needs both x and y: together they explain all of it, x alone a third
    table = pick_freeze(toy, {"x": ("x",), "x+y": ("x", "y")}, SEEDS_A, SEEDS_B)
    rows = table[table["outcome"] == "product"].set_index("element")
    assert rows.loc["x+y", "first_order"] == pytest.approx(1.0, abs=0.05)
    assert rows.loc["x", "first_order"] == pytest.approx(1 / 3, abs=0.05)


def test_each_decision_is_also_grouped_with_its_ranged_rate(oh_table):
    rows = oh_table[oh_table["outcome"] == "talks_resumed"].set_index("element")
    grouped = rows[rows["kind"] == "decision+range"]
    assert len(grouped) >= 1
    for name in grouped.index:
        assert name.endswith("+") and name[:-1] in rows.index
        # a group explains at least what its decision does alone (within the noise)
        assert rows.loc[name, "total"] >= rows.loc[name[:-1], "total"] - 3 * rows.loc[
            name, "total_se"]
