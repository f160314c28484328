"""The model: one world or many, replay, common random numbers, Mesa compatibility."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from parley import NegotiationModel
from parley.acts import Acts
from parley.errors import ScenarioError
from parley.model import OUTCOMES
from parley.randomness import run_seeds
from parley.rules import ModelConstants, patrons, provocation, sanctions, tension
from parley.rules import talks as talks_rules
from parley.rules.sanctions import ReliefMonth
from parley.scenario import with_values

C = ModelConstants.build()  # every constant at its declared default


def test_runs_48_months_and_stops(trump_oh):
    model = NegotiationModel(scenario=trump_oh, seed=5).run()
    assert model.month == 48 and model.running is False
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


@pytest.mark.parametrize("path", ["scenarios/biden.yaml",
                                  "scenarios/examples/biden_moscow_tokyo.yaml"])
def test_the_mesa_model_and_the_kernel_end_every_world_alike(path):
    """NegotiationModel is the kernel (parley.worlds.Worlds) with Mesa around it: the
    same seeds end with the same outcomes and the same narration, and only the model's
    actors are Mesa agents."""
    import mesa

    from parley.worlds import Worlds

    root = Path(__file__).resolve().parents[1]
    seeds = run_seeds(7, range(200))
    model = NegotiationModel(scenario=root / path, seeds=seeds).run()
    kernel = Worlds(root / path, seeds).run()
    for name, values in model.outcomes().items():
        assert np.array_equal(values, kernel.outcomes()[name]), name
    assert [type(a).__name__ for a in model.order] == [type(a).__name__ for a in kernel.order]
    assert all(isinstance(a, mesa.Agent) for a in model.order)
    assert not any(isinstance(a, mesa.Agent) for a in kernel.order)
    assert len(model.agents) == len(model.order)
    told = NegotiationModel(scenario=root / path, seed=int(seeds[3])).run()
    assert told.narrator.lines() == Worlds(root / path, seeds[3:4]).run().narrator.lines()


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
        assert np.array_equal(a.acts.tests, b.acts.tests)
        assert np.array_equal(a.acts.icbm, b.acts.icbm)
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
    seeds = run_seeds(3, range(400))
    model = NegotiationModel(scenario=sc, seeds=seeds).run()
    roles = [a.role for a in model.order]
    assert roles == ["washington", "pyongyang", "patron", "patron", "ally", "ally"]
    # the second patron's lax enforcement and the second ally's dialogue reach the world
    alone = NegotiationModel(scenario=trump_oh, seeds=seeds).run()
    assert (model.state.pressure < alone.state.pressure).mean() > 0.5
    assert [n for n, _ in model.acts.spoilers] == ["beijing", "moscow"]
    assert [n for n, _ in model.acts.dialogues] == ["seoul", "tokyo"]


# ------------------------------------------------ bookkeeping on hand-built worlds

T = talks_rules.Talks


def _world(scenario, n=4, **stance):
    """A model before its first month, with every world's draws fixed by seed."""
    model = NegotiationModel(scenario=scenario, seeds=run_seeds(11, range(n)), **stance)
    model.month = 1
    model.acts = Acts()
    for name, dtype in (("bold", bool), ("bold_kind", np.int64), ("tests", np.int64),
                        ("icbm", np.int64), ("irbm", np.int64), ("nuclear", np.int64),
                        ("military", bool), ("breach", bool), ("willing", bool)):
        setattr(model.acts, name, np.zeros(n, dtype))
    return model


def test_a_new_deal_grants_its_relief(trump_oh):
    m = _world(trump_oh, washington__relief_form="targeted_reversible")
    s = m.state
    before = s.sanctions.copy()
    old = np.array([T.WORKING, T.SUMMIT, T.WORKING, T.AGREEMENT])
    s.talks = np.array([T.AGREEMENT, T.AGREEMENT, T.WORKING, T.AGREEMENT])
    m.old_talks = old
    m._relief()
    size = m.constants.value("relief_targeted")
    assert m.acts.relief.new_deal.tolist() == [True, True, False, False]
    assert s.deal.tolist() == [True, True, False, False]
    assert s.relief.tolist() == [True, True, False, False]
    assert s.sanctions == pytest.approx(before - size * np.array([1, 1, 0, 0]))


def test_collapse_snaps_reversible_relief_back_but_not_a_package(trump_oh):
    for form, snaps in (("targeted_reversible", True), ("package", False)):
        m = _world(trump_oh, n=2, washington__relief_form=form)
        s = m.state
        s.deal[:], s.relief[:] = True, True
        s.relief_size[:] = 0.3
        s.sanctions[:] = 0.4
        old = np.array([T.AGREEMENT, T.AGREEMENT])
        s.talks = np.array([T.COLLAPSE, T.AGREEMENT])
        m.old_talks = old
        m._relief()
        assert m.acts.relief.snap_back.tolist() == [snaps, False], form
        assert s.sanctions[0] == pytest.approx(0.7 if snaps else 0.4), form
        assert s.deal.tolist() == [False, True] and s.relief.tolist() == [False, True]


