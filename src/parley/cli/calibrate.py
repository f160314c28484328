"""``parley calibrate``: Pyongyang's provocation rates fitted to the record (closed form), and
with ``--dynamics`` the untexted constants fitted by ABC-SMC on the talks record."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from parley import defaults
from parley.analysis.calibration import (
    DYNAMICS_DB,
    DYNAMICS_GENERATIONS,
    DYNAMICS_OUT,
    DYNAMICS_PARTICLES,
    DYNAMICS_POSTERIOR,
    DYNAMICS_WORLDS,
    _json_safe,
)
from parley.cli.common import add_executor_options, integer, output_file, path_text, seed, text


def register(sub) -> None:

    p = sub.add_parser(
        "calibrate",
        help="fit Pyongyang's baseline provocation rates to a period of the record",
        description=(
            "Fit missile- and nuclear-test base rates by maximum likelihood to a period of "
            "the CNS missile test record and check the fit by simulation.  With --dynamics, "
            "fit the untexted constants by ABC-SMC on the talks record, mapping the "
            "particles over --executor with --jobs workers (the closed-form fit runs in "
            "this process; the options are checked the same way).  Results never depend "
            "on the executor or the number of jobs."
        ),
    )
    p.add_argument(
        "--period",
        action="append",
        type=text,
        metavar="NAME_OR_RANGE",
        help="period name (see docs/VALIDATION.md) or YYYY-MM:YYYY-MM; repeatable "
        "(default: all named periods)",
    )
    p.add_argument("--sims", type=integer(1, defaults.MAX_CALIBRATION_SIMS), default=2000,
                   help="simulations per period (default 2000)")
    p.add_argument("--seed", type=seed, default=defaults.SEED,
                   help=f"random seed (default {defaults.SEED})")
    p.add_argument("--json", metavar="FILE", type=output_file("calibration"), default=None,
                   help="also write the fits as JSON")
    add_executor_options(p)  # the same --jobs, --executor, --scheduler as run and sweep
    p.add_argument("--workers", type=_renamed_workers, default=None, help=argparse.SUPPRESS)
    _register_dynamics(p)
    p.set_defaults(func=run_calibrate)


def _register_dynamics(p: argparse.ArgumentParser) -> None:
    """Options of ``parley calibrate --dynamics`` (ABC-SMC on the record)."""
    g = p.add_argument_group("dynamics (simulation-based inference on the talks record)")
    g.add_argument("--dynamics", action="store_true",
                   help="fit the declared dynamics and shared assumptions by ABC-SMC")
    g.add_argument("--terms", type=path_text, default=None, metavar="DIR",
                   help="hindcast scenarios of the terms (default: the shipped "
                   "scenarios/hindcast; the live term is never fitted on)")
    g.add_argument("--particles", type=integer(), default=DYNAMICS_PARTICLES,
                   help=f"particles per generation (default {DYNAMICS_PARTICLES}; at most "
                   f"{defaults.MAX_PARTICLES:,})")
    g.add_argument("--generations", type=integer(), default=DYNAMICS_GENERATIONS,
                   help=f"ABC-SMC generations (default {DYNAMICS_GENERATIONS}; at most "
                   f"{defaults.MAX_GENERATIONS})")
    g.add_argument("--worlds", type=integer(), default=DYNAMICS_WORLDS,
                   help=f"worlds per term per simulation (default {DYNAMICS_WORLDS}; at most "
                   f"{defaults.MAX_CALIBRATION_WORLDS:,})")
    g.add_argument("--db", type=path_text, default=DYNAMICS_DB, metavar="FILE",
                   help=f"pyabc history; a rerun continues it (resume after a kill; default "
                   f"{DYNAMICS_DB})")
    g.add_argument("--out", type=output_file("posterior", make_parents=True),
                   default=Path(DYNAMICS_OUT), metavar="FILE",
                   help=f"posterior file to write (default {DYNAMICS_OUT}; the shipped "
                   f"posterior, {DYNAMICS_POSTERIOR}, is written only when named)")
    g.add_argument("--figure", type=output_file("figure"), default=None, metavar="PNG",
                   help="also plot the posterior predictive check")
    g.add_argument("--loto", type=output_file("loto", make_parents=True), default=None,
                   metavar="JSON",
                   help="run the leave-one-term-out validation instead and write its scores")


def run_calibrate(args: argparse.Namespace) -> int:
    """Print the calibration table (and optionally write JSON); 2 on bad input."""
    from parley.analysis.calibration import (
        calibrate_periods,
        calibration_payload,
        format_calibration_table,
    )
    from parley.errors import ParleyError
    from parley.experiments.abc import seed_problem
    from parley.experiments.executors import options_problem

    if problem := options_problem(args.executor, args.jobs, args.scheduler) or seed_problem(
            args.seed):
        raise ParleyError(problem)
    if args.dynamics:
        return run_calibrate_dynamics(args)
    try:
        results = calibrate_periods(args.period, args.sims, args.seed)
    except ValueError as exc:
        raise ParleyError(str(exc)) from None
    print(format_calibration_table(results))
    if args.json:  # whole or not at all: a temp file beside it, renamed (a full disk: one error)
        from parley.results.store import atomic_write_text

        atomic_write_text(Path(args.json),
                          json.dumps(calibration_payload(results), indent=2) + "\n")
    return 0


def _renamed_workers(text: str) -> str:
    """``--workers`` (earlier releases): refused with the option that replaced it."""
    from parley.errors import printable

    raise argparse.ArgumentTypeError(f"renamed: use --jobs {printable(text, 20)}")


def _progress_bar():
    """A tqdm bar per generation, shown only on a terminal; returns (callback, close)."""
    from tqdm import tqdm

    state: dict = {}

    def update(generation: int, done: int, total: int) -> None:
        if state.get("t") != generation:
            if "bar" in state:
                state["bar"].close()
            label = "calibration sample" if generation < 0 else f"generation {generation}"
            state["t"] = generation
            state["bar"] = tqdm(total=total, desc=label, unit="particle", leave=False,
                                disable=not sys.stderr.isatty())
        state["bar"].update(1)

    def close() -> None:
        if "bar" in state:
            state["bar"].close()

    return update, close


def _require_extras(executor: str) -> None:
    """pyabc (the calibrate extra), and distributed for --executor dask, or one error line."""
    import importlib.util

    from parley.errors import MissingExtraError

    if importlib.util.find_spec("pyabc") is None:
        raise MissingExtraError("parley calibrate --dynamics", "calibrate")
    if executor == "dask" and importlib.util.find_spec("distributed") is None:
        raise MissingExtraError("--executor dask", "dask")


def run_calibrate_dynamics(args: argparse.Namespace) -> int:
    """``parley calibrate --dynamics``: fit, write the posterior, print and plot the check."""
    import logging
    from pathlib import Path

    from parley.analysis import abc_summary as S
    from parley.analysis.forecast_scores import score_forecasts
    from parley.cli.common import make_executor
    from parley.errors import ParleyError
    from parley.experiments import abc
    from parley.results.store import atomic_write_json

    settings = abc.AbcSettings(particles=args.particles, generations=args.generations,
                               worlds=args.worlds, seed=args.seed)
    if problems := settings.problems():
        raise ParleyError(problems)
    _require_extras(args.executor)
    from parley.analysis.terms import load_terms

    terms = load_terms([args.terms] if args.terms else None, completed_only=True)
    import pyabc  # noqa: F401 - imported first: it sets its loggers' levels on import

    logging.getLogger("ABC").setLevel(logging.WARNING)  # pyabc's per-generation chatter
    parameters = abc.fitted_parameters([t.scenario for t in terms])
    executor = make_executor(args)  # the same executor layer as run, sweep and hindcast
    executor.warm()  # its workers start before the fit opens its database
    update, close = _progress_bar()
    run = {"executor": executor, "progress": update}  # closed when the fit ends
    try:
        Path(args.db).parent.mkdir(parents=True, exist_ok=True)
        if args.loto:
            folds = abc.leave_one_term_out(terms, parameters, settings, Path(args.db).parent,
                                           **run)
            scores = score_forecasts([f.p_talks for f in folds],
                                     [f.talks_happened for f in folds],
                                     [f.p_monthly for f in folds],
                                     [f.talks_monthly for f in folds])
            targets = loto_targets(terms, folds)
            close()
            print(format_loto(folds, scores))
            print(format_targets(targets))
            atomic_write_json(Path(args.loto), _json_safe(
                {**loto_document(folds, scores, settings), "targets": targets}))
            return 0
        result = abc.calibrate(terms, parameters, settings, args.db, **run)
    except KeyboardInterrupt:
        close()
        print(f"interrupted: completed generations are kept in {args.db}; rerun the same "
              "command to continue", file=sys.stderr)
        return 130
    finally:
        close()
        executor.close()  # already closed unless the fit never started
    doc = abc.posterior_document(result, terms, settings)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    atomic_write_json(Path(args.out), _json_safe(doc))
    print(format_dynamics(result))
    print(S.format_predictive_check(result.check))
    print(f"posterior written to {args.out}")
    if args.figure:
        from parley.outputs.calibration_plots import plot_predictive_check

        plot_predictive_check(result.check, args.figure)
        print(f"predictive check plotted to {args.figure}")
    return 0


def format_dynamics(result) -> str:
    """Generations and the posterior of each parameter beside its prior range."""
    lines = ["generation  epsilon  particles  simulations  acceptance  effective sample"]
    for g in result.generations:
        lines.append(f"{g['generation']:>10}  {g['epsilon']:7.4f}  {g['particles']:>9}  "
                     f"{g['simulations']:>11}  {g['acceptance']:10.3f}  {g['ess']:16.1f}")
    lines.append(f"{'parameter':<34} {'prior':>15} {'posterior mean':>15} {'5%-95%':>17}")
    from parley.experiments.abc import posterior_rows

    for r in posterior_rows(result):
        lines.append(f"{r['parameter']:<34} {r['low']:>7.3g}-{r['high']:<7.3g} "
                     f"{r['posterior_mean']:>15.4g} {r['q05']:>8.3g}-{r['q95']:<8.3g}")
    return "\n".join(lines)


def format_loto(folds, scores) -> str:
    """Out-of-sample forecasts per held-out term, then the scores beside the baselines."""
    lines = [f"{'held-out term':<14} {'P(talks)':>8}  happened"]
    for f in folds:
        lines.append(f"{f.term:<14} {f.p_talks:>8.3f}  {'yes' if f.talks_happened else 'no'}")
    lines.append(f"{'forecast':<12} {'term Brier':>10} {'term log':>9} {'month log':>10}")
    for name, s in scores.items():
        lines.append(f"{name:<12} {s['term_brier']:>10.3f} {s['term_log']:>9.3f} "
                     f"{s['month_log']:>10.3f}")
    return "\n".join(lines)


def loto_targets(terms, folds) -> dict:
    """Both targets scored out of sample: each fold's held-out paths beside the baselines
    (:func:`parley.analysis.record_scores.target_scores`, the hindcast's own tables)."""
    from parley.analysis.record_scores import TARGETS, TermPaths, target_scores

    by_name = {t.name: t for t in terms}
    paths = [TermPaths(by_name[f.term], f.talks, f.tests) for f in folds]
    out = {}
    for key in TARGETS:
        scored = target_scores(paths, key)
        scored.pop("per_term")
        out[key] = scored
    return out


def format_targets(targets: dict) -> str:
    from parley.cli.hindcast import score_table

    lines = []
    for t in targets.values():
        lines.append(f"out of sample, target: {t['meaning']}")
        lines += score_table(t, {name: name for name in t["term"]}, "  ", 14)
    return "\n".join(lines)


def loto_document(folds, scores, settings) -> dict:
    import dataclasses

    return {"settings": dataclasses.asdict(settings), "scores": scores,
            "folds": [{"term": f.term, "p_talks": f.p_talks, "talks_happened": f.talks_happened,
                       "p_monthly": [round(float(x), 5) for x in f.p_monthly],
                       "posterior_mean": f.posterior_mean} for f in folds]}
