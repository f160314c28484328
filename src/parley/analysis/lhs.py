"""A Latin hypercube sample, without importing scipy.stats (half a second of start-up).

:func:`latin_hypercube` gives the bits of ``scipy.stats.qmc.LatinHypercube(d=d,
seed=seed).random(k)`` (scrambled, no optimisation): one uniform per cell from
``numpy.random.default_rng(seed)``, then one shuffled stratum order per dimension.
tests/test_lhs.py checks it against scipy itself, so a scipy that changed its
algorithm would be caught there, and the draws of a batch do not depend on it.
"""

from __future__ import annotations

import numpy as np


def latin_hypercube(d: int, k: int, seed: int) -> np.ndarray:
    """``k`` points in the unit cube of ``d`` dimensions, one per stratum in each."""
    rng = np.random.default_rng(seed)
    jitter = rng.uniform(size=(k, d))
    strata = np.tile(np.arange(1, k + 1), (d, 1))
    for row in strata:
        rng.shuffle(row)
    return (strata.T - jitter) / k
