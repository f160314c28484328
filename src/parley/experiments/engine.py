"""The one run engine: seeded chunks of runs on any executor, written in a fixed order.

Every command that runs the model many times (run, compare, hindcast, sweep)
cuts its work into numbered tasks; each task is one ``NegotiationModel``
stepping a chunk of worlds at once (:func:`simulate_runs`).  Results are
written strictly in task order whatever order workers finish them in
(:func:`write_in_order`), so files are byte-identical for any number of
workers, and an interrupted job resumes from the last task written.

A batch (:class:`Batch`) is a list of scenarios run on the same run indices
(so run *i* of every scenario uses the same seed: common random numbers), in
blocks of worlds, chunk-major then parameter draw, every scenario in each block.
Sweeps (``experiments.sweep``) and the hindcast (``experiments.hindcast``) use
the same pieces with design points or terms in place of scenarios.
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
from parley.experiments.simulate import (
    GroupedMonthlyLevels,
    MonthlyLevels,
    Outcomes,
    Paths,
    Recorder,
    simulate,
    stacked_draws,
)
from parley.outcomes import BINARY_OUTCOMES, KINDS, OUTCOMES
from parley.randomness import run_seeds
from parley.results.store import Parked, ResultsStore, Spill
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


_SCENARIO_CACHE: dict[str, Scenario] = {}
_SCENARIOS_KEPT = 32  # scenarios a worker keeps built (a compare runs every one each task)


def scenario_from_resolved(resolved: dict[str, Any]) -> Scenario:
    """The Scenario of a resolved mapping (as tasks carry it), built once per worker."""
    key = repr(sorted(resolved.items()))
    found = _SCENARIO_CACHE.get(key)
    if found is None:
        found = build_scenario(dict(resolved), resolved.get("name", "scenario"))
        if len(_SCENARIO_CACHE) >= _SCENARIOS_KEPT:
            _SCENARIO_CACHE.pop(next(iter(_SCENARIO_CACHE)))
        _SCENARIO_CACHE[key] = found
    return found


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

    Formatted a column at a time over the whole chunk, as bytes (:func:`_cells`),
    with no Python object per row; the bytes are those of :func:`format_rows_slow`
    (the plain per-row join, kept as the reference: tests/test_batch.py pins them).
    """
    if not len(runs):
        return b""
    prefix = f"{name}," + ("" if draw is None else f"{draw},")
    cells = [_int_cells(np.asarray(runs)), _int_cells(np.asarray(seeds)),
             *(_cells(k, out[k]) for k in OUTCOMES)]
    return _join_cells(prefix.encode(), cells, len(runs))


def format_rows_slow(name: str, runs: np.ndarray, seeds: np.ndarray,
                     out: dict[str, np.ndarray], draw: int | None = None) -> bytes:
    """:func:`format_rows` one string per cell, joined per row (the reference)."""
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


# A column of cells is (bytes, valid): a (rows, width) uint8 array of characters and a
# mask of those that belong to the cell (a cell shorter than the width has the rest masked
# off), so a chunk's text is every column side by side, separators between, with the
# masked-off bytes dropped: one boolean index over the chunk.
Cells = tuple[np.ndarray, np.ndarray]

_STATE_NAMES = np.array([s.name.lower().encode() for s in Talks])
_STATE_LENGTHS = np.array([len(s) for s in _STATE_NAMES])
_ZERO = ord("0")


def _cells(name: str, values: np.ndarray) -> Cells:
    """One outcome's cells, spelled as :func:`_csv_column` spells them."""
    kind = KINDS[name]
    if kind == "level":
        return _fixed6_cells(np.asarray(values, dtype=np.float64))
    if kind == "month":  # 0 means talks never resumed: an empty cell
        chars, valid = _int_cells(np.maximum(values, 0))
        return chars, valid & (values > 0)[:, None]
    if kind == "state":
        idx = np.asarray(values)
        chars = _STATE_NAMES[idx]
        width = chars.dtype.itemsize
        return (chars.view(np.uint8).reshape(len(idx), width),
                np.arange(width) < _STATE_LENGTHS[idx][:, None])
    if values.dtype == bool:
        chars = (values.astype(np.uint8) + _ZERO).reshape(-1, 1)
        return chars, np.ones(chars.shape, dtype=bool)
    return _int_cells(values.astype(np.int64))


