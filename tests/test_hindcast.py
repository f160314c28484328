"""Hindcast over the whole record: leak-free scenarios, scores computed right, the command."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from parley.analysis import record_scores as S
from parley.analysis import records
from parley.analysis.terms import leak_problems, load_terms, term_of
from parley.experiments.hindcast import simulate_term
from parley.scenario import DECISION_EVENT_KINDS, EXOGENOUS_EVENT_KINDS, ScenarioError
from parley.scenario_files import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = [*sorted(p for p in (ROOT / "scenarios" / "hindcast").glob("*.yaml")
                  if p.name != "base.yaml"),
           ROOT / "scenarios" / "live" / "trump_2025.yaml"]
TERM_STARTS = [t.start for t in records.TERMS]


# ------------------------------------------------------------- leak-free scenarios


def test_one_shipped_scenario_per_term():
    starts = sorted(t.start for t in load_terms())
    assert starts == TERM_STARTS


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_event_is_exogenous(path):
    sc = load_scenario(path)
    live = path.parent.name == "live"  # the live term's record to date: dated statements
    for ev in sc.events:
        allowed = (*EXOGENOUS_EVENT_KINDS, *(("statement",) if live else ()))
        assert ev.kind in allowed, (ev.month, ev.note, ev.kind)
        assert ev.kind not in DECISION_EVENT_KINDS
    assert leak_problems(sc) == []
    assert "not outcomes" in sc.resolved["description"]


def test_the_leaked_events_named_in_issue_10_are_gone():
    trump = load_scenario(ROOT / "scenarios" / "hindcast" / "trump_2017.yaml")
    assert not any("personal_diplomacy" in ev.set for ev in trump.events)
    # his readiness to meet Kim is read from what he said before the term (May 2016)
    stance = trump.actors["washington"].stances["personal_diplomacy"]
    assert stance.value is True and stance.cited.when < "2017"
    bush = load_scenario(ROOT / "scenarios" / "hindcast" / "bush_2005.yaml")
    assert not any(ev.month == "2005-09" for ev in bush.events)
    assert all(ev.actor == "seoul" for ev in bush.events)


LEAKY = """extends: {base}
title: Leaky hindcast
camp: hindcast
horizon: {{start: "2017-01", months: 48}}
events:
  - month: "2018-03"
    actor: washington
    {kind}
    set: {{personal_diplomacy: true}}
    note: Trump accepts the summit invitation
    assumption: a decision to meet, which a hindcast must refuse
