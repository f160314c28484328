"""NegotiationModel: the month-by-month schedule over one world or many.

``NegotiationModel(scenario="scenarios/biden.yaml", seed=7)`` steps one world,
as ``mesa.batch_run`` and SolaraViz expect.  ``NegotiationModel(scenario=...,
seeds=array)`` steps one world per seed at once: the batch layer's path.  A
world's path depends only on its own seed, so a world inside a many-world
model ends exactly as the same seed stepped alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from parley import params as P
from parley import rules as R
from parley.agents import ROLE_CLASSES, Actor
from parley.narrative import Narrator
from parley.randomness import SEED_MAX, Draws
from parley.scenario import Scenario, load_scenario, with_values

OUTCOMES = ("talks_resumed", "first_talks_month", "summit_held", "freeze_deal",
            "relief_granted", "crisis", "tests", "icbm_tests", "nuclear_tests",
            "months_in_talks", "collapses", "final_tension", "final_sanctions_pressure",
            "final_us_china_tension", "final_talks_state")
BINARY_OUTCOMES = ("talks_resumed", "summit_held", "freeze_deal", "relief_granted", "crisis")
COUNT_OUTCOMES = ("tests", "icbm_tests", "nuclear_tests", "months_in_talks", "collapses")


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
    # tallies over the run
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
            talks=np.full(n, R.Talks.NO_CONTACT, dtype=np.int64), talks_months=zeros_i.copy(),
            deal=zeros_b.copy(), relief=zeros_b.copy(), relief_size=zeros_f.copy(),
            relief_months=zeros_i.copy(), tests_since_relief=zeros_i.copy(),
            crisis_left=zeros_f.copy(), bold_credit=zeros_f.copy(), ally_push=zeros_f.copy(),
            press=zeros_f.copy(), tests=zeros_i.copy(), icbm_tests=zeros_i.copy(),
            nuclear_tests=zeros_i.copy(), months_in_talks=zeros_i.copy(),
            first_talks_month=zeros_i.copy(), summit_held=zeros_b.copy(),
            freeze_deal=zeros_b.copy(), relief_granted=zeros_b.copy(), crisis=zeros_b.copy(),
            collapses=zeros_i.copy())



class NegotiationModel(mesa.Model):
    """US-DPRK negotiations over a presidential term, one step per month.

    Args:
        scenario: a path to a scenario YAML file, or a loaded Scenario.
        seed: the run seed (one world).  Ignored when ``seeds`` is given.
        seeds: one run seed per world, to step many worlds at once.
        overrides: stance values by path, e.g. ``{"washington.outreach_rate": 0.5}``.
        narrate: keep a month-by-month log of world 0 (default: when one world).
        rng: an integer seed under Mesa's newer name (used when ``seed`` is None).

    The validated scenario is kept as ``model.spec``.
        **stance: overrides written ``actor__param=value`` (for SolaraViz sliders
            and ``mesa.batch_run`` parameter grids).
    """

    def __init__(self, scenario: str | Path | Scenario = "scenarios/trump_oh.yaml",
                 seed: int | None = None, seeds: np.ndarray | None = None,
                 overrides: dict[str, Any] | None = None, narrate: bool | None = None,
                 rng: int | None = None, **stance: Any):
        if seed is None and isinstance(rng, int | np.integer):
            seed = int(rng)  # Mesa >= 3.5 passes the seed as ``rng``
        # rng=, not seed=: Mesa 3.5 warns (FutureWarning) on seed=; 3.3 takes either the same way
        super().__init__(rng=seed if seed is not None else rng)
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        extra = {k.replace("__", "."): v for k, v in stance.items()}
        if overrides or extra:
            scenario = with_values(scenario, {**(overrides or {}), **extra})
        if seeds is None:
            seeds = [seed if seed is not None else int(self.rng.integers(SEED_MAX))]
        self.seeds = np.asarray(seeds, dtype=np.int64)
        if np.any(self.seeds < 0):
            raise ValueError("seeds must be non-negative integers below 2**63")
        self.spec = scenario  # not "scenario": Mesa 3.5 reserves Model.scenario
        self.n_worlds = len(self.seeds)
        self.horizon = scenario.horizon.months
        self.month = 0
        self.draws = Draws(self.seeds)
        self.actors: dict[str, Actor] = {}
        for actor in scenario.actors.values():
            cls = ROLE_CLASSES[actor.role]
            self.actors[actor.name] = cls(self, actor.name, self._stance_arrays(actor))
        self.washington = next(a for a in self.actors.values() if a.role == "washington")
        self.pyongyang = next(a for a in self.actors.values() if a.role == "pyongyang")
        self.order = self._schedule()
        self.shocks = {k: self._value(f"shocks.{k}", v.value)
                       for k, v in scenario.shocks.items()}
        self.world = {k: self._value(f"world.{k}", v.value) for k, v in scenario.world.items()}
        self.state = WorldState.initial(self.world, self.n_worlds)
        self.state.pressure = self._pressure(self._enforcement_loss())
        self.acts: dict[str, Any] = {}
        self.events = {m: [e for e in scenario.events if scenario.month_index(e.month) == m]
                       for m in range(1, self.horizon + 1)}
        self.narrator = Narrator(self) if (narrate if narrate is not None
                                           else self.n_worlds == 1) else None
        self.datacollector = mesa.DataCollector(model_reporters={
            "tension": lambda m: float(m.state.tension.mean()),
            "sanctions_pressure": lambda m: float(m.state.pressure.mean()),
            "us_china_tension": lambda m: float(m.state.us_china.mean()),
            "talks_state": lambda m: float(m.state.talks.mean()),
            "in_talks": lambda m: float(R.in_talks(m.state.talks).mean()),
            "provocations": lambda m: float(np.mean(m.acts.get("tests", 0))),
        })
        # collected after each month only: mesa.batch_run reads row ``steps - 1`` as the end

    # ------------------------------------------------------------ set-up

    def _value(self, key: str, value: Any) -> Any:
        """A stance value as used by the rules: ranges sampled once per world."""
        if isinstance(value, bool | str):
            return value
        if isinstance(value, list):
            u = self.draws.uniform(f"range:{key}", 0)
            return value[0] + u * (value[1] - value[0])
        return np.full(self.n_worlds, float(value))

    def _stance_arrays(self, actor) -> dict[str, Any]:
        return {k: self._value(f"{actor.name}.{k}", s.value) for k, s in actor.stances.items()}

    def _schedule(self) -> list[Actor]:
        """Fixed activation order: Washington, Pyongyang, patrons, allies (by name)."""
        rank = {"washington": 0, "pyongyang": 1, "patron": 2, "ally": 3}
        return sorted(self.actors.values(), key=lambda a: (rank[a.role], a.name))

    # -------------------------------------------------------------- step

    def step(self) -> None:
        """One month: events, world shocks, actors in order, resolution, collection."""
        self.month += 1
        for event in self.events[self.month]:
            self.actors[event.actor].set_stance(event.set)
            if self.narrator:
                self.narrator.event(event)
        self.acts = {}
        self._world_shocks()
        for actor in self.order:
            actor.step()
        self._resolve()
        self.datacollector.collect(self)
        if self.month >= self.horizon:
            self.running = False

    def _world_shocks(self) -> None:
        s, sh, d, m = self.state, self.shocks, self.draws, self.month
        was = s.crisis_left > 0
        s.crisis_left = R.us_crisis_starts(d.uniform("world.us_crisis", m), sh["us_crisis_rate"],
                                           sh["us_crisis_months"], s.crisis_left)
        self.acts["crisis_started"] = (s.crisis_left > 0) & ~was
        s.us_china = R.drift_us_china(s.us_china, self.world["us_china_drift"],
                                      d.uniform("world.us_china_shock", m),
                                      sh["us_china_shock_rate"], sh["us_china_shock_size"])

    def _resolve(self) -> None:
        """Apply the month's moves: red lines, the talks machine, relief, tension, tallies."""
        s, a, m = self.state, self.acts, self.month
        us, dprk = self.washington.stance, self.pyongyang.stance
        u = lambda key: self.draws.uniform(f"talks.{key}", m)  # noqa: E731
        a["breach"] = R.red_line_breached(us, a["icbm"], a["nuclear"], s.capability)
        a["military"] = R.military_response(self.washington.draw("military"), us, a["breach"],
                                            a["nuclear"])
        working_first = us["summit_requires_working_level"]
        a["derail"] = (s.talks == R.Talks.WORKING) & (a["tests"] > 0) & (u("derail") < 0.5)
        a["deal_broken"] = (s.talks == R.Talks.AGREEMENT) & self._freeze_violated(a)
        calm = ~a["breach"] & ~a["military"]  # no new talks in a month of crisis
        invite = a["flatter"] & (not working_first) & calm
        opened = (a["accept"] | (a["flatter"] & working_first)) & calm
        summit_p = 0.25 * us["legacy_drive"] * a["attention"]
        ready = s.talks_months >= (3 if working_first else 1)
        a["to_summit"] = ready & (u("summit") < summit_p) & ~a["derail"]
        a["deal_ok"] = R.deal_possible(us, dprk, s.bold_credit)
        deal_p = np.where(s.talks == R.Talks.SUMMIT, 0.25, 0.10)
        a["to_deal"] = a["deal_ok"] & (u("deal") < deal_p) & ~a["derail"] & ~a["walkout"]
        old = s.talks
        a["months_in_episode"] = s.talks_months
        s.talks = R.advance_talks(old, opened=opened, summit_invite=invite,
                                  to_summit=a["to_summit"], to_deal=a["to_deal"],
                                  breach=a["breach"], derail=a["derail"],
                                  walkout=a["walkout"], deal_broken=a["deal_broken"])
        self._apply_deal_and_relief(old)
        self._update_levels()
        self._tally(old)
        if self.narrator:
            self.narrator.month(old)

    def _freeze_violated(self, a: dict[str, Any]) -> np.ndarray:
        """A freeze covers nuclear tests; from the missile-freeze rung up, missile tests too."""
        covers_missiles = P.LADDER[self.washington.stance["relief_precondition"]] >= 0.5
        return (a["nuclear"] > 0) | ((a["tests"] > 0) if covers_missiles else (a["icbm"] > 0))

    def _apply_deal_and_relief(self, old: np.ndarray) -> None:
        """Relief: granted with a deal or as a bold move; lapses, renews or snaps back."""
        s, a, us = self.state, self.acts, self.washington.stance
        new_deal = (s.talks == R.Talks.AGREEMENT) & (old != R.Talks.AGREEMENT)
        deal_size = R.RELIEF_SIZE[us["relief_form"]] * (0.5 if us["sanctions_linkage"] == "broad"
                                                          else 1.0)
        bold_relief = a["bold"] & (a["bold_kind"] == 0) & ~s.relief & ~new_deal
        granted = new_deal | bold_relief
        size = np.where(new_deal, deal_size, R.BOLD_RELIEF)
        s.deal |= new_deal
        s.relief_size = np.where(granted, s.relief_size * s.relief + size, s.relief_size)
        s.sanctions = np.where(granted, np.maximum(s.sanctions - size, 0.0), s.sanctions)
        s.relief |= granted
        s.relief_months = np.where(granted, 0, s.relief_months + s.relief)
        s.tests_since_relief = np.where(granted, 0, s.tests_since_relief) + a["tests"]
        # a collapse ends the deal; reversible relief (all but a package) snaps back
        ended = (s.talks == R.Talks.COLLAPSE) & (s.deal | s.relief)
        reversible = (us["relief_form"] != "package") | ~s.deal
        snap_back = ended & s.relief & reversible
        # time-limited relief (and a unilateral bold relief) lapses unless renewed
        lapse = R.relief_lapses(us, s.relief & ~ended, s.deal, s.relief_months,
                                s.tests_since_relief)
        back = snap_back | lapse
        s.sanctions = np.where(back, np.minimum(s.sanctions + s.relief_size, 1.0), s.sanctions)
        s.relief_months = np.where(s.relief & ~back, s.relief_months % R.PARTIAL_RELIEF_MONTHS,
                                   0)
        s.deal &= ~ended
        s.relief &= ~(ended | back)
        a["new_deal"], a["snap_back"], a["lapse"] = new_deal, snap_back, lapse
        a["bold_relief"] = bold_relief

    def _enforcement_loss(self) -> np.ndarray:
        """Sanctions left unenforced by the patrons at the start (before any month)."""
        s = self.state
        loss = np.zeros(self.n_worlds)
        for patron in self.actors_of("patron"):
            st = patron.stance
            loss = loss + R.unenforced(st, R.is_spoiler(st, s.us_china), s.talks)
        return loss

    def actors_of(self, role: str) -> list[Actor]:
        return [a for a in self.order if a.role == role]

    def _pressure(self, enforcement_loss: Any) -> np.ndarray:
        """Effective pressure: nominal sanctions, as enforced by patrons, less evasion.

        Oh, 'Third' (evasion) and 'Second' (China's enforcement); Early (2015):
        sanctions fail when third parties keep trading with the target.
        """
        s = self.state
        return s.sanctions * np.clip(1.0 + enforcement_loss, 0.0, 1.0) * (1.0 - s.evasion)

    def _update_levels(self) -> None:
        s, a = self.state, self.acts
        s.sanctions = np.clip(s.sanctions + 0.1 * a["breach"], 0.0, 1.0)
        s.pressure = self._pressure(a.get("unenforced", 0.0))
        s.press = np.broadcast_to(a.get("press", 0.0), s.tension.shape).astype(float)
        s.ally_push = np.broadcast_to(a.get("ally_push", 0.0), s.tension.shape).astype(float)
        s.bold_credit = R.decay_bold_credit(s.bold_credit)
        s.tension = R.update_tension(s.tension, a["tests"], a["icbm"], a["nuclear"],
                                     R.in_talks(s.talks), a.get("dialogue", False), a["bold"],
                                     a["military"])

    def _tally(self, old: np.ndarray) -> None:
        s, a, m = self.state, self.acts, self.month
        talking = R.in_talks(s.talks)
        entered = talking & ~R.in_talks(old)
        s.talks_months = np.where(entered | ~talking, 0, s.talks_months + 1)
        s.first_talks_month = np.where((s.first_talks_month == 0) & talking, m,
                                       s.first_talks_month)
        s.months_in_talks += talking
        s.summit_held |= s.talks == R.Talks.SUMMIT
        s.freeze_deal |= s.talks == R.Talks.AGREEMENT
        s.relief_granted |= s.relief
        s.crisis |= a["military"] | (s.tension >= 0.95)
        s.collapses += (s.talks == R.Talks.COLLAPSE) & (old != R.Talks.COLLAPSE)
        s.tests += a["tests"]
        s.icbm_tests += a["icbm"]
        s.nuclear_tests += a["nuclear"]

    # ----------------------------------------------------------- results

    def run(self) -> NegotiationModel:
        """Step to the end of the horizon."""
        while self.running:
            self.step()
        return self

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

    def outcomes(self) -> dict[str, np.ndarray]:
        """One flat outcome record per world (docs/MODEL.md, 'Outcomes')."""
        s = self.state
        return {
            "talks_resumed": s.first_talks_month > 0,
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
        rec["final_talks_state"] = R.Talks(rec["final_talks_state"]).name.lower()
        return rec
