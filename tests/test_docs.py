"""Docs that cannot drift silently from the code and the CI script."""

from __future__ import annotations

import inspect
from pathlib import Path

from docblocks import code_blocks
from parley import params as P
from parley import rules as R

ROOT = Path(__file__).resolve().parents[1]


def test_every_parameter_is_documented_in_scenarios_md():
    text = (ROOT / "docs" / "SCENARIOS.md").read_text()
    names = {p.name for decls in (*P.ROLES.values(), *P.SECTIONS.values()) for p in decls}
    missing = sorted(n for n in names if f"`{n}`" not in text)
    assert not missing, f"parameters missing from docs/SCENARIOS.md: {missing}"


def test_every_rule_and_constant_is_in_model_md():
    text = (ROOT / "docs" / "MODEL.md").read_text()
    rules = [n for fam in R.FAMILIES for n, f in inspect.getmembers(fam, inspect.isfunction)
             if f.__module__ == fam.__name__ and not n.startswith("_")]
    constants = [n for fam in R.FAMILIES for n in vars(fam) if n.isupper()
                 and not n.startswith("_") and n not in ("STREAMS", "SAYS")]
    missing = sorted(n for n in [*rules, *constants] if n not in text)
    assert not missing, f"rules or constants missing from docs/MODEL.md: {missing}"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    block = code_blocks(readme, "bash")[0]
    commands = [ln for ln in block.splitlines() if ln and not ln.startswith("#")]
    assert len(commands) == 2  # one installs and runs the main job, one runs the tests
    assert "parley compare scenarios/" in commands[0]
    assert commands[1] in (ROOT / ".ci" / "run").read_text()


def test_generated_tables_are_current():
    """docs/MODEL.md's constants and docs/SCENARIOS.md's tables match the declarations."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen", ROOT / "docs" / "gen_param_table.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    for path, named in gen.tables().items():
        text = path.read_text(encoding="utf-8")
        assert gen.replace_tables(text, named, path) == text, (
            f"{path.name} is stale: run python docs/gen_param_table.py --write")


def test_every_modelling_constant_is_in_model_md():
    text = (ROOT / "docs" / "MODEL.md").read_text()
    missing = sorted(n for n in R.DYNAMICS if f"`{n}`" not in text)
    assert not missing, f"constants missing from docs/MODEL.md: {missing}"
