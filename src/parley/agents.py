"""The actors, whose state variables are arrays over worlds.

One class per role (Washington, Pyongyang, a patron such as Beijing, Moscow with
rules of its own, an ally such as Seoul, Tokyo with rules of its own), sharing
:class:`Actor`.  Each ``step`` reads
the state of the world at the start of the month, calls the rules of
:mod:`parley.rules`, and writes its moves into ``model.acts`` (the month's
typed record, :class:`parley.acts.Acts`) or ``model.state`` (its own slow
variables).  Agents draw randomness only through ``model.draws`` (see
:mod:`parley.randomness`).

The roles are declared once, in :data:`parley.params.ROLE_DECLS` (stances, agent
class, rules module, the order they act in).  A class here registers itself by its
name when it is defined; :data:`ROLE_CLASSES` matches each declared role to its class
(a role without a class, or a class without a role, fails at import).  The model
steps ``model.order`` and never names a role, so a new role needs a declaration, a
class and a rules module, and no change to the schedule.

The classes here are plain (the batch kernel, :class:`parley.worlds.Worlds`, runs
without Mesa); :class:`parley.model.NegotiationModel` steps the same classes as Mesa
agents (each with ``mesa.Agent`` as a further base: ``parley.model.mesa_twin``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from parley import params as P
from parley.rules import (
    allies,
    engagement,
    japan,
    patrons,
    provocation,
    ripeness,
    russia,
    sanctions,
    talks,
)
from parley.rules import washington as us_rules
from parley.rules.constants import Value, clip
from parley.rules.talks import Talks

if TYPE_CHECKING:
    from parley.worlds import Worlds


#: class name -> an Actor subclass (filled as each class is defined)
_REGISTERED: dict[str, type[Actor]] = {}


class Actor:
    """An actor with a stance: parameter name -> float array over worlds, str or bool."""

    role = "actor"
    model: Worlds

    def __init_subclass__(cls, register: bool = True, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if register:  # not a Mesa twin of a registered class (parley.model)
            _REGISTERED[cls.__name__] = cls

    def __init__(self, model: Worlds, name: str, stance: dict[str, Any]):
        self.model = model
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

    def at_start(self, spoilers: list[tuple[str, np.ndarray]]) -> tuple[Value, Value]:
        """This actor's dent in effective pressure and its lifeline before any month.

        ``spoilers`` holds (name, worlds) of the patrons that spoil at the start, in
        acting order; an actor that spoils appends itself.  Most roles have neither.
        """
        return 0.0, 0.0


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
        s.sanctions = clip(s.sanctions + change, 0, 1)


class Pyongyang(Actor):
    """North Korea: tests, evasion, capability, acceptance, outreach, walkouts."""

    role = "pyongyang"

    def step(self) -> None:
        m, s, a, st = self.model, self.model.state, self.model.acts, self.stance
        c = m.constants
        mult = provocation.provocation_multiplier(st, c.provocation, s.tension, s.talks,
                                                  s.pressure)
        rate = clip(st["test_month_rate"] * mult, 0.0, 1.0)
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
        a.reach = engagement.reach(gap, c)
        a.margin = engagement.engagement_margin(
            st, c, relief=sanctions.relief_on_offer(us, m.constants.sanctions),
            flexibility=a.flexibility, press=s.press,
            pressure_change=s.pressure - m.start_pressure,
            gap=gap, lifeline=s.lifeline, capability_gain=s.capability - m.world["capability"],
            tension_rise=s.tension - m.world["tension"], bold_credit=s.bold_credit,
            dialogue=s.dialogue, reached=a.reach)
        a.willing = engagement.engages(a.margin)
        a.accept = engagement.accepts_talks(self.draw("accept"), c, a.offer, a.margin)
        a.flatter = engagement.flatters_leader(self.draw("flatter"), st, us, s.talks, a.reach)


class Patron(Actor):
    """A patron of Pyongyang (Beijing; Moscow: Russia below): enforcement, spoiling, press."""

    role = "patron"

    def step(self) -> None:
        m, s, a, st = self.model, self.model.state, self.model.acts, self.stance
        c = m.constants.patrons
        spoiler = patrons.is_spoiler(st, s.us_china)
        a.spoilers.append((self.name, spoiler))
        a.unenforced = a.unenforced + patrons.unenforced(st, c, spoiler, s.talks)
        a.lifeline = a.lifeline + patrons.lifeline(st, spoiler)
        a.spoiler_pull = a.spoiler_pull + st["influence"] * spoiler
        a.press = a.press + patrons.presses_pyongyang(st, m.washington.stance, c, spoiler)
        s.sanctions = patrons.un_easing(st, s.sanctions, spoiler)

    def at_start(self, spoilers: list[tuple[str, np.ndarray]]) -> tuple[Value, Value]:
        s, st = self.model.state, self.stance
        spoiler = patrons.is_spoiler(st, s.us_china)
        spoilers.append((self.name, spoiler))
        return (patrons.unenforced(st, self.model.constants.patrons, spoiler, s.talks),
                patrons.lifeline(st, spoiler))


class Russia(Patron):
    """Moscow: a patron that also shields Pyongyang in the Security Council beside a
    spoiling Beijing and may hold a treaty lifeline (:mod:`parley.rules.russia`)."""

    role = "russia"

    def step(self) -> None:
        super().step()  # what any patron does
        m, a, st = self.model, self.model.acts, self.stance
        c = m.constants.russia
        siding = russia.sides_with_spoiler(a.spoilers, m.n_worlds, self.name)
        shield = russia.council_shield(st, c, siding)
        a.shields.append((self.name, shield < 0))
        a.unenforced = a.unenforced + shield + russia.treaty_dent(st, c)
        a.lifeline = a.lifeline + russia.treaty_lifeline(st)

    def at_start(self, spoilers: list[tuple[str, np.ndarray]]) -> tuple[Value, Value]:
        loss, lifeline = super().at_start(spoilers)
        m, st, c = self.model, self.stance, self.model.constants.russia
        siding = russia.sides_with_spoiler(spoilers, m.n_worlds, self.name)
        return (loss + russia.council_shield(st, c, siding) + russia.treaty_dent(st, c),
                lifeline + russia.treaty_lifeline(st))


class Ally(Actor):
    """A US ally (Seoul; Tokyo: Japan below): inter-Korean dialogue, lobbying Washington."""

    role = "ally"

    def step(self) -> None:
        m, a, st, c = self.model, self.model.acts, self.stance, self.model.constants.allies
        us = m.washington.stance
        dialogue = allies.inter_korean_dialogue(self.draw("dialogue"), st, us, c, m.state.talks)
        a.dialogue = a.dialogue | dialogue
        a.dialogues.append((self.name, dialogue))
        a.ally_push = a.ally_push + allies.ally_push(st, us, c)
        a.mediation = a.mediation + ripeness.mediation(st["engagement"],
                                                       st["presses_flexibility"],
                                                       m.constants.ripeness)


class Japan(Ally):
    """Tokyo: an ally that answers tests with pressure of its own and presses the
    abductions issue on Washington (:mod:`parley.rules.japan`)."""

    role = "japan"

    def step(self) -> None:
        super().step()  # what any ally does
        m, s, a, st = self.model, self.model.state, self.model.acts, self.stance
        c = m.constants.japan
        before = s.sanctions
        s.sanctions = japan.after_tests(st, c, s.sanctions, a.tests, a.nuclear)
        a.test_answers.append((self.name, s.sanctions > before))
        a.ally_push = a.ally_push + japan.abductions_push(st, m.washington.stance, c)


def _role_classes() -> dict[str, type[Actor]]:
    """Each declared role (parley.params.ROLE_DECLS) -> its registered class."""
    out: dict[str, type[Actor]] = {}
    for name, decl in P.ROLE_DECLS.items():
        cls = _REGISTERED.get(decl.agent)
        if cls is None or cls.role != name:
            raise TypeError(f"role {name!r} names agent class {decl.agent!r}, which is not "
                            f"an Actor subclass with role = {name!r}")
        out[name] = cls
    stray = {c.role for c in _REGISTERED.values()} - set(out)
    if stray:
        raise TypeError(f"agent classes with undeclared roles: {', '.join(sorted(stray))}")
    return out


#: role -> its class, in the order the roles act each month (the order of ROLE_DECLS)
ROLE_CLASSES: dict[str, type[Actor]] = _role_classes()


def activation_order(actors: list[Actor]) -> list[Actor]:
    """The month's order: by role (as declared in parley.params.ROLE_DECLS), then by name."""
    roles = list(ROLE_CLASSES)
    return sorted(actors, key=lambda a: (roles.index(a.role), a.name))
