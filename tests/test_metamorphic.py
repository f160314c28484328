"""Metamorphic relations of the model (docs/MONOTONE.md): change one input, same worlds.

Each relation runs a scenario twice on the same run seeds (common random
numbers: every decision meets the same draw in both runs), once with a low and
once with a high value of one input, and checks the claimed direction:

* ``exact``: the mechanism guarantees it world by world (before the first talks
  the two runs share their path), so every world must move the claimed way or
  not at all;
* ``paired``: paths diverge, so the claim is about the mean.  The test fails when
  the one-sided 99% lower bound of the paired difference, taken in the claimed
  direction, is below ``-tol``.  With N = 2,000 worlds the bound sits 2.33
  standard errors below the estimate and a paired SE is at most
  sqrt(share of worlds that differ / N) <= 0.022 for a probability.  Most
  relations have an effect of ten or more standard errors at this N, so a
  reversed mechanism fails by far; the effects and the few weaker ones (a red
  line's collapses, Seoul's engagement) are listed in docs/MONOTONE.md.

A relation on a parameter that a redesign removes is skipped with the reason.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from parley.model import NegotiationModel
from parley.randomness import run_seeds
from parley.scenario import build_scenario, with_values
from parley.scenario_files import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
N = 2000
SEEDS = run_seeds(20260, range(N))
Z99 = 2.326


@dataclass(frozen=True)
class Relation:
    scenario: str
    path: str
    low: Any
    high: Any
    outcome: str
    direction: int  # +1: the outcome never falls as the input goes low -> high
    exact: bool
    tol: float = 0.01

    @property
    def id(self) -> str:
        sign = "raises" if self.direction > 0 else "lowers"
        return f"{self.scenario}:{self.path}:{sign}:{self.outcome}"


RELATIONS = [
    # Washington's flexibility and outreach open talks (before the first talks they
    # change only offers and their acceptance, so world by world)
    Relation("biden", "washington.outreach_rate", 0.1, 0.5, "talks_resumed", +1, True),
    Relation("trump_yeo", "washington.outreach_rate", 0.1, 0.5, "talks_resumed", +1, True),
    Relation("biden", "washington.relief_precondition", "substantial_disarmament",
             "fissile_freeze", "talks_resumed", +1, True),
    Relation("biden", "washington.sequencing", "all_upfront", "phased", "talks_resumed", +1, True),
    Relation("biden", "washington.personal_diplomacy", False, True, "talks_resumed", +1, True),
    Relation("biden", "washington.sanctions_policy", "tighten", "hold", "talks_resumed", +1,
             False),
    # the engagement margin: a lower threshold means willing in more months (biden's talks
    # are live only below 0.4: its margin rarely exceeds 0.4)
    Relation("biden", "pyongyang.attitude_threshold", 0.4, 0.0, "talks_resumed", +1, True),
    Relation("trump_oh", "pyongyang.attitude_threshold", 0.8, 0.4, "talks_resumed", +1, True),
    # Kim's outreach acts only with relief within reach (trump_oh, sanders; in trump_yeo it
    # is out of reach: test_flattery_is_inert_without_relief_in_reach)
    Relation("trump_oh", "pyongyang.flattery_outreach", 0.05, 0.5, "talks_resumed", +1, True),
    # the engagement margin's other terms (docs/MODEL.md, 'Engagement rule'): relief within
    # reach of what Pyongyang will give, a patron pressing for a phased deal and a peace
    # regime enter the margin only, so before the first talks paths are shared
    Relation("warren", "pyongyang.max_concession", 0.1, 0.6, "talks_resumed", +1, True),
    Relation("trump_oh", "pyongyang.max_concession", 0.1, 0.6, "talks_resumed", +1, True),
    Relation("warren", "beijing.phased_affinity", 0.0, 1.0, "talks_resumed", +1, True),
    Relation("biden", "washington.peace_regime_goal", False, True, "talks_resumed", +1, True),
    # Oh's bold opener, and a spoiler's lifeline as Pyongyang's outside option (bold relief
    # and a spoiler's laxer enforcement change pressure, so paths diverge)
    Relation("trump_oh", "washington.bold_move_rate", 0.0, 0.3, "talks_resumed", +1, False),
    Relation("trump_oh", "beijing.spoiler_threshold", 0.3, 0.95, "talks_resumed", +1, False),
    # distraction crowds out talks (a crisis-free world is attention's upper bound)
    Relation("biden", "shocks.us_crisis_rate", 0.0, 0.2, "talks_resumed", -1, True),
    Relation("trump_yeo", "washington.crisis_distraction", 0.0, 1.0, "talks_resumed", -1, True),
    # (warren: the only first term whose talks still open in the election year; a few worlds)
    Relation("warren", "washington.election_year_drag", 0.0, 1.0, "talks_resumed", -1, True),
    # provocation never lowers crises or tension
    Relation("biden", "pyongyang.test_month_rate", 0.2, 0.6, "crisis", +1, False),
    Relation("trump_oh", "pyongyang.test_month_rate", 0.2, 0.6, "crisis", +1, False),
    Relation("biden", "pyongyang.test_month_rate", 0.2, 0.6, "tests", +1, False, tol=0.5),
    Relation("biden", "pyongyang.nuclear_test_rate", 0.01, 0.1, "crisis", +1, False),
    Relation("trump_oh", "pyongyang.nuclear_test_rate", 0.01, 0.1, "crisis", +1, False),
    Relation("biden", "pyongyang.nuclear_test_rate", 0.01, 0.1, "final_tension", +1, False,
             tol=0.005),
    Relation("biden", "washington.military_option", False, True, "crisis", +1, True),
    Relation("trump_oh", "pyongyang.restraint_in_talks", 0.3, 0.95, "tests", -1, False, tol=0.5),
    # weaker enforcement, evasion and a spoiler lower effective pressure
    Relation("biden", "beijing.enforcement", 0.3, 0.9, "final_sanctions_pressure", +1, False,
             tol=0.005),
    Relation("trump_oh", "beijing.enforcement", 0.3, 0.9, "final_sanctions_pressure", +1, False,
             tol=0.005),
    Relation("biden", "pyongyang.evasion_growth", 0.0, 0.05, "final_sanctions_pressure", -1,
             False, tol=0.005),
    Relation("trump_oh", "beijing.spoiler_threshold", 0.3, 0.95, "final_sanctions_pressure", +1,
             False, tol=0.005),
    # once talks run: patience, bold moves, legacy, concessions, capability
    Relation("trump_oh", "pyongyang.walkout_patience", 3, 24, "months_in_talks", +1, False,
             tol=0.5),
    Relation("trump_oh", "washington.bold_move_rate", 0.0, 0.3, "relief_granted", +1, False),
    Relation("trump_oh", "washington.legacy_drive", 0.3, 0.9, "summit_held", +1, False),
    Relation("sanders", "pyongyang.max_concession", 0.1, 0.6, "freeze_deal", +1, False),
    # capability gained lowers the engagement margin (Oh, 'Third'): fewer talks, hence
    # more months of unrestrained testing and no talks to ease tension
    Relation("trump_oh", "pyongyang.capability_growth", 0.0, 0.05, "talks_resumed", -1, False),
    Relation("trump_oh", "pyongyang.capability_growth", 0.0, 0.05, "crisis", +1, False),
    # leverage: tension and pressure above their neutral points raise test rates (the
    # direction error of issue 9, fixed by the redesign)
    Relation("biden", "pyongyang.leverage_sensitivity", 0.0, 3.0, "tests", +1, False, tol=0.5),
    # a red line ends talks on a breach: never fewer collapses (issue 9 found trump_yeo
    # reversed; nil there now, clearly up in trump_oh)
    Relation("trump_yeo", "washington.red_line", "none", "icbm", "collapses", +1, False,
             tol=0.02),
    # trump_oh: +0.006 +- 0.009 before Moscow's council shield (r3-roles), -0.0055 +- 0.0086
    # with it (-0.0035 +- 0.0044 at 8,000 worlds): nil, as in trump_yeo, since a shielded
    # Pyongyang under less pressure tests less and breaches less; at SE 0.0086 a tolerance
    # of 0.03 still fails a reversal twice the size issue 9 found (-0.014)
    Relation("trump_oh", "washington.red_line", "none", "icbm", "collapses", +1, False,
             tol=0.03),
    Relation("sanders", "seoul.engagement", 0.0, 0.8, "final_tension", -1, False, tol=0.005),
    Relation("biden", "world.us_china_drift", -0.02, 0.03, "final_us_china_tension", +1, True),
]

_loaded: dict[str, Any] = {}


def scenario(name: str):
    if name not in _loaded:
        _loaded[name] = load_scenario(SCENARIOS / f"{name}.yaml")
    return _loaded[name]


def variant(name: str, path: str, value: Any):
    """The scenario with one value set (a relation on a parameter that no longer exists
    fails: a skipped relation is a test that cannot fail)."""
    return with_values(scenario(name), {path: value})


def outcomes(spec) -> dict[str, np.ndarray]:
    return NegotiationModel(scenario=spec, seeds=SEEDS, narrate=False).run().outcomes()


def check(rel: Relation) -> None:
    low = outcomes(variant(rel.scenario, rel.path, rel.low))[rel.outcome]
    high = outcomes(variant(rel.scenario, rel.path, rel.high))[rel.outcome]
    diff = rel.direction * (high.astype(float) - low.astype(float))
    if rel.exact:
        worst = int(np.argmin(diff))
        assert diff[worst] >= 0, (f"{rel.id}: world {worst} moves against the claim "
                                  f"({low[worst]} -> {high[worst]})")
        assert diff.sum() > 0, f"{rel.id}: no world moves at all (the mechanism is inert)"
        return
    mean, se = diff.mean(), diff.std(ddof=1) / np.sqrt(N)
    assert mean - Z99 * se >= -rel.tol, (f"{rel.id}: paired difference {mean:+.4f} +- {se:.4f} "
                                         f"(99% lower bound below -{rel.tol})")


@pytest.mark.parametrize("rel", RELATIONS, ids=lambda r: r.id)
def test_monotone_relation(rel: Relation):
    check(rel)


def test_flattery_reaches_only_the_leader_the_text_names():
    # Yeo, 'Prospects': Kim may reach out to a Trump he thinks he can flatter; Sanders is
    # not that leader, so the outreach rate changes nothing in his worlds
    low = outcomes(variant("sanders", "pyongyang.flattery_outreach", 0.05))
    high = outcomes(variant("sanders", "pyongyang.flattery_outreach", 0.5))
    for key, arr in low.items():
        assert np.array_equal(arr, high[key]), key


def test_kims_outreach_to_yeos_trump_opens_talks_more_when_relief_is_within_reach():
    # trump_yeo asks substantial disarmament first: the outreach rarely bridges the gap,
    # but it can (a concession that meets the ask has a chance); nearer the ask, more
    low = outcomes(variant("trump_yeo", "pyongyang.flattery_outreach", 0.0))
    high = outcomes(variant("trump_yeo", "pyongyang.flattery_outreach", 0.5))
    gain = high["talks_resumed"].mean() - low["talks_resumed"].mean()
    assert gain > 0
    near = {"washington.relief_precondition": "verifiable_irreversible_steps"}
    rates = [with_values(scenario("trump_yeo"), {**near, "pyongyang.flattery_outreach": r})
             for r in (0.0, 0.5)]
    near_off, near_on = (outcomes(sc)["talks_resumed"].mean() for sc in rates)
    assert near_on - near_off > gain


def _with_horizon(name: str, months: int):
    raw = copy.deepcopy(scenario(name).resolved)
    raw["horizon"]["months"] = months
    return build_scenario(raw, f"{name} over {months} months")


@pytest.mark.parametrize("name,grows", [("biden", False), ("sanders", True), ("trump_oh", True)])
def test_a_longer_horizon_never_lowers_talks(name, grows):
    # biden: no talks open after its first 17 months (its margin only falls as capability
    # and tension grow), so 12 more months add none; the others gain worlds
    short, long_ = outcomes(_with_horizon(name, 48)), outcomes(_with_horizon(name, 60))
    assert np.all(long_["talks_resumed"] >= short["talks_resumed"])
    if grows:
        assert long_["talks_resumed"].sum() > short["talks_resumed"].sum()


def test_a_second_term_run_is_a_prefix_of_a_longer_one():
    # no election year, so the first 48 months of a 60-month term are the 48-month term:
    # every "ever" outcome and every tally can only grow
    if not scenario("trump_oh").actors["washington"].value("no_reelection_pressure"):
        pytest.skip("trump_oh is no longer a second term")
    short, long_ = outcomes(_with_horizon("trump_oh", 48)), outcomes(_with_horizon("trump_oh", 60))
    for key in ("talks_resumed", "summit_held", "freeze_deal", "relief_granted", "crisis",
                "tests", "icbm_tests", "nuclear_tests", "months_in_talks", "collapses"):
        assert np.all(long_[key] >= short[key]), key
    started = short["first_talks_month"] > 0
    assert np.array_equal(long_["first_talks_month"][started], short["first_talks_month"][started])


def test_a_range_of_one_point_is_the_point():
    spec = scenario("trump_oh")
    path, value = "washington.legacy_drive", 0.8
    point = outcomes(with_values(spec, {path: value}))
    degenerate = outcomes(with_values(spec, {path: [value, value]}))
    for key, arr in point.items():
        assert np.array_equal(arr, degenerate[key]), key


def test_an_inert_ally_changes_nothing():
    # adding an actor adds draw streams but shifts none of the others (counter-based draws)
    spec = scenario("sanders")
    raw = copy.deepcopy(spec.resolved)
    allies = [name for name, a in spec.actors.items() if a.role == "ally"]
    if not allies:
        pytest.skip("sanders has no ally to copy")
    inert = copy.deepcopy(raw["actors"][allies[0]])
    for key, val in inert.items():
        if isinstance(val, dict) and "value" in val and key in ("engagement",
                                                                "presses_flexibility"):
            inert[key] = {"value": 0.0, "assumption": "an ally that does nothing (a test)"}
    raw["actors"]["inert_ally"] = inert
    base, with_ally = outcomes(spec), outcomes(build_scenario(raw, "sanders + inert ally"))
    for key, arr in base.items():
        assert np.array_equal(arr, with_ally[key]), key
