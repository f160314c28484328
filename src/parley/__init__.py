"""parley: an agent-based simulator of US-North Korea negotiations.

``parley.NegotiationModel``, the scenario loaders and the Python API (one function per
command: ``parley.run``, ``compare``, ``hindcast``, ``forecast``, ``sweep``, ``calibrate``,
``explain``, ``drivers``, ``chronicle``, ``validate``, ``plot``, ``report``, ``verify``; see
docs/API.md) are imported on first use, so that modules which never touch the
model (plotting, the report, the data loaders) do not load Mesa.
``parley.__version__`` is read on first use from the installed package's metadata, whose
one source is ``version`` in ``pyproject.toml``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

_API = "parley.experiments.api"
# the Python API (docs/API.md): one function per command
_FOLDER_API = "parley.outputs.api"  # of a results folder: no model needed
_API_FUNCTIONS = ("calibrate", "chronicle", "compare", "drivers", "explain", "forecast",
                  "hindcast", "plot", "report", "run", "sweep", "validate", "verify")
_FOLDER_FUNCTIONS = ("plot", "report", "verify")

__all__ = ["NegotiationModel", "ParleyError", "Scenario", "ScenarioError", "__version__",
           "calibrate", "chronicle", "compare", "drivers", "explain", "forecast", "hindcast",
           "load_scenario", "plot", "report", "run", "sweep", "validate", "verify"]

_LAZY = {"NegotiationModel": "parley.model", "Scenario": "parley.scenario",
         "ScenarioError": "parley.errors", "ParleyError": "parley.errors",
         "load_scenario": "parley.scenario_files", **dict.fromkeys(_API_FUNCTIONS, _API),
         **dict.fromkeys(_FOLDER_FUNCTIONS, _FOLDER_API)}

if TYPE_CHECKING:
    __version__: str
    from parley.errors import ParleyError, ScenarioError
    from parley.experiments.api import (
        calibrate,
        chronicle,
        compare,
        drivers,
        explain,
        forecast,
        hindcast,
        run,
        sweep,
        validate,
    )
    from parley.model import NegotiationModel
    from parley.outputs.api import plot, report, verify
    from parley.scenario import Scenario
    from parley.scenario_files import load_scenario


def _read_version() -> str:
    """The version: the installed distribution's metadata (from ``pyproject.toml``, the one
    place it is written), else, in a source checkout that is not installed, that file."""
    from parley.installed import installed_version

    found = installed_version("parley")
    if found is None:
        import tomllib
        from pathlib import Path

        pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
        try:
            project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "0+unknown"
        return str(project["version"]) if project.get("name") == "parley" else "0+unknown"
    return found


def __dir__() -> list[str]:
    """The public API (the lazy names too), the subpackages loaded so far and the dunders;
    not the helpers of this file (``TYPE_CHECKING``, ``Any``)."""
    from types import ModuleType

    own = {n for n, v in globals().items()
           if (n.startswith("__") and n.endswith("__")) or isinstance(v, ModuleType)}
    return sorted({*__all__, *own})


def __getattr__(name: str) -> Any:
    if name == "__version__":
        value = globals()["__version__"] = _read_version()
        return value
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'parley' has no attribute {name!r}")
