"""parley: an agent-based simulator of US-North Korea negotiations.

``parley.NegotiationModel`` and the scenario loaders are imported on first use,
so that modules which never touch the model (plotting, the report, the data
loaders) do not load Mesa.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["NegotiationModel", "Scenario", "ScenarioError", "__version__", "load_scenario"]

_LAZY = {"NegotiationModel": "parley.model", "Scenario": "parley.scenario",
         "ScenarioError": "parley.scenario", "load_scenario": "parley.scenario"}

if TYPE_CHECKING:
    from parley.model import NegotiationModel
    from parley.scenario import Scenario, ScenarioError, load_scenario


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'parley' has no attribute {name!r}")
