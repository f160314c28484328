"""Counter-based random numbers: one fixed slot per (run seed, month, decision).

Every random decision reads ``uniform(seed, month, key)``, a pure function of
the run's seed, the month and the decision's name.  Hence

* a run replays alone from its seed, whatever batch or chunk it ran in;
* a decision meets the same number under every scenario (synchronised common
  random numbers), and adding, skipping or changing one decision never shifts
  the draws of another, because there is no shared stream to advance.

The generator is the SplitMix64 finaliser (Steele, Lea & Flood 2014) applied
twice, over numpy ``uint64`` arrays, so thousands of worlds draw at once.
Run seeds are derived from a master seed the same way: run *i* gets
``run_seeds(master, [i])``, independent of how runs are chunked.

A stream (every month of one decision) can be re-seeded on its own:
``Draws(seeds, stream_seeds={"pyongyang.accept": other_seeds})`` gives each
world the draws of ``other_seeds`` for that decision and of ``seeds`` for all
others.  This is the "pick-freeze" mix of Sobol-Saltelli estimators
(:mod:`parley.experiments.drivers`).  Without ``stream_seeds`` every draw is
unchanged.
"""

from __future__ import annotations

import hashlib

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_TO_UNIT = 2.0**-53
SEED_MAX = 2**63 - 1


def mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on a uint64 array (wrapping arithmetic)."""
    z = x + _GOLDEN
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def key_id(name: str) -> np.uint64:
    """A stable 64-bit identifier for a decision name (same on every machine)."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return np.uint64(int.from_bytes(digest, "little"))


def run_seeds(master: int, runs: np.ndarray | range) -> np.ndarray:
    """Per-run seeds (non-negative int64) for run indices under a master seed."""
    idx = np.asarray(runs, dtype=np.uint64)
    base = mix(np.array([int(master) % 2**64], dtype=np.uint64) ^ key_id("parley.run"))
    return (mix(base + idx * _GOLDEN) >> np.uint64(1)).astype(np.int64)


class Draws:
    """Uniform draws in [0, 1) for a vector of worlds, addressed by decision name."""

    def __init__(self, seeds: np.ndarray,
                 stream_seeds: dict[str, np.ndarray] | None = None):
        self.seeds = np.asarray(seeds, dtype=np.int64)
        self.stream_seeds = {key: _check_seeds(val, self.seeds.shape, key)
                             for key, val in (stream_seeds or {}).items()}
        self._base: dict[str, np.ndarray] = {}

    @property
    def keys(self) -> list[str]:
        """The decisions drawn so far, in first-use order."""
        return list(self._base)

    def _stream(self, key: str) -> np.ndarray:
        base = self._base.get(key)
        if base is None:
            seeds = self.stream_seeds.get(key, self.seeds)
            base = mix(seeds.astype(np.uint64) ^ key_id(key))
            self._base[key] = base
        return base

    def uniform(self, key: str, month: int) -> np.ndarray:
        """The draw of decision ``key`` in ``month`` (0 = set-up) for every world.

        ``mix(stream + month * GOLDEN)`` with the two additions fused into one offset and
        the finaliser done in place on two buffers: the same bits as :func:`mix`
        (pinned by tests/test_randomness.py), without its five temporaries.
        """
        offset = np.uint64((month + 1) * int(_GOLDEN) % 2**64)
        z = self._stream(key) + offset
        t = z >> _S30
        z ^= t
        z *= _M1
        np.right_shift(z, _S27, out=t)
        z ^= t
        z *= _M2
        np.right_shift(z, _S31, out=t)
        z ^= t
        z >>= _S11
        out = z.astype(np.float64)
        out *= _TO_UNIT
        return out


def _check_seeds(seeds: np.ndarray, shape: tuple[int, ...], key: str) -> np.ndarray:
    out = np.asarray(seeds, dtype=np.int64)
    if out.shape != shape or np.any(out < 0):
        raise ValueError(f"stream_seeds[{key!r}]: needs one non-negative seed per world "
                         f"(shape {shape}), got shape {out.shape}")
    return out