def test_time_limited_relief_lapses_after_a_test_and_is_renewed_otherwise(trump_oh):
    m = _world(trump_oh, n=2, washington__relief_form="partial_time_limited")
    s = m.state
    due = int(m.constants.value("relief_renewal_months"))
    s.talks = old = np.array([T.AGREEMENT, T.AGREEMENT])
    s.deal[:], s.relief[:] = True, True
    s.relief_size[:] = 0.3
    s.sanctions[:] = 0.5
    s.relief_months[:] = due - 1  # becomes due this month
    s.tests_since_relief[:] = [0, 2]
    m.old_talks = old
    m._relief()
    assert m.acts.relief.lapse.tolist() == [False, True]
    assert s.relief.tolist() == [True, False]
    assert s.sanctions == pytest.approx([0.5, 0.8])
    assert s.relief_months[0] == 0  # renewed: the clock restarts


def test_a_bold_relief_move_grants_unilateral_relief_once(trump_oh):
    m = _world(trump_oh, n=3)
    s = m.state
    m.acts.bold = np.array([True, True, False])
    m.acts.bold_kind = np.array([0, 1, 0])  # 0 = sanctions_relief
    before = s.sanctions.copy()
    s.talks = old = np.array([T.WORKING, T.WORKING, T.WORKING])
    m.old_talks = old
    m._relief()
    assert m.acts.relief.bold_relief.tolist() == [True, False, False]
    assert s.sanctions[0] == pytest.approx(before[0] - m.constants.value("bold_relief"))
    assert s.relief.tolist() == [True, False, False] and not s.deal.any()


def test_tallies_count_entries_months_and_firsts(trump_oh):
    m = _world(trump_oh, n=3)
    s = m.state
    m.month = 5
    old = np.array([T.NO_CONTACT, T.WORKING, T.SUMMIT])
    s.talks = np.array([T.WORKING, T.SUMMIT, T.COLLAPSE])
    s.talks_months[:] = [0, 3, 6]
    m.acts.tests = np.array([2, 0, 1])
    m.old_talks = old
    m._tally()
    assert s.first_talks_month.tolist() == [5, 5, 0]
    assert s.talks_months.tolist() == [0, 4, 0]
    assert s.months_in_talks.tolist() == [1, 1, 0]
    assert s.summit_held.tolist() == [False, True, False]
    assert s.collapses.tolist() == [0, 0, 1]
    # engagement is Pyongyang preferring talks (its margin), not entering them
    assert s.engaged.tolist() == [False, False, False]
    assert s.tests.tolist() == [2, 0, 1]
    m.month = 6
    s.talks = np.array([T.WORKING, T.SUMMIT, T.COLLAPSE])
    m.old_talks = s.talks.copy()
    m._tally()
    assert s.first_talks_month.tolist() == [5, 5, 0]  # the first month stays
    assert s.collapses.tolist() == [0, 0, 1]  # staying in COLLAPSE is not a new collapse


def test_a_crisis_is_force_or_a_nuclear_test_whatever_the_tension(trump_oh):
    m = _world(trump_oh, n=3)
    s = m.state
    s.talks = old = np.zeros(3, np.int64)
    m.acts.military = np.array([True, False, False])
    m.acts.nuclear = np.array([0, 1, 0])
    s.tension = np.array([0.1, 0.1, 1.0])  # a tension at its top is not by itself a crisis
    m.old_talks = old
    m._tally()
    assert s.crisis.tolist() == [True, True, False]


def test_monthly_order_and_lags(trump_oh):
    """Washington moves before Pyongyang; patron press acts from the next month."""
    m = NegotiationModel(scenario=trump_oh, seeds=run_seeds(2, range(200)),
                         washington__sequencing="phased")
    assert [a.role for a in m.order][:2] == ["washington", "pyongyang"]
    assert not m.state.press.any()
    m.step()
    assert m.state.press.any()  # computed in month 1, read by Pyongyang in month 2
    assert np.array_equal(m.state.press, np.broadcast_to(m.acts.press, (200,)))


def test_a_bold_opener_is_an_offer(trump_oh):
    m = NegotiationModel(scenario=trump_oh, seeds=run_seeds(4, range(500)),
                         washington__bold_move_rate=1.0, washington__outreach_rate=0.0,
                         shocks__us_crisis_rate=0.0)
    m.step()
    assert m.acts.bold.all() and m.acts.offer.all()
    assert (m.state.bold_credit > 0).all()


