"""``parley run`` and ``parley compare``: a batch into a results folder, then the table."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from parley import defaults
from parley.cli.common import (
    add_batch_options,
    finish,
    integer,
    path_arg,
    path_text,
    prepared,
    progress_bar,
    real,
    text,
)
from parley.results.formats import FORMATS

log = logging.getLogger("parley.cli")


def register(sub) -> None:
    p = sub.add_parser("run", help="Monte Carlo runs of one scenario")
    p.add_argument("scenario", nargs="?", type=path_text,
                   help="scenario YAML file, or a shipped one by name (biden, parley:biden)")
    add_batch_options(p)
    _adaptive_options(p)
    add_format_option(p, "runs.parquet")
    add_paths_option(p)
    p.set_defaults(func=lambda a: run_experiment(a, compare=False), small_serial=True)
    p = sub.add_parser("compare", help="run scenarios on the same seeds and rank them")
    p.add_argument("scenarios", nargs="*", type=path_text,
                   help="scenario files or folders, or shipped ones by name (default: the "
                        "shipped administration scenarios)")
    p.add_argument("--shipped", action="store_true",
                   help="also run the shipped administration scenarios (parley scenarios)")
    p.add_argument("--reference", type=text, default=None,
                   help="scenario the others are compared to (default trump_oh, else the first)")
    add_batch_options(p)
    _adaptive_options(p)
    add_format_option(p, "runs.parquet")
    add_paths_option(p)
    p.set_defaults(func=lambda a: run_experiment(a, compare=True), small_serial=True)


def _adaptive_options(p) -> None:
    p.add_argument("--precision", type=real, default=None,
                   help="run until every 95%% interval half-width is at most this")
    p.add_argument("--max-runs", type=integer(), default=defaults.PRECISION_MAX_RUNS,
                   help="cap on runs per scenario with --precision")
    p.add_argument("--resume", type=path_arg, default=None, metavar="DIR",
                   help="complete an interrupted batch in DIR")
    p.add_argument("--parameter-draws", type=integer(), default=None, metavar="K",
                   help="draw the values we chose (readings, assumptions, the rules' "
                        "constants) over their envelopes: K draws, the runs split evenly "
                        f"over them on the same worlds (default {defaults.PARAMETER_DRAWS}; "
                        "0: the point run)")
    p.add_argument("--posterior", type=path_arg, default=None, metavar="FILE",
                   help="draw the parameters from this posterior file (default: the "
                        "assumption envelope of the scenarios)")


def add_format_option(p, parquet: str) -> None:
    p.add_argument("--format", choices=FORMATS, default=None,
                   help=f"csv (default), or parquet: also write {parquet} beside the CSV once "
                        "the job completes (the parquet extra; the CSV stays the record that "
                        "--resume and verify read). --resume keeps the format the job began "
                        "with; --format there replaces it")


def add_paths_option(p) -> None:
    p.add_argument("--paths", action="store_true",
                   help="also keep every run's monthly path (tension, talks state, pressure) "
                        "in paths.parquet, one row per run and month (the parquet extra; at "
                        f"most {defaults.MAX_PATH_ROWS:,} rows). --resume keeps what the "
                        "batch began with")


def wants_paths(args: argparse.Namespace, command: str) -> None:
    """--paths needs the parquet extra: one error here, before any folder is made."""
    from parley.results.formats import require_pyarrow

    if args.paths or (args.resume and recorded_paths(args.resume)):
        require_pyarrow(f"parley {command} --paths")
    if args.paths and args.resume and not recorded_paths(args.resume):
        from parley.errors import ResultsFolderError

        raise ResultsFolderError(f"--resume {args.resume}: the batch began without --paths; "
                                 "drop --paths (a batch's paths are kept from its start)")


def recorded_paths(folder: Path) -> bool:
    """Whether the batch in ``folder`` began with --paths (its manifest's ``paths``)."""
    from parley.errors import ParleyError
    from parley.results.load import read_json

    try:
        manifest = read_json(folder / "manifest.json", "manifest")
    except ParleyError:
        return False
    return isinstance(manifest, dict) and bool(manifest.get("paths"))


def chosen_format(args: argparse.Namespace, command: str) -> str:
    """--format, else (with --resume) the format the job began with, else csv; with parquet,
    the missing extra is one error here, before any folder is made or any world simulated."""
    from parley.results.formats import require_pyarrow

    fmt = args.format or (recorded_format(args.resume) if args.resume else "csv")
    if fmt == "parquet":
        require_pyarrow(f"parley {command} --format parquet")
    return fmt


def recorded_format(folder: Path) -> str:
    """The ``format`` in a results folder's manifest (csv if none: a folder from before
    --format, or one the resume itself will refuse with its own error)."""
    from parley.errors import ParleyError
    from parley.results.load import read_json

    try:
        manifest = read_json(folder / "manifest.json", "manifest")
    except ParleyError:
        return "csv"
    fmt = manifest.get("format") if isinstance(manifest, dict) else None
    return fmt if fmt in FORMATS else "csv"


def with_format(started: tuple, fmt: str, resumed: bool) -> tuple:
    """A started (job, manifest) with the format kept in its manifest (record_format)."""
    from parley.results.formats import record_format

    job, manifest = started
    record_format(job.store.folder, manifest, fmt, new_job=not resumed)
    return job, manifest


def write_formats(folder: Path, manifest: dict, fmt: str, csv_names: tuple[str, ...]
                  ) -> list[Path]:
    """The Parquet copies of a completed job's CSV files (none with csv)."""
    from parley.results.formats import write_parquet_beside

    if fmt != "parquet" or manifest.get("status") != "complete":
        return []
    return write_parquet_beside(folder, csv_names)


def batch_options(args: argparse.Namespace):
    from parley.experiments.batch import BatchOptions

    return BatchOptions(runs=args.default_runs if args.runs is None else args.runs,
                        seed=defaults.SEED if args.seed is None else args.seed, chunk=args.chunk,
                        precision=getattr(args, "precision", None),
                        max_runs=getattr(args, "max_runs", 0),
                        reference=getattr(args, "reference", None), executor=args.executor,
                        jobs=args.jobs, scheduler=args.scheduler,
                        parameter_draws=_or_default(getattr(args, "parameter_draws", None),
                                                    defaults.PARAMETER_DRAWS),
                        posterior=getattr(args, "posterior", None),
                        paths=bool(getattr(args, "paths", False)))


def _or_default(value, default):
    return default if value is None else value


def start_or_resume(args: argparse.Namespace, sources: list[str], kind: str):
    """The batch and manifest the command line asks for: new, or resumed with --resume."""
    from parley.errors import ScenarioError
    from parley.experiments.batch import load_scenarios, new_batch, resume_batch

    options = batch_options(args)
    if getattr(args, "resume", None):
        batch, manifest = resume_batch(args.resume)
        warn_resume_differences(args, sources, manifest)
        return batch, manifest
    if not sources:
        raise ScenarioError("give a scenario file" + (" or folder" if kind != "run" else ""))
    options.check()
    return new_batch(load_scenarios(sources), options, args.out, kind, sources)


def warn_resume_differences(args: argparse.Namespace, sources: list[str], manifest) -> None:
    """--resume goes on with the batch as it began: refuse a different seed or run count,
    warn that scenario arguments are ignored and when a scenario file has changed."""
    from parley.errors import ResultsFolderError
    from parley.experiments.batch import scenario_changes

    folder = args.resume
    if args.seed is not None and args.seed != manifest["master_seed"]:
        raise ResultsFolderError(f"--resume {folder}: the batch began with --seed "
                                 f"{manifest['master_seed']}; drop --seed or give that one")
    runs = manifest.get("requested_runs", manifest["target_runs"])
    if args.runs is not None and args.runs != runs:
        raise ResultsFolderError(f"--resume {folder}: the batch began with --runs "
                                 f"{runs}; drop --runs or give that number")
    began = (manifest.get("parameter_uncertainty") or {}).get("draws", 0)
    if getattr(args, "parameter_draws", None) not in (None, began):
        raise ResultsFolderError(f"--resume {folder}: the batch began with --parameter-draws "
                                 f"{began}; drop --parameter-draws or give that number")
    if sources:
        log.warning("--resume %s: scenario arguments ignored; the batch goes on with the "
                    "scenarios in its manifest", folder)
    for line in scenario_changes(manifest):
        log.warning("--resume %s: %s", folder, line)


def run_experiment(args: argparse.Namespace, compare: bool) -> int:
    from parley.experiments.batch import execute
    from parley.outputs.tables import comparison_table

    sources = list(args.scenarios) if compare else [args.scenario] if args.scenario else []
    if compare and (args.shipped or not (sources or args.resume)):
        from parley.scenario_files import PACKAGE_PREFIX

        sources.append(PACKAGE_PREFIX)  # the shipped administration scenarios
    kind = "compare" if compare else "run"
    fmt = chosen_format(args, kind)
    wants_paths(args, kind)
    executor, batch, manifest = prepared(args, lambda: with_format(
        start_or_resume(args, sources, kind), fmt, bool(args.resume)))
    per_row = len(batch.scenarios) * batch.tasks_per_chunk_row  # worlds x scenarios x draws
    with progress_bar(per_row * manifest["target_runs"], batch.done_runs * per_row) as bar:
        summary = execute(batch, manifest, executor, bar.update,
                          lambda total: setattr(bar, "total", total))
    print(comparison_table(summary, manifest))
    if manifest["precision"]:
        print(f"precision: widest 95% half-width {batch.max_half_width():.4f} "
              f"(target {manifest['precision']}) after {batch.done_runs:,} runs per scenario")
    tables = write_formats(batch.store.folder, manifest, fmt, ("runs.csv",))
    if batch.paths and manifest.get("status") == "complete":
        from parley.results.formats import PATHS_PARQUET

        tables.append(batch.store.folder / PATHS_PARQUET)
    code = finish(batch.store.folder, batch.errors, args.no_plots)
    for path in tables:
        print(f"results: {path}")
    return code
