"""The Python API: every command as a plain function returning data frames.

``parley.run``, ``parley.compare``, ``parley.hindcast``, ``parley.sweep`` and
``parley.calibrate`` do what the commands of the same names do, on the same
engine, and return result objects whose ``.runs`` and ``.summary`` are pandas
DataFrames.  With ``out=None`` nothing is kept on disk: the engine writes to a
temporary folder that is read back and removed, so the numbers are exactly
those the command line writes to ``runs.csv`` for the same seed.
"""

from __future__ import annotations

import contextlib
import html
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import pandas as pd

from parley import defaults
from parley.errors import ScenarioError
from parley.experiments.batch import (
    MAX_RUNS,
    BatchOptions,
    execute,
    load_scenarios,
    new_batch,
)
from parley.experiments.engine import DEFAULT_CHUNK
from parley.experiments.executors import Executor, make_executor
from parley.outcomes import BINARY_OUTCOMES
from parley.scenario import Scenario

ScenarioLike = str | Path | Scenario
ExecutorLike = str | Executor
Progress = Callable[[int], None] | None
REPR_MAX = 300  # characters of a result's repr


class _Shown:
    """A short ``repr`` (sizes, not contents) and a notebook view (``_repr_html_``)."""

    _table = "summary"  # the data frame a notebook shows

    def __repr__(self) -> str:
        parts = (f"{f.name}={_brief(getattr(self, f.name))}"
                 for f in fields(self))  # type: ignore[arg-type]
        text = f"{type(self).__name__}({', '.join(parts)})"
        return text if len(text) <= REPR_MAX else text[: REPR_MAX - 4] + "...)"

    def _repr_html_(self) -> str:
        table = getattr(self, self._table)
        return (f"<p><code>{html.escape(repr(self))}</code></p>\n"
                + table.to_html(max_rows=20, max_cols=16))


def _brief(value: Any) -> str:
    if isinstance(value, pd.DataFrame):
        return f"<{len(value)} rows x {len(value.columns)} columns>"
    if isinstance(value, dict):
        return f"<{len(value)} keys>"
    if isinstance(value, list):
        return f"<{len(value)} items>"
    if isinstance(value, Path):
        return repr(str(value))
    return repr(value) if value is None or isinstance(value, int | float | str) else (
        f"<{type(value).__name__}>")


@dataclass(repr=False)
class BatchResult(_Shown):
    """What ``run``, ``compare`` and ``hindcast`` return.

    ``runs``: one row per run (the columns of runs.csv); ``summary``: one row
    per scenario (runs, P and 95% Wilson interval of every yes/no outcome,
    median month of talks); ``comparison``: paired differences against the
    reference (compare and hindcast); ``details``: summary.json as a dict;
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


@dataclass(repr=False)
class SweepResult(_Shown):
    """``runs``: every run (runs.csv); ``summary``: one row per design point (points.csv)."""

    runs: pd.DataFrame
    summary: pd.DataFrame
    sensitivity: dict[str, Any] | None
    boxes: dict[str, Any] | None
    manifest: dict[str, Any]
    folder: Path | None
    errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass(repr=False)
class CalibrationResult(_Shown):
    """``summary``: one row per period (the fit); ``runs``: one row per period and statistic
    (observed value, simulated interval, whether it lies within); ``fits``: the objects.
    With ``dynamics=True``: ``summary`` one row per fitted value, ``runs`` one row per
    particle, ``fits`` the fit, ``details`` the posterior file's content."""

    runs: pd.DataFrame
    summary: pd.DataFrame
    fits: list[Any]
    details: dict[str, Any] | None = None


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
           fmt: str = "csv"):
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
          format: str = "csv") -> SweepResult:
    """A scenario over a design of parameter values (``parley sweep``).

    ``vary`` holds ``"PATH=LOW:HIGH[:STEPS]"`` texts, as ``--vary`` does;
    ``file`` a sweep file whose settings the other arguments override.
    ``format="parquet"`` also writes points.parquet (and runs.parquet) into ``out``.
    """
    from parley.experiments.sweep import build_spec, execute_sweep, new_sweep

    _check_format("sweep", format, out)
    spec = build_spec(file, list(vary) if vary else None, scenario=scenario, method=method,
                      samples=samples, runs_per_point=runs_per_point, seed=seed,
                      outcome=outcome, threshold=threshold)
    runner = _executor(executor, jobs)
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


def _executor(executor: ExecutorLike, jobs: int | None) -> Executor:
    return executor if isinstance(executor, Executor) else make_executor(executor, jobs)


__all__ = ["MAX_RUNS", "BatchResult", "CalibrationResult", "HindcastResult", "SweepResult",
           "calibrate", "compare", "hindcast", "run", "sweep"]
