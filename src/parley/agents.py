"""The actors: Mesa agents whose state variables are arrays over worlds.

One class per role (Washington, Pyongyang, a patron such as Beijing or Moscow,
an ally such as Seoul or Tokyo), sharing :class:`Actor`.  Each ``step`` reads
the state of the world at the start of the month, calls the rules of
:mod:`parley.rules`, and writes its moves into ``model.acts`` (the month's
typed record, :class:`parley.acts.Acts`) or ``model.state`` (its own slow
variables).  Agents draw randomness only through ``model.draws`` (see
:mod:`parley.randomness`).  A role is a class here with its ``role`` name and
:data:`ROLE_CLASSES` lists them in the order they act each month.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from parley._mesa import mesa
from parley.params import TINY
from parley.rules import allies, engagement, patrons, provocation, sanctions, talks
from parley.rules import washington as us_rules
from parley.rules.talks import Talks

if TYPE_CHECKING:
    from parley.model import NegotiationModel


class Actor(mesa.Agent):
    """An actor with a stance: parameter name -> float array over worlds, str or bool."""

    role = "actor"
    model: NegotiationModel

    def __init__(self, model: NegotiationModel, name: str, stance: dict[str, Any]):
        super().__init__(model)
        self.name = name
        self.stance = stance

    def draw(self, decision: str) -> np.ndarray:
        """This month's fixed random slot for one of this actor's decisions."""
        return self.model.draws.uniform(f"{self.name}.{decision}", self.model.month)

    def set_stance(self, updates: dict[str, Any]) -> None:
        """Apply a scheduled change of stance (an event) to every world."""
        n = self.model.n_worlds
        for key, val in updates.items():
            is_number = isinstance(val, int | float) and not isinstance(val, bool)
            self.stance[key] = np.full(n, float(val)) if is_number else val

    def set_stance_where(self, worlds: np.ndarray, updates: dict[str, Any]) -> None:
        """Change numeric stances in some worlds only (a condition that fired there)."""
        for key, val in updates.items():
            self.stance[key] = np.where(worlds, float(val), self.stance[key])


class Washington(Actor):
    """The US administration: offers, sanctions, relief, red lines, bold moves."""

    role = "washington"

    def step(self) -> None:
        m, s, a, st = self.model, self.model.state, self.model.acts, self.stance
        c = m.constants.washington
        a.attention = us_rules.attention(st, c, s.crisis_left, m.month, m.horizon)
        a.bold = us_rules.bold_move(self.draw("bold_move"), st, s.talks, a.attention)
        a.bold_kind = us_rules.bold_move_kind(self.draw("bold_kind"))
        s.bold_credit = np.where(a.bold, c.bold_credit, s.bold_credit)
        a.flexibility = us_rules.us_flexibility(st, c, s.bold_credit, s.ally_push)
        opener = a.bold & (s.talks == Talks.NO_CONTACT)  # a bold move offered as an opener
        a.offer = us_rules.offers_talks(self.draw("offer"), st, a.attention, s.talks) | opener
        change = sanctions.sanctions_change(st, m.constants.sanctions, s.talks, s.deal)
        s.sanctions = np.clip(s.sanctions + change, 0, 1)


class Pyongyang(Actor):
    """North Korea: tests, evasion, capability, acceptance, outreach, walkouts."""

    role = "pyongyang"

    def step(self) -> None:
        m, s, a, st = self.model, self.model.state, self.model.acts, self.stance
        c = m.constants
        mult = provocation.provocation_multiplier(st, c.provocation, s.tension, s.talks,
                                                  s.pressure)
        rate = np.clip(st["test_month_rate"] * mult, 0.0, 1.0)
        a.tests = provocation.missile_tests(self.draw("test_month"), self.draw("test_count"),
                                            rate, st["tests_per_test_month"], c.provocation)
        a.icbm, a.irbm = provocation.classify_tests(self.draw("icbm"), self.draw("irbm"),
                                                    a.tests, st)
        a.nuclear = provocation.nuclear_test(self.draw("nuclear"), st, mult)
        s.evasion = s.evasion + sanctions.evasion_growth(st, c.sanctions, s.evasion, s.pressure)
        s.capability = provocation.capability_after(st, s.capability)
        self._engage(m, s, a, st)
        a.walkout = talks.walks_out(self.draw("walkout"), st, c.talks, s.talks, s.talks_months,
                                    s.relief)

    def _engage(self, m, s, a, st) -> None:
        """Whether Pyongyang is willing, takes up an offer, reaches out to a leader."""
        us, c = m.washington.stance, m.constants.engagement
        gap = engagement.concession_gap(us, st, c, s.bold_credit)
        a.margin = engagement.engagement_margin(
            st, c, relief=sanctions.relief_on_offer(us, m.constants.sanctions),
            flexibility=a.flexibility, press=s.press,
            pressure_change=s.pressure - m.start_pressure,
            gap=gap, lifeline=s.lifeline, capability_gain=s.capability - m.world["capability"],
            tension_rise=s.tension - m.world["tension"], bold_credit=s.bold_credit,
            dialogue=s.dialogue)
        a.willing = engagement.engages(a.margin)
        a.accept = engagement.accepts_talks(self.draw("accept"), c, a.offer, a.margin)
        a.flatter = engagement.flatters_leader(self.draw("flatter"), st, us, s.talks,
                                               gap <= TINY)


class Patron(Actor):
    """A patron of Pyongyang (Beijing; Moscow as a second): enforcement, spoiling, pressing."""

    role = "patron"

    def step(self) -> None:
        m, s, a, st = self.model, self.model.state, self.model.acts, self.stance
        c = m.constants.patrons
        spoiler = patrons.is_spoiler(st, s.us_china)
        a.spoilers.append((self.name, spoiler))
        a.unenforced = a.unenforced + patrons.unenforced(st, c, spoiler, s.talks)
        a.lifeline = a.lifeline + patrons.lifeline(st, spoiler)
        a.press = a.press + patrons.presses_pyongyang(st, m.washington.stance, c, spoiler)
        s.sanctions = patrons.un_easing(st, s.sanctions, spoiler)


class Ally(Actor):
    """A US ally (Seoul; Tokyo as a second): inter-Korean dialogue, lobbying Washington."""

    role = "ally"

    def step(self) -> None:
        m, a, st, c = self.model, self.model.acts, self.stance, self.model.constants.allies
        us = m.washington.stance
        dialogue = allies.inter_korean_dialogue(self.draw("dialogue"), st, us, c, m.state.talks)
        a.dialogue = a.dialogue | dialogue
        a.dialogues.append((self.name, dialogue))
        a.ally_push = a.ally_push + allies.ally_push(st, us, c)


#: role -> its class, in the order the roles act each month (a new role registers here)
ROLE_CLASSES: dict[str, type[Actor]] = {
    cls.role: cls for cls in (Washington, Pyongyang, Patron, Ally)
}


def activation_order(actors: list[Actor]) -> list[Actor]:
    """The month's order: by role (as listed in ROLE_CLASSES), then by name."""
    roles = list(ROLE_CLASSES)
    return sorted(actors, key=lambda a: (roles.index(a.role), a.name))
