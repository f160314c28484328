"""The one simulation kernel: step many worlds over months and record what is asked.

``simulate(scenario, seeds, record=[Outcomes(), Paths()])`` builds one
:class:`~parley.worlds.Worlds` over the worlds, steps it with
:meth:`~parley.worlds.Worlds.run` (the one loop over months) and
returns, per recorder, what it recorded.  Batches, sweeps, the hindcast, the
calibration, ``drivers`` and ``explain`` all call it; what differs is only
what they record:

* :class:`Outcomes`: the outcome record of every world at the end;
* :class:`MonthlyLevels`: monthly levels folded into a batch's
  :class:`~parley.analysis.stats.Aggregate` (the fan charts);
* :class:`Paths`: month-by-month arrays (in talks, missile tests, ...);
* :class:`Routes`: by which move each world's talks first opened;
* :class:`Streams`: the random streams the run drew.

A world's path depends only on its seed, so results never depend on how
worlds are grouped into calls.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from parley.analysis.stats import Aggregate
from parley.rules.talks import Talks, in_talks
from parley.scenario import Scenario

if TYPE_CHECKING:  # the kernel loads on the first simulation, not on import
    from parley.worlds import Worlds

#: Months an inherited process has run at the start (an assumption: long enough that a
#: summit or deal may follow at once).
INHERITED_TALKS_MONTHS = 6


class Recorder(Protocol):
    """Reads the model after every month and says what it saw at the end."""

    def start(self, model: Worlds) -> None: ...

    def month(self, model: Worlds) -> None: ...

    def result(self, model: Worlds) -> Any: ...


class _Recorder:
    def start(self, model: Worlds) -> None:
        pass

    def month(self, model: Worlds) -> None:
        pass


class Outcomes(_Recorder):
    """The outcome record of every world at the horizon (``model.outcomes()``)."""

    def result(self, model: Worlds) -> dict[str, np.ndarray]:
        return model.outcomes()


@dataclass
class MonthlyLevels(_Recorder):
    """Monthly tension, pressure and US-China tension, folded into ``aggregate``."""

    aggregate: Aggregate

    def month(self, model: Worlds) -> None:
        self.aggregate.add_month(model.month, monthly_levels(model), in_talks(model.state.talks))

    def result(self, model: Worlds) -> Aggregate:
        return self.aggregate


def monthly_levels(model: Worlds) -> dict[str, np.ndarray]:
    """The levels the monthly fan charts tally, every world's."""
    s = model.state
    return {"tension": s.tension, "sanctions_pressure": s.pressure, "us_china_tension": s.us_china}


@dataclass
class GroupedMonthlyLevels(_Recorder):
    """MonthlyLevels for a model stepping several groups of ``size`` worlds one after the
    other (parameter draws fused into one model): group g folds into ``aggregates[g]``."""

    aggregates: Sequence[Aggregate]
    size: int

    def month(self, model: Worlds) -> None:
        Aggregate.add_month_grouped(self.aggregates, model.month, monthly_levels(model),
                                    in_talks(model.state.talks), self.size)

    def result(self, model: Worlds) -> Sequence[Aggregate]:
        return self.aggregates


#: what a :class:`Paths` recorder can keep each month, and how to read it off the model
PATH_FIELDS = {
    "talks": lambda m: in_talks(m.state.talks),
    "tests": lambda m: m.acts.tests,
    "talks_state": lambda m: m.state.talks,
    "tension": lambda m: m.state.tension,
    "pressure": lambda m: m.state.pressure,
}
PATH_DTYPES = {"talks": bool, "tests": np.int64, "talks_state": np.int8,
               "tension": np.float64, "pressure": np.float64}  # the model's own levels


