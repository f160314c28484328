"""Month-by-month paths of many simulated worlds: the recorder the hindcast scores.

``record_paths`` steps :class:`~parley.model.NegotiationModel` (one array entry per world)
and reads, after every month, whether each world is in talks and how many missiles it
tested.  The model is not changed: the recorder only reads ``model.state`` and
``model.acts``.  The one thing it sets is the talks state *before the first month*, taken
from the record of the month before the term (an agreement in force at the start of the
Clinton 1997 and Bush 2001 terms, the Six-Party process at the start of Obama's), which
the record knew when the term began.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from parley import rules as R
from parley.model import NegotiationModel
from parley.randomness import run_seeds
from parley.scenario import Scenario

#: Worlds stepped together in one model (memory stays flat; results do not depend on it).
CHUNK = 2_000

#: Record state of the month before a term -> the model's talks state at the start.
START_STATES: dict[str, int] = {
    "none": int(R.Talks.NO_CONTACT), "contact": int(R.Talks.WORKING),
    "multilateral": int(R.Talks.WORKING), "summit": int(R.Talks.SUMMIT),
    "agreement": int(R.Talks.AGREEMENT),
}
#: Months an inherited process has run at the start (an assumption: long enough that a
#: summit or deal may follow at once).
INHERITED_TALKS_MONTHS = 6


@dataclass(frozen=True)
class Paths:
    """Simulated monthly paths: ``talks`` (bool) and ``tests`` (int), shape (worlds, months)."""

    talks: np.ndarray
    tests: np.ndarray

    @property
    def n_worlds(self) -> int:
        return int(self.talks.shape[0])


def start_in(model: NegotiationModel, state: str) -> None:
    """Put every world in the record's talks state of the month before its term."""
    talks = START_STATES[state]
    if talks == R.Talks.NO_CONTACT:
        return
    s = model.state
    s.talks[:] = talks
    s.talks_months[:] = INHERITED_TALKS_MONTHS
    s.deal[:] = talks == R.Talks.AGREEMENT


def _record_chunk(scenario: Scenario, seeds: np.ndarray, start_state: str) -> Paths:
    model = NegotiationModel(scenario=scenario, seeds=seeds, narrate=False)
    start_in(model, start_state)
    months = scenario.horizon.months
    talks = np.zeros((len(seeds), months), dtype=bool)
    tests = np.zeros((len(seeds), months), dtype=np.int64)
    while model.running:
        model.step()
        talks[:, model.month - 1] = R.in_talks(model.state.talks)
        tests[:, model.month - 1] = model.acts["tests"]
    model.release()
    return Paths(talks, tests)


def record_paths(scenario: Scenario, runs: int, seed: int, start_state: str = "none") -> Paths:
    """Monthly talks and test paths of ``runs`` worlds of ``scenario`` under master ``seed``.

    World *i* uses run seed ``run_seeds(seed, [i])``, so the result is the same however the
    worlds are chunked.  ``start_state`` is a record state (see :data:`START_STATES`).
    """
    if runs < 1:
        raise ValueError("runs must be positive")
    if start_state not in START_STATES:
        raise ValueError(f"start_state {start_state!r} not one of {', '.join(START_STATES)}")
    parts = [_record_chunk(scenario, run_seeds(seed, np.arange(lo, min(lo + CHUNK, runs))),
                           start_state)
             for lo in range(0, runs, CHUNK)]
    return Paths(np.concatenate([p.talks for p in parts]),
                 np.concatenate([p.tests for p in parts]))
