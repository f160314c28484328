"""Worlds: the month-by-month schedule over many worlds at once, with no Mesa.

``Worlds(scenario, seeds=array)`` steps one world per seed at once: the batch
layer's kernel, which its worker processes import without Mesa (whose import,
with pandas, scipy.spatial and networkx, costs about a second and 100 MB a
process).  A world's path depends only on its own seed, so a world inside a
many-world kernel ends exactly as the same seed stepped alone.

:class:`parley.model.NegotiationModel` is this kernel as a Mesa model (its
actors Mesa agents, a DataCollector, one world by default), for ``mesa.batch_run``,
SolaraViz and the chronicle: the same schedule and rules, so the same seed ends
the same way in either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from parley import params as P
from parley import rules
from parley.acts import Acts
from parley.agents import ROLE_CLASSES, Actor, activation_order
from parley.errors import ScenarioError
from parley.narrative import Narrator
from parley.outcomes import BINARY_OUTCOMES, COUNT_OUTCOMES, OUTCOMES  # noqa: F401 (re-exported)
from parley.randomness import Draws
from parley.rules import ModelConstants
from parley.rules.talks import Talks, TalksCode, in_talks
from parley.scenario import Scenario, with_values
from parley.scenario_files import load_scenario


@dataclass
class WorldState:
    """State variables of every world, each an array over worlds."""

    tension: np.ndarray
    sanctions: np.ndarray
    evasion: np.ndarray
    us_china: np.ndarray
    capability: np.ndarray
    pressure: np.ndarray
    talks: np.ndarray
    talks_months: np.ndarray
    deal: np.ndarray
    relief: np.ndarray
    relief_size: np.ndarray
    relief_months: np.ndarray
    tests_since_relief: np.ndarray
    crisis_left: np.ndarray
    bold_credit: np.ndarray
    ally_push: np.ndarray
    press: np.ndarray
    lifeline: np.ndarray
    dialogue: np.ndarray
    stalemate: np.ndarray  # the hurting stalemate (rules.ripeness)
    # tallies over the run
    engaged: np.ndarray
    tests: np.ndarray
    icbm_tests: np.ndarray
    nuclear_tests: np.ndarray
    months_in_talks: np.ndarray
    first_talks_month: np.ndarray
    summit_held: np.ndarray
    freeze_deal: np.ndarray
    relief_granted: np.ndarray
    crisis: np.ndarray
    collapses: np.ndarray

    @classmethod
    def initial(cls, world: dict[str, np.ndarray], n: int) -> WorldState:
        zeros_i = np.zeros(n, dtype=np.int64)
        zeros_f = np.zeros(n)
        zeros_b = np.zeros(n, dtype=bool)
        return cls(
            tension=world["tension"].copy(), sanctions=world["sanctions"].copy(),
            evasion=world["evasion"].copy(), us_china=world["us_china_tension"].copy(),
            capability=world["capability"].copy(),
            pressure=zeros_f.copy(),  # set by the model once its patrons exist
            talks=np.full(n, Talks.NO_CONTACT, dtype=np.int64), talks_months=zeros_i.copy(),
            deal=zeros_b.copy(), relief=zeros_b.copy(), relief_size=zeros_f.copy(),
            relief_months=zeros_i.copy(), tests_since_relief=zeros_i.copy(),
            crisis_left=zeros_f.copy(), bold_credit=zeros_f.copy(), ally_push=zeros_f.copy(),
            press=zeros_f.copy(), lifeline=zeros_f.copy(), dialogue=zeros_b.copy(),
            stalemate=zeros_f.copy(),
            engaged=zeros_b.copy(), tests=zeros_i.copy(), icbm_tests=zeros_i.copy(),
            nuclear_tests=zeros_i.copy(), months_in_talks=zeros_i.copy(),
            first_talks_month=zeros_i.copy(), summit_held=zeros_b.copy(),
            freeze_deal=zeros_b.copy(), relief_granted=zeros_b.copy(), crisis=zeros_b.copy(),
            collapses=zeros_i.copy())



def _per_world(x: Any, shape: tuple[int, ...], dtype: type) -> np.ndarray:
    """A month's sum over actors (an array, or the number 0 when no actor adds to it) as
    an array over worlds of ``dtype``: the array itself when it is one (each month's sum
    is a new array, never changed in place), else a new one."""
    if isinstance(x, np.ndarray) and x.shape == shape and x.dtype == dtype:
        return x
    return np.broadcast_to(x, shape).astype(dtype)


def _checked_world_values(scenario: Scenario, values: dict[str, Any] | None,
                          n: int) -> dict[str, np.ndarray]:
    """Per-world values by path as float arrays of one value per world, or one
    ScenarioError naming every path that is not a numeric stance of the scenario or a
    modelling constant, has the wrong length, or lies outside its declared bounds."""
    if not values:
        return {}
    out: dict[str, np.ndarray] = {}
    problems: list[str] = []
    numeric = {path: decl for path, stance, decl in scenario.stances()
               if isinstance(decl, P.Real) and not isinstance(stance.value, bool | str)}
    numeric.update({f"dynamics.{k}": d for k, d in rules.DYNAMICS.items()})
    for path, raw in values.items():
        decl = numeric.get(path)
        arr = np.asarray(raw, dtype=float)
        if decl is None:
            problems.append(f"world_values: {path}: not a numeric stance of "
                            f"{scenario.name} nor a modelling constant")
        elif arr.shape != (n,):
            problems.append(f"world_values: {path}: needs one value per world ({n}), "
                            f"got shape {arr.shape}")
        elif not np.all((arr >= decl.low) & (arr <= decl.high)):
            problems.append(f"world_values: {path}: values must lie in "
                            f"[{decl.low}, {decl.high}]")
        else:
            out[path] = arr
    if problems:
        raise ScenarioError(problems)
    return out


class Worlds:
    """US-DPRK negotiations over a presidential term, one step per month, in many worlds.

    Args:
        scenario: a path to a scenario YAML file, or a loaded Scenario.
        seeds: one run seed per world (non-negative, below 2**63).
        overrides: stance values by path, e.g. ``{"washington.outreach_rate": 0.5}``.
        narrate: keep a month-by-month log of world 0 (default: when one world).
        stream_seeds: decision name -> alternative seeds (one per world) for that
            decision's draws only (pick-freeze designs; see parley.randomness).
        world_values: numeric stance or modelling-constant values by path
            (``pyongyang.attitude_threshold``, ``dynamics.choice_scale``), one per
            world, set instead of the scenario's: each world under its own parameter
            draw (a sweep's point runs all its draws in one kernel).  A world ends as
            it would in a kernel of the scenario with its values set as single values.

    The validated scenario is kept as ``spec``.  The actors are instances of
    :meth:`actor_class` (plain classes here; Mesa agents in NegotiationModel).
    """

    def __init__(self, scenario: str | Path | Scenario, seeds: Any,
                 overrides: dict[str, Any] | None = None, narrate: bool | None = None,
                 stream_seeds: dict[str, Any] | None = None,
                 world_values: dict[str, Any] | None = None):
        self.running = True
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        if overrides:
            scenario = with_values(scenario, overrides)
        self.seeds = np.asarray(seeds, dtype=np.int64)
        if np.any(self.seeds < 0):
            raise ValueError("seeds must be non-negative integers below 2**63")
        self.spec = scenario  # not "scenario": Mesa 3.5 reserves Model.scenario
        self.n_worlds = len(self.seeds)
        self.horizon = scenario.horizon.months
        self.month = 0
        self.draws = Draws(self.seeds, stream_seeds)
        self.world_values = _checked_world_values(scenario, world_values, self.n_worlds)
        self.actors: dict[str, Actor] = {}
        for actor in scenario.actors.values():
            cls = self.actor_class(actor.role)
            self.actors[actor.name] = cls(self, actor.name, self._stance_arrays(actor))
        self.washington = next(a for a in self.actors.values() if a.role == "washington")
        self.pyongyang = next(a for a in self.actors.values() if a.role == "pyongyang")
        self.order = activation_order(list(self.actors.values()))
        self.shocks = {k: self._value(f"shocks.{k}", v.value)
                       for k, v in scenario.shocks.items()}
        self.world = {k: self._value(f"world.{k}", v.value) for k, v in scenario.world.items()}
        self.constants = self._constants(scenario)
        self.state = WorldState.initial(self.world, self.n_worlds)
        loss, lifeline = self._patrons_at_start()
        self.state.pressure = rules.sanctions.effective_pressure(self.state.sanctions,
                                                           self.state.evasion, loss)
        self.state.lifeline = lifeline
        self.start_pressure = self.state.pressure.copy()
        self.acts = Acts.before_any_month(self.n_worlds)
        self.old_talks = self.state.talks
        at = [scenario.month_index(e.month) for e in scenario.events]
        self.events = {m: [e for e, i in zip(scenario.events, at, strict=True) if i == m]
                       for m in range(1, self.horizon + 1)}
        self.conditions = scenario.conditions
        self.fired = [np.zeros(self.n_worlds, dtype=bool) for _ in self.conditions]
        self.narrator = Narrator(self) if (narrate if narrate is not None
                                           else self.n_worlds == 1) else None

    # ------------------------------------------------------------ set-up

    @staticmethod
    def actor_class(role: str) -> type[Actor]:
        """The class of a role's actors (:data:`parley.agents.ROLE_CLASSES`)."""
        return ROLE_CLASSES[role]

    def _value(self, key: str, value: Any) -> Any:
        """A stance value as used by the rules: ranges sampled once per world (or the
        per-world values ``world_values`` gives)."""
        if key in self.world_values:
            return self.world_values[key].copy()
        if isinstance(value, bool | str):
            return value
        if isinstance(value, list):
            u = self.draws.uniform(f"range:{key}", 0)
            return value[0] + u * (value[1] - value[0])
        # one value for every world: a read-only view of one float (8 bytes, not 8 a world;
        # the same arithmetic), so a rule that wrote into a stance would fail loudly
        return np.broadcast_to(np.float64(value), (self.n_worlds,))

    def _constants(self, scenario: Scenario) -> ModelConstants:
        """Modelling constants: declared defaults, overridden by the scenario's ``dynamics:``.

        A default or a single value stays a float (cheap to broadcast); a range
        is sampled once per world like any stance range.
        """
        values = {name: (self._value(f"dynamics.{name}", stance.value)
                         if isinstance(stance.value, list) else float(stance.value))
                  for name, stance in scenario.dynamics.items()}
        values.update({path.split(".", 1)[1]: v.copy() for path, v in self.world_values.items()
                       if path.startswith("dynamics.")})
        return ModelConstants.build(values)

    def _stance_arrays(self, actor) -> dict[str, Any]:
        return {k: self._value(f"{actor.name}.{k}", s.value) for k, s in actor.stances.items()}

    # -------------------------------------------------------------- step

    def step(self) -> None:
        """One month: the schedule below.  Each step is a few lines."""
        self.month += 1
        self.acts = Acts()
        for step in self.schedule:
            step()
        if self.month >= self.horizon:
            self.running = False

    @property
    def schedule(self) -> tuple[Callable[[], None], ...]:
        """The month, in order: events, the world, each actor, then what follows from them."""
        return (self._scheduled_events, self._world_shocks,
                *(actor.step for actor in self.order),
                self._responses, self._talks, self._relief, self._update_levels, self._tally,
                self._apply_conditions, self._narrate)

    def _scheduled_events(self) -> None:
        for event in self.events[self.month]:
            self.actors[event.actor].set_stance(event.set)
            if self.narrator:
                self.narrator.event(event)

    def _world_shocks(self) -> None:
        s, sh, d, m = self.state, self.shocks, self.draws, self.month
        was = s.crisis_left > 0
        s.crisis_left = rules.world.us_crisis_starts(d.uniform("world.us_crisis", m),
                                               sh["us_crisis_rate"], sh["us_crisis_months"],
                                               s.crisis_left)
        self.acts.crisis_started = (s.crisis_left > 0) & ~was
        friction = rules.world.us_china_friction(self.washington.stance, self.constants.world)
        drift = self.world["us_china_drift"] + friction
        s.us_china = rules.world.drift_us_china(s.us_china, drift,
                                          d.uniform("world.us_china_shock", m),
                                          sh["us_china_shock_rate"], sh["us_china_shock_size"])

    def _responses(self) -> None:
        """Washington's answer to the month's tests: its red line, and force."""
        a, us, c = self.acts, self.washington.stance, self.constants.provocation
        a.breach = rules.provocation.red_line_breached(us, c, a.icbm, a.nuclear,
                                                       self.state.capability)
        a.military = rules.provocation.military_response(self.washington.draw("military"), us,
                                                         c, a.breach, a.nuclear)

    def _talks(self) -> None:
        s, a, c = self.state, self.acts, self.constants
        us = self.washington.stance
        u = lambda key: self.draws.uniform(f"talks.{key}", self.month)  # noqa: E731
        chance = rules.ripeness.opening_chance(s.stalemate, a.mediation, s.capability,
                                               us["legacy_drive"], a.attention, c.ripeness)
        a.ripe = rules.ripeness.opens(u("ripe"), chance, s.talks)
        a.months_in_episode = s.talks_months
        self.old_talks = s.talks
        a.talks = rules.talks.resolve(
            s.talks, s.talks_months, us, c.talks, u_derail=u("derail"), u_summit=u("summit"),
            u_deal=u("deal"), u_spoil=u("spoiled"), tests=a.tests, icbm=a.icbm,
            nuclear=a.nuclear, accept=a.accept, flatter=a.flatter, ripe=a.ripe,
            walkout=a.walkout, breach=a.breach, military=a.military, attention=a.attention,
            # a.reach is engagement.deal_chance of this month's stances and bold credit,
            # as Pyongyang read them when it acted (nothing since changes them)
            deal_chance=a.reach, spoiler_pull=a.spoiler_pull)
        s.talks = a.talks.talks

    def _relief(self) -> None:
        s, a = self.state, self.acts
        r = rules.sanctions.ReliefState(s.sanctions, s.deal, s.relief, s.relief_size,
                                        s.relief_months, s.tests_since_relief)
        a.relief = rules.sanctions.settle_relief(
            r, self.washington.stance, self.constants.sanctions, talks=s.talks,
            old=self.old_talks, bold=a.bold, bold_kind=a.bold_kind, tests=a.tests)
        s.sanctions, s.deal, s.relief = r.sanctions, r.deal, r.relief
        s.relief_size, s.relief_months = r.relief_size, r.relief_months
        s.tests_since_relief = r.tests_since_relief

    def _triggered(self, trig, old: np.ndarray) -> np.ndarray:
        """Worlds where a condition's trigger holds at the end of this month."""
        s, a, sc = self.state, self.acts, self.spec
        start = sc.month_index(trig.from_month) if trig.from_month else 1
        until = sc.month_index(trig.until_month) if trig.until_month else self.horizon
        if not start <= self.month <= until:
            return np.zeros(self.n_worlds, dtype=bool)
        tests = {"any": lambda: a.tests > 0, "irbm": lambda: a.irbm > 0,
                 "icbm": lambda: a.icbm > 0,
                 "multiple_warhead_icbm": lambda: rules.provocation.multiple_warhead_test(
                     self.constants.provocation, a.icbm, s.capability)}
        by_kind = {
            "test": lambda: tests[trig.test_class or "any"](),
            "nuclear_test": lambda: a.nuclear > 0,
            "summit": lambda: (s.talks == TalksCode.SUMMIT) & (old != TalksCode.SUMMIT),
            "collapse": lambda: (s.talks == TalksCode.COLLAPSE) & (old != TalksCode.COLLAPSE),
            "deal": lambda: a.relief.new_deal,
            "relief_granted": lambda: a.relief.new_deal | a.relief.bold_relief,
            "bold_move": lambda: a.bold,
            "tension_above": lambda: s.tension > trig.level,
            "months": lambda: np.ones(self.n_worlds, dtype=bool),
        }
        return np.asarray(by_kind[trig.kind](), dtype=bool)

    def _apply_conditions(self) -> None:
        """Conditional stances: each fires once per world, its change holding from next month."""
        for i, cond in enumerate(self.conditions):
            now = self._triggered(cond.when, self.old_talks) & ~self.fired[i]
            if now.any():
                self.actors[cond.actor].set_stance_where(now, cond.set)
                self.fired[i] |= now
                if self.narrator:
                    self.narrator.condition(cond, now)

    def _narrate(self) -> None:
        if self.narrator:
            self.narrator.month(self.old_talks)

    def _patrons_at_start(self) -> tuple[np.ndarray, np.ndarray]:
        """Sanctions left unenforced, and lifelines, before any month: each actor's own
        (``Actor.at_start``; a role without either gives nothing)."""
        loss, lifeline = np.zeros(self.n_worlds), np.zeros(self.n_worlds)
        spoilers: list[tuple[str, np.ndarray]] = []
        for actor in self.order:
            d_loss, d_life = actor.at_start(spoilers)
            loss, lifeline = loss + d_loss, lifeline + d_life
        return loss, lifeline

    def actors_of(self, role: str) -> list[Actor]:
        return [a for a in self.order if a.role == role]

    def _update_levels(self) -> None:
        s, a, c = self.state, self.acts, self.constants
        s.sanctions = rules.sanctions.after_breach(s.sanctions, c.sanctions, a.breach)
        s.pressure = rules.sanctions.effective_pressure(s.sanctions, s.evasion, a.unenforced)
        shape = s.tension.shape
        s.press = _per_world(a.press, shape, float)
        s.lifeline = _per_world(a.lifeline, shape, float)
        s.dialogue = _per_world(a.dialogue, shape, bool)
        s.ally_push = _per_world(a.ally_push, shape, float)
        s.bold_credit = rules.washington.decay_bold_credit(s.bold_credit, c.washington)
        talking = in_talks(s.talks)
        s.tension = rules.tension.update_tension(s.tension, c.tension, a.tests, a.icbm,
                                                 a.nuclear, talking, a.dialogue,
                                                 a.bold, a.military)
        s.stalemate = rules.ripeness.stalemate_after(s.stalemate, s.tension, talking,
                                                     c.ripeness)

    def _tally(self) -> None:
        s, a, m, old = self.state, self.acts, self.month, self.old_talks
        talking = in_talks(s.talks)
        # the months of an episode go on where talks ran last month too; else 0 (new
        # talks, or none): ``entered | ~talking`` is ``~(talking & in_talks(old))``
        s.talks_months = np.where(talking & in_talks(old), s.talks_months + 1, 0)
        s.first_talks_month = np.where((s.first_talks_month == 0) & talking, m,
                                       s.first_talks_month)
        s.months_in_talks += talking
        s.engaged |= a.willing
        s.summit_held |= s.talks == TalksCode.SUMMIT
        s.freeze_deal |= s.talks == TalksCode.AGREEMENT
        s.relief_granted |= s.relief
        s.crisis |= rules.tension.crisis_month(a.military, a.nuclear)
        s.collapses += (s.talks == TalksCode.COLLAPSE) & (old != TalksCode.COLLAPSE)
        s.tests += a.tests
        s.icbm_tests += a.icbm
        s.nuclear_tests += a.nuclear

    # ----------------------------------------------------------- results

    def run(self, months: int | None = None,
            after_month: Callable[[Worlds], None] | None = None) -> Worlds:
        """Step to the end of the horizon (or to ``months``): the one loop over months.

        ``after_month(model)`` is called after every month (the recorders of
        :func:`parley.experiments.simulate.simulate` read the month there).
        """
        last = self.horizon if months is None else min(months, self.horizon)
        while self.running and self.month < last:
            self.step()
            if after_month is not None:
                after_month(self)
        return self

    def start_in(self, talks: Talks, months_in: int) -> None:
        """Begin every world inside a process already running (an inherited agreement or
        talks): the talks state before the first month, and how long it has run."""
        if talks == Talks.NO_CONTACT:
            return
        s = self.state
        s.talks[:] = talks
        s.talks_months[:] = months_in
        s.deal[:] = talks == Talks.AGREEMENT

    def release(self) -> None:
        """Let a finished model be freed.

        The kernel and its actors refer to each other, so a finished kernel waits
        for the cyclic collector; dropping its per-world arrays now frees them at
        once (a worker that steps many kernels would otherwise hold several dead
        ones' arrays at its peak).
        """
        for actor in self.actors.values():
            actor.__dict__.clear()
        for name in ("state", "acts", "draws", "constants", "world", "shocks", "fired",
                     "world_values", "start_pressure", "old_talks"):
            self.__dict__.pop(name, None)

    def outcomes(self) -> dict[str, np.ndarray]:
        """One flat outcome record per world (docs/MODEL.md, 'Outcomes')."""
        s = self.state
        return {
            "talks_resumed": s.first_talks_month > 0,
            "engaged": s.engaged.copy(),
            "first_talks_month": s.first_talks_month,
            "summit_held": s.summit_held.copy(),
            "freeze_deal": s.freeze_deal.copy(),
            "relief_granted": s.relief_granted.copy(),
            "crisis": s.crisis.copy(),
            "tests": s.tests.copy(),
            "icbm_tests": s.icbm_tests.copy(),
            "nuclear_tests": s.nuclear_tests.copy(),
            "months_in_talks": s.months_in_talks.copy(),
            "collapses": s.collapses.copy(),
            "final_tension": s.tension.copy(),
            "final_sanctions_pressure": s.pressure.copy(),
            "final_us_china_tension": s.us_china.copy(),
            "final_talks_state": s.talks.copy(),
        }

    def outcome_record(self, world: int = 0) -> dict[str, Any]:
        """The outcome record of one world as plain Python values."""
        rec = {k: v[world].item() for k, v in self.outcomes().items()}
        rec["first_talks_month"] = rec["first_talks_month"] or None
        rec["final_talks_state"] = Talks(rec["final_talks_state"]).name.lower()
        return rec

