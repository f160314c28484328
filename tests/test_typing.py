"""``mypy --strict`` on the public API (issue 21).

The stated subset: ``parley/__init__.py``, ``parley/experiments/api.py``,
``parley/outputs/api.py`` (the two halves of the API), ``parley/errors.py``,
``parley/defaults.py``, ``parley/results/shown.py`` (the results' repr) and the library
modules written for the API's commands (``experiments/chronicle.py``,
``experiments/validate.py``, ``outputs/checked.py``).  ``--follow-imports=silent``:
what they import is read for its types, but only the subset is held to ``--strict``.
In the same run a user's script that misuses the API must be caught, so the annotations
do reach a caller (``py.typed``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

# real interpreters on whole scripts (or mypy over the package): the slow lane
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "parley"
SUBSET = ["__init__.py", "experiments/api.py", "errors.py", "defaults.py",
          "experiments/chronicle.py", "experiments/validate.py", "outputs/checked.py",
          "outputs/api.py", "results/shown.py"]
FLAGS = ["--strict", "--follow-imports=silent", "--no-error-summary", "--show-error-codes"]

MISUSE = '''\
import parley

result = parley.run("parley:biden", runs="many")
rows: int = parley.validate("scenarios").files
parley.chronicle("parley:biden").no_such_field
ok: list[str] = parley.chronicle("parley:biden").lines
'''
#: the lines of MISUSE mypy must flag, and the error code of each
CAUGHT = {3: "arg-type", 4: "assignment", 5: "attr-defined"}


def test_the_subset_is_strict_clean_and_a_misuse_is_caught(tmp_path):
    pytest.importorskip("mypy", reason="mypy is in the test extra: pip install -e '.[test]'")
    user = tmp_path / "user_script.py"
    user.write_text(MISUSE, encoding="utf-8")
    env = {**os.environ, "MYPYPATH": str(ROOT / "src")}
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", *FLAGS, "--cache-dir", str(tmp_path / "cache"),
         *(str(SRC / f) for f in SUBSET), str(user)],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=600, check=False)
    lines = [ln for ln in proc.stdout.splitlines() if ": error:" in ln]
    in_subset = [ln for ln in lines if not ln.startswith(str(user))]
    assert not in_subset, "\n".join(in_subset)
    found = {}
    for ln in lines:
        m = re.match(rf"{re.escape(str(user))}:(\d+): error: .*\[([\w-]+)\]$", ln)
        assert m, ln
        found[int(m.group(1))] = m.group(2)
    assert found == CAUGHT, proc.stdout + proc.stderr
