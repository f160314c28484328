"""NegotiationModel: the month-by-month schedule as a Mesa model.

``NegotiationModel(scenario="scenarios/biden.yaml", seed=7)`` steps one world,
as ``mesa.batch_run`` and SolaraViz expect.  ``NegotiationModel(scenario=...,
seeds=array)`` steps one world per seed at once.  It is the kernel
:class:`parley.worlds.Worlds` (the schedule, the rules, the state) with Mesa's
model around it: its actors are Mesa agents, registered in ``model.agents``, and
a DataCollector records the monthly means.  The batch layer steps ``Worlds``
itself, without importing Mesa; a seed ends the same way in either.
"""

from __future__ import annotations

import functools
import reprlib
from pathlib import Path
from typing import Any

import numpy as np

from parley._mesa import mesa
from parley.agents import ROLE_CLASSES, Actor
from parley.defaults import SEED_RANGE, is_seed
from parley.errors import ScenarioError
from parley.outcomes import BINARY_OUTCOMES, COUNT_OUTCOMES, OUTCOMES  # noqa: F401 (re-exported)
from parley.randomness import SEED_MAX
from parley.rules.talks import in_talks
from parley.scenario import Scenario
from parley.worlds import Worlds, WorldState  # noqa: F401 (WorldState re-exported)


@functools.cache
def mesa_twin(cls: type[Actor]) -> type[Actor]:
    """``cls`` with ``mesa.Agent`` as a further base: the same decisions, and Mesa's
    registration (``unique_id``, ``model.agents``) when it is made."""

    def init(self, model: NegotiationModel, name: str, stance: dict[str, Any]) -> None:
        mesa.Agent.__init__(self, model)
        cls.__init__(self, model, name, stance)

    namespace = {"__init__": init, "__doc__": cls.__doc__, "__module__": __name__}
    return type(cls.__name__, (cls, mesa.Agent), namespace, register=False)


def _checked_seed(seed: Any) -> int:
    """A run seed as a plain int in SEED_RANGE, or one ScenarioError line."""
    if isinstance(seed, np.integer):
        seed = int(seed)
    if not is_seed(seed):
        raise ScenarioError([f"seed {reprlib.repr(seed)}: must be a whole number in "
                             f"{SEED_RANGE}"])
    return seed


class NegotiationModel(Worlds, mesa.Model):
    """US-DPRK negotiations over a presidential term, one step per month.

    Args:
        scenario: a path to a scenario YAML file, or a loaded Scenario.
        seed: the run seed (one world).  Ignored when ``seeds`` is given.
        seeds: one run seed per world, to step many worlds at once.
        overrides: stance values by path, e.g. ``{"washington.outreach_rate": 0.5}``.
        narrate: keep a month-by-month log of world 0 (default: when one world).
        rng: an integer seed under Mesa's newer name (used when ``seed`` is None).
        stream_seeds: decision name -> alternative seeds (one per world) for that
            decision's draws only (pick-freeze designs; see parley.randomness).
        collect: fill ``datacollector`` after each month (default).
        world_values: numeric stance or modelling-constant values by path, one per
            world, set instead of the scenario's (see :class:`parley.worlds.Worlds`).
        **stance: overrides written ``actor__param=value`` (for SolaraViz sliders
            and ``mesa.batch_run`` parameter grids).

    The validated scenario is kept as ``model.spec``.
    """

    @staticmethod
    def actor_class(role: str) -> type[Actor]:
        """The Mesa agent class of a role's actors: the twin of its class."""
        return mesa_twin(ROLE_CLASSES[role])

    def __init__(self, scenario: str | Path | Scenario = "scenarios/trump_oh.yaml",
                 seed: int | None = None, seeds: np.ndarray | None = None,
                 overrides: dict[str, Any] | None = None, narrate: bool | None = None,
                 rng: int | None = None, stream_seeds: dict[str, Any] | None = None,
                 collect: bool = True, world_values: dict[str, Any] | None = None,
                 **stance: Any):
        if seed is None and isinstance(rng, int | np.integer):
            seed = int(rng)  # Mesa >= 3.5 passes the seed as ``rng``
        if seed is not None:
            seed = _checked_seed(seed)
        # rng=, not seed=: Mesa 3.5 warns (FutureWarning) on seed=; 3.3 takes either the same way
        mesa.Model.__init__(self, rng=seed if seed is not None else rng)
        if seeds is None:
            seeds = [seed if seed is not None else int(self.rng.integers(SEED_MAX))]
        extra = {k.replace("__", "."): v for k, v in stance.items()}
        Worlds.__init__(self, scenario, seeds, overrides={**(overrides or {}), **extra},
                        narrate=narrate, stream_seeds=stream_seeds, world_values=world_values)
        self.collect = collect
        self.datacollector = mesa.DataCollector(model_reporters={
            "tension": lambda m: float(m.state.tension.mean()),
            "sanctions_pressure": lambda m: float(m.state.pressure.mean()),
            "us_china_tension": lambda m: float(m.state.us_china.mean()),
            "talks_state": lambda m: float(m.state.talks.mean()),
            "in_talks": lambda m: float(in_talks(m.state.talks).mean()),
            "provocations": lambda m: float(np.mean(m.acts.tests)),
        })
        # collected after each month only: mesa.batch_run reads row ``steps - 1`` as the end

    def step(self) -> None:
        """One month (:meth:`parley.worlds.Worlds.step`), then collection."""
        Worlds.step(self)
        if self.collect:
            self.datacollector.collect(self)

    def release(self) -> None:
        """Let a finished model be freed.

        Mesa 3.3 keeps every model as a key of the class-level ``Agent._ids``
        counter, so no model is ever garbage-collected (about 4.5 MB per
        5,000-world chunk; fixed upstream in Mesa 3.5, which needs Python 3.12).
        There is no public API for this, hence the one private access.
        """
        ids = getattr(mesa.Agent, "_ids", None)  # absent in later Mesa versions
        if isinstance(ids, dict):
            ids.pop(self, None)
        Worlds.release(self)
