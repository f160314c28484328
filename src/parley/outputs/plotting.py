"""The figures' old address: ``parley.outputs.plotting`` re-exports :mod:`parley.outputs.figures`.

Callers (``parley plot``, the run/compare/sweep commands) import
``save_figures`` from here; new code should import from
:mod:`parley.outputs.figures`.
"""

from parley.outputs.figures import *  # noqa: F403
from parley.outputs.figures import __all__  # noqa: F401
