"""Kaplan–Meier curves of the time to first talks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from parley.outputs.figures.common import (
    _floats,
    _horizon,
    _level_pct,
    _ranked,
    _runs_phrase,
    scenario_styles,
)


def plot_time_to_talks(summary: Mapping[str, Any]) -> Figure:
    """Kaplan–Meier curves of the share of runs with no talks yet, per scenario."""
    scenarios = _ranked(summary, "time_to_talks")
    if not scenarios:
        raise ValueError("summary has no time_to_talks data")
    level = summary.get("level", 0.95)
    horizon = _horizon(summary)
    styles = scenario_styles(scenarios)
    fig = Figure(figsize=(9, 5.4 + 0.22 * len(scenarios)), layout="constrained")
    ax = fig.subplots()
    for s in scenarios:
        tt = s["time_to_talks"]
        month = _floats(tt["month"])
        surv = _floats(tt["survival"])
        st = styles[s["name"]]
        median = tt.get("median")
        med = "median not reached" if median is None else f"median {float(median):g} months"
        title = s.get("title") or s["name"]
        ax.step(month, surv, where="post", color=st["color"], linestyle=st["linestyle"],
                linewidth=2, label=f"{title} — {med}", gid=f"km_{s['name']}")
        if tt.get("lo") is not None and tt.get("hi") is not None:
            ax.fill_between(month, _floats(tt["lo"]), _floats(tt["hi"]), step="post",
                            color=st["color"], alpha=0.15 if len(scenarios) <= 4 else 0.08,
                            linewidth=0)
        # censoring mark: runs still without talks at the horizon are censored there
        if np.isfinite(surv[-1]) and surv[-1] > 0:
            ax.plot(month[-1:], surv[-1:], marker="|", markersize=12, markeredgewidth=2,
                    color=st["color"], linestyle="none", clip_on=False)
    ax.axhline(0.5, color="#888888", linewidth=0.8, linestyle=":")
    ax.annotate("half of runs", (0, 0.5), xytext=(4, 3), textcoords="offset points",
                fontsize=8, color="#555555")
    end = horizon if horizon is not None else max(float(_floats(s["time_to_talks"]["month"])[-1])
                                                  for s in scenarios)
    ax.set_xlim(0, end)
    ax.set_ylim(0, 1.02)
    ax.margins(x=0)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.grid(color="#e5e5e5", linewidth=0.6)
    ax.set_xlabel("Months since inauguration")
    ax.set_ylabel("Share of runs with no talks yet")
    ax.set_title(f"Runs still without talks at month {end:g} are censored there (|)",
                 fontsize=9, color="#444444")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", fontsize=9,
               ncols=2 if len(scenarios) > 3 else 1, frameon=False)
    sub = " · ".join(x for x in [
        _runs_phrase([s.get("runs") for s in scenarios]),
        f"shaded: {_level_pct(level)} confidence bands",
    ] if x)
    fig.suptitle(f"Time to first US–DPRK talks (Kaplan–Meier)\n{sub}", fontsize=12)
    return fig
