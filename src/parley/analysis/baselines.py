"""The forecasts a forecaster would set beside the model's, from what was known before a term.

Every baseline sees only pre-term covariates and the *other* terms' records (leave one term
out), so none is scored on a record it was fitted to:

* ``base_rate``: the share of the other terms in which the target happened;
* ``climatology``: at month level, the share of the other terms' months in which it
  happened (at term level it is the base rate);
* ``persistence``: the rule "the North's stance of the year before the term persists":
  Pyongyang's threshold coding (lower half / mixed / upper half of the scale, the coding
  every term file states, docs/VALIDATION.md) read as 0.8 / 0.5 / 0.2 for the term; at
  month level the same term chance spread as a constant monthly hazard (for a spell that
  begins) or as the share of months (for talks under way).  The numbers are the issue's
  rule, fixed before any score was seen, not fitted;
* ``logistic``: a logistic regression on the coding (-1, 0, 1) and the start state (in
  talks the month before the term or not), with months into the term as a third covariate
  at month level, fitted on the other terms with a ridge penalty of 1 on the slopes (eight
  terms separate perfectly without one), by Newton's method: three coefficients do not
  need scikit-learn or statsmodels in the base install;
* ``coin``: 0.5.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "FORECASTERS",
    "PERSISTENCE",
    "RIDGE",
    "coding_of",
    "fit_logistic",
    "leave_one_out",
    "month_baselines",
    "monthly_hazard",
    "predict_logistic",
    "term_baselines",
]

#: The forecasters of every score table, in print order (the model first).
FORECASTERS: tuple[str, ...] = ("model", "base_rate", "climatology", "persistence",
                                "logistic", "coin")
#: Persistence by threshold coding: P(target in the term) for lower / mixed / upper.
PERSISTENCE = {-1: 0.8, 0: 0.5, 1: 0.2}
#: Ridge penalty on the logistic slopes (not on the intercept).
RIDGE = 1.0
#: The middle of Pyongyang's attitude scale: the lower half lies below it, the upper above.
MIDDLE = 0.65


def coding_of(threshold: object) -> int:
    """-1 (lower half), 0 (mixed: the whole scale) or 1 (upper half) from a term file's
    ``attitude_threshold`` value (a number or an interval ``[lo, hi]``)."""
    lo, hi = (threshold, threshold) if isinstance(threshold, int | float) else threshold
    if float(hi) <= MIDDLE + 1e-9:
        return -1
    if float(lo) >= MIDDLE - 1e-9:
        return 1
    return 0


def fit_logistic(x: np.ndarray, y: np.ndarray, ridge: float = RIDGE,
                 iterations: int = 50) -> np.ndarray:
    """Coefficients (intercept first) of a ridge-penalised logistic regression of ``y`` (0/1)
    on the columns of ``x``, by Newton's method (the penalised likelihood is concave)."""
    design = np.column_stack([np.ones(len(x)), np.asarray(x, float)])
    y = np.asarray(y, float)
    penalty = np.full(design.shape[1], ridge)
    penalty[0] = 0.0
    beta = np.zeros(design.shape[1])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-design @ beta))
        grad = design.T @ (y - p) - penalty * beta
        hess = design.T @ (design * (p * (1 - p))[:, None]) + np.diag(penalty) + 1e-9
        step = np.linalg.solve(hess, grad)
        beta += step
        if np.max(np.abs(step)) < 1e-10:
            break
    return beta


def predict_logistic(beta: np.ndarray, x: np.ndarray) -> np.ndarray:
    design = np.column_stack([np.ones(len(x)), np.asarray(x, float)])
    return 1.0 / (1.0 + np.exp(-design @ beta))


def monthly_hazard(p_term: float, months: int) -> float:
    """The constant monthly chance that gives ``p_term`` over ``months`` months."""
    return 1.0 - (1.0 - p_term) ** (1.0 / months)


def leave_one_out(values: Sequence[np.ndarray]) -> np.ndarray:
    """For each group, the mean of every other group's values pooled."""
    total = sum(float(np.sum(v)) for v in values)
    count = sum(len(v) for v in values)
    return np.array([(total - float(np.sum(v))) / max(count - len(v), 1) for v in values])


def term_baselines(happened: np.ndarray, coding: np.ndarray, start_in: np.ndarray
                   ) -> dict[str, np.ndarray]:
    """Each baseline's P(target in the term) for every term, leaving that term out."""
    happened = np.asarray(happened, float)
    n = len(happened)
    base = leave_one_out([np.array([h]) for h in happened]) if n > 1 else np.full(n, 0.5)
    x = np.column_stack([coding, start_in]).astype(float)
    logit = np.empty(n)
    for i in range(n):
        keep = np.arange(n) != i
        logit[i] = predict_logistic(fit_logistic(x[keep], happened[keep]), x[i:i + 1])[0] \
            if keep.any() else 0.5
    return {"base_rate": base, "climatology": base,
            "persistence": np.array([PERSISTENCE[int(c)] for c in coding]),
            "logistic": logit, "coin": np.full(n, 0.5)}


def month_baselines(monthly: Sequence[np.ndarray], coding: np.ndarray, start_in: np.ndarray,
                    spell_target: bool) -> dict[str, list[np.ndarray]]:
    """Each baseline's P(target in each month) for every term (one array per term).

    ``monthly[i]`` is term *i*'s observed 0/1 series of the target; ``spell_target`` says
    whether the target is a spell beginning.  A term-level chance (the base rate, the
    persistence rule) becomes a constant monthly hazard for a spell beginning, and the
    month's chance itself for talks under way.
    """
    k = len(monthly)
    happened = np.array([np.asarray(m).any() for m in monthly], float)
    term_base = leave_one_out([np.array([h]) for h in happened]) if k > 1 else np.full(k, .5)
    clim = leave_one_out([np.asarray(m, float) for m in monthly]) if k > 1 else np.full(k, .5)
    rows = [np.column_stack([np.full(len(m), coding[i]), np.full(len(m), start_in[i]),
                             (np.arange(len(m)) + 0.5) / 48.0])
            for i, m in enumerate(monthly)]
    out: dict[str, list[np.ndarray]] = {name: [] for name in FORECASTERS[1:]}
    for i, m in enumerate(monthly):
        size = len(m)
        others = [j for j in range(k) if j != i]
        if others:
            beta = fit_logistic(np.concatenate([rows[j] for j in others]),
                                np.concatenate([np.asarray(monthly[j], float) for j in others]))
            out["logistic"].append(predict_logistic(beta, rows[i]))
        else:
            out["logistic"].append(np.full(size, 0.5))
        for name, p_term in (("persistence", PERSISTENCE[int(coding[i])]),
                             ("base_rate", float(term_base[i]))):
            out[name].append(np.full(size, monthly_hazard(p_term, size) if spell_target
                                     else p_term))
        out["climatology"].append(np.full(size, clim[i]))
        out["coin"].append(np.full(size, 0.5))
    return out
