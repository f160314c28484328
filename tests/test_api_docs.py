"""docs/API.md's examples, each run from its own file as the script it shows (issue 21).

Every ```python block of docs/API.md is written to a file and run with ``python FILE.py``
from the project's folder (the examples name ``scenarios/...``), in a fresh interpreter on
the parley under test; each must exit 0 with no traceback.  A block may opt out only with
a visible first line ``# not run: <why>``.  The examples keep their run counts small (the
AST check below), and together they call every function of the API.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import parley
from docblocks import code_blocks

# real interpreters on whole scripts (or mypy over the package): the slow lane
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
API_DOC = ROOT / "docs" / "API.md"
OPT_OUT = "# not run:"
#: the largest count an example may ask for, per keyword (the docs run in every CI)
SMALL = {"runs": 400, "runs_per_point": 100, "samples": 16, "worlds": 16, "sims": 200,
         "permutations": 16, "parameter_draws": 4}


def blocks() -> list[str]:
    return code_blocks(API_DOC.read_text(encoding="utf-8"), "python")


def runnable() -> list[tuple[int, str]]:
    return [(i, b) for i, b in enumerate(blocks()) if not b.startswith(OPT_OUT)]


def test_every_fenced_example_is_python_and_each_opt_out_says_why():
    text = API_DOC.read_text(encoding="utf-8")
    fences = re.findall(r"^```(\w*)\n", text, re.M)
    # every fence that opens a block is ```python (a bare ``` closes one)
    opening = fences[::2]
    assert opening and set(opening) == {"python"}, opening
    for block in blocks():
        if block.startswith(OPT_OUT):
            reason = block.splitlines()[0][len(OPT_OUT):].strip()
            assert len(reason.split()) >= 3, f"an opt-out must say why: {block[:80]!r}"


def test_the_examples_keep_their_run_counts_small():
    for index, block in runnable():
        for node in ast.walk(ast.parse(block)):
            if isinstance(node, ast.keyword) and node.arg in SMALL:
                value = node.value
                assert isinstance(value, ast.Constant), (index, node.arg)
                assert value.value <= SMALL[node.arg], (index, node.arg, value.value)
            if isinstance(node, ast.Call) and _called(node) in ("run", "compare", "hindcast",
                                                                "forecast", "explain"):
                given = {k.arg for k in node.keywords}
                assert "runs" in given, f"example {index}: parley.{_called(node)} without runs="


def _called(node: ast.Call) -> str | None:
    f = node.func
    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "parley":
        return f.attr
    return None


def test_the_examples_call_every_api_function_and_the_table_lists_each():
    called = {_called(n) for _, b in runnable() for n in ast.walk(ast.parse(b))
              if isinstance(n, ast.Call)}
    from parley import _API_FUNCTIONS

    assert set(_API_FUNCTIONS) <= called, set(_API_FUNCTIONS) - called
    text = API_DOC.read_text(encoding="utf-8")
    for name in _API_FUNCTIONS:
        assert f"| `parley.{name}(" in text, f"docs/API.md's table has no row for {name}"
    assert 'if __name__ == "__main__":' in text and "## Files and paths" in text
    assert "paths=True" in text


@pytest.mark.parametrize("index", [i for i, _ in runnable()])
def test_each_example_runs_as_a_script_from_its_own_file(tmp_path, index):
    script = tmp_path / f"api_example_{index}.py"
    script.write_text(blocks()[index], encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("PYTHONWARNINGS", None)
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert proc.stdout.strip(), "an example shows what it computes"


def test_the_table_defaults_are_the_functions_defaults():
    """docs/API.md's table writes each default out: it must be the signature's."""
    import inspect

    text = API_DOC.read_text(encoding="utf-8")
    for name in parley.__all__:
        fn = getattr(parley, name)
        if not inspect.isfunction(fn) or f"| `parley.{name}(" not in text:
            continue
        row = re.search(rf"\| `parley\.{name}\((.*?)\)` \|", text).group(1)
        params = inspect.signature(fn).parameters
        for key, shown in re.findall(r"(\w+)=([^,\s\[\].]+)", row):
            if key not in params or shown in ("...",):
                continue
            default = params[key].default
            written = ast.literal_eval(shown) if shown not in ("None",) else None
            assert written == default, f"docs/API.md: {name}({key}={shown}) but the " \
                                       f"function's default is {default!r}"
