"""Every cited claim is a test (issue 9.2).

Each stance value (or conditional stance) that cites a text declares ``claims``:
the outcome it should move and the direction, or ``nil`` with a reason.  For
every shipped administration scenario this test switches each directional
value to its neutral alternative (``params.NEUTRAL``; a condition is removed)
and checks, on common random numbers (the same WORLDS run seeds on both
sides), that the paired difference cited - neutral has the declared sign with
a 99.9% interval (3.29 standard errors) that excludes zero.  A new cited value
in a scenario is picked up automatically.

The fields a role declares as its own (``params.Role.cited``: Moscow's council shield
and treaty lifeline, Tokyo's pressure and abductions issue) are tested the same way
wherever a shipped file gives them a directional claim, whatever they cite (a seed
text or the dated record), in the examples and the live file too.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

from parley import NegotiationModel
from parley import params as P
from parley.randomness import run_seeds
from parley.scenario import Scenario, build_scenario, with_values
from parley.scenario_files import load_scenario, scenario_files

ROOT = Path(__file__).resolve().parents[1]
WORLDS = 2000  # paired; a 1-point effect on a binary outcome has se <= 0.0035 here
Z = 3.29  # two-sided 99.9%: about one false alarm in 1,000 claims
TEXTS = ("oh2020", "yeo2020")
SCENARIOS = scenario_files([ROOT / "scenarios"])


def cited_claims(sc: Scenario) -> list[tuple[str, object, object]]:
    """(path, stance or condition index, claim) for every text-cited value with claims."""
    out = []
    blocks = [(f"{k}", sc.world) for k in ("world",)] + [("shocks", sc.shocks)]
    blocks += [(name, actor.stances) for name, actor in sc.actors.items()]
    for head, block in blocks:
        for param, stance in block.items():
            if stance.source and stance.source.text in TEXTS:
                out += [(f"{head}.{param}", stance, c) for c in stance.claims]
    for i, cond in enumerate(sc.conditions):
        if cond.source and cond.source.text in TEXTS:
            out += [(f"conditions.{i}", i, c) for c in cond.claims]
    return out


def neutral_variant(sc: Scenario, path: str) -> Scenario:
    if path.startswith("conditions."):
        raw = copy.deepcopy(sc.resolved)
        del raw["conditions"][int(path.split(".")[1])]
        return build_scenario(raw, f"{sc.name} without {path}", sc.path)
    return with_values(sc, {path: P.NEUTRAL[path.split(".")[-1]]}, why="neutral alternative")


def outcomes(sc: Scenario, seeds: np.ndarray) -> dict[str, np.ndarray]:
    return NegotiationModel(scenario=sc, seeds=seeds, narrate=False).run().outcomes()


def paired_effect(cited: np.ndarray, neutral: np.ndarray) -> tuple[float, float]:
    diff = cited.astype(float) - neutral.astype(float)
    return float(diff.mean()), float(diff.std(ddof=1) / np.sqrt(len(diff)) if diff.any() else 0.0)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_text_citation_declares_a_claim_or_nil(path):
    sc = load_scenario(path)
    missing = []
    for head, block in [("world", sc.world), ("shocks", sc.shocks),
                        *[(n, a.stances) for n, a in sc.actors.items()]]:
        for param, stance in block.items():
            if stance.source and stance.source.text in TEXTS and not stance.claims:
                missing.append(f"{head}.{param}")
            for claim in stance.claims:
                if claim.nil is None and param not in P.NEUTRAL:
                    missing.append(f"{head}.{param} (directional claim, but no params.NEUTRAL)")
    assert not missing, f"{path.name}: cited values without claims: {missing}"


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_cited_claims_move_their_outcome_the_declared_way(path):
    sc = load_scenario(path)
    claims = [(p, s, c) for p, s, c in cited_claims(sc) if c.nil is None]
    seeds = run_seeds(20260, range(WORLDS))
    base = outcomes(sc, seeds)
    failures = []
    for where, _, claim in claims:
        other = outcomes(neutral_variant(sc, where), seeds)
        effect, se = paired_effect(base[claim.outcome], other[claim.outcome])
        sign = 1 if claim.direction == "up" else -1
        if not sign * effect - Z * se > 0:
            failures.append(f"{where} -> {claim.outcome} {claim.direction}: "
                            f"{effect:+.4f} (se {se:.4f})")
    assert not failures, f"{path.name}: claims not borne out: {failures}"


ROLE_FILES = scenario_files([ROOT / "scenarios", ROOT / "scenarios" / "examples",
                             ROOT / "scenarios" / "live"])


def role_claims(sc: Scenario) -> list[tuple[str, object]]:
    """(path, claim) for each directional claim on a field a role declares as its own."""
    out = []
    for name, actor in sc.actors.items():
        for param in P.ROLE_DECLS[actor.role].cited:
            stance = actor.stances.get(param)
            if stance is not None:
                out += [(f"{name}.{param}", c) for c in stance.claims if c.nil is None]
    return out


def test_the_role_fields_carry_claims_in_the_shipped_files():
    paths = {f"{p.stem}:{where}" for p in ROLE_FILES for where, _ in role_claims(load_scenario(p))}
    # Moscow's shield (Oh) and treaty (the record), Tokyo's push after tests
    assert {"trump_oh:moscow.council_shield", "trump_2025:moscow.council_shield",
            "trump_2025:moscow.treaty_lifeline", "biden_moscow_tokyo:moscow.council_shield",
            "biden_moscow_tokyo:tokyo.pressure_push"} <= paths


@pytest.mark.parametrize("path", [p for p in ROLE_FILES if role_claims(load_scenario(p))],
                         ids=lambda p: p.stem)
def test_role_field_claims_move_their_outcome_the_declared_way(path):
    sc = load_scenario(path)
    seeds = run_seeds(20260, range(WORLDS))
    base = outcomes(sc, seeds)
    failures = []
    for where, claim in role_claims(sc):
        other = outcomes(neutral_variant(sc, where), seeds)
        effect, se = paired_effect(base[claim.outcome], other[claim.outcome])
        sign = 1 if claim.direction == "up" else -1
        if not sign * effect - Z * se > 0:
            failures.append(f"{where} -> {claim.outcome} {claim.direction}: "
                            f"{effect:+.4f} (se {se:.4f})")
    assert not failures, f"{path.name}: claims not borne out: {failures}"
