"""Parameter draws of one block stepped in one model (issue 23): the results are those of
stepping each draw on its own, bit for bit, and the groups stay within their bounds.

A batch with draws cuts each scenario's worlds into blocks of ``runs // K`` worlds per
draw; stepping each (block, draw) alone pays the model's fixed cost a month K times
(19,000 worlds per CPU-second at 1,000 worlds a model against 53,000 at 10,000, measured
side by side). ``run_draws`` gives one model the draws' values as per-world values; a
world must still get exactly what its own draw's model gives it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from parley import defaults, load_scenario
from parley.errors import ScenarioError
from parley.experiments import engine as E
from parley.experiments.batch import BatchOptions, draw_values, parameter_uncertainty
from parley.experiments.simulate import simulate
from parley.randomness import run_seeds
from parley.scenario import with_values

ROOT = Path(__file__).resolve().parents[1]
NAMES = ("trump_oh", "biden", "sanders", "trump_yeo")
LIVE = ROOT / "scenarios" / "live" / "trump_2025.yaml"


@pytest.fixture(scope="module")
def batch():
    """Four shipped scenarios and the live one (Moscow, a caretaker Seoul, dated events),
    with six of the default batch's parameter draws."""
    scenarios = [load_scenario(ROOT / "scenarios" / f"{n}.yaml") for n in NAMES]
    scenarios.append(load_scenario(LIVE))
    draws = draw_values(scenarios, parameter_uncertainty(scenarios, BatchOptions(runs=2000)))
    return scenarios, draws[:6]


def tasks(batch, first_run: int, n: int) -> tuple[E.BlockTask, ...]:
    scenarios, draws = batch
    camps = ((0, 1), (2, 3))
    return tuple(E.BlockTask(seq, first_run, n, 7, seq, tuple(s.resolved for s in scenarios),
                             tuple(values), camps) for seq, values in enumerate(draws))


def as_plain(res: E.BlockResult) -> dict:
    return {"rows": res.rows, "aggregates": [json.dumps(a.to_json()) for a in res.aggregates],
            "pairs": res.pairs, "camps": res.camps, "errors": res.errors,
            "meta": (res.seq, res.first_run, res.n, res.draw)}


def test_fused_draws_give_each_draws_own_results_bit_for_bit(batch):
    group = tasks(batch, 40, 150)
    fused = E.run_draws(group)
    alone = [E.run_block(task) for task in group]
    assert len(fused) == len(group)
    for got, want in zip(fused, alone, strict=True):
        assert as_plain(got) == as_plain(want)
    # the draws differ, so a group that ignored its values would fail above
    assert len({res.rows.split(b"\n")[0].split(b",", 3)[3] for res in alone}) > 1 or \
        len({json.dumps(res.aggregates[0].to_json()) for res in alone}) > 1


def test_world_values_are_the_scenario_with_that_value_set(batch):
    scenarios, draws = batch
    seeds = run_seeds(3, range(200))
    sc, values = scenarios[0], [draws[0][0], draws[1][0]]
    paths = sorted(values[0])
    fused = simulate(sc, np.tile(seeds, 2),
                     world_values={p: np.repeat([v[p] for v in values], 200) for p in paths})
    for d, v in enumerate(values):
        alone = simulate(with_values(sc, v, "test"), seeds)["outcomes"]
        for key, arr in alone.items():
            assert np.array_equal(fused["outcomes"][key][d * 200:(d + 1) * 200], arr), key


@pytest.mark.parametrize("values, words", [
    ({"washington.outreach_rate": np.zeros(3)}, "one value per world"),
    ({"washington.no_such_stance": np.zeros(10)}, "not a numeric stance"),
    ({"dynamics.no_such_constant": np.zeros(10)}, "not a numeric stance"),
    ({"washington.outreach_rate": np.full(10, 7.0)}, "must lie in"),
])
def test_bad_world_values_are_refused(batch, values, words):
    with pytest.raises(ScenarioError, match=words):
        simulate(batch[0][0], run_seeds(1, range(10)), world_values=values)


def test_a_failing_run_in_a_fused_group_is_still_named(batch, failing_run):
    """A group that raises runs block by block, so the failing run is found and the other
    draws' results are those of their own blocks."""
    group = tasks(batch, 0, 20)[:3]
    failing_run(int(run_seeds(7, [5])[0]), "biden")
    results = E.run_draws(group)
    assert [r.draw for r in results] == [0, 1, 2]
    for res in results:
        assert [(e["scenario"], e["run"]) for e in res.errors] == [("biden", 5)]
        assert res.aggregates[1].n == 19 and res.aggregates[0].n == 20


def test_groups_keep_the_same_worlds_and_their_size():
    scenarios = ({},)
    stream = [E.BlockTask(seq, first, 10, 1, seq % 4, ({},), scenarios)
              for seq, first in enumerate([0] * 4 + [10] * 4 + [20] * 2)]
    groups = list(E.draw_groups(stream, 3))
    assert [[t.seq for t in g] for g in groups] == [[0, 1, 2], [3], [4, 5, 6], [7], [8, 9]]
    assert all(len({(t.first_run, t.n) for t in g}) == 1 for g in groups)


