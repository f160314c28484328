"""The one run engine: seeded chunks of runs on any executor, written in a fixed order.

Every command that runs the model many times (run, compare, hindcast, sweep)
cuts its work into numbered tasks; each task is one ``NegotiationModel``
stepping a chunk of worlds at once (:func:`simulate_runs`).  Results are
written strictly in task order whatever order workers finish them in
(:func:`write_in_order`), so files are byte-identical for any number of
workers, and an interrupted job resumes from the last task written.

A batch (:class:`Batch`) is a list of scenarios run on the same run indices
(so run *i* of every scenario uses the same seed: common random numbers),
chunk-major then scenario.  Sweeps (``experiments.sweep``) use the same
pieces with design points in place of scenarios.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from parley import defaults
from parley.analysis.stats import Aggregate
from parley.experiments.executors import Executor
from parley.experiments.simulate import MonthlyLevels, Outcomes, Recorder, simulate
from parley.outcomes import KINDS, OUTCOMES
from parley.randomness import run_seeds
from parley.results.store import ResultsStore
from parley.rules.talks import Talks
from parley.scenario import Scenario, build_scenario, with_values

DEFAULT_CHUNK = defaults.CHUNK

log = logging.getLogger("parley.experiments.engine")


@dataclass(frozen=True)
class ChunkTask:
    """Runs ``first_run .. first_run + n - 1`` of one scenario (by its resolved mapping).

    In a hindcast the scenario is a term's (``scenario_index`` its index among the terms).
    """

    seq: int
    scenario_index: int
    resolved: dict[str, Any]
    first_run: int
    n: int
    master_seed: int
    draw: int | None = None  # the parameter draw (its overrides are in ``resolved``)
    start_state: str = "none"  # a hindcast term's: the record's state the month before it


@dataclass
class ChunkResult:
    seq: int
    scenario_index: int
    first_run: int
    n: int
    rows: bytes
    aggregate: Aggregate
    errors: list[dict[str, Any]] = field(default_factory=list)
    draw: int | None = None


_SCENARIO_CACHE: dict[str, Scenario] = {}


def scenario_from_resolved(resolved: dict[str, Any]) -> Scenario:
    """The Scenario of a resolved mapping (as tasks carry it), built once per worker."""
    key = repr(sorted(resolved.items()))
    if key not in _SCENARIO_CACHE:
        _SCENARIO_CACHE.clear()
        _SCENARIO_CACHE[key] = build_scenario(dict(resolved), resolved.get("name", "scenario"))
    return _SCENARIO_CACHE[key]


def simulate_runs(scenario: Scenario, first_run: int, n: int, master_seed: int,
                  monthly: bool = True):
    """Runs ``first_run .. first_run + n - 1``: their indices, seeds, outcomes, tallies, errors.

    A chunk that raises is re-run world by world, so that only the failing
    runs are dropped (and named in the errors).  ``monthly=False`` skips the
    monthly fan-chart tallies (sweeps do not report them).
    """
    runs = np.arange(first_run, first_run + n)
    seeds = run_seeds(master_seed, runs)
    agg = Aggregate(scenario.horizon.months)
    errors: list[dict[str, Any]] = []
    try:
        out = _outcomes(scenario, seeds, agg if monthly else None)
    except Exception:
        out, agg, runs, seeds, errors = run_one_by_one(scenario, runs, seeds)
    if len(runs):
        agg.add_outcomes(out)
    return runs, seeds, out, agg, errors


def run_chunk(task: ChunkTask) -> ChunkResult:
    """Worker entry point of a batch: one chunk of one scenario, as CSV rows and tallies."""
    scenario = scenario_from_resolved(task.resolved)
    runs, seeds, out, agg, errors = simulate_runs(scenario, task.first_run, task.n,
                                                  task.master_seed)
    for err in errors:
        if task.draw is not None:
            err["draw"] = task.draw
    return ChunkResult(task.seq, task.scenario_index, task.first_run, task.n,
                       format_rows(scenario.name, runs, seeds, out, task.draw), agg, errors,
                       task.draw)


def write_in_order(executor: Executor, worker: Callable[[Any], Any], tasks: Iterable[Any],
                   first_seq: int, write: Callable[[Any], None]) -> None:
    """Run ``tasks`` (numbered by ``.seq`` from ``first_seq``) and ``write`` results in order.

    Results that arrive early wait in memory; ``write`` sees task ``first_seq``,
    then ``first_seq + 1``, and so on, as soon as each can be written.  ``first_seq``
    documents where the tasks begin (the order is the tasks' own).
    """
    for result in executor.map_ordered(worker, tasks):
        write(result)


def log_run_errors(errors: list[dict[str, Any]], where: str) -> None:
    """One log line per failed run (the runs are left out of the results)."""
    for err in errors:
        log.error("run %s (seed %s) of %s failed: %s", err["run"], err["seed"], where,
                  err["error"])


def _outcomes(scenario: Scenario, seeds: np.ndarray,
              aggregate: Aggregate | None) -> dict[str, np.ndarray]:
    """The outcome record of every world, its monthly levels folded into ``aggregate``."""
    record: dict[str, Recorder] = {"outcomes": Outcomes()}
    if aggregate is not None:
        record["monthly"] = MonthlyLevels(aggregate)
    return simulate(scenario, seeds, record)["outcomes"]


def run_one_by_one(scenario, runs, seeds):
    """Re-run a failed chunk world by world to name the runs that raise."""
    agg = Aggregate(scenario.horizon.months)
    parts, errors = [], []
    for run, seed in zip(runs, seeds, strict=True):
        single = Aggregate(scenario.horizon.months)
        try:
            parts.append(_outcomes(scenario, np.array([seed]), single))
        except Exception as exc:
            errors.append({"scenario": scenario.name, "run": int(run), "seed": int(seed),
                           "error": f"{type(exc).__name__}: {exc}"})
            continue
        agg.merge(single)  # monthly tallies only; outcomes are added by the caller
    out = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]} if parts else {}
    mask = np.isin(runs, [e["run"] for e in errors], invert=True)
    return out, agg, runs[mask], seeds[mask], errors


def format_rows(name: str, runs: np.ndarray, seeds: np.ndarray,
                out: dict[str, np.ndarray], draw: int | None = None) -> bytes:
    """The chunk's lines of runs.csv (see outcomes.RUNS_HEADER), as bytes.

    With a parameter ``draw``, its number follows the scenario's name
    (outcomes.RUNS_HEADER_WITH_DRAW); without one the row has no draw column.
    """
    if not len(runs):
        return b""
    keys = [np.full(len(runs), name)]
    if draw is not None:
        keys.append(np.full(len(runs), str(draw)))
    cols = [*keys, runs.astype(str), seeds.astype(str),
            *(_csv_column(k, out[k]) for k in OUTCOMES)]
    lines = map(",".join, zip(*(c.tolist() for c in cols), strict=True))
    return ("\n".join(lines) + "\n").encode()


def _csv_column(name: str, values: np.ndarray) -> np.ndarray:
    """One outcome as runs.csv spells it, by its kind (see parley.outcomes)."""
    kind = KINDS[name]
    if kind == "level":
        return np.char.mod("%.6f", values)
    if kind == "month":  # 0 means talks never resumed: an empty cell
        return np.where(values > 0, values.astype(str), "")
    if kind == "state":
        return np.array([s.name.lower() for s in Talks])[values]
    return values.astype(np.int64).astype(str)


# ------------------------------------------------------------------ batch


@dataclass
class Batch:
    """A batch in a results folder: scenarios, seeds, chunking, and progress so far."""

    scenarios: list[Scenario]
    master_seed: int
    store: ResultsStore
    chunk: int = DEFAULT_CHUNK
    done_runs: int = 0
    aggregates: list[Aggregate] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    next_seq: int = 0
    _skip: int = 0  # tasks of a half-done chunk row already on disk (after restore)
    # parameter draws (keyword overrides, ``actor__param``); empty: the scenarios as they are
    draws: list[dict[str, float]] = field(default_factory=list)

    def __post_init__(self):
        if not self.aggregates:
            self.aggregates = [Aggregate(s.horizon.months) for s in self.scenarios]
        self._variants = draw_variants(self.scenarios, self.draws)

    @property
    def tasks_per_chunk_row(self) -> int:
        """Tasks per block of worlds: one per scenario and parameter draw."""
        return len(self.scenarios) * max(1, len(self.draws))

    def tasks(self, target_runs: int) -> Iterator[ChunkTask]:
        """The chunks not yet written, up to ``target_runs``, chunk-major, made lazily."""
        return self._tasks(self.done_runs, target_runs, self.next_seq - self._skip,
                           self.next_seq)

    def _tasks(self, done_runs: int, target_runs: int, seq: int,
               first_unwritten: int) -> Iterator[ChunkTask]:
        for first in range(done_runs, target_runs, self.chunk):
            n = min(self.chunk, target_runs - first)
            for draw, resolved in self._variants:
                for i, mapping in enumerate(resolved):
                    if seq >= first_unwritten:
                        yield ChunkTask(seq, i, mapping, first, n, self.master_seed, draw)
                    seq += 1

    def restore(self, records: list[dict[str, Any]]) -> None:
        """Rebuild progress from the chunk records of an interrupted batch.

        Records are a prefix of the task order (chunk-major, then draw, then
        scenario), because chunks are written strictly in that order.
        """
        for rec in records:
            self.aggregates[rec["scenario_index"]].merge(Aggregate.from_json(rec["aggregate"]))
            self.errors += rec.get("errors", [])
        self.next_seq = len(records)
        per_row = self.tasks_per_chunk_row
        complete = records[: len(records) - len(records) % per_row]
        self.done_runs = max((r["first_run"] + r["n"] for r in complete), default=0)
        self._skip = len(records) % per_row

    def execute(self, executor: Executor, target_runs: int,
                progress: Callable[[int], None] | None = None) -> None:
        """Run chunks up to ``target_runs``, writing each in order as soon as it can."""
        first_seq = self.next_seq
        tasks = self.tasks(target_runs)

        def write(res: ChunkResult) -> None:
            self._write(res)
            if progress:
                progress(res.n)

        write_in_order(executor, run_chunk, tasks, first_seq, write)
        self._skip = 0
        self.done_runs = max(self.done_runs, target_runs)

    def _write(self, res: ChunkResult) -> None:
        record = {"seq": res.seq, "scenario_index": res.scenario_index,
                  "scenario": self.scenarios[res.scenario_index].name,
                  "first_run": res.first_run, "n": res.n,
                  "aggregate": res.aggregate.to_json(), "errors": res.errors}
        if res.draw is not None:
            record["draw"] = res.draw
        self.store.append(res.rows, record)
        self.aggregates[res.scenario_index].merge(res.aggregate)
        self.next_seq = res.seq + 1
        log_run_errors(res.errors, res.errors[0]["scenario"] if res.errors else "")
        self.errors += res.errors

    def max_half_width(self) -> float:
        return max(a.max_half_width() for a in self.aggregates)


def draw_variants(scenarios: list[Scenario], draws: list[dict[str, float]]
                  ) -> list[tuple[int | None, list[dict[str, Any]]]]:
    """Per parameter draw, every scenario's resolved mapping with the draw's values set.

    Without draws: one entry, draw None, the scenarios as they are.  A value
    a scenario does not have is a ScenarioError naming the draw's parameter.
    """
    if not draws:
        return [(None, [sc.resolved for sc in scenarios])]
    out = []
    for k, overrides in enumerate(draws):
        values = {name.replace("__", "."): v for name, v in overrides.items()}
        out.append((k, [with_values(sc, values, f"parameter draw {k}").resolved
                        for sc in scenarios]))
    return out


def runs_for_precision(current: int, half_width: float, target: float, cap: int) -> int:
    """Runs needed so the widest 95% interval shrinks to ``target`` (half-width ~ 1/sqrt(n)).

    Whole runs, not whole chunks: the last chunk is cut short.  At least 5%
    (and 100 runs) more than ``current``, so that a near miss does not creep
    on one run at a time.  The answer depends only on the runs written so
    far, so it is the same for any number of workers.
    """
    need = math.ceil(current * (half_width / target) ** 2 * 1.05)
    return int(min(max(need, current + max(100, current // 20)), cap))
