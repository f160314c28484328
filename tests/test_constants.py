"""Every modelling constant is declared beside its rules, not written inline (issue 11.1).

Each rule family (parley/rules/*.py) declares its constants in a frozen dataclass with
``constant(default, low, high, doc, basis)``; ``parley.rules.DYNAMICS`` lists them all.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from parley import NegotiationModel
from parley.randomness import run_seeds
from parley.rules import DYNAMICS, dynamics_defaults
from parley.scenario import ScenarioError, with_values

SRC = Path(__file__).resolve().parents[1] / "src" / "parley"
MODEL_CORE = (*(f"rules/{p.name}" for p in sorted((SRC / "rules").glob("*.py"))),
              "model.py", "worlds.py", "agents.py", "narrative.py", "acts.py")
# Structural numbers: identities, empty counts, flags.  Months in a year are a
# declared constant too (election_year_months, relief_renewal_months).
STRUCTURAL = {0, 1}


def _inline_numbers(path: Path) -> list[tuple[int, object]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    enum_values = {id(n) for cls in ast.walk(tree) if isinstance(cls, ast.ClassDef)
                   and any(getattr(b, "id", "") == "IntEnum" for b in cls.bases)
                   for n in ast.walk(cls)}
    declared = {id(n) for call in ast.walk(tree) if isinstance(call, ast.Call)
                and getattr(call.func, "id", "") == "constant" for n in ast.walk(call)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, int | float)
            and not isinstance(node.value, bool) and node.value not in STRUCTURAL
            and id(node) not in enum_values and id(node) not in declared]


@pytest.mark.parametrize("name", MODEL_CORE)
def test_no_behavioural_number_inline(name):
    found = _inline_numbers(SRC / name)
    assert not found, f"{name}: numbers outside a constant() declaration at (line, value) {found}"


def test_the_check_catches_an_inline_constant(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f(x):\n    return x * 0.9 + 1\n\nk = constant(0.5, 0.2, 0.9, 'doc')\n")
    assert _inline_numbers(bad) == [(2, 0.9)]


def test_every_declaration_is_complete_and_in_range():
    for name, d in DYNAMICS.items():
        assert d.name == name
        assert d.low <= d.default <= d.high, name
        assert d.low < d.high, name
        assert len(d.doc) > 15 and d.basis, name


def test_dynamics_are_used_by_the_model_core():
    text = "".join((SRC / f).read_text() for f in MODEL_CORE)
    # read as an attribute of its family's constants (c.derail_p), or named in a lookup table
    unused = [n for n in DYNAMICS if f".{n}" not in text and f'"{n}"' not in text]
    assert not unused, f"declared but never read: {unused}"


def test_keyword_override_changes_behaviour(trump_oh):
    seeds = run_seeds(3, range(2000))
    low = NegotiationModel(scenario=trump_oh, seeds=seeds, dynamics__summit_p=0.1).run()
    high = NegotiationModel(scenario=trump_oh, seeds=seeds, dynamics__summit_p=0.5).run()
    assert low.constants.talks.summit_p == 0.1 and high.constants.talks.summit_p == 0.5
    # same worlds (common random numbers): the difference is the constant's alone
    assert high.outcomes()["summit_held"].mean() > low.outcomes()["summit_held"].mean() + 0.05


def test_scenario_dynamics_section_sets_a_value_per_world(trump_oh):
    sc = with_values(trump_oh, {"dynamics.derail_p": [0.2, 0.9]})
    model = NegotiationModel(scenario=sc, seeds=run_seeds(1, range(500)))
    derail = model.constants.talks.derail_p
    assert derail.shape == (500,)
    assert 0.2 <= derail.min() < derail.max() <= 0.9
    assert model.constants.talks.summit_p == DYNAMICS["summit_p"].default


def test_dynamics_are_validated(trump_oh):
    with pytest.raises(ScenarioError, match=r"dynamics.derail_p.value: must lie in"):
        with_values(trump_oh, {"dynamics.derail_p": 2.0})
    with pytest.raises(ScenarioError, match="unknown parameter 'no_such'"):
        with_values(trump_oh, {"dynamics.no_such": 0.5})


def test_defaults_reproduce_the_declared_model(trump_oh):
    seeds = run_seeds(4, range(300))
    a = NegotiationModel(scenario=trump_oh, seeds=seeds).run().outcomes()
    explicit = {f"dynamics__{k}": v for k, v in dynamics_defaults().items()}
    b = NegotiationModel(scenario=trump_oh, seeds=seeds, **explicit).run().outcomes()
    for key in a:
        assert np.array_equal(a[key], b[key]), key
