"""The layers of the package (docs/ARCHITECTURE.md), enforced on the source.

Every ``import`` in src/parley, including those inside functions, is read with
``ast`` and checked against the allowed-import table below; process-wide
settings may be made only under ``cli/``; the statistics and the outputs load
without Mesa.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PKG = SRC / "parley"

BASE = {"parley.params", "parley.errors", "parley.outcomes", "parley.safe_yaml",
        "parley.defaults", "parley.forking", "parley.installed"}
SCENARIO = {"parley.scenario", "parley.scenario_files", "parley.schema"}
CORE = {"parley.agents", "parley.model", "parley.narrative", "parley.randomness",
        "parley._draws", "parley._mesa", "parley.acts", "parley.worlds"}
# the only modules that may import Mesa (or what imports it): the kernel, parley.worlds,
# and everything the batch layer runs are Mesa-free
MESA_MODULES = {"parley._mesa", "parley.model", "parley.viz", "parley",  # parley: lazy export
                "parley.cli.viz"}  # `parley viz` serves the page

# layer -> the layers it may import (a layer may always import itself)
ALLOWED = {
    "base": set(),
    "rules": {"base"},  # pure numpy rules and their declared constants (no Mesa)
    "scenario": {"base", "rules"},  # rules: the declared constants a dynamics: section sets
    "core": {"base", "rules", "scenario"},
    "viz": {"base", "rules", "scenario", "core"},
    "analysis": {"base", "rules", "scenario", "root"},  # scenario: calendar helpers (no Mesa)
    "results": {"base", "root"},  # root: parley.__version__ for the manifest
    "experiments": {"base", "rules", "scenario", "core", "analysis", "results", "root"},
    "outputs": {"base", "results", "analysis", "analysis.intervals"},  # analysis: Mesa-free
    "cli": {"base", "rules", "scenario", "core", "viz", "analysis", "results", "experiments",
            "outputs", "root"},
}

# process-wide settings allowed outside cli/, each with its reason
EXEMPT_SETTINGS = {
    # worker processes of parley's own pools leave Ctrl-C to the parent
    ("parley.experiments.executors", "signal.signal"),
    # undoes the start method `import mesa` forces on the whole process
    ("parley._mesa", "multiprocessing.set_start_method"),
    # inside warnings.catch_warnings, single-threaded: the fork's 3.12+ warning about
    # numpy's idle BLAS threads, silenced for the forks of figure workers and pools only
    ("parley.forking", "warnings.filterwarnings"),
}
SETTING_CALLS = {"signal.signal", "set_start_method", "filterwarnings", "simplefilter",
                 "basicConfig", "setLevel", "addHandler", "dictConfig", "fileConfig"}
SETTING_ATTRS = {"monitor_interval"}  # tqdm's process-wide monitor thread


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str:
    if module == "parley":
        return "root"
    if module in BASE:
        return "base"
    if module in SCENARIO:
        return "scenario"
    if module == "parley.rules" or module.startswith("parley.rules."):
        return "rules"
    if module in CORE:
        return "core"
    if module == "parley.viz":
        return "viz"
    if module == "parley.analysis.intervals":
        return "analysis.intervals"
    sub = module.split(".")[1]
    assert sub in ALLOWED, f"{module}: not in any layer; add it to tests/test_architecture.py"
    return sub


def is_module(name: str) -> bool:
    """A Python module or package, or an extension built from a C file (``_draws.c``)."""
    rel = Path(*name.split("."))
    return any((SRC / rel).with_suffix(suffix).is_file() for suffix in (".py", ".c")) \
        or (SRC / rel / "__init__.py").is_file()


def parley_imports(tree: ast.AST) -> set[str]:
    """Every parley module a file imports (``from parley import x`` names module x)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "parley"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] != "parley":
                continue
            subs = {f"{node.module}.{a.name}" for a in node.names}
            found |= {s for s in subs if is_module(s)} or {node.module}
    return found


