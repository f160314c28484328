"""``parley sweep``: run a scenario over a design of stance values, then summarise.

A sweep varies numeric (``Real``) parameters of one base scenario, addressed by
path (``washington.outreach_rate``, ``world.tension``, ``shocks.us_crisis_rate``).
The design is a full-factorial grid, a Latin hypercube, a Morris design or a
Sobol (Saltelli) design; Morris and Sobol designs are sampled and analysed with
SALib.  Every design point is ``with_values(base, {path: value})`` run on the
same ``runs_per_point`` seeds (``run_seeds(seed, range(N))``): common random
numbers across points.

Parameter uncertainty is on by default, as in ``parley run``: every point runs
under the same ``parameter_draws`` draws K of the values we chose (readings,
assumptions, the rules' constants; :mod:`parley.analysis.envelope`), each on the
same ``runs_per_point // K`` worlds (common random numbers across points and
draws), and points.csv carries the interval over draws of P(talks)
(``p_talks_param_lo``, ``p_talks_param_hi``) beside the Monte Carlo interval.  A
swept path is the sweep's to set: no draw moves it.  ``parameter_draws=0`` is the
point sweep: the scenario as it is at every point.

One task is one point, or a chunk of a point's runs when there are many (at
most ``chunk`` worlds over all its draws).  A task is one model call whatever
the number of draws: its worlds are the chunk's seeds once per draw, each world
carrying its draw's values (``simulate(world_values=)``), so draws cost about
what the point sweep costs.  Results are written strictly in task order
whatever order workers finish in, so every file is byte-identical for any
executor and worker count.  The
results folder is a :class:`~parley.results.store.ResultsStore` whose appended file is
``points.csv``: a point's row is appended with the record of its last chunk,
so an interrupted sweep resumes (``--resume DIR``) from the last recorded task
and ends with the same files as an uninterrupted one.  Only per-point tallies
are kept in memory; per-run rows go straight to ``runs.csv`` (``--save-runs``).

Folder contents: ``points.csv``, ``runs.csv`` (``--save-runs``),
``sensitivity.json`` (morris/sobol), ``boxes.json`` (scenario discovery),
``sweep.json``, ``manifest.json``, ``chunks.jsonl`` (progress log) and
``figures/``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import logging
import math
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from parley import defaults
from parley import params as P
from parley.analysis.discovery import DEFAULT_THRESHOLD, box_sentence, check_prim, discover_boxes
from parley.analysis.intervals import wilson
from parley.analysis.sensitivity import MORRIS_LEVELS, salib_problem, sensitivity
from parley.errors import ResultsFolderError, ScenarioError, SweepSpecError
from parley.experiments.engine import (
    DEFAULT_CHUNK,
    format_rows,
    log_run_errors,
    scenario_from_resolved,
    simulate_runs,
    write_in_order,
)
from parley.experiments.executors import Executor
from parley.experiments.simulate import simulate, stacked_draws
from parley.outcomes import BINARY_OUTCOMES, COUNT_OUTCOMES
from parley.randomness import run_seeds
from parley.results import manifest as lifecycle
from parley.results.load import SWEEP_RECORD_FIELDS
from parley.results.store import (
    RUNS_HEADER,
    ResultsStore,
    append_durably,
    atomic_write_json,
    cut_file,
)
from parley.safe_yaml import read_yaml_mapping
from parley.scenario import Scenario, build_scenario, pydantic_line, split_path, with_values
from parley.scenario_files import PACKAGE_PREFIX, load_scenario, resolve_reference, scenario_path

METHODS = ("grid", "lhs", "morris", "sobol")
DEFAULT_SAMPLES = {"lhs": 100, "morris": 10, "sobol": 64}
DEFAULT_RUNS_PER_POINT = defaults.RUNS_PER_POINT
MAX_POINTS = defaults.MAX_SWEEP_POINTS
OUTCOMES = BINARY_OUTCOMES + COUNT_OUTCOMES  # the outcomes a sweep can summarise per point
SHARE_COLUMNS = ("summit_held", "freeze_deal", "relief_granted", "crisis")
MEAN_COLUMNS = ("tests", "months_in_talks")
STAT_COLUMNS = ("runs", "p_talks", "p_talks_lo", "p_talks_hi",
                *(f"share_{k}" for k in SHARE_COLUMNS), *(f"mean_{k}" for k in MEAN_COLUMNS))
#: with parameter draws: the interval over draws of P(talks), beside the Monte Carlo one
DRAW_COLUMNS = ("p_talks_param_lo", "p_talks_param_hi")
DRAW_STAT_COLUMNS = (*STAT_COLUMNS[:4], *DRAW_COLUMNS, *STAT_COLUMNS[4:])
SWEEP_RUNS_HEADER = "point" + RUNS_HEADER[len("scenario"):]
SWEEP_RUNS_HEADER_WITH_DRAW = "point,draw" + RUNS_HEADER[len("scenario"):]
log = logging.getLogger("parley.experiments.sweep")
VARY_HELP = "PATH=LOW:HIGH:STEPS, e.g. washington.outreach_rate=0:1:11"


# ------------------------------------------------------------- the spec


@dataclass(frozen=True)
class SweepParam:
    """One swept parameter: its path, range and (for a grid) number of steps."""

    path: str
    low: float
    high: float
    steps: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "low": self.low, "high": self.high, "steps": self.steps}


@dataclass
class SweepSpec:
    """Everything that defines a sweep's results (what ``sweep.json`` + the manifest hold)."""

    scenario: str | None = None
    parameters: list[SweepParam] = field(default_factory=list)
    method: str = "grid"
    samples: int | None = None
    runs_per_point: int = DEFAULT_RUNS_PER_POINT
    seed: int = defaults.SEED
    outcome: str = "talks_resumed"
    threshold: float = DEFAULT_THRESHOLD
    #: K parameter draws at every point (0: the point sweep), each on runs_per_point // K
    parameter_draws: int = defaults.PARAMETER_DRAWS

    @property
    def worlds_per_draw(self) -> int:
        k = self.parameter_draws
        return self.runs_per_point // k if k else self.runs_per_point

    @property
    def runs_at_a_point(self) -> int:
        """The runs a point gets: K draws x runs_per_point // K worlds (all of them with none)."""
        return self.worlds_per_draw * max(self.parameter_draws, 1)


