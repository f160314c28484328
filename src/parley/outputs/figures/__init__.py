"""Figures from parley result files, one module per figure family.

Every ``plot_*`` function takes plain data (dicts loaded from the JSON files a
batch or sweep writes, or pandas DataFrames) and returns a
:class:`matplotlib.figure.Figure`.  Figures are built directly as ``Figure``
objects, so no pyplot state and no GUI backend are involved; nothing here
imports the simulation model.

:func:`save_figures` looks at what a results directory holds and writes every
applicable figure to ``results_dir/figures/<name>.<fmt>``.
"""

from parley.outputs.figures.common import (
    CAMP_COLOURS,
    DPI,
    ENGAGED_OFFSET,
    FORMATS,
    ResultsError,
    StepPercentFormatter,
    scenario_styles,
)
from parley.outputs.figures.comparison import plot_comparison
from parley.outputs.figures.distributions import plot_count_distributions, plot_monthly_fans
from parley.outputs.figures.folder import (
    Planned,
    figure_plan,
    iter_figures,
    load_results,
    save_figure,
    save_figures,
)
from parley.outputs.figures.ranking import plot_ranking_stability, rank_shares, ranking_means
from parley.outputs.figures.record import write_record_figures
from parley.outputs.figures.sensitivity import plot_boxes, plot_sensitivity
from parley.outputs.figures.sweeps import (
    ladder_rungs,
    plot_sweep_1d,
    plot_sweep_2d,
    sweep_parameters,
)
from parley.outputs.figures.time_to_talks import plot_time_to_talks

__all__ = [
    "CAMP_COLOURS",
    "DPI",
    "ENGAGED_OFFSET",
    "FORMATS",
    "Planned",
    "ResultsError",
    "StepPercentFormatter",
    "figure_plan",
    "iter_figures",
    "ladder_rungs",
    "load_results",
    "plot_boxes",
    "plot_comparison",
    "plot_count_distributions",
    "plot_monthly_fans",
    "plot_ranking_stability",
    "plot_sensitivity",
    "plot_sweep_1d",
    "plot_sweep_2d",
    "plot_time_to_talks",
    "rank_shares",
    "ranking_means",
    "save_figure",
    "save_figures",
    "scenario_styles",
    "sweep_parameters",
    "write_record_figures",
]