def test_conditions_fire_per_world_once_from_the_next_month(trump_oh):
    seeds = run_seeds(6, range(3000))
    sc = with_values(trump_oh, {"pyongyang.icbm_share": 0.5, "world.capability": 0.95})
    m = NegotiationModel(scenario=sc, seeds=seeds)
    rate = m.washington.stance["bold_move_rate"].copy()
    m.step()
    fired = m.fired[0].copy()
    mirv = (m.acts.icbm > 0) & (
        m.state.capability >= m.constants.value("multiple_warhead_capability"))
    assert fired.any() and np.array_equal(fired, mirv)
    now = m.washington.stance["bold_move_rate"]
    assert (now[fired] == 0).all() and np.array_equal(now[~fired], rate[~fired])
    m.run()
    assert not m.acts.bold[m.fired[0]].any()


def test_a_fired_condition_is_narrated(trump_oh):
    sc = with_values(trump_oh, {"pyongyang.icbm_share": 1.0, "world.capability": 0.95,
                                "pyongyang.test_month_rate": 1.0})
    model = NegotiationModel(scenario=sc, seed=3).run()
    assert model.fired[0][0]
    lines = model.narrator.lines()
    (line,) = [x for x in lines if "In answer (test), from next month" in x]
    # told after the test it answers, not before it
    assert line.index("launches") < line.index("In answer (test)")


def test_a_nuclear_breach_is_told_as_a_nuclear_test(trump_oh):
    """A nuclear test crosses a multiple-warhead ICBM line: the sentence says it was the
    nuclear test (not an ICBM) and names the line in words."""
    sc = with_values(trump_oh, {"pyongyang.nuclear_test_rate": 0.2})
    text = "\n".join(NegotiationModel(scenario=sc, seed=3).run().narrator.lines())
    assert ("The nuclear test crosses Washington's red line (an ICBM with multiple warheads, "
            "or a nuclear test): Washington adds sanctions") in text
    assert "(multiple warhead icbm)" not in text and "sanctions tighten" not in text


def test_release_forgets_the_model_in_mesas_registry(trump_oh):
    import mesa

    model = NegotiationModel(scenario=trump_oh, seed=1)
    ids = getattr(mesa.Agent, "_ids", None)
    model.release()
    if isinstance(ids, dict):
        assert model not in ids


@pytest.mark.parametrize("when,expected", [
    ({"kind": "test"}, [True, True, False, False]),
    ({"kind": "test", "test_class": "irbm"}, [False, True, False, False]),
    ({"kind": "test", "test_class": "icbm"}, [True, False, False, False]),
    ({"kind": "test", "test_class": "multiple_warhead_icbm"}, [True, False, False, False]),
    ({"kind": "nuclear_test"}, [False, False, True, False]),
    ({"kind": "summit"}, [False, True, False, False]),
    ({"kind": "collapse"}, [False, False, True, False]),
    ({"kind": "deal"}, [False, False, False, True]),
    ({"kind": "relief_granted"}, [True, False, False, True]),
    ({"kind": "bold_move"}, [True, False, False, False]),
    ({"kind": "tension_above", "level": 0.5}, [False, False, True, True]),
    ({"kind": "months", "from": "2021-05"}, [True, True, True, True]),
    ({"kind": "months", "from": "2021-06"}, [False, False, False, False]),
    ({"kind": "test", "until": "2021-04"}, [False, False, False, False]),
    ({"kind": "test", "until": "2021-05"}, [True, True, False, False]),  # until is inclusive
])
def test_every_trigger_kind_reads_the_month(trump_oh, when, expected):
    from parley.scenario import Trigger

    m = _world(trump_oh, n=4)
    m.month = 5  # 2021-05
    s, a = m.state, m.acts
    old = np.array([T.WORKING, T.WORKING, T.SUMMIT, T.WORKING])
    s.talks = np.array([T.WORKING, T.SUMMIT, T.COLLAPSE, T.AGREEMENT])
    a.tests, a.icbm = np.array([1, 2, 0, 0]), np.array([1, 0, 0, 0])
    a.irbm, a.nuclear = np.array([0, 1, 0, 0]), np.array([0, 0, 1, 0])
    s.capability = np.full(4, 0.99)
    a.bold = np.array([True, False, False, False])
    no = np.zeros(4, bool)
    a.relief = ReliefMonth(new_deal=np.array([False, False, False, True]), bold_relief=a.bold,
                           snap_back=no, lapse=no)
    s.tension = np.array([0.2, 0.5, 0.7, 0.9])
    got = m._triggered(Trigger.model_validate(when), old)
    assert got.tolist() == expected and got.dtype == bool


# ------------------------------------ direction checks of issue 9 (common random numbers)


