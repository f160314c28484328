"""Run, compare and hindcast batches: scenarios on the engine into a results folder, summarised.

Folder contents: ``runs.csv`` (one row per run), ``chunks.jsonl`` (progress
log for ``--resume``), ``summary.json``, ``manifest.json`` (everything needed
to replay), ``comparison.csv`` (compare) and ``figures/``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parley.analysis.stats import Z95, paired_difference
from parley.experiments.engine import DEFAULT_CHUNK, Batch, draw_variants, runs_for_precision
from parley.experiments.executors import Executor, jobs_problem
from parley.outcomes import (
    BINARY_OUTCOMES,
    DEFAULT_SEED,
    RUNS_HEADER,
    RUNS_HEADER_WITH_DRAW,
)
from parley.results.manifest import (
    close_manifest,
    new_manifest,
    read_manifest,
    refuse_used_folder,
    resume_manifest,
    write_manifest,
)
from parley.results.store import ResultsStore, atomic_write_json, atomic_write_text
from parley.scenario import Scenario, ScenarioError, build_scenario, require_runnable
from parley.scenario_files import load_scenario, scenario_files, scenario_path

MAX_RUNS = 10_000_000  # runs per scenario: far beyond any precision parley reports
MAX_DRAWS = 10_000  # parameter draws: far more than the ordering shares need


@dataclass
class BatchOptions:
    """How a batch is run: everything but the scenarios and the folder."""

    runs: int = 10_000
    seed: int = DEFAULT_SEED
    chunk: int = DEFAULT_CHUNK
    precision: float | None = None
    max_runs: int = MAX_RUNS
    reference: str | None = None
    executor: str | Executor = "local"
    jobs: int | None = None
    scheduler: str | None = None
    #: K parameter draws on the same worlds (0: off); from ``posterior`` or the envelope
    parameter_draws: int = 0
    posterior: str | Path | None = None

    def check(self) -> None:
        """Raise ScenarioError naming every option out of range."""
        problems = []
        if not 1 <= self.runs <= MAX_RUNS:
            problems.append(f"--runs {self.runs}: allowed 1 to {MAX_RUNS:,}")
        if self.chunk < 1:
            problems.append(f"--chunk {self.chunk}: must be positive")
        if problem := jobs_problem(self.jobs):
            problems.append(problem)
        if self.precision is not None and not 0 < self.precision < 0.5:
            problems.append("--precision must lie in (0, 0.5)")
        if self.precision is not None and not 1 <= self.max_runs <= MAX_RUNS:
            problems.append(f"--max-runs {self.max_runs}: allowed 1 to {MAX_RUNS:,}")
        if not 0 <= self.seed < 2**63:
            problems.append("--seed must be an integer in [0, 2**63)")
        if not 0 <= self.parameter_draws <= MAX_DRAWS:
            problems.append(f"--parameter-draws {self.parameter_draws}: allowed 0 (off) to "
                            f"{MAX_DRAWS:,}")
        if self.posterior is not None and not self.parameter_draws:
            problems.append("--posterior: give --parameter-draws K as well (K draws from it)")
        if problems:
            raise ScenarioError(problems)


# ---------------------------------------------------------------- driver


def load_scenarios(items: Sequence[str | Path | Scenario]) -> list[Scenario]:
    """Runnable scenarios from files, folders or Scenario objects; names must be unique."""
    scenarios, problems = [], []
    paths = [str(i) for i in items if not isinstance(i, Scenario)]
    files = scenario_files(paths) if paths else []
    if paths and not files:
        raise ScenarioError([f"{', '.join(paths)}: no scenario files found"])
    for item in [i for i in items if isinstance(i, Scenario)] + files:
        try:
            scenarios.append(require_runnable(item if isinstance(item, Scenario)
                                              else load_scenario(item)))
        except ScenarioError as exc:
            problems += exc.problems
    names = [s.name for s in scenarios]
    problems += [f"{s.path or s.name}: name: scenario name {s.name!r} is used twice in this "
                 "batch" for s in scenarios if names.count(s.name) > 1]
    if problems:
        raise ScenarioError(problems)
    return scenarios


def new_batch(scenarios: list[Scenario], options: BatchOptions, folder: Path | None,
              kind: str, sources: Sequence[str] | None = None) -> tuple[Batch, dict[str, Any]]:
    """A batch ready to run, its folder started and its manifest written.

    ``kind`` is run, compare or hindcast; ``folder=None`` picks
    ``results/<label>-<time>``; ``sources`` are the files or folders as the
    user named them (for the replay command in the manifest).
    """
    options.check()
    compare = kind != "run"
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    label = kind if compare else scenarios[0].name
    folder = folder or Path("results") / f"{label}-{stamp}"
    chunk = min(options.chunk, options.runs)
    start_runs = options.runs if not options.precision else min(options.runs, 2000)
    reference = None
    if compare:
        names = [s.name for s in scenarios]
        reference = options.reference or ("trump_oh" if "trump_oh" in names else names[0])
        if reference not in names:
            raise ScenarioError([f"--reference: {reference!r} is not among the scenarios "
                                 f"(allowed: {', '.join(names)})"])
    uncertainty = parameter_uncertainty(scenarios, options)
    draws = uncertainty["values"] if uncertainty else []
    draw_variants(scenarios, draws)  # a draw a scenario cannot take fails before the folder
    refuse_used_folder(folder)
    store = ResultsStore(folder, header=RUNS_HEADER_WITH_DRAW if draws else RUNS_HEADER)
    fields = {"runs": 0, "target_runs": start_runs, "precision": options.precision,
              "max_runs": options.max_runs if options.precision else start_runs,
              "chunk": chunk, "reference": reference}
    if uncertainty:
        fields["parameter_uncertainty"] = uncertainty
    inputs = {"scenarios": [{"name": s.name, "file": str(s.path) if s.path else None,
                             "hash": s.hash, "resolved": s.resolved} for s in scenarios]}
    sources = sources or [str(s.path or s.name) for s in scenarios]
    manifest = new_manifest(kind, command_line(kind, sources, options, folder), options.seed,
                            fields, inputs)
    store.start()
    write_manifest(folder, manifest)
    return Batch(scenarios, options.seed, store, chunk, draws=draws), manifest


def parameter_uncertainty(scenarios: list[Scenario], options: BatchOptions
                          ) -> dict[str, Any] | None:
    """The K parameter draws of a batch and where they come from (None when off).

    Drawn from the posterior file, or else from the assumption envelope of the
    scenarios, with the batch's master seed: the same command draws the same values.
    """
    from parley.analysis.uncertainty import (
        PosteriorError,
        assumption_envelope,
        load_posterior,
        parameter_draws,
    )

    k = options.parameter_draws
    if not k:
        return None
    if options.posterior is not None:
        try:
            posterior = load_posterior(scenario_path(options.posterior))  # parley:... too
        except PosteriorError as exc:
            raise ScenarioError([f"--posterior {exc}"]) from None
        values = parameter_draws(k, options.seed, posterior=posterior)
        return {"draws": k, "source": "posterior", "posterior": str(options.posterior),
                "posterior_sha256": posterior.sha256, "seed": options.seed,
                "parameters": list(posterior.names), "values": values}
    envelope = assumption_envelope(scenarios)
    if not envelope:
        raise ScenarioError(["--parameter-draws: these scenarios share no uncertain value to "
                             "draw (give --posterior FILE)"])
    return {"draws": k, "source": "envelope", "posterior": None, "seed": options.seed,
            "parameters": [{"name": p.name, "low": p.low, "high": p.high,
                            "default": p.default} for p in envelope],
            "values": parameter_draws(k, options.seed, envelope=envelope)}


def resume_batch(folder: Path) -> tuple[Batch, dict[str, Any]]:
    """The batch of an interrupted run, compare or hindcast, ready to run on."""
    manifest = read_manifest(folder, ("run", "compare", "hindcast"))
    scenarios = [build_scenario(dict(s["resolved"]), s["file"] or s["name"])
                 for s in manifest["scenarios"]]
    draws = (manifest.get("parameter_uncertainty") or {}).get("values", [])
    store = ResultsStore(folder, header=RUNS_HEADER_WITH_DRAW if draws else RUNS_HEADER)
    batch = Batch(scenarios, manifest["master_seed"], store, manifest["chunk"], draws=draws)
    store.recover_into(batch.restore)
    return batch, resume_manifest(manifest)


def execute(batch: Batch, manifest: dict[str, Any], executor: Executor,
            progress: Callable[[int], None] | None = None,
            set_total: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Run the batch to its target (and on, with a precision); write summary and manifest.

    ``progress(n)`` is called as runs are written; ``set_total(n)`` when a
    precision target raises the number of runs to do.
    """
    folder = batch.store.folder
    target = manifest["target_runs"]
    manifest["jobs"] = executor.workers
    try:
        with executor, contextlib.closing(batch.store):  # the folder's lock, held to the end
            batch.execute(executor, target, progress)
            while manifest["precision"] and batch.max_half_width() > manifest["precision"]:
                if target >= manifest["max_runs"]:
                    break
                target = runs_for_precision(target, batch.max_half_width(),
                                            manifest["precision"], manifest["max_runs"])
                manifest["target_runs"] = target
                write_manifest(folder, manifest)
                if set_total:
                    set_total(len(batch.scenarios) * target)
                batch.execute(executor, target, progress)
            return _finish(batch, manifest, "complete")
    except KeyboardInterrupt:
        _finish(batch, manifest, "interrupted")
        raise


