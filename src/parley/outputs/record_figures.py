"""Old address of :mod:`parley.outputs.figures.record` (``parley hindcast`` imports it)."""

from parley.outputs.figures.record import write_record_figures

__all__ = ["write_record_figures"]
