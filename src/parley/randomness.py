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

Where the package was built with its C kernel (``parley._draws``, from
``src/parley/_draws.c``), a draw is made in one pass over the worlds; without it, with
numpy.  The bits are the same (tests/test_draws_kernel.py); :data:`COMPILED` says which.
"""

from __future__ import annotations

import hashlib

import numpy as np

from parley import defaults

try:
    from parley import _draws as _kernel
except ImportError:  # built without a C compiler: numpy draws the same bits
    _kernel = None

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_TO_UNIT = 2.0**-53
SEED_MAX = defaults.SEED_MAX
#: whether draws are made by the compiled kernel (``parley._draws``) rather than numpy
COMPILED = _kernel is not None


def mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on a uint64 array (wrapping arithmetic)."""
    z = x + _GOLDEN
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def _scramble(z: np.ndarray, t: np.ndarray) -> np.ndarray:
    """:func:`mix` after its first addition, in place on ``z`` (``t`` a buffer of its
    shape): the same bits, without the temporaries."""
    np.right_shift(z, _S30, out=t)
    z ^= t
    z *= _M1
    np.right_shift(z, _S27, out=t)
    z ^= t
    z *= _M2
    np.right_shift(z, _S31, out=t)
    z ^= t
    return z


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
    """Uniform draws in [0, 1) for a vector of worlds, addressed by decision name.

    A model draws the same decisions in the same order every month, so from its second
    month on a draw is made together with those of the next few decisions (in the
    order they were first drawn, :meth:`_draw_group`): the same elementwise operations
    on the same values as one decision at a time, in fewer numpy calls, each row used
    soon after it is made.  Each draw is still handed out once, as its own row (asking
    again computes it again).  With the compiled kernel each draw is one call instead,
    straight from the seeds (no stored streams, no groups).
    """

    #: about how many draws (decisions x worlds) one pass of the finaliser makes
    BLOCK = 1 << 15

    def __init__(self, seeds: np.ndarray,
                 stream_seeds: dict[str, np.ndarray] | None = None):
        self.seeds = np.ascontiguousarray(seeds, dtype=np.int64)  # the kernel reads the bytes
        self.stream_seeds = {key: _check_seeds(val, self.seeds.shape, key)
                             for key, val in (stream_seeds or {}).items()}
        self._kernel = _kernel  # read once: a test may turn it off for one Draws
        self._compiled: dict[str, tuple[np.ndarray, int]] = {}  # decision -> seeds, key id
        self._base: dict[str, np.ndarray] = {}
        self._monthly: dict[str, int] = {}  # decisions drawn in a month >= 1 -> their order
        self._order: list[str] = []  # the same decisions, in that order
        self._stacked: np.ndarray | None = None  # their streams, one row each
        self._scratch: np.ndarray | None = None  # the finaliser's two buffers
        self._month = -1  # the month of ``_ready``
        self._ready: dict[str, np.ndarray] = {}  # that month's draws not yet handed out

    @property
    def keys(self) -> list[str]:
        """The decisions drawn so far, in first-use order."""
        return list(self._compiled if self._kernel is not None else self._base)

    def _stream(self, key: str) -> np.ndarray:
        """``mix(seeds ^ key_id(key))``, the decision's stream, made once (in place)."""
        base = self._base.get(key)
        if base is None:
            z = self.stream_seeds.get(key, self.seeds).astype(np.uint64)
            z ^= key_id(key)
            z += _GOLDEN
            base = self._base[key] = _scramble(z, np.empty_like(z))
        return base

    def uniform(self, key: str, month: int) -> np.ndarray:
        """The draw of decision ``key`` in ``month`` (0 = set-up) for every world."""
        if self._kernel is not None:
            return self._draw_compiled(key, month)
        if month != self._month:
            self._month, self._ready = month, {}
        u = self._ready.pop(key, None)
        if u is not None:
            return u
        if month > 0:
            at = self._monthly.get(key)
            if at is not None:
                self._draw_group(at, month)
                return self._ready.pop(key)
            self._monthly[key] = len(self._order)
            self._order.append(key)
        return self._finalise(self._stream(key), month)

    def _draw_compiled(self, key: str, month: int) -> np.ndarray:
        """:meth:`uniform` by the C kernel: ``mix(mix(seeds ^ key_id) + offset)`` scaled,
        the offset that of :meth:`_finalise`."""
        seeds_and_id = self._compiled.get(key)
        if seeds_and_id is None:
            seeds_and_id = self._compiled[key] = (self.stream_seeds.get(key, self.seeds),
                                                  int(key_id(key)))
        out = np.empty(self.seeds.shape, np.float64)
        self._kernel.draw(*seeds_and_id, _month_offset(month), out)
        return out

    def _draw_group(self, at: int, month: int) -> None:
        """The draws of the monthly decisions ``at``, ``at + 1``, ... (a block's worth) for
        ``month``, into ``_ready``."""
        keys = self._order
        step = max(1, self.BLOCK // max(self.seeds.size, 1))
        stacked, scratch = self._stacked, self._scratch
        if stacked is None or scratch is None or len(stacked) != len(keys):
            stacked = self._stacked = np.stack([self._stream(k) for k in keys])
            for i, k in enumerate(keys):  # the rows are the streams (order kept)
                self._base[k] = stacked[i]
            scratch = self._scratch = np.empty((2, min(step, len(keys)), self.seeds.size),
                                               np.uint64)
        stream = stacked[at:at + step]
        rows = self._finalise(stream, month, scratch[:, :len(stream)])
        self._ready.update(zip(keys[at:at + step], rows, strict=True))

    @staticmethod
    def _finalise(stream: np.ndarray, month: int,
                  scratch: np.ndarray | None = None) -> np.ndarray:
        """``mix(stream + month * GOLDEN)`` as a float in [0, 1), elementwise.

        The two additions are fused into one offset and the finaliser is done in place
        on two buffers (``scratch``, two arrays shaped as ``stream``, when given): the same
        bits as :func:`mix` (pinned by tests/test_randomness.py), without its temporaries.
        """
        z, t = (np.empty_like(stream), np.empty_like(stream)) if scratch is None else scratch
        np.add(stream, np.uint64(_month_offset(month)), out=z)
        _scramble(z, t)
        z >>= _S11
        out = z.astype(np.float64)
        out *= _TO_UNIT
        return out


def _month_offset(month: int) -> int:
    """``month * GOLDEN`` plus the finaliser's own first ``GOLDEN``, wrapped to 64 bits."""
    return (month + 1) * int(_GOLDEN) % 2**64


def _check_seeds(seeds: np.ndarray, shape: tuple[int, ...], key: str) -> np.ndarray:
    out = np.ascontiguousarray(seeds, dtype=np.int64)
    if out.shape != shape or np.any(out < 0):
        raise ValueError(f"stream_seeds[{key!r}]: needs one non-negative seed per world "
                         f"(shape {shape}), got shape {out.shape}")
    return out
