"""The counter-based generator: uniformity, independence of slots, replayable seeds.

Every test runs twice: with the compiled draws' kernel (``parley._draws``; skipped where it
was not built) and with numpy's path, which an install without a C compiler uses.  The two
paths are compared with each other in tests/test_draws_kernel.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from parley import randomness as R
from parley.randomness import Draws, run_seeds


@pytest.fixture(autouse=True, params=["compiled", "numpy"])
def draw_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Which path a ``Draws`` made in the test takes (it reads the kernel when made)."""
    if request.param == "numpy":
        monkeypatch.setattr(R, "_kernel", None)
    elif R._kernel is None:
        pytest.skip("parley._draws was not built (no C compiler at install)")
    return request.param


def test_uniform_draws_pass_a_ks_test():
    draws = Draws(run_seeds(1, range(20_000)))
    u = np.concatenate([draws.uniform("pyongyang.test_month", m) for m in range(1, 11)])
    assert u.min() >= 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 0.001


def test_slots_are_uncorrelated_across_decisions_and_months():
    draws = Draws(run_seeds(7, range(50_000)))
    a = draws.uniform("washington.offer", 3)
    b = draws.uniform("pyongyang.accept", 3)
    c = draws.uniform("washington.offer", 4)
    # |r| of independent uniforms has sd 1/sqrt(n) ~ 0.0045; 5 sd = 0.022
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.022
    assert abs(np.corrcoef(a, c)[0, 1]) < 0.022


def test_a_draw_depends_only_on_seed_month_and_decision():
    seeds = run_seeds(3, range(100))
    many = Draws(seeds)
    # touching other decisions first must not shift this one (no shared stream)
    for key in ("x", "y", "z"):
        many.uniform(key, 5)
    alone = Draws(seeds[42:43])
    assert many.uniform("pyongyang.walkout", 9)[42] == alone.uniform("pyongyang.walkout", 9)[0]


def test_run_seeds_do_not_depend_on_chunking():
    whole = run_seeds(11, range(1000))
    parts = np.concatenate([run_seeds(11, range(i, i + 250)) for i in range(0, 1000, 250)])
    assert np.array_equal(whole, parts)
    assert len(set(whole.tolist())) == 1000
    assert (whole >= 0).all()
    assert not np.array_equal(run_seeds(12, range(10)), whole[:10])


def test_stream_seeds_reseed_one_decision_and_leave_the_others_bit_identical():
    seeds, other = run_seeds(5, range(200)), run_seeds(5, range(200, 400))
    plain = Draws(seeds)
    mixed = Draws(seeds, stream_seeds={"pyongyang.accept": other})
    for month in (0, 1, 17):
        assert np.array_equal(mixed.uniform("washington.offer", month),
                              plain.uniform("washington.offer", month))
        assert np.array_equal(mixed.uniform("pyongyang.accept", month),
                              Draws(other).uniform("pyongyang.accept", month))
        assert not np.array_equal(mixed.uniform("pyongyang.accept", month),
                                  plain.uniform("pyongyang.accept", month))
    assert mixed.keys == ["washington.offer", "pyongyang.accept"]


def test_stream_seeds_must_give_one_seed_per_world():
    import pytest

    with pytest.raises(ValueError, match="one non-negative seed per world"):
        Draws(run_seeds(1, range(3)), stream_seeds={"x": run_seeds(1, range(2))})


def test_the_in_place_uniform_gives_the_bits_of_the_plain_finaliser():
    """Draws.uniform fuses the month offset with the finaliser's first addition and works in
    place; its bits must stay those of ``mix(stream + month * GOLDEN)`` (the draws every
    pinned result rests on), here against the plain formula and a digest of the draws the
    code gave before the in-place version (months up to 2^40 wrap the offset)."""
    import hashlib

    from parley import randomness as R

    seeds = R.run_seeds(20201130, range(1000))
    draws = R.Draws(seeds)
    got = []
    for key in ("pyongyang.accept", "x"):
        stream = R.mix(seeds.astype(np.uint64) ^ R.key_id(key))
        for month in (0, 1, 48, 2**40):
            plain = R.mix(stream + np.uint64(month * int(R._GOLDEN) % 2**64))
            expected = (plain >> np.uint64(11)).astype(np.float64) * 2.0**-53
            drawn = draws.uniform(key, month)
            assert np.array_equal(drawn, expected), (key, month)
            got.append(drawn)
    digest = hashlib.sha256(np.concatenate(got).tobytes()).hexdigest()
    assert digest == "bd989464e56bb912842a317ba3a1ca1ad11f802f4f0b63a444efb218f2758dcb"


def test_grouped_draws_give_each_decision_its_own_bits():
    """From the second month Draws makes a decision's draw together with the next few
    (in first-use order, a block at a time); every draw must still be the plain formula's
    for its own decision and month, whatever the order or repetition of the asks."""
    from parley import randomness as R

    seeds = R.run_seeds(7, range(300))
    keys = [f"decision.{i}" for i in range(13)]
    other = {"decision.4": R.run_seeds(8, range(300))}

    def plain(key: str, month: int) -> np.ndarray:
        stream = R.mix(other.get(key, seeds).astype(np.uint64) ^ R.key_id(key))
        z = R.mix(stream + np.uint64(month * int(R._GOLDEN) % 2**64))
        return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53

    for block in (1, 300, 1000, R.Draws.BLOCK):
        draws = R.Draws(seeds, other)
        draws.BLOCK = block  # 1 to 3 decisions a block, and all of them
        asks = [(0, "range:x")] + [(m, k) for m in range(1, 6) for k in keys]
        asks += [(6, k) for k in reversed(keys)] + [(7, "decision.3")] * 2 + [(7, "late")]
        asks += [(8, k) for k in (*keys, "late")]
        for month, key in asks:
            got = draws.uniform(key, month)
            assert np.array_equal(got, plain(key, month)), (block, month, key)
        assert draws.keys == ["range:x", *keys, "late"]
