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