def parse_vary(text: str) -> SweepParam:
    """``PATH=LOW:HIGH[:STEPS]`` -> SweepParam; a ScenarioError on bad syntax."""
    path, eq, rng = text.partition("=")
    parts = rng.split(":")
    bad = SweepSpecError([f"--vary {text}: expected {VARY_HELP}"])
    if not eq or not path.strip() or len(parts) not in (2, 3):
        raise bad
    try:
        low, high = float(parts[0]), float(parts[1])
        steps = int(parts[2]) if len(parts) == 3 else None
    except ValueError:
        raise bad from None
    if not (math.isfinite(low) and math.isfinite(high)):
        raise bad
    return SweepParam(path.strip(), low, high, steps)


class _SweepParamEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    path: str = Field(min_length=1)
    low: float = Field(allow_inf_nan=False)
    high: float = Field(allow_inf_nan=False)
    steps: int | None = None

    @field_validator("low", "high", mode="before")
    @classmethod
    def _a_number(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v


class SweepFile(BaseModel):
    """The fields of a sweep file (``parley sweep SWEEP.yaml``), declared once."""

    model_config = ConfigDict(extra="forbid", strict=True)

    scenario: str = Field(min_length=1, description="the scenario file, relative to the sweep "
                          "file (or parley:NAME)")
    parameters: list[_SweepParamEntry] = Field(min_length=1)
    method: Literal[METHODS] = "grid"  # type: ignore[valid-type]
    samples: int | None = Field(default=None, ge=1, le=defaults.MAX_SWEEP_SAMPLES)
    runs_per_point: int = Field(default=DEFAULT_RUNS_PER_POINT, ge=1, le=defaults.MAX_RUNS)
    seed: int = Field(default=defaults.SEED, ge=0, lt=defaults.SEED_MAX + 1)
    outcome: str = "talks_resumed"
    threshold: float = Field(default=DEFAULT_THRESHOLD, gt=0, le=1, allow_inf_nan=False)
    parameter_draws: int = Field(default=defaults.PARAMETER_DRAWS, ge=0, le=defaults.MAX_DRAWS)
    title: str = ""
    description: str = ""

    @field_validator("threshold", mode="before")
    @classmethod
    def _a_number(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v


FILE_KEYS = tuple(SweepFile.model_fields)


def read_sweep_file(path: Path) -> dict[str, Any]:
    """The settings a sweep file gives, validated (:class:`SweepFile`); the scenario path
    resolved from the sweep file's folder, confined like ``extends``."""
    where = str(path)
    try:  # the scenario loader's bounded, duplicate-key-checking reader
        data = read_yaml_mapping(path, f"a sweep file (fields: {', '.join(FILE_KEYS)})")
        doc = SweepFile.model_validate(data)
    except ScenarioError as exc:
        raise SweepSpecError(exc.problems) from None
    except ValidationError as exc:
        raise SweepSpecError([pydantic_line(where, err, FILE_KEYS) for err in exc.errors()]
                             ) from None
    try:
        scenario = resolve_reference(path, doc.scenario)
    except ScenarioError as exc:
        raise SweepSpecError([line.replace(": extends:", ": scenario:")
                              for line in exc.problems]) from None
    settings = doc.model_dump(exclude={"title", "description", "parameters"},
                              exclude_unset=True)
    # a shipped name stays a name (the manifest then says parley:biden, not a site path)
    settings["scenario"] = (doc.scenario if doc.scenario.startswith(PACKAGE_PREFIX)
                            else str(scenario))
    settings["parameters"] = [SweepParam(p.path, p.low, p.high, p.steps)
                              for p in doc.parameters]
    return settings


def build_spec(file: str | Path | None = None, vary: list[str] | None = None,
               **settings: Any) -> SweepSpec:
    """Merge defaults, a sweep file and explicit settings (which win; None means not given).

    ``settings`` are SweepSpec fields (scenario, method, samples,
    runs_per_point, seed, outcome, threshold, parameter_draws); ``vary`` holds
    ``PATH=LOW:HIGH[:STEPS]`` texts that replace the file's parameters.
    """
    unknown = set(settings) - set(SweepSpec.__dataclass_fields__)
    if unknown:
        raise TypeError(f"build_spec: unknown settings {sorted(unknown)}")
    spec = SweepSpec()
    merged: dict[str, Any] = read_sweep_file(scenario_path(file)) if file else {}
    merged.update({k: v for k, v in settings.items() if v is not None})
    if vary:
        merged["parameters"] = [parse_vary(v) for v in vary]
    settings = merged
    for key, val in settings.items():
        setattr(spec, key, val)
    if spec.samples is None and spec.method in DEFAULT_SAMPLES:
        spec.samples = DEFAULT_SAMPLES[spec.method]
    if spec.method == "grid":
        spec.samples = None
    return spec


def check_spec(spec: SweepSpec, scenario: Scenario) -> None:
    """Every problem with the sweep as one line; raises ScenarioError if there is any."""
    problems: list[str] = []
    if spec.method not in METHODS:
        problems.append(f"--method {spec.method}: unknown design (allowed: {', '.join(METHODS)})")
    if spec.runs_per_point < 1:
        problems.append("--runs-per-point must be a positive whole number")
    elif spec.runs_per_point > defaults.MAX_RUNS:
        problems.append(f"runs_per_point {spec.runs_per_point:,}: at most {defaults.MAX_RUNS:,} "
                        "(defaults.MAX_RUNS)")
    if not defaults.is_seed(spec.seed):
        problems.append(f"--seed must be an integer in {defaults.SEED_RANGE}")
    if spec.outcome not in OUTCOMES:
        problems.append(f"--outcome {spec.outcome}: unknown outcome "
                        f"(allowed: {', '.join(OUTCOMES)})")
    if not 0 < spec.threshold <= 1:
        problems.append(f"--threshold {spec.threshold}: must lie in (0, 1]")
    k = spec.parameter_draws
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= defaults.MAX_DRAWS:
        problems.append(f"--parameter-draws {k!r}: allowed 0 (the point sweep) to "
                        f"{defaults.MAX_DRAWS:,}")
    if spec.samples is not None and spec.samples < 1:
        problems.append("--samples must be a positive whole number")
    elif spec.samples is not None and spec.samples > defaults.MAX_SWEEP_SAMPLES:
        problems.append(f"samples {spec.samples:,}: at most {defaults.MAX_SWEEP_SAMPLES:,} "
                        "(defaults.MAX_SWEEP_SAMPLES)")
    elif spec.method == "sobol" and spec.samples & (spec.samples - 1):
        problems.append(f"--samples {spec.samples}: a Sobol design needs a power of 2 "
                        "(e.g. 16, 64, 256)")
    if not spec.parameters:
        problems.append(f"nothing to vary: give --vary {VARY_HELP} (or a --file)")
    seen: set[str] = set()
    for p in spec.parameters:
        msg = check_param(scenario, p, spec.method)
        if msg:
            problems.append(msg)
        if p.path in seen:
            problems.append(f"{p.path}: varied twice")
        seen.add(p.path)
    if spec.method in ("morris", "sobol") and len(spec.parameters) < 2 and not problems:
        problems.append(f"--method {spec.method} needs at least 2 parameters")
    if not problems and k and 1 <= spec.runs_per_point < k:  # once the rest is right
        problems.append(f"--runs-per-point {spec.runs_per_point}: with {k} parameter draws "
                        f"each draw needs a world; give --runs-per-point of at least {k}, "
                        "or --parameter-draws 0")
    if not problems:
        problems += budget_problems(spec)
    if problems:
        raise SweepSpecError(problems)


def design_points(spec: SweepSpec) -> int:
    """The points of a sweep's design, counted without building it: a grid's product of
    steps, an lhs design's samples, a Morris design's trajectories x (k + 1), a Sobol
    design's base samples x (k + 2) (first-order and total indices)."""
    k = len(spec.parameters)
    if spec.method == "grid":
        return math.prod(p.steps or 1 for p in spec.parameters)
    samples = spec.samples or 0
    return samples * {"lhs": 1, "morris": k + 1, "sobol": k + 2}.get(spec.method, 1)


def budget_problems(spec: SweepSpec) -> list[str]:
    """The sweep's declared budget (defaults.MAX_SWEEP_POINTS and MAX_SWEEP_WORLDS), checked
    before any design is built or any folder made: one line naming the bound, or none."""
    n = design_points(spec)
    if n > MAX_POINTS:
        fix = "use fewer steps or --method lhs" if spec.method == "grid" else "fewer samples"
        return [f"the {spec.method} design has {n:,} points (at most {MAX_POINTS:,}, "
                f"defaults.MAX_SWEEP_POINTS); {fix}"]
    worlds = n * spec.runs_per_point
    if worlds > defaults.MAX_SWEEP_WORLDS:
        return [f"{n:,} points x {spec.runs_per_point:,} runs per point is {worlds:,} worlds "
                f"(at most {defaults.MAX_SWEEP_WORLDS:,}, defaults.MAX_SWEEP_WORLDS); give "
                "fewer points or --runs-per-point"]
    return []


def numeric_params(scenario: Scenario, head: str) -> list[str]:
    """Names of the numeric parameters under an actor or section."""
    if head in P.SECTIONS:
        decls = P.SECTIONS[head]
    elif head in scenario.actors:
        decls = P.ROLES[scenario.actors[head].role]
    else:
        return []
    return [d.name for d in decls if P.as_real(d) is not None]


def check_param(scenario: Scenario, p: SweepParam, method: str) -> str | None:
    """Why a swept parameter is not allowed (one line naming the path), or None."""
    parts = p.path.split(".")
    head = parts[-2] if len(parts) >= 2 else ""
    try:
        _, decl = split_path(scenario, p.path)
    except ScenarioError as exc:
        names = numeric_params(scenario, head)
        if names and len(parts) in (2, 3):
            return (f"{p.path}: unknown parameter {parts[-1]!r} for {head} "
                    f"(numeric parameters: {', '.join(names)})")
        return exc.problems[0]
    real = P.as_real(decl)
    if real is None:
        kind = (f"a choice of {', '.join(decl.options)}" if isinstance(decl, P.Choice)
                else "a yes/no flag")
        return (f"{p.path}: is {kind}, not a number; a sweep varies numeric parameters "
                f"(numeric for {head}: {', '.join(numeric_params(scenario, head))})")
    if p.low > p.high:
        return f"{p.path}: low {p.low:g} exceeds high {p.high:g}"
    if p.low < real.low or p.high > real.high:
        return (f"{p.path}: range {p.low:g}..{p.high:g} lies outside the allowed "
                f"[{real.low:g}, {real.high:g}]")
    if method == "grid":
        if p.steps is None:
            return f"{p.path}: a grid needs STEPS ({VARY_HELP})"
        if p.steps < 1 or (p.steps == 1) != (p.low == p.high):
            return (f"{p.path}: steps {p.steps} not allowed (at least 2 for a range, "
                    "1 for a single value)")
    elif p.low == p.high:
        return f"{p.path}: low equals high; a {method} design needs a range"
    return None


# ------------------------------------------------------------ designs


def make_design(spec: SweepSpec) -> np.ndarray:
    """The design matrix (points x parameters), seeded, values rounded to 12 digits."""
    params = spec.parameters
    seed = spec.seed % 2**32
    if spec.method == "grid":
        axes = [np.linspace(p.low, p.high, p.steps) for p in params]
        x = np.array(list(itertools.product(*axes)), dtype=float).reshape(-1, len(params))
    elif spec.method == "lhs":
        from SALib.sample import latin

        x = latin.sample(salib_problem(params), spec.samples, seed=seed)
    elif spec.method == "morris":
        from SALib.sample import morris

        x = morris.sample(salib_problem(params), spec.samples, num_levels=MORRIS_LEVELS,
                          seed=seed)
    else:
        from SALib.sample import sobol

        x = sobol.sample(salib_problem(params), spec.samples, calc_second_order=False,
                         seed=seed)
    x = np.vectorize(lambda v: float(f"{v:.12g}"))(np.asarray(x, dtype=float))
    lows = np.array([p.low for p in params])
    highs = np.array([p.high for p in params])
    return np.clip(x, lows, highs).reshape(-1, len(params))


def design_hash(x: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(x, dtype="<f8").tobytes()).hexdigest()


def fmt_value(v: float) -> str:
    return repr(float(v))


# -------------------------------------------------------------- workers


@dataclass(frozen=True)
class PointTask:
    """Runs ``first_run .. first_run + n - 1`` of one design point."""

    seq: int
    point: int
    base: dict[str, Any]
    values: tuple[tuple[str, float], ...]
    first_run: int
    n: int
    master_seed: int
    save_runs: bool
    #: per parameter draw, the values (by path) it sets; empty for the point sweep
    draws: tuple[dict[str, float], ...] = ()


@dataclass
class PointResult:
    seq: int
    point: int
    first_run: int
    n: int
    tally: dict[str, Any]
    rows: bytes
    errors: list[dict[str, Any]]


def empty_tally() -> dict[str, Any]:
    return {"n": 0, "binary": dict.fromkeys(BINARY_OUTCOMES, 0),
            "sums": dict.fromkeys(COUNT_OUTCOMES, 0)}


def add_tally(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """The sum of two tallies; with parameter draws, their per-draw [worlds, talks] too."""
    out = {"n": a["n"] + b["n"],
           "binary": {k: a["binary"][k] + b["binary"][k] for k in BINARY_OUTCOMES},
           "sums": {k: a["sums"][k] + b["sums"][k] for k in COUNT_OUTCOMES}}
    if "by_draw" in a or "by_draw" in b:
        left = a.get("by_draw") or [[0, 0] for _ in b["by_draw"]]
        right = b.get("by_draw") or [[0, 0] for _ in left]
        out["by_draw"] = [[x[0] + y[0], x[1] + y[1]] for x, y in zip(left, right, strict=True)]
    return out


def _chunk_tally(runs: np.ndarray, out: dict[str, np.ndarray]) -> dict[str, Any]:
    if not len(runs):
        return empty_tally()
    return {"n": len(runs),
            "binary": {k: int(np.count_nonzero(out[k])) for k in BINARY_OUTCOMES},
            "sums": {k: int(np.sum(out[k])) for k in COUNT_OUTCOMES}}


def run_point_chunk(task: PointTask) -> PointResult:
    """Worker entry point: simulate one chunk of one point (under every parameter draw, on
    the same worlds); return its tallies (and rows).

    With draws the chunk is one model call: its worlds are the chunk's seeds once per
    draw, each world carrying its draw's values (``simulate(world_values=)``), so a
    point costs one call however many draws it has.  A world ends exactly as it does in
    a model of the point with its draw's values set (:func:`run_point_chunk_by_draw`,
    the reference, and the fallback that names the failing runs if the call raises).
    """
    if not task.draws:
        scenario = with_values(scenario_from_resolved(task.base), dict(task.values))
        runs, seeds, out, _, errors = simulate_runs(scenario, task.first_run, task.n,
                                                    task.master_seed, monthly=False)
        for err in errors:
            err["point"] = task.point
        rows = format_rows(str(task.point), runs, seeds, out) if task.save_runs else b""
        return PointResult(task.seq, task.point, task.first_run, task.n,
                           _chunk_tally(runs, out), rows, errors)
    k, n = len(task.draws), task.n
    runs = np.arange(task.first_run, task.first_run + n)
    seeds = run_seeds(task.master_seed, runs)
    paths = sorted({path for drawn in task.draws for path in drawn} - set(dict(task.values)))
    all_seeds, per_world = stacked_draws(seeds, task.draws, paths)
    try:
        scenario = with_values(scenario_from_resolved(task.base), dict(task.values))
        out = simulate(scenario, all_seeds, world_values=per_world)["outcomes"]
    except Exception:  # a draw that fails: each draw alone names its runs
        return run_point_chunk_by_draw(task)
    tally, parts, by_draw = empty_tally(), [], []
    for draw in range(k):
        part = {name: v[draw * n:(draw + 1) * n] for name, v in out.items()}
        chunk = _chunk_tally(runs, part)
        tally = add_tally(tally, chunk)
        by_draw.append([chunk["n"], chunk["binary"]["talks_resumed"]])
        if task.save_runs:
            parts.append(format_rows(str(task.point), runs, seeds, part, draw))
    tally["by_draw"] = by_draw
    return PointResult(task.seq, task.point, task.first_run, n, tally, b"".join(parts), [])


def run_point_chunk_by_draw(task: PointTask) -> PointResult:
    """:func:`run_point_chunk` one model call per draw, each on the point with its draw's
    values set (the reference; a chunk whose draws raise is re-run this way, so only the
    failing runs are dropped and each error names its draw)."""
    tally, parts, errors = empty_tally(), [], []
    by_draw = []
    base = scenario_from_resolved(task.base)
    for draw, drawn in enumerate(task.draws):
        # the point's swept values win over the draw (the draw holds swept paths anyway)
        scenario = with_values(base, {**drawn, **dict(task.values)}, f"parameter draw {draw}")
        runs, seeds, out, _, errs = simulate_runs(scenario, task.first_run, task.n,
                                                  task.master_seed, monthly=False)
        for err in errs:
            err.update(point=task.point, draw=draw)
        errors += errs
        chunk = _chunk_tally(runs, out)
        tally = add_tally(tally, chunk)
        by_draw.append([chunk["n"], chunk["binary"]["talks_resumed"]])
        if task.save_runs:
            parts.append(format_rows(str(task.point), runs, seeds, out, draw))
    tally["by_draw"] = by_draw
    return PointResult(task.seq, task.point, task.first_run, task.n, tally, b"".join(parts),
                       errors)


def draw_interval(by_draw: list[list[int]]) -> tuple[float, float]:
    """The 95% interval over parameter draws of a point's P(talks) (its draws' shares)."""
    from parley.analysis.envelope import spread

    shares = [k / n for n, k in by_draw if n]
    return spread(np.array(shares)) if shares else (math.nan, math.nan)


def outcome_value(tally: dict[str, Any], outcome: str) -> float:
    """Share of runs (yes/no outcome) or mean count over a point's runs."""
    n = tally["n"]
    if not n:
        return float("nan")
    if outcome in BINARY_OUTCOMES:
        return tally["binary"][outcome] / n
    return tally["sums"][outcome] / n


def point_row(point: int, values: np.ndarray, tally: dict[str, Any]) -> bytes:
    """One line of points.csv (with parameter draws, the interval over draws after the
    Monte Carlo interval)."""
    n = tally["n"]
    k = tally["binary"]["talks_resumed"]
    lo, hi = wilson(k, n)
    spread = ([f"{v:.6f}" for v in draw_interval(tally["by_draw"])]
              if "by_draw" in tally else [])
    stats = [str(n), *(f"{outcome_value(tally, c):.6f}" for c in ("talks_resumed",)),
             f"{lo:.6f}", f"{hi:.6f}", *spread,
             *(f"{outcome_value(tally, c):.6f}" for c in (*SHARE_COLUMNS, *MEAN_COLUMNS))]
    return (",".join([str(point), *(fmt_value(v) for v in values), *stats]) + "\n").encode()


# ---------------------------------------------------------------- sweep


class Sweep:
    """A sweep in a results folder: design, chunking, and what is done so far."""

    def __init__(self, spec: SweepSpec, base: Scenario, folder: Path, chunk: int,
                 save_runs: bool):
        self.spec = spec
        self.base = base
        self.design = make_design(spec)
        self.n_points = len(self.design)
        self.uncertainty, self.draws = sweep_draws(base, spec)
        self.worlds = spec.worlds_per_draw  # worlds per draw (all the runs with no draws)
        # a task runs at most ``chunk`` worlds over all its draws (at least one per draw):
        # self.chunk worlds under each of them, so memory stays flat however many draws
        self.chunk = max(1, min(chunk // max(len(self.draws), 1), self.worlds))
        self.per_point = math.ceil(self.worlds / self.chunk)
        self.save_runs = save_runs
        columns = DRAW_STAT_COLUMNS if self.draws else STAT_COLUMNS
        header = "point," + ",".join([p.path for p in spec.parameters]) + "," + ",".join(
            columns) + "\n"
        self.store = ResultsStore(folder, header=header, runs_name="points.csv",
                                  fields=SWEEP_RECORD_FIELDS)
        self.runs_path = folder / "runs.csv"
        self.next_seq = 0
        self.partial = empty_tally()
        self.y = np.full(self.n_points, np.nan)  # the analysed outcome per point
        self.p_talks = np.full(self.n_points, np.nan)
        self.errors: list[dict[str, Any]] = []
        self.runs_done = 0
        self.boxes_method = "tree"

    def done_runs(self) -> int:
        return self.runs_done

    @property
    def folder(self) -> Path:
        return self.store.folder

    @property
    def total_tasks(self) -> int:
        return self.n_points * self.per_point

    @property
    def task_runs(self) -> int:
        """Worlds in one task over all its draws (what the manifest records as ``chunk``,
        so a resumed sweep rebuilds the same tasks)."""
        return self.chunk * max(len(self.draws), 1)

    @property
    def total_runs(self) -> int:
        """Every run the sweep makes: points x draws x worlds per draw."""
        return self.n_points * self.spec.runs_at_a_point

    @property
    def runs_header(self) -> str:
        return SWEEP_RUNS_HEADER_WITH_DRAW if self.draws else SWEEP_RUNS_HEADER

    def start(self) -> None:
        self.store.start()
        if self.save_runs:
            if self.runs_path.exists():
                raise ResultsFolderError(f"--out {self.folder}: the folder already holds a "
                                         "sweep; give a new --out, or --resume it")
            self.runs_path.write_text(self.runs_header, encoding="utf-8")

    def tasks(self) -> Iterator[PointTask]:
        """Tasks from the next unwritten one on, point-major then by run chunk."""
        base = self.base.resolved
        names = [p.path for p in self.spec.parameters]
        for seq in range(self.next_seq, self.total_tasks):
            point, c = divmod(seq, self.per_point)
            first = c * self.chunk
            n = min(self.chunk, self.worlds - first)
            values = tuple(zip(names, (float(v) for v in self.design[point]), strict=True))
            yield PointTask(seq, point, base, values, first, n, self.spec.seed, self.save_runs,
                            tuple(self.draws))

    def restore(self, records: list[dict[str, Any]]) -> None:
        """Rebuild progress from the chunk records of an interrupted sweep (a prefix)."""
        for rec in records:
            drawn = rec["tally"].get("by_draw")
            if (len(drawn) if isinstance(drawn, list) else None) != (
                    len(self.draws) if self.draws else None):
                raise ResultsFolderError(f"{self.store.log_path}: chunk {rec['seq']} does not "
                                         f"fit this sweep of {len(self.draws)} parameter draws "
                                         "(corrupted log)")
            self._tally(rec["point"], rec["first_run"], rec["n"], rec["tally"])
            self.errors += rec.get("errors", [])
        self.next_seq = len(records)
        if self.save_runs:
            end = records[-1]["runs_end"] if records else len(self.runs_header.encode())
            cut_file(self.runs_path, end)

    def _tally(self, point: int, first_run: int, n: int,
               tally: dict[str, Any]) -> dict[str, Any] | None:
        """Add a chunk to the point in progress; the point's tally once it is complete."""
        self.partial = add_tally(self.partial, tally)
        self.runs_done += n * max(len(self.draws), 1)
        if first_run + n < self.worlds:
            return None
        done, self.partial = self.partial, empty_tally()
        self.y[point] = outcome_value(done, self.spec.outcome)
        self.p_talks[point] = outcome_value(done, "talks_resumed")
        return done

    def execute(self, executor, progress=None) -> None:
        """Run the remaining tasks, writing each in task order as soon as it can."""
        def write(res: PointResult) -> None:
            self._write(res)
            if progress:
                progress(res.n * max(len(self.draws), 1))

        write_in_order(executor, run_point_chunk, self.tasks(), self.next_seq, write)

    def _write(self, res: PointResult) -> None:
        record: dict[str, Any] = {"seq": res.seq, "point": res.point,
                                  "first_run": res.first_run, "n": res.n, "tally": res.tally,
                                  "errors": res.errors}
        if self.save_runs:
            record["runs_end"] = append_durably(self.runs_path, res.rows,
                                                f"the runs of chunk {res.seq}")[1]
        done = self._tally(res.point, res.first_run, res.n, res.tally)
        row = point_row(res.point, self.design[res.point], done) if done else b""
        self.store.append(row, record)
        self.next_seq = res.seq + 1
        log_run_errors(res.errors, f"point {res.point}")
        self.errors += res.errors

    @property
    def complete(self) -> bool:
        return self.next_seq >= self.total_tasks


def sweep_draws(base: Scenario, spec: SweepSpec) -> tuple[dict[str, Any] | None,
                                                         list[dict[str, float]]]:
    """The K parameter draws every point runs under, and what the manifest records of them.

    The batch's mechanism (:mod:`parley.analysis.envelope`): a Latin hypercube of
    quantiles keyed by the sweep's seed, one per path of the base scenario's envelope,
    mapped onto it; the swept paths are held (the design sets them).  (None, []) for
    the point sweep.
    """
    from parley.analysis.envelope import apply_draw, envelope, kind_of, quantile_draws

    k = spec.parameter_draws
    if not k:
        return None, []
    swept = {p.path for p in spec.parameters}
    full = envelope(base)
    env = [u for u in full if u.path not in swept]
    quantiles = quantile_draws([u.path for u in env], k, spec.seed)
    values = [apply_draw(env, q) for q in quantiles] or [{} for _ in range(k)]
    uncertainty = {"draws": k, "seed": spec.seed, "worlds_per_draw": spec.worlds_per_draw,
                   "source": "envelope", "posterior": None, "kinds": kind_of([env]),
                   "held": sorted(u.path for u in full if u.path in swept),
                   "quantiles": quantiles}
    return uncertainty, values


# ------------------------------------------------------------ lifecycle


def new_sweep(spec: SweepSpec, folder: Path | None, chunk: int = DEFAULT_CHUNK,
              save_runs: bool = False, boxes: str = "tree",
              sweep_file: str | Path | None = None) -> tuple[Sweep, dict[str, Any]]:
    """A sweep ready to run: spec checked, folder started, sweep.json and manifest written."""
    if not spec.scenario:
        raise SweepSpecError(["give a scenario file (parley sweep SCENARIO --vary ...) "
                              "or a sweep file (parley sweep SWEEP.yaml)"])
    if chunk < 1:
        raise SweepSpecError([f"--chunk {chunk}: must be positive"])
    base = load_scenario(spec.scenario)
    check_spec(spec, base)
    tasks = design_points(spec) * math.ceil(spec.runs_per_point / min(chunk, spec.runs_per_point))
    if tasks > defaults.MAX_SWEEP_TASKS:
        raise SweepSpecError([f"--chunk {chunk}: {tasks:,} chunk tasks (at most "
                              f"{defaults.MAX_SWEEP_TASKS:,}, defaults.MAX_SWEEP_TASKS); give a "
                              "larger --chunk"])
    if boxes == "prim":
        check_prim()
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = folder or Path("results") / f"sweep-{base.name}-{stamp}"
    lifecycle.refuse_used_folder(folder)
    sweep = Sweep(spec, base, folder, chunk, save_runs)
    sweep.boxes_method = boxes
    if sweep.draws:  # a draw the scenario cannot take fails before the folder
        with_values(base, {**sweep.draws[0], **dict(zip(
            [p.path for p in spec.parameters], map(float, sweep.design[0]), strict=True))},
            "parameter draw 0")
    fields = {"method": spec.method, "samples": spec.samples,
              "runs_per_point": spec.runs_per_point, "points": sweep.n_points,
              "parameters": [p.to_json() for p in spec.parameters], "outcome": spec.outcome,
              "threshold": spec.threshold, "boxes": boxes, "chunk": sweep.task_runs,
              "save_runs": save_runs, "design_sha256": design_hash(sweep.design),
              "sweep_file": str(sweep_file) if sweep_file else None, "runs": 0}
    if sweep.uncertainty:
        fields["parameter_uncertainty"] = sweep.uncertainty
    inputs = {"scenario": {"name": base.name, "file": str(base.path) if base.path else None,
                           "hash": base.hash, "resolved": base.resolved}}
    command = command_line(spec, folder, save_runs, boxes, sweep.task_runs)
    manifest = lifecycle.new_manifest("sweep", command, spec.seed, fields, inputs,
                            ("SALib", "scikit-learn"))
    sweep.start()
    sweep_json = {"parameters": [p.to_json() for p in spec.parameters], "method": spec.method,
                  "runs_per_point": spec.runs_per_point, "samples": spec.samples,
                  "points": sweep.n_points, "seed": spec.seed, "outcome": spec.outcome,
                  "scenario": base.name}
    if sweep.draws:
        kinds = list(sweep.uncertainty["kinds"].values())
        sweep_json.update(parameter_draws=spec.parameter_draws,
                          worlds_per_draw=spec.worlds_per_draw,
                          drawn_values={k: kinds.count(k)
                                        for k in ("source", "reading", "assumption")},
                          held=sweep.uncertainty["held"])
    atomic_write_json(folder / "sweep.json", sweep_json)
    lifecycle.write_manifest(folder, manifest)
    return sweep, manifest


def resume_sweep(folder: Path) -> tuple[Sweep, dict[str, Any]]:
    """The sweep of an interrupted ``parley sweep``, ready to run on."""
    manifest = lifecycle.read_manifest(folder, ("sweep",))
    sc = manifest["scenario"]
    base = build_scenario(dict(sc["resolved"]), sc["file"] or sc["name"],
                          Path(sc["file"]) if sc["file"] else None)
    spec = SweepSpec(scenario=sc["file"], method=manifest["method"],
                     parameters=[SweepParam(**p) for p in manifest["parameters"]],
                     samples=manifest["samples"], runs_per_point=manifest["runs_per_point"],
                     seed=manifest["master_seed"], outcome=manifest["outcome"],
                     threshold=manifest["threshold"],
                     # a folder from before draws, or a point sweep, has none recorded
                     parameter_draws=_recorded_draws(folder, manifest))
    sweep = Sweep(spec, base, folder, manifest["chunk"], manifest["save_runs"])
    sweep.boxes_method = manifest.get("boxes", "tree")
    if design_hash(sweep.design) != manifest["design_sha256"]:
        raise ResultsFolderError([f"--resume {folder}: the design rebuilt here differs from "
                                  "the one started (another SALib version?); start a new sweep"])
    recorded = manifest.get("parameter_uncertainty")
    if sweep.uncertainty and sweep.uncertainty["quantiles"] != recorded.get("quantiles"):
        raise ResultsFolderError([f"--resume {folder}: the parameter draws rebuilt here differ "
                                  "from the ones the manifest records (another envelope or "
                                  "code version?); start a new sweep"])
    sweep.store.recover_into(sweep.restore)
    return sweep, lifecycle.resume_manifest(manifest)


def _recorded_draws(folder: Path, manifest: dict[str, Any]) -> int:
    recorded = manifest.get("parameter_uncertainty")
    if recorded is None:
        return 0
    draws = recorded.get("draws") if isinstance(recorded, dict) else None
    if isinstance(draws, bool) or not isinstance(draws, int) or not \
            1 <= draws <= defaults.MAX_DRAWS or not isinstance(recorded.get("quantiles"), list):
        raise ResultsFolderError([f"{folder / 'manifest.json'}: parameter_uncertainty: expected "
                                  f"draws (1 to {defaults.MAX_DRAWS:,}) and their quantiles"])
    return draws


def execute_sweep(sweep: Sweep, manifest: dict[str, Any], executor: Executor,
                  progress: Callable[[int], None] | None = None,
                  executor_name: str = "local") -> dict[str, Any]:
    """Run the sweep's remaining tasks; sensitivity, boxes and manifest written at the end."""
    manifest.update(jobs=executor.workers, executor=executor_name)
    try:
        with executor, contextlib.closing(sweep.store):  # the folder's lock, held to the end
            sweep.execute(executor, progress)
            return _finish(sweep, manifest)
    except KeyboardInterrupt:
        lifecycle.close_manifest(sweep.folder, manifest, "interrupted", sweep.errors,
                                 sweep.done_runs())
        raise


def _finish(sweep: Sweep, manifest: dict[str, Any]) -> dict[str, Any]:
    """Sensitivity indices and boxes from the per-point tallies; the manifest closed."""
    folder, spec = sweep.folder, sweep.spec
    results: dict[str, Any] = {"sensitivity": None, "boxes": None}
    if spec.method in ("morris", "sobol"):
        if np.isnan(sweep.y).any():
            log.warning("some points have no runs; no sensitivity indices")
        else:
            results["sensitivity"] = sensitivity(spec, sweep.design, sweep.y)
            atomic_write_json(folder / "sensitivity.json", results["sensitivity"])
    ok = ~np.isnan(sweep.p_talks)
    results["boxes"] = discover_boxes(spec.parameters, sweep.design[ok], sweep.p_talks[ok],
                                      spec.threshold, getattr(sweep, "boxes_method", "tree"))
    atomic_write_json(folder / "boxes.json", results["boxes"])
    lifecycle.close_manifest(folder, manifest, "complete", sweep.errors, sweep.done_runs())
    return results


def format_report(sweep: Sweep, results: dict[str, Any], top: int = 10) -> str:
    """The terminal report: top points or the indices, then the boxes as sentences."""
    spec = sweep.spec
    if sweep.draws:
        lines = [f"sweep of {sweep.base.name}: {sweep.n_points:,} points ({spec.method}) x "
                 f"{spec.runs_at_a_point:,} runs ({spec.parameter_draws} parameter draws x "
                 f"{spec.worlds_per_draw:,} worlds, the same at every point), master seed "
                 f"{spec.seed}"]
    else:
        lines = [f"sweep of {sweep.base.name}: {sweep.n_points:,} points ({spec.method}) x "
                 f"{spec.runs_per_point:,} runs, master seed {spec.seed}"]
    sens = results.get("sensitivity")
    if sens:
        lines += _sensitivity_table(sens)
    else:
        lines += _top_points(sweep, top)
    boxes = results.get("boxes") or {}
    ranges = {p.path: [p.low, p.high] for p in spec.parameters}
    if boxes.get("boxes"):
        lines.append(f"scenario discovery ({boxes['likely_points']} of {boxes['points']} points "
                     f"have P(talks) >= {boxes['threshold']:.0%}):")
        lines += [f"  {box_sentence(b, ranges, boxes['threshold'])}" for b in boxes["boxes"]]
    else:
        lines.append(f"scenario discovery: no point has P(talks) >= {spec.threshold:.0%}")
    return "\n".join(lines)


def _sensitivity_table(sens: dict[str, Any]) -> list[str]:
    names = sens["parameters"]
    width = max(len(n) for n in names) + 2

    def f(v):
        return "     -" if v is None else f"{v:6.3f}"

    if sens["method"] == "sobol":
        order = sorted(range(len(names)), key=lambda i: -(sens["ST"][i] or 0.0))
        head = f"{'parameter':<{width}}{'S1':>8} {'+-':>6}  {'ST':>6} {'+-':>6}"
        rows = [f"{names[i]:<{width}}  {f(sens['S1'][i])} {f(sens['S1_conf'][i])}  "
                f"{f(sens['ST'][i])} {f(sens['ST_conf'][i])}" for i in order]
    else:
        order = sorted(range(len(names)), key=lambda i: -(sens["mu_star"][i] or 0.0))
        head = f"{'parameter':<{width}}{'mu*':>8} {'+-':>6}  {'sigma':>6}"
        rows = [f"{names[i]:<{width}}  {f(sens['mu_star'][i])} {f(sens['mu_star_conf'][i])}  "
                f"{f(sens['sigma'][i])}" for i in order]
    return [f"{sens['method'].capitalize()} indices of {sens['outcome']} (+- 95% conf.)",
            head, "-" * len(head), *rows]


def _top_points(sweep: Sweep, top: int) -> list[str]:
    import csv
    import heapq

    with open(sweep.store.runs_path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        best = heapq.nsmallest(top, reader, key=lambda r: (-float(r[header.index("p_talks")]),
                                                          int(r[0])))
    k = len(sweep.spec.parameters)
    names = header[1:1 + k]
    widths = [max(len(n), 8) for n in names]
    drawn = DRAW_COLUMNS[0] in header
    head = ("point  " + "  ".join(f"{n:>{w}}" for n, w in zip(names, widths, strict=True))
            + "  P(talks resume) [95% CI]   " + ("over draws [95%]   " if drawn else "")
            + "summit  freeze  relief  crisis")
    lines = [f"top {len(best)} points by P(talks resume):", head, "-" * len(head)]
    for r in best:
        vals = "  ".join(f"{float(v):>{w}.4g}" for v, w in zip(r[1:1 + k], widths, strict=True))
        p, lo, hi = (float(r[header.index(c)]) for c in ("p_talks", "p_talks_lo", "p_talks_hi"))
        shares = "".join(f"  {float(r[header.index('share_' + c)]):6.3f}" for c in SHARE_COLUMNS)
        spread = ""
        if drawn:
            dlo, dhi = (float(r[header.index(c)]) for c in DRAW_COLUMNS)
            spread = f"  [{dlo:.3f}, {dhi:.3f}]   "
        lines.append(f"{r[0]:>5}  {vals}  {p:6.3f} [{lo:.3f}, {hi:.3f}]  {spread}  {shares}")
    return lines


def command_line(spec: SweepSpec, folder: Path, save_runs: bool, boxes: str,
                 chunk: int) -> str:
    """The ``parley sweep`` command that replays this sweep (recorded in the manifest)."""
    parts = ["parley", "sweep", str(spec.scenario)]
    for p in spec.parameters:
        steps = f":{p.steps}" if p.steps is not None else ""
        parts += ["--vary", f"{p.path}={p.low:.12g}:{p.high:.12g}{steps}"]
    parts += ["--method", spec.method]
    if spec.samples is not None:
        parts += ["--samples", str(spec.samples)]
    parts += ["--runs-per-point", str(spec.runs_per_point), "--seed", str(spec.seed),
              "--outcome", spec.outcome, "--threshold", str(spec.threshold), "--out", str(folder)]
    if save_runs:
        parts.append("--save-runs")
    if boxes != "tree":
        parts += ["--boxes", boxes]
    if chunk != DEFAULT_CHUNK:
        parts += ["--chunk", str(chunk)]
    if spec.parameter_draws != defaults.PARAMETER_DRAWS:
        parts += ["--parameter-draws", str(spec.parameter_draws)]
    return shlex.join(parts)
