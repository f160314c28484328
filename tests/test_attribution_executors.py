"""``explain`` and ``drivers --over envelope`` on the executor layer: the coalitions and
the envelope design's model calls run as tasks on worker processes, and the tables are
the same, bit for bit, whatever runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from parley.experiments import drivers as D
from parley.experiments import explain as E
from parley.experiments.executors import ProcessExecutor, SerialExecutor
from parley.scenario_files import load_scenario

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def oh_yeo():
    return (load_scenario(ROOT / "scenarios" / "trump_oh.yaml"),
            load_scenario(ROOT / "scenarios" / "trump_yeo.yaml"))


@pytest.fixture(scope="module")
def two_workers():
    with ProcessExecutor(jobs=2) as ex:
        yield ex


def test_explain_gives_the_same_table_on_worker_processes(oh_yeo, two_workers):
    a, b = oh_yeo
    alone = E.explain(a, b, runs=120, seed=3, parameter_draws=3)
    pooled = E.explain(a, b, runs=120, seed=3, parameter_draws=3,
                       map_=two_workers.map_ordered)
    assert len(alone) > 5
    pd.testing.assert_frame_equal(alone, pooled, check_exact=True)


def test_sampled_explain_runs_exactly_the_coalitions_its_orders_visit(oh_yeo, monkeypatch):
    a, b = oh_yeo
    monkeypatch.setattr(E, "EXACT_MAX", 2)  # force permutation sampling
    asked = []

    def counting_map(fn, tasks):
        for task in tasks:
            asked.append(len(task[2]))  # groups taken from B
            yield fn(task)

    table = E.explain(a, b, runs=60, seed=3, permutations=4, parameter_draws=0,
                      map_=counting_map)
    n = len(E.differing_groups(a, b))
    assert n > 2 and "sampled orders" in table["method"].iloc[0]
    assert asked.count(0) == 1 and asked.count(n) == 1  # none and all, once each
    assert len(asked) <= 2 + 4 * (n - 1)  # each of 4 orders adds at most n - 1 new ones
    pd.testing.assert_frame_equal(
        table, E.explain(a, b, runs=60, seed=3, permutations=4, parameter_draws=0))


def test_the_envelope_design_gives_the_same_indices_on_worker_processes(oh_yeo, two_workers,
                                                                       monkeypatch):
    monkeypatch.setattr(D, "ENVELOPE_CHUNK", 64)  # several tasks for a small design
    sc = oh_yeo[0]
    alone = D.envelope_drivers(sc, samples=4, worlds=16, seed=5, per_value=False)
    pooled = D.envelope_drivers(sc, samples=4, worlds=16, seed=5, per_value=False,
                                map_=two_workers.map_ordered)
    serial = D.envelope_drivers(sc, samples=4, worlds=16, seed=5, per_value=False,
                                map_=SerialExecutor().map_ordered)
    pd.testing.assert_frame_equal(alone.table, pooled.table, check_exact=True)
    pd.testing.assert_frame_equal(alone.table, serial.table, check_exact=True)
    assert alone.world_runs >= 4 * D.ENVELOPE_CHUNK  # the design did split into tasks


def test_a_workers_task_modules_load_without_pandas():
    """A worker unpickles coalition_values and _evaluate_call by importing their modules:
    pandas (about a second) loads only with the tables, in the main process."""
    code = ("import sys\nimport parley.experiments.explain, parley.experiments.drivers\n"
            "print('pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"PYTHONPATH": str(ROOT / "src"), "PATH": ""})
    assert out.stdout.strip() == "False"


def test_drivers_over_streams_gives_the_same_table_in_workers(tmp_path, capsys):
    """The pick-freeze design's k + 2 model calls run as tasks: two workers, the CLI's and
    the API's, give the table of one process bit for bit (they were refused until round 6,
    when the design ran in this process only)."""
    import parley
    from parley.cli import main

    scenario = ROOT / "scenarios" / "biden.yaml"
    serial = parley.drivers(scenario, over="streams", runs=60, executor="serial").table
    with ProcessExecutor(2) as pool:
        pooled = parley.drivers(scenario, over="streams", runs=60, executor=pool).table
    pd.testing.assert_frame_equal(pooled, serial, check_exact=True)
    for jobs, name in (("1", "one.csv"), ("2", "two.csv")):
        assert main(["drivers", str(scenario), "--over", "streams", "--runs", "60",
                     "--jobs", jobs, "--csv", str(tmp_path / name)]) == 0
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()
    assert "Traceback" not in capsys.readouterr().err
