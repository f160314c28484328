"""``parley hindcast``: past administrations simulated beside what actually happened.

Each scenario in ``scenarios/hindcast/`` takes its stances from policy
statements of its time (cited), never from the outcome.  For each term the
simulated P(talks resume within the term) is set beside the record
(``records.talks_months``: working-level talks, summits, Six-Party rounds or
agreements), scored with the Brier score, and compared with a naive forecast:
the leave-one-out base rate (the share of the *other* terms with talks).
A second pattern, missile tests per term, is checked against the CNS/NTI counts.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

from parley.experiment import add_batch_options, execute, new_batch, wrap_up
from parley.outputs.tables import hindcast_brier_line
from parley.scenario import month_index, month_label
from parley.store import atomic_write_json

DEFAULT_DIR = "scenarios/hindcast"


def default_scenarios(cwd: Path | None = None) -> list[str]:
    """``scenarios/hindcast`` here, else the project's own copy (run from any folder)."""
    here = (cwd or Path.cwd()) / DEFAULT_DIR
    project = Path(__file__).resolve().parents[2] / DEFAULT_DIR  # a source checkout
    return [str(here if here.is_dir() or not project.is_dir() else project)]


def register(sub) -> None:
    p = sub.add_parser("hindcast", help="simulate past administrations beside the record")
    p.add_argument("scenarios", nargs="*", default=None,
                   help=f"hindcast scenario files or folders (default {DEFAULT_DIR})")
    add_batch_options(p, default_runs=5_000)
    p.set_defaults(func=run_hindcast, precision=None, max_runs=0, resume=None,
                   reference=None)


def observed(start: str, months: int) -> dict[str, Any]:
    """What the record shows for a term: talks (and when), and missile tests."""
    from parley import records

    end = month_label(start, months)
    talks = records.talks_months(start=start, end=end)
    tests = records.missile_tests_between(start, min(end, "2026-04"))
    first = month_index(start, str(talks[0])) if len(talks) else None
    return {"talks": bool(len(talks)), "first_talks_month": first,
            "tests": int(tests["tests"].sum()), "months_in_record": len(tests)}


def brier(p: np.ndarray, o: np.ndarray) -> float:
    return float(np.mean((p - o) ** 2))


def hindcast_table(summary: dict[str, Any]) -> dict[str, Any]:
    rows = []
    for sc in summary["scenarios"]:
        obs = observed(sc["start"], sc["months"])
        sh = sc["shares"]["talks_resumed"]
        tests = sc["counts"]["tests"]
        rows.append({"scenario": sc["name"], "title": sc["title"], "start": sc["start"],
                     "p_talks": sh["p"], "lo": sh["lo"], "hi": sh["hi"],
                     "observed_talks": obs["talks"],
                     "observed_first_talks_month": obs["first_talks_month"],
                     "median_first_talks_month": sc["time_to_talks"]["median"],
                     "sim_tests_q10": tests["q10"], "sim_tests_q50": tests["q50"],
                     "sim_tests_q90": tests["q90"], "observed_tests": obs["tests"]})
    p = np.array([r["p_talks"] for r in rows])
    o = np.array([float(r["observed_talks"]) for r in rows])
    loo = np.array([(o.sum() - o[i]) / (len(o) - 1) for i in range(len(o))]) if len(o) > 1 \
        else np.full(len(o), 0.5)
    for r, b in zip(rows, loo, strict=True):
        r["naive_base_rate"] = float(b)
    return {"rows": rows, "brier_model": brier(p, o), "brier_naive_loo": brier(loo, o),
            "brier_coin": brier(np.full(len(o), 0.5), o), "n_terms": len(rows)}


def format_hindcast(table: dict[str, Any], runs: int) -> str:
    lines = [f"Hindcast: {runs:,} runs per term; P(talks resume within the term) vs the record",
             f"{'term':<14} {'start':<8} {'simulated [95% CI]':<24} {'happened':<9} "
             f"{'1st month sim/real':<19} {'tests sim 10-50-90%':<20} real"]
    for r in table["rows"]:
        med = "-" if r["median_first_talks_month"] is None else int(r["median_first_talks_month"])
        real = r["observed_first_talks_month"] or "-"
        lines.append(
            f"{r['scenario']:<14} {r['start']:<8} {r['p_talks']:.3f} [{r['lo']:.3f}, "
            f"{r['hi']:.3f}]   {'yes' if r['observed_talks'] else 'no':<9} "
            f"{str(med) + ' / ' + str(real):<19} "
            f"{r['sim_tests_q10']:>4} {r['sim_tests_q50']:>4} {r['sim_tests_q90']:>4}       "
            f"{r['observed_tests']}")
    lines.append(hindcast_brier_line(table))
    return "\n".join(lines)


def run_hindcast(args) -> int:
    if args.runs < 1:
        print("error: --runs must be positive", file=sys.stderr)
        return 2
    args.scenarios = args.scenarios or default_scenarios()
    batch, manifest = new_batch(args, compare=True, kind="hindcast")
    summary = execute(batch, manifest, args)
    table = hindcast_table(summary)
    atomic_write_json(Path(batch.store.folder) / "hindcast.json", table)
    print(format_hindcast(table, batch.done_runs))
    return wrap_up(batch, args)
