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
    ({"washington.no_such_stance": np.zeros(10)}, "no stance or constant at"),
    ({"dynamics.no_such_constant": np.zeros(10)}, "no stance or constant at"),
])
def test_bad_world_values_are_refused(batch, values, words):
    with pytest.raises(ValueError, match=words):
        simulate(batch[0][0], run_seeds(1, range(10)), world_values=values)


def test_a_failing_run_in_a_fused_group_is_still_named(batch, monkeypatch):
    """A group that raises runs block by block, so the failing run is found and the other
    draws' results are those of their own blocks."""
    group = tasks(batch, 0, 20)[:3]
    bad_seed = int(run_seeds(7, [5])[0])
    real = E.simulate

    def flaky(scenario, seeds, record=None, **kw):
        if bad_seed in seeds and scenario.name == "biden":
            raise RuntimeError("boom")
        return real(scenario, seeds, record, **kw)

    monkeypatch.setattr(E, "simulate", flaky)
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
