"""``parley drivers --over envelope``: the variance of P(outcome) over parameter draws,
split over the values we chose (by provenance kind) and the worlds' noise.

Budgets are small (a few seconds each on one core); every tolerance below is stated
against the sample size it is checked at.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from parley.analysis.envelope import apply_draw, envelope
from parley.experiments.drivers import (
    ENVELOPE_KINDS,
    INTERACTIONS,
    NOISE,
    _evaluate_points,
    envelope_drivers,
    envelope_values,
    kind_counts,
    kind_shares,
)
from parley.experiments.simulate import simulate
from parley.outputs.tables import kind_shares_table
from parley.randomness import Draws, run_seeds
from parley.scenario import with_values
from parley.scenario_files import load_scenario

DOMINANT = "pyongyang.attitude_threshold"  # a reading (Yeo); the largest driver of P(talks)
KEPT = (DOMINANT, "washington.alliance_coordination", "dynamics.walkout_hazard",
        "dynamics.deal_p_working")
# the two constants cannot move P(talks resumed): the walkout hazard and the chance of a
# deal in working talks act only once talks are open.  Under common random numbers their
# indices are then exactly zero: A and AB_j run the same worlds to the same first talks.
INERT = KEPT[2:]


@pytest.fixture(scope="module")
def trump_oh(scenario_dir):
    return load_scenario(scenario_dir / "trump_oh.yaml")


@pytest.fixture(scope="module")
def toy(trump_oh):
    """trump_oh with every value of its envelope held at its midpoint but four:
    one reading (the dominant one), one assumption and two rule constants."""
    held = {v.path: (v.low + v.high) / 2 for v in envelope_values(trump_oh)
            if v.path not in KEPT}
    return with_values(trump_oh, held, "held for the test")


@pytest.fixture(scope="module")
def toy_result(toy):
    return envelope_drivers(toy, samples=128, worlds=32, seed=11, outcomes=("talks_resumed",))


def rows(result, level=None):
    t = result.table[result.table["outcome"] == "talks_resumed"]
    return (t if level is None else t[t["level"] == level]).set_index("element")


def test_the_toy_keeps_exactly_the_four_values_with_their_kinds(toy):
    kinds = {v.path: v.kind for v in envelope_values(toy)}
    assert kinds == {DOMINANT: "reading", "washington.alliance_coordination": "assumption",
                     "dynamics.walkout_hazard": "constant", "dynamics.deal_p_working": "constant"}
    assert kind_counts(toy) == {"source": 0, "reading": 1, "assumption": 1, "constant": 2}


def test_a_point_of_the_design_runs_as_the_draw_it_stands_for(trump_oh):
    # the design sets every value per point through its range: stream; world j of
    # point m must equal world j of the scenario with that draw's values set
    values = envelope_values(trump_oh)
    paths = [v.path for v in values]
    ranged = with_values(trump_oh, {v.path: [v.low, v.high] for v in values})
    worlds, points = run_seeds(3, range(48)).reshape(3, 16), run_seeds(4, range(3))
    y, _ = _evaluate_points(ranged, paths, ("talks_resumed", "crisis"), ["A"], {},
                            worlds, worlds, points, points)
    env = envelope(trump_oh)
    for m, point in enumerate(points):
        d = Draws(np.array([0]), {f"range:{p}": np.array([point]) for p in paths})
        q = {p: float(d.uniform(f"range:{p}", 0)[0]) for p in paths}
        alone = simulate(with_values(trump_oh, apply_draw(env, q)), worlds[m])["outcomes"]
        for out in ("talks_resumed", "crisis"):
            assert y[out][m, 0] == pytest.approx(float(np.mean(alone[out])), abs=1e-12)


def test_the_dominant_value_has_the_largest_index_and_its_kind_the_largest_share(toy_result):
    values = rows(toy_result, "value")
    assert values["total"].idxmax() == DOMINANT
    assert values["first_order"].idxmax() == DOMINANT
    # N = 128 points: the bootstrap half-widths are ~0.1; the reading's share is ~0.9
    assert values.loc[DOMINANT, "first_order"] > 0.5
    share = rows(toy_result).loc[[f"kind:{k}" for k in ("reading", "assumption", "constant")],
                                 "share"]
    assert share.idxmax() == "kind:reading"
    assert share["kind:reading"] > share.drop("kind:reading").max() + 0.3


def test_values_that_cannot_move_the_outcome_have_indices_of_exactly_zero(toy_result):
    values = rows(toy_result, "value")
    for path in INERT:
        assert values.loc[path, "first_order"] == 0.0
        assert values.loc[path, "total"] == 0.0


def test_indices_lie_in_zero_one_up_to_their_sampling_error(toy_result):
    t = rows(toy_result)
    idx = t[t["level"] != "rest"]
    # a 95% half-width is ~2 standard errors: allow three (1.5 half-widths) plus 0.02
    for col in ("first_order", "total"):
        tol = 1.5 * idx[f"{col}_conf"] + 0.02
        assert (idx[col] >= -tol).all() and (idx[col] <= 1 + tol).all(), idx[[col]]


def test_kind_shares_and_noise_sum_to_one_and_bracket_the_variance(toy_result):
    t = rows(toy_result)
    parts = t[t["level"].isin(("kind", "noise", "rest"))]["share"]
    assert parts.sum() == pytest.approx(1.0, abs=1e-12)  # the remainder closes the sum
    kinds = t[t["level"] == "kind"]
    first = kinds["first_order"].sum() + t.loc[NOISE, "total"]
    total = kinds["total"].sum() + t.loc[NOISE, "total"]
    tol = 1.5 * float(np.hypot.reduce(kinds["first_order_conf"])) + 0.02
    # first-order parts never exceed the whole; totals (interactions counted in each) reach it
    assert first <= 1 + tol
    assert total >= 1 - tol
    # the rest (interactions between kinds) is small for a one-value-dominated toy
    assert abs(t.loc[INTERACTIONS, "share"]) < 0.2


def test_the_noise_row_exists_and_agrees_with_the_spread_within_each_points_worlds(toy):
    few = envelope_drivers(toy, samples=64, worlds=8, seed=2, outcomes=("talks_resumed",))
    many = envelope_drivers(toy, samples=64, worlds=128, seed=2, outcomes=("talks_resumed",))
    for result in (few, many):
        noise = rows(result).loc[NOISE]
        assert noise["level"] == "noise" and noise["kind"] == "noise"
        # the worlds' total index (pick-freeze: A against A on B's worlds) and the
        # binomial variance within each point estimate one quantity
        assert noise["total"] == pytest.approx(noise["noise_within"],
                                               abs=1.5 * noise["total_conf"] + 0.02)
    # the noise variance falls as 1/worlds: 16 times fewer worlds, a much larger share
    assert rows(few).loc[NOISE, "share"] > 3 * rows(many).loc[NOISE, "share"]


def test_results_are_identical_for_a_seed_and_differ_for_another(toy, toy_result):
    again = envelope_drivers(toy, samples=128, worlds=32, seed=11, outcomes=("talks_resumed",))
    pd.testing.assert_frame_equal(again.table, toy_result.table)
    other = envelope_drivers(toy, samples=128, worlds=32, seed=12, outcomes=("talks_resumed",))
    assert not other.table["first_order"].equals(toy_result.table["first_order"])


def test_every_row_of_a_real_scenario_is_labelled_and_the_kind_design_matches(trump_oh):
    result = envelope_drivers(trump_oh, samples=8, worlds=16, seed=1,
                              outcomes=("talks_resumed", "crisis"))
    t = result.table
    values = t[t["level"] == "value"]
    assert set(values["kind"]) <= set(ENVELOPE_KINDS)
    assert len(values) == 2 * len(envelope_values(trump_oh))
    assert (values[values["element"].str.startswith("dynamics.")]["kind"] == "constant").all()
    for out in ("talks_resumed", "crisis"):
        mine = t[t["outcome"] == out]
        assert (mine["element"] == NOISE).sum() == 1
        assert (mine["element"] == INTERACTIONS).sum() == 1
    assert result.counts == kind_counts(trump_oh) and sum(result.counts.values()) == len(
        envelope_values(trump_oh))
    assert result.points == 8 * (len(envelope_values(trump_oh)) + 3 + 3)  # 3 kinds present
    # the kind-only design gives the same kind of rows, no value rows, far fewer points
    kinds_only = envelope_drivers(trump_oh, samples=8, worlds=16, seed=1,
                                  outcomes=("talks_resumed",), per_value=False)
    assert set(kinds_only.table["level"]) == {"kind", "noise", "rest"}
    assert kinds_only.points == 8 * (3 + 3)


def test_the_kind_table_has_one_line_per_scenario_with_counts_and_shares(toy_result):
    summary = kind_shares(toy_result)
    assert summary["counts"] == {"source": 0, "reading": 1, "assumption": 1, "constant": 2}
    assert summary["shares"]["source"] == (0.0, 0.0)  # no source: no share
    text = kind_shares_table([summary, {**summary, "scenario": "again"}])
    lines = text.splitlines()
    assert len(lines) == 4 and lines[0].startswith("| scenario |")
    assert "noise" in lines[0] and "interactions" in lines[0]
    assert "| 0 / 1 / 1 / 2 |" in lines[2] and lines[3].startswith("| again |")
    assert lines[2].split(" | ")[4] == "-"  # the source column: no value of that kind


def test_the_drivers_command_over_the_envelope_and_its_errors(capsys, scenario_dir):
    from parley.cli import main

    oh = str(scenario_dir / "trump_oh.yaml")
    assert main(["drivers", oh, "--samples", "4", "--worlds", "8", "--outcome",
                 "talks_resumed", "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert "by kind" in out and "(noise)" in out and "interactions" in out
    assert "first-order group index" in out  # says which kind total it is
    assert main(["drivers", oh, str(scenario_dir / "biden.yaml"), "--by-kind", "--samples",
                 "4", "--worlds", "4", "--outcome", "talks_resumed"]) == 0
    out = capsys.readouterr().out
    assert "| trump_oh |" in out and "| biden |" in out and "seed 20201130" in out
    for bad, word in ((["--runs", "100"], "--runs"), (["--over", "streams", "--worlds", "5"],
                      "--worlds"), (["--samples", "1"], "--samples"),
                      (["--worlds", "0"], "--worlds"), ([oh], "--by-kind"),
                      (["--over", "streams", "--by-kind"], "--by-kind")):
        assert main(["drivers", oh, *bad]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("error: ") and word in err, err


def test_the_cli_states_the_library_defaults():
    from parley.cli import attribution
    from parley.experiments import drivers

    assert (attribution.ENVELOPE_SAMPLES, attribution.ENVELOPE_WORLDS,
            attribution.KIND_SAMPLES) == (drivers.ENVELOPE_SAMPLES, drivers.ENVELOPE_WORLDS,
                                          drivers.KIND_SAMPLES)
