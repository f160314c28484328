"""Options and endings shared by the commands that run batches and sweeps."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from parley import defaults


def out_folder(text: str) -> Path:
    """``--out``: a folder path, never the empty string (which would mean this folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must name a folder (got an empty path)")
    return Path(text)


def is_sweep_file(path: str | Path) -> bool:
    """Whether a YAML file is a sweep file: :func:`parley.experiments.validate.is_sweep_file`
    (defined there once, for ``parley validate`` and the API's ``validate`` too)."""
    from parley.experiments.validate import is_sweep_file as check

    return check(path)


#: executor names of earlier releases -> the name to use now (one error line says so)
RENAMED_EXECUTORS = {"processes": "local"}


def executor_name(text: str) -> str:
    """``--executor``: a renamed executor is refused with the name to use instead."""
    if text in RENAMED_EXECUTORS:
        raise argparse.ArgumentTypeError(
            f"{text!r} is now called {RENAMED_EXECUTORS[text]!r}: use --executor "
            f"{RENAMED_EXECUTORS[text]}")
    return text


def add_executor_options(parser: argparse.ArgumentParser) -> None:
    """The options that choose an executor (shared by batches, sweeps, the hindcast and
    the calibration)."""
    parser.add_argument("--jobs", type=int, default=None,
                        help="worker processes (default: all cores)")
    parser.add_argument("--executor", choices=defaults.EXECUTORS, default=defaults.EXECUTOR,
                        type=executor_name,
                        help="local worker processes (default), a Dask cluster, or serial")
    parser.add_argument("--scheduler", default=None,
                        help="Dask scheduler address (with --executor dask; default: start "
                             "a local cluster)")


def add_batch_options(p: argparse.ArgumentParser, default_runs: int = defaults.RUNS) -> None:
    # --runs and --seed default to None so that --resume can tell whether they were given
    p.add_argument("--runs", type=int, default=None,
                   help=f"runs per scenario (default {default_runs:,})")
    p.add_argument("--seed", type=int, default=None,
                   help=f"master seed (default {defaults.SEED})")
    p.set_defaults(default_runs=default_runs)
    add_executor_options(p)
    p.add_argument("--out", type=out_folder, default=None, help="results folder")
    p.add_argument("--chunk", type=int, default=defaults.CHUNK, help="worlds per task")
    p.add_argument("--no-plots", action="store_true", help="do not draw figures at the end")


def progress_bar(total: int, initial: int = 0):
    """The terminal's progress bar for a batch or sweep (silent when not on a terminal)."""
    from parley.outputs.progress import progress

    if sys.stderr.isatty():  # a tqdm bar will be drawn
        import tqdm

        tqdm.tqdm.monitor_interval = 0  # no monitor thread: worker processes are forked
    return progress(total, initial)


def make_executor(args: argparse.Namespace):
    """The executor asked for, made before any folder is (so a failure leaves none)."""
    from parley.errors import ParleyError
    from parley.experiments.executors import make_executor as make
    from parley.experiments.executors import options_problem

    if problem := options_problem(args.executor, args.jobs, args.scheduler):
        raise ParleyError(problem)  # e.g. --scheduler without --executor dask
    try:
        return make(args.executor, args.jobs, args.scheduler)
    except ValueError as exc:  # --jobs out of range
        raise ParleyError(str(exc)) from None
    except (OSError, RuntimeError, TimeoutError) as exc:
        raise ParleyError(f"--executor {args.executor}: cannot start ({exc})") from None


def prepared(args: argparse.Namespace, start):
    """``start()``'s job with its executor; the executor closed if starting fails."""
    executor = make_executor(args)
    try:
        return executor, *start()
    except BaseException:
        executor.close()
        raise


def draw_figures(folder: Path) -> None:
    """Draw every applicable figure of a results folder and name the files."""
    from parley.outputs.plotting import save_figures

    for path in save_figures(folder):
        print(f"figure: {path}")


def finish(folder: Path, errors: list, no_plots: bool) -> int:
    """Report failed runs, draw figures, name the folder; exit 1 if any run failed."""
    if errors:
        print(f"{len(errors)} run(s) failed; see manifest.json", file=sys.stderr)
    if not no_plots:
        draw_figures(folder)
    print(f"results: {folder}")
    return 1 if errors else 0