def _paired(scenario, n, **kw):
    return NegotiationModel(scenario=scenario, seeds=run_seeds(13, range(n)), narrate=False,
                            **kw).run().outcomes()


def test_more_leverage_sensitivity_never_lowers_tests_or_crises(scenario_dir):
    """Issue 9: the old symmetric multiplier made sensitivity lower Biden's tests and crises."""
    biden = scenario_dir / "biden.yaml"
    low = _paired(biden, 3000, pyongyang__leverage_sensitivity=0.0)
    high = _paired(biden, 3000, pyongyang__leverage_sensitivity=3.0)
    # the multiplier is >= 1 and grows with sensitivity, so every world tests at least as
    # often month by month until histories part; in the mean the rise is large (~+10 tests)
    assert high["tests"].mean() > low["tests"].mean() + 5
    diff = high["crisis"].astype(float) - low["crisis"].astype(float)
    assert diff.mean() - 3.29 * diff.std(ddof=1) / np.sqrt(len(diff)) > 0


def test_a_less_demanding_precondition_never_lowers_talks(trump_oh):
    """More US flexibility on the ladder: P(talks) does not fall (paired, 3000 worlds)."""
    rates = [_paired(trump_oh, 3000, washington__relief_precondition=w)["talks_resumed"].mean()
             for w in ("substantial_disarmament", "verifiable_irreversible_steps",
                       "nuclear_and_missile_freeze", "fissile_freeze")]
    assert all(b >= a for a, b in itertools.pairwise(rates)), rates
    assert rates[-1] > rates[0] + 0.1


def test_a_crisis_elsewhere_is_started_only_in_its_first_month(trump_oh):
    m = _world(trump_oh, n=4)
    s = m.state
    m.shocks = {**m.shocks, "us_crisis_rate": np.array([1.0, 1.0, 1.0, 0.0]),
                "us_crisis_months": np.array([1.0, 4.0, 4.0, 4.0])}
    s.crisis_left = np.array([0.0, 2.0, 1.0, 0.0])
    m._world_shocks()
    # a one-month crisis starts in world 0; 1 and 2 only count down; world 3 has no crises
    assert s.crisis_left.tolist() == [1.0, 1.0, 0.0, 0.0]
    assert m.acts.crisis_started.tolist() == [True, False, False, False]


def test_a_freeze_is_broken_by_a_nuclear_test_and_by_missiles_from_its_rung(trump_oh):
    a = {"nuclear": np.array([1, 0, 0, 0]), "tests": np.array([0, 1, 1, 0]),
         "icbm": np.array([0, 0, 1, 0])}
    below = _world(trump_oh, washington__relief_precondition="fissile_freeze")
    broken = lambda m: talks_rules.freeze_violated(  # noqa: E731
        m.washington.stance, m.constants.talks, a["tests"], a["icbm"], a["nuclear"])
    assert broken(below).tolist() == [True, False, True, False]
    above = _world(trump_oh, washington__relief_precondition="nuclear_and_missile_freeze")
    assert broken(above).tolist() == [True, True, True, False]


def test_a_fired_condition_stays_fired_in_later_months(trump_oh):
    m = _world(trump_oh, n=2)
    s, a = m.state, m.acts
    s.capability = np.full(2, 0.99)
    a.tests, a.icbm = np.array([1, 0]), np.array([1, 0])
    old = s.talks.copy()
    m.old_talks = old
    m._apply_conditions()
    assert m.fired[0].tolist() == [True, False]
    m.month = 2  # now the other world fires: the first stays fired, and is not re-applied
    m.washington.stance["bold_move_rate"][0] = 0.25
    a.tests, a.icbm = np.array([1, 1]), np.array([1, 1])
    m.old_talks = old
    m._apply_conditions()
    assert m.fired[0].tolist() == [True, True]
    assert m.washington.stance["bold_move_rate"].tolist() == [0.25, 0.0]


def test_a_summit_condition_fires_on_a_new_summit_only(trump_oh):
    from parley.scenario import Condition

    m = _world(trump_oh, n=3)
    m.conditions = [Condition.model_validate(
        {"when": {"kind": "summit"}, "actor": "washington", "set": {"outreach_rate": 0.0},
         "note": "test condition", "assumption": "a hand-built condition"})]
    m.fired = np.zeros((1, 3), bool)
    old = np.array([T.SUMMIT, T.WORKING, T.WORKING])
    m.state.talks = np.array([T.SUMMIT, T.SUMMIT, T.WORKING])
    m.old_talks = old
    m._apply_conditions()
    assert m.fired[0].tolist() == [False, True, False]


def _without_patrons_and_allies(scenario):
    from parley.scenario import build_scenario

    raw = dict(scenario.resolved)
    keep = ("washington", "pyongyang")
    raw["actors"] = {k: v for k, v in raw["actors"].items() if k in keep}
    raw["events"] = [e for e in raw.get("events", []) if e["actor"] in keep]
    raw["conditions"] = [c for c in raw.get("conditions", []) if c["actor"] in keep]
    return build_scenario(raw)


