"""The ``drivers`` and ``explain`` subcommands (argparse and printing only).

The work is in :mod:`parley.experiments.drivers` and :mod:`parley.experiments.explain`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from parley import defaults
from parley.cli.common import (
    add_executor_options,
    integer,
    make_executor,
    output_file,
    path_text,
    seed,
    text,
)
from parley.experiments.explain import HEADLINE
from parley.outcomes import BINARY_OUTCOMES
from parley.scenario import require_runnable
from parley.scenario_files import load_scenario

MAX_RUNS = defaults.MAX_ATTRIBUTION_RUNS
MAX_SAMPLES = 1_000_000
OVER = ("envelope", "streams")
# the envelope's default budget, as parley.experiments.drivers declares it (not imported here:
# the CLI starts without pandas; tests/test_drivers_envelope.py checks they agree)
ENVELOPE_SAMPLES, ENVELOPE_WORLDS, KIND_SAMPLES = 128, 64, 1024


def register(sub) -> None:
    from parley.cli import SUMMARIES

    p = sub.add_parser("drivers", help=SUMMARIES["drivers"])
    p.add_argument("scenario", nargs="+", type=path_text,
                   help="scenario YAML file (with --by-kind: files or folders)")
    p.add_argument("--over", choices=OVER, default="envelope",
                   help="envelope (default): the variance of P(outcome) over parameter draws, "
                        "by value we chose, provenance kind and the worlds' noise; streams: the "
                        "between-world variance by random stream (luck)")
    p.add_argument("--runs", type=integer(), default=None,
                   help=f"--over streams: worlds per sample (default {defaults.DRIVERS_RUNS})")
    p.add_argument("--samples", type=integer(), default=None,
                   help=f"--over envelope: envelope points in each of the two samples "
                        f"(default {ENVELOPE_SAMPLES}; {KIND_SAMPLES} with --by-kind)")
    p.add_argument("--worlds", type=integer(), default=None,
                   help=f"--over envelope: worlds per envelope point, the same worlds for "
                        f"every point of a row of the design (default {ENVELOPE_WORLDS})")
    p.add_argument("--by-kind", action="store_true",
                   help="--over envelope: only the share of each provenance kind and the noise, "
                        "one line per scenario (a table for docs/MODEL.md)")
    p.add_argument("--seed", type=seed, default=defaults.SEED,
                   help=f"master seed (default {defaults.SEED})")
    p.add_argument("--csv", type=output_file("csv"), metavar="FILE",
                   help="also write the full table to this CSV file")
    p.add_argument("--outcome", action="append", type=text, metavar="NAME",
                   help=f"outcome to decompose (repeatable; default: all of "
                        f"{', '.join(BINARY_OUTCOMES)})")
    p.add_argument("--top", type=integer(), default=15, help="rows shown per outcome (default 15)")
    add_executor_options(p)  # the model calls of either design
    p.set_defaults(func=run_drivers)
    p = sub.add_parser("explain", help=SUMMARIES["explain"])
    p.add_argument("a", type=path_text, help="scenario A (the reference)")
    p.add_argument("b", type=path_text, help="scenario B")
    _common(p, runs=defaults.EXPLAIN_RUNS)
    p.add_argument("--permutations", type=integer(), default=64,
                   help="sampled orders when too many stances differ for exact Shapley "
                        "(default 64)")
    p.add_argument("--parameter-draws", type=integer(), default=defaults.PARAMETER_DRAWS,
                   metavar="K",
                   help="draw the values we chose over their envelopes, as compare does: every "
                        "coalition runs under the same K draws, --runs split evenly over them "
                        f"on the same worlds (default {defaults.PARAMETER_DRAWS}; 0: the point "
                        "attribution)")
    add_executor_options(p)  # the coalitions, one task each
    p.set_defaults(func=run_explain)


def _common(p, runs: int) -> None:
    p.add_argument("--runs", type=integer(), default=runs,
                   help=f"worlds per sample (default {runs})")
    p.add_argument("--seed", type=seed, default=defaults.SEED,
                   help=f"master seed (default {defaults.SEED})")
    p.add_argument("--csv", type=output_file("csv"), metavar="FILE",
                   help="also write the full table to this CSV file")


def _bad_args(args) -> str | None:
    if not 2 <= args.runs <= MAX_RUNS:
        return (f"--runs: must be an integer in [2, {MAX_RUNS:,}] (got {args.runs}; "
                "defaults.MAX_ATTRIBUTION_RUNS)")
    if not defaults.is_seed(args.seed):
        return f"--seed: must be an integer in {defaults.SEED_RANGE} (got {args.seed})"
    return None


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _write_csv(table: pd.DataFrame, path: str) -> None:
    """The table written whole or not at all (a temporary file beside it, renamed; removed
    if writing fails), so a failed write never leaves a partial file behind."""
    from parley.results.store import atomic_write_text

    atomic_write_text(Path(path), table.to_csv(index=False))


def run_drivers(args) -> int:
    outcomes = tuple(args.outcome or BINARY_OUTCOMES)
    unknown = [o for o in outcomes if o not in BINARY_OUTCOMES]
    if unknown:
        return _fail(f"--outcome: unknown outcome {unknown[0]!r} "
                     f"(allowed: {', '.join(BINARY_OUTCOMES)})")
    if msg := _bad_drivers_args(args):
        return _fail(msg)
    if args.over == "streams":
        return _drivers_over_streams(args, outcomes)
    samples = args.samples or (KIND_SAMPLES if args.by_kind else ENVELOPE_SAMPLES)
    worlds = args.worlds or ENVELOPE_WORLDS
    if args.by_kind:
        return _drivers_by_kind(args, outcomes, samples, worlds)
    return _drivers_over_envelope(args, outcomes, samples, worlds)


def _bad_drivers_args(args) -> str | None:
    """The first bad flag of ``drivers``, as one line, or None."""
    streams = args.over == "streams"
    for flag, value in (("--samples", args.samples), ("--worlds", args.worlds)):
        if value is not None and streams:
            return f"{flag}: applies to --over envelope (--over streams takes --runs)"
    if args.runs is not None and not streams:
        return ("--runs: applies to --over streams (--over envelope takes --samples and "
                "--worlds)")
    if args.by_kind and streams:
        return "--by-kind: applies to --over envelope"
    if len(args.scenario) > 1 and not args.by_kind:
        return (f"drivers: one scenario file, got {len(args.scenario)} (several, or a folder, "
                "need --by-kind)")
    if args.samples is not None and not 2 <= args.samples <= MAX_SAMPLES:
        return f"--samples: must be an integer in [2, {MAX_SAMPLES}] (got {args.samples})"
    if args.worlds is not None and not 1 <= args.worlds <= MAX_RUNS:
        return (f"--worlds: must be an integer in [1, {MAX_RUNS:,}] (got {args.worlds}; "
                "defaults.MAX_ATTRIBUTION_RUNS)")
    samples = args.samples or (KIND_SAMPLES if args.by_kind else ENVELOPE_SAMPLES)
    worlds = args.worlds if args.worlds is not None else ENVELOPE_WORLDS
    if not streams and samples * worlds > defaults.MAX_ENVELOPE_DESIGN:
        return (f"--samples {samples:,} x --worlds {worlds:,}: {samples * worlds:,} worlds a "
                f"sample, allowed at most {defaults.MAX_ENVELOPE_DESIGN:,} "
                "(defaults.MAX_ENVELOPE_DESIGN); give fewer samples or worlds")
    if args.top < 1:
        return f"--top: must be at least 1 (got {args.top})"
    args.runs = args.runs if args.runs is not None else defaults.DRIVERS_RUNS
    return _bad_args(args)


def _drivers_over_streams(args, outcomes: tuple[str, ...]) -> int:
    from parley.experiments.drivers import drivers, largest_uncited

    scenario = require_runnable(load_scenario(args.scenario[0]))
    with make_executor(args) as executor:
        table = drivers(scenario, runs=args.runs, seed=args.seed, outcomes=outcomes,
                        map_=executor.map_ordered)
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


ENVELOPE_METHOD = ("Sobol indices over the envelope (SALib: Saltelli 2010 first order, Jansen "
                   "total; +- a 95% bootstrap half-width). A kind's share is the first-order "
                   "group index of its values together; noise is the total index of the "
                   "worlds a draw runs on; interactions = 1 - the kinds' shares - noise.")


def _drivers_over_envelope(args, outcomes: tuple[str, ...], samples: int, worlds: int) -> int:
    from parley.experiments.drivers import envelope_drivers

    scenario = require_runnable(load_scenario(args.scenario[0]))
    with make_executor(args) as executor:
        result = envelope_drivers(scenario, samples=samples, worlds=worlds, seed=args.seed,
                                  outcomes=outcomes, map_=executor.map_ordered)
    if args.csv:
        _write_csv(result.table, args.csv)
    counts = ", ".join(f"{n} {k}" for k, n in result.counts.items())
    print(f"{scenario.title}: share of the variance of P(outcome) over parameter draws, by "
          f"value we chose ({counts}) and the worlds' noise")
    print(f"{samples} points x 2 samples, {len(result.table['element'].unique()) - 1} factors, "
          f"{result.points:,} envelope points x {worlds} worlds (the same worlds for every "
          f"point of a row of the design), seed {args.seed}")
    print(ENVELOPE_METHOD)
    for outcome in outcomes:
        _print_envelope(result.table[result.table["outcome"] == outcome], outcome, args.top)
    return 0


def _print_envelope(rows: pd.DataFrame, outcome: str, top: int) -> None:
    first = rows.iloc[0]
    print(f"\n{outcome}: P mean {first['mean']:.3f}, sd over draws {first['variance'] ** 0.5:.3f}")
    values = rows[rows["level"] == "value"].sort_values("total", ascending=False).head(top)
    noise = rows[rows["level"] == "noise"]
    print(f"  {'value':42} {'kind':11} {'first-order':>16} {'total':>16}")
    for r in pd.concat([values, noise]).itertuples():
        print(f"  {r.element:42} {r.kind:11} {r.first_order:7.3f} +- {r.first_order_conf:.3f} "
              f"{r.total:7.3f} +- {r.total_conf:.3f}")
    print(f"  by kind (share of the variance of P({outcome}) over draws):")
    for r in rows[rows["level"].isin(("kind", "noise", "rest"))].itertuples():
        if r.level == "rest":
            print(f"    {'interactions (the rest)':32} {r.share:7.3f}")
            continue
        conf = r.total_conf if r.level == "noise" else r.first_order_conf
        label = "noise (the worlds)" if r.level == "noise" else f"{r.kind} ({r.n_values} values)"
        extra = (f"   [from the spread within each point's worlds: {r.noise_within:.3f}]"
                 if r.level == "noise" else f"   total {r.total:.3f} +- {r.total_conf:.3f}")
        print(f"    {label:32} {r.share:7.3f} +- {conf:.3f}{extra}")


def _drivers_by_kind(args, outcomes: tuple[str, ...], samples: int, worlds: int) -> int:
    from parley.experiments.drivers import envelope_drivers, kind_shares
    from parley.outputs.tables import kind_shares_table
    from parley.scenario_files import scenario_files

    scenarios = [require_runnable(load_scenario(f)) for f in scenario_files(args.scenario)]
    with make_executor(args) as executor:
        results = [envelope_drivers(sc, samples=samples, worlds=worlds, seed=args.seed,
                                    outcomes=outcomes, per_value=False,
                                    map_=executor.map_ordered) for sc in scenarios]
    if args.csv:
        _write_csv(pd.concat([r.table.assign(scenario=r.scenario) for r in results],
                             ignore_index=True), args.csv)
    print(kind_shares_lead(samples, worlds, args.seed))
    for outcome in outcomes:
        print(f"\nP({outcome}):\n")
        print(kind_shares_table([kind_shares(r, outcome) for r in results]))
    return 0


def kind_shares_lead(samples: int, worlds: int, seed: int) -> str:
    """What the kind table measures, its sample sizes and seed, in a few lines."""
    return ("Share of the variance of P(outcome) over parameter draws carried by the values "
            "of each provenance kind (s / r / a / c: source, reading, assumption, rule "
            "constant). A kind's share is the first-order Sobol group index of its values "
            "together (SALib; +- a 95% bootstrap half-width); noise is the total index of "
            f"the {worlds} worlds a draw runs on; interactions = 1 - the kinds' shares - "
            f"noise. Per scenario {samples} rows of the design (envelope points A and B, "
            f"and A with each kind's values from B), {worlds} worlds per point, the same "
            f"worlds for every point of a row (common random numbers), seed {seed}.")


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
    if not 1 <= args.permutations <= defaults.MAX_PERMUTATIONS:
        return _fail(f"--permutations: allowed 1 to {defaults.MAX_PERMUTATIONS:,} "
                     f"(got {args.permutations})")
    k = args.parameter_draws
    if not 0 <= k <= defaults.MAX_DRAWS:
        return _fail(f"--parameter-draws {k}: allowed 0 (the point attribution) to "
                     f"{defaults.MAX_DRAWS:,}")
    if k and args.runs < k:
        return _fail(f"--runs {args.runs}: with {k} parameter draws each draw needs a world; "
                     f"give --runs of at least {k}, or --parameter-draws 0")
    a = require_runnable(load_scenario(args.a))
    b = require_runnable(load_scenario(args.b))
    with make_executor(args) as executor:
        table = explain(a, b, runs=args.runs, seed=args.seed, outcomes=HEADLINE,
                        permutations=args.permutations, parameter_draws=k,
                        map_=executor.map_ordered)
    if args.csv:
        _write_csv(table, args.csv)
    if table.empty:
        print(f"{a.name} and {b.name} differ in no stance: nothing to explain")
        return 0
    method = table["method"].iloc[0]
    drawn = "param_lo" in table.columns
    # with draws the method says how many worlds under how many draws
    worlds = "" if drawn else f"{args.runs} worlds "
    over = "; [lo, hi]: the 95% interval over draws" if drawn else ""
    print(f"What explains {b.name} - {a.name} ({worlds}on common random numbers, "
          f"seed {args.seed}; {method}; +- one standard error{over})")
    for outcome in HEADLINE:
        _print_explain(table[table["outcome"] == outcome], outcome, drawn)
    return 0


def _print_explain(rows: pd.DataFrame, outcome: str, drawn: bool = False) -> None:
    total = rows[rows["group"] == "(total)"].iloc[0]
    parts = rows[rows["group"] != "(total)"].sort_values("shapley", key=abs, ascending=False)

    def over(r) -> str:
        return f" [{r['param_lo']:+.4f}, {r['param_hi']:+.4f}]" if drawn else ""

    print(f"\n{outcome}: {total['value_a']} -> {total['value_b']}, paired difference "
          f"{total['shapley']:+.4f} +- {total['se']:.4f}{over(total)}; parts sum to "
          f"{parts['shapley'].sum():+.4f}")
    for _, r in parts.iterrows():
        print(f"  {r['shapley']:+.4f} +- {r['se']:.4f}{over(r)}  {r['group']}: {r['value_a']} "
              f"[{r['cite_a']}] -> {r['value_b']} [{r['cite_b']}]")
