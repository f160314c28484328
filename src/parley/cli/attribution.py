"""The ``drivers`` and ``explain`` subcommands (argparse and printing only).

The work is in :mod:`parley.experiments.drivers` and :mod:`parley.experiments.explain`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd

from parley import defaults
from parley.experiments.explain import HEADLINE
from parley.outcomes import BINARY_OUTCOMES
from parley.scenario import require_runnable
from parley.scenario_files import load_scenario

MAX_RUNS = 1_000_000


def register(sub) -> None:
    from parley.cli import SUMMARIES

    p = sub.add_parser("drivers", help=SUMMARIES["drivers"])
    p.add_argument("scenario", help="scenario YAML file")
    _common(p, runs=defaults.DRIVERS_RUNS)
    p.add_argument("--outcome", action="append", metavar="NAME",
                   help=f"outcome to decompose (repeatable; default: all of "
                        f"{', '.join(BINARY_OUTCOMES)})")
    p.add_argument("--top", type=int, default=15, help="rows shown per outcome (default 15)")
    p.set_defaults(func=run_drivers)
    p = sub.add_parser("explain", help=SUMMARIES["explain"])
    p.add_argument("a", help="scenario A (the reference)")
    p.add_argument("b", help="scenario B")
    _common(p, runs=defaults.EXPLAIN_RUNS)
    p.add_argument("--permutations", type=int, default=64,
                   help="sampled orders when too many stances differ for exact Shapley "
                        "(default 64)")
    p.set_defaults(func=run_explain)


def _common(p, runs: int) -> None:
    p.add_argument("--runs", type=int, default=runs, help=f"worlds per sample (default {runs})")
    p.add_argument("--seed", type=int, default=defaults.SEED,
                   help=f"master seed (default {defaults.SEED})")
    p.add_argument("--csv", metavar="FILE", help="also write the full table to this CSV file")


def _bad_args(args) -> str | None:
    if not 2 <= args.runs <= MAX_RUNS:
        return f"--runs: must be an integer in [2, {MAX_RUNS}] (got {args.runs})"
    if not 0 <= args.seed < 2**63:
        return f"--seed: must be an integer in [0, 2**63) (got {args.seed})"
    if args.csv and not Path(args.csv).resolve().parent.is_dir():
        return f"--csv: no such folder for {args.csv}"
    return None


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _write_csv(table: pd.DataFrame, path: str) -> None:
    tmp = f"{path}.partial"
    table.to_csv(tmp, index=False)
    os.replace(tmp, path)


def run_drivers(args) -> int:
    from parley.experiments.drivers import drivers, largest_uncited

    outcomes = tuple(args.outcome or BINARY_OUTCOMES)
    unknown = [o for o in outcomes if o not in BINARY_OUTCOMES]
    if unknown:
        return _fail(f"--outcome: unknown outcome {unknown[0]!r} "
                     f"(allowed: {', '.join(BINARY_OUTCOMES)})")
    if (msg := _bad_args(args)) or args.top < 1:
        return _fail(msg or f"--top: must be at least 1 (got {args.top})")
    scenario = require_runnable(load_scenario(args.scenario))
    table = drivers(scenario, runs=args.runs, seed=args.seed, outcomes=outcomes)
    if args.csv:
        _write_csv(table, args.csv)
    print(f"{scenario.title}: share of between-world variance by random element "
          f"({args.runs} worlds x {table['element'].nunique()} elements, seed {args.seed}; "
          "+- one standard error)")
    for outcome in outcomes:
        _print_drivers(table[table["outcome"] == outcome], outcome, args.top)
        for index in ("first_order", "total"):
            top = largest_uncited(table, outcome, index)
            if top is not None:
                verdict = "MORE than" if top[index] > 1 / 3 else "under"
                print(f"  largest uncited {index.replace('_', '-')} index: {top['element']} "
                      f"({top[index]:.3f} +- {top[f'{index}_se']:.3f}), {verdict} one third")
    return 0


def _print_drivers(rows: pd.DataFrame, outcome: str, top: int) -> None:
    mean = rows["mean"].iloc[0]
    print(f"\n{outcome} (mean {mean:.3f})")
    streams = rows[rows["kind"] != "route"].sort_values("total", ascending=False).head(top)
    print(f"  {'element':42} {'kind':14} {'provenance':15} {'first-order':>16} {'total':>16}")
    for r in streams.itertuples():
        print(f"  {r.element:42} {r.kind:14} {r.provenance:15} "
              f"{r.first_order:7.3f} +- {r.first_order_se:.3f} {r.total:7.3f} +- {r.total_se:.3f}")
    for r in rows[rows["kind"] == "route"].itertuples():
        print(f"  {r.element:42} {r.kind:14} {r.provenance:15} "
              f"{'between-group share':>16} {r.group_share:7.3f} +- {r.group_share_se:.3f}")


def run_explain(args) -> int:
    from parley.experiments.explain import explain

    if msg := _bad_args(args):
        return _fail(msg)
    if args.permutations < 1:
        return _fail(f"--permutations: must be at least 1 (got {args.permutations})")
    a = require_runnable(load_scenario(args.a))
    b = require_runnable(load_scenario(args.b))
    table = explain(a, b, runs=args.runs, seed=args.seed, outcomes=HEADLINE,
                    permutations=args.permutations)
    if args.csv:
        _write_csv(table, args.csv)
    if table.empty:
        print(f"{a.name} and {b.name} differ in no stance: nothing to explain")
        return 0
    method = table["method"].iloc[0]
    print(f"What explains {b.name} - {a.name} ({args.runs} worlds on common random numbers, "
          f"seed {args.seed}; {method}; +- one standard error)")
    for outcome in HEADLINE:
        _print_explain(table[table["outcome"] == outcome], outcome)
    return 0


def _print_explain(rows: pd.DataFrame, outcome: str) -> None:
    total = rows[rows["group"] == "(total)"].iloc[0]
    parts = rows[rows["group"] != "(total)"].sort_values("shapley", key=abs, ascending=False)
    print(f"\n{outcome}: {total['value_a']} -> {total['value_b']}, paired difference "
          f"{total['shapley']:+.4f} +- {total['se']:.4f}; parts sum to "
          f"{parts['shapley'].sum():+.4f}")
    for r in parts.itertuples():
        print(f"  {r.shapley:+.4f} +- {r.se:.4f}  {r.group}: {r.value_a} [{r.cite_a}] -> "
              f"{r.value_b} [{r.cite_b}]")