def test_without_patrons_or_allies_their_channels_are_empty(trump_oh):
    m = NegotiationModel(scenario=_without_patrons_and_allies(trump_oh),
                         seeds=run_seeds(3, range(50)))
    before = m.state.tension.copy()
    m.step()
    s, a = m.state, m.acts
    # no ally: no inter-Korean contact enters this month's tension
    assert s.tension == pytest.approx(tension.update_tension(
        before, C.tension, a.tests, a.icbm, a.nuclear, talks_rules.in_talks(s.talks),
        np.zeros(50, bool), a.bold, a.military))
    assert s.press.dtype == float and not s.press.any()
    assert s.lifeline.dtype == float and not s.lifeline.any()
    assert s.ally_push.dtype == float and not s.ally_push.any()
    assert s.dialogue.dtype == bool and not s.dialogue.any()
    # nothing left unenforced: pressure is the nominal sanctions less evasion
    assert s.pressure == pytest.approx(s.sanctions * (1.0 - s.evasion))


def test_release_can_be_called_twice(trump_oh):
    model = NegotiationModel(scenario=trump_oh, seed=1)
    model.release()
    model.release()


def test_outcome_record_gives_plain_values_and_none_without_talks(trump_oh):
    m = NegotiationModel(scenario=trump_oh, seeds=run_seeds(5, range(40))).run()
    out = m.outcomes()
    talked = int(np.flatnonzero(out["talks_resumed"])[0])
    silent = int(np.flatnonzero(~out["talks_resumed"])[0])
    rec = m.outcome_record(talked)
    assert rec["first_talks_month"] == int(out["first_talks_month"][talked]) > 0
    state = talks_rules.Talks(out["final_talks_state"][talked])
    assert rec["final_talks_state"] == state.name.lower()
    assert rec["final_talks_state"] in {t.name.lower() for t in talks_rules.Talks}
    assert m.outcome_record(silent)["first_talks_month"] is None


# ------------------------------------------------------ actors on hand-built worlds


def test_an_event_sets_numbers_per_world_and_keeps_choices_as_they_are(trump_oh):
    m = _world(trump_oh, n=3)
    m.washington.set_stance({"outreach_rate": 1, "personal_diplomacy": False,
                             "sanctions_policy": "tighten"})
    st = m.washington.stance
    assert isinstance(st["outreach_rate"], np.ndarray) and st["outreach_rate"].tolist() == [1.0] * 3
    assert st["personal_diplomacy"] is False and st["sanctions_policy"] == "tighten"


def test_washington_tightens_up_to_full_sanctions_and_not_under_a_deal(trump_oh):
    m = _world(trump_oh, n=3, washington__sanctions_policy="tighten")
    s = m.state
    s.sanctions = np.array([1.0, 0.5, 0.5])
    s.deal = np.array([False, False, True])
    m.washington.step()
    assert s.sanctions == pytest.approx([1.0, 0.5 + m.constants.value("tighten_step"), 0.5])


def test_washington_eases_with_progress_only_in_talks_and_not_below_zero(trump_oh):
    m = _world(trump_oh, n=3, washington__sanctions_policy="ease_with_progress")
    s = m.state
    s.sanctions = np.array([0.0, 0.5, 0.5])
    s.talks = np.array([T.WORKING, T.SUMMIT, T.NO_CONTACT])
    m.washington.step()
    assert s.sanctions == pytest.approx([0.0, 0.5 - m.constants.value("ease_step"), 0.5])


def test_pyongyang_draws_each_decision_from_its_named_stream(trump_oh):
    # the stream names are public: `parley drivers` reports each decision by this name
    m = _world(trump_oh, n=300, pyongyang__test_month_rate=1.0)
    m.washington.step()
    m.pyongyang.step()
    a = m.acts
    want_icbm, want_irbm = provocation.classify_tests(m.draws.uniform("pyongyang.icbm", 1),
                                            m.draws.uniform("pyongyang.irbm", 1),
                                            a.tests, m.pyongyang.stance)
    assert a.irbm.sum() > 0
    assert np.array_equal(a.icbm, want_icbm) and np.array_equal(a.irbm, want_irbm)


def _two_patrons(scenario):
    from parley.scenario import build_scenario

    raw = dict(scenario.resolved)
    raw["actors"] = {**raw["actors"], "moscow": {**raw["actors"]["beijing"]}}
    return build_scenario(raw)


