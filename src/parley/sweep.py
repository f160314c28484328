"""``parley sweep``: run a scenario over a design of stance values, then summarise.

A sweep varies numeric (``Real``) parameters of one base scenario, addressed by
path (``washington.outreach_rate``, ``world.tension``, ``shocks.us_crisis_rate``).
The design is a full-factorial grid, a Latin hypercube, a Morris design or a
Sobol (Saltelli) design; Morris and Sobol designs are sampled and analysed with
SALib.  Every design point is ``with_values(base, {path: value})`` run on the
same ``runs_per_point`` seeds (``run_seeds(seed, range(N))``): common random
numbers across points.

One task is one point, or a chunk of a point's runs when there are many.
Results are written strictly in task order whatever order workers finish in,
so every file is byte-identical for any executor and worker count.  The
results folder is a :class:`~parley.store.ResultsStore` whose appended file is
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

import datetime as dt
import hashlib
import itertools
import math
import shlex
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from parley import params as P
from parley.batch import (
    DEFAULT_CHUNK,
    format_rows,
    run_one_by_one,
    scenario_from_resolved,
    simulate,
)
from parley.executors import add_executor_options, jobs_problem, make_executor
from parley.model import BINARY_OUTCOMES, COUNT_OUTCOMES
from parley.provenance import now, versions
from parley.randomness import run_seeds
from parley.results.load import SWEEP_RECORD_FIELDS, read_manifest
from parley.scenario import (
    Scenario,
    ScenarioError,
    build_scenario,
    load_scenario,
    read_yaml_mapping,
    split_path,
    with_values,
)
from parley.stats import wilson
from parley.store import (
    RUNS_HEADER,
    ResultsFolderError,
    ResultsStore,
    append_durably,
    atomic_write_json,
    cut_file,
)

METHODS = ("grid", "lhs", "morris", "sobol")
DEFAULT_SAMPLES = {"lhs": 100, "morris": 10, "sobol": 64}
DEFAULT_RUNS_PER_POINT = 1000
DEFAULT_THRESHOLD = 0.6
MORRIS_LEVELS = 4
MAX_POINTS = 1_000_000
OUTCOMES = BINARY_OUTCOMES + COUNT_OUTCOMES
SHARE_COLUMNS = ("summit_held", "freeze_deal", "relief_granted", "crisis")
MEAN_COLUMNS = ("tests", "months_in_talks")
STAT_COLUMNS = ("runs", "p_talks", "p_talks_lo", "p_talks_hi",
                *(f"share_{k}" for k in SHARE_COLUMNS), *(f"mean_{k}" for k in MEAN_COLUMNS))
SWEEP_RUNS_HEADER = "point" + RUNS_HEADER[len("scenario"):]
FILE_KEYS = ("scenario", "parameters", "method", "samples", "runs_per_point", "seed", "outcome",
             "threshold", "title", "description")
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
    seed: int = 20201130
    outcome: str = "talks_resumed"
    threshold: float = DEFAULT_THRESHOLD


def parse_vary(text: str) -> SweepParam:
    """``PATH=LOW:HIGH[:STEPS]`` -> SweepParam; a ScenarioError on bad syntax."""
    path, eq, rng = text.partition("=")
    parts = rng.split(":")
    bad = ScenarioError([f"--vary {text}: expected {VARY_HELP}"])
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


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def read_sweep_file(path: Path) -> dict[str, Any]:
    """The settings a sweep file gives, checked for shape; the scenario path made absolute."""
    where = str(path)
    data = read_yaml_mapping(path, f"a sweep file (fields: {', '.join(FILE_KEYS)})")
    if not isinstance(data, dict):
        raise ScenarioError([f"{where}: a sweep file must be a YAML mapping "
                             f"(fields: {', '.join(FILE_KEYS)})"])
    problems = [f"{where}: {k}: unknown field (allowed: {', '.join(FILE_KEYS)})"
                for k in data if k not in FILE_KEYS]
    out: dict[str, Any] = {}
    if isinstance(data.get("scenario"), str):
        out["scenario"] = str(path.parent / data["scenario"])
    else:
        problems.append(f"{where}: scenario: required, a scenario file path relative to "
                        "the sweep file")
    params = data.get("parameters")
    if not isinstance(params, list) or not params:
        problems.append(f"{where}: parameters: required, a list of {{path, low, high, steps}}")
        params = []
    out["parameters"] = []
    for i, p in enumerate(params):
        loc = f"{where}: parameters.{i}"
        if not isinstance(p, dict) or not isinstance(p.get("path"), str):
            problems.append(f"{loc}: must be a mapping with path, low, high and steps")
            continue
        extra = [k for k in p if k not in ("path", "low", "high", "steps")]
        if extra:
            problems.append(f"{loc}.{extra[0]}: unknown field (allowed: path, low, high, steps)")
        if not (_is_number(p.get("low")) and _is_number(p.get("high"))):
            problems.append(f"{loc} ({p['path']}): low and high must be numbers")
            continue
        steps = p.get("steps")
        if steps is not None and (not isinstance(steps, int) or isinstance(steps, bool)):
            problems.append(f"{loc} ({p['path']}): steps must be a whole number")
            continue
        out["parameters"].append(SweepParam(p["path"], float(p["low"]), float(p["high"]), steps))
    for key, kind in (("samples", int), ("runs_per_point", int), ("seed", int),
                      ("method", str), ("outcome", str), ("threshold", float)):
        if key in data:
            val = data[key]
            ok = (_is_number(val) if kind is float
                  else isinstance(val, kind) and not isinstance(val, bool))
            if not ok:
                problems.append(f"{where}: {key}: must be a {kind.__name__} (got {val!r})")
            else:
                out[key] = val
    if problems:
        raise ScenarioError(problems)
    return out


def build_spec(args) -> SweepSpec:
    """Merge defaults, the sweep file and the command line (which wins)."""
    spec = SweepSpec(seed=_default_seed())
    settings: dict[str, Any] = {}
    if args.file:
        settings.update(read_sweep_file(Path(args.file)))
    cli = {"scenario": args.scenario, "method": args.method, "samples": args.samples,
           "runs_per_point": args.runs_per_point, "seed": args.seed, "outcome": args.outcome,
           "threshold": args.threshold}
    settings.update({k: v for k, v in cli.items() if v is not None})
    if args.vary:
        settings["parameters"] = [parse_vary(v) for v in args.vary]
    for key, val in settings.items():
        setattr(spec, key, val)
    if spec.samples is None and spec.method in DEFAULT_SAMPLES:
        spec.samples = DEFAULT_SAMPLES[spec.method]
    if spec.method == "grid":
        spec.samples = None
    return spec


def _default_seed() -> int:
    from parley.provenance import DEFAULT_SEED

    return DEFAULT_SEED


MAX_SAMPLES = 1_000_000
MAX_RUNS = 10**9


def check_spec(spec: SweepSpec, scenario: Scenario) -> None:
    """Every problem with the sweep as one line; raises ScenarioError if there is any."""
    problems: list[str] = []
    if spec.method not in METHODS:
        problems.append(f"--method {spec.method}: unknown design (allowed: {', '.join(METHODS)})")
    if not 1 <= spec.runs_per_point <= MAX_RUNS:
        problems.append(f"--runs-per-point must be a whole number from 1 to {MAX_RUNS:,}")
    if not 0 <= spec.seed < 2**63:
        problems.append("--seed must be an integer in [0, 2**63)")
    if spec.outcome not in OUTCOMES:
        problems.append(f"--outcome {spec.outcome}: unknown outcome "
                        f"(allowed: {', '.join(OUTCOMES)})")
    if not 0 < spec.threshold <= 1:
        problems.append(f"--threshold {spec.threshold}: must lie in (0, 1]")
    if spec.samples is not None and spec.samples < 1:
        problems.append("--samples must be a positive whole number")
    elif spec.samples is not None and spec.samples > MAX_SAMPLES:
        problems.append(f"--samples {spec.samples}: at most {MAX_SAMPLES:,} (the design is "
                        "built in memory)")
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
    if spec.method == "grid" and not problems:
        n = math.prod(p.steps for p in spec.parameters)
        if n > MAX_POINTS:
            problems.append(f"the grid has {n:,} points (at most {MAX_POINTS:,}); use fewer "
                            "steps or --method lhs")
    if problems:
        raise ScenarioError(problems)


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


def salib_problem(params: list[SweepParam]) -> dict[str, Any]:
    return {"num_vars": len(params), "names": [p.path for p in params],
            "bounds": [[p.low, p.high] for p in params]}


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
    return {"n": a["n"] + b["n"],
            "binary": {k: a["binary"][k] + b["binary"][k] for k in BINARY_OUTCOMES},
            "sums": {k: a["sums"][k] + b["sums"][k] for k in COUNT_OUTCOMES}}


def run_point_chunk(task: PointTask) -> PointResult:
    """Worker entry point: simulate one chunk of one point; return its tallies (and rows)."""
    scenario = with_values(scenario_from_resolved(task.base), dict(task.values))
    runs = np.arange(task.first_run, task.first_run + task.n)
    seeds = run_seeds(task.master_seed, runs)
    errors: list[dict[str, Any]] = []
    try:
        out = simulate(scenario, seeds)
    except Exception:
        out, _, runs, seeds, errors = run_one_by_one(scenario, runs, seeds)
        for err in errors:
            err["point"] = task.point
    tally = empty_tally()
    if len(runs):
        tally = {"n": len(runs),
                 "binary": {k: int(np.count_nonzero(out[k])) for k in BINARY_OUTCOMES},
                 "sums": {k: int(np.sum(out[k])) for k in COUNT_OUTCOMES}}
    rows = format_rows(str(task.point), runs, seeds, out) if task.save_runs else b""
    return PointResult(task.seq, task.point, task.first_run, task.n, tally, rows, errors)


def outcome_value(tally: dict[str, Any], outcome: str) -> float:
    """Share of runs (yes/no outcome) or mean count over a point's runs."""
    n = tally["n"]
    if not n:
        return float("nan")
    if outcome in BINARY_OUTCOMES:
        return tally["binary"][outcome] / n
    return tally["sums"][outcome] / n