def scenario_changes(manifest: dict[str, Any]) -> list[str]:
    """One line per scenario file that differs from (or is gone since) the batch's start."""
    lines = []
    for sc in manifest["scenarios"]:
        if not sc.get("file"):
            continue
        try:
            changed = load_scenario(sc["file"]).hash != sc["hash"]
        except (ScenarioError, OSError):
            changed = True
        if changed:
            lines.append(f"{sc['file']} has changed since the batch began; the batch goes on "
                         "with the scenario as it was then (kept in manifest.json)")
    return lines


def _finish(batch: Batch, manifest: dict[str, Any], status: str) -> dict[str, Any]:
    folder = batch.store.folder
    summary = build_summary(batch, manifest)
    atomic_write_json(folder / "summary.json", summary)
    if "comparison" in summary:
        atomic_write_text(folder / "comparison.csv", comparison_csv(summary["comparison"]))
    close_manifest(folder, manifest, status, batch.errors,
                   min(a.n for a in batch.aggregates) if batch.aggregates else 0)
    return summary


# --------------------------------------------------------------- summary


def build_summary(batch: Batch, manifest: dict[str, Any]) -> dict[str, Any]:
    starts = {sc.horizon.start for sc in batch.scenarios}
    horizons = {sc.horizon.months for sc in batch.scenarios}
    summary: dict[str, Any] = {"level": 0.95,
                               # shared horizon, or None when the scenarios differ
                               "horizon": horizons.pop() if len(horizons) == 1 else None,
                               "start": starts.pop() if len(starts) == 1 else None,
                               "master_seed": batch.master_seed, "scenarios": []}
    for sc, agg in zip(batch.scenarios, batch.aggregates, strict=True):
        summary["scenarios"].append({"name": sc.name, "title": sc.title, "camp": sc.camp,
                                     "start": sc.horizon.start, "months": sc.horizon.months,
                                     **agg.summary()})
    if batch.draws:
        summary["parameter_uncertainty"] = summarise_draws(batch.store.runs_path,
                                                           manifest["parameter_uncertainty"])
    if manifest.get("kind") != "run" and len(batch.scenarios) > 1:
        wide = talks_by_run(batch.store.runs_path)
        summary["comparison"] = compare_scenarios(wide, summary, manifest["reference"])
        summary["camps"] = camp_shares(wide, batch.scenarios)
    return summary


