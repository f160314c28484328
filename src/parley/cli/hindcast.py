"""``parley hindcast``: past administrations simulated beside what actually happened."""

from __future__ import annotations

import argparse
from pathlib import Path

from parley.cli.common import add_batch_options, finish, prepared, progress_bar

DEFAULT_DIR = "scenarios/hindcast"


def register(sub) -> None:
    p = sub.add_parser("hindcast", help="simulate past administrations beside the record")
    p.add_argument("scenarios", nargs="*", default=[DEFAULT_DIR],
                   help=f"hindcast scenario files or folders (default {DEFAULT_DIR})")
    add_batch_options(p, default_runs=5_000)
    p.set_defaults(func=run_hindcast, precision=None, max_runs=0, resume=None,
                   reference=None)


def run_hindcast(args: argparse.Namespace) -> int:
    from parley.analysis.hindcast import format_hindcast
    from parley.cli.run import start_or_resume
    from parley.experiments.batch import execute, write_hindcast

    executor, batch, manifest = prepared(
        args, lambda: start_or_resume(args, list(args.scenarios), "hindcast"))
    n_scen = len(batch.scenarios)
    with progress_bar(n_scen * manifest["target_runs"], 0) as bar:
        summary = execute(batch, manifest, executor, bar.update)
    table = write_hindcast(Path(batch.store.folder), summary)
    print(format_hindcast(table, batch.done_runs))
    return finish(batch.store.folder, batch.errors, args.no_plots)
