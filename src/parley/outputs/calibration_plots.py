"""Old address of :mod:`parley.outputs.figures.calibration` (``parley calibrate`` imports it)."""

from parley.outputs.figures.calibration import plot_predictive_check

__all__ = ["plot_predictive_check"]
