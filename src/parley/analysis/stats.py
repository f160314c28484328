"""Statistics for batches: additive per-chunk aggregates and the summaries built from them.

Every aggregate is a sum of counts, so chunks combine exactly in any order:
the summary of a batch is the same for any number of workers, any chunking,
and after an interrupted batch is resumed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from parley.analysis.intervals import wilson
from parley.outcomes import BINARY_OUTCOMES, COUNT_OUTCOMES, FINAL_LEVELS, MONTHLY_LEVELS

Z95 = 1.959963984540054  # standard normal 97.5% quantile
BINS = 50  # histogram bins on [0, 1] for the monthly fan charts (quantiles to +-0.01)
UNIT = 1e-9  # final levels are summed as integers of this unit, so sums are exact
LEVELS = MONTHLY_LEVELS


def share(k: int, n: int) -> dict[str, float]:
    lo, hi = wilson(k, n)
    return {"k": int(k), "n": int(n), "p": k / n if n else float("nan"), "lo": lo, "hi": hi}


def kaplan_meier(events: np.ndarray, censored: np.ndarray, z: float = Z95) -> dict[str, Any]:
    """Discrete-time Kaplan-Meier from counts per month (index 0 = month 0).

    ``events[t]`` first talks in month t, ``censored[t]`` runs censored after
    month t (here all at the horizon).  Bands: Greenwood variance on the
    log(-log) scale.  Returns month, survival, lo, hi and the median month.
    """
    at_risk = events.sum() + censored.sum() - np.concatenate(
        [[0], np.cumsum(events + censored)[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(at_risk > 0, events / at_risk, 0.0)
        surv = np.cumprod(1.0 - hazard)
        gw = np.cumsum(np.where(at_risk > events, events / (at_risk * (at_risk - events)), 0.0))
        log_s = np.log(surv)
        se = np.sqrt(gw) / np.abs(log_s)
        lo = surv ** np.exp(z * se)
        hi = surv ** np.exp(-z * se)
    lo = np.where((surv > 0) & (surv < 1), lo, surv)
    hi = np.where((surv > 0) & (surv < 1), hi, surv)
    below = np.nonzero(surv <= 0.5)[0]
    return {"month": list(range(len(events))), "survival": surv.tolist(),
            "lo": np.nan_to_num(lo).tolist(), "hi": np.nan_to_num(hi, nan=1.0).tolist(),
            "median": float(below[0]) if len(below) else None}


def freq_summary(freq: np.ndarray) -> dict[str, Any]:
    """Mean, sd and quantiles of a count from its frequency table."""
    values = np.arange(len(freq))
    n = freq.sum()
    mean = float((values * freq).sum() / n)
    sd = float(np.sqrt(((values - mean) ** 2 * freq).sum() / max(n - 1, 1)))
    cdf = np.cumsum(freq) / n
    q = {f"q{int(p * 100)}": int(np.searchsorted(cdf, p - 1e-12)) for p in (0.1, 0.5, 0.9)}
    last = int(np.nonzero(freq)[0].max()) if n else 0
    return {"mean": mean, "sd": sd, **q, "max": last,
            "values": values[: last + 1].tolist(), "freq": freq[: last + 1].tolist()}


def hist_quantiles(hist: np.ndarray, qs=(0.1, 0.5, 0.9)) -> dict[str, list[float]]:
    """Quantiles per month from (months, BINS) histograms on [0, 1], linearly interpolated."""
    out: dict[str, list[float]] = {}
    cdf = np.cumsum(hist, axis=1) / np.maximum(hist.sum(axis=1, keepdims=True), 1)
    edges = np.linspace(0.0, 1.0, hist.shape[1] + 1)
    for q in qs:
        vals = []
        for row in cdf:
            j = int(np.searchsorted(row, q))
            j = min(j, len(row) - 1)
            prev = row[j - 1] if j > 0 else 0.0
            frac = (q - prev) / (row[j] - prev) if row[j] > prev else 0.5
            vals.append(float(edges[j] + frac * (edges[j + 1] - edges[j])))
        out[f"q{int(q * 100)}"] = vals
    return out


@dataclass
class Aggregate:
    """Additive tallies of a set of runs of one scenario."""

    horizon: int
    n: int = 0
    binary: dict[str, int] = field(default_factory=dict)
    first_talks: np.ndarray | None = None  # bincount over months 0..H (0 = never)
    counts: dict[str, np.ndarray] = field(default_factory=dict)
    final_sum: dict[str, int] = field(default_factory=dict)  # in units of UNIT
    monthly: np.ndarray | None = None  # (len(LEVELS), H, BINS)
    in_talks: np.ndarray | None = None  # (H,)
    talks_engaged: int = 0  # runs with talks resumed among those where Pyongyang engaged

    def __post_init__(self):
        h = self.horizon
        self.binary = self.binary or dict.fromkeys(BINARY_OUTCOMES, 0)
        self.first_talks = (np.zeros(h + 1, np.int64) if self.first_talks is None
                            else np.asarray(self.first_talks, np.int64))
        self.counts = {k: np.asarray(self.counts.get(k, [0]), np.int64) for k in COUNT_OUTCOMES}
        self.final_sum = self.final_sum or dict.fromkeys(FINAL_LEVELS, 0)
        self.monthly = (np.zeros((len(LEVELS), h, BINS), np.int64) if self.monthly is None
                        else np.asarray(self.monthly, np.int64))
        self.in_talks = (np.zeros(h, np.int64) if self.in_talks is None
                         else np.asarray(self.in_talks, np.int64))

    def add_outcomes(self, out: dict[str, np.ndarray]) -> None:
        self.n += len(out["talks_resumed"])
        for k in BINARY_OUTCOMES:
            self.binary[k] += int(np.count_nonzero(out[k]))
        self.talks_engaged += int(np.count_nonzero(out["talks_resumed"] & out["engaged"]))
        self.first_talks += np.bincount(out["first_talks_month"], minlength=self.horizon + 1)
        for k in COUNT_OUTCOMES:
            self.counts[k] = _add_padded(self.counts[k], np.bincount(out[k]))
        for k in FINAL_LEVELS:
            self.final_sum[k] += int(np.rint(out[k] / UNIT).astype(np.int64).sum())

    def add_month(self, month: int, levels: dict[str, np.ndarray],
                  in_talks: np.ndarray) -> None:
        """Fold one month's levels and its in-talks mask (one entry per world) in."""
        for i, name in enumerate(LEVELS):
            idx = np.minimum((levels[name] * BINS).astype(np.int64), BINS - 1)
            self.monthly[i, month - 1] += np.bincount(idx, minlength=BINS)
        self.in_talks[month - 1] += int(np.count_nonzero(in_talks))

    @staticmethod
    def add_month_grouped(aggregates: Sequence[Aggregate], month: int,
                          levels: dict[str, np.ndarray], in_talks: np.ndarray,
                          size: int) -> None:
        """:meth:`add_month` for worlds in groups of ``size``, one after the other, group g
        folded into ``aggregates[g]`` (one bincount per level for all groups)."""
        groups = len(aggregates)
        offset = np.repeat(np.arange(groups, dtype=np.int64) * BINS, size)
        for i, name in enumerate(LEVELS):
            idx = np.minimum((levels[name] * BINS).astype(np.int64), BINS - 1)
            counts = np.bincount(idx + offset, minlength=groups * BINS).reshape(groups, BINS)
            for agg, row in zip(aggregates, counts, strict=True):
                agg.monthly[i, month - 1] += row
        talking = np.count_nonzero(in_talks.reshape(groups, size), axis=1)
        for agg, count in zip(aggregates, talking, strict=True):
            agg.in_talks[month - 1] += int(count)

    def merge(self, other: Aggregate) -> None:
        self.n += other.n
        for k in BINARY_OUTCOMES:
            self.binary[k] += other.binary[k]
        self.first_talks += other.first_talks
        for k in COUNT_OUTCOMES:
            self.counts[k] = _add_padded(self.counts[k], other.counts[k])
        for k in FINAL_LEVELS:
            self.final_sum[k] += other.final_sum[k]
        self.monthly += other.monthly
        self.in_talks += other.in_talks
        self.talks_engaged += other.talks_engaged

    def to_json(self) -> dict[str, Any]:
        return {"horizon": self.horizon, "n": self.n, "binary": self.binary,
                "first_talks": self.first_talks.tolist(),
                "counts": {k: v.tolist() for k, v in self.counts.items()},
                "final_sum": self.final_sum, "monthly": self.monthly.tolist(),
                "in_talks": self.in_talks.tolist(), "talks_engaged": self.talks_engaged}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Aggregate:
        return cls(horizon=d["horizon"], n=d["n"], binary=d["binary"],
                   first_talks=d["first_talks"], counts=d["counts"], final_sum=d["final_sum"],
                   monthly=d["monthly"], in_talks=d["in_talks"],
                   talks_engaged=d.get("talks_engaged", 0))

    def max_half_width(self) -> float:
        """Largest 95% interval half-width among the yes/no outcomes."""
        return max((hi - lo) / 2 for lo, hi in (wilson(k, self.n) for k in self.binary.values()))

    def summary(self) -> dict[str, Any]:
        h = self.horizon
        never = int(self.first_talks[0])
        events = self.first_talks.copy()
        events[0] = 0
        censored = np.zeros(h + 1, np.int64)
        censored[h] = never
        return {
            "runs": self.n,
            "shares": {k: share(v, self.n) for k, v in self.binary.items()},
            # Yeo's rankings assume the North returns at all: P(talks | Pyongyang engaged)
            "talks_given_engaged": share(self.talks_engaged, self.binary["engaged"]),
            "time_to_talks": kaplan_meier(events, censored),
            "counts": {k: freq_summary(v) for k, v in self.counts.items()},
            "final_means": {k: v * UNIT / max(self.n, 1) for k, v in self.final_sum.items()},
            "monthly": {"month": list(range(1, h + 1)),
                        **{name: hist_quantiles(self.monthly[i])
                           for i, name in enumerate(LEVELS)},
                        "in_talks_share": (self.in_talks / max(self.n, 1)).tolist()},
        }


def _add_padded(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    n = max(len(a), len(b))
    return np.pad(a, (0, n - len(a))) + np.pad(b, (0, n - len(b)))


def paired_difference(x: np.ndarray, y: np.ndarray, z: float = Z95) -> dict[str, float]:
    """Difference of two shares on the same seeds: paired and unpaired Wald intervals.

    With common random numbers run i of both scenarios meets the same draws,
    so the per-run differences vary less than two independent samples would.
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    d = x - y
    n = len(d)
    diff = float(d.mean())
    se_pair = float(d.std(ddof=1) / np.sqrt(n)) if n > 1 else float("inf")
    se_unpair = float(np.sqrt(x.var(ddof=1) / n + y.var(ddof=1) / n)) if n > 1 else float("inf")
    return {"diff": diff, "diff_lo": diff - z * se_pair, "diff_hi": diff + z * se_pair,
            "unpaired_lo": diff - z * se_unpair, "unpaired_hi": diff + z * se_unpair}
