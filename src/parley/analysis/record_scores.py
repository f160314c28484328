"""Scores of simulated monthly paths against the whole record (no Mesa, no model).

Inputs are plain arrays: for a term, the simulated ``talks`` (bool) and ``tests`` (int)
paths, shape (worlds, months), and the record's ``obs_talks`` / ``obs_tests`` over the
months the record covers (fewer than the term's for a censored term).  Everything here is
a pure function of those arrays, so the scores are the same whatever produced the paths.

Conventions (docs/VALIDATION.md):

* Every probability is floored at :data:`FLOOR` (and capped at ``1 - FLOOR``) before a log
  score, the same for the model and every baseline and whatever the number of worlds,
  so a frequency of 0 or 1 is not scored as certainty and the score does not move
  with the run count.
* Two targets are scored (:data:`TARGETS`): talks under way at some time in the term, and
  a new spell of talks beginning in the term (the one a user means by *resume*: a term
  that starts inside talks has not resumed them by carrying on).
* Log scores are mean negative log-likelihoods in nats (lower is better), like Brier.
* The base rates are leave-one-term-out: a term is never scored against a rate that used
  its own record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from parley.analysis import baselines
from parley.analysis.baselines import leave_one_out
from parley.analysis.intervals import wilson
from parley.analysis.terms import Term

#: Patterns compared between the simulated worlds and the record, in report order.
PATTERNS: tuple[str, ...] = ("first_talks_month", "months_in_talks", "spells", "collapses",
                             "tests_per_month_in_talks", "tests_per_month_out_of_talks")
#: Weight kept by a world for each month its talks state differs from the record's.
MISMATCH_WEIGHT = 0.25
#: Bandwidth of the kernel on the square root of cumulative tests (about two Poisson sd).
TESTS_BANDWIDTH = 1.0
#: Effective sample size below which a conditioned forecast is flagged as thin.
LOW_ESS = 30
#: Months between rolling forecast origins.
ORIGIN_STEP = 6


#: The probability floor of every log score (stated, fixed: not 0.5 / runs).
FLOOR = 0.005
#: The scored targets: key -> what it means.
TARGETS = {"underway": "talks under way in the term",
           "new_spell": "a new spell of talks begins in the term"}


def clip(p: np.ndarray | float) -> np.ndarray:
    """A probability made safe for a log score: floored at :data:`FLOOR`, whatever the
    number of worlds behind it."""
    return np.clip(np.asarray(p, dtype=float), FLOOR, 1 - FLOOR)


def spell_starts(talks: np.ndarray, start_in_talks: bool) -> np.ndarray:
    """Months in which a spell of talks begins: in talks, and not in talks the month before
    (the month before the first is the record's state before the term)."""
    talks = np.atleast_2d(np.asarray(talks, bool))
    before = np.full((talks.shape[0], 1), bool(start_in_talks))
    return talks & ~np.concatenate([before, talks[:, :-1]], axis=1)


def brier(p: np.ndarray, o: np.ndarray) -> float:
    """Mean squared difference of forecast and outcome (lower is better)."""
    return float(np.mean((np.asarray(p, float) - np.asarray(o, float)) ** 2))


def log_loss(p: np.ndarray, o: np.ndarray) -> float:
    """Mean negative log-likelihood in nats of outcomes ``o`` under forecasts ``p``."""
    p, o = np.asarray(p, float), np.asarray(o, bool)
    return float(-np.mean(np.where(o, np.log(p), np.log1p(-p))))


# --------------------------------------------------------------------- patterns


def patterns(talks: np.ndarray, tests: np.ndarray) -> dict[str, np.ndarray]:
    """Per-world (or, for 1-D input, per-record) pattern values over the given months.

    ``first_talks_month`` is 1-based and ``months + 1`` when there are no talks; a spell is
    a run of consecutive months in talks; a collapse is a spell that ends inside the window;
    test rates are missiles per month in and out of talks (NaN without such months).
    """
    talks = np.atleast_2d(np.asarray(talks, bool))
    tests = np.atleast_2d(np.asarray(tests, float))
    months = talks.shape[1]
    first = np.where(talks.any(axis=1), talks.argmax(axis=1) + 1, months + 1)
    starts = talks & ~np.pad(talks, ((0, 0), (1, 0)))[:, :-1]
    ends = talks[:, :-1] & ~talks[:, 1:]
    n_in = talks.sum(axis=1)
    n_out = months - n_in
    with np.errstate(invalid="ignore", divide="ignore"):
        rate_in = np.where(n_in > 0, (tests * talks).sum(axis=1) / n_in, np.nan)
        rate_out = np.where(n_out > 0, (tests * ~talks).sum(axis=1) / n_out, np.nan)
    return {"first_talks_month": first.astype(float), "months_in_talks": n_in.astype(float),
            "spells": starts.sum(axis=1).astype(float), "collapses": ends.sum(axis=1).astype(float),
            "tests_per_month_in_talks": rate_in, "tests_per_month_out_of_talks": rate_out}


def where_record_falls(simulated: np.ndarray, observed: float) -> dict[str, Any]:
    """Simulated 10/50/90% quantiles and the record's mid-rank quantile among the worlds.

    The quantile is P(sim < obs) + P(sim == obs) / 2 over worlds with a defined value;
    ``None`` when the record's value or every simulated one is undefined (NaN).
    """
    sim = simulated[~np.isnan(simulated)]
    if np.isnan(observed) or sim.size == 0:
        return {"q10": None, "q50": None, "q90": None, "observed": None if np.isnan(observed)
                else float(observed), "quantile": None, "defined_share": sim.size / max(
                    simulated.size, 1)}
    q10, q50, q90 = np.quantile(sim, [0.1, 0.5, 0.9])
    rank = float(np.mean(sim < observed) + 0.5 * np.mean(sim == observed))
    return {"q10": float(q10), "q50": float(q50), "q90": float(q90), "observed": float(observed),
            "quantile": rank, "defined_share": sim.size / simulated.size}


# --------------------------------------------------------------- conditioning


@dataclass(frozen=True)
class Conditional:
    """A forecast conditioned on the record to some month."""

    p: float
    lo: float
    hi: float
    ess: float


def condition_weights(talks: np.ndarray, tests: np.ndarray, obs_talks: np.ndarray,
                      obs_tests: np.ndarray, upto: int) -> np.ndarray:
    """Importance weights of worlds given the record's first ``upto`` months.

    A world keeps :data:`MISMATCH_WEIGHT` per month its talks state differs from the
    record's, times a Gaussian kernel (bandwidth :data:`TESTS_BANDWIDTH`) on the square root
    of its cumulative tests against the record's.  With ``upto == 0`` every weight is 1.
    """
    n = talks.shape[0]
    if upto == 0:
        return np.ones(n)
    mismatches = (talks[:, :upto] != np.asarray(obs_talks[:upto], bool)).sum(axis=1)
    gap = np.sqrt(tests[:, :upto].sum(axis=1)) - np.sqrt(float(np.sum(obs_tests[:upto])))
    log_w = mismatches * np.log(MISMATCH_WEIGHT) - 0.5 * (gap / TESTS_BANDWIDTH) ** 2
    return np.exp(log_w - log_w.max())


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of importance weights, (sum w)^2 / sum w^2."""
    w = np.asarray(weights, dtype=float)
    return float(np.sum(w) ** 2 / np.sum(w ** 2))


def conditional_forecast(talks: np.ndarray, tests: np.ndarray, obs_talks: np.ndarray,
                         obs_tests: np.ndarray, upto: int) -> Conditional:
    """P(talks in months ``upto+1..end`` | record to month ``upto``), Wilson 95% interval
    at the effective sample size (Kish: (sum w)^2 / sum w^2)."""
    w = condition_weights(talks, tests, obs_talks, obs_tests, upto)
    event = talks[:, upto:].any(axis=1)
    p = float(np.sum(w * event) / np.sum(w))
    ess = effective_sample_size(w)
    lo, hi = wilson(p * ess, ess)
    return Conditional(p, min(lo, p), max(hi, p), ess)


def origins(months_observed: int, months: int) -> list[int]:
    """Rolling forecast origins: the term's start, then every :data:`ORIGIN_STEP` months
    while some of the term is still ahead and the record reaches the origin."""
    return [t for t in range(0, months, ORIGIN_STEP) if t <= months_observed]


# ------------------------------------------------------------------ the whole record


@dataclass(frozen=True)
class TermPaths:
    """One term (:class:`~parley.analysis.terms.Term`) beside its simulated paths,
    ``talks`` (bool) and ``tests`` (int), shape (worlds, months)."""

    term: Term
    talks: np.ndarray
    tests: np.ndarray

    name = property(lambda self: self.term.name)
    title = property(lambda self: self.term.title)
    start = property(lambda self: self.term.start)
    obs_talks = property(lambda self: self.term.obs_talks)
    obs_tests = property(lambda self: self.term.obs_tests)
    observed = property(lambda self: self.term.observed)
    censored = property(lambda self: self.term.censored)

    @property
    def months(self) -> int:
        return int(self.talks.shape[1])


def over_draws(hits: np.ndarray, draws: int) -> tuple[float, float] | tuple[None, None]:
    """The 95% interval over parameter draws of the share of ``hits`` (one per world, in
    run order: world i ran under draw i % K, as the hindcast spreads them), or (None,
    None) for the point run.  Each draw's share carries its own Monte Carlo noise."""
    if draws < 2 or len(hits) < draws:
        return None, None
    which = np.arange(len(hits)) % draws
    shares = np.bincount(which, weights=hits.astype(float), minlength=draws) / np.bincount(
        which, minlength=draws)
    lo, hi = np.quantile(shares, [0.025, 0.975])
    return float(lo), float(hi)


def _term_row(term: TermPaths, draws: int = 0) -> dict[str, Any]:
    n, seen = term.talks.shape[0], term.observed
    any_talks = term.talks.any(axis=1)
    p_talks = float(any_talks.mean())
    lo, hi = wilson(float(any_talks.sum()), n)
    lo, hi = min(lo, p_talks), max(hi, p_talks)  # float rounding at 0 and 1
    sim = patterns(term.talks[:, :seen], term.tests[:, :seen])
    obs = patterns(term.obs_talks, term.obs_tests)
    tests = term.tests[:, :seen].sum(axis=1)
    q10, q50, q90 = (int(v) for v in np.quantile(tests, [0.1, 0.5, 0.9]))
    first = np.where(any_talks, term.talks.argmax(axis=1) + 1, 0)
    new_sim = spell_starts(term.talks, term.term.start_in_talks).any(axis=1)
    new_obs = spell_starts(term.obs_talks, term.term.start_in_talks).any()
    p_new = float(new_sim.mean())
    new_lo, new_hi = wilson(float(new_sim.sum()), n)
    talks_param = over_draws(any_talks, draws)
    new_param = over_draws(new_sim, draws)
    return {
        "scenario": term.name, "title": term.title, "start": term.start,
        "months": term.months, "months_observed": seen, "censored": term.censored,
        "p_talks": p_talks, "lo": lo, "hi": hi,
        "talks_param_lo": talks_param[0], "talks_param_hi": talks_param[1],
        "p_talks_to_date": float(term.talks[:, :seen].any(axis=1).mean()),
        # in talks the month before: "talks in the term" is inherited from the start state
        "inherited": term.term.start_in_talks, "coding": term.term.coding,
        "p_new_spell": p_new, "new_spell_lo": min(new_lo, p_new),
        "new_spell_hi": max(new_hi, p_new),
        "new_spell_param_lo": new_param[0], "new_spell_param_hi": new_param[1],
        "observed_new_spell": None if term.censored and not new_obs else bool(new_obs),
        "observed_talks": None if term.censored and not term.obs_talks.any()
        else bool(term.obs_talks.any()),
        "observed_talks_to_date": bool(term.obs_talks.any()),
        "observed_first_talks_month": int(obs["first_talks_month"][0])
        if term.obs_talks.any() else None,
        "median_first_talks_month": float(np.median(first[first > 0])) if (first > 0).any()
        else None,
        "sim_tests_q10": q10, "sim_tests_q50": q50, "sim_tests_q90": q90,
        "observed_tests": int(np.sum(term.obs_tests)),
        "patterns": {k: where_record_falls(sim[k], float(obs[k][0])) for k in PATTERNS},
    }


def _reliability(p: np.ndarray, o: np.ndarray, bins: int = 10) -> list[dict[str, Any]]:
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.clip(np.digitize(p, edges) - 1, 0, bins - 1)
    out = []
    for b in range(bins):
        sel = idx == b
        if sel.any():
            out.append({"bin_lo": float(edges[b]), "bin_hi": float(edges[b + 1]),
                        "n": int(sel.sum()), "mean_p": float(p[sel].mean()),
                        "observed": float(o[sel].mean())})
    return out


def _month_scores(terms: list[TermPaths], rows: list[dict[str, Any]]) -> dict[str, Any]:
    clim = leave_one_out([t.obs_talks.astype(float) for t in terms])
    ps, cs, os_ = [], [], []
    for term, c, row in zip(terms, clim, rows, strict=True):
        p = clip(term.talks[:, :term.observed].mean(axis=0))
        o = np.asarray(term.obs_talks, bool)
        row["month_log_model"] = log_loss(p, o)
        row["month_log_climatology"] = log_loss(clip(np.full(len(o), c)), o)
        row["climatology"] = float(c)
        ps.append(p)
        cs.append(np.full(len(o), c))
        os_.append(o)
    p, o = np.concatenate(ps), np.concatenate(os_)
    c = clip(np.concatenate(cs))
    several = len(terms) > 1  # climatology leaves each term out: it needs another term
    return {"n_months": len(o), "log_model": log_loss(p, o),
            "log_climatology": log_loss(c, o) if several else None,
            "brier_model": brier(p, o), "brier_climatology": brier(c, o) if several else None,
            "share_in_talks": float(o.mean()), "reliability": _reliability(p, o)}


def _rolling(terms: list[TermPaths]) -> dict[str, Any]:
    done = [t for t in terms if not t.censored]
    forecasts = []
    for i, term in enumerate(done):
        for t in origins(term.observed, term.months):
            others = [bool(o.obs_talks[t:].any()) for j, o in enumerate(done) if j != i]
            f = conditional_forecast(term.talks, term.tests, term.obs_talks, term.obs_tests, t)
            forecasts.append({"scenario": term.name, "origin": t, "p": f.p, "lo": f.lo,
                              "hi": f.hi, "ess": f.ess,
                              "base_rate": float(np.mean(others)) if others else 0.5,
                              "observed": bool(term.obs_talks[t:].any())})
    if not forecasts:
        return {"forecasts": [], "n": 0}
    p = np.array([f["p"] for f in forecasts])
    b = np.array([f["base_rate"] for f in forecasts])
    o = np.array([f["observed"] for f in forecasts])
    return {"forecasts": forecasts, "n": len(forecasts),
            "n_low_ess": sum(f["ess"] < LOW_ESS for f in forecasts),
            "brier_model": brier(p, o), "brier_base_rate": brier(b, o),
            "brier_coin": brier(np.full(len(o), 0.5), o),
            "log_model": log_loss(clip(p), o), "log_base_rate": log_loss(clip(b), o),
            "log_coin": float(np.log(2.0))}


def live_forecast(term: TermPaths) -> dict[str, Any]:
    """P(talks in the rest of the term | the record so far), and unconditioned at the start."""
    upto = term.observed
    f = conditional_forecast(term.talks, term.tests, term.obs_talks, term.obs_tests, upto)
    start = conditional_forecast(term.talks, term.tests, term.obs_talks, term.obs_tests, 0)
    return {"scenario": term.name, "title": term.title, "start": term.start,
            "months_observed": upto, "months": term.months,
            "talks_so_far": bool(term.obs_talks.any()), "tests_so_far": int(
                np.sum(term.obs_tests)),
            "p": f.p, "lo": f.lo, "hi": f.hi, "ess": f.ess,
            "p_at_start": start.p, "worlds": int(term.talks.shape[0])}


def _term_scores(rows: list[dict[str, Any]], done: list[int]) -> dict[str, Any]:
    if not done:
        return {key: None for key in ("brier_model", "brier_naive_loo", "brier_coin",
                                      "log_model", "log_naive_loo", "log_coin")}
    o = np.array([float(rows[i]["observed_talks"]) for i in done])
    p = np.array([rows[i]["p_talks"] for i in done])
    loo = leave_one_out([np.array([v]) for v in o]) if len(o) > 1 else np.full(len(o), 0.5)
    for i, b in zip(done, loo, strict=True):
        rows[i]["naive_base_rate"] = float(b)
    return {"brier_model": brier(p, o), "brier_naive_loo": brier(loo, o),
            "brier_coin": brier(np.full(len(o), 0.5), o),
            "log_model": log_loss(clip(p), o), "log_naive_loo": log_loss(clip(loo), o),
            "log_coin": float(np.log(2.0))}


def _target_paths(term: TermPaths, target: str) -> tuple[np.ndarray, np.ndarray]:
    """Simulated (worlds x months) and observed (months) 0/1 series of a target's event:
    in talks that month (underway), or a spell beginning that month (new_spell)."""
    if target == "underway":
        return term.talks[:, :term.observed], np.asarray(term.obs_talks, bool)
    start = term.term.start_in_talks
    return (spell_starts(term.talks, start)[:, :term.observed],
            spell_starts(term.obs_talks, start)[0])


def _scores(p: np.ndarray, o: np.ndarray) -> dict[str, float]:
    return {"brier": brier(p, o), "log": log_loss(clip(p), o)}


def target_scores(terms: list[TermPaths], target: str) -> dict[str, Any]:
    """Term- and month-level Brier and log loss of the model and every baseline
    (:mod:`parley.analysis.baselines`) on one target, over completed terms."""
    sims, obs = zip(*(_target_paths(t, target) for t in terms), strict=True)
    happened = np.array([o.any() for o in obs], float)
    coding = np.array([t.term.coding for t in terms])
    start_in = np.array([t.term.start_in_talks for t in terms], float)
    term_p = {"model": np.array([s.any(axis=1).mean() for s in sims]),
              **baselines.term_baselines(happened, coding, start_in)}
    month_p = {"model": [s.mean(axis=0) for s in sims],
               **baselines.month_baselines(obs, coding, start_in, target == "new_spell")}
    if target == "underway":  # a term in talks at its start has them: persistence knows it
        term_p["persistence"] = np.where(start_in > 0, 1 - FLOOR, term_p["persistence"])
    months_obs = np.concatenate(obs)
    return {"target": target, "meaning": TARGETS[target], "n_terms": len(terms),
            "n_months": int(months_obs.size), "happened": int(happened.sum()),
            "term": {k: _scores(v, happened) for k, v in term_p.items()},
            "month": {k: _scores(np.concatenate(v), months_obs) for k, v in month_p.items()},
            "per_term": [{"scenario": t.name, "observed": bool(h),
                          **{k: float(v[i]) for k, v in term_p.items()}}
                         for i, (t, h) in enumerate(zip(terms, happened, strict=True))]}


def score_record(terms: list[TermPaths], draws: int = 0) -> dict[str, Any]:
    """Term-level, month-level, pattern and rolling-origin scores of every term.

    Term-level scores cover completed terms only (``None`` when there is none); censored
    terms get a live forecast instead.  With ``draws`` K parameter draws (world i under
    draw i % K), each term's shares also carry their interval over the draws.
    """
    if not terms:
        raise ValueError("no terms to score")
    rows = [_term_row(t, draws) for t in terms]
    done = [i for i, t in enumerate(terms) if not t.censored]
    return {"rows": rows, "n_terms": len(done), "n_censored": len(terms) - len(done),
            **_term_scores(rows, done),
            "month": _month_scores(terms, rows), "rolling": _rolling(terms),
            "targets": {k: target_scores([terms[i] for i in done], k) for k in TARGETS}
            if done else {},
            "live": [live_forecast(t) for t in terms if t.censored]}
