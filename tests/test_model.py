"""The model: one world or many, replay, common random numbers, Mesa compatibility."""

from __future__ import annotations

import numpy as np
import pytest

from parley import NegotiationModel
from parley import rules as R
from parley.model import OUTCOMES
from parley.randomness import run_seeds
from parley.scenario import with_values


def test_runs_48_months_and_stops(trump_oh):
    model = NegotiationModel(scenario=trump_oh, seed=5).run()
    assert model.month == 48 and not model.running
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == 48
    assert {"tension", "sanctions_pressure", "us_china_tension", "talks_state",
            "provocations"} <= set(frame.columns)
    assert set(model.outcome_record()) == set(OUTCOMES)


def test_world_inside_many_equals_world_alone(trump_oh):
    seeds = run_seeds(99, range(64))
    many = NegotiationModel(scenario=trump_oh, seeds=seeds).run()
    for i in (0, 17, 63):
        alone = NegotiationModel(scenario=trump_oh, seed=int(seeds[i])).run()
        assert alone.outcome_record() == many.outcome_record(i)


def test_same_seed_same_history(trump_oh):
    a = NegotiationModel(scenario=trump_oh, seed=123).run()
    b = NegotiationModel(scenario=trump_oh, seed=123).run()
    assert a.narrator.lines() == b.narrator.lines()
    c = NegotiationModel(scenario=trump_oh, seed=124).run()
    assert a.narrator.lines() != c.narrator.lines()


def test_changing_one_decision_leaves_unrelated_draws_alone(trump_oh):
    """Common random numbers: whether Washington offers talks never shifts Pyongyang's draws.

    Provocation rates are made independent of the state (no leverage, no
    restraint), so the monthly missile counts must match draw for draw while
    the talks histories differ.
    """
    seeds = run_seeds(5, range(2000))
    fixed = {"pyongyang.leverage_sensitivity": 0.0, "pyongyang.restraint_in_talks": 0.0}
    never = with_values(trump_oh, {**fixed, "washington.outreach_rate": 0.0})
    always = with_values(trump_oh, {**fixed, "washington.outreach_rate": 1.0})
    a = NegotiationModel(scenario=never, seeds=seeds, narrate=False)
    b = NegotiationModel(scenario=always, seeds=seeds, narrate=False)
    talks_differ = 0
    for _ in range(48):
        a.step()
        b.step()
        assert np.array_equal(a.acts["tests"], b.acts["tests"])
        assert np.array_equal(a.acts["icbm"], b.acts["icbm"])
        talks_differ += int((a.state.talks != b.state.talks).sum())
    assert talks_differ > 100  # the changed decision did change the histories


def test_ranges_are_sampled_once_per_run_within_bounds(trump_oh):
    model = NegotiationModel(scenario=trump_oh, seeds=run_seeds(1, range(5000)), narrate=False)
    lo, hi = trump_oh.actors["washington"].stances["legacy_drive"].value
    drive = model.washington.stance["legacy_drive"]
    assert drive.min() >= lo and drive.max() <= hi
    assert drive.std() > 0.25 * (hi - lo) / np.sqrt(12)  # spread, not a point value
    model.run()
    assert np.array_equal(drive, model.washington.stance["legacy_drive"])


def test_keyword_overrides_for_sliders_and_batch_run(trump_oh):
    model = NegotiationModel(scenario=trump_oh, seed=1, washington__outreach_rate=0.9)
    assert model.washington.stance["outreach_rate"][0] == pytest.approx(0.9)


def test_mesa_batch_run_drives_the_model(scenario_dir):
    import warnings

    import mesa

    def batch() -> list[dict]:
        # seeds as "rng": Mesa 3.5's batch_run overwrites a "seed" list with its own rng
        # argument (None), while a "rng" list reaches the model on Mesa 3.3 and 3.5 alike
        return mesa.batch_run(
            NegotiationModel,
            parameters={"scenario": str(scenario_dir / "trump_oh.yaml"), "rng": [1, 2, 3],
                        "washington__outreach_rate": [0.1, 0.9]},
            max_steps=48, number_processes=1, data_collection_period=-1,
            display_progress=False)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = batch()
    assert [str(w.message) for w in caught if "mesa" in w.filename or "parley" in w.filename] \
        == []
    assert len(results) == 6
    # the last collected row: Mesa 3.3 labels it 47 (its index), Mesa 3.5 48 (the step count)
    assert all(r["Step"] in (47, 48) for r in results)
    by_seed = {(r["rng"], r["washington__outreach_rate"]): r["tension"] for r in results}
    assert len(set(by_seed.values())) > 1  # the seeds took effect
    again = NegotiationModel(scenario=str(scenario_dir / "trump_oh.yaml"), seed=2,
                             washington__outreach_rate=0.9).run()
    assert by_seed[(2, 0.9)] == pytest.approx(float(again.state.tension[0]))
    assert [r["tension"] for r in batch()] == [r["tension"] for r in results]


def test_rng_is_mesas_newer_name_for_the_seed(trump_oh):
    a = NegotiationModel(scenario=trump_oh, rng=5).run().outcome_record()
    assert a == NegotiationModel(scenario=trump_oh, seed=5).run().outcome_record()


def test_invalid_seeds_raise(trump_oh):
    with pytest.raises(ValueError):
        NegotiationModel(scenario=trump_oh, seeds=np.array([-1]))


def test_extra_actors_join_the_schedule(trump_oh):
    raw = dict(trump_oh.resolved)
    raw["actors"] = {**raw["actors"], "moscow": {**raw["actors"]["beijing"]},
                     "tokyo": {**raw["actors"]["seoul"]}}
    from parley.scenario import build_scenario

    sc = build_scenario(raw)
    model = NegotiationModel(scenario=sc, seed=3).run()
    roles = [a.role for a in model.order]
    assert roles == ["washington", "pyongyang", "patron", "patron", "ally", "ally"]
    assert R.Talks(model.state.talks[0]) in R.Talks