@pytest.mark.parametrize("draws, worlds, blocks, workers", [
    (20, 1000, 1, 1), (20, 1000, 1, 2), (20, 5000, 10, 2), (20, 200, 1, 2), (7, 1000, 1, 8),
    (20, 50_000, 1, 2), (1, 1000, 1, 2), (20, 1000, 40, 2),
])
def test_a_group_fits_the_model_bound_and_leaves_every_worker_tasks(draws, worlds, blocks,
                                                                     workers):
    size = E.fused_draws(draws, worlds, blocks, workers)
    assert 1 <= size <= draws
    assert size == 1 or size * worlds <= defaults.FUSED_WORLDS
    groups = blocks * -(-draws // size)
    assert groups >= min(2 * workers, blocks * draws)  # two tasks a worker, if there are
    # as large as those bounds allow: one more draw a group breaks one of them
    bigger = size + 1
    if bigger <= draws:
        assert (bigger * worlds > defaults.FUSED_WORLDS
                or blocks * -(-draws // bigger) < min(2 * workers, blocks * draws)
                or -(-draws // bigger) == -(-draws // size))


def test_paths_are_kept_in_the_same_pass_and_match_a_second_pass(batch, monkeypatch):
    """--paths: a block's paths come from the pass that wrote its rows (no second pass over
    the worlds); they are the bytes the second pass gave (block_paths), which is now used
    only for a chunk that raised and ran world by world."""
    scenarios, _ = batch
    task = E.BlockTask(0, 30, 40, 7, None, tuple(s.resolved for s in scenarios[:2]),
                       ({}, {}), (), paths=True)
    second = b"".join(E.block_paths(s, np.arange(30, 70), run_seeds(7, range(30, 70)))
                      for s in scenarios[:2])
    calls = []
    monkeypatch.setattr(E, "block_paths", lambda *a: calls.append(a) or b"")
    res = E.run_block(task)
    assert calls == [] and res.paths == second


def test_a_hindcast_chunk_steps_its_draws_in_one_model_with_the_paths_of_one_per_draw():
    """term_chunk: world i under draw i % K, every draw in one model, gives the paths of one
    model per draw (the code before), for a term that starts inside talks and one that
    does not; the draws must matter (else the check proves nothing)."""
    from parley.analysis.terms import load_terms
    from parley.experiments import hindcast as H

    terms = {t.name: t for t in load_terms([ROOT / "scenarios" / "hindcast" / f"{n}.yaml"
                                            for n in ("obama_2009", "trump_2017")])}
    for name, term in terms.items():
        values = H.term_draws([term], 5, 11)[0]
        resolved = term.scenario.resolved
        runs = np.arange(7, 7 + 300)
        fused = H.term_chunk(resolved, term.start_state, 7, 300, 11, values)
        alone = H._paths_by_draw(resolved, runs, run_seeds(11, runs), term.start_state, values)
        point = H.term_chunk(resolved, term.start_state, 7, 300, 11)
        for got, want in zip(fused, alone, strict=True):
            assert np.array_equal(got, want), name
        assert not all(np.array_equal(a, b) for a, b in zip(fused, point, strict=True)), name


def test_a_hindcast_draw_the_model_refuses_raises_the_scenarios_own_error():
    """No scenario is built per draw in the fused chunk: a draw out of its bounds is refused
    by the model, and the chunk then runs one model per draw, whose error names the draw's
    scenario (as when every draw's scenario was built first), not the model's world_values."""
    from parley.analysis.terms import load_terms
    from parley.experiments import hindcast as H

    (term,) = load_terms([ROOT / "scenarios" / "hindcast" / "trump_2017.yaml"])
    values = [dict(v) for v in H.term_draws([term], 4, 3)[0]]
    assert "dynamics.choice_scale" in values[2]
    values[2]["dynamics.choice_scale"] = 1e9
    resolved = term.scenario.resolved
    with pytest.raises(ScenarioError) as own:
        E.scenario_variant(resolved, values[2])
    with pytest.raises(ScenarioError) as exc:
        H.term_chunk(resolved, term.start_state, 0, 40, 5, values)
    assert exc.value.problems == own.value.problems
    assert not any("world_values" in p for p in exc.value.problems)


def test_a_hindcast_term_carries_its_interval_over_draws():
    """World i ran under draw i % K: the interval over draws is the 2.5-97.5% quantiles of
    the K draws' shares (here draw 0's worlds always talk, the others never)."""
    from parley.analysis.record_scores import over_draws

    hits = np.arange(400) % 4 == 0
    lo, hi = over_draws(hits, 4)
    assert lo == 0.0 and hi == pytest.approx(1.0 - 0.025 * 3)  # numpy's linear quantile
    assert over_draws(hits, 0) == (None, None)  # the point run has none
    assert over_draws(np.ones(400, bool), 20) == (1.0, 1.0)