@dataclass
class Paths(_Recorder):
    """Month-by-month arrays, worlds x months, of the ``fields`` asked for."""

    fields: Sequence[str] = ("talks", "tests")
    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    def start(self, model: Worlds) -> None:
        months = model.horizon
        self.arrays = {f: np.zeros((model.n_worlds, months), dtype=PATH_DTYPES[f])
                       for f in self.fields}

    def month(self, model: Worlds) -> None:
        for f, arr in self.arrays.items():
            arr[:, model.month - 1] = PATH_FIELDS[f](model)

    def result(self, model: Worlds) -> dict[str, np.ndarray]:
        return {f: a[:, :model.month] for f, a in self.arrays.items()}


def stacked_draws(seeds: np.ndarray, draws: Sequence[Mapping[str, float]],
                  paths: Sequence[str]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Seeds and per-world values (``simulate(world_values=)``) for K parameter draws
    stepped one after another in one model: draw d runs ``seeds`` as worlds
    ``d * len(seeds)`` to ``(d + 1) * len(seeds) - 1`` with its values at ``paths``."""
    n = len(seeds)
    return np.tile(seeds, len(draws)), {p: np.repeat([d[p] for d in draws], n) for p in paths}


#: route to talks (a move true in the month talks first opened) -> its act on the record
ROUTE_ACTS = ("accept", "flatter", "bold", "ripe")


@dataclass
class Routes(_Recorder):
    """Per route to talks, the worlds whose talks first opened by it (``ROUTE_ACTS``)."""

    opened: dict[str, np.ndarray] = field(default_factory=dict)
    _seen: np.ndarray | None = None

    def start(self, model: Worlds) -> None:
        self.opened = {act: np.zeros(model.n_worlds, dtype=bool) for act in ROUTE_ACTS}
        self._seen = np.zeros(model.n_worlds, dtype=bool)

    def month(self, model: Worlds) -> None:
        talked = model.state.first_talks_month > 0
        new = talked & ~self._seen
        for act in ROUTE_ACTS:
            self.opened[act] |= new & getattr(model.acts, act)
        self._seen |= talked

    def result(self, model: Worlds) -> dict[str, np.ndarray]:
        return self.opened


class Streams(_Recorder):
    """The random streams the run drew, in first-use order."""

    def result(self, model: Worlds) -> list[str]:
        return model.draws.keys


#: a record state of the month before a term -> the model's talks state at the start
START_STATES: dict[str, Talks] = {
    "none": Talks.NO_CONTACT, "contact": Talks.WORKING, "multilateral": Talks.WORKING,
    "summit": Talks.SUMMIT, "agreement": Talks.AGREEMENT,
}


def simulate(scenario: Scenario, seeds: np.ndarray, record: Mapping[str, Recorder] | None = None,
             *, start_state: str = "none", months: int | None = None,
             overrides: dict[str, Any] | None = None,
             stream_seeds: dict[str, np.ndarray] | None = None,
             world_values: dict[str, np.ndarray] | None = None) -> dict[str, Any]:
    """Step one world per seed to the horizon (or ``months``); what each recorder saw.

    ``start_state`` is the record's talks state the month before the term
    (:data:`START_STATES`); ``overrides`` are stance values by path or keyword
    (``actor__param``); ``stream_seeds`` re-seed single decisions (pick-freeze);
    ``world_values`` give numeric values by path, one per world (each world its own
    parameter draw: a sweep point's draws in one call).
    """
    from parley.worlds import Worlds

    record = {"outcomes": Outcomes()} if record is None else record
    values = {k.replace("__", "."): v for k, v in (overrides or {}).items()}
    model = Worlds(scenario, seeds, overrides=values or None, narrate=False,
                   stream_seeds=stream_seeds, world_values=world_values)
    model.start_in(START_STATES[start_state], INHERITED_TALKS_MONTHS)
    for recorder in record.values():
        recorder.start(model)

    def after_month(m: Worlds) -> None:
        for recorder in record.values():
            recorder.month(m)

    model.run(months, after_month)
    out = {name: recorder.result(model) for name, recorder in record.items()}
    model.release()
    return out