"""


@pytest.mark.slow
@pytest.mark.parametrize("kind,needle", [("kind: meet", "'meet'"), ("", "must declare its kind")])
def test_hindcast_refuses_a_decision_event(tmp_path, kind, needle):
    path = tmp_path / "leaky.yaml"
    path.write_text(LEAKY.format(base=ROOT / "scenarios" / "base.yaml", kind=kind))
    with pytest.raises(ScenarioError) as exc:
        load_terms([path])
    assert any(needle in line for line in exc.value.problems)
    proc = subprocess.run([sys.executable, "-m", "parley.cli", "hindcast", str(path),
                           "--runs", "10", "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_an_unknown_event_kind_is_one_clear_error(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(LEAKY.format(base=ROOT / "scenarios" / "base.yaml", kind="kind: summit"))
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    assert "events.0.kind" in exc.value.problems[0]


# The scores' unit tests (hand-made paths, no simulation): tests/test_record_scores.py


# ------------------------------------------------------------- the recorder


def test_recorded_paths_do_not_depend_on_chunking():
    (term,) = load_terms([ROOT / "scenarios" / "hindcast" / "trump_2017.yaml"])
    whole = simulate_term(term, 60, seed=3)
    chunked = simulate_term(term, 60, seed=3, chunk=7)
    assert np.array_equal(whole.talks, chunked.talks)
    assert np.array_equal(whole.tests, chunked.tests)
    assert whole.talks.shape == (60, 48)


def test_a_term_that_inherits_an_agreement_starts_in_talks():
    (term,) = load_terms([ROOT / "scenarios" / "hindcast" / "clinton_1997.yaml"])
    assert records.state_before("1997-01") == "agreement" == term.start_state
    inherited = simulate_term(term, 50, seed=1)
    fresh = simulate_term(replace(term, start_state="none"), 50, seed=1)
    assert inherited.talks[:, 0].all()
    assert inherited.talks.mean() > fresh.talks.mean()
    with pytest.raises(KeyError):
        simulate_term(replace(term, start_state="talks"), 5, seed=1)


# -------------------------------------------------------------- the command


@pytest.mark.slow
def test_hindcast_command_outside_the_repository(tmp_path):
    out = tmp_path / "h"
    proc = subprocess.run([sys.executable, "-m", "parley.cli", "hindcast", "--runs", "300",
                           "--out", str(out)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert "Scores over 8 completed terms" in text
    for forecaster in ("base rate (leave-one-out)", "climatology (leave-one-out)",
                       "persistence by coding", "logistic (leave-one-out)", "coin"):
        assert text.count(f"    {forecaster} ") == 2, forecaster  # one row per target
    assert "target: talks under way in the term" in text
    assert "target: a new spell of talks begins in the term" in text
    assert "floored at 0.005" in text
    assert "Rolling-origin forecasts" in text
    assert "Live forecast" in text and "trump_2025" in text and "censored" in text
    table = json.loads((out / "hindcast.json").read_text())
    assert [r["scenario"] for r in table["rows"]] == [
        "clinton_1993", "clinton_1997", "bush_2001", "bush_2005", "obama_2009", "obama_2013",
        "trump_2017", "biden_2021", "trump_2025"]
    for r in table["rows"]:
        assert 0 <= r["lo"] <= r["p_talks"] <= r["hi"] <= 1
        assert set(r["patterns"]) == set(S.PATTERNS)
    live = table["live"][0]
    assert live["lo"] <= live["p"] <= live["hi"] and live["ess"] > 10
    for name in ("hindcast_reliability.png", "hindcast_patterns.png", "hindcast_rolling.png",
                 "hindcast_terms.png"):
        assert (out / name).stat().st_size > 1000


def test_a_year_without_talks_lowers_the_forecast_of_a_north_open_to_talks(tmp_path):
    # pinned direction: conditioning on the talk-less 2025 record lowers P(talks later).
    # The shipped live file gives 0 either way (next test), so the direction is pinned on
    # the same file with Pyongyang's threshold in the lower half of the base range.
    # 1,000 worlds: SE near 0.015 on the start share (about 0.40) and near 0.025 on the
    # conditional one (effective sample about 350); the gap is about 0.15, the bound 0.05.
    path = tmp_path / "open.yaml"
    path.write_text(f"extends: {ROOT / 'scenarios' / 'live' / 'trump_2025.yaml'}\n"
                    "title: A North open to talks\nactors:\n  pyongyang:\n"
                    "    attitude_threshold: {value: [0.0, 0.65], assumption: test variant}\n")
    live = S.live_forecast(simulate_term(term_of(load_scenario(path)), 1000, seed=11))
    assert not live["talks_so_far"]
    assert live["p_at_start"] > 0.3
    assert live["p"] < live["p_at_start"] - 0.05
    assert 100 < live["ess"] < 1000


def test_the_shipped_live_term_has_no_structural_zero():
    # every route to talks is a probabilistic choice: the live term is neither shut nor sure
    sc = load_scenario(ROOT / "scenarios" / "live" / "trump_2025.yaml")
    live = S.live_forecast(simulate_term(term_of(sc), 400, seed=11))
    assert not live["talks_so_far"]
    assert 0.02 < live["p_at_start"] < 0.98


@pytest.mark.slow
@pytest.mark.parametrize("runs", ["1", "0"])
def test_too_few_runs_is_one_clear_error(tmp_path, runs):
    proc = subprocess.run([sys.executable, "-m", "parley.cli", "hindcast", "--runs", runs,
                           "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"error: --runs {runs}: allowed 2 to 200,000 (every world's "
                                   "monthly path is kept)")
    assert not (tmp_path / "out").exists()


def test_a_term_outside_the_record_is_refused(tmp_path):
    path = tmp_path / "future.yaml"
    path.write_text(f"extends: {ROOT / 'scenarios' / 'base.yaml'}\ntitle: Future term\n"
                    "camp: hindcast\nhorizon: {start: \"2029-01\", months: 48}\nevents: []\n")
    with pytest.raises(ScenarioError) as exc:
        load_terms([path])
    assert "horizon.start: 2029-01 has no record" in exc.value.problems[0]


def _imports(module_path: Path) -> set[str]:
    import ast

    tree = ast.parse(module_path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_new_modules_keep_the_layer_rules():
    src = ROOT / "src" / "parley"
    scores = _imports(src / "analysis" / "record_scores.py")
    assert not {n for n in scores if n.startswith(("mesa", "parley.model", "parley.experiments",
                                                   "parley.agents", "parley.rules"))}
    figures = _imports(src / "outputs" / "record_figures.py")
    assert not {n for n in figures if n.startswith(("mesa", "parley.model", "parley.experiments",
                                                    "parley.analysis"))}
    records = _imports(src / "analysis" / "records.py")
    assert not {n for n in records if n.startswith(("mesa", "parley"))}


# ------------------------------------------------------- the hindcast on the engine


def _hindcast(folder, jobs=1, progress=None, chunk=40):
    from parley.experiments.executors import make_executor
    from parley.experiments.hindcast import execute_hindcast, new_hindcast

    job, manifest = new_hindcast(None, 120, 5, folder, chunk)
    return execute_hindcast(job, manifest, make_executor("local", jobs), progress)


@pytest.mark.slow
def test_the_hindcast_gives_the_same_bytes_for_one_or_two_workers(tmp_path):
    _hindcast(tmp_path / "one", jobs=1)
    _hindcast(tmp_path / "two", jobs=2)
    for name in ("hindcast.json", "paths.bin", "chunks.jsonl"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


@pytest.mark.slow
def test_an_interrupted_hindcast_resumes_to_the_same_bytes(tmp_path):
    from parley.experiments.executors import SerialExecutor
    from parley.experiments.hindcast import execute_hindcast, resume_hindcast

    _hindcast(tmp_path / "whole")
    written = []

    def stop_after_ten(n):
        written.append(n)
        if len(written) == 10:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _hindcast(tmp_path / "cut", progress=stop_after_ten)
    assert not (tmp_path / "cut" / "hindcast.json").exists()
    job, manifest = resume_hindcast(tmp_path / "cut")
    assert len(job.records) == 10
    execute_hindcast(job, manifest, SerialExecutor())
    for name in ("hindcast.json", "paths.bin", "chunks.jsonl"):
        assert (tmp_path / "cut" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()


@pytest.mark.slow
def test_a_hindcast_refuses_a_used_folder_and_a_second_writer(tmp_path):
    from parley.errors import ResultsFolderError
    from parley.experiments.hindcast import new_hindcast, resume_hindcast

    _hindcast(tmp_path / "h")
    with pytest.raises(ResultsFolderError, match="already holds results"):
        new_hindcast(None, 40, 5, tmp_path / "h")
    job, _ = resume_hindcast(tmp_path / "h")  # holds the lock until closed
    with pytest.raises(ResultsFolderError, match="another parley process"):
        resume_hindcast(tmp_path / "h")
    job.store.close()


@pytest.mark.slow
def test_the_hindcast_command_resumes_and_refuses_settings_it_would_ignore(tmp_path):
    out = tmp_path / "h"
    _hindcast(out)
    first = (out / "hindcast.json").read_bytes()
    run = lambda *a: subprocess.run([sys.executable, "-m", "parley.cli", "hindcast", *a],  # noqa: E731
                                    capture_output=True, text=True, cwd=tmp_path, timeout=300)
    proc = run("--resume", str(out), "--no-plots")
    assert proc.returncode == 0, proc.stderr
    assert (out / "hindcast.json").read_bytes() == first
    proc = run("--resume", str(out), "--seed", "3")
    assert proc.returncode == 2 and "drop --seed" in proc.stderr


def test_calibration_refuses_a_leaking_term_with_the_hindcasts_message(tmp_path):
    from parley.cli import main

    leak = tmp_path / "obama_2009.yaml"
    event = ("events:\n  - {month: '2009-06', actor: washington, kind: talk, "
             "set: {outreach_rate: 1.0}, note: Talks are agreed, assumption: a leak for a test}\n")
    text = (ROOT / "scenarios" / "hindcast" / "obama_2009.yaml").read_text()
    assert "extends: base.yaml" in text and "events: []\n" in text
    (tmp_path / "base.yaml").write_text((ROOT / "scenarios" / "hindcast" / "base.yaml").read_text())
    leak.write_text(text.replace("events: []\n", event))
    (expected,) = [p for p in leak_problems(load_scenario(leak)) if "'talk'" in p]
    code = main(["calibrate", "--dynamics", "--terms", str(tmp_path), "--out",
                 str(tmp_path / "post.json")])
    assert code == 2 and not (tmp_path / "post.json").exists()
    with pytest.raises(ScenarioError) as exc:
        load_terms([tmp_path])
    assert expected in exc.value.problems
