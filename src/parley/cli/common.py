"""Options and endings shared by the commands that run batches and sweeps."""

from __future__ import annotations

import argparse
import math
import os
import re
import stat
import sys
from pathlib import Path

from parley import defaults
from parley.errors import printable, printable_path

# ------------------------------------------------------------ argument types
#
# Every option and positional of every subcommand takes its value through one of these
# types (tests/test_attack_cli.py walks the parsers and checks it), so a value that means
# nothing is one bounded error line from argparse, exit 2, before any work: an empty
# name or path, a NUL byte, digits other than ASCII ones (Python's int() reads "٤" as 4),
# a number of thousands of digits, a seed outside 0..2^63-1, a port outside 1..65535, an
# output file that is a folder, a device or in a folder that does not exist.

MAX_DIGITS = 20  # characters of an integer on the command line (2^63 has 19 digits)
MAX_TEXT = 4096  # characters of a name or path on the command line (PATH_MAX)
SHOWN = 60  # characters of a bad value echoed in an error line
_INTEGER = re.compile(r"[-+]?[0-9]+", re.ASCII)
_REAL = re.compile(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?", re.ASCII)
_HOST_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?", re.ASCII)


def shown(text: str) -> str:
    """A value from the command line as an error line quotes it: printable, bounded."""
    return printable(repr(text), SHOWN)


def integer(low: int | None = None, high: int | None = None, rule: str | None = None):
    """An argparse type: a whole number in ASCII digits (an optional sign), at most
    MAX_DIGITS characters, within [low, high] when given (``rule``: how the error line
    says the range)."""

    def parse(text: str) -> int:
        if not _INTEGER.fullmatch(text):
            raise argparse.ArgumentTypeError(
                f"must be a whole number in the digits 0-9 (got {shown(text)})")
        if len(text) > MAX_DIGITS:
            raise argparse.ArgumentTypeError(
                f"a number of {len(text):,} characters (at most {MAX_DIGITS})")
        value = int(text)
        if (low is not None and value < low) or (high is not None and value > high):
            allowed = rule or f"allowed {_bound(low, 'any')} to {_bound(high, 'any')}"
            raise argparse.ArgumentTypeError(f"{allowed} (got {value})")
        return value

    parse.__name__ = "integer"
    return parse


def _bound(value: int | None, none: str) -> str:
    return none if value is None else f"{value:,}"


#: a seed: 0 to 2^63-1 (numpy's SeedSequence and the runs.csv seed column), in the words
#: of the batches' own check
seed = integer(0, defaults.SEED_MAX, rule=f"must be an integer in {defaults.SEED_RANGE}")
seed.__name__ = "seed"
#: a TCP port to listen on (0, "any free port", is refused: the URL printed must be right)
port = integer(1, 65535)
port.__name__ = "port"


def real(text: str) -> float:
    """An argparse type: a finite decimal number in ASCII (0.01, 1e-3), never nan or inf."""
    if len(text) > MAX_DIGITS * 2 or not _REAL.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"must be a decimal number such as 0.01, in the digits 0-9 (got {shown(text)})")
    value = float(text)
    if not math.isfinite(value):  # 1e999 overflows to inf
        raise argparse.ArgumentTypeError(f"must be a finite number (got {shown(text)})")
    return value


def text(value: str) -> str:
    """An argparse type: a name (a scenario, an outcome, a period, an address): not empty,
    no control characters (a NUL byte included), at most MAX_TEXT characters."""
    if not value.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    if len(value) > MAX_TEXT:
        raise argparse.ArgumentTypeError(
            f"{len(value):,} characters (at most {MAX_TEXT:,}): {shown(value)}")
    if any(not ch.isprintable() for ch in value):
        raise argparse.ArgumentTypeError(
            f"holds a control or non-printable character: {shown(value)}")
    return value


