"""Global sensitivity indices of a sweep's outcome: Morris or Sobol, through SALib."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

MORRIS_LEVELS = 4  # grid levels of a Morris design (sampling and analysis must agree)


def salib_problem(params) -> dict[str, Any]:
    """SALib's problem dict for swept parameters (anything with path, low and high)."""
    return {"num_vars": len(params), "names": [p.path for p in params],
            "bounds": [[p.low, p.high] for p in params]}


def _clean(values: Any) -> list[float | None]:
    """Floats for JSON; NaN (undefined index) becomes null."""
    return [None if not math.isfinite(float(v)) else float(v) for v in np.ravel(values)]


def sensitivity(spec, x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Morris (mu*, its 95% interval, sigma) or Sobol (S1, ST with 95% intervals) via SALib.

    ``spec``: a sweep specification (method, parameters, seed, outcome).
    """
    problem = salib_problem(spec.parameters)
    names = [p.path for p in spec.parameters]
    seed = spec.seed % 2**32
    head = {"method": spec.method, "outcome": spec.outcome, "parameters": names}
    with np.errstate(divide="ignore", invalid="ignore"):
        if spec.method == "morris":
            from SALib.analyze import morris

            r = morris.analyze(problem, x, y, num_levels=MORRIS_LEVELS, conf_level=0.95,
                               print_to_console=False, seed=seed)
            return {**head, "mu_star": _clean(r["mu_star"]),
                    "mu_star_conf": _clean(r["mu_star_conf"]), "sigma": _clean(r["sigma"])}
        from SALib.analyze import sobol

        r = sobol.analyze(problem, y, calc_second_order=False, conf_level=0.95,
                          print_to_console=False, seed=seed)
    return {**head, "S1": _clean(r["S1"]), "S1_conf": _clean(r["S1_conf"]),
            "ST": _clean(r["ST"]), "ST_conf": _clean(r["ST_conf"])}


def pick_freeze_indices(y_a: np.ndarray, y_ab: np.ndarray, y_b: np.ndarray, seed: int,
                        conf_level: float = 0.95, resamples: int = 100) -> dict[str, np.ndarray]:
    """First-order and total Sobol indices of D factors from a pick-freeze design, via SALib.

    ``y_a`` and ``y_b`` are the outputs at N points of two independent samples A
    and B, ``y_ab[:, j]`` at the points of A with factor j (one value or a group
    of them) taken from B.  SALib's estimators (``SALib.analyze.sobol``, without
    second order): Saltelli et al. (2010) first order, Jansen (1999) total, the
    output standardised over every evaluation first, and bootstrap half-widths
    at ``conf_level`` over ``resamples`` resamples of the N points, seeded.  A
    factor may be anything that can be re-drawn from B, so the sample need not
    be SALib's own (here: a quasi-random Sobol sequence is not needed).

    Returns S1, S1_conf, ST, ST_conf (arrays of D); all NaN if the output never varies.
    """
    from SALib.analyze import sobol

    y_a, y_b = np.asarray(y_a, float), np.asarray(y_b, float)
    y_ab = np.asarray(y_ab, float).reshape(len(y_a), -1)
    n, d = y_ab.shape
    everything = np.concatenate([y_a, y_b, y_ab.ravel()])
    if n < 2 or np.ptp(everything) <= 0 or np.ptp(np.concatenate([y_a, y_b])) <= 0:
        nan = np.full(d, np.nan)
        return {"S1": nan, "S1_conf": nan.copy(), "ST": nan.copy(), "ST_conf": nan.copy()}
    y = np.column_stack([y_a, y_ab, y_b]).ravel()  # SALib's order: A, AB_1..AB_D, B per point
    problem = {"num_vars": d, "names": [f"x{j}" for j in range(d)], "bounds": [[0, 1]] * d}
    r = sobol.analyze(problem, y, calc_second_order=False, num_resamples=resamples,
                      conf_level=conf_level, print_to_console=False,
                      seed=seed % 2**32 + 1)  # SALib ignores a seed of 0
    return {k: np.asarray(r[k], float) for k in ("S1", "S1_conf", "ST", "ST_conf")}
