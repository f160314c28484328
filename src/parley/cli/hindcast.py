"""``parley hindcast``: every US term since 1993 simulated month by month beside the record.

The work is done by library functions: :mod:`parley.experiments.hindcast` (the terms
loaded by :func:`parley.analysis.terms.load_terms`, which refuses any event that is a
decision to talk, meet, sign or walk out; simulated on the engine, resumable; scored) and
:func:`parley.outputs.record_figures.write_record_figures`.  Without arguments it runs the
shipped scenarios (``scenarios/hindcast`` and ``scenarios/live``), from any working directory.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from typing import Any

from parley import defaults
from parley.analysis.record_scores import FLOOR, LOW_ESS, PATTERNS
from parley.cli.common import (
    add_executor_options,
    integer,
    out_folder,
    path_arg,
    path_text,
    prepared,
    progress_bar,
    seed,
)
from parley.scenario import month_label


def register(sub) -> None:
    p = sub.add_parser("hindcast", help="simulate every US term since 1993 beside the record; "
                       "forecast the current one")
    p.add_argument("scenarios", nargs="*", default=[], type=path_text,
                   help="hindcast scenario files or folders (default: the shipped "
                   "scenarios/hindcast and scenarios/live)")
    p.add_argument("--runs", type=integer(), default=None,
                   help=f"simulated worlds per term (default {defaults.HINDCAST_RUNS:,})")
    p.add_argument("--seed", type=seed, default=None,
                   help=f"master seed (default {defaults.SEED})")
    p.add_argument("--out", type=out_folder, default=None,
                   help="folder for hindcast.json and figures (default results/hindcast-STAMP)")
    p.add_argument("--chunk", type=integer(), default=defaults.CHUNK, help="worlds per task")
    p.add_argument("--parameter-draws", type=integer(), default=None, metavar="K",
                   help="spread each term's worlds over K draws of the values we chose "
                   f"(default {defaults.PARAMETER_DRAWS}; 0: the point run)")
    p.add_argument("--resume", type=path_arg, default=None, metavar="DIR",
                   help="complete an interrupted hindcast in DIR")
    p.add_argument("--no-plots", action="store_true", help="do not draw figures")
    add_executor_options(p)
    p.set_defaults(func=run_hindcast, default_runs=defaults.HINDCAST_RUNS, small_serial=True)


def _start(args):
    from parley.errors import ResultsFolderError
    from parley.experiments.hindcast import new_hindcast, resume_hindcast

    if args.resume is None:
        runs = defaults.HINDCAST_RUNS if args.runs is None else args.runs
        seed = defaults.SEED if args.seed is None else args.seed
        draws = (defaults.PARAMETER_DRAWS if args.parameter_draws is None
                 else args.parameter_draws)
        return new_hindcast(args.scenarios, runs, seed, args.out, args.chunk, draws)
    given = [f"--{k.replace('_', '-')}" for k in ("runs", "seed", "out", "parameter_draws")
             if getattr(args, k) is not None]
    given += ["the scenario arguments"] if args.scenarios else []
    if given:
        raise ResultsFolderError(f"--resume {args.resume}: goes on as the hindcast began; "
                                 f"drop {', '.join(given)}")
    return resume_hindcast(args.resume)


def run_hindcast(args) -> int:
    from parley.experiments.hindcast import execute_hindcast

    executor, job, manifest = prepared(args, lambda: _start(args))
    done = sum(rec["n"] for rec in job.records)
    figures = None if args.no_plots else _importing(FIGURES_MODULE)
    with progress_bar(job.runs * len(job.terms), done) as bar:
        result = execute_hindcast(job, manifest, executor, bar.update)
    folder = job.store.folder
    print(format_hindcast(result))
    if figures is not None:
        figures.join()
        from parley.outputs.record_figures import write_record_figures

        for path in write_record_figures(result, folder):
            print(f"figure: {path}")
    print(f"results: {folder / 'hindcast.json'}")
    return 0


FIGURES_MODULE = "parley.outputs.record_figures"


def _importing(module: str) -> threading.Thread:
    """``module`` imported in a thread (matplotlib's 0.3 s, while the main thread waits on
    the workers); a failure is left for the main thread's own import to report."""

    def load() -> None:
        with contextlib.suppress(Exception):
            importlib.import_module(module)

    thread = threading.Thread(target=load, daemon=True, name=f"parley-import-{module}")
    thread.start()
    return thread


SHORT = {"first_talks_month": "first", "months_in_talks": "months", "spells": "spells",
         "collapses": "collapses", "tests_per_month_in_talks": "tests/mo in",
         "tests_per_month_out_of_talks": "tests/mo out"}


def _num(v: float | None) -> str:
    return "n/a (one term)" if v is None else f"{v:.3f}"


def _q(v: float | None) -> str:
    return "  n/a" if v is None else f"{v:5.2f}"


COLUMNS = (("term", 13), ("start", 8), ("P(talks in term) [95% CI]", 38), ("happened", 9),
           ("P(new spell)", 13), ("over draws [95%]", 17), ("new spell", 10),
           ("1st month sim/real", 19), ("months in talks sim 10-50-90/real", 34),
           ("tests sim 10-50-90/real", 24))


def _row(cells: list[str]) -> str:
    return " ".join(f"{c:<{w}}" for c, (_, w) in zip(cells, COLUMNS, strict=True)).rstrip()


