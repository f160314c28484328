"""``parley run`` and ``parley compare``: a batch into a results folder, then the table."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from parley import defaults
from parley.cli.common import add_batch_options, finish, prepared, progress_bar

log = logging.getLogger("parley.cli")


def register(sub) -> None:
    p = sub.add_parser("run", help="Monte Carlo runs of one scenario")
    p.add_argument("scenario", nargs="?",
                   help="scenario YAML file, or a shipped one by name (biden, parley:biden)")
    add_batch_options(p)
    _adaptive_options(p)
    p.set_defaults(func=lambda a: run_experiment(a, compare=False))
    p = sub.add_parser("compare", help="run scenarios on the same seeds and rank them")
    p.add_argument("scenarios", nargs="*",
                   help="scenario files or folders, or shipped ones by name (default: the "
                        "shipped administration scenarios)")
    p.add_argument("--shipped", action="store_true",
                   help="also run the shipped administration scenarios (parley scenarios)")
    p.add_argument("--reference", default=None,
                   help="scenario the others are compared to (default trump_oh, else the first)")
    add_batch_options(p)
    _adaptive_options(p)
    p.set_defaults(func=lambda a: run_experiment(a, compare=True))


def _adaptive_options(p) -> None:
    p.add_argument("--precision", type=float, default=None,
                   help="run until every 95%% interval half-width is at most this")
    p.add_argument("--max-runs", type=int, default=defaults.PRECISION_MAX_RUNS,
                   help="cap on runs per scenario with --precision")
    p.add_argument("--resume", type=Path, default=None, metavar="DIR",
                   help="complete an interrupted batch in DIR")
    p.add_argument("--parameter-draws", type=int, default=None, metavar="K",
                   help="draw the values we chose (readings, assumptions, the rules' "
                        "constants) over their envelopes: K draws, the runs split evenly "
                        f"over them on the same worlds (default {defaults.PARAMETER_DRAWS}; "
                        "0: the point run)")
    p.add_argument("--posterior", type=Path, default=None, metavar="FILE",
                   help="draw the parameters from this posterior file (default: the "
                        "assumption envelope of the scenarios)")


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
                        posterior=getattr(args, "posterior", None))


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
    executor, batch, manifest = prepared(args, lambda: start_or_resume(args, sources, kind))
    per_row = len(batch.scenarios) * batch.tasks_per_chunk_row  # worlds x scenarios x draws
    with progress_bar(per_row * manifest["target_runs"], batch.done_runs * per_row) as bar:
        summary = execute(batch, manifest, executor, bar.update,
                          lambda total: setattr(bar, "total", total))
    print(comparison_table(summary, manifest))
    if manifest["precision"]:
        print(f"precision: widest 95% half-width {batch.max_half_width():.4f} "
              f"(target {manifest['precision']}) after {batch.done_runs:,} runs per scenario")
    return finish(batch.store.folder, batch.errors, args.no_plots)