def external_imports(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def sources() -> list[tuple[str, ast.AST]]:
    return [(module_name(p), ast.parse(p.read_text(encoding="utf-8")))
            for p in sorted(PKG.rglob("*.py")) if p.name != "__main__.py"]


def violations(files: list[tuple[str, ast.AST]]) -> list[str]:
    bad = []
    for module, tree in files:
        if module == "parley":
            continue  # the package's lazy re-exports (by name, on first use)
        mine = layer(module)
        for target in sorted(parley_imports(tree)):
            theirs = layer(target)
            if theirs != mine and theirs not in ALLOWED[mine] and not (
                    theirs == "analysis.intervals" and "analysis" in ALLOWED[mine] | {mine}):
                bad.append(f"{module} ({mine}) imports {target} ({theirs})")
    return bad


def settings_made(files: list[tuple[str, ast.AST]]) -> list[str]:
    bad = []
    for module, tree in files:
        if layer(module) == "cli":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = ast.unparse(node.func)
                last = name.rsplit(".", 1)[-1]
                hit = name if name in SETTING_CALLS else last if last in SETTING_CALLS else None
                if hit and (module, name) not in EXEMPT_SETTINGS:
                    bad.append(f"{module}: {name}(...)")
            elif isinstance(node, ast.Assign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                bad += [f"{module}: {ast.unparse(t)} = ..." for t in targets
                        if isinstance(t, ast.Attribute) and t.attr in SETTING_ATTRS]
    return bad


def test_every_import_follows_the_layer_table():
    assert violations(sources()) == []


def test_a_deliberate_violation_is_caught():
    """The checker itself: the core importing the CLI, analysis importing the model."""
    fake = [("parley.rules", ast.parse("from parley.cli import main")),
            ("parley.analysis.stats", ast.parse("def f():\n    from parley import model")),
            ("parley.outputs.plotting", ast.parse("import parley.experiments.engine"))]
    assert len(violations(fake)) == 3


def test_process_wide_settings_are_made_only_by_the_cli():
    assert settings_made(sources()) == []
    fake = [("parley.experiments.batch", ast.parse("import warnings\n"
                                                    "warnings.filterwarnings('ignore')")),
            ("parley.outputs.progress", ast.parse("import tqdm\ntqdm.tqdm.monitor_interval = 0"))]
    assert len(settings_made(fake)) == 2


def test_library_modules_never_print():
    printing = [module for module, tree in sources()
                if layer(module) not in ("cli", "viz")  # viz: `parley viz` serves the page
                for node in ast.walk(tree)
                if isinstance(node, ast.Call) and ast.unparse(node.func) == "print"]
    assert printing == []


@pytest.mark.parametrize("package", ["analysis", "outputs", "results"])
def test_statistics_outputs_and_results_do_not_import_mesa_in_source(package):
    for module, tree in sources():
        if module.startswith(f"parley.{package}"):
            assert "mesa" not in external_imports(tree), module


def test_importing_analysis_and_outputs_leaves_mesa_unloaded():
    modules = sorted(m for m, _ in sources()
                     if m.startswith(("parley.analysis", "parley.outputs", "parley.results")))
    code = ("import sys\n" + "".join(f"import {m}\n" for m in modules)
            + "print(sorted(m for m in ('mesa', 'parley.model') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"PYTHONPATH": str(SRC), "PATH": ""})
    assert out.stdout.strip() == "[]"


def test_the_cli_starts_without_heavy_imports():
    """`parley --help` and `parley validate FILE` load neither Mesa, scipy, matplotlib
    nor pandas (start-up time is measured in benchmarks/, not here)."""
    root = SRC.parent
    for argv in (["--help"], ["validate", str(root / "scenarios" / "biden.yaml")]):
        code = ("import sys\nfrom parley.cli import main\n"
                f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
                "print('LOADED', sorted(m for m in ('mesa', 'scipy', 'matplotlib', 'pandas')"
                " if m in sys.modules))")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, env={"PYTHONPATH": str(SRC), "PATH": ""}, cwd=root)
        assert out.stdout.strip().splitlines()[-1] == "LOADED []", argv


def test_only_the_mesa_model_and_the_page_import_mesa():
    """Every module but parley.model, parley._mesa and parley.viz (and parley's lazy
    export of NegotiationModel) leaves Mesa alone, at module level or inside a function."""
    mesa_names = {"mesa", "parley._mesa", "parley.model", "parley.viz"}
    importers = set()
    for module, tree in sources():
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n in mesa_names or n.startswith("mesa.") for n in names):
                importers.add(module)
    assert importers - MESA_MODULES == set()
    assert {"parley._mesa", "parley.model", "parley.viz"} <= importers  # the test sees imports


def test_the_batch_kernel_and_a_workers_warm_up_leave_mesa_unloaded():
    """A worker's warm-up imports and one batch of worlds (parley.worlds through the
    engine's simulate) never load Mesa: a spawned worker starts in a fraction of the
    second Mesa's import costs.  NegotiationModel, the Mesa face, does load it."""
    code = ("import sys\nimport numpy as np\n"
            "from parley.experiments.executors import _warm_up\n_warm_up()\n"
            "from parley.experiments.simulate import simulate, Paths, Outcomes\n"
            "from parley.scenario_files import load_scenario\n"
            "sc = load_scenario('scenarios/biden.yaml')\n"
            "simulate(sc, np.arange(50), record={'o': Outcomes(), 'p': Paths()})\n"
            "print('kernel', 'mesa' in sys.modules)\n"
            "import parley.model\nprint('model', 'mesa' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"PYTHONPATH": str(SRC), "PATH": ""}, cwd=SRC.parent)
    assert out.stdout.split() == ["kernel", "False", "model", "True"]


def test_importing_the_model_keeps_the_multiprocessing_start_method():
    code = ("import multiprocessing as mp\nbefore = mp.get_start_method(allow_none=True)\n"
            "import parley.model\nprint(before == mp.get_start_method(allow_none=True))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"PYTHONPATH": str(SRC), "PATH": ""})
    assert out.stdout.strip() == "True"


def test_cli_copies_of_library_constants_agree():
    """The CLI spells a few choices itself so that --help loads no library module."""
    from parley import defaults
    from parley.cli import common, plot, sweep
    from parley.experiments import engine, executors
    from parley.experiments import sweep as sweep_lib
    from parley.outputs import plotting

    # chunk sizes and executor names are read from parley.defaults by both sides
    assert common.defaults is defaults
    assert engine.DEFAULT_CHUNK == defaults.CHUNK and executors.EXECUTORS == defaults.EXECUTORS
    assert sweep.METHODS == sweep_lib.METHODS
    assert sweep.VARY_HELP == sweep_lib.VARY_HELP
    assert plot.FORMATS == plotting.FORMATS


def test_the_top_level_help_lists_every_command_as_its_module_registers_it():
    import argparse

    from parley.cli import COMMANDS, SUMMARIES, build_parser

    assert list(SUMMARIES) == list(COMMANDS)
    for name in COMMANDS:
        action = next(a for a in build_parser(name)._actions
                      if isinstance(a, argparse._SubParsersAction))
        helps = {c.dest: c.help for c in action._choices_actions}
        assert helps[name] == SUMMARIES[name]


def test_the_schema_imports_only_the_parameter_declarations_and_the_error_type():
    tree = dict(sources())["parley.scenario"]
    assert parley_imports(tree) == {"parley.params", "parley.errors", "parley.outcomes",
                                    "parley.rules"}
    assert "mesa" not in external_imports(tree)
