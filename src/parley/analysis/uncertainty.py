"""Parameter uncertainty beside Monte Carlo noise (no Mesa, no model).

Two halves:

* **Where parameter draws come from.**  :func:`assumption_envelope` lists the
  uncertain values (the declared dynamics, ``parley.rules.DYNAMICS``, and the scenario
  values marked ``assumption`` that several scenarios share) with a plausible
  range; :func:`load_posterior` reads a calibrated posterior file;
  :func:`parameter_draws` returns K parameter vectors, deterministically from a
  seed, as keyword overrides for ``NegotiationModel`` (``actor__param=value``).
* **What a batch of K draws x M worlds says.**  Given per-run outcomes with a
  ``draw`` column (the same M worlds in every draw and scenario: common random
  numbers), :func:`uncertainty_summary` gives per scenario and outcome the Monte
  Carlo interval, the interval over parameter draws and how much of that spread
  is Monte Carlo noise, and :func:`ordering_shares` gives for every pair of
  scenarios the share of draws in which one is above, below or tied with the
  other.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from parley import params as P
from parley.analysis.lhs import latin_hypercube
from parley.analysis.stats import Z95
from parley.errors import ParleyError
from parley.rules import DYNAMICS

if TYPE_CHECKING:  # the frames' functions take pandas objects; loading them needs none
    import pandas as pd

__all__ = [
    "ENVELOPE_WIDTH",
    "POSTERIOR_FORMAT",
    "Posterior",
    "PosteriorError",
    "UncertainParameter",
    "assumption_envelope",
    "declared_dynamics",
    "load_posterior",
    "ordering_shares",
    "parameter_draws",
    "per_draw_means",
    "shared_assumptions",
    "uncertainty_summary",
]

POSTERIOR_FORMAT = "parley-posterior/1"
#: An assumption's envelope: its value (or range) widened by this share each side,
#: as in issue 11's +-50% perturbation, then clipped to the declared bounds.
ENVELOPE_WIDTH = 0.5
_Z95 = Z95  # the standard normal's 97.5% quantile


@dataclass(frozen=True)
class UncertainParameter:
    """An uncertain value: keyword name (``actor__param``), plausible range, default, why."""

    name: str
    low: float
    high: float
    default: float
    reason: str

    @property
    def path(self) -> str:
        return self.name.replace("__", ".")


# ----------------------------------------------------------- the envelope


def declared_dynamics() -> list[UncertainParameter]:
    """The modelling constants declared beside their rules (``parley.rules.DYNAMICS``)."""
    out = []
    for name, decl in DYNAMICS.items():
        low, high = getattr(decl, "low", None), getattr(decl, "high", None)
        if low is None or high is None or not high > low:
            continue  # not a numeric range (a flag or a choice): not drawn
        default = getattr(decl, "default", (low + high) / 2)
        reason = getattr(decl, "reason", None) or getattr(decl, "doc", "") or "declared dynamics"
        out.append(UncertainParameter(f"dynamics__{name}", float(low), float(high),
                                      float(default), str(reason)))
    return out


def _stances(scenario) -> dict[str, tuple[Any, Any]]:
    """Path -> (stance, declaration) for every numeric stance of a scenario."""
    out = {}
    for section, decls in P.SECTIONS.items():
        for key, stance in getattr(scenario, section).items():
            out[f"{section}.{key}"] = (stance, P.by_name(decls).get(key))
    for actor in scenario.actors.values():
        decls = P.by_name(P.ROLES[actor.role])
        for key, stance in actor.stances.items():
            out[f"{actor.name}.{key}"] = (stance, decls.get(key))
    return out


def shared_assumptions(scenarios: Sequence[Any]) -> list[UncertainParameter]:
    """Numeric values marked ``assumption`` with the same value in every scenario given.

    The range is the value (or the scenario's range) widened by
    :data:`ENVELOPE_WIDTH` each side and clipped to the declared bounds.
    """
    tables = [_stances(sc) for sc in scenarios]
    if not tables:
        return []
    out = []
    for path in sorted(set.intersection(*(set(t) for t in tables))):
        stance, decl = tables[0][path]
        if not isinstance(decl, P.Real) or isinstance(stance.value, bool | str):
            continue
        same = all(t[path][0].value == stance.value and t[path][0].assumption
                   for t in tables)
        if not same:
            continue
        lo, hi = (stance.value if isinstance(stance.value, list)
                  else (stance.value, stance.value))
        low = max(decl.low, lo * (1 - ENVELOPE_WIDTH))
        high = min(decl.high, hi * (1 + ENVELOPE_WIDTH))
        if high <= low:
            continue
        out.append(UncertainParameter(path.replace(".", "__"), float(low), float(high),
                                      float((lo + hi) / 2), stance.assumption))
    return out


def assumption_envelope(scenarios: Sequence[Any]) -> list[UncertainParameter]:
    """Every uncertain value and its range: declared dynamics, then shared assumptions."""
    return declared_dynamics() + shared_assumptions(scenarios)


# -------------------------------------------------------------- posteriors


class PosteriorError(ParleyError, ValueError):
    """A posterior file that cannot be used (one line: file, field, what is allowed)."""


@dataclass(frozen=True)
class Posterior:
    """A weighted sample of parameter vectors with where it came from."""

    names: tuple[str, ...]
    particles: np.ndarray  # n x d
    weights: np.ndarray  # n, sums to 1
    provenance: dict[str, Any]
    path: Path | None = None

    @property
    def sha256(self) -> str:
        text = json.dumps({"names": self.names, "particles": self.particles.tolist(),
                           "weights": self.weights.tolist()}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def mean(self) -> dict[str, float]:
        return dict(zip(self.names, self.weights @ self.particles, strict=True))


def load_posterior(path: str | Path) -> Posterior:
    """Read a posterior file written by ``parley calibrate --dynamics``."""
    from parley.defaults import MAX_POSTERIOR_BYTES
    from parley.errors import printable_path
    from parley.safe_yaml import read_bounded

    path = Path(path)
    where = printable_path(path)
    data = read_bounded(path, where, MAX_POSTERIOR_BYTES, "a posterior file (JSON)",
                        PosteriorError, "a posterior is at most that (defaults."
                        "MAX_POSTERIOR_BYTES)")  # a regular file of bounded size, as scenarios
    try:
        doc = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise PosteriorError(f"{where}: cannot read a JSON posterior "
                             f"({type(exc).__name__}: {str(exc)[:80]})") from None
    if not isinstance(doc, dict) or doc.get("format") != POSTERIOR_FORMAT:
        raise PosteriorError(f"{path}: format: expected {POSTERIOR_FORMAT!r}")
    try:
        names = tuple(p["name"] for p in doc["parameters"])
        particles = np.asarray(doc["particles"], dtype=float)
        weights = np.asarray(doc["weights"], dtype=float)
    except (KeyError, TypeError, ValueError) as exc:
        raise PosteriorError(f"{path}: parameters/particles/weights: malformed ({exc})") \
            from None
    n = len(weights)
    if particles.shape != (n, len(names)) or n == 0:
        raise PosteriorError(f"{path}: particles: expected {n} rows of {len(names)} values")
    if np.any(weights < 0) or not np.isfinite(weights).all() or weights.sum() <= 0:
        raise PosteriorError(f"{path}: weights: must be finite, non-negative, not all zero")
    return Posterior(names, particles, weights / weights.sum(), doc.get("provenance", {}), path)


def parameter_draws(k: int, seed: int, posterior: Posterior | None = None,
                    envelope: Sequence[UncertainParameter] | None = None
                    ) -> list[dict[str, float]]:
    """K parameter vectors as ``NegotiationModel`` keyword overrides, deterministic in ``seed``.

    From a posterior: K particles resampled by weight (with replacement).
    Without one: a Latin hypercube over the envelope's ranges.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    if posterior is not None:
        rng = np.random.default_rng(seed)
        idx = rng.choice(len(posterior.weights), size=k, replace=True, p=posterior.weights)
        return [dict(zip(posterior.names, map(float, posterior.particles[i]), strict=True))
                for i in idx]
    if not envelope:
        raise ValueError("give a posterior or a non-empty envelope")
    unit = latin_hypercube(len(envelope), k, seed)
    low = np.array([p.low for p in envelope])
    high = np.array([p.high for p in envelope])
    values = low + unit * (high - low)
    return [{p.name: float(v) for p, v in zip(envelope, row, strict=True)} for row in values]


# ---------------------------------------------------- a batch over draws


def per_draw_means(runs: pd.DataFrame, outcome: str, scenario_col: str = "scenario",
                   draw_col: str = "draw") -> pd.DataFrame:
    """Mean of an outcome per scenario (rows) and parameter draw (columns)."""
    return runs.pivot_table(index=scenario_col, columns=draw_col, values=outcome,
                            aggfunc="mean")


def _mc_interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95% Monte Carlo interval (Wilson for 0/1 outcomes, normal otherwise)."""
    from parley.analysis.intervals import wilson

    v = np.asarray(values, dtype=float)
    mean = float(v.mean())
    if np.isin(v, (0.0, 1.0)).all():
        lo, hi = wilson(int(v.sum()), len(v))
        return mean, float(lo), float(hi)
    half = _Z95 * float(v.std(ddof=1)) / math.sqrt(len(v)) if len(v) > 1 else math.nan
    return mean, mean - half, mean + half


def uncertainty_summary(runs: pd.DataFrame, outcomes: Sequence[str],
                        scenario_col: str = "scenario", draw_col: str = "draw",
                        level: float = 0.95) -> dict[str, dict[str, dict[str, float]]]:
    """Per scenario and outcome: Monte Carlo and parameter intervals.

    * ``mean``, ``mc_lo``, ``mc_hi``: the pooled mean over all K x M runs and its
      Monte Carlo interval (as if the parameters were known and the runs
      independent);
    * ``param_lo``, ``param_hi``: the ``level`` quantile interval over draws of
      the per-draw means.  Each per-draw mean carries Monte Carlo noise of M
      worlds, which widens this interval;
    * ``mc_share``: how much of the between-draw variance that noise explains
      (mean within-draw variance / M over the variance of the per-draw means;
      near 0 the interval is parameter uncertainty, near 1 it is noise: run more
      worlds per draw);
    * ``draws``, ``worlds``: K and the median M.
    """
    tail = (1 - level) / 2
    out: dict[str, dict[str, dict[str, float]]] = {}
    for scenario, group in runs.groupby(scenario_col, sort=True):
        per_outcome = {}
        for outcome in outcomes:
            by_draw = group.groupby(draw_col)[outcome]
            means, variances, sizes = by_draw.mean(), by_draw.var(ddof=1), by_draw.size()
            mean, mc_lo, mc_hi = _mc_interval(group[outcome].to_numpy())
            between = float(means.var(ddof=1)) if len(means) > 1 else math.nan
            noise = float((variances / sizes).mean())
            per_outcome[outcome] = {
                "mean": mean, "mc_lo": mc_lo, "mc_hi": mc_hi,
                "param_lo": float(means.quantile(tail)),
                "param_hi": float(means.quantile(1 - tail)),
                "mc_share": min(1.0, noise / between) if between > 0 else math.nan,
                "draws": len(means), "worlds": int(sizes.median()),
            }
        out[str(scenario)] = per_outcome
    return out


def ordering_shares(runs: pd.DataFrame, outcome: str, scenario_col: str = "scenario",
                    draw_col: str = "draw", world_col: str | None = "world"
                    ) -> list[dict[str, Any]]:
    """For every pair (a, b) of scenarios: share of draws with a above, below or tied with b.

    In each draw the paired difference of the two scenarios' means is compared
    with its Monte Carlo standard error (paired over the same worlds when
    ``world_col`` is present: common random numbers): within +-1.96 standard
    errors it is a tie (the draw cannot tell them apart), above it "above",
    below it "below".  The three shares sum to one.
    """
    names = sorted(runs[scenario_col].unique())
    paired = world_col is not None and world_col in runs.columns
    index = [draw_col, world_col] if paired else [draw_col]
    rows = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            counts = {"above": 0, "below": 0, "tied": 0}
            for _, group in runs[runs[scenario_col].isin((a, b))].groupby(draw_col):
                verdict = _compare(group, a, b, outcome, scenario_col, index, paired)
                counts[verdict] += 1
            k = sum(counts.values())
            rows.append({"a": a, "b": b, "outcome": outcome, "draws": k,
                         **{key: n / k for key, n in counts.items()}})
    return rows


def _compare(group: pd.DataFrame, a: str, b: str, outcome: str, scenario_col: str,
             index: list[str], paired: bool) -> str:
    xa = group[group[scenario_col] == a]
    xb = group[group[scenario_col] == b]
    if paired:
        joined = xa.set_index(index)[outcome].to_frame("a").join(
            xb.set_index(index)[outcome].to_frame("b"), how="inner")
        diffs = (joined["a"] - joined["b"]).to_numpy(dtype=float)
        diff = float(diffs.mean())
        se = float(diffs.std(ddof=1)) / math.sqrt(len(diffs)) if len(diffs) > 1 else math.inf
    else:
        va, vb = xa[outcome].to_numpy(dtype=float), xb[outcome].to_numpy(dtype=float)
        diff = float(va.mean() - vb.mean())
        se = math.sqrt(va.var(ddof=1) / len(va) + vb.var(ddof=1) / len(vb))
    if diff > _Z95 * se:
        return "above"
    if diff < -_Z95 * se:
        return "below"
    return "tied"