def test_patrons_add_up_and_a_spoiler_enforces_in_full_while_talks_move(trump_oh):
    m = _world(_two_patrons(trump_oh), n=2, washington__sequencing="phased")
    s, c = m.state, m.constants.patrons
    s.us_china = np.full(2, 1.0)  # both patrons are spoilers
    s.talks = np.array([T.WORKING, T.NO_CONTACT])
    s.sanctions = np.array([0.0, 0.5])
    stances = [p.stance for p in m.actors_of("patron")]
    for patron in m.actors_of("patron"):
        patron.step()
    spoiler = np.ones(2, bool)
    # in talks a spoiler still enforces in full; outside it keeps only its spoiler share
    assert m.acts.unenforced[0] == pytest.approx(
        sum(st["influence"][0] * (st["enforcement"][0] - 1.0) for st in stances))
    assert m.acts.unenforced == pytest.approx(
        sum(patrons.unenforced(st, c, spoiler, s.talks) for st in stances))
    assert m.acts.lifeline == pytest.approx(sum(st["influence"] for st in stances))
    # a spoiler's UN easing never takes nominal sanctions below zero
    push = sum(st["un_easing_push"] for st in stances)
    assert s.sanctions[0] == 0.0 and s.sanctions[1] == pytest.approx(max(0.5 - push[1], 0.0))
    m2 = _world(_two_patrons(trump_oh), n=2, washington__sequencing="phased")
    for patron in m2.actors_of("patron"):
        patron.step()  # not spoilers at the start: both press Pyongyang
    press = [patrons.presses_pyongyang(p.stance, m2.washington.stance, c, np.zeros(2, bool))
             for p in m2.actors_of("patron")]
    assert (press[0] > 0).all() and (press[1] > 0).all()
    assert m2.acts.press == pytest.approx(press[0] + press[1])


def test_a_dynamics_range_is_sampled_once_per_world_and_a_value_stays_a_float(trump_oh):
    sc = with_values(trump_oh, {"dynamics.summit_p": [0.1, 0.3], "dynamics.derail_p": 0.4})
    m = NegotiationModel(scenario=sc, seeds=run_seeds(8, range(200)))
    drawn = m.constants.value("summit_p")
    assert drawn.shape == (200,) and ((drawn >= 0.1) & (drawn <= 0.3)).all()
    assert len(np.unique(drawn)) == 200
    assert drawn == pytest.approx(0.1 + 0.2 * m.draws.uniform("range:dynamics.summit_p", 0))
    assert m.constants.value("derail_p") == 0.4 and isinstance(m.constants.value("derail_p"), float)


def test_a_summit_condition_from_a_month_ignores_a_summit_already_running(trump_oh):
    from parley.scenario import build_scenario

    raw = dict(trump_oh.resolved)
    raw["conditions"] = [{"when": {"kind": "summit", "from": "2021-06"}, "actor": "washington",
                          "set": {"outreach_rate": 0.0}, "note": "test condition",
                          "assumption": "a hand-built condition"}]
    m = NegotiationModel(scenario=build_scenario(raw), seeds=run_seeds(9, range(3000)),
                         washington__summit_requires_working_level=False)
    fired_at = np.zeros(3000, np.int64)
    new_summit_at = np.zeros(3000, np.int64)
    while m.running:
        old = m.state.talks.copy()
        m.step()
        new = (m.state.talks == T.SUMMIT) & (old != T.SUMMIT) & (new_summit_at == 0)
        new_summit_at[new & (m.month >= 6)] = m.month
        fired_at[(fired_at == 0) & m.fired[0]] = m.month
    ongoing = (fired_at == 0) & (new_summit_at == 0)
    assert (fired_at > 0).any()
    assert np.array_equal(fired_at, new_summit_at)  # only a summit that begins from June
    assert ongoing.any()


# ------------------------------------------------ construction and Mesa's contract