def point_row(point: int, values: np.ndarray, tally: dict[str, Any]) -> bytes:
    """One line of points.csv."""
    n = tally["n"]
    k = tally["binary"]["talks_resumed"]
    lo, hi = wilson(k, n)
    stats = [str(n), *(f"{outcome_value(tally, c):.6f}" for c in ("talks_resumed",)),
             f"{lo:.6f}", f"{hi:.6f}",
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
        self.chunk = max(1, min(chunk, spec.runs_per_point))
        self.per_point = math.ceil(spec.runs_per_point / self.chunk)
        self.save_runs = save_runs
        header = "point," + ",".join([p.path for p in spec.parameters]) + "," + ",".join(
            STAT_COLUMNS) + "\n"
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

    def start(self) -> None:
        self.store.start()
        if self.save_runs:
            if self.runs_path.exists():
                raise ResultsFolderError(f"--out {self.folder}: the folder already holds a "
                                         "sweep; give a new --out, or --resume it")
            self.runs_path.write_text(SWEEP_RUNS_HEADER, encoding="utf-8")

    def tasks(self) -> Iterator[PointTask]:
        """Tasks from the next unwritten one on, point-major then by run chunk."""
        base = self.base.resolved
        names = [p.path for p in self.spec.parameters]
        for seq in range(self.next_seq, self.total_tasks):
            point, c = divmod(seq, self.per_point)
            first = c * self.chunk
            n = min(self.chunk, self.spec.runs_per_point - first)
            values = tuple(zip(names, (float(v) for v in self.design[point]), strict=True))
            yield PointTask(seq, point, base, values, first, n, self.spec.seed, self.save_runs)

    def restore(self, records: list[dict[str, Any]]) -> None:
        """Rebuild progress from the chunk records of an interrupted sweep (a prefix)."""
        for rec in records:
            self._tally(rec["point"], rec["first_run"], rec["n"], rec["tally"])
            self.errors += rec.get("errors", [])
        self.next_seq = len(records)
        if self.save_runs:
            end = records[-1]["runs_end"] if records else len(SWEEP_RUNS_HEADER.encode())
            cut_file(self.runs_path, end)

    def _tally(self, point: int, first_run: int, n: int,
               tally: dict[str, Any]) -> dict[str, Any] | None:
        """Add a chunk to the point in progress; the point's tally once it is complete."""
        self.partial = add_tally(self.partial, tally)
        self.runs_done += n
        if first_run + n < self.spec.runs_per_point:
            return None
        done, self.partial = self.partial, empty_tally()
        self.y[point] = outcome_value(done, self.spec.outcome)
        self.p_talks[point] = outcome_value(done, "talks_resumed")
        return done

    def execute(self, executor, progress=None) -> None:
        """Run the remaining tasks, writing each in task order as soon as it can."""
        waiting: dict[int, PointResult] = {}
        for _, result in executor.imap(run_point_chunk, self.tasks()):
            waiting[result.seq] = result
            while self.next_seq in waiting:
                res = waiting.pop(self.next_seq)
                self._write(res)
                if progress:
                    progress(res.n)

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
        for err in res.errors:
            print(f"error: run {err['run']} (seed {err['seed']}) of point {res.point} "
                  f"failed: {err['error']}", file=sys.stderr)
        self.errors += res.errors

    @property
    def complete(self) -> bool:
        return self.next_seq >= self.total_tasks


# ------------------------------------------------------------- analysis


def _clean(values: Any) -> list[float | None]:
    """Floats for JSON; NaN (undefined index) becomes null."""
    return [None if not math.isfinite(float(v)) else float(v) for v in np.ravel(values)]


def sensitivity(spec: SweepSpec, x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Morris (mu*, its 95% interval, sigma) or Sobol (S1, ST with 95% intervals) via SALib."""
    problem = salib_problem(spec.parameters)
    names = [p.path for p in spec.parameters]
    seed = spec.seed % 2**32
    head = {"method": spec.method, "outcome": spec.outcome, "parameters": names}
    with np.errstate(divide="ignore", invalid="ignore"):
        if spec.method == "morris":
            from SALib.analyze import morris

            r = morris.analyze(problem, x, y, num_levels=MORRIS_LEVELS, conf_level=0.95,
                               print_to_console=False, seed=seed)
            return {**head, "mu_star": _clean(r["mu_star"]),
                    "mu_star_conf": _clean(r["mu_star_conf"]), "sigma": _clean(r["sigma"])}
        from SALib.analyze import sobol

        r = sobol.analyze(problem, y, calc_second_order=False, conf_level=0.95,
                          print_to_console=False, seed=seed)
    return {**head, "S1": _clean(r["S1"]), "S1_conf": _clean(r["S1_conf"]),
            "ST": _clean(r["ST"]), "ST_conf": _clean(r["ST_conf"])}


def _round_limit(v: float) -> float:
    return float(f"{v:.6g}")


def discover_boxes(params: list[SweepParam], x: np.ndarray, p: np.ndarray,
                   threshold: float = DEFAULT_THRESHOLD, method: str = "tree") -> dict[str, Any]:
    """Scenario discovery: boxes of the swept space where P(talks) >= threshold is likely.

    ``tree``: a shallow scikit-learn DecisionTreeClassifier on the design points
    labelled ``p >= threshold``; each leaf predicting "likely" is a box (its
    limits are the tree's splits, within the swept ranges).  ``prim``: EMA
    Workbench's PRIM (needs ema_workbench).  Coverage: share of the likely
    points inside the box; density: share of the box's points that are likely.
    """
    names = [q.path for q in params]
    ranges = {q.path: [q.low, q.high] for q in params}
    likely = np.asarray(p >= threshold)
    out: dict[str, Any] = {"threshold": threshold, "method": method, "points": len(p),
                           "likely_points": int(likely.sum()), "boxes": []}
    if not likely.any():
        return out
    if likely.all():
        out["boxes"] = [{"coverage": 1.0, "density": 1.0,
                         "limits": {k: list(v) for k, v in ranges.items()}}]
        return out
    boxes = (_prim_boxes(names, x, likely, ranges) if method == "prim"
             else _tree_boxes(names, x, likely, ranges))
    out["boxes"] = sorted(boxes, key=lambda b: (-b["coverage"], -b["density"]))
    return out


def _tree_boxes(names, x, likely, ranges) -> list[dict[str, Any]]:
    """Leaves of a shallow tree that predict "likely"; sibling likely leaves merged."""
    from sklearn.tree import DecisionTreeClassifier

    n = len(likely)
    tree = DecisionTreeClassifier(max_depth=3, min_samples_leaf=max(1, round(0.05 * n)),
                                  random_state=0).fit(x, likely)
    t = tree.tree_
    member = tree.decision_path(x).tocsc()
    n_likely = int(likely.sum())

    def inside(node: int) -> np.ndarray:
        return member[:, [node]].toarray().ravel().astype(bool)

    pure: dict[int, bool] = {}

    def judge(node: int) -> bool:  # a leaf predicting "likely", or only such leaves below
        left, right = t.children_left[node], t.children_right[node]
        if left == -1:
            box = inside(node)
            pure[node] = bool(box.any() and np.count_nonzero(likely & box) / box.sum() > 0.5)
        else:
            pure[node] = judge(left) & judge(right)
        return pure[node]

    judge(0)
    boxes = []
    stack = [(0, {k: list(v) for k, v in ranges.items()})]
    while stack:
        node, lim = stack.pop()
        if pure[node]:
            box = inside(node)
            k = int(np.count_nonzero(likely & box))
            boxes.append({"coverage": k / n_likely, "density": k / int(box.sum()),
                          "limits": lim})
            continue
        left, right = t.children_left[node], t.children_right[node]
        if left == -1:
            continue
        name, thr = names[t.feature[node]], _round_limit(float(t.threshold[node]))
        lo_lim = {**lim, name: [lim[name][0], min(lim[name][1], thr)]}
        hi_lim = {**lim, name: [max(lim[name][0], thr), lim[name][1]]}
        stack += [(right, hi_lim), (left, lo_lim)]
    return boxes


def _prim_boxes(names, x, likely, ranges) -> list[dict[str, Any]]:
    """Up to three PRIM boxes (EMA Workbench), each the densest with coverage >= 0.5."""
    import pandas as pd

    try:
        from ema_workbench.analysis import prim
    except ImportError as exc:
        raise ScenarioError(["--boxes prim needs EMA Workbench: pip install ema_workbench"]) \
            from exc
    frame = pd.DataFrame(x, columns=[n.replace(".", "__") for n in names])
    alg = prim.Prim(frame, likely.astype(int), threshold=0.5)
    init = alg.box_init
    boxes = []
    for _ in range(3):
        box = alg.find_box()
        if box is None:
            break
        traj = box.peeling_trajectory
        ok = traj[traj["coverage"] >= 0.5]
        i = int((ok if len(ok) else traj)["density"].idxmax())
        if float(traj.loc[i, "density"]) <= 0.5:
            break
        box.select(i)
        lims = box.box_lim
        limits = {}
        for j, n in enumerate(names):
            lo, hi = float(lims.iloc[0, j]), float(lims.iloc[1, j])
            lo = ranges[n][0] if lo <= float(init.iloc[0, j]) else _round_limit(lo)
            hi = ranges[n][1] if hi >= float(init.iloc[1, j]) else _round_limit(hi)
            limits[n] = [lo, hi]
        boxes.append({"coverage": float(traj.loc[i, "coverage"]),
                      "density": float(traj.loc[i, "density"]), "limits": limits})
    return boxes


def box_sentence(box: dict[str, Any], ranges: dict[str, list[float]], threshold: float) -> str:
    """'talks resume in >= 60% of runs when A <= x and B >= y (covers ..., ... are such)'."""
    terms = []
    for name, (lo, hi) in box["limits"].items():
        rlo, rhi = ranges[name]
        tol = 1e-9 * max(1.0, abs(rhi - rlo))
        low_cut, high_cut = lo > rlo + tol, hi < rhi - tol
        if low_cut and high_cut:
            terms.append(f"{lo:.3g} <= {name} <= {hi:.3g}")
        elif low_cut:
            terms.append(f"{name} >= {lo:.3g}")
        elif high_cut:
            terms.append(f"{name} <= {hi:.3g}")
    where = "when " + " and ".join(terms) if terms else "across the whole swept range"
    return (f"talks resume in >= {threshold:.0%} of runs {where} (covers "
            f"{box['coverage']:.0%} of such points, {box['density']:.0%} of points in the box "
            "are such)")


# ---------------------------------------------------------------- CLI


def register(sub) -> None:
    p = sub.add_parser(
        "sweep", help="run a scenario over a design of parameter values",
        description="Vary numeric stance or world parameters of a scenario over a grid, Latin "
                    "hypercube, Morris or Sobol design; every point runs on the same seeds.")
    p.add_argument("scenario", nargs="?", help="base scenario YAML file")
    p.add_argument("--file", default=None, metavar="SWEEP.yaml",
                   help="a sweep file (scenario, parameters, method, samples, ...)")
    p.add_argument("--vary", action="append", default=None, metavar="PATH=LOW:HIGH:STEPS",
                   help="a parameter to vary (repeat for more); STEPS only for a grid")
    p.add_argument("--method", choices=METHODS, default=None, help="design (default grid)")
    p.add_argument("--samples", type=int, default=None,
                   help="lhs: points; morris: trajectories; sobol: base samples (power of 2)")
    p.add_argument("--runs-per-point", type=int, default=None,
                   help=f"runs at every point (default {DEFAULT_RUNS_PER_POINT:,})")
    p.add_argument("--seed", type=int, default=None, help="master seed (runs and design)")
    add_executor_options(p)
    p.add_argument("--out", type=Path, default=None, help="results folder")
    p.add_argument("--resume", type=Path, default=None, metavar="DIR",
                   help="complete an interrupted sweep in DIR")
    p.add_argument("--save-runs", action="store_true", help="also write runs.csv (every run)")
    p.add_argument("--no-plots", action="store_true", help="do not draw figures at the end")
    p.add_argument("--outcome", choices=OUTCOMES, default=None,
                   help="outcome the sensitivity indices analyse (default talks_resumed)")
    p.add_argument("--threshold", type=float, default=None,
                   help=f"P(talks) that makes a point 'likely' for the boxes "
                        f"(default {DEFAULT_THRESHOLD})")
    p.add_argument("--boxes", choices=("tree", "prim"), default="tree",
                   help="scenario discovery: decision tree (default) or PRIM (ema_workbench)")
    p.add_argument("--chunk", type=int, default=DEFAULT_CHUNK,
                   help="most runs per task (a point with more runs is split)")
    p.set_defaults(func=run_sweep)


def run_sweep(args) -> int:
    from parley.provenance import draw_figures, progress

    if args.chunk < 1:
        print("error: --chunk must be positive", file=sys.stderr)
        return 2
    if problem := jobs_problem(args.jobs):
        print(f"error: {problem}", file=sys.stderr)
        return 2
    if args.resume:
        sweep, manifest = _resume(args.resume)
    else:
        sweep, manifest = _new_sweep(args)
    executor = make_executor(args.executor, args.jobs, args.scheduler)
    manifest.update(jobs=executor.workers, executor=args.executor)
    total = sweep.n_points * sweep.spec.runs_per_point
    try:
        with executor, progress(total, sweep.done_runs()) as bar:
            sweep.execute(executor, bar.update)
    except KeyboardInterrupt:
        manifest.update(status="interrupted", finished=now(), errors=sweep.errors)
        atomic_write_json(sweep.folder / "manifest.json", manifest)
        raise
    results = _finish(sweep, manifest)
    print(format_report(sweep, results))
    if sweep.errors:
        print(f"{len(sweep.errors)} run(s) failed; see manifest.json", file=sys.stderr)
    if not args.no_plots:
        draw_figures(sweep.folder)
    print(f"results: {sweep.folder}")
    return 1 if sweep.errors else 0


def _new_sweep(args) -> tuple[Sweep, dict[str, Any]]:
    from parley.provenance import git_commit

    spec = build_spec(args)
    if not spec.scenario:
        raise ScenarioError(["give a scenario file (parley sweep SCENARIO --vary ...) "
                             "or a sweep file (--file SWEEP.yaml)"])
    base = load_scenario(spec.scenario)
    check_spec(spec, base)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = args.out or Path("results") / f"sweep-{base.name}-{stamp}"
    if any((folder / f).exists() for f in ("manifest.json", "chunks.jsonl", "points.csv")):
        raise ScenarioError([f"--out {folder}: already holds results "
                             f"(use --resume {folder} or another --out)"])
    sweep = Sweep(spec, base, folder, args.chunk, args.save_runs)
    sweep.boxes_method = args.boxes
    sweep.start()
    sweep_json = {"parameters": [p.to_json() for p in spec.parameters], "method": spec.method,
                  "runs_per_point": spec.runs_per_point, "samples": spec.samples,
                  "points": sweep.n_points, "seed": spec.seed, "outcome": spec.outcome,
                  "scenario": base.name}
    atomic_write_json(folder / "sweep.json", sweep_json)
    manifest = {
        "command": _command_line(spec, args, folder),
        "kind": "sweep",
        "status": "running",
        "master_seed": spec.seed,
        "method": spec.method,
        "samples": spec.samples,
        "runs_per_point": spec.runs_per_point,
        "points": sweep.n_points,
        "parameters": [p.to_json() for p in spec.parameters],
        "outcome": spec.outcome,
        "threshold": spec.threshold,
        "boxes": args.boxes,
        "chunk": sweep.chunk,
        "save_runs": args.save_runs,
        "design_sha256": design_hash(sweep.design),
        "sweep_file": str(args.file) if args.file else None,
        "runs": 0,
        "started": now(),
        "finished": None,
        "git_commit": git_commit(),
        "versions": versions("SALib", "scikit-learn"),
        "scenario": {"name": base.name, "file": str(base.path) if base.path else None,
                     "hash": base.hash, "resolved": base.resolved},
        "errors": [],
    }
    atomic_write_json(folder / "manifest.json", manifest)
    return sweep, manifest


def _resume(folder: Path) -> tuple[Sweep, dict[str, Any]]:
    path = folder / "manifest.json"
    if not path.is_file():
        raise ScenarioError([f"--resume {folder}: no manifest.json there"])
    manifest = read_manifest(folder, kinds=("sweep",))
    sc = manifest["scenario"]
    base = build_scenario(dict(sc["resolved"]), sc["file"] or sc["name"],
                          Path(sc["file"]) if sc["file"] else None)
    try:
        params = [SweepParam(**p) for p in manifest["parameters"]]
    except TypeError:
        raise ResultsFolderError(f"{path}: parameters: each must be an object with path, "
                                 "low, high and steps") from None
    spec = SweepSpec(scenario=sc["file"], method=manifest["method"],
                     parameters=params,
                     samples=manifest["samples"], runs_per_point=manifest["runs_per_point"],
                     seed=manifest["master_seed"], outcome=manifest["outcome"],
                     threshold=manifest["threshold"])
    sweep = Sweep(spec, base, folder, manifest["chunk"], manifest["save_runs"])
    sweep.boxes_method = manifest.get("boxes", "tree")
    if design_hash(sweep.design) != manifest["design_sha256"]:
        raise ScenarioError([f"--resume {folder}: the design rebuilt here differs from the "
                             "one started (another SALib version?); start a new sweep"])
    records = sweep.store.recover()
    try:
        sweep.restore(records)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ResultsFolderError(f"{sweep.store.log_path}: a chunk record does not fit this "
                                 f"sweep ({type(exc).__name__}); the log is corrupted") from None
    manifest["status"] = "running"
    manifest.setdefault("resumed", []).append(now())
    return sweep, manifest


def _finish(sweep: Sweep, manifest: dict[str, Any]) -> dict[str, Any]:
    """Sensitivity indices and boxes from the per-point tallies; the manifest closed."""
    folder, spec = sweep.folder, sweep.spec
    results: dict[str, Any] = {"sensitivity": None, "boxes": None}
    if spec.method in ("morris", "sobol"):
        if np.isnan(sweep.y).any():
            print("warning: some points have no runs; no sensitivity indices", file=sys.stderr)
        else:
            results["sensitivity"] = sensitivity(spec, sweep.design, sweep.y)
            atomic_write_json(folder / "sensitivity.json", results["sensitivity"])
    ok = ~np.isnan(sweep.p_talks)
    results["boxes"] = discover_boxes(spec.parameters, sweep.design[ok], sweep.p_talks[ok],
                                      spec.threshold, getattr(sweep, "boxes_method", "tree"))
    atomic_write_json(folder / "boxes.json", results["boxes"])
    manifest.update(status="complete", finished=now(), errors=sweep.errors,
                    runs=sweep.done_runs())
    atomic_write_json(folder / "manifest.json", manifest)
    return results


def format_report(sweep: Sweep, results: dict[str, Any], top: int = 10) -> str:
    """The terminal report: top points or the indices, then the boxes as sentences."""
    spec = sweep.spec
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
    head = ("point  " + "  ".join(f"{n:>{w}}" for n, w in zip(names, widths, strict=True))
            + "  P(talks resume) [95% CI]   summit  freeze  relief  crisis")
    lines = [f"top {len(best)} points by P(talks resume):", head, "-" * len(head)]
    for r in best:
        vals = "  ".join(f"{float(v):>{w}.4g}" for v, w in zip(r[1:1 + k], widths, strict=True))
        p, lo, hi = (float(r[header.index(c)]) for c in ("p_talks", "p_talks_lo", "p_talks_hi"))
        shares = "".join(f"  {float(r[header.index('share_' + c)]):6.3f}" for c in SHARE_COLUMNS)
        lines.append(f"{r[0]:>5}  {vals}  {p:6.3f} [{lo:.3f}, {hi:.3f}]    {shares}")
    return lines


def _command_line(spec: SweepSpec, args, folder: Path) -> str:
    parts = ["parley", "sweep", str(spec.scenario)]
    for p in spec.parameters:
        steps = f":{p.steps}" if p.steps is not None else ""
        parts += ["--vary", f"{p.path}={p.low:.12g}:{p.high:.12g}{steps}"]
    parts += ["--method", spec.method]
    if spec.samples is not None:
        parts += ["--samples", str(spec.samples)]
    parts += ["--runs-per-point", str(spec.runs_per_point), "--seed", str(spec.seed),
              "--outcome", spec.outcome, "--threshold", str(spec.threshold), "--out", str(folder)]
    if args.save_runs:
        parts.append("--save-runs")
    if args.boxes != "tree":
        parts += ["--boxes", args.boxes]
    if args.chunk != DEFAULT_CHUNK:
        parts += ["--chunk", str(args.chunk)]
    return shlex.join(parts)