def _term_lines(result: dict[str, Any]) -> list[str]:
    lines = [_row([name for name, _ in COLUMNS])]
    for r in result["rows"]:
        med = "-" if r["median_first_talks_month"] is None else int(r["median_first_talks_month"])
        real = r["observed_first_talks_month"] or "-"
        happened = ("yes" if r["observed_talks_to_date"] else "not yet") if r["censored"] else (
            "yes" if r["observed_talks"] else "no")
        mt = r["patterns"]["months_in_talks"]
        share = f"{r['p_talks']:.3f} [{r['lo']:.3f}, {r['hi']:.3f}]" + (
            " inherited" if r["inherited"] else "")
        new = r["observed_new_spell"]
        new = "not yet" if new is None else ("yes" if new else "no")
        drawn = ("" if r.get("new_spell_param_lo") is None else
                 f"[{r['new_spell_param_lo']:.3f}, {r['new_spell_param_hi']:.3f}]")
        line = _row([r["scenario"], r["start"], share, happened, f"{r['p_new_spell']:.3f}",
                     drawn, new,
                     f"{med} / {real}",
                     f"{mt['q10']:.0f}-{mt['q50']:.0f}-{mt['q90']:.0f} / {mt['observed']:.0f}",
                     f"{r['sim_tests_q10']}-{r['sim_tests_q50']}-{r['sim_tests_q90']} / "
                     f"{r['observed_tests']}"])
        if r["censored"]:
            line += f"  (censored: {r['months_observed']} of {r['months']} months)"
        lines.append(line)
    return lines


FORECASTER_LABELS = {"model": "model", "base_rate": "base rate (leave-one-out)",
                     "climatology": "climatology (leave-one-out)",
                     "persistence": "persistence by coding", "logistic":
                     "logistic (leave-one-out)", "coin": "coin"}


def _target_lines(result: dict[str, Any]) -> list[str]:
    """Both targets' score tables: the model beside every baseline, term and month level."""
    if not result["n_terms"]:
        return ["Scores: no completed term to score"]
    lines = [f"Scores over {result['n_terms']} completed terms ({result['n_censored']} "
             "censored term not scored); Brier and log loss in nats, lower is better; every "
             f"probability floored at {FLOOR} for the log loss"]
    for t in result["targets"].values():
        lines.append(f"  target: {t['meaning']} (happened in {t['happened']} of "
                     f"{t['n_terms']} terms; {t['n_months']} months)")
        lines += score_table(t, FORECASTER_LABELS, "    ", 28)
    return lines


def score_table(target: dict[str, Any], labels: dict[str, str], indent: str,
                width: int) -> list[str]:
    """One target's scores, a row per forecaster (also the LOTO table of calibrate)."""
    lines = [f"{indent}{'forecaster':<{width}}{'term Brier':>11}{'term log':>10}"
             f"{'month Brier':>13}{'month log':>11}"]
    for key, label in labels.items():
        term, month = target["term"][key], target["month"][key]
        lines.append(f"{indent}{label:<{width}}{term['brier']:>11.3f}{term['log']:>10.3f}"
                     f"{month['brier']:>13.3f}{month['log']:>11.3f}")
    return lines


def _score_lines(result: dict[str, Any]) -> list[str]:
    roll = result["rolling"]
    lines = [
        *_target_lines(result),
        "Patterns: quantile of the record among simulated worlds (0.5 typical; below 0.05 or "
        "above 0.95 the model misses)",
        f"  {'term':<13} " + " ".join(f"{SHORT[k]:>12}" for k in PATTERNS),
    ]
    for r in result["rows"]:
        lines.append(f"  {r['scenario']:<13} " + " ".join(
            f"{_q(r['patterns'][k]['quantile']):>12}" for k in PATTERNS))
    if roll["n"]:
        lines.append(
            f"Rolling-origin forecasts of talks in the rest of the term (start, then every 6 "
            f"months; {roll['n']} forecasts): Brier model {roll['brier_model']:.3f}; base rate "
            f"{roll['brier_base_rate']:.3f}; coin {roll['brier_coin']:.3f}; log loss model "
            f"{roll['log_model']:.3f}; base rate {roll['log_base_rate']:.3f}; coin "
            f"{roll['log_coin']:.3f}; {roll['n_low_ess']} forecasts rest on an effective "
            f"sample below {LOW_ESS} worlds")
    return lines


def _live_lines(result: dict[str, Any]) -> list[str]:
    lines = []
    for f in result["live"]:
        first = month_label(f["start"], f["months_observed"] + 1)
        last = month_label(f["start"], f["months"])
        seen = month_label(f["start"], f["months_observed"])
        so_far = "talks" if f["talks_so_far"] else "no talks"
        lines.append(
            f"Live forecast ({f['scenario']}): P(talks in {first}..{last} | record to {seen}: "
            f"{so_far}, {f['tests_so_far']} missile tests) = {f['p']:.3f} "
            f"[{f['lo']:.3f}, {f['hi']:.3f}] (effective sample {f['ess']:.0f} of "
            f"{f['worlds']:,} worlds; {f['p_at_start']:.3f} at the start of the term)")
    return lines


def format_hindcast(result: dict[str, Any]) -> str:
    """The printed hindcast: term table, scores, patterns, rolling and live forecasts."""
    draws = result.get("parameter_draws", 0)
    spread = (f" over {draws} parameter draws of the values we chose" if draws
              else " (the point run: no parameter draws)")
    head = (f"Hindcast over the record 1993-01..{result['panel_last_month']}: "
            f"{result['runs']:,} worlds per term{spread}, seed {result['seed']}; "
            "'inherited': the term starts inside talks, so talks in the term come from the "
            "start state")
    return "\n".join([head, *_term_lines(result), *_score_lines(result), *_live_lines(result)])
