"""``parley run`` and ``parley compare``: a batch into a results folder, then summaries.

Folder contents: ``runs.csv`` (one row per run), ``chunks.jsonl`` (progress
log for ``--resume``), ``summary.json``, ``manifest.json`` (everything needed
to replay), ``comparison.csv`` (compare) and ``figures/``.
"""

from __future__ import annotations

import datetime as dt
import shlex
import sys
from pathlib import Path
from typing import Any

from parley.batch import DEFAULT_CHUNK, Batch, runs_for_precision
from parley.executors import add_executor_options, make_executor
from parley.outputs.tables import comparison_table
from parley.provenance import DEFAULT_SEED, draw_figures, git_commit, now, progress, versions
from parley.scenario import (
    Scenario,
    ScenarioError,
    build_scenario,
    load_scenario,
    require_runnable,
    scenario_files,
)
from parley.stats import Z95, paired_difference
from parley.store import ResultsStore, atomic_write_json, atomic_write_text


def add_batch_options(p, default_runs: int = 10_000) -> None:
    p.add_argument("--runs", type=int, default=default_runs,
                   help=f"runs per scenario (default {default_runs:,})")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="master seed")
    add_executor_options(p)
    p.add_argument("--out", type=Path, default=None, help="results folder")
    p.add_argument("--chunk", type=int, default=DEFAULT_CHUNK, help="worlds per task")
    p.add_argument("--no-plots", action="store_true", help="do not draw figures at the end")


def register(sub) -> None:
    p = sub.add_parser("run", help="Monte Carlo runs of one scenario")
    p.add_argument("scenario", nargs="?", help="scenario YAML file")
    add_batch_options(p)
    _adaptive_options(p)
    p.set_defaults(func=lambda a: run_experiment(a, compare=False))
    p = sub.add_parser("compare", help="run scenarios on the same seeds and rank them")
    p.add_argument("scenarios", nargs="*", help="scenario files or folders")
    p.add_argument("--reference", default=None,
                   help="scenario the others are compared to (default trump_oh, else the first)")
    add_batch_options(p)
    _adaptive_options(p)
    p.set_defaults(func=lambda a: run_experiment(a, compare=True))


def _adaptive_options(p) -> None:
    p.add_argument("--precision", type=float, default=None,
                   help="run until every 95%% interval half-width is at most this")
    p.add_argument("--max-runs", type=int, default=200_000,
                   help="cap on runs per scenario with --precision")
    p.add_argument("--resume", type=Path, default=None, metavar="DIR",
                   help="complete an interrupted batch in DIR")


# ---------------------------------------------------------------- driver


def run_experiment(args, compare: bool) -> int:
    problem = _check_args(args, compare)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    if args.resume:
        batch, manifest = _resume(args.resume)
    else:
        batch, manifest = new_batch(args, compare)
    summary = execute(batch, manifest, args)
    print(format_table(summary, manifest))
    if manifest["precision"]:
        print(f"precision: widest 95% half-width {batch.max_half_width():.4f} "
              f"(target {manifest['precision']}) after {batch.done_runs:,} runs per scenario")
    return wrap_up(batch, args)


def execute(batch: Batch, manifest: dict[str, Any], args) -> dict[str, Any]:
    """Run the batch to its target (and on, with --precision); write summary and manifest."""
    folder = batch.store.folder
    target = manifest["target_runs"]
    executor = make_executor(args.executor, args.jobs, args.scheduler)
    manifest["jobs"] = executor.workers
    try:
        with executor, progress(len(batch.scenarios) * target, batch.done_runs
                                 * len(batch.scenarios)) as bar:
            batch.execute(executor, target, bar.update)
            while manifest["precision"] and batch.max_half_width() > manifest["precision"]:
                if target >= manifest["max_runs"]:
                    break
                target = runs_for_precision(target, batch.max_half_width(),
                                            manifest["precision"], batch.chunk,
                                            manifest["max_runs"])
                manifest["target_runs"] = target
                atomic_write_json(folder / "manifest.json", manifest)
                bar.total = len(batch.scenarios) * target
                batch.execute(executor, target, bar.update)
    except KeyboardInterrupt:
        _finish(batch, manifest, "interrupted")
        raise
    return _finish(batch, manifest, "complete")


def wrap_up(batch: Batch, args) -> int:
    """Report failed runs, draw figures, name the folder; exit 1 if any run failed."""
    if batch.errors:
        print(f"{len(batch.errors)} run(s) failed; see manifest.json", file=sys.stderr)
    if not args.no_plots:
        draw_figures(batch.store.folder)
    print(f"results: {batch.store.folder}")
    return 1 if batch.errors else 0


def _check_args(args, compare: bool) -> str | None:
    if args.resume:
        return None if (args.resume / "manifest.json").is_file() else \
            f"--resume {args.resume}: no manifest.json there"
    if not (args.scenarios if compare else args.scenario):
        return "give a scenario file" + (" or folder" if compare else "")
    if args.runs < 1 or args.chunk < 1 or (args.jobs is not None and args.jobs < 1):
        return "--runs, --chunk and --jobs must be positive"
    if args.precision is not None and not 0 < args.precision < 0.5:
        return "--precision must lie in (0, 0.5)"
    if not 0 <= args.seed < 2**63:
        return "--seed must be an integer in [0, 2**63)"
    return None


