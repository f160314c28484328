"""The Python API: every command as a plain function returning data frames.

``parley.run``, ``compare``, ``hindcast``, ``forecast``, ``sweep``, ``calibrate``,
``explain``, ``drivers``, ``chronicle``, ``validate``, ``plot``, ``report`` and ``verify``
do what the commands of the same names do, on the same library code, and return pandas
DataFrames or small result objects (a one-line ``repr``, a notebook view).  With
``out=None`` nothing is kept on disk: the engine writes to a temporary folder that is
read back and removed, so the numbers are exactly those the command line writes to
``runs.csv`` for the same seed.  Every frame names its columns in one scheme (see
"the column scheme" below and docs/API.md).  No printing; bad input is one ParleyError.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from parley import defaults
from parley.errors import ParleyError, ScenarioError
from parley.experiments.batch import (
    MAX_RUNS,
    BatchOptions,
    execute,
    load_scenarios,
    new_batch,
)
from parley.experiments.engine import DEFAULT_CHUNK
from parley.experiments.executors import Executor, make_executor, ordered_map
from parley.outcomes import BINARY_OUTCOMES
from parley.results.shown import REPR_MAX
from parley.results.shown import Shown as _Shown
from parley.scenario import Scenario

ScenarioLike = str | Path | Scenario
ExecutorLike = str | Executor
Progress = Callable[[int], None] | None


@dataclass(repr=False)
class BatchResult(_Shown):
    """What ``run``, ``compare`` and ``hindcast`` return.

    ``runs``: one row per run (the columns of runs.csv); ``summary``: one row
    per scenario (runs, P and 95% Wilson interval of every yes/no outcome,
    median month of talks); ``comparison``: paired differences against the
    reference (compare; comparison.csv's rows, its columns in the scheme below:
    ``p_talks_resumed``, ``talks_resumed_lo``, ``diff``, ``diff_lo``, ...); ``details``:
    summary.json as a dict;
    ``folder``: the results folder, or None when nothing was kept; ``paths`` (with
    ``paths=True``): one row per run and month (paths.parquet's columns), else None.
    """

    runs: pd.DataFrame
    summary: pd.DataFrame
    comparison: pd.DataFrame | None
    details: dict[str, Any]
    manifest: dict[str, Any]
    folder: Path | None
    errors: list[dict[str, Any]] = field(default_factory=list)
    paths: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        if self.comparison is not None:
            outcome = str((self.details.get("comparison") or {}).get("outcome")
                          or BINARY_OUTCOMES[0])
            self.comparison = comparison_columns(self.comparison, outcome)


@dataclass(repr=False)
class HindcastResult(_Shown):
    """``terms``: one row per term beside the record; ``live``: the forecasts of terms still
    running; ``scores``: term-level Brier and log scores against the baselines; ``details``:
    hindcast.json as a dict (month-level, patterns, rolling-origin forecasts)."""

    terms: pd.DataFrame
    live: pd.DataFrame
    scores: dict[str, Any]
    details: dict[str, Any]
    folder: Path | None

    _table = "terms"

    def __post_init__(self) -> None:
        self.terms = _renamed(self.terms, TERM_COLUMNS)
        self.live = _renamed(self.live, LIVE_COLUMNS)


@dataclass(repr=False)
class SweepResult(_Shown):
    """``runs``: every run (runs.csv); ``summary``: one row per design point (points.csv's
    rows, its columns in the scheme below: ``p_talks_resumed``, ``talks_resumed_lo``,
    ``talks_resumed_hi``, ``p_<outcome>``, ``mean_<count>``)."""

    runs: pd.DataFrame
    summary: pd.DataFrame
    sensitivity: dict[str, Any] | None
    boxes: dict[str, Any] | None
    manifest: dict[str, Any]
    folder: Path | None
    errors: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.summary = points_columns(self.summary)


@dataclass(repr=False)
class CalibrationResult(_Shown):
    """``summary``: one row per period (the fit; each rate's interval as ``<rate>_lo``,
    ``<rate>_hi``); ``runs``: one row per period and statistic (``observed``, ``simulated``,
    ``simulated_lo``, ``simulated_hi``, ...); ``fits``: the objects.  With ``dynamics=True``:
    ``summary`` one row per fitted value, ``runs`` one row per particle, ``fits`` the fit,
    ``details`` the posterior file's content."""

    runs: pd.DataFrame
    summary: pd.DataFrame
    fits: list[Any]
    details: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        self.summary = _split_intervals(self.summary)
        self.runs = _renamed(self.runs, CHECK_COLUMNS)


# --------------------------------------------------------- the column scheme
#
# One naming scheme for every data frame the API returns (tests/test_api.py checks each):
# the probability of yes/no outcome X is ``p_X`` and its 95% interval ``X_lo``, ``X_hi``;
# its interval over parameter draws ``X_param_lo``, ``X_param_hi``; any other estimate Y
# (a difference, a simulated statistic) is ``Y`` with ``Y_lo``, ``Y_hi``.  The files keep
# their own columns (points.csv's ``p_talks`` and ``share_X``, comparison.csv's ``p``,
# ``lo``, ``hi``), which the figures, the report and existing readers use; the frames are
# renamed here, once.

#: hindcast terms: P(talks at some time in the term) is ``p_talks``
TERM_COLUMNS = {"lo": "talks_lo", "hi": "talks_hi"}
#: the live forecast: P(talks in the rest of the term | the record so far)
LIVE_COLUMNS = {"p": "p_talks_rest", "lo": "talks_rest_lo", "hi": "talks_rest_hi"}
#: a calibration's checked statistics: observed beside simulated and its 95% range
CHECK_COLUMNS = {"sim_mean": "simulated", "sim_low": "simulated_lo",
                 "sim_high": "simulated_hi"}


def comparison_columns(frame: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """comparison.csv's columns in the scheme: ``p``/``lo``/``hi`` are those of
    ``outcome``, ``given_engaged`` is ``talks_given_engaged``, the unpaired interval is the
    difference's (``diff_unpaired_lo``)."""
    names = {"p": f"p_{outcome}", "lo": f"{outcome}_lo", "hi": f"{outcome}_hi",
             "param_lo": f"{outcome}_param_lo", "param_hi": f"{outcome}_param_hi",
             "p_given_engaged": "p_talks_given_engaged",
             "given_engaged_lo": "talks_given_engaged_lo",
             "given_engaged_hi": "talks_given_engaged_hi",
             "unpaired_lo": "diff_unpaired_lo", "unpaired_hi": "diff_unpaired_hi"}
    return _renamed(frame, names)


def points_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """points.csv's columns in the scheme: ``p_talks`` is ``p_talks_resumed`` (its
    interval ``talks_resumed_lo``), ``share_X`` is ``p_X``."""
    names: dict[str, str] = {}
    for col in map(str, frame.columns):
        if col == "p_talks":
            names[col] = f"p_{BINARY_OUTCOMES[0]}"
        elif col.startswith("p_talks_"):
            names[col] = f"{BINARY_OUTCOMES[0]}_{col[len('p_talks_'):]}"
        elif col.startswith("share_"):
            rest = col[len("share_"):]
            stem = next((o for o in BINARY_OUTCOMES if rest.startswith(o + "_")), None)
            names[col] = f"{stem}{rest[len(stem):]}" if stem else f"p_{rest}"
    return _renamed(frame, names)


def _renamed(frame: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    return frame.rename(columns={k: v for k, v in names.items() if k in frame.columns})


def _split_intervals(frame: pd.DataFrame) -> pd.DataFrame:
    """A column ``X_ci`` of (low, high) pairs as two columns ``X_lo`` and ``X_hi``."""
    out = frame.copy()
    for col in [str(c) for c in frame.columns if str(c).endswith("_ci")]:
        stem = col[: -len("_ci")]
        at = list(out.columns).index(col)
        pairs = [tuple(v) if v is not None else (None, None) for v in out.pop(col)]
        out.insert(at, f"{stem}_hi", [p[1] for p in pairs])
        out.insert(at, f"{stem}_lo", [p[0] for p in pairs])
    return out


# ------------------------------------------------------------------ batches


def run(scenario: ScenarioLike, runs: int = defaults.RUNS, seed: int = defaults.SEED,
        out: str | Path | None = None, executor: ExecutorLike = "local",
        jobs: int | None = None, chunk: int = DEFAULT_CHUNK, precision: float | None = None,
        max_runs: int = defaults.PRECISION_MAX_RUNS, progress: Progress = None,
        parameter_draws: int = defaults.PARAMETER_DRAWS,
        posterior: str | Path | None = None, format: str = "csv",
        paths: bool = False) -> BatchResult:
    """Monte Carlo runs of one scenario (``parley run``).

    ``parameter_draws=K`` runs every world under K parameter draws (from
    ``posterior``, else from the assumption envelope): ``runs`` worlds per draw.
    ``format="parquet"`` also writes runs.parquet into ``out`` (``--format parquet``).
    ``paths=True`` keeps every run's monthly path: ``result.paths`` (and paths.parquet in
    ``out``; ``--paths``; the parquet extra).
    """
    options = BatchOptions(runs=runs, seed=seed, chunk=chunk, precision=precision,
                           max_runs=max_runs, jobs=jobs, parameter_draws=parameter_draws,
                           posterior=posterior, paths=paths)
    return _batch([scenario], "run", options, out, executor, progress, format)


def compare(scenarios: Sequence[ScenarioLike], runs: int = defaults.RUNS,
            seed: int = defaults.SEED, reference: str | None = None, out: str | Path | None = None,
            executor: ExecutorLike = "local", jobs: int | None = None,
            chunk: int = DEFAULT_CHUNK, precision: float | None = None,
            max_runs: int = defaults.PRECISION_MAX_RUNS, progress: Progress = None,
            parameter_draws: int = defaults.PARAMETER_DRAWS,
            posterior: str | Path | None = None, format: str = "csv",
            paths: bool = False) -> BatchResult:
    """Scenarios (files, folders or Scenario objects) on the same seeds (``parley compare``).

    ``parameter_draws``, ``posterior``, ``format`` and ``paths`` as in :func:`run`.
    """
    options = BatchOptions(runs=runs, seed=seed, chunk=chunk, precision=precision,
                           max_runs=max_runs, reference=reference, jobs=jobs,
                           parameter_draws=parameter_draws, posterior=posterior, paths=paths)
    if isinstance(scenarios, str | Path | Scenario):
        raise ScenarioError([f"compare: give a list of scenarios, not one ({scenarios!r}"[:200]
                             + "); parley.run takes one"])
    return _batch(list(scenarios), "compare", options, out, executor, progress, format)


def forecast(scenario: ScenarioLike | None = None, runs: int = defaults.HINDCAST_RUNS,
             seed: int = defaults.SEED, parameter_draws: int = defaults.PARAMETER_DRAWS,
             cutoff: str | None = None, register_in: str | Path | None = None
             ) -> pd.DataFrame:
    """``parley forecast``: P(a new spell of talks has begun by each month) of the current
    term (default the shipped live one) given the record to ``cutoff``; one row a month,
    the whole result (drivers, matching check, interval over draws) in ``.attrs``.
    ``register_in`` writes it to a registry folder too (its path in ``.attrs["file"]``)."""
    from parley.experiments import forecast as fc

    result = fc.forecast(scenario, runs, seed, parameter_draws, cutoff)
    frame = pd.DataFrame({"month": result["months"], "p_new_spell_by": result["p_by_month"]})
    frame.attrs.update(result)
    if register_in is not None:
        frame.attrs["file"] = str(fc.register(result, Path(register_in)))
    return frame


def hindcast(scenarios: Sequence[ScenarioLike] = (), runs: int = defaults.HINDCAST_RUNS,
             seed: int = defaults.SEED, out: str | Path | None = None,
             executor: ExecutorLike = defaults.EXECUTOR, jobs: int | None = None,
             chunk: int = defaults.CHUNK, progress: Progress = None,
             parameter_draws: int = defaults.PARAMETER_DRAWS) -> HindcastResult:
    """Every US term since 1993 beside the record, scored, and the live forecast
    (``parley hindcast``); ``scenarios`` defaults to the shipped hindcast and live files.
    ``scores`` holds the model's and every baseline's scores per target
    (``scores["new_spell"]["term"]["persistence"]["log"]``)."""
    from parley.experiments.hindcast import execute_hindcast, new_hindcast

    runner = _executor(executor, jobs)
    runner.warm()  # the workers start while the terms are set up
    with _folder(out) as folder:
        try:
            job, _manifest = new_hindcast(list(scenarios) or None, runs, seed, folder, chunk,
                                          parameter_draws)
        except BaseException:
            runner.close()
            raise
        table = execute_hindcast(job, _manifest, runner, progress)
        kept = _kept(folder, out)
    scores = {k: {"term": t["term"], "month": t["month"]}
              for k, t in table.get("targets", {}).items()}
    return HindcastResult(terms=pd.DataFrame([{k: v for k, v in r.items() if k != "patterns"}
                                              for r in table["rows"]]),
                          live=pd.DataFrame(table["live"]), scores=scores, details=table,
                          folder=kept)


def _batch(items: list[ScenarioLike], kind: str, options: BatchOptions,
           out: str | Path | None, executor: ExecutorLike, progress: Progress,
           fmt: str = "csv") -> BatchResult:
    options.check()
    if not items:
        raise ScenarioError([f"{kind}: give one or more scenarios (files, folders or "
                             "parley:NAME)"])
    _check_format(kind, fmt, out)
    if options.paths:
        from parley.results.formats import require_pyarrow

        require_pyarrow(f"parley.{kind}(paths=True)")
    scenarios = load_scenarios(items)
    sources = [str(i) for i in items if not isinstance(i, Scenario)] or None
    runner = _executor(executor, options.jobs)  # first: a failure here leaves no folder
    runner.warm()  # the workers start while the batch is set up
    with _folder(out) as folder:
        try:
            batch, manifest = new_batch(scenarios, options, folder, kind, sources)
            _record_format(folder, manifest, fmt)
        except BaseException:
            runner.close()
            raise
        details = execute(batch, manifest, runner, progress)
        _write_formats(folder, fmt, ("runs.csv",))
        result = BatchResult(
            runs=pd.read_csv(folder / "runs.csv"), summary=_scenario_table(details),
            comparison=(pd.DataFrame(details["comparison"]["rows"])
                        if "comparison" in details else None),
            details=details, manifest=manifest, folder=_kept(folder, out), errors=batch.errors,
            paths=_paths_frame(folder) if options.paths else None)
    return result


def _paths_frame(folder: Path) -> pd.DataFrame:
    from parley.results.formats import PATHS_PARQUET

    return pd.read_parquet(folder / PATHS_PARQUET)


def _scenario_table(details: dict[str, Any]) -> pd.DataFrame:
    """One row per scenario: shares with their intervals, P(talks | engaged) beside
    P(talks), and with parameter draws each share's interval over the draws."""
    params = (details.get("parameter_uncertainty") or {}).get("scenarios", {})
    rows = []
    for sc in details["scenarios"]:
        row = {"scenario": sc["name"], "title": sc["title"], "camp": sc["camp"],
               "runs": sc["runs"]}
        given = sc["talks_given_engaged"]
        shares = {**sc["shares"], "talks_given_engaged": given}
        for k in (BINARY_OUTCOMES[0], "talks_given_engaged", *BINARY_OUTCOMES[1:]):
            share = shares[k]
            row.update({f"p_{k}": share["p"], f"{k}_lo": share["lo"], f"{k}_hi": share["hi"]})
            spread = params.get(sc["name"], {}).get(k)
            if spread:
                row.update({f"{k}_param_lo": spread["param_lo"],
                            f"{k}_param_hi": spread["param_hi"]})
        row["median_first_talks_month"] = sc["time_to_talks"]["median"]
        rows.append(row)
    return pd.DataFrame(rows)


# ------------------------------------------------------------------- sweeps


def sweep(scenario: str | Path | None = None, vary: Sequence[str] | None = None,
          file: str | Path | None = None, method: str | None = None,
          samples: int | None = None, runs_per_point: int | None = None,
          seed: int | None = None, outcome: str | None = None, threshold: float | None = None,
          out: str | Path | None = None, executor: ExecutorLike = "local",
          jobs: int | None = None, chunk: int = DEFAULT_CHUNK, save_runs: bool = True,
          boxes: str = "tree", progress: Progress = None,
          format: str = "csv", parameter_draws: int | None = None) -> SweepResult:
    """A scenario over a design of parameter values (``parley sweep``).

    ``vary`` holds ``"PATH=LOW:HIGH[:STEPS]"`` texts, as ``--vary`` does;
    ``file`` a sweep file whose settings the other arguments override; what neither
    gives takes the command's default (``runs_per_point`` default 1,000, ``seed`` default
    20201130, ``samples`` by method, ``threshold`` default 0.6, the P(talks) that makes a
    point likely for the boxes).  ``save_runs=True`` keeps every run in ``.runs``
    (the command writes runs.csv only with ``--save-runs``).
    ``parameter_draws``: K draws of the values we chose at every point (default
    ``defaults.PARAMETER_DRAWS``, or the sweep file's; 0: the point sweep); the summary
    then has ``talks_resumed_param_lo``/``talks_resumed_param_hi`` per point.
    ``format="parquet"`` also writes points.parquet (and runs.parquet) into ``out``.
    """
    from parley.experiments.sweep import build_spec, execute_sweep, new_sweep

    _check_format("sweep", format, out)
    spec = build_spec(file, list(vary) if vary else None, scenario=scenario, method=method,
                      samples=samples, runs_per_point=runs_per_point, seed=seed,
                      outcome=outcome, threshold=threshold, parameter_draws=parameter_draws)
    runner = _executor(executor, jobs)
    runner.warm()  # the workers start before the folder is opened (none holds its lock)
    with _folder(out) as folder:
        try:
            job, manifest = new_sweep(spec, folder, chunk, save_runs, boxes, file)
            _record_format(folder, manifest, format)
        except BaseException:
            runner.close()
            raise
        found = execute_sweep(job, manifest, runner, progress,
                              executor if isinstance(executor, str) else "custom")
        _write_formats(folder, format, ("points.csv", "runs.csv"))
        runs_path = folder / "runs.csv"
        return SweepResult(
            runs=pd.read_csv(runs_path) if runs_path.exists() else pd.DataFrame(),
            summary=pd.read_csv(folder / "points.csv"), sensitivity=found["sensitivity"],
            boxes=found["boxes"], manifest=manifest, folder=_kept(folder, out),
            errors=job.errors)


# -------------------------------------------------------------- calibration


def calibrate(periods: Sequence[str] | None = None, sims: int = 2000,
              seed: int = defaults.SEED, *, executor: ExecutorLike = defaults.EXECUTOR,
              jobs: int | None = None, dynamics: bool = False,
              terms: Sequence[ScenarioLike] | None = None,
              particles: int | None = None, generations: int | None = None,
              worlds: int | None = None, db: str | Path | None = None,
              out: str | Path | None = None) -> CalibrationResult:
    """Baseline provocation rates fitted to periods of the record (``parley calibrate``);
    with ``dynamics=True`` the untexted constants fitted by ABC-SMC on the talks record
    (``parley calibrate --dynamics``: ``terms`` as ``--terms``, default the shipped
    hindcast files; ``particles``, ``generations``, ``worlds`` default to the command's).

    ``executor`` and ``jobs`` are those of :func:`run`: the fit's particles are mapped over
    them, and the posterior does not depend on either (the closed-form fit runs in this
    process; the options are checked all the same).  ``db`` keeps pyabc's history (a rerun
    continues it), else a temporary one is removed; ``out`` writes the posterior file the
    command writes.  Bad input raises one ParleyError.
    """
    from parley.analysis.calibration import calibrate_periods
    from parley.errors import ParleyError
    from parley.experiments.abc import seed_problem
    from parley.experiments.executors import options_problem

    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int)):
        raise ParleyError(f"--jobs {jobs!r}: must be a whole number")
    if isinstance(executor, str) and (problem := options_problem(executor, jobs, None)):
        raise ParleyError(problem)
    if problem := seed_problem(seed):
        raise ParleyError(problem)
    if dynamics:
        return _calibrate_dynamics(seed, executor, jobs, terms, particles, generations,
                                   worlds, db, out)
    sims = _whole("--sims", sims, 1, defaults.MAX_CALIBRATION_SIMS)
    if isinstance(executor, Executor):
        executor.close()  # the closed-form fit runs in this process
    fitted = calibrate_periods(list(periods) if periods else None, sims, seed)
    summary = pd.DataFrame([fit.to_dict() for fit, _ in fitted])
    checks = [{"period": fit.name, "statistic": name, **asdict(check)}
              for fit, sims_ in fitted for name, check in sims_.quality.checks.items()]
    return CalibrationResult(runs=pd.DataFrame(checks), summary=summary,
                             fits=[fit for fit, _ in fitted])


def _calibrate_dynamics(seed: int, executor: ExecutorLike, jobs: int | None,
                        terms: Sequence[ScenarioLike] | None, particles: int | None,
                        generations: int | None, worlds: int | None,
                        db: str | Path | None, out: str | Path | None) -> CalibrationResult:
    """``calibrate(dynamics=True)``: the command's fit, returned as data frames."""
    import importlib.util

    from parley.analysis.calibration import _json_safe
    from parley.analysis.terms import load_terms
    from parley.errors import MissingExtraError, ParleyError
    from parley.experiments import abc
    from parley.results.store import atomic_write_json

    given = {"particles": particles, "generations": generations, "worlds": worlds}
    settings = abc.AbcSettings(seed=seed, **{k: v for k, v in given.items() if v is not None})
    if problems := settings.problems():
        raise ParleyError(problems)
    if importlib.util.find_spec("pyabc") is None:
        raise MissingExtraError("parley.calibrate(dynamics=True)", "calibrate")
    found = load_terms(list(terms) if terms else None, completed_only=True)
    parameters = abc.fitted_parameters([t.scenario for t in found])
    runner = _executor(executor, jobs)
    runner.warm()  # the workers start before the fit opens its database
    with contextlib.ExitStack() as stack:
        if db is None:
            db = Path(stack.enter_context(tempfile.TemporaryDirectory(
                prefix="parley-calibrate-"))) / "dynamics.db"
        result = abc.calibrate(found, parameters, settings, db, executor=runner)
    doc = _json_safe(abc.posterior_document(result, found, settings))
    if out is not None:
        atomic_write_json(Path(out), doc)
    particles_frame = pd.DataFrame(result.particles, columns=result.names)
    particles_frame.insert(0, "weight", result.weights)
    return CalibrationResult(runs=particles_frame,
                             summary=pd.DataFrame(abc.posterior_rows(result)),
                             fits=[result], details=doc)  # type: ignore[arg-type]


# ------------------------------------------------- attribution and single runs


def explain(a: ScenarioLike, b: ScenarioLike, runs: int = defaults.EXPLAIN_RUNS,
            seed: int = defaults.SEED, permutations: int = defaults.EXPLAIN_PERMUTATIONS,
            outcomes: Sequence[str] | None = None,
            parameter_draws: int = defaults.PARAMETER_DRAWS,
            executor: ExecutorLike = defaults.EXECUTOR, jobs: int | None = None) -> pd.DataFrame:
    """What explains B - A (``parley explain``): the paired difference of each outcome
    (default the headline outcomes) split by Shapley value over the stances that differ,
    ``runs`` worlds on common random numbers (default 4,000), master seed ``seed`` (default
    20201130), ``permutations`` sampled orders when too many stances differ for exact
    Shapley (default 64), over ``parameter_draws`` draws of the values we chose (default
    20; 0: the point attribution), each part's interval over the draws as
    ``shapley_param_lo``, ``shapley_param_hi``.  One row per (outcome, group);
    ``group == "(total)"`` is the whole difference.  Empty when the scenarios differ in no
    stance.  ``executor`` and ``jobs`` are those of :func:`run`: the coalitions run as
    tasks on it (the same table on any)."""
    from parley.experiments.explain import HEADLINE
    from parley.experiments.explain import explain as shapley

    chosen = _outcomes(outcomes, HEADLINE)
    runs = _whole("--runs", runs, 2, defaults.MAX_ATTRIBUTION_RUNS)
    seed = _whole("--seed", seed, 0, defaults.SEED_MAX)
    permutations = _whole("--permutations", permutations, 1, defaults.MAX_PERMUTATIONS)
    draws = _whole("--parameter-draws", parameter_draws, 0, defaults.MAX_DRAWS)
    a, b = _runnable(a), _runnable(b)
    with ordered_map(executor, jobs) as map_:
        frame = shapley(a, b, runs=runs, seed=seed, outcomes=chosen,
                        permutations=permutations, parameter_draws=draws, map_=map_)
    return _renamed(frame, {"param_lo": "shapley_param_lo", "param_hi": "shapley_param_hi"})


@dataclass(frozen=True, eq=False, repr=False)
class DriversResult(_Shown):
    """What ``drivers`` returns.  ``table``: one row per (outcome, element) as ``parley
    drivers --csv`` writes it (with ``by_kind=True`` a ``scenario`` column too);
    ``kinds`` (envelope only): one row per (scenario, outcome, kind), the kind's share of
    the variance of P(outcome) over draws and its 95% half-width (``share_conf``), the
    noise and the interactions as kinds of their own; ``over``, ``samples``, ``worlds``,
    ``runs`` and ``seed`` as run."""

    table: pd.DataFrame
    kinds: pd.DataFrame | None
    over: str
    samples: int | None
    worlds: int | None
    runs: int | None
    seed: int

    _table = "table"


def drivers(scenario: ScenarioLike | Sequence[ScenarioLike], over: str = "envelope",
            samples: int | None = None, worlds: int | None = None, runs: int | None = None,
            seed: int = defaults.SEED, outcomes: Sequence[str] | None = None,
            by_kind: bool = False, executor: ExecutorLike = defaults.EXECUTOR,
            jobs: int | None = None) -> DriversResult:
    """Where the variance of each outcome comes from (``parley drivers``).

    ``over="envelope"`` (the default): Sobol indices of P(outcome) over the values we
    chose, by value and by provenance kind, with the worlds' noise as a factor;
    ``samples`` envelope points in each of two samples (default 128; 1,024 with
    ``by_kind=True``), ``worlds`` worlds per point (default 64).  ``by_kind=True`` takes
    several scenarios (files, folders) and keeps only the kind shares.
    ``over="streams"``: the between-world variance by random stream, ``runs`` worlds per
    sample (default 2,000).  ``seed``: the master seed (default 20201130); ``outcomes``
    default every yes/no outcome.  ``executor`` and ``jobs`` are those of :func:`run`:
    either design's model calls run as tasks on it (the same table on any)."""
    from parley.experiments import drivers as lib
    from parley.outcomes import BINARY_OUTCOMES

    chosen = _outcomes(outcomes, BINARY_OUTCOMES)
    seed = _whole("--seed", seed, 0, defaults.SEED_MAX)
    if over not in ("envelope", "streams"):
        raise ParleyError([f"--over {over!r}"[:80] + ": allowed 'envelope' or 'streams'"])
    items = ([scenario] if isinstance(scenario, str | Path | Scenario) else list(scenario))
    if not items:
        raise ParleyError(["drivers: give a scenario (a file, a folder with by_kind=True, "
                           "or parley:NAME)"])
    if over == "streams":
        for flag, value in (("--samples", samples), ("--worlds", worlds)):
            if value is not None:
                raise ParleyError([f"{flag}: applies to over='envelope' (over='streams' "
                                   "takes runs=)"])
        if by_kind:
            raise ParleyError(["--by-kind: applies to over='envelope'"])
        if len(items) > 1:
            raise ParleyError([f"drivers: one scenario, got {len(items)}"])
        runs = _whole("--runs", defaults.DRIVERS_RUNS if runs is None else runs, 2,
                      defaults.MAX_ATTRIBUTION_RUNS)
        with ordered_map(executor, jobs) as map_:
            table = lib.drivers(_runnable(items[0]), runs=runs, seed=seed, outcomes=chosen,
                                map_=map_)
        return DriversResult(table=table, kinds=None, over=over, samples=None, worlds=None,
                             runs=runs, seed=seed)
    if runs is not None:
        raise ParleyError(["--runs: applies to over='streams' (over='envelope' takes "
                           "samples= and worlds=)"])
    samples = _whole("--samples", samples if samples is not None else (
        lib.KIND_SAMPLES if by_kind else lib.ENVELOPE_SAMPLES), 2, defaults.MAX_ENVELOPE_SAMPLES)
    worlds = _whole("--worlds", lib.ENVELOPE_WORLDS if worlds is None else worlds, 1,
                    defaults.MAX_ATTRIBUTION_RUNS)
    if samples * worlds > defaults.MAX_ENVELOPE_DESIGN:
        raise ParleyError([f"samples={samples:,} x worlds={worlds:,}: {samples * worlds:,} "
                           f"worlds a sample, allowed at most {defaults.MAX_ENVELOPE_DESIGN:,} "
                           "(defaults.MAX_ENVELOPE_DESIGN)"])
    if by_kind:
        from parley.scenario_files import scenario_files

        files: list[ScenarioLike] = []
        for item in items:
            files += [item] if isinstance(item, Scenario) else list(scenario_files([item]))
        scenarios = [_runnable(f) for f in files]
    elif len(items) > 1:
        raise ParleyError([f"drivers: one scenario, got {len(items)} (several, or a folder, "
                           "need by_kind=True)"])
    else:
        scenarios = [_runnable(items[0])]
    with ordered_map(executor, jobs) as map_:
        results = [lib.envelope_drivers(sc, samples=samples, worlds=worlds, seed=seed,
                                        outcomes=chosen, per_value=not by_kind, map_=map_)
                   for sc in scenarios]
    table = (pd.concat([r.table.assign(scenario=r.scenario) for r in results],
                       ignore_index=True) if by_kind else results[0].table)
    kinds = pd.DataFrame([
        {"scenario": r.scenario, "outcome": o, "kind": kind, "share": share,
         "share_conf": conf}
        for r in results for o in chosen
        for kind, (share, conf) in lib.kind_shares(r, o)["shares"].items()])
    return DriversResult(table=table, kinds=kinds, over=over, samples=samples, worlds=worlds,
                         runs=None, seed=seed)


@dataclass(frozen=True, eq=False, repr=False)
class ChronicleResult(_Shown):
    """One run told month by month (``parley chronicle``): ``months`` has one row a month
    (``month``, ``label``, ``text``: the line the command prints, ``levels``);
    ``outcome``: the run's outcome record (its row of runs.csv)."""

    scenario: str
    title: str
    seed: int
    months: pd.DataFrame
    outcome: dict[str, Any]

    _table = "months"

    @property
    def lines(self) -> list[str]:
        """The months as ``parley chronicle`` prints them."""
        return [str(t) for t in self.months["text"]]


def chronicle(scenario: ScenarioLike, seed: int = defaults.CHRONICLE_SEED,
              batch: str | Path | None = None, draw: int | None = None) -> ChronicleResult:
    """Run ``scenario`` once on run seed ``seed`` (default 1; any seed of runs.csv's
    ``seed`` column) and tell it month by month (``parley chronicle``).  With ``batch``
    (a results folder) ``scenario`` names one of its scenarios, run as the batch ran it,
    with the values of parameter draw ``draw``."""
    from parley.experiments.chronicle import tell

    told = tell(scenario, seed=seed, batch=batch, draw=draw)
    months = pd.DataFrame([{"month": m.month, "label": m.label, "text": m.text,
                            "levels": m.levels} for m in told.months],
                          columns=["month", "label", "text", "levels"])
    return ChronicleResult(scenario=told.scenario, title=told.title, seed=told.seed,
                           months=months, outcome=told.outcome)


# ------------------------------------------------------ files and folders


@dataclass(frozen=True, eq=False, repr=False)
class ValidationResult(_Shown):
    """What ``validate`` returns: ``files``, one row per file that passed (``file``: as it
    can be named again, ``what``: its title or a sweep's shape), and ``problems``, one line
    per problem.  The result itself is the sequence of problems: empty (falsy) when every
    file is fine, so ``assert not parley.validate(paths)`` checks them."""

    files: pd.DataFrame
    problems: tuple[str, ...]

    _table = "files"

    def __len__(self) -> int:
        return len(self.problems)

    def __iter__(self) -> Iterator[str]:
        return iter(self.problems)

    def __getitem__(self, index: int) -> str:
        return self.problems[index]


def validate(paths: str | Path | Sequence[str | Path],
             provenance: bool = True) -> ValidationResult:
    """Check scenario and sweep files, folders and shipped names (``parley validate``);
    ``provenance=False`` checks the schema only (``--no-provenance``).  Returns the
    problems found (none when all is well) beside the files that passed; a bad file is a
    problem in the result, not an exception."""
    from parley.experiments.validate import validate as check

    items = [paths] if isinstance(paths, str | Path) else list(paths)
    found = check(items, provenance=provenance)
    files = pd.DataFrame([{"file": c.shown, "what": c.what} for c in found.checked],
                         columns=["file", "what"])
    return ValidationResult(files=files, problems=found.problems)


# ------------------------------------------------------------------ helpers


@contextlib.contextmanager
def _folder(out: str | Path | None) -> Iterator[Path]:
    """The results folder asked for, or a temporary one removed afterwards."""
    if out is not None:
        if not str(out).strip():
            from parley.errors import ResultsFolderError

            raise ResultsFolderError("out: must name a folder (got an empty path)")
        yield Path(out)
        return
    with tempfile.TemporaryDirectory(prefix="parley-") as tmp:
        yield Path(tmp) / "results"


def _kept(folder: Path, out: str | Path | None) -> Path | None:
    return folder if out is not None else None


def _check_format(what: str, fmt: str, out: str | Path | None) -> None:
    """``format=`` checked before anything runs: a known one, a folder to keep it, the
    parquet extra installed."""
    from parley.errors import ParleyError
    from parley.results.formats import FORMATS, require_pyarrow

    if fmt not in FORMATS:
        raise ParleyError([f"{what}: format={fmt!r}"[:200] + ": allowed 'csv' or 'parquet'"])
    if fmt == "parquet":
        if out is None:
            raise ParleyError([f"{what}: format='parquet' writes its file into out=; give "
                               "out=FOLDER (the returned data frames need no file)"])
        require_pyarrow(f"parley.{what}(format='parquet')")


def _record_format(folder: Path, manifest: dict[str, Any], fmt: str) -> None:
    if fmt != "csv":  # csv is what a manifest without a format means
        from parley.results.formats import record_format

        record_format(folder, manifest, fmt, new_job=True)


def _write_formats(folder: Path, fmt: str, csv_names: tuple[str, ...]) -> None:
    if fmt == "parquet":
        from parley.results.formats import write_parquet_beside

        write_parquet_beside(folder, csv_names)


def _runnable(scenario: ScenarioLike) -> Scenario:
    from parley.scenario import require_runnable
    from parley.scenario_files import load_scenario

    return require_runnable(scenario if isinstance(scenario, Scenario)
                            else load_scenario(scenario))


def _outcomes(outcomes: Sequence[str] | None, default: Sequence[str]) -> tuple[str, ...]:
    from parley.outcomes import BINARY_OUTCOMES

    if outcomes is None:
        return tuple(default)
    chosen = (outcomes,) if isinstance(outcomes, str) else tuple(outcomes)
    unknown = [o for o in chosen if o not in BINARY_OUTCOMES]
    if unknown or not chosen:
        raise ParleyError([f"--outcome: unknown outcome {str(unknown[0])[:60]!r} " if unknown
                           else "--outcome: give one or more outcomes "
                           f"(allowed: {', '.join(BINARY_OUTCOMES)})"])
    return chosen


def _whole(flag: str, value: object, low: int, high: int) -> int:
    """A whole number in [low, high] (numpy integers too), else one ParleyError line."""
    import numbers

    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ParleyError([f"{flag} {value!r}"[:80] + f": must be a whole number in "
                           f"[{low:,}, {high:,}]"])
    number = int(value)
    if not low <= number <= high:
        raise ParleyError([f"{flag}: must be an integer in [{low:,}, {high:,}] "
                           f"(got {number})"[:200]])
    return number


def _executor(executor: ExecutorLike, jobs: int | None) -> Executor:
    return executor if isinstance(executor, Executor) else make_executor(executor, jobs)


__all__ = [
    "MAX_RUNS",
    "REPR_MAX",
    "BatchResult",
    "CalibrationResult",
    "ChronicleResult",
    "DriversResult",
    "HindcastResult",
    "SweepResult",
    "ValidationResult",
    "calibrate",
    "chronicle",
    "compare",
    "drivers",
    "explain",
    "forecast",
    "hindcast",
    "run",
    "sweep",
    "validate",
]
