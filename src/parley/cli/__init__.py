"""The ``parley`` command: parses arguments, calls the library, maps errors to exit codes.

The only place for argparse, exit codes, terminal output, signal handling and
process-wide settings (warnings, logging, tqdm, the multiprocessing start
method).  One module per command adds its subcommand through
``register(subparsers)``; only the invoked command's module is imported, so
start-up stays short (no Mesa, scipy, matplotlib or pandas before they are needed).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys

MAX_ERROR_LINES = 50  # bounded output, however many problems a file has
# optional modules -> the extra of parley that installs them (pyproject.toml); a command
# that reaches one not installed says which extra to install, in one line, exit 2
EXTRAS = {"pyabc": "calibrate", "dask": "dask", "distributed": "dask", "ema_workbench": "ema",
          "solara": "viz", "pyarrow": "parquet"}

# subcommand -> the module that registers and runs it (in the order shown by --help);
# only the invoked command's module is imported, so start-up stays short
COMMANDS = {
    "validate": "parley.cli.validate", "scenarios": "parley.cli.validate",
    "schema": "parley.cli.validate",
    "chronicle": "parley.cli.chronicle",
    "run": "parley.cli.run", "compare": "parley.cli.run", "sweep": "parley.cli.sweep",
    "calibrate": "parley.cli.calibrate", "hindcast": "parley.cli.hindcast",
    "forecast": "parley.cli.forecast",
    "plot": "parley.cli.plot", "report": "parley.cli.report",
    "verify": "parley.cli.verify", "viz": "parley.cli.viz",
    "drivers": "parley.cli.attribution", "explain": "parley.cli.attribution",
}
# the one-line help of each command in `parley --help`, which imports no command module
SUMMARIES = {
    "validate": "check scenario and sweep files; exit 2 on any error",
    "scenarios": "list the shipped scenarios, hindcasts, sweeps and posteriors",
    "schema": "write the JSON Schema of the scenario language, for editors",
    "chronicle": "tell one run month by month",
    "run": "Monte Carlo runs of one scenario",
    "compare": "run scenarios on the same seeds and rank them",
    "sweep": "run a scenario over a design of parameter values",
    "calibrate": "fit Pyongyang's baseline provocation rates to a period of the record",
    "hindcast": "simulate every US term since 1993 beside the record; forecast the current one",
    "forecast": "forecast the current term given the record to date; register and score",
    "plot": "draw figures from a results directory",
    "report": "write a self-contained HTML report of a results directory",
    "verify": "check a results folder's rows, chunk log, manifest and summary; change nothing",
    "viz": "interactive browser view of one scenario (Mesa SolaraViz)",
    "drivers": "variance of each outcome over the values we chose, by value and by kind "
               "(source, reading, assumption, constant; Sobol indices)",
    "explain": "attribute the gap between two scenarios to the stances that differ (Shapley)",
}


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (not the whole usage block), exit 2."""

    def _get_values(self, action, arg_strings):
        # argparse (3.11) drops a value "--" (``--out=--``) and hands the command an empty
        # list instead of a path or a number: refuse it as a missing value
        if action.nargs is None and action.option_strings and arg_strings == ["--"]:
            self.error(f"argument {'/'.join(action.option_strings)}: expected one argument")
        return super()._get_values(action, arg_strings)

    def error(self, message: str):
        from parley.errors import printable

        # argparse quotes the value it refuses (an unknown choice, an unknown argument):
        # bounded and printable, so a long or hostile argument is never echoed whole
        self.exit(2, f"error: {self.prog}: {printable(message, 300)} (see {self.prog} "
                     "--help)\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser: every subcommand, or only ``command``'s module."""
    parser = _Parser(
        prog="parley",
        description="Simulate US-North Korea negotiations from scenario files.")
    parser.add_argument("--version", action=_VersionAction)
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="also log progress details (to stderr)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    if command in COMMANDS:
        importlib.import_module(COMMANDS[command]).register(sub)
    else:  # the listing only: names and summaries
        for name, summary in SUMMARIES.items():
            sub.add_parser(name, help=summary)
    return parser


class _LevelFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {record.getMessage()}"


def _process_settings(verbose: bool = False) -> None:
    """Process-wide settings, made here and never at import time."""
    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning, module="mesa")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LevelFormatter())
    root = logging.getLogger("parley")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    root.propagate = False


def _on_sigint(signum: int, frame: object) -> None:
    """Ctrl-C: a running batch stops at the next chunk boundary, with every result written;
    anything else is interrupted at once."""
    executors = sys.modules.get("parley.experiments.executors")
    if executors is None or not executors.request_stop():
        raise KeyboardInterrupt


class _VersionAction(argparse.Action):
    """``--version``: the version is read only when asked for (not at every start)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="show the program's version number and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        from parley import __version__

        sys.stdout.write(f"parley {__version__}\n")
        parser.exit()


def program() -> int:
    """The ``parley`` program (its console script, ``python -m parley``): :func:`main`, then
    every object frozen out of the collector, so that the interpreter's exit does not walk
    them all again (0.3-0.4 s -> 0.1-0.15 s after a hindcast, measured).  Only for a process
    that ends with the command: an in-process caller uses :func:`main`."""
    import gc

    code = main()
    gc.freeze()
    return code


def main(argv: list[str] | None = None) -> int:
    from parley.errors import ParleyError

    argv = sys.argv[1:] if argv is None else argv
    command = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(command)
    args = parser.parse_args(argv)
    _process_settings(args.verbose)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    old_handler = signal.signal(signal.SIGINT, _on_sigint) if _in_main_thread() else None
    try:
        return int(args.func(args) or 0)
    except ParleyError as exc:
        for line in exc.problems[:MAX_ERROR_LINES]:
            print(f"error: {line}", file=sys.stderr)
        if len(exc.problems) > MAX_ERROR_LINES:
            print(f"error: ... and {len(exc.problems) - MAX_ERROR_LINES} more", file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:
        extra = EXTRAS.get((exc.name or "").split(".")[0])
        if extra is None:
            raise
        from parley.errors import MissingExtraError

        print(f"error: {MissingExtraError(f'parley {args.command}', extra).problems[0]}",
              file=sys.stderr)
        return 2
    except OSError as exc:
        from parley.errors import printable

        print(f"error: {printable(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: completed runs are kept; resume with --resume DIR", file=sys.stderr)
        return 130
    finally:
        if old_handler is not None:
            signal.signal(signal.SIGINT, old_handler)


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()