def _load_all(paths: list[str]) -> list[Scenario]:
    files = scenario_files(paths)
    if not files:
        raise ScenarioError([f"{', '.join(paths)}: no scenario files found"])
    scenarios, problems = [], []
    for f in files:
        try:
            scenarios.append(require_runnable(load_scenario(f)))
        except ScenarioError as exc:
            problems += exc.problems
    names = [s.name for s in scenarios]
    problems += [f"{f}: name: scenario name {n!r} is used twice in this batch"
                 for f, n in zip(files, names, strict=False) if names.count(n) > 1]
    if problems:
        raise ScenarioError(problems)
    return scenarios


def new_batch(args, compare: bool, kind: str | None = None) -> tuple[Batch, dict[str, Any]]:
    scenarios = _load_all(args.scenarios if compare else [args.scenario])
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    kind = kind or ("compare" if compare else "run")
    label = kind if compare else scenarios[0].name
    folder = args.out or Path("results") / f"{label}-{stamp}"
    chunk = min(args.chunk, args.runs)
    start_runs = args.runs if not args.precision else min(args.runs, 2000)
    reference = None
    if compare:
        names = [s.name for s in scenarios]
        reference = args.reference or ("trump_oh" if "trump_oh" in names else names[0])
        if reference not in names:
            raise ScenarioError([f"--reference: {reference!r} is not among the scenarios "
                                 f"(allowed: {', '.join(names)})"])
    store = ResultsStore(folder)
    store.start()
    manifest = {
        "command": _command_line(args, kind, folder),
        "kind": kind,
        "status": "running",
        "master_seed": args.seed,
        "runs": 0,
        "target_runs": start_runs,
        "precision": args.precision,
        "max_runs": args.max_runs if args.precision else start_runs,
        "chunk": chunk,
        "reference": reference,
        "started": now(),
        "finished": None,
        "git_commit": git_commit(),
        "versions": versions(),
        "scenarios": [{"name": s.name, "file": str(s.path) if s.path else None,
                       "hash": s.hash, "resolved": s.resolved} for s in scenarios],
        "errors": [],
    }
    atomic_write_json(folder / "manifest.json", manifest)
    return Batch(scenarios, args.seed, store, chunk), manifest


def _resume(folder: Path) -> tuple[Batch, dict[str, Any]]:
    import json

    manifest = json.loads((folder / "manifest.json").read_text())
    scenarios = [build_scenario(dict(s["resolved"]), s["file"] or s["name"])
                 for s in manifest["scenarios"]]
    store = ResultsStore(folder)
    batch = Batch(scenarios, manifest["master_seed"], store, manifest["chunk"])
    batch.restore(store.recover())
    manifest["status"] = "running"
    manifest.setdefault("resumed", []).append(now())
    return batch, manifest


def _finish(batch: Batch, manifest: dict[str, Any], status: str) -> dict[str, Any]:
    folder = batch.store.folder
    summary = build_summary(batch, manifest)
    atomic_write_json(folder / "summary.json", summary)
    if "comparison" in summary:
        atomic_write_text(folder / "comparison.csv", comparison_csv(summary["comparison"]))
    manifest.update(status=status, finished=now(), errors=batch.errors,
                    runs=min(a.n for a in batch.aggregates) if batch.aggregates else 0)
    atomic_write_json(folder / "manifest.json", manifest)
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
    if manifest.get("kind") != "run" and len(batch.scenarios) > 1:
        wide = talks_by_run(batch.store.runs_path)
        summary["comparison"] = compare_scenarios(wide, summary, manifest["reference"])
        summary["camps"] = camp_shares(wide, batch.scenarios)
    return summary


def talks_by_run(runs_path: Path, outcome: str = "talks_resumed"):
    """One row per run index, one column per scenario: the outcome (0/1) of that run."""
    import pandas as pd

    runs = pd.read_csv(runs_path, usecols=["scenario", "run", outcome])
    return runs.pivot(index="run", columns="scenario", values=outcome).dropna()


def compare_scenarios(wide, summary: dict[str, Any], reference: str,
                      outcome: str = "talks_resumed") -> dict[str, Any]:
    """Rank scenarios by P(outcome); paired differences against the reference."""
    rows = []
    for sc in summary["scenarios"]:
        sh = sc["shares"][outcome]
        diff = paired_difference(wide[sc["name"]].to_numpy(), wide[reference].to_numpy())
        rows.append({"scenario": sc["name"], "title": sc["title"], "camp": sc["camp"],
                     "p": sh["p"], "lo": sh["lo"], "hi": sh["hi"], **diff})
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
    cols = ["scenario", "camp", "p", "lo", "hi", "diff", "diff_lo", "diff_hi",
            "unpaired_lo", "unpaired_hi"]
    lines = [",".join(cols)]
    for r in comparison["rows"]:
        lines.append(",".join(str(r[c]) if isinstance(r[c], str) else f"{r[c]:.6f}"
                              for c in cols))
    return "\n".join(lines) + "\n"


def format_table(summary: dict[str, Any], manifest: dict[str, Any]) -> str:
    """The terminal table: one line per scenario, ranked by P(talks resume)."""
    return comparison_table(summary, manifest)


# ----------------------------------------------------------------- misc


def _command_line(args, kind: str, folder: Path) -> str:
    parts = ["parley", kind]
    parts += [str(s) for s in (args.scenarios if kind != "run" else [args.scenario])]
    parts += ["--runs", str(args.runs), "--seed", str(args.seed), "--out", str(folder)]
    if args.precision:
        parts += ["--precision", str(args.precision), "--max-runs", str(args.max_runs)]
    if getattr(args, "reference", None):
        parts += ["--reference", args.reference]
    if args.chunk != DEFAULT_CHUNK:
        parts += ["--chunk", str(args.chunk)]
    return shlex.join(parts)
