"""``parley plot``: draw every applicable figure of a results folder."""

from __future__ import annotations

import argparse
import sys

FORMATS = ("png", "svg", "pdf")  # as parley.outputs.plotting.FORMATS


def register(sub) -> None:
    from parley.cli.common import path_text

    p = sub.add_parser(
        "plot", help="draw figures from a results directory",
        description="Draw every applicable figure from a results directory into "
                    "RESULTS_DIR/figures/.",
    )
    p.add_argument("results_dir", metavar="RESULTS_DIR", type=path_text,
                   help="directory written by a run, compare or sweep command")
    p.add_argument("--format", choices=FORMATS, default="png", dest="format",
                   help="image format (default: png)")
    p.set_defaults(func=run_plot)


def run_plot(args: argparse.Namespace) -> int:
    """Print the paths written; 2 on a bad directory, 1 on malformed results."""
    from parley.errors import ParleyError
    from parley.outputs.checked import MALFORMED, figures

    try:
        paths = figures(args.results_dir, args.format)
    except ParleyError:
        raise
    except MALFORMED as exc:
        print(f"error: malformed results in {args.results_dir}: {exc!r}", file=sys.stderr)
        return 1
    for path in paths:
        print(path)
    return 0
