"""The ``parley`` command: parses arguments, calls the library, maps errors to exit codes.

Each concern module adds its own subcommand through ``register(subparsers)``;
process-wide settings (logging, multiprocessing) are set here, never at import.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from parley.scenario import ScenarioError
from parley.store import ResultsFolderError

# subcommand -> the module that registers and runs it (in the order shown by --help);
# only the invoked command's module is imported, so start-up stays short
COMMANDS = {
    "validate": "parley.commands", "chronicle": "parley.commands",
    "run": "parley.experiment", "compare": "parley.experiment", "sweep": "parley.sweep",
    "calibrate": "parley.calibration", "hindcast": "parley.hindcast",
    "plot": "parley.plotting", "report": "parley.report", "viz": "parley.viz",
    "drivers": "parley.attribution_cli", "explain": "parley.attribution_cli",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser: every subcommand, or only ``command``'s module."""
    parser = argparse.ArgumentParser(
        prog="parley",
        description="Simulate US-North Korea negotiations from scenario files.")
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    names = [COMMANDS[command]] if command in COMMANDS else COMMANDS.values()
    for name in dict.fromkeys(names):
        importlib.import_module(name).register(sub)
    return parser


def _process_settings() -> None:
    """Process-wide settings, made here and never at import time."""
    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning, module="mesa")


def _version() -> str:
    from parley import __version__
    return f"parley {__version__}"


def main(argv: list[str] | None = None) -> int:
    _process_settings()
    argv = sys.argv[1:] if argv is None else argv
    command = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(command)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ScenarioError as exc:
        for line in exc.problems:
            print(f"error: {line}", file=sys.stderr)
        return 2
    except (ResultsFolderError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: completed runs are kept; resume with --resume DIR", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
