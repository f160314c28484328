"""The ``parley`` command: parses arguments, calls the library, maps errors to exit codes.

Each concern module adds its own subcommand through ``register(subparsers)``;
process-wide settings (logging, multiprocessing) are set here, never at import.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from parley.scenario import ScenarioError

# modules that contribute subcommands, in the order shown by --help
COMMAND_MODULES = ("parley.commands", "parley.experiment", "parley.sweep", "parley.calibration",
                   "parley.hindcast", "parley.plotting", "parley.report", "parley.viz")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="parley",
        description="Simulate US-North Korea negotiations from scenario files.")
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
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
    parser = build_parser()
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
    except KeyboardInterrupt:
        print("interrupted: completed runs are kept; resume with --resume DIR", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
