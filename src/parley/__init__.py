"""parley: an agent-based simulator of US-North Korea negotiations."""

from parley.model import NegotiationModel
from parley.scenario import Scenario, ScenarioError, load_scenario

__all__ = ["NegotiationModel", "Scenario", "ScenarioError", "__version__", "load_scenario"]
__version__ = "0.1.0"
