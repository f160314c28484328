"""Drive parley from EMA Workbench (or any code that wants ``f(**inputs) -> outcomes``).

* :func:`parley_model_function` turns a scenario file into a plain callable
  ``f(**uncertainties) -> {outcome: value}``: each call sets the given stance
  values (``with_values``), runs ``runs`` worlds on the common-random-number
  seeds ``run_seeds(seed, range(runs))`` and returns the share of runs for
  each yes/no outcome and the mean for each count.  Keyword names may be
  dotted paths passed as ``**{"washington.outreach_rate": 0.3}`` or EMA-safe
  names ``washington__outreach_rate``.
* :func:`uncertainties_from_scenario` lists ``(path, low, high)`` from the
  scenario's own ranges or the parameter declarations' bounds.
* :func:`make_ema_model` builds an ``ema_workbench.Model`` with
  ``RealParameter`` uncertainties and ``ScalarOutcome`` outcomes; it needs
  ``pip install ema_workbench`` (not a dependency of parley).

See docs/EMA.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from parley import defaults
from parley import params as P
from parley.outcomes import BINARY_OUTCOMES, COUNT_OUTCOMES
from parley.scenario import Scenario, ScenarioError, split_path, with_values
from parley.scenario_files import load_scenario

SEP = "__"


def ema_name(path: str) -> str:
    """``washington.outreach_rate`` -> ``washington__outreach_rate`` (EMA names have no dots)."""
    return path.replace(".", SEP)


def path_name(name: str) -> str:
    """``washington__outreach_rate`` -> ``washington.outreach_rate``."""
    return name.replace(SEP, ".")


def outcome_names() -> list[str]:
    """Outcomes a call returns: shares of the yes/no outcomes, then mean counts."""
    return [*BINARY_OUTCOMES, *COUNT_OUTCOMES]


def _scenario(scenario: str | Path | Scenario) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def uncertainties_from_scenario(scenario: str | Path | Scenario,
                                paths: list[str] | None = None) -> list[tuple[str, float, float]]:
    """``(path, low, high)`` for numeric parameters.

    Without ``paths``: every numeric stance, world or shock value the scenario
    gives as a ``[low, high]`` range (its own uncertainties).  With ``paths``:
    those parameters, each over the scenario's range if it gives one, else over
    the declaration's bounds.  Unknown or non-numeric paths raise ScenarioError.
    """
    sc = _scenario(scenario)
    if paths is None:
        paths = [path for path, value in _numeric_values(sc) if isinstance(value, list)]
    out, problems = [], []
    for path in paths:
        try:
            keys, decl = split_path(sc, path)
        except ScenarioError as exc:
            problems += exc.problems
            continue
        if not isinstance(decl, P.Real):
            problems.append(f"{path}: not a numeric parameter; EMA uncertainties here are "
                            "RealParameters")
            continue
        value = _lookup(sc.resolved, keys)
        low, high = (value if isinstance(value, list) else (decl.low, decl.high))
        out.append((path, float(low), float(high)))
    if problems:
        raise ScenarioError(problems)
    return out


def _numeric_values(sc: Scenario) -> list[tuple[str, Any]]:
    """Every numeric parameter of the scenario with its value (number or range)."""
    found = []
    for section in P.SECTIONS:
        for name, stance in getattr(sc, section).items():
            found.append((f"{section}.{name}", stance.value))
    for actor in sc.actors.values():
        decls = P.by_name(P.ROLES[actor.role])
        for name, stance in actor.stances.items():
            if isinstance(decls.get(name), P.Real):
                found.append((f"{actor.name}.{name}", stance.value))
    return [(p, v) for p, v in found if not isinstance(v, bool | str)]


def _lookup(resolved: dict[str, Any], keys: tuple[str, ...]) -> Any:
    node: Any = resolved
    for k in keys:
        node = node[k]
    return node["value"]


class ParleyFunction:
    """A picklable callable ``f(**uncertainties) -> {outcome: value}`` over one scenario."""

    def __init__(self, scenario: Scenario, runs: int = 200, seed: int = defaults.SEED):
        from parley.randomness import run_seeds

        if runs < 1:
            raise ValueError("runs must be positive")
        self.scenario = scenario
        self.runs = runs
        self.seed = seed
        self.seeds = run_seeds(seed, range(runs))

    def __call__(self, **uncertainties: float) -> dict[str, float]:
        from parley.experiments.simulate import simulate

        values = {path_name(k): float(v) for k, v in uncertainties.items()}
        sc = with_values(self.scenario, values) if values else self.scenario
        out = simulate(sc, self.seeds)["outcomes"]
        result = {k: float(np.mean(out[k])) for k in BINARY_OUTCOMES}
        result.update({k: float(np.mean(out[k])) for k in COUNT_OUTCOMES})
        return result

    def __repr__(self) -> str:
        return (f"ParleyFunction({self.scenario.name!r}, runs={self.runs}, "
                f"seed={self.seed})")


def parley_model_function(scenario_path: str | Path | Scenario, runs: int = 200,
                          seed: int = defaults.SEED) -> ParleyFunction:
    """A plain callable running ``runs`` CRN worlds of the scenario per call.

    ``f(washington__outreach_rate=0.4)`` (or ``f(**{"washington.outreach_rate": 0.4})``)
    returns ``{"talks_resumed": share, ..., "tests": mean, ...}`` (see outcome_names()).
    Every call uses the same seeds, so two calls differ only by their inputs.
    """
    return ParleyFunction(_scenario(scenario_path), runs, seed)


def make_ema_model(scenario_path: str | Path | Scenario, paths: list[str] | None = None,
                   runs: int = 200, seed: int = defaults.SEED, name: str | None = None):
    """An ``ema_workbench.Model`` over the scenario (needs ema_workbench installed).

    Uncertainties: ``RealParameter(washington__outreach_rate, low, high)`` for each
    path (default: the scenario's own ranges); outcomes: ``ScalarOutcome`` for
    each of outcome_names().
    """
    try:
        from ema_workbench import Model, RealParameter, ScalarOutcome
    except ImportError:
        from parley.errors import MissingExtraError

        raise MissingExtraError("the EMA Workbench adapter (make_ema_model)", "ema") from None
    sc = _scenario(scenario_path)
    default = "parley" + "".join(w.capitalize() for w in sc.name.split("_"))  # alphanumeric
    model = Model(name or default, function=parley_model_function(sc, runs, seed))
    model.uncertainties = [RealParameter(ema_name(p), lo, hi)
                           for p, lo, hi in uncertainties_from_scenario(sc, paths)]
    model.outcomes = [ScalarOutcome(k) for k in outcome_names()]
    return model
