"""runs.csv rows: the column-at-a-time formatter writes the bytes of the per-row reference."""

import numpy as np
import pytest

from parley.experiments.engine import format_rows, format_rows_slow, simulate_runs
from parley.outcomes import KINDS, OUTCOMES
from parley.scenario_files import load_scenario


@pytest.mark.parametrize("draw", [None, 7])
def test_rows_of_a_simulated_chunk_match_the_reference(draw):
    sc = load_scenario("scenarios/biden.yaml")
    runs, seeds, out, _, _ = simulate_runs(sc, 123_456, 2_000, 20201130)
    assert format_rows("biden", runs, seeds, out, draw) == format_rows_slow(
        "biden", runs, seeds, out, draw)


def _level(rng, n, case):
    values = [rng.random(n), np.round(rng.random(n), 7),
              (rng.integers(0, 2 * 10**7, n) + 0.5) / 1e7,  # ties and near-ties of %.6f
              rng.integers(0, 2, n).astype(float), rng.random(n) * 5000, rng.normal(size=n),
              rng.random(n).astype(np.float32)][case % 7]
    if case % 5 == 0:
        values[0] = -0.0
    if case % 11 == 0:
        values[-1] = np.nan
    return values


@pytest.mark.parametrize("case", range(40))
def test_edge_values_match_the_reference(case):
    rng = np.random.default_rng(case)
    n = int(rng.integers(1, 200))
    out = {}
    for k in OUTCOMES:
        kind = KINDS[k]
        if kind == "level":
            out[k] = _level(rng, n, case)
        elif kind == "binary":
            out[k] = rng.random(n) < 0.5
        elif kind == "state":
            out[k] = rng.integers(0, 5, n)
        elif kind == "month":
            out[k] = rng.integers(-2 if case % 2 else 0, 49, n)
        else:
            out[k] = rng.integers(-3 if case % 3 == 0 else 0, [1, 10, 1000][case % 3] + 1, n)
    runs = np.arange(n) + int(rng.integers(0, 10**6))
    seeds = rng.integers(0, 2**63 - 1, n, dtype=np.int64)
    runs[0], seeds[0] = 0, 0
    draw = None if case % 2 else int(rng.integers(0, 10_000))
    assert format_rows(f"s{case}", runs, seeds, out, draw) == format_rows_slow(
        f"s{case}", runs, seeds, out, draw)


def test_an_empty_chunk_has_no_rows():
    empty = np.zeros(0, np.int64)
    assert format_rows("x", empty, empty, {}) == b""
