"""The terms of the record: one type and one loader, with the checks that keep a
hindcast from knowing its outcome.

A :class:`Term` is a hindcast (or live) scenario beside the record of its months:
whether the US and North Korea were in talks each month, how many missiles were
tested, and the record's talks state the month before the term began.
:func:`load_terms` is the only loader, used by the hindcast, the calibration and
the forecast.  It refuses (one :class:`~parley.errors.ScenarioError` line per
problem) a scenario whose events are decisions (:func:`leak_problems`), whose
stances cite statements from inside or after the term (:func:`date_problems`),
or that the record does not cover.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from parley.analysis import records
from parley.errors import ScenarioError, printable
from parley.scenario import (
    EXOGENOUS_EVENT_KINDS,
    STATEMENT_EVENT_KIND,
    Scenario,
    month_label,
)

#: The shipped hindcast and live folders, inside the shipped scenarios folder.
SHIPPED_FOLDERS: tuple[str, ...] = ("hindcast", "live")
#: Whether citations dated inside or after their term refuse a hindcast file (docs/
#: PROVENANCE.md).  Off until every shipped hindcast file carries its sources' dates.
ENFORCE_SOURCE_DATES = True


@dataclass(frozen=True)
class Term:
    """One presidential term: its scenario, and the record of the months observed so far."""

    scenario: Scenario
    start_state: str  # the record's talks state the month before the term
    obs_talks: np.ndarray  # bool, one per observed month: the panel's state is not "none"
    obs_tests: np.ndarray  # int, missiles tested in each observed month

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def title(self) -> str:
        return self.scenario.title

    @property
    def start(self) -> str:
        return self.scenario.horizon.start

    @property
    def months(self) -> int:
        """The term's length in months (the scenario's horizon)."""
        return self.scenario.horizon.months

    @property
    def observed(self) -> int:
        """Months of the term the record covers so far."""
        return len(self.obs_talks)

    @property
    def censored(self) -> bool:
        """Whether the term is still running (the record stops before its end)."""
        return self.observed < self.months

    @property
    def start_in_talks(self) -> bool:
        """Whether the record had the parties in talks the month before the term."""
        return self.start_state != "none"

    @property
    def coding(self) -> int:
        """Pyongyang's threshold coding from the year before the term: -1 lower half, 0 the
        whole scale (mixed), 1 upper half (:func:`parley.analysis.baselines.coding_of`)."""
        from parley.analysis.baselines import coding_of

        return coding_of(self.scenario.actors["pyongyang"].stances["attitude_threshold"].value)

    @property
    def cutoff(self) -> str:
        """The last month of the term the record covers (YYYY-MM)."""
        return month_label(self.start, self.observed)


def leak_problems(scenario: Scenario) -> list[str]:
    """One line per event that is not an exogenous change (a hindcast refuses these).

    A ``statement`` (a party's stated position) is the record to date of a live
    term; in a completed term it would be the outcome's own evidence.
    """
    where = scenario.path or scenario.name
    allowed = ", ".join(EXOGENOUS_EVENT_KINDS)
    problems = []
    for i, ev in enumerate(scenario.events):
        if ev.kind is None:
            problems.append(f"{where}: events.{i}.kind: a hindcast event must declare its kind "
                            f"(allowed: {allowed})")
        elif ev.kind not in (*EXOGENOUS_EVENT_KINDS, STATEMENT_EVENT_KIND):
            problems.append(f"{where}: events.{i}.kind: {ev.kind!r} ({ev.month}, {ev.note}) is "
                            f"a decision, not an exogenous change; a hindcast allows only "
                            f"{allowed}")
    return problems


def earliest_day(date: str) -> dt.date:
    """The first day a date of YYYY, YYYY-MM or YYYY-MM-DD may mean."""
    parts = [int(p) for p in date.split("-")] + [1, 1]
    return dt.date(parts[0], parts[1], parts[2])


def _citations(scenario: Scenario) -> Iterable[tuple[str, object]]:
    """(where, provenanced entry) of every stance and condition of a scenario."""
    for path, stance, _ in scenario.stances():
        yield path, stance
    for i, cond in enumerate(scenario.conditions):
        yield f"conditions.{i}", cond


def date_problems(scenario: Scenario) -> list[str]:
    """Citations dated on or after the first day of the term (docs/PROVENANCE.md).

    A stance (and a condition) must rest on what was said before the term
    began; events of an exogenous kind and a live term's statements may be
    dated in the term (:func:`statement_problems`).
    """
    where = scenario.path or scenario.name
    start = earliest_day(scenario.horizon.start)
    problems = []
    for path, entry in _citations(scenario):
        cited = entry.cited
        if cited is not None and cited.when and earliest_day(cited.when) >= start:
            problems.append(f"{where}: {path}.{entry.provenance}.date: {cited.when} is not "
                            f"before the term ({scenario.horizon.start}); a hindcast stance "
                            "rests on what was said before the term began")
    return problems


def statement_problems(scenario: Scenario, cutoff: str | None) -> list[str]:
    """``statement`` events (a live term's record to date) dated after ``cutoff``, the
    record's last month, or in a term the record covers whole (``cutoff`` None)."""
    where = scenario.path or scenario.name
    problems = []
    for i, ev in enumerate(scenario.events):
        if ev.kind != STATEMENT_EVENT_KIND:
            continue
        if cutoff is None:
            problems.append(f"{where}: events.{i}.kind: a 'statement' belongs to a live term's "
                            "record to date; in a completed term it would be the outcome's "
                            "own evidence")
        elif ev.month > cutoff:
            problems.append(f"{where}: events.{i}.month: {ev.month} is after the record's last "
                            f"month ({cutoff})")
    return problems


def _record_problems(scenario: Scenario) -> list[str]:
    start, first, last = scenario.horizon.start, "1993-01", str(records.panel_last_month())
    if first <= start <= last:
        return []
    return [f"{scenario.path or scenario.name}: horizon.start: {start} has no record to score "
            f"against (the talks panel covers {first}..{last})"]


def term_of(scenario: Scenario) -> Term:
    """A scenario beside its record (the months the record covers so far)."""
    observed = records.term_record(scenario.horizon.start, scenario.horizon.months)
    return Term(scenario, records.state_before(scenario.horizon.start),
                observed["in_talks"].to_numpy(dtype=bool),
                observed["tests"].to_numpy(dtype=np.int64))


def term_problems(scenario: Scenario) -> list[str]:
    """Why a scenario cannot be a term of the record (empty when it can)."""
    problems = leak_problems(scenario) + _record_problems(scenario)
    if problems:
        return problems
    term = term_of(scenario)
    problems = statement_problems(scenario, term.cutoff if term.censored else None)
    return problems + (date_problems(scenario) if ENFORCE_SOURCE_DATES else [])


def shipped_term_folders() -> list[Path]:
    """The shipped hindcast and live folders (package data, or the checkout's)."""
    from parley.scenario_files import shipped_scenarios_dir

    root = shipped_scenarios_dir()
    folders = [root / f for f in SHIPPED_FOLDERS]
    missing = [str(f) for f in folders if not f.is_dir()]
    if missing:
        raise ScenarioError([f"hindcast: shipped scenarios not found ({', '.join(missing)}); "
                             "name the scenario files or folders"])
    return folders


def load_terms(paths: Sequence[str | Path | Scenario] | None = None, *,
               completed_only: bool = False, names: Sequence[str] | None = None) -> list[Term]:
    """The terms of hindcast scenarios (files, folders or Scenarios; default: the shipped
    ones), in start order.  Raises ScenarioError listing every invalid or leaking file.

    ``completed_only`` leaves out terms still running (a fit never sees them);
    ``names`` keeps only the terms named (each must be there).
    """
    from parley.scenario import require_runnable
    from parley.scenario_files import load_scenario, scenario_files

    given = list(paths) if paths else shipped_term_folders()
    scenarios = [p for p in given if isinstance(p, Scenario)]
    named = [Path(p) for p in given if not isinstance(p, Scenario)]
    problems = [f"{printable(str(p), 200)}: no such file or folder of hindcast scenarios"
                for p in named if not p.exists()]
    files = scenario_files([p for p in named if p.exists()])
    for f in files:
        try:
            scenarios.append(require_runnable(load_scenario(f)))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if not scenarios and not problems:
        problems.append(f"hindcast: no scenario files in {', '.join(map(str, given))}")
    terms = []
    for sc in scenarios:
        found = term_problems(sc)
        problems.extend(found)
        if not found and (names is None or sc.name in names):
            terms.append(term_of(sc))
    if names is not None:
        missing = sorted(set(names) - {t.name for t in terms})
        problems += [f"hindcast: no term named {n}" for n in missing]
    if completed_only:
        terms = [t for t in terms if not t.censored]
        if not terms and not problems:
            problems.append(f"{', '.join(map(str, given))}: no completed term (every term "
                            "is still running)")
    if problems:
        raise ScenarioError(problems)
    return sorted(terms, key=lambda t: (t.start, t.name))
