"""A forecast of the current term given the record to date, and a dated registry of them.

:func:`forecast` simulates a term (by default the shipped live one) over parameter draws
of the values we chose, weights each world by how well it matches the record to the
cut-off month (:func:`parley.analysis.record_scores.condition_weights`: the talks state
month by month and the cumulative test count), and gives P(a new spell of talks has begun
by month m) for every month after the cut-off, with the interval over draws.  The
statements both leaders made up to the cut-off are in the scenario as dated ``statement``
events (scenarios/live/trump_2025.yaml), so every simulated world already hears them.

The registry is a folder of forecast files, each written once (``parley-forecast/1``):
the term, its scenario hash, the code version, the record's cut-off, the monthly
probabilities and their interval.  :func:`score_registry` scores every file against the
record as it stands now: P(new spell by the last month the record reaches) against
whether one began, by Brier and log loss.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from parley import defaults
from parley.analysis.envelope import apply_draw, envelope, kind_of, quantile_draws, spread
from parley.analysis.record_scores import (
    FLOOR,
    LOW_ESS,
    brier,
    clip,
    condition_weights,
    effective_sample_size,
    log_loss,
    spell_starts,
)
from parley.analysis.terms import Term, load_terms
from parley.errors import ResultsFolderError, ScenarioError, printable
from parley.experiments.hindcast import check_draws, check_options, simulate_term
from parley.scenario import STATEMENT_EVENT_KIND, Scenario, month_index, month_label

FORMAT = "parley-forecast/1"
#: Below this share of worlds whose talks path to date equals the record's, the forecast
#: rests on worlds that do not look like what happened: it says so.
MIN_MATCH_SHARE = 0.05
#: Drivers shown: the values whose draws move the forecast most (by rank correlation).
TOP_DRIVERS = 5
MAX_REGISTRY_FILES = 10_000


def forecast(item: str | Path | Scenario | None = None, runs: int = defaults.HINDCAST_RUNS,
             seed: int = defaults.SEED, parameter_draws: int = defaults.PARAMETER_DRAWS,
             cutoff: str | None = None) -> dict[str, Any]:
    """P(a new spell of talks begins by each month after ``cutoff``) for one term.

    ``item`` is a term file (default: the shipped live term, the one the record has not
    finished); ``cutoff`` (YYYY-MM) truncates the record (default: as far as it reaches).
    """
    check_options(runs, seed, 1, parameter_draws)
    term = _one_term(item)
    check_draws(runs, parameter_draws)
    upto = _months_known(term, cutoff)
    env = envelope(term.scenario)
    quantiles = quantile_draws([u.path for u in env], parameter_draws, seed)
    values = [apply_draw(env, q) for q in quantiles]
    paths = simulate_term(term, runs, seed, values=values)
    obs_talks, obs_tests = term.obs_talks[:upto], term.obs_tests[:upto]
    weights = condition_weights(paths.talks, paths.tests, obs_talks, obs_tests, upto)
    by_month = _cumulative_new_spell(paths.talks, term.start_in_talks, upto, weights)
    draw_of = np.arange(runs) % max(parameter_draws, 1)
    per_draw = [_cumulative_new_spell(paths.talks[draw_of == d], term.start_in_talks, upto,
                                      weights[draw_of == d])[-1]
                for d in range(parameter_draws)]
    lo, hi = spread(np.array(per_draw)) if per_draw else (by_month[-1], by_month[-1])
    months = [month_label(term.start, m) for m in range(upto + 1, term.months + 1)]
    return {
        "format": FORMAT, "term": term.name, "title": term.title, "start": term.start,
        "scenario_sha256": term.scenario.hash, "cutoff": month_label(term.start, upto)
        if upto else None, "months_known": upto, "runs": runs, "seed": seed,
        "parameter_draws": parameter_draws,
        "talks_to_date": bool(obs_talks.any()), "tests_to_date": int(obs_tests.sum()),
        "months": months, "p_by_month": [float(p) for p in by_month],
        "p_end": float(by_month[-1]) if len(by_month) else None,
        "draws_lo": float(lo), "draws_hi": float(hi),
        "per_draw": [float(p) for p in per_draw],
        "matching": _matching(paths.talks, paths.tests, obs_talks, obs_tests, weights, upto),
        "drivers": _drivers(quantiles, per_draw, kind_of([env])),
        "statements_heard": sorted(e.month for e in term.scenario.events
                                   if e.kind == STATEMENT_EVENT_KIND
                                   and month_index(term.start, e.month) <= max(upto, 0)),
    }


def _one_term(item: str | Path | Scenario | None) -> Term:
    terms = load_terms([item] if item is not None else None)
    if item is None:
        terms = [t for t in terms if t.censored]
        if len(terms) != 1:
            raise ScenarioError([f"forecast: {len(terms)} shipped terms are still running; "
                                 "name the one to forecast"])
    elif len(terms) != 1:
        raise ScenarioError([f"forecast: {printable(str(item), 200)} holds {len(terms)} "
                             "terms; name one file"])
    return terms[0]


def _months_known(term: Term, cutoff: str | None) -> int:
    if cutoff is None:
        return term.observed
    try:
        upto = month_index(term.start, cutoff)
    except ValueError:
        raise ScenarioError([f"--cutoff {printable(cutoff, 40)}: give a month as YYYY-MM"]
                            ) from None
    if not 0 <= upto <= term.observed or upto >= term.months:
        raise ScenarioError([f"--cutoff {printable(cutoff, 40)}: must lie in the term "
                             f"{term.start}..{month_label(term.start, term.months - 1)} and "
                             f"within the record (to {term.cutoff})"])
    return upto


def _cumulative_new_spell(talks: np.ndarray, start_in: bool, upto: int,
                          weights: np.ndarray) -> np.ndarray:
    """Weighted share of worlds in which a spell of talks has begun after month ``upto``,
    by each later month."""
    starts = spell_starts(talks, start_in)[:, upto:]
    begun = np.cumsum(starts, axis=1) > 0
    total = weights.sum()
    return (weights[:, None] * begun).sum(axis=0) / total if total > 0 else begun.mean(axis=0)


def _matching(talks: np.ndarray, tests: np.ndarray, obs_talks: np.ndarray,
              obs_tests: np.ndarray, weights: np.ndarray, upto: int) -> dict[str, Any]:
    """How well the simulated worlds match the record to date: the share whose talks path
    equals the record's exactly, where the record's test count falls among the worlds,
    the effective sample, and a warning when any of them is thin."""
    if upto == 0:
        return {"exact_share": 1.0, "tests_quantile": None, "ess": float(len(weights)),
                "warning": None}
    exact = float(np.mean((talks[:, :upto] == obs_talks.astype(bool)).all(axis=1)))
    sims = tests[:, :upto].sum(axis=1)
    seen = float(obs_tests.sum())
    quantile = float(np.mean(sims < seen) + 0.5 * np.mean(sims == seen))
    ess = effective_sample_size(weights)
    problems = []
    if exact < MIN_MATCH_SHARE:
        problems.append(f"only {exact:.1%} of worlds follow the record's talks path to date")
    if not 0.025 <= quantile <= 0.975:
        problems.append(f"the record's {seen:.0f} tests lie at quantile {quantile:.3f} of the "
                        "worlds'")
    if ess < LOW_ESS:
        problems.append(f"the effective sample is {ess:.0f} worlds")
    return {"exact_share": exact, "tests_quantile": quantile, "ess": ess,
            "warning": "; ".join(problems) or None}


def _drivers(quantiles: list[dict[str, float]], per_draw: Sequence[float],
             kinds: dict[str, str]) -> list[dict[str, Any]]:
    """The values whose draws move P(new spell by the end) most: Spearman's rank correlation
    over the draws (noisy with few draws: with 20, |rho| above 0.44 is 5% significant)."""
    if len(per_draw) < 3:
        return []
    y = _ranks(np.asarray(per_draw))
    if np.std(y) == 0:
        return []
    out = []
    for path in sorted(quantiles[0]):
        x = _ranks(np.array([q[path] for q in quantiles]))
        rho = float(np.corrcoef(x, y)[0, 1]) if np.std(x) > 0 else 0.0
        out.append({"path": path, "kind": kinds.get(path, "constant"), "rho": rho})
    out.sort(key=lambda d: (-abs(d["rho"]), d["path"]))
    return out[:TOP_DRIVERS]


def _ranks(v: np.ndarray) -> np.ndarray:
    return np.argsort(np.argsort(v, kind="stable"), kind="stable").astype(float)


# ------------------------------------------------------------------ the registry


def register(result: dict[str, Any], registry: Path) -> Path:
    """Write ``result`` to a new file of the registry folder (never over an existing one)."""
    from parley import __version__
    from parley.results.manifest import git_commit
    from parley.results.store import atomic_write_json

    entry = {**result, "registered": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
             "parley": __version__, "git_commit": git_commit()}
    digest = hashlib.sha256(json.dumps(entry, sort_keys=True).encode()).hexdigest()[:12]
    registry.mkdir(parents=True, exist_ok=True)
    path = registry / f"{result['term']}-{result['cutoff'] or 'start'}-{digest}.json"
    if path.exists():
        raise ResultsFolderError(f"{path}: already registered")
    atomic_write_json(path, entry)
    return path


def registered(registry: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Every forecast file of a registry folder, in name order (foreign files refused)."""
    from parley.results.load import read_json

    if not registry.is_dir():
        raise ResultsFolderError(f"{registry}: no such registry folder")
    files = sorted(registry.glob("*.json"))
    if len(files) > MAX_REGISTRY_FILES:
        raise ResultsFolderError(f"{registry}: more than {MAX_REGISTRY_FILES:,} files")
    out = []
    for path in files:
        entry = read_json(path, "forecast file")
        if not isinstance(entry, dict) or entry.get("format") != FORMAT:
            raise ResultsFolderError(f"{path}: not a parley forecast file (format {FORMAT})")
        out.append((path, entry))
    return out


