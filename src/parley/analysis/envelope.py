"""What we chose, and how far it may move: the envelope that parameter draws span.

Every numeric value a scenario gives is a ``source`` (the text or the data gives
it), a ``reading`` (the text gives the mechanism, the number is ours) or an
``assumption`` (ours); docs/PROVENANCE.md.  Readings and assumptions each carry
an envelope: their own ``[low, high]`` range, or the ``range`` written beside a
single number.  A ``source`` is held fixed unless the data give it a sampling
range.  Every modelling constant of the rules (``parley.rules.DYNAMICS``) is ours
too: a reading where its declared basis names a text or theory, an assumption
otherwise, over its declared range.

A parameter draw is a vector of **quantiles**, one per path (``pyongyang.
attitude_threshold``, ``dynamics.choice_scale``), drawn by Latin hypercube over
the union of the paths of the scenarios compared; each scenario maps a quantile
onto its own envelope for that path.  The same draw therefore puts a value at the
same relative place in every scenario (common random numbers across scenarios),
and the draws' pooled distribution of a ranged value is the uniform the point
run samples per world.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from parley import params as P
from parley.analysis.lhs import latin_hypercube
from parley.rules import DYNAMICS

__all__ = ["Uncertain", "apply_draw", "dynamics_kind", "envelope", "quantile_draws"]


@dataclass(frozen=True)
class Uncertain:
    """One value a draw moves: its path, envelope, point value and provenance kind."""

    path: str
    low: float
    high: float
    kind: str  # "source", "reading" or "assumption"
    ranged: bool  # a [low, high] value (sampled per world in the point run)

    def at(self, q: float) -> float:
        """The value at quantile ``q`` of the envelope."""
        return self.low + q * (self.high - self.low)


def dynamics_kind(name: str) -> str:
    """A modelling constant's provenance kind: a reading if its basis names what it
    stands on (a text or theory), an assumption if it has none."""
    return "assumption" if DYNAMICS[name].basis == P.ASSUMPTION else "reading"


def envelope(scenario) -> list[Uncertain]:
    """The values of one scenario a draw moves, in path order.

    Numeric readings and assumptions with an envelope, sources with a sampling
    range, and every modelling constant (over the scenario's ``dynamics:`` value
    if it sets one with a range, else over the declared range).
    """
    out: dict[str, Uncertain] = {}
    for path, stance, decl in scenario.stances():
        if not isinstance(decl, P.Real) or isinstance(stance.value, bool | str):
            continue
        ranged = isinstance(stance.value, list)
        if ranged:
            low, high = stance.value
        elif stance.range is not None:
            low, high = stance.range
        else:
            continue  # a point value without an envelope is held (a source)
        if high > low:
            out[path] = Uncertain(path, float(low), float(high), stance.provenance, ranged)
    for name, decl in DYNAMICS.items():
        path = f"dynamics.{name}"
        if path not in out and decl.high > decl.low and path not in _fixed(scenario):
            out[path] = Uncertain(path, float(decl.low), float(decl.high),
                                  dynamics_kind(name), False)
    return [out[k] for k in sorted(out)]


def _fixed(scenario) -> set[str]:
    """Modelling constants a scenario sets to a single value with no envelope: held."""
    return {f"dynamics.{n}" for n, s in scenario.dynamics.items()
            if not isinstance(s.value, list) and s.range is None}


def quantile_draws(paths: Iterable[str], k: int, seed: int) -> list[dict[str, float]]:
    """K draws of one quantile per path, a Latin hypercube deterministic in ``seed``."""
    names = sorted(set(paths))
    if k < 1 or not names:
        return []
    unit = latin_hypercube(len(names), k, seed)
    return [{n: float(q) for n, q in zip(names, row, strict=True)} for row in unit]


def apply_draw(scenario_envelope: Sequence[Uncertain], draw: dict[str, float]
               ) -> dict[str, float]:
    """The values (by path) one draw gives a scenario: each path's quantile on its envelope."""
    return {u.path: u.at(draw[u.path]) for u in scenario_envelope if u.path in draw}


def kind_of(envelopes: Iterable[Sequence[Uncertain]]) -> dict[str, str]:
    """Path -> provenance kind over several scenarios (the first scenario that has it)."""
    out: dict[str, str] = {}
    for env in envelopes:
        for u in env:
            out.setdefault(u.path, u.kind)
    return out


def spread(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """The central ``level`` interval of per-draw values."""
    tail = (1 - level) / 2
    v = np.asarray(values, float)
    return float(np.quantile(v, tail)), float(np.quantile(v, 1 - tail))