def _int_cells(values: np.ndarray) -> Cells:
    """Integers in decimal, as ``str(int)``: digits right-aligned, leading zeros masked."""
    if values.dtype.kind not in "iub" or (values.dtype.kind == "i" and (values < 0).any()):
        return _text_cells(np.asarray(values).astype(np.int64).astype(str).tolist())
    rest = values.astype(np.uint64)
    width = max(len(str(int(rest.max()))), 1)
    chars = np.empty((len(rest), width), dtype=np.uint8)
    ten = np.uint64(10)
    for j in range(width - 1, -1, -1):
        rest, digit = np.divmod(rest, ten)
        chars[:, j] = digit
    lead = chars != 0
    lead[:, -1] = True  # zero is "0"
    first = lead.argmax(axis=1)
    chars += _ZERO
    return chars, np.arange(width) >= first[:, None]


def _fixed6_cells(values: np.ndarray) -> Cells:
    """Floats as ``"%.6f" % x``: the integer part, a point, six decimals.

    The six-decimal integer ``rint(x * 1e6)`` is exact for 0 <= x < 1000 unless
    x * 1e6 lies within 1e-6 of a half (the product's error is below 1.2e-7 there);
    those few, and any column with other values, are formatted by Python itself.
    """
    ok = np.isfinite(values) & (values >= 0) & (values < 1000) & ~np.signbit(values)
    if not ok.all():
        return _text_cells(np.char.mod("%.6f", values).tolist())
    scaled = values * 1e6
    micro = np.rint(scaled)
    near_half = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
    micro = micro.astype(np.int64)
    for i in np.flatnonzero(near_half):
        micro[i] = int(f"{float(values[i]):.6f}".replace(".", ""))
    whole, frac = np.divmod(micro, 1_000_000)
    w_chars, w_valid = _int_cells(whole)
    f_chars = np.empty((len(values), 7), dtype=np.uint8)
    f_chars[:, 0] = ord(".")
    rest = frac
    for j in range(6, 0, -1):
        rest, digit = np.divmod(rest, 10)
        f_chars[:, j] = digit + _ZERO
    return (np.hstack([w_chars, f_chars]),
            np.hstack([w_valid, np.ones(f_chars.shape, dtype=bool)]))


def _text_cells(texts: list[str]) -> Cells:
    """Cells from Python strings (ASCII), left-aligned."""
    chars = np.array([t.encode() for t in texts])
    width = max(chars.dtype.itemsize, 1)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    return (chars.view(np.uint8).reshape(len(texts), width) if len(texts) else
            np.zeros((0, width), np.uint8), np.arange(width) < lengths[:, None])


