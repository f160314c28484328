"""Kaplan–Meier curves of the time to first talks: the share of runs with no talks yet."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from parley.outputs.figures.common import (
    GRID,
    floats,
    horizon,
    joined,
    level_pct,
    ranked,
    runs_phrase,
    scenario_styles,
)

__all__ = ["plot_time_to_talks"]


def _curve(ax: Any, s: Mapping[str, Any], style: Mapping[str, str], faint: bool) -> None:
    """One scenario's step curve, its confidence band and its censoring mark."""
    tt = s["time_to_talks"]
    month, surv = floats(tt["month"]), floats(tt["survival"])
    median = tt.get("median")
    med = "median not reached" if median is None else f"median {float(median):g} months"
    ax.step(month, surv, where="post", color=style["color"], linestyle=style["linestyle"],
            linewidth=2, label=f"{s.get('title') or s['name']} — {med}", gid=f"km_{s['name']}")
    if tt.get("lo") is not None and tt.get("hi") is not None:
        ax.fill_between(month, floats(tt["lo"]), floats(tt["hi"]), step="post",
                        color=style["color"], alpha=0.08 if faint else 0.15, linewidth=0)
    # censoring mark: runs still without talks at the horizon are censored there
    if np.isfinite(surv[-1]) and surv[-1] > 0:
        ax.plot(month[-1:], surv[-1:], marker="|", markersize=12, markeredgewidth=2,
                color=style["color"], linestyle="none", clip_on=False)


def _axis(ax: Any, end: float) -> None:
    ax.axhline(0.5, color="#888888", linewidth=0.8, linestyle=":")
    ax.annotate("half of runs", (0, 0.5), xytext=(4, 3), textcoords="offset points",
                fontsize=8, color="#555555")
    ax.set_xlim(0, end)
    ax.set_ylim(0, 1.02)
    ax.margins(x=0)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.grid(**GRID)
    ax.set_xlabel("Months since inauguration")
    ax.set_ylabel("Share of runs with no talks yet")
    ax.set_title(f"Runs still without talks at month {end:g} are censored there (|)",
                 fontsize=9, color="#444444")


def plot_time_to_talks(summary: Mapping[str, Any]) -> Figure:
    """Kaplan–Meier curves of the share of runs with no talks yet, per scenario, ranked."""
    scenarios = ranked(summary, "time_to_talks")
    if not scenarios:
        raise ValueError("summary has no time_to_talks data")
    styles = scenario_styles(scenarios)
    fig = Figure(figsize=(9, 5.4 + 0.22 * len(scenarios)), layout="constrained")
    ax = fig.subplots()
    for s in scenarios:
        _curve(ax, s, styles[s["name"]], faint=len(scenarios) > 4)
    end = horizon(summary) or max(float(floats(s["time_to_talks"]["month"])[-1])
                                  for s in scenarios)
    _axis(ax, end)
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", fontsize=9,
               ncols=2 if len(scenarios) > 3 else 1, frameon=False)
    sub = joined(runs_phrase([s.get("runs") for s in scenarios]),
                 f"shaded: {level_pct(summary.get('level'))} confidence bands")
    fig.suptitle(f"Time to first US–DPRK talks (Kaplan–Meier)\n{sub}", fontsize=12)
    return fig
