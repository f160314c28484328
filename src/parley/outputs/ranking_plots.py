"""Old address of :mod:`parley.outputs.figures.ranking` (kept for existing callers)."""

from parley.outputs.figures.ranking import plot_ranking_stability, rank_shares

__all__ = ["plot_ranking_stability", "rank_shares"]
