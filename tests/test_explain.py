"""``parley explain``: Shapley attribution of a paired difference to differing stances,
over parameter draws by default (``--parameter-draws 0``: the point attribution)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from parley.experiments import explain as E
from parley.model import NegotiationModel
from parley.randomness import run_seeds
from parley.scenario import ScenarioError, with_values
from parley.scenario_files import load_scenario

RUNS = 400
E_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def oh_yeo(scenario_dir):
    a = load_scenario(scenario_dir / "trump_oh.yaml")
    b = load_scenario(scenario_dir / "trump_yeo.yaml")
    return a, b, E.explain(a, b, runs=RUNS, seed=2, parameter_draws=0)


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
    back = E.explain(b, a, runs=RUNS, seed=2, parameter_draws=0)
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
    phi, order_se = E._sampled(_toy_value, 3, ["y"], E._orders(3, permutations=6, seed=1))
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
    # by default over 20 parameter draws: every line carries its interval over draws
    assert "20 parameter draws x 5 worlds" in out and "interval over draws" in out
    assert all(ln.count("[") >= 1 for ln in out.splitlines() if "paired difference" in ln)
    for args, words in [(["--runs", "1"], "--runs"),
                        (["--runs", "10"], "each draw needs a world"),
                        (["--runs", "10", "--parameter-draws", "-1"], "--parameter-draws -1")]:
        code = main(["explain", str(scenario_dir / "trump_oh.yaml"),
                     str(scenario_dir / "trump_yeo.yaml"), *args])
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1 and words in err, args


#: ``parley explain trump_oh trump_yeo --runs 300 --csv FILE``: stdout and the CSV as the
#: code before parameter draws wrote them (commit 0c12beb)
# explain's output before draws (0c12beb's code), re-pinned after Moscow became role russia
# in trump_oh (the roles merge moved trump_oh; biden against sanders, which no role
# touches, still prints a9028f4c... with the code before draws and with --parameter-draws 0)
POINT_BEFORE_DRAWS = {
    "printed": "0b486c1c10207cc0ac782febf1f0276095bb13d65da104209d8ba167480c9ee0",
    "csv": "84007596946efda4a16bf6703aafc882340699dbf22982c8067343cf2e9efe9b",
}


def test_the_point_attribution_is_byte_identical_to_explain_before_draws(tmp_path):
    import hashlib
    import os
    import subprocess
    import sys

    csv = tmp_path / "parts.csv"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    res = subprocess.run([sys.executable, "-m", "parley", "explain", "scenarios/trump_oh.yaml",
                          "scenarios/trump_yeo.yaml", "--runs", "300", "--csv", str(csv),
                          "--parameter-draws", "0"], capture_output=True, cwd=E_ROOT, env=env,
                         timeout=300)
    assert res.returncode == 0, res.stderr
    assert hashlib.sha256(res.stdout).hexdigest() == POINT_BEFORE_DRAWS["printed"]
    assert hashlib.sha256(csv.read_bytes()).hexdigest() == POINT_BEFORE_DRAWS["csv"]


# ------------------------------------------------------------- over parameter draws

K, DRAWN_RUNS = 4, 120


@pytest.fixture(scope="module")
def drawn(scenario_dir):
    a = load_scenario(scenario_dir / "trump_oh.yaml")
    b = load_scenario(scenario_dir / "trump_yeo.yaml")
    return a, b, E.explain(a, b, runs=DRAWN_RUNS, seed=3, parameter_draws=K)


def test_over_draws_the_parts_still_add_up_and_every_row_has_its_interval(drawn):
    _, _, table = drawn
    assert table["method"].iloc[0].endswith(f"; {K} parameter draws x {DRAWN_RUNS // K} worlds")
    assert (table["param_lo"] <= table["param_hi"]).all()
    for outcome in E.HEADLINE:
        parts, total = _parts_and_total(table, outcome)
        assert parts["shapley"].sum() == pytest.approx(total["shapley"], abs=1e-12)
        assert total["param_lo"] <= total["shapley"] <= total["param_hi"]
    _, total = _parts_and_total(table, "talks_resumed")
    assert total["param_hi"] > total["param_lo"]  # the draws move the gap


def test_over_draws_each_draw_is_b_with_that_draws_values_on_the_same_worlds(drawn):
    from parley.analysis.envelope import apply_draw, envelope
    from parley.experiments.simulate import simulate

    a, b, table = drawn
    draws = E.explain_draws(a, b, K, 3)
    assert len(draws) == K
    seeds = run_seeds(3, range(DRAWN_RUNS // K))
    shares = {}
    for scenario, column in ((a, "value_a"), (b, "value_b")):
        per_draw = []
        for q in draws:
            alone = with_values(scenario, apply_draw(envelope(scenario), q))
            per_draw.append(simulate(alone, seeds)["outcomes"]["talks_resumed"].mean())
        _, total = _parts_and_total(table, "talks_resumed")
        assert total[column] == f"{np.mean(per_draw):.4f}"
        shares[column] = np.array(per_draw)
    gaps = shares["value_b"] - shares["value_a"]
    _, total = _parts_and_total(table, "talks_resumed")
    assert (total["param_lo"], total["param_hi"]) == pytest.approx(
        (np.quantile(gaps, 0.025), np.quantile(gaps, 0.975)), abs=1e-12)


def test_over_draws_the_gap_is_the_one_compare_reports(drawn):
    import parley

    a, b, table = drawn
    res = parley.compare([a, b], runs=DRAWN_RUNS, seed=3, parameter_draws=K,
                         executor="serial")
    per_draw = res.details["parameter_uncertainty"]["per_draw_talks"]
    gaps = np.array(per_draw[b.name]) - np.array(per_draw[a.name])
    _, total = _parts_and_total(table, "talks_resumed")
    assert total["shapley"] == pytest.approx(gaps.mean(), abs=1e-12)
    assert total["param_lo"] == pytest.approx(np.quantile(gaps, 0.025), abs=1e-12)
