"""The draws' compiled kernel (``parley._draws``) against numpy's path: the same bits.

tests/test_randomness.py runs the generator's own tests on each path; here the two are
compared with each other, so these tests need the kernel built.
"""

from __future__ import annotations

import contextlib
import shutil
import sysconfig
from collections.abc import Iterator

import numpy as np
import pytest

from parley import randomness as R
from parley.randomness import Draws, run_seeds


@contextlib.contextmanager
def numpy_path() -> Iterator[None]:
    """Inside the block, a new ``Draws`` (and so a new model) draws with numpy."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(R, "_kernel", None)
        yield


def test_the_kernel_is_built_where_a_c_compiler_is() -> None:
    """An editable or wheel install on a machine with the compiler Python was built with
    must build the kernel (the optional extension would otherwise fail in silence, and every
    batch run at numpy's speed)."""
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        pytest.skip(f"no {compiler} here")
    assert R.COMPILED


needs_kernel = pytest.mark.skipif(not R.COMPILED, reason="parley._draws was not built")


@needs_kernel
@pytest.mark.parametrize("worlds", [0, 1, 7, 64, 20_001])
def test_compiled_and_numpy_draws_are_the_same_bits(worlds: int) -> None:
    """Whatever the number of worlds (the vectorised loop's tail), the seed (0 and the
    largest), the month (2^40 and 2^64 - 2 wrap the offset), a re-seeded stream and seeds
    handed in as a strided view, both paths give every draw's bits."""
    seeds = run_seeds(3, range(2 * worlds))[::2].copy()
    if worlds >= 2:
        seeds[:2] = (0, R.SEED_MAX)
    strided = run_seeds(4, range(2 * worlds))[::2]  # not contiguous
    other = {"pyongyang.accept": strided}
    drawn = Draws(seeds, other)
    with numpy_path():
        plain = Draws(seeds, other)
    for month in (0, 1, 2, 48, 2**40, 2**64 - 2):
        for key in ("washington.offer", "pyongyang.accept", "range:x"):
            got, expected = drawn.uniform(key, month), plain.uniform(key, month)
            assert got.dtype == np.float64 and got.shape == (worlds,)
            assert np.array_equal(got.view(np.uint64), expected.view(np.uint64)), (month, key)
    assert drawn.keys == plain.keys == ["washington.offer", "pyongyang.accept", "range:x"]


@needs_kernel
def test_the_kernel_refuses_arrays_of_other_sizes() -> None:
    with pytest.raises(ValueError, match="of one size, 8 bytes an item"):
        R._kernel.draw(np.zeros(3, np.int64), 1, 2, np.empty(4))
    with pytest.raises(ValueError, match="of one size, 8 bytes an item"):
        R._kernel.draw(b"abc", 1, 2, bytearray(3))


@needs_kernel
def test_a_model_gives_the_same_worlds_on_either_path() -> None:
    """The model's every outcome, a scenario with its conditions and spoilers and a
    re-seeded stream among them, is the same on the kernel and on numpy."""
    from parley.experiments.simulate import simulate
    from parley.scenario_files import load_scenario

    seeds = run_seeds(20201130, range(600))
    for name in ("trump_oh", "examples/biden_moscow_tokyo.yaml"):
        scenario = load_scenario(name)
        stream = {"pyongyang.accept": run_seeds(1, range(600))}
        got = simulate(scenario, seeds, stream_seeds=stream)["outcomes"]
        with numpy_path():
            expected = simulate(scenario, seeds, stream_seeds=stream)["outcomes"]
        assert got.keys() == expected.keys()
        for field, values in expected.items():
            assert np.array_equal(got[field], values), (name, field)
