"""The hindcast over the whole record: every term simulated month by month and scored.

``hindcast_record(scenarios, runs, seed)`` refuses scenarios whose events are not
exogenous (:func:`leak_problems`), records each term's monthly paths
(:mod:`parley.experiments.monthly`), sets them beside the record
(:func:`parley.analysis.records.term_record`) and scores them
(:func:`parley.analysis.record_scores.score_record`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from parley.analysis import records
from parley.analysis.record_scores import TermPaths, score_record
from parley.experiments.monthly import record_paths
from parley.outcomes import DEFAULT_SEED
from parley.scenario import EXOGENOUS_EVENT_KINDS, Scenario, ScenarioError, require_runnable
from parley.scenario_files import load_scenario, scenario_files, shipped_scenarios_dir

#: Folders of the shipped hindcast and live scenarios, inside the shipped scenarios folder.
SHIPPED_FOLDERS: tuple[str, ...] = ("hindcast", "live")
DEFAULT_RUNS = 2_000


def shipped_scenario_folders() -> list[Path]:
    """The shipped hindcast and live folders (scenario_files.shipped_scenarios_dir: package
    data when installed, the checkout's scenarios/ otherwise).  ScenarioError if absent."""
    folders = [shipped_scenarios_dir() / f for f in SHIPPED_FOLDERS]
    if not all(f.is_dir() for f in folders):
        raise ScenarioError([f"hindcast: shipped scenarios not found in {folders[0].parent} "
                             "(a broken install?); name the scenario files or folders"])
    return folders


def leak_problems(scenario: Scenario) -> list[str]:
    """One line per event that is not an exogenous change (a hindcast refuses these)."""
    where = scenario.path or scenario.name
    allowed = ", ".join(EXOGENOUS_EVENT_KINDS)
    problems = []
    for i, ev in enumerate(scenario.events):
        if ev.kind is None:
            problems.append(f"{where}: events.{i}.kind: a hindcast event must declare its kind "
                            f"(allowed: {allowed})")
        elif ev.kind not in EXOGENOUS_EVENT_KINDS:
            problems.append(f"{where}: events.{i}.kind: {ev.kind!r} ({ev.month}, {ev.note}) is "
                            f"a decision, not an exogenous change; a hindcast allows only "
                            f"{allowed}")
    return problems


def _record_problems(scenario: Scenario) -> list[str]:
    start, first, last = scenario.horizon.start, "1993-01", str(records.panel_last_month())
    if first <= start <= last:
        return []
    return [f"{scenario.path or scenario.name}: horizon.start: {start} has no record to score "
            f"against (the talks panel covers {first}..{last})"]


def load_hindcasts(paths: list[str | Path] | None = None) -> list[Scenario]:
    """Hindcast scenarios from files or folders (default: the shipped ones), in term order.

    Raises ScenarioError listing every invalid or leaking file.
    """
    files = scenario_files(list(paths) if paths else shipped_scenario_folders())
    scenarios, problems = [], []
    for f in files:
        try:
            sc = require_runnable(load_scenario(f))
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        problems.extend(leak_problems(sc) + _record_problems(sc))
        scenarios.append(sc)
    if not files:
        problems.append(f"hindcast: no scenario files in {', '.join(map(str, paths or []))}")
    if problems:
        raise ScenarioError(problems)
    return sorted(scenarios, key=lambda s: (s.horizon.start, s.name))


def term_paths(scenario: Scenario, runs: int, seed: int) -> TermPaths:
    """One term simulated from the record's state the month before it, beside its record."""
    start, months = scenario.horizon.start, scenario.horizon.months
    sim = record_paths(scenario, runs, seed, records.state_before(start))
    obs = records.term_record(start, months)
    return TermPaths(scenario.name, scenario.resolved.get("title", scenario.name), start,
                     sim.talks, sim.tests, obs["in_talks"].to_numpy(bool),
                     obs["tests"].to_numpy(int))


def hindcast_record(scenarios: list[Scenario], runs: int = DEFAULT_RUNS,
                    seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """Scores of every term against the record (see :func:`score_record`), plus settings."""
    if runs < 2:
        raise ValueError("runs must be at least 2")
    terms = [term_paths(sc, runs, seed) for sc in scenarios]
    result = score_record(terms)
    result.update({"runs": runs, "seed": seed,
                   "panel_last_month": str(records.panel_last_month())})
    return result
