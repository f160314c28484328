"""``parley forecast``: the current term given the record to date; a dated registry.

The work is done by :mod:`parley.experiments.forecast`; this module parses, prints and
exits.  ``--register`` writes the forecast to the registry folder; ``--score`` scores every
registered forecast against the record as it now stands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from parley import defaults
from parley.cli.common import integer, path_arg, path_text, seed, text

DEFAULT_REGISTRY = Path("results") / "forecasts"


def register(sub) -> None:
    p = sub.add_parser("forecast", help="forecast the current term given the record to date; "
                       "register and score")
    p.add_argument("scenario", nargs="?", default=None, type=path_text,
                   help="a term file (default: the shipped live term)")
    p.add_argument("--runs", type=integer(), default=defaults.HINDCAST_RUNS,
                   help=f"simulated worlds (default {defaults.HINDCAST_RUNS:,})")
    p.add_argument("--seed", type=seed, default=defaults.SEED,
                   help=f"master seed (default {defaults.SEED})")
    p.add_argument("--parameter-draws", type=integer(), default=defaults.PARAMETER_DRAWS,
                   metavar="K", help="draws of the values we chose (default "
                   f"{defaults.PARAMETER_DRAWS}; 0: the point run)")
    p.add_argument("--cutoff", type=text, default=None, metavar="YYYY-MM",
                   help="use the record only to this month (default: as far as it reaches)")
    p.add_argument("--register", action="store_true",
                   help="write the forecast to the registry folder")
    p.add_argument("--score", action="store_true",
                   help="score every registered forecast against the record as it now stands "
                   "(runs no simulation)")
    p.add_argument("--registry", type=path_arg, default=None, metavar="DIR",
                   help=f"the registry folder (default {DEFAULT_REGISTRY})")
    p.set_defaults(func=run_forecast)


def run_forecast(args) -> int:
    from parley.errors import ScenarioError
    from parley.experiments import forecast as fc

    registry = args.registry or DEFAULT_REGISTRY
    if args.score:
        clash = [flag for flag, given in (("--register", args.register),
                                          ("--cutoff", args.cutoff is not None),
                                          ("a scenario", args.scenario is not None)) if given]
        if clash:
            raise ScenarioError([f"--score reads the registry only: drop {', '.join(clash)}"])
        print(format_scores(fc.score_registry(registry), registry))
        return 0
    result = fc.forecast(args.scenario, args.runs, args.seed, args.parameter_draws,
                         args.cutoff)
    print(format_forecast(result))
    if args.register:
        print(f"registered: {fc.register(result, registry)}")
    return 0


def format_forecast(r: dict[str, Any]) -> str:
    """The printed forecast: the monthly curve, its interval, the match check, drivers."""
    known = f"record to {r['cutoff']}" if r["cutoff"] else "no record yet"
    so_far = "talks" if r["talks_to_date"] else "no talks"
    k = r["parameter_draws"]
    draws = (f"{k} parameter draws x {r['runs'] // max(k, 1):,} worlds" if k
             else f"{r['runs']:,} worlds, the point run")
    lines = [f"Forecast of {r['term']} ({r['title']}), {known}: {so_far}, "
             f"{r['tests_to_date']} missile tests, {len(r['statements_heard'])} dated "
             f"statements heard; {draws}; seed {r['seed']}",
             "P(a new spell of talks has begun by the month):"]
    months, ps = r["months"], r["p_by_month"]
    picks = sorted({*range(5, len(months), 6), len(months) - 1})
    lines.append("  " + "  ".join(f"{months[i]} {ps[i]:.3f}" for i in picks))
    if r["parameter_draws"]:
        lines.append(f"  by {months[-1]}: {r['p_end']:.3f}, over the draws [95%] "
                     f"[{r['draws_lo']:.3f}, {r['draws_hi']:.3f}] (each draw's value "
                     "includes its own Monte Carlo noise)")
    m = r["matching"]
    if m["warning"]:
        lines.append(f"warning: the record to date matches few simulated worlds: "
                     f"{m['warning']}")
    elif m["tests_quantile"] is not None:
        lines.append(f"  match to the record: {m['exact_share']:.1%} of worlds follow its "
                     f"talks path; its tests at quantile {m['tests_quantile']:.2f}; effective "
                     f"sample {m['ess']:.0f}")
    if r["drivers"]:
        lines.append("  moved most by (rank correlation over the draws; with "
                     f"{r['parameter_draws']} draws |rho| below about "
                     f"{1.96 / max(r['parameter_draws'] - 1, 1) ** 0.5:.2f} is noise): "
                     + "; ".join(f"{d['path']} ({d['kind']}) {d['rho']:+.2f}"
                                 for d in r["drivers"]))
    return "\n".join(lines)


def format_scores(rows: list[dict[str, Any]], registry: Path) -> str:
    if not rows:
        return f"{registry}: no registered forecasts"
    lines = [f"{len(rows)} registered forecasts in {registry}, against the record now:"]
    for row in rows:
        if row["status"] == "pending":
            lines.append(f"  {row['file']}: pending (the record has no month after "
                         f"{row['cutoff']} yet)")
        else:
            lines.append(f"  {row['file']}: P(new spell {row['from']}..{row['through']}) "
                         f"{row['p']:.3f}, happened {'yes' if row['happened'] else 'no'}; "
                         f"Brier {row['brier']:.3f}, log loss {row['log']:.3f}")
    scored = [r for r in rows if r["status"] == "scored"]
    if scored:
        lines.append(f"  mean over {len(scored)} scored: Brier "
                     f"{sum(r['brier'] for r in scored) / len(scored):.3f}, log loss "
                     f"{sum(r['log'] for r in scored) / len(scored):.3f}")
    return "\n".join(lines)