def summarise_draws(runs_path: Path, uncertainty: dict[str, Any]) -> dict[str, Any]:
    """Monte Carlo beside parameter intervals, and pairwise ordering shares over draws.

    Per scenario and yes/no outcome (and P(talks | engaged)): the Monte Carlo
    interval of all K x M runs, the interval over the K per-draw means and the
    share of their spread that is Monte Carlo noise.  Per pair of scenarios:
    the share of draws in which P(talks) of the first is above, below or tied
    with the second's (paired over the same worlds).
    """
    import pandas as pd

    from parley.analysis.uncertainty import ordering_shares, uncertainty_summary

    runs = pd.read_csv(runs_path, usecols=["scenario", "draw", "run", *BINARY_OUTCOMES])
    by_scenario = uncertainty_summary(runs, BINARY_OUTCOMES)
    given = uncertainty_summary(runs[runs["engaged"] == 1], ["talks_resumed"])
    for name, per_outcome in by_scenario.items():
        if name in given:
            per_outcome["talks_given_engaged"] = given[name]["talks_resumed"]
    per_draw = runs.groupby(["scenario", "draw"])["talks_resumed"].mean()
    names = runs["scenario"].unique()
    orderings = (ordering_shares(runs, "talks_resumed", world_col="run")
                 if len(names) > 1 else [])
    return _nan_to_none({"draws": uncertainty["draws"], "source": uncertainty["source"],
                         "posterior": uncertainty.get("posterior"),
                         "worlds": int(runs.groupby(["scenario", "draw"]).size().min()),
                         "scenarios": by_scenario, "orderings": orderings,
                         # P(talks) of each draw, per scenario (the ranking-stability figure)
                         "per_draw_talks": {str(name): per_draw[name].tolist()
                                            for name in sorted(names)}})