def test_the_default_scenario_is_oh_s_second_trump_term(monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    assert NegotiationModel(seed=1).spec.name == "trump_oh"


def test_an_unseeded_model_draws_its_run_seed_from_mesas_generator(trump_oh):
    model = NegotiationModel(scenario=trump_oh)
    assert model.seeds.shape == (1,) and 0 <= int(model.seeds[0]) < 2**63


def test_the_seed_also_seeds_mesas_own_generator(trump_oh):
    want = np.random.default_rng(5).random()
    assert NegotiationModel(scenario=trump_oh, seed=5).rng.random() == want
    assert NegotiationModel(scenario=trump_oh, rng=5).rng.random() == want


def test_seed_zero_is_valid_and_a_negative_seed_is_refused_with_a_reason(trump_oh):
    assert NegotiationModel(scenario=trump_oh, seeds=np.array([0, 1])).n_worlds == 2
    with pytest.raises(ValueError, match=r"^seeds must be non-negative integers below 2\*\*63$"):
        NegotiationModel(scenario=trump_oh, seeds=np.array([3, -1]))


def test_only_a_single_world_is_narrated_unless_asked(trump_oh):
    many = run_seeds(1, range(3))
    assert NegotiationModel(scenario=trump_oh, seed=1).narrator is not None
    assert NegotiationModel(scenario=trump_oh, seed=1, narrate=False).narrator is None
    assert NegotiationModel(scenario=trump_oh, seeds=many).narrator is None
    assert NegotiationModel(scenario=trump_oh, seeds=many, narrate=True).narrator is not None


def test_stream_seeds_reach_the_models_draws(trump_oh):
    seeds, other = run_seeds(1, range(5)), run_seeds(2, range(5))
    plain = NegotiationModel(scenario=trump_oh, seeds=seeds)
    frozen = NegotiationModel(scenario=trump_oh, seeds=seeds,
                              stream_seeds={"pyongyang.accept": other})
    assert not np.array_equal(plain.draws.uniform("pyongyang.accept", 1),
                              frozen.draws.uniform("pyongyang.accept", 1))
    assert np.array_equal(plain.draws.uniform("washington.offer", 1),
                          frozen.draws.uniform("washington.offer", 1))


def test_a_shock_range_is_sampled_from_its_named_stream(trump_oh):
    sc = with_values(trump_oh, {"shocks.us_crisis_rate": [0.01, 0.05]})
    m = NegotiationModel(scenario=sc, seeds=run_seeds(8, range(100)))
    u = m.draws.uniform("range:shocks.us_crisis_rate", 0)
    assert m.shocks["us_crisis_rate"] == pytest.approx(0.01 + u * (0.05 - 0.01))


def test_the_collected_series_are_the_monthly_means_of_the_worlds(trump_oh):
    m = NegotiationModel(scenario=trump_oh, seeds=run_seeds(4, range(300)))
    for _ in range(3):
        m.step()
    row = m.datacollector.get_model_vars_dataframe().iloc[-1]
    s = m.state
    assert row["tension"] == pytest.approx(s.tension.mean())
    assert row["sanctions_pressure"] == pytest.approx(s.pressure.mean())
    assert row["us_china_tension"] == pytest.approx(s.us_china.mean())
    assert row["talks_state"] == pytest.approx(s.talks.mean())
    assert row["in_talks"] == pytest.approx(talks_rules.in_talks(s.talks).mean())
    assert row["provocations"] == pytest.approx(m.acts.tests.mean())


def test_pressure_never_goes_negative_however_much_patrons_leave_unenforced(trump_oh):
    m = _world(_two_patrons(trump_oh), n=2)
    m.state.sanctions = np.full(2, 0.8)
    m.state.evasion = np.zeros(2)
    got = sanctions.effective_pressure(m.state.sanctions, m.state.evasion,
                                       np.array([-1.6, -0.25]))
    assert got == pytest.approx([0.0, 0.6])


def test_relief_bookkeeping_counts_tests_resets_on_a_grant_and_leaves_others_at_zero(trump_oh):
    m = _world(trump_oh, n=4, washington__relief_form="partial_time_limited")
    s, a = m.state, m.acts
    due = int(m.constants.value("relief_renewal_months"))
    # world 0: relief in force, 2 tests this month; world 1: a new deal; world 2: no relief,
    # an old relief size and a clock that would be due; world 3: no relief, a stale clock
    s.talks = np.array([T.AGREEMENT, T.AGREEMENT, T.NO_CONTACT, T.NO_CONTACT])
    old = np.array([T.AGREEMENT, T.SUMMIT, T.NO_CONTACT, T.NO_CONTACT])
    s.deal = np.array([True, False, False, False])
    s.relief = np.array([True, False, False, False])
    s.relief_size = np.array([0.2, 0.0, 0.3, 0.0])
    s.relief_months = np.array([1, 0, due, 1])
    s.tests_since_relief = np.array([1, 3, 1, 0])
    s.sanctions = np.array([0.5, 0.5, 0.5, 0.5])
    a.tests = np.array([2, 0, 0, 0])
    m.old_talks = old
    m._relief()
    assert s.tests_since_relief.tolist() == [3, 0, 1, 0]
    assert s.relief_months.tolist() == [2, 0, 0, 0]  # no relief, no clock
    assert not m.acts.relief.lapse[2] and s.sanctions[2] == 0.5


def test_relief_that_snaps_back_never_lifts_sanctions_above_full(trump_oh):
    m = _world(trump_oh, n=1, washington__relief_form="targeted_reversible")
    s = m.state
    s.deal[:], s.relief[:] = True, True
    s.relief_size[:] = 0.3
    s.sanctions[:] = 0.9
    s.talks = np.array([T.COLLAPSE])
    m.old_talks = np.array([T.AGREEMENT])
    m._relief()
    assert m.acts.relief.snap_back[0] and s.sanctions[0] == 1.0


def test_the_hurting_stalemate_only_fades_in_a_month_of_talks(trump_oh):
    """The model hands the ripeness rule this month's talks: in a month that ends in talks
    the stalemate only fades (x stalemate_memory), whatever the tension; outside it can grow."""
    from parley.rules.talks import in_talks
    from parley.worlds import Worlds

    seen = {"grew": 0, "hot_talking": 0}
    before = {}

    def check(w):
        s = w.state
        if before:
            talking, memory = in_talks(s.talks), w.constants.value("stalemate_memory")
            assert s.stalemate[talking] == pytest.approx(before["stalemate"][talking] * memory)
            hot = talking & (s.tension > w.constants.value("ripe_tension"))
            seen["hot_talking"] += int(hot.sum())
            seen["grew"] += int((s.stalemate[~talking] > before["stalemate"][~talking]).sum())
        before["stalemate"] = s.stalemate.copy()

    w = Worlds(trump_oh, seeds=run_seeds(5, range(2000)), world_values={
        "dynamics.ripe_tension": np.full(2000, 0.5)})  # crisis-level tension is common
    check(w)
    w.run(after_month=check)
    # the check bit: worlds in talks at crisis-level tension, and stalemates growing outside
    assert seen["hot_talking"] > 100 and seen["grew"] > 100, seen


def test_a_run_stopped_at_a_month_goes_on_as_one_run(trump_oh):
    """``run(months=k)`` stops after month k (never past the horizon); going on from there
    gives the worlds of one uninterrupted run."""
    from parley.worlds import Worlds

    seeds = run_seeds(9, range(300))
    part = Worlds(trump_oh, seeds=seeds).run(months=7)
    assert part.month == 7
    whole = Worlds(trump_oh, seeds=seeds).run()
    assert whole.month == whole.horizon
    part.run(months=whole.horizon + 5)
    assert part.month == whole.horizon
    for name, got in part.outcomes().items():
        assert np.array_equal(got, whole.outcomes()[name]), name


def test_a_released_kernel_holds_no_per_world_array(trump_oh):
    """``release`` drops every per-world array of a finished kernel and of its actors, so a
    worker stepping many kernels frees each at once (not at the cyclic collector's turn)."""
    from parley.worlds import Worlds

    w = Worlds(trump_oh, seeds=run_seeds(3, range(50))).run()
    actors = list(w.actors.values())
    assert all(vars(a) for a in actors)
    w.release()
    assert not [a for a in actors if vars(a)]
    per_world = ("state", "acts", "draws", "constants", "world", "shocks", "fired",
                 "world_values", "start_pressure", "old_talks")
    assert not set(per_world) & set(vars(w))
    # what is left is small: the seeds (8 bytes a world, the run's identity) and scalars
    assert [name for name, value in vars(w).items() if isinstance(value, np.ndarray)] == [
        "seeds"]


def test_a_numpy_integer_seed_is_the_same_run_and_a_bad_seed_names_itself(trump_oh):
    # sweeps and Mesa's batch_run hand numpy integers: they must seed exactly as an int
    a = NegotiationModel(scenario=trump_oh, seed=np.int64(17)).run().outcome_record()
    assert a == NegotiationModel(scenario=trump_oh, seed=17).run().outcome_record()
    with pytest.raises(ScenarioError) as err:
        NegotiationModel(scenario=trump_oh, seed=2.5)
    assert err.value.problems == ["seed 2.5: must be a whole number in [0, 2**63)"]


def test_moscows_treaty_lowers_the_start_pressure_and_adds_its_lifeline():
    # the live term's Moscow holds the 2024 treaty; set it to 0.5 or to none
    live = Path(__file__).resolve().parents[1] / "scenarios" / "live" / "trump_2025.yaml"
    seeds = run_seeds(8, range(40))
    held = NegotiationModel(scenario=live, seeds=seeds, moscow__treaty_lifeline=0.5)
    none = NegotiationModel(scenario=live, seeds=seeds, moscow__treaty_lifeline=0.0)
    assert held.state.lifeline - none.state.lifeline == pytest.approx(np.full(40, 0.5))
    # less pressure wherever there was any to dent (a world drawn without sanctions has none)
    bite = none.start_pressure > 0
    assert bite.sum() > 30 and (held.start_pressure[bite] < none.start_pressure[bite]).all()
    assert (held.start_pressure[~bite] == 0).all()
    # per-world values reach the same rule through the model's keyword
    values = np.linspace(0.0, 0.6, 40)
    each = NegotiationModel(scenario=live, seeds=seeds,
                            world_values={"moscow.treaty_lifeline": values})
    assert each.state.lifeline - none.state.lifeline == pytest.approx(values)
