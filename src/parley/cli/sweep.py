"""``parley sweep``: a scenario over a design of parameter values."""

from __future__ import annotations

import argparse

from parley import defaults
from parley.cli.common import (
    add_executor_options,
    finish,
    integer,
    out_folder,
    path_arg,
    path_text,
    prepared,
    progress_bar,
    real,
    seed,
    text,
)
from parley.cli.run import add_format_option, chosen_format, with_format, write_formats
from parley.errors import printable_path

METHODS = ("grid", "lhs", "morris", "sobol")  # as parley.experiments.sweep.METHODS
VARY_HELP = "PATH=LOW:HIGH:STEPS, e.g. washington.outreach_rate=0:1:11"
MAX_SAMPLES = defaults.MAX_SWEEP_SAMPLES
#: what a resumed sweep takes from its manifest (given with --resume: refused, not ignored)
RESUME_IGNORES = ("scenario", "file", "vary", "method", "samples", "runs_per_point", "seed",
                  "out", "outcome", "threshold")


def register(sub) -> None:
    from parley.outcomes import BINARY_OUTCOMES, COUNT_OUTCOMES

    p = sub.add_parser(
        "sweep", help="run a scenario over a design of parameter values",
        description="Vary numeric stance or world parameters of a scenario over a grid, Latin "
                    "hypercube, Morris or Sobol design; every point runs on the same seeds.")
    p.add_argument("scenario", nargs="?", type=path_text,
                   help="base scenario YAML file, or a sweep file (scenarios/sweeps/*.yaml)")
    p.add_argument("--file", type=path_text, default=None, metavar="SWEEP.yaml",
                   help="a sweep file (scenario, parameters, method, samples, ...)")
    p.add_argument("--vary", action="append", type=text, default=None,
                   metavar="PATH=LOW:HIGH:STEPS",
                   help="a parameter to vary (repeat for more); STEPS only for a grid")
    p.add_argument("--method", choices=METHODS, default=None, help="design (default grid)")
    p.add_argument("--samples", type=integer(), default=None,
                   help="lhs: points; morris: trajectories; sobol: base samples (power of 2)")
    p.add_argument("--runs-per-point", type=integer(), default=None,
                   help="runs at every point (default 1,000)")
    p.add_argument("--seed", type=seed, default=None,
                   help=f"master seed (runs, design and draws; default {defaults.SEED})")
    p.add_argument("--parameter-draws", type=integer(), default=None, metavar="K",
                   help="draw the values we chose (readings, assumptions, the rules' "
                        "constants; not the swept ones) over their envelopes: every point "
                        "runs under the same K draws, its runs split evenly over them on the "
                        f"same worlds (default {defaults.PARAMETER_DRAWS}; 0: the point sweep)")
    add_executor_options(p)
    p.add_argument("--out", type=out_folder, default=None, help="results folder")
    p.add_argument("--resume", type=path_arg, default=None, metavar="DIR",
                   help="complete an interrupted sweep in DIR")
    p.add_argument("--save-runs", action="store_true", help="also write runs.csv (every run)")
    add_format_option(p, "points.parquet (and runs.parquet with --save-runs)")
    p.add_argument("--no-plots", action="store_true", help="do not draw figures at the end")
    p.add_argument("--outcome", choices=BINARY_OUTCOMES + COUNT_OUTCOMES, default=None,
                   help="outcome the sensitivity indices analyse (default talks_resumed)")
    p.add_argument("--threshold", type=real, default=None,
                   help="P(talks) that makes a point 'likely' for the boxes (default 0.6)")
    p.add_argument("--boxes", choices=("tree", "prim"), default="tree",
                   help="scenario discovery: decision tree (default) or PRIM (ema_workbench)")
    p.add_argument("--chunk", type=integer(), default=defaults.CHUNK,
                   help="most runs per task (a point with more runs is split)")
    p.set_defaults(func=run_sweep)


def check_limits(args: argparse.Namespace) -> None:
    from parley.errors import SweepSpecError
    from parley.experiments.batch import MAX_RUNS
    from parley.experiments.executors import jobs_problem

    problems = []
    if problem := jobs_problem(args.jobs):
        problems.append(problem)
    if args.chunk < 1:
        problems.append(f"--chunk {args.chunk}: must be positive")
    if args.samples is not None and args.samples > MAX_SAMPLES:
        problems.append(f"--samples {args.samples}: allowed 1 to {MAX_SAMPLES:,}")
    if args.runs_per_point is not None and args.runs_per_point > MAX_RUNS:
        problems.append(f"--runs-per-point {args.runs_per_point}: allowed 1 to {MAX_RUNS:,}")
    if problems:
        raise SweepSpecError(problems)


def start_or_resume(args: argparse.Namespace):
    from parley.cli.common import is_sweep_file
    from parley.experiments.sweep import build_spec, new_sweep, resume_sweep

    if args.resume:
        given = [f"--{k.replace('_', '-')}" if k != "scenario" else "the scenario argument"
                 for k in RESUME_IGNORES if getattr(args, k) is not None]
        if given:  # a resumed sweep goes on as it began: these would be silently ignored
            from parley.errors import ResultsFolderError

            raise ResultsFolderError(f"--resume {printable_path(args.resume, 100)}: goes on "
                                     f"as the sweep began; drop {', '.join(given)}")
        sweep, manifest = resume_sweep(args.resume)
        began = sweep.spec.parameter_draws
        if args.parameter_draws not in (None, began):
            from parley.errors import ResultsFolderError

            raise ResultsFolderError(f"--resume {printable_path(args.resume, 100)}: the sweep "
                                     f"began with --parameter-draws {began}; drop "
                                     "--parameter-draws or give that number")
        return sweep, manifest
    file, scenario = args.file, args.scenario
    if scenario and not file and is_sweep_file(scenario):
        file, scenario = scenario, None  # a sweep file given where files go
    spec = build_spec(file, args.vary, scenario=scenario, method=args.method,
                      samples=args.samples, runs_per_point=args.runs_per_point, seed=args.seed,
                      outcome=args.outcome, threshold=args.threshold,
                      parameter_draws=args.parameter_draws)
    return new_sweep(spec, args.out, args.chunk, args.save_runs, args.boxes, file)


def run_sweep(args: argparse.Namespace) -> int:
    from parley.experiments.sweep import execute_sweep, format_report

    check_limits(args)
    fmt = chosen_format(args, "sweep")
    executor, sweep, manifest = prepared(args, lambda: with_format(
        start_or_resume(args), fmt, bool(args.resume)))
    total = sweep.total_runs
    with progress_bar(total, sweep.done_runs()) as bar:
        results = execute_sweep(sweep, manifest, executor, bar.update,
                                args.executor)
    print(format_report(sweep, results))
    tables = write_formats(sweep.folder, manifest, fmt, ("points.csv", "runs.csv"))
    code = finish(sweep.folder, sweep.errors, args.no_plots)
    for path in tables:
        print(f"results: {path}")
    return code
