"""``parley verify``: check a results folder end to end without changing it."""

from __future__ import annotations

import argparse

SUMMARY = "check a results folder's rows, chunk log, manifest and summary; change nothing"


def register(sub) -> None:
    from parley.cli.common import path_text

    p = sub.add_parser(
        "verify", help=SUMMARY,
        description="Run every check --resume makes (header, offsets, row and record "
                    "checksums, the manifest's identity digest, records fitting the "
                    "manifest) and check summary.json against the chunk records, without "
                    "writing anything or taking the folder's lock.  Prints one ok line, "
                    "or one error line and exits 2.",
    )
    p.add_argument("results_dir", metavar="RESULTS_DIR", type=path_text,
                   help="directory written by a run, compare, sweep or hindcast command")
    p.set_defaults(func=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    from parley.outputs.checked import verify

    found = verify(args.results_dir)
    print(f"ok: {args.results_dir} ({found.chunks} chunks, {found.runs} runs verified)")
    return 0
