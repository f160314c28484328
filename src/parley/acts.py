"""What happened in one month, filled in as the month's schedule runs (a typed record).

Each actor writes its moves here and the model's resolution steps add what
follows from them; recorders, the chronicle and SolaraViz read them.  The record
is slotted: assigning a name it does not declare fails at once, and reading a
move before the step that makes it raises AttributeError naming it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from parley.rules.constants import Value
from parley.rules.sanctions import ReliefMonth
from parley.rules.talks import TalksMonth


@dataclass(slots=True)
class Acts:
    """The month's moves, every one an array over worlds (unless said)."""

    # the world (model._world_shocks)
    crisis_started: np.ndarray = field(init=False)
    # Washington
    attention: np.ndarray = field(init=False)
    bold: np.ndarray = field(init=False)
    bold_kind: np.ndarray = field(init=False)
    flexibility: np.ndarray = field(init=False)
    offer: np.ndarray = field(init=False)
    # Pyongyang
    tests: np.ndarray = field(init=False)
    icbm: np.ndarray = field(init=False)
    irbm: np.ndarray = field(init=False)
    nuclear: np.ndarray = field(init=False)
    margin: np.ndarray = field(init=False)
    willing: np.ndarray = field(init=False)
    accept: np.ndarray = field(init=False)
    flatter: np.ndarray = field(init=False)
    reach: np.ndarray = field(init=False)  # the chance Pyongyang's step meets the ask
    walkout: np.ndarray = field(init=False)
    # patrons and allies, summed over every actor of the role
    unenforced: Value = 0.0
    lifeline: Value = 0.0
    press: Value = 0.0
    dialogue: np.ndarray | bool = False
    ally_push: Value = 0.0
    spoiler_pull: Value = 0.0  # the influence of the patrons that are spoilers this month
    mediation: Value = 0.0  # allies' mediation between Washington and Pyongyang (0-1 each)
    spoilers: list[tuple[str, np.ndarray]] = field(default_factory=list)
    dialogues: list[tuple[str, np.ndarray]] = field(default_factory=list)
    # what the optional roles did, for the chronicle: (actor, worlds) a month
    shields: list[tuple[str, np.ndarray]] = field(default_factory=list)  # Moscow's veto
    test_answers: list[tuple[str, np.ndarray]] = field(default_factory=list)  # Tokyo's
    # the resolution (model)
    breach: np.ndarray = field(init=False)
    military: np.ndarray = field(init=False)
    ripe: np.ndarray = field(init=False)  # a leader-level opening out of a stalemate
    months_in_episode: np.ndarray = field(init=False)
    talks: TalksMonth = field(init=False)
    relief: ReliefMonth = field(init=False)

    @classmethod
    def before_any_month(cls, n_worlds: int) -> Acts:
        """The record a model shows before its first month: no tests (for the collector)."""
        acts = cls()
        acts.tests = np.zeros(n_worlds, dtype=np.int64)
        return acts