def path_text(value: str) -> str:
    """An argparse type: a file or folder to read, or a shipped reference (parley:biden),
    as text: not empty, no NUL byte."""
    if not value.strip():
        raise argparse.ArgumentTypeError("must name a file or folder (got an empty path)")
    if "\0" in value:
        raise argparse.ArgumentTypeError(f"a path cannot hold a NUL byte: {shown(value)}")
    return value  # a name the system refuses (too long, ...) is the reader's one line


def path_arg(value: str) -> Path:
    """:func:`path_text` as a Path (``--resume DIR``, ``--posterior FILE``, ...)."""
    return Path(path_text(value))


def out_folder(value: str) -> Path:
    """``--out``: a folder to write, never the empty string (which would mean this folder),
    nor an existing file or device."""
    if not value.strip():
        raise argparse.ArgumentTypeError("must name a folder (got an empty path)")
    folder = Path(path_text(value))
    if _stat(folder) is not None and not folder.is_dir():
        raise argparse.ArgumentTypeError(f"{printable_path(folder, 100)} exists and is not a "
                                         "folder; name a new or empty folder")
    return folder


#: what each kind of output file parley writes holds near its start: an existing file is
#: replaced only if it is empty or provably parley's own of that kind (never a scenario, a
#: note or another command's file given by mistake)
OWN_FILES = {
    "csv": ("a CSV table of parley drivers/explain", (b"outcome,",)),
    "calibration": ("a parley calibration JSON", (b'"fit"',)),
    "posterior": ("a parley posterior", (b'"format": "parley-posterior/',)),
    "loto": ("a parley leave-one-term-out JSON", (b'"settings"',)),
    "schema": ("a JSON Schema", (b'"$schema"',)),
    "figure": ("a figure (PNG, SVG or PDF)", (b"\x89PNG\r\n\x1a\n", b"<svg", b"%PDF-")),
}
_HEAD = 4096  # bytes of an existing output file looked at


def output_file(kind: str, make_parents: bool = False):
    """An argparse type for a file to write (``--csv``, ``--json``, ``--figure``, ...),
    checked before any work is done: not a folder, device or FIFO; in a folder that
    exists and can be written (with ``make_parents``, the nearest existing folder above
    it); and, if it exists, empty or a file parley wrote of this ``kind``
    (:data:`OWN_FILES`), so a scenario or a user's file is never replaced."""
    what, marks = OWN_FILES[kind]

    def parse(value: str) -> str:
        target = _output(value, make_parents)
        head = _head(target)
        if head is not None and head.strip() and not any(m in head for m in marks):
            raise argparse.ArgumentTypeError(
                f"{printable_path(target, 100)} exists and is not {what}: parley replaces "
                "only its own files; remove it or name a new file")
        return value

    parse.__name__ = "output_file"
    return parse


def _head(target: Path) -> bytes | None:
    """The first bytes of an existing regular file, or None if there is none."""
    try:
        with open(target, "rb") as fh:
            return fh.read(_HEAD)
    except (OSError, ValueError):
        return None


def _output(value: str, make_parents: bool) -> Path:
    target = Path(path_text(value))
    where = printable_path(target, 100)
    st = _stat(target)
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise argparse.ArgumentTypeError(f"{where} is a folder; give a file name")
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise argparse.ArgumentTypeError(f"{where} is a device, FIFO or socket; give a "
                                         "regular file")
    folder = target.parent
    if make_parents:
        while _stat(folder) is None and folder != folder.parent:
            folder = folder.parent
    fst = _stat(folder)
    if fst is None or not stat.S_ISDIR(fst.st_mode):
        raise argparse.ArgumentTypeError(f"{where}: no such folder "
                                         f"{printable_path(folder, 100)}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{where}: cannot write in the folder "
                                         f"{printable_path(folder, 100)}")
    return target