def _nan_to_none(value: Any) -> Any:
    """NaN (an undefined share: no spread, no engaged run) as JSON null, not bare NaN."""
    if isinstance(value, dict):
        return {k: _nan_to_none(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nan_to_none(v) for v in value]
    if isinstance(value, float) and value != value:
        return None
    return value


def talks_by_run(runs_path: Path, outcome: str = "talks_resumed"):
    """One row per run index, one column per scenario: the outcome (0/1) of that run."""
    import pandas as pd

    with open(runs_path, encoding="utf-8") as fh:
        keys = ["draw", "run"] if "draw" in fh.readline().strip().split(",") else ["run"]
    runs = pd.read_csv(runs_path, usecols=["scenario", *keys, outcome])
    return runs.pivot(index=keys, columns="scenario", values=outcome).dropna()


def compare_scenarios(wide, summary: dict[str, Any], reference: str,
                      outcome: str = "talks_resumed") -> dict[str, Any]:
    """Rank scenarios by P(outcome); paired differences against the reference."""
    rows = []
    params = (summary.get("parameter_uncertainty") or {}).get("scenarios", {})
    for sc in summary["scenarios"]:
        sh = sc["shares"][outcome]
        given = sc["talks_given_engaged"]
        diff = paired_difference(wide[sc["name"]].to_numpy(), wide[reference].to_numpy())
        row = {"scenario": sc["name"], "title": sc["title"], "camp": sc["camp"],
               "p": sh["p"], "lo": sh["lo"], "hi": sh["hi"],
               "p_given_engaged": given["p"], "given_engaged_lo": given["lo"],
               "given_engaged_hi": given["hi"], **diff}
        if sc["name"] in params:
            spread = params[sc["name"]][outcome]
            row.update(param_lo=spread["param_lo"], param_hi=spread["param_hi"])
        rows.append(row)
    rows.sort(key=lambda r: -r["p"])
    return {"reference": reference, "outcome": outcome, "paired_runs": len(wide), "rows": rows}


def camp_shares(wide, scenarios: list[Scenario]) -> dict[str, Any]:
    """P(talks resume) averaged over each camp's scenarios, equal weight per scenario.

    Runs share seeds across scenarios (common random numbers), so the
    scenarios of a camp are not independent samples: the interval is built
    from the per-run camp average, a normal interval on its mean.
    """
    out: dict[str, Any] = {}
    for camp in sorted({sc.camp for sc in scenarios}):
        names = [sc.name for sc in scenarios if sc.camp == camp]
        per_run = wide[names].to_numpy(float).mean(axis=1)
        n = len(per_run)
        p = float(per_run.mean())
        half = Z95 * float(per_run.std(ddof=1)) / n**0.5 if n > 1 else float("nan")
        out[camp] = {"p": p, "lo": max(0.0, p - half), "hi": min(1.0, p + half),
                     "scenarios": names, "runs": n}
    return out


def comparison_csv(comparison: dict[str, Any]) -> str:
    cols = ["scenario", "camp", "p", "lo", "hi", "p_given_engaged", "given_engaged_lo",
            "given_engaged_hi", "diff", "diff_lo", "diff_hi", "unpaired_lo", "unpaired_hi"]
    if comparison["rows"] and "param_lo" in comparison["rows"][0]:
        cols += ["param_lo", "param_hi"]
    lines = [",".join(cols)]
    for r in comparison["rows"]:
        lines.append(",".join(str(r[c]) if isinstance(r[c], str) else f"{r[c]:.6f}"
                              for c in cols))
    return "\n".join(lines) + "\n"


def command_line(kind: str, sources: Sequence[str], options: BatchOptions,
                 folder: Path) -> str:
    """The ``parley`` command that replays this batch (recorded in the manifest)."""
    parts = ["parley", kind, *map(str, sources)]
    parts += ["--runs", str(options.runs), "--seed", str(options.seed), "--out", str(folder)]
    if options.precision:
        parts += ["--precision", str(options.precision), "--max-runs", str(options.max_runs)]
    if options.reference:
        parts += ["--reference", options.reference]
    if options.chunk != DEFAULT_CHUNK:
        parts += ["--chunk", str(options.chunk)]
    if options.parameter_draws:
        parts += ["--parameter-draws", str(options.parameter_draws)]
    if options.posterior is not None:
        parts += ["--posterior", str(options.posterior)]
    return shlex.join(parts)
