"""Scores of probabilistic forecasts of talks against the record, and their baselines.

Term level: P(talks within the term) against whether talks happened, by the
Brier score (mean squared error, lower is better) and the log score (mean log
probability given to what happened, higher is better).  Month level: P(in talks)
month by month against the monthly record, by the log score.  Probabilities are
clipped to ``[CLIP, 1 - CLIP]`` before taking logs, so a forecast of exactly 0
or 1 that turns out wrong costs ``log(CLIP)`` instead of minus infinity; the same
clip is applied to every forecast and baseline.

The scores are the hindcast's own (:mod:`parley.analysis.record_scores`: its Brier score,
its floor, and its log loss with the sign turned so that higher is better), and the
leave-one-out rates are :func:`parley.analysis.baselines.leave_one_out`'s, so the ABC
check and the hindcast cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from parley.analysis.baselines import leave_one_out
from parley.analysis.record_scores import FLOOR, brier, clip, log_loss

__all__ = ["CLIP", "brier", "leave_one_out_rates", "log_score", "score_forecasts"]

#: The probability floor of the log score: the hindcast's (record_scores.FLOOR).
CLIP = FLOOR


def log_score(p: np.ndarray, outcome: np.ndarray) -> float:
    """Mean natural log of the probability given to what happened (clipped; higher is better)."""
    return -log_loss(clip(p), outcome)


def leave_one_out_rates(values: Sequence[np.ndarray]) -> list[float]:
    """For each item, the mean of all the *other* items' values pooled (NaN if alone)."""
    flat = [np.ravel(v) for v in values]
    total = sum(v.size for v in flat)
    pooled = leave_one_out(flat)
    return [float(x) if total > v.size else float("nan") for x, v in zip(pooled, flat,
                                                                           strict=True)]


def score_forecasts(p_talks: Sequence[float], talks_happened: Sequence[bool],
                    p_monthly: Sequence[np.ndarray], talks_monthly: Sequence[np.ndarray]
                    ) -> dict[str, dict[str, float]]:
    """Term and month scores of a forecast beside the base rate, a coin flip and climatology.

    * base rate: for each term, the share of the other terms with talks;
    * coin flip: 0.5 for every term and month;
    * climatology: for each term's months, the share of months in talks over the
      other terms (month level; at term level the base rate plays this part).
    """
    happened = np.asarray(talks_happened, dtype=float)
    base = np.asarray(leave_one_out_rates([np.array([h]) for h in happened]))
    clim = leave_one_out_rates([np.asarray(m, dtype=float) for m in talks_monthly])
    months_obs = np.concatenate([np.asarray(m, dtype=bool) for m in talks_monthly])
    forecasts = {
        "model": (np.asarray(p_talks, dtype=float),
                  np.concatenate([np.asarray(p, dtype=float) for p in p_monthly])),
        "base_rate": (base, None),
        "coin_flip": (np.full(len(happened), 0.5), np.full(len(months_obs), 0.5)),
        "climatology": (base, np.concatenate([np.full(len(m), c)
                                              for m, c in zip(talks_monthly, clim, strict=True)])),
    }
    out = {}
    for name, (term_p, month_p) in forecasts.items():
        out[name] = {"term_brier": brier(term_p, happened),
                     "term_log": log_score(term_p, happened),
                     "month_log": log_score(month_p, months_obs) if month_p is not None
                     else float("nan")}
    return out
