"""Ranking-stability figure: how often each scenario takes each rank over parameter draws.

Input is a table of per-draw means (scenarios x draws), e.g.
``parley.analysis.uncertainty.per_draw_means``; never imports the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

__all__ = ["plot_ranking_stability", "rank_shares", "ranking_means"]


def rank_shares(means: pd.DataFrame) -> pd.DataFrame:
    """Share of draws in which each scenario (rows) has each rank (columns, 1 = highest).

    Ties share the lowest rank number among them (``method="min"``).
    """
    ranks = means.rank(axis=0, ascending=False, method="min")
    n = len(means)
    shares = {r: (ranks == r).mean(axis=1) for r in range(1, n + 1)}
    return pd.DataFrame(shares, index=means.index)


def plot_ranking_stability(means: pd.DataFrame, outcome: str = "P(talks)",
                           path: str | Path | None = None) -> Figure:
    """Stacked horizontal bars: for each scenario, the share of draws at each rank.

    Ranks run from dark (1, highest) to light; a segment wide enough carries
    its rank number, so the bars read without the legend.
    """
    shares = rank_shares(means)
    order = means.mean(axis=1).sort_values(ascending=True).index
    shares = shares.loc[order]
    fig = Figure(figsize=(7, 0.45 * len(shares) + 1.9), layout="constrained")
    ax = fig.subplots()
    colours = colormaps["viridis"](np.linspace(0.0, 0.92, len(shares.columns)))
    left = np.zeros(len(shares))
    for rank, colour in zip(shares.columns, colours, strict=True):
        width = shares[rank].to_numpy()
        ax.barh(range(len(shares)), width, left=left, color=colour, edgecolor="white",
                label=f"rank {rank}", gid=f"rank_{rank}")
        light = float(np.dot(colour[:3], (0.299, 0.587, 0.114))) > 0.5
        for y in np.flatnonzero(width >= 0.08):
            ax.text(left[y] + width[y] / 2, y, str(rank), ha="center", va="center", fontsize=8,
                    color="black" if light else "white")
        left += width
    ax.set_yticks(range(len(shares)), list(shares.index))
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(f"share of parameter draws ({means.shape[1]} draws)")
    ax.set_title(f"Ranking stability of {outcome} (rank 1 = highest)")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center",
               ncols=min(len(shares.columns), 8), fontsize=7, frameon=False)
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig


def ranking_means(summary: Mapping[str, Any]) -> pd.DataFrame | None:
    """P(talks) per scenario (rows) and parameter draw (columns); None without draws."""
    per_draw = (summary.get("parameter_uncertainty") or {}).get("per_draw_talks")
    if not per_draw or len(per_draw) < 2:
        return None
    return pd.DataFrame.from_dict(per_draw, orient="index")