def _join_cells(prefix: bytes, columns: list[Cells], rows: int) -> bytes:
    """``prefix`` then the columns' cells, comma-separated, one line per row."""
    width = len(prefix) + sum(chars.shape[1] + 1 for chars, _ in columns)
    text = np.empty((rows, width), dtype=np.uint8)
    keep = np.ones((rows, width), dtype=bool)
    text[:, :len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    at = len(prefix)
    for i, (chars, valid) in enumerate(columns):
        w = chars.shape[1]
        text[:, at:at + w] = chars
        keep[:, at:at + w] = valid
        text[:, at + w] = ord("\n") if i == len(columns) - 1 else ord(",")
        at += w + 1
    return text[keep].tobytes()


# ------------------------------------------------------------------ batch


@dataclass(frozen=True)
class BlockTask:
    """Worlds ``first_run .. first_run + n - 1`` under one parameter draw, every scenario.

    Every scenario of a batch runs on the same worlds in one task, so the task
    also returns what needs the pairing of worlds across scenarios (paired
    differences, camp averages): common random numbers, summed as it goes.
    ``values`` holds, per scenario, the draw's values by path (empty: as it is).
    """

    seq: int
    first_run: int
    n: int
    master_seed: int
    draw: int | None
    resolved: tuple[dict[str, Any], ...]
    values: tuple[dict[str, float], ...]
    camps: tuple[tuple[int, ...], ...] = ()
    paths: bool = False  # --paths: also return every world's monthly paths


@dataclass
class BlockResult:
    seq: int
    first_run: int
    n: int
    draw: int | None
    rows: bytes | Parked  # Parked: waiting in the writer's spill file (Batch.execute)
    aggregates: list[Aggregate]
    pairs: list[list[float]]  # per pair i < j (row-major): sum of d, sum of d^2, worlds
    camps: list[list[float]]  # per camp: sum and sum of squares of the camp's average, worlds
    errors: list[dict[str, Any]] = field(default_factory=list)
    paths: bytes | None = None  # --paths: every scenario's monthly paths (block_paths)


_VARIANTS: dict[str, Scenario] = {}
_VARIANTS_KEPT = 64  # scenarios x draws a worker keeps built


def scenario_variant(resolved: dict[str, Any], values: dict[str, float]) -> Scenario:
    """A scenario with one parameter draw's values set, built once per worker and kept."""
    key = repr((sorted(resolved.items()), sorted(values.items())))
    found = _VARIANTS.get(key)
    if found is None:
        base = scenario_from_resolved(resolved)
        found = with_values(base, values, "parameter draw") if values else base
        if len(_VARIANTS) >= _VARIANTS_KEPT:
            _VARIANTS.pop(next(iter(_VARIANTS)))
        _VARIANTS[key] = found
    return found


def run_block(task: BlockTask) -> BlockResult:
    """Worker entry point of a batch: one block of worlds, every scenario on them."""
    parts, kept_paths = [], []
    for resolved, values in zip(task.resolved, task.values, strict=True):
        scenario = scenario_variant(resolved, values)
        if task.paths:
            *part, arrays = simulate_runs_with_paths(scenario, task.first_run, task.n,
                                                     task.master_seed)
            parts.append((scenario, *part))
            kept_paths.append(arrays)
        else:
            parts.append((scenario, *simulate_runs(scenario, task.first_run, task.n,
                                                   task.master_seed)))
    return block_result(task, parts, kept_paths or None)


def simulate_runs_with_paths(scenario: Scenario, first_run: int, n: int, master_seed: int):
    """:func:`simulate_runs` that also keeps every world's monthly paths (``--paths``) in
    the same pass: its five results and the paths (None if the chunk raised and was run
    world by world: then :func:`block_paths` steps the kept runs again)."""
    runs = np.arange(first_run, first_run + n)
    seeds = run_seeds(master_seed, runs)
    agg = Aggregate(scenario.horizon.months)
    record = {"outcomes": Outcomes(), "monthly": MonthlyLevels(agg),
              "paths": Paths(EXPORTED_PATHS)}
    try:
        seen = simulate(scenario, seeds, record)
    except Exception:
        return (*simulate_runs(scenario, first_run, n, master_seed), None)
    if len(runs):
        agg.add_outcomes(seen["outcomes"])
    return runs, seeds, seen["outcomes"], agg, [], seen["paths"]


def block_result(task: BlockTask, parts: list[tuple],
                 kept_paths: list[dict[str, np.ndarray] | None] | None = None) -> BlockResult:
    """A block's result from each scenario's (scenario, runs, seeds, outcomes, aggregate,
    errors): its rows, tallies, pair and camp sums, and paths with ``--paths`` (from
    ``kept_paths`` where the pass kept them)."""
    from parley.results.formats import encode_paths

    rows, aggregates, errors, talks, paths = [], [], [], [], []
    present = np.ones(task.n, dtype=bool)
    for i, (scenario, runs, seeds, out, agg, errs) in enumerate(parts):
        for err in errs:
            if task.draw is not None:
                err["draw"] = task.draw
        rows.append(format_rows(scenario.name, runs, seeds, out, task.draw))
        if task.paths:
            arrays = kept_paths[i] if kept_paths else None
            paths.append(block_paths(scenario, runs, seeds) if arrays is None
                         else encode_paths(runs, seeds, arrays))
        aggregates.append(agg)
        errors += errs
        full = np.zeros(task.n, dtype=float)
        kept = runs - task.first_run
        present &= np.isin(np.arange(task.n), kept)
        if len(kept):
            full[kept] = out["talks_resumed"]
        talks.append(full)
    both = np.asarray(talks)[:, present]
    return BlockResult(task.seq, task.first_run, task.n, task.draw, b"".join(rows), aggregates,
                       pair_sums(both), camp_sums(both, task.camps), errors,
                       b"".join(paths) if task.paths else None)


def run_draws(tasks: tuple[BlockTask, ...]) -> list[BlockResult]:
    """Worker entry point of a batch with parameter draws: consecutive blocks of the same
    worlds under different draws, each scenario stepped once for all of them.

    The draws' values go to one model as per-world values (``world_values``), so a world
    gets what its own draw's model would give it: the results are those of
    :func:`run_block` on each task, bit for bit (tests/test_batch.py), at the model's
    speed on ``len(tasks)`` times more worlds.  A group that raises (or keeps paths) is
    run block by block, so a failing run is still found and named.
    """
    return _stepped_together(tasks, _fused_scenario)


def _stepped_together(tasks: tuple[BlockTask, ...],
                      parts_of: Callable[[tuple[BlockTask, ...], int], list[tuple]]
                      ) -> list[BlockResult]:
    """Each task's result, every scenario stepped once for all the tasks
    (``parts_of(tasks, i)``: scenario i's parts, per task); block by block for one task,
    with paths, or when the group raises (so a failing run is still found and named)."""
    if len(tasks) == 1 or tasks[0].paths:
        return [run_block(task) for task in tasks]
    try:
        per_scenario = [parts_of(tasks, i) for i in range(len(tasks[0].resolved))]
    except Exception:
        return [run_block(task) for task in tasks]
    return [block_result(task, [part[k] for part in per_scenario])
            for k, task in enumerate(tasks)]


def _fused_scenario(tasks: tuple[BlockTask, ...], index: int) -> list[tuple]:
    """Scenario ``index`` of every task in one model: per task, the parts block_result takes."""
    first, n = tasks[0].first_run, tasks[0].n
    values = [task.values[index] for task in tasks]
    variants = [scenario_variant(task.resolved[index], v) for task, v in zip(tasks, values,
                                                                           strict=True)]
    paths = sorted(values[0])
    if any(sorted(v) != paths for v in values):
        raise ValueError("the draws set different values")
    runs = np.arange(first, first + n)
    seeds = run_seeds(tasks[0].master_seed, runs)
    all_seeds, world_values = stacked_draws(seeds, values, paths)
    base = scenario_from_resolved(tasks[0].resolved[index])
    return _groups_in_one_model(base, variants, [runs] * len(tasks), all_seeds, n,
                                world_values)


def _groups_in_one_model(model_scenario: Scenario, scenarios: list[Scenario],
                         runs: list[np.ndarray], seeds: np.ndarray, n: int,
                         world_values: dict[str, np.ndarray] | None = None) -> list[tuple]:
    """Step ``len(scenarios)`` groups of ``n`` worlds one after another in one model of
    ``model_scenario`` (``seeds``: every group's, in order); per group, the parts
    block_result takes (group g is ``scenarios[g]`` on ``runs[g]``)."""
    aggregates = [Aggregate(sc.horizon.months) for sc in scenarios]
    record = {"outcomes": Outcomes(), "monthly": GroupedMonthlyLevels(aggregates, n)}
    out = simulate(model_scenario, seeds, record, world_values=world_values)["outcomes"]
    parts = []
    for g, (scenario, agg) in enumerate(zip(scenarios, aggregates, strict=True)):
        mine = {k: v[g * n:(g + 1) * n] for k, v in out.items()}
        agg.add_outcomes(mine)
        parts.append((scenario, runs[g], seeds[g * n:(g + 1) * n], mine, agg, []))
    return parts


def run_rows(tasks: tuple[BlockTask, ...]) -> list[BlockResult]:
    """Worker entry point of a big batch: consecutive full blocks of worlds under one
    draw (:func:`row_groups`), each scenario stepped once for all of them.

    A model of ``len(tasks)`` times more worlds pays the month's fixed cost once (83,000
    worlds per CPU-second at 5,000 worlds a model, 108,000 at 20,000: benchmarks/PROFILE.md).
    A world's path depends only on its seed, so the results are those of
    :func:`run_block` on each task, bit for bit (tests/test_row_groups.py).  A group that
    raises (or keeps paths) is run block by block, so a failing run is still named.
    """
    return _stepped_together(tasks, _rows_of_scenario)


def _rows_of_scenario(tasks: tuple[BlockTask, ...], index: int) -> list[tuple]:
    """Scenario ``index`` on every task's worlds (one draw, consecutive blocks) in one
    model: per task, the parts block_result takes."""
    first, n = tasks[0].first_run, tasks[0].n
    if any(t.n != n or t.first_run != first + r * n or t.draw != tasks[0].draw
           for r, t in enumerate(tasks)):
        raise ValueError("a row group needs consecutive blocks of one size and one draw")
    scenario = scenario_variant(tasks[0].resolved[index], tasks[0].values[index])
    runs = np.arange(first, first + n * len(tasks))
    return _groups_in_one_model(scenario, [scenario] * len(tasks),
                                [runs[r * n:(r + 1) * n] for r in range(len(tasks))],
                                run_seeds(tasks[0].master_seed, runs), n)


def row_groups(tasks: Iterable[BlockTask], per_row: int, rows: int, chunk: int
               ) -> Iterator[tuple[BlockTask, ...]]:
    """The tasks of a batch (chunk-major, then draw; ``per_row`` draws a chunk row) as
    groups of ``rows`` consecutive chunk rows under one draw: per group of rows, one tuple
    per draw, in draw order.  Rows that are not whole (a short last block, or the
    half-done row a resumed batch begins with) go one task a tuple.

    The groups leave the task order: the writer puts results back in it
    (:meth:`Batch.execute`), holding at most one group of rows of results.
    """
    held: list[list[BlockTask]] = []
    row: list[BlockTask] = []
    for task in tasks:
        if row and (task.first_run, task.n) != (row[0].first_run, row[0].n):
            yield from _flush_rows(held, row)  # a row that is not whole ends a group
            held, row = [], []
        row.append(task)
        if len(row) == per_row and row[0].n == chunk:  # whole: every draw, a full block
            held.append(row)
            row = []
            if len(held) == rows:
                yield from _flush_rows(held, row)
                held = []
    yield from _flush_rows(held, row)


def _flush_rows(held: list[list[BlockTask]], row: list[BlockTask]
                ) -> Iterator[tuple[BlockTask, ...]]:
    """The whole rows held, one tuple per draw (each its blocks in row order), then the
    tasks of ``row``, which is not whole, one a tuple."""
    for d in range(len(held[0]) if held else 0):
        yield tuple(whole[d] for whole in held)
    for task in row:
        yield (task,)


def rows_per_group(rows: int, draws: int, chunk: int, workers: int) -> int:
    """How many chunk rows one task steps under one draw: up to defaults.MODEL_WORLDS
    worlds a model and defaults.ROWS_PER_TASK rows, and never so many that fewer than two
    tasks a worker are left."""
    largest = max(1, min(rows, defaults.ROWS_PER_TASK, defaults.MODEL_WORLDS // max(1, chunk)))
    while largest > 1 and -(-rows // largest) * max(1, draws) < 2 * max(1, workers):
        largest -= 1
    return largest


def draw_groups(tasks: Iterable[BlockTask], size: int) -> Iterator[tuple[BlockTask, ...]]:
    """Consecutive tasks of the same worlds (first run and count), at most ``size`` a group."""
    group: list[BlockTask] = []
    for task in tasks:
        if group and (len(group) == size or (task.first_run, task.n)
                      != (group[0].first_run, group[0].n)):
            yield tuple(group)
            group = []
        group.append(task)
    if group:
        yield tuple(group)


def fused_draws(draws: int, worlds_per_block: int, blocks: int, workers: int) -> int:
    """How many parameter draws one task steps together: up to defaults.FUSED_WORLDS worlds
    a model, and never so many that fewer than two tasks a worker are left to share."""
    if draws <= 1:
        return 1
    largest = max(1, min(draws, defaults.FUSED_WORLDS // max(1, worlds_per_block)))
    groups = max(math.ceil(draws / largest), math.ceil(2 * max(1, workers) / max(1, blocks)))
    return math.ceil(draws / min(groups, draws))  # groups of (nearly) equal size


#: the monthly levels ``--paths`` exports (the Paths recorder's fields)
EXPORTED_PATHS = ("tension", "talks_state", "pressure")


def block_paths(scenario: Scenario, runs: np.ndarray, seeds: np.ndarray) -> bytes:
    """``--paths``: the monthly paths of the runs a chunk kept, as bytes (encode_paths).

    Simulated again from the runs' seeds with a Paths recorder: a world's path depends only
    on its seed, so they are the paths of the rows the chunk wrote (tests/test_parquet.py
    checks each path's last month against runs.csv).  Used only where the chunk's own pass
    did not keep them (it raised and was run world by world).
    """
    from parley.results.formats import encode_paths

    if len(seeds):
        arrays = simulate(scenario, seeds, {"paths": Paths(EXPORTED_PATHS)})["paths"]
    else:
        arrays = {f: np.zeros((0, scenario.horizon.months)) for f in EXPORTED_PATHS}
    return encode_paths(runs, seeds, arrays)


def pair_sums(talks: np.ndarray) -> list[list[float]]:
    """Per pair of scenarios i < j: the sum of the per-world differences, of their squares,
    and the number of worlds (talks: scenarios x worlds of 0/1)."""
    out = []
    for i in range(len(talks)):
        for j in range(i + 1, len(talks)):
            d = talks[i] - talks[j]
            out.append([float(d.sum()), float((d * d).sum()), float(d.size)])
    return out


def camp_sums(talks: np.ndarray, camps: tuple[tuple[int, ...], ...]) -> list[list[float]]:
    """Per camp: the sum and sum of squares of its scenarios' per-world average, worlds."""
    out = []
    for members in camps:
        avg = talks[list(members)].mean(axis=0) if talks.shape[1] else np.zeros(0)
        out.append([float(avg.sum()), float((avg * avg).sum()), float(avg.size)])
    return out


@dataclass
class DrawTally:
    """Per parameter draw and scenario: worlds and counts of each yes/no outcome."""

    n: np.ndarray  # (draws, scenarios)
    counts: dict[str, np.ndarray]  # outcome -> (draws, scenarios)
    pairs: np.ndarray  # (draws, pairs, 3): sum d, sum d^2, worlds

    @classmethod
    def empty(cls, draws: int, scenarios: int) -> DrawTally:
        keys = (*BINARY_OUTCOMES, "talks_engaged")
        n_pairs = scenarios * (scenarios - 1) // 2
        return cls(np.zeros((draws, scenarios), np.int64),
                   {k: np.zeros((draws, scenarios), np.int64) for k in keys},
                   np.zeros((draws, n_pairs, 3)))

    def add(self, draw: int, aggregates: list[Aggregate], pairs: list[list[float]]) -> None:
        for i, agg in enumerate(aggregates):
            self.n[draw, i] += agg.n
            for k in BINARY_OUTCOMES:
                self.counts[k][draw, i] += agg.binary[k]
            self.counts["talks_engaged"][draw, i] += agg.talks_engaged
        if pairs:
            self.pairs[draw] += np.asarray(pairs, dtype=float)


@dataclass
class Batch:
    """A batch in a results folder: scenarios, seeds, chunking, draws and progress so far.

    Tasks run chunk-major, then draw: each is one block of worlds under one
    parameter draw with every scenario on it.  ``draws`` holds, per draw, the
    values (by path) of every scenario; empty for the scenarios as they are.
    """

    scenarios: list[Scenario]
    master_seed: int
    store: ResultsStore
    chunk: int = DEFAULT_CHUNK
    draws: list[tuple[dict[str, float], ...]] = field(default_factory=list)
    camps: tuple[tuple[int, ...], ...] = ()
    paths: bool = False  # --paths: the monthly paths go to formats.PATHS_LOG chunk by chunk
    done_runs: int = 0
    next_seq: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self):
        self.aggregates = [Aggregate(s.horizon.months) for s in self.scenarios]
        self.by_draw = DrawTally.empty(max(1, len(self.draws)), len(self.scenarios))
        self.camp_totals = np.zeros((len(self.camps), 3))
        self._skip = 0  # tasks of a half-done chunk row already on disk (after restore)
        self.peak_waiting = 0  # see execute

    @property
    def tasks_per_chunk_row(self) -> int:
        """Tasks per block of worlds: one per parameter draw."""
        return max(1, len(self.draws))

    def tasks(self, target_runs: int) -> Iterator[BlockTask]:
        """The blocks not yet written, up to ``target_runs`` worlds per draw, made lazily."""
        resolved = tuple(sc.resolved for sc in self.scenarios)
        plain = tuple({} for _ in self.scenarios)
        variants = list(enumerate(self.draws)) or [(None, plain)]
        seq = self.next_seq - self._skip
        for first in range(self.done_runs, target_runs, self.chunk):
            n = min(self.chunk, target_runs - first)
            for draw, values in variants:
                if seq >= self.next_seq:
                    yield BlockTask(seq, first, n, self.master_seed, draw, resolved,
                                    tuple(values), self.camps, self.paths)
                seq += 1

    def restore(self, records: list[dict[str, Any]]) -> None:
        """Rebuild progress from the chunk records of an interrupted batch (a prefix of
        the task order: chunk-major, then draw)."""
        per_row = self.tasks_per_chunk_row
        row = (0, 0)  # the worlds (first, n) of the current chunk row: every draw runs them
        for seq, rec in enumerate(records):
            aggs = [Aggregate.from_json(a) for a in rec["aggregates"]]
            if seq % per_row == 0:
                row = (sum(row), rec["n"]) if rec["first_run"] == sum(row) else (-1, -1)
            draw = seq % per_row if self.draws else None
            if (len(aggs) != len(self.scenarios) or len(rec["camps"]) != len(self.camps)
                    or rec.get("draw") != draw or (rec["first_run"], rec["n"]) != row):
                raise ValueError("a chunk record does not fit this batch")
            self._tally(rec.get("draw"), aggs, rec["pairs"], rec["camps"])
            self.errors += rec.get("errors", [])
        self.next_seq = len(records)
        complete = records[: len(records) - len(records) % per_row]
        self.done_runs = max((r["first_run"] + r["n"] for r in complete), default=0)
        self._skip = len(records) % per_row

    def execute(self, executor: Executor, target_runs: int,
                progress: Callable[[int], None] | None = None) -> None:
        """Run blocks up to ``target_runs``, writing each in order as soon as it can.

        A task steps several blocks in one model: consecutive blocks of one draw when the
        batch has several chunk rows to do (:func:`row_groups`), else a block's draws
        (:func:`draw_groups`); its results wait until every task before them is written.
        Their rows wait in a :class:`~parley.results.store.Spill` file, not in memory: a
        group of rows of every draw (40 MB of rows at 20 draws of 5,000-world chunks) grew
        this process with the run count until round 5 (``peak_waiting``: the most bytes
        of rows that were held in memory at once, the task just received included).
        """
        waiting: dict[int, BlockResult] = {}
        spill: Spill | None = None  # made when a result first has to wait

        def write(results: list[BlockResult]) -> None:
            nonlocal spill
            for res in results:
                waiting[res.seq] = res
            self.peak_waiting = max(self.peak_waiting, sum(
                len(r.rows) for r in waiting.values() if not isinstance(r.rows, Parked)))
            ready = []
            while self.next_seq + len(ready) in waiting:
                ready.append(waiting.pop(self.next_seq + len(ready)))
            for at in range(0, len(ready), defaults.WRITE_BLOCKS):  # a record is 19 kB
                part = ready[at:at + defaults.WRITE_BLOCKS]
                self._write(part)
                if spill is not None:
                    spill.taken(sum(isinstance(r.rows, Parked) for r in part))
            for res in results:  # what must wait for earlier tasks waits on disk
                if res.seq in waiting and not isinstance(res.rows, Parked):
                    try:
                        spill = spill or Spill(self.store.folder)
                        res.rows = spill.park(res.rows)
                    except OSError:  # a full disk: they wait in memory, as before round 5
                        log.debug("the rows of chunk %s wait in memory", res.seq)
            if progress:
                for res in ready:
                    progress(res.n * len(self.scenarios))

        worker, groups = self._groups(target_runs, executor.workers)
        try:
            write_in_order(executor, worker, groups, self.next_seq, write)
        finally:
            if spill is not None:
                spill.close()
        self._skip = 0
        self.done_runs = max(self.done_runs, target_runs)

    def _groups(self, target_runs: int, workers: int
                ) -> tuple[Callable[[Any], list[BlockResult]], Iterator[tuple[BlockTask, ...]]]:
        """The worker entry point and the task groups it runs (see :meth:`execute`)."""
        rows = max(0, math.ceil((target_runs - self.done_runs) / self.chunk))
        per_row = self.tasks_per_chunk_row
        if not self.paths and (by := rows_per_group(rows, per_row, self.chunk, workers)) > 1:
            return run_rows, row_groups(self.tasks(target_runs), per_row, by, self.chunk)
        size = fused_draws(len(self.draws), min(self.chunk, target_runs), max(1, rows),
                           workers) if self.draws else 1
        return run_draws, draw_groups(self.tasks(target_runs), size)

    def _tally(self, draw: int | None, aggregates: list[Aggregate], pairs: list[list[float]],
               camps: list[list[float]]) -> None:
        for total, agg in zip(self.aggregates, aggregates, strict=True):
            total.merge(agg)
        self.by_draw.add(draw or 0, aggregates, pairs)
        if camps:
            self.camp_totals += np.asarray(camps, dtype=float)

    def _write(self, results: list[BlockResult]) -> None:
        """Results in task order, their rows made durable together, then their records
        (ResultsStore.append_many); with --paths one at a time, paths before each record."""
        if any(res.paths is not None for res in results) and len(results) > 1:
            for res in results:
                self._write([res])
            return
        records = []
        for res in results:
            record = {"seq": res.seq, "first_run": res.first_run, "n": res.n,
                      "aggregates": [a.to_json() for a in res.aggregates],
                      "pairs": res.pairs, "camps": res.camps, "errors": res.errors}
            if res.draw is not None:
                record["draw"] = res.draw
            if res.paths is not None:  # on disk before the record that vouches for them
                record["paths"] = append_paths(self.store.folder, res.paths, res.seq)
            records.append((res.rows, record))
        self.store.append_many(records)
        for res in results:
            self._tally(res.draw, res.aggregates, res.pairs, res.camps)
            self.next_seq = res.seq + 1
            log_run_errors(res.errors, res.errors[0]["scenario"] if res.errors else "")
            self.errors += res.errors

    def max_half_width(self) -> float:
        return max(a.max_half_width() for a in self.aggregates)

    def pair_index(self, i: int, j: int) -> int:
        """Row of the pair (i, j), i < j, in the pair tallies."""
        n = len(self.scenarios)
        return i * n - i * (i + 1) // 2 + (j - i - 1)


def append_paths(folder, data: bytes, seq: int) -> dict[str, Any]:
    """Append a chunk's paths to the folder's paths log, durably; where they lie, for its
    record (``offset_start``, ``offset_end``, ``sha256``)."""
    import hashlib

    from parley.results.formats import PATHS_LOG
    from parley.results.store import append_durably

    start, end = append_durably(folder / PATHS_LOG, data, f"the paths of chunk {seq}")
    return {"offset_start": start, "offset_end": end, "sha256": hashlib.sha256(data).hexdigest()}


def runs_for_precision(current: int, half_width: float, target: float, cap: int) -> int:
    """Runs needed so the widest 95% interval shrinks to ``target`` (half-width ~ 1/sqrt(n)).

    Whole runs, not whole chunks: the last chunk is cut short.  At least 5%
    (and 100 runs) more than ``current``, so that a near miss does not creep
    on one run at a time.  The answer depends only on the runs written so
    far, so it is the same for any number of workers.
    """
    need = math.ceil(current * (half_width / target) ** 2 * 1.05)
    return int(min(max(need, current + max(100, current // 20)), cap))