def host(value: str) -> str:
    """An argparse type: an address to listen on: an IPv4 or IPv6 address, or a host name
    (labels of letters, digits and hyphens; 256.256.256.256 is neither)."""
    import ipaddress

    text(value)
    try:
        ipaddress.ip_address(value)
        return value
    except ValueError:
        pass
    labels = value.removesuffix(".").split(".")
    if (len(value) <= 253 and all(_HOST_LABEL.fullmatch(x) for x in labels)
            and not labels[-1].isdigit()):
        return value
    raise argparse.ArgumentTypeError(f"not an IP address or host name: {shown(value)}")


def _stat(target: Path) -> os.stat_result | None:
    """``os.stat`` of a path, or None if there is nothing there (or it cannot be looked
    at: a name too long, a loop of links)."""
    try:
        return os.stat(target)
    except (OSError, ValueError):
        return None


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
    parser.add_argument("--jobs", type=integer(), default=None,
                        help="worker processes (default: all cores); without it, run, "
                             "compare and hindcast of at most "
                             f"{defaults.SERIAL_RUNS:,} runs a scenario run in this process")
    parser.add_argument("--executor", choices=defaults.EXECUTORS, default=defaults.EXECUTOR,
                        type=executor_name,
                        help="local worker processes (default), a Dask cluster, or serial")
    parser.add_argument("--scheduler", type=text, default=None,
                        help="Dask scheduler address (with --executor dask; default: start "
                             "a local cluster)")


def add_batch_options(p: argparse.ArgumentParser, default_runs: int = defaults.RUNS) -> None:
    # --runs and --seed default to None so that --resume can tell whether they were given
    p.add_argument("--runs", type=integer(), default=None,
                   help=f"runs per scenario (default {default_runs:,})")
    p.add_argument("--seed", type=seed, default=None,
                   help=f"master seed (default {defaults.SEED})")
    p.set_defaults(default_runs=default_runs)
    add_executor_options(p)
    p.add_argument("--out", type=out_folder, default=None, help="results folder")
    p.add_argument("--chunk", type=integer(), default=defaults.CHUNK, help="worlds per task")
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
    if small_job(args):
        return make("serial")
    try:
        return make(args.executor, args.jobs, args.scheduler)
    except ValueError as exc:  # --jobs out of range
        raise ParleyError(str(exc)) from None
    except (OSError, RuntimeError, TimeoutError) as exc:
        raise ParleyError(f"--executor {args.executor}: cannot start ({exc})") from None


def small_job(args: argparse.Namespace) -> bool:
    """A new run, compare or hindcast of at most defaults.SERIAL_RUNS runs a scenario, with
    neither --jobs nor --executor given: it runs in this process (same results)."""
    runs = getattr(args, "runs", None)
    if runs is None:
        runs = getattr(args, "default_runs", None)
    return (runs is not None and runs <= defaults.SERIAL_RUNS and args.jobs is None
            and args.executor == defaults.EXECUTOR and not getattr(args, "resume", None)
            and not getattr(args, "precision", None) and getattr(args, "small_serial", False))


def prepared(args: argparse.Namespace, start):
    """``start()``'s job with its executor; the executor closed if starting fails."""
    executor = make_executor(args)
    executor.warm()  # the workers start while the job is set up
    try:
        return executor, *start()
    except BaseException:
        executor.abort()
        raise


def draw_figures(folder: Path) -> None:
    """Draw every applicable figure of a results folder and name the files."""
    from parley.outputs.plotting import save_figures

    for path in save_figures(folder, jobs=os.cpu_count() or 1):  # the pool has ended
        print(f"figure: {path}")


def finish(folder: Path, errors: list, no_plots: bool) -> int:
    """Report failed runs, draw figures, name the folder; exit 1 if any run failed."""
    if errors:
        print(f"{len(errors)} run(s) failed; see manifest.json", file=sys.stderr)
    if not no_plots:
        draw_figures(folder)
    print(f"results: {folder}")
    return 1 if errors else 0
