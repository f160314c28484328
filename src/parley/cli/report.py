"""``parley report``: one self-contained HTML report of a results folder."""

from __future__ import annotations

import argparse
import sys


def register(sub) -> None:
    from parley.cli.common import path_text

    p = sub.add_parser(
        "report", help="write a self-contained HTML report of a results directory",
        description="Write RESULTS_DIR/report.html: one offline HTML file with the "
                    "scenarios, their sources, the results, the figures and the manifest.",
    )
    p.add_argument("results_dir", metavar="RESULTS_DIR", type=path_text,
                   help="directory written by a run, compare or sweep command")
    p.set_defaults(func=run_report)


def run_report(args: argparse.Namespace) -> int:
    """Print the path written; 2 on a bad directory, 1 on malformed results."""
    from parley.errors import ParleyError
    from parley.outputs.checked import MALFORMED, report

    try:
        path = report(args.results_dir)
    except ParleyError:
        raise
    except MALFORMED as exc:
        print(f"error: malformed results in {args.results_dir}: {exc!r}", file=sys.stderr)
        return 1
    print(path)
    return 0
