"""The actors: Mesa agents whose state variables are arrays over worlds.

One class per role (Washington, Pyongyang, a patron such as Beijing or Moscow,
an ally such as Seoul or Tokyo), sharing :class:`Actor`.  Each ``step`` reads
the state of the world at the start of the month, calls the named rules in
:mod:`parley.rules`, and writes its decisions into ``model.acts`` (this
month's moves) or ``model.state`` (its own slow variables).  Agents draw
randomness only through ``model.draws`` (see :mod:`parley.randomness`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from parley import params as P
from parley import rules as R
from parley._mesa import mesa

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
        dyn = m.dyn
        a["attention"] = R.attention(st, dyn, s.crisis_left, m.month, m.horizon)
        a["bold"] = R.bold_move(self.draw("bold_move"), st, s.talks, a["attention"])
        a["bold_kind"] = R.bold_move_kind(self.draw("bold_kind"))
        s.bold_credit = np.where(a["bold"], dyn["bold_credit"], s.bold_credit)
        a["flexibility"] = R.us_flexibility(st, dyn, s.bold_credit, s.ally_push)
        opener = a["bold"] & (s.talks == R.Talks.NO_CONTACT)  # a bold move offered as an opener
        a["offer"] = R.offers_talks(self.draw("offer"), st, a["attention"], s.talks) | opener
        s.sanctions = np.clip(s.sanctions + R.sanctions_change(st, dyn, s.talks, s.deal), 0, 1)


class Pyongyang(Actor):
    """North Korea: tests, evasion, capability, acceptance, outreach, walkouts."""

    role = "pyongyang"

    def step(self) -> None:
        m, s, a, st = self.model, self.model.state, self.model.acts, self.stance
        dyn = m.dyn
        us = m.washington.stance
        mult = R.provocation_multiplier(st, dyn, s.tension, s.talks, s.pressure)
        rate = np.clip(st["test_month_rate"] * mult, 0.0, 1.0)
        tests = R.missile_tests(self.draw("test_month"), self.draw("test_count"), rate,
                                st["tests_per_test_month"], dyn)
        a["tests"] = tests
        a["icbm"], a["irbm"] = R.classify_tests(self.draw("icbm"), self.draw("irbm"), tests, st)
        a["nuclear"] = R.nuclear_test(self.draw("nuclear"), st, mult)
        s.evasion = s.evasion + R.evasion_growth(st, dyn, s.evasion, s.pressure)
        s.capability = np.minimum(s.capability + st["capability_growth"], 1.0)
        away = R.sits_out(m.draws.uniform(f"{self.name}.sit_out", 0), st)
        gap = R.concession_gap(us, st, dyn, s.bold_credit)
        margin = R.engagement_margin(
            st, us, dyn, flexibility=a["flexibility"], press=s.press,
            pressure_change=s.pressure - m.start_pressure,
            gap=gap, lifeline=s.lifeline, capability_gain=s.capability - m.world["capability"],
            tension_rise=s.tension - m.world["tension"], bold_credit=s.bold_credit,
            dialogue=s.dialogue)
        a["margin"] = margin
        a["willing"] = R.engages(margin) & ~away
        a["accept"] = R.accepts_talks(self.draw("accept"), dyn, a["offer"], margin) & ~away
        a["flatter"] = R.flatters_leader(self.draw("flatter"), st, us, s.talks,
                                         gap <= P.TINY) & ~away
        a["walkout"] = R.walks_out(self.draw("walkout"), st, dyn, s.talks, s.talks_months,
                                   s.relief)


class Patron(Actor):
    """A patron of Pyongyang (Beijing; Moscow as a second): enforcement, spoiling, pressing."""

    role = "patron"

    def step(self) -> None:
        m, s, a, st = self.model, self.model.state, self.model.acts, self.stance
        dyn = m.dyn
        spoiler = R.is_spoiler(st, s.us_china)
        a.setdefault("spoilers", []).append((self.name, spoiler))
        a["unenforced"] = a.get("unenforced", 0.0) + R.unenforced(st, dyn, spoiler, s.talks)
        a["lifeline"] = a.get("lifeline", 0.0) + R.lifeline(st, spoiler)
        a["press"] = a.get("press", 0.0) + R.presses_pyongyang(st, m.washington.stance, dyn,
                                                               spoiler)
        s.sanctions = np.clip(s.sanctions - st["un_easing_push"] * spoiler, 0.0, 1.0)


class Ally(Actor):
    """A US ally (Seoul; Tokyo as a second): inter-Korean dialogue, lobbying Washington."""

    role = "ally"

    def step(self) -> None:
        m, a, st, dyn = self.model, self.model.acts, self.stance, self.model.dyn
        us = m.washington.stance
        dialogue = R.inter_korean_dialogue(self.draw("dialogue"), st, us, dyn, m.state.talks)
        a["dialogue"] = a.get("dialogue", False) | dialogue
        a.setdefault("dialogues", []).append((self.name, dialogue))
        a["ally_push"] = a.get("ally_push", 0.0) + R.ally_push(st, us, dyn)


ROLE_CLASSES: dict[str, type[Actor]] = {
    cls.role: cls for cls in (Washington, Pyongyang, Patron, Ally)
}
