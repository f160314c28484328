"""The Latin hypercube of parameter draws, without scipy at start-up: scipy's own bits.

A batch's parameter draws are a Latin hypercube keyed by its seed (analysis.envelope);
``latin_hypercube`` must give exactly ``scipy.stats.qmc.LatinHypercube`` so that every
batch draws the values it drew before, and importing the batch path must not pay for
scipy.stats (about half a second) or pandas.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy.stats import qmc

from parley.analysis.lhs import latin_hypercube


@pytest.mark.parametrize("d, k, seed", [(5, 20, 2026), (40, 20, 1), (1, 1, 0), (300, 1000, 7),
                                        (7, 3, 2**62), (12, 2, 2026)])
def test_the_hypercube_is_scipys_bit_for_bit(d, k, seed):
    ours = latin_hypercube(d, k, seed)
    assert np.array_equal(ours, qmc.LatinHypercube(d=d, seed=seed).random(k))
    # one point per stratum in every dimension (a plain uniform sample would fail this)
    assert all(sorted(np.floor(ours[:, j] * k).astype(int)) == list(range(k))
               for j in range(d))


def test_setting_up_a_batch_imports_neither_scipy_stats_nor_pandas():
    code = ("import sys; from parley.experiments import batch; "
            "from parley.analysis import envelope, uncertainty; "
            "print(sorted(m for m in ('scipy.stats', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