def score_registry(registry: Path, items: Sequence[str | Path] | None = None
                   ) -> list[dict[str, Any]]:
    """Every registered forecast against the record as it stands now (the terms of
    ``items``, default the shipped ones): P(new spell by the last month the record now
    reaches) against whether one began after the forecast's cut-off."""
    terms = {t.name: t for t in load_terms(items)}
    rows = []
    for path, entry in registered(registry):
        term = terms.get(entry["term"])
        row = {"file": path.name, "term": entry["term"], "cutoff": entry["cutoff"],
               "registered": entry.get("registered")}
        known = entry["months_known"]
        ahead = 0 if term is None else min(term.observed, term.months) - known
        if term is None or ahead <= 0:
            rows.append({**row, "status": "pending", "months_scored": 0})
            continue
        began = bool(spell_starts(term.obs_talks, term.start_in_talks)[0, known:].any())
        p = float(entry["p_by_month"][ahead - 1])
        rows.append({**row, "status": "scored", "months_scored": ahead,
                     "from": month_label(term.start, known + 1),
                     "through": month_label(term.start, known + ahead), "p": p,
                     "happened": began, "brier": brier(np.array([p]), np.array([began])),
                     "log": log_loss(clip(np.array([p])), np.array([began])),
                     "floor": FLOOR})
    return rows
