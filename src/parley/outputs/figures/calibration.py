"""Figure of the posterior predictive check of the dynamics calibration (never imports the model).

Input is the check table of ``parley.analysis.abc_summary.predictive_check``:
term -> statistic -> observed, mean, q05, q95, percentile.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

from matplotlib.figure import Figure

from parley.analysis.abc_summary import STATISTICS

__all__ = ["plot_predictive_check"]


def plot_predictive_check(check: Mapping[str, Mapping[str, Mapping[str, float]]],
                          path: str | Path | None = None) -> Figure:
    """One panel per statistic: simulated 5-95% band and mean per term, the record as a dot."""
    terms = list(check)
    stats = list(STATISTICS)
    cols = 4
    rows = math.ceil(len(stats) / cols)
    fig = Figure(figsize=(3.2 * cols, 2.8 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, stat in zip(axes, stats, strict=False):
        for i, term in enumerate(terms):
            r = check[term][stat]
            if not math.isnan(r["mean"]):
                ax.vlines(i, r["q05"], r["q95"], color="0.6", linewidth=6)
                ax.plot(i, r["mean"], "_", color="0.2", markersize=12)
            if not math.isnan(r["observed"]):
                ax.plot(i, r["observed"], "o", color="tab:red", markersize=5)
        ax.set_title(stat.replace("_", " "), fontsize=9)
        ax.set_xticks(range(len(terms)), terms, rotation=45, ha="right", fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
    for ax in axes[len(stats):]:
        ax.set_axis_off()
    fig.suptitle("Posterior predictive check: simulated 5-95% (grey), mean (dash), "
                 "record (red)", fontsize=10)
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig
