"""The Python API from a plain script, stdin, ``python -c`` and an interactive session
(issue 21); the examples of docs/API.md run as scripts in tests/test_api_docs.py.

Every case runs a real interpreter (``sys.executable``) on the parley under test and must
print exactly what an in-process run prints: results never depend on whether the job ran
in worker processes or in the caller's process.
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import parley
from parley.experiments import executors

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
SCENARIOS = [str(ROOT / "scenarios" / "sanders.yaml"), str(ROOT / "scenarios" / "biden.yaml")]
NOTE = "parley: running in this process, not in worker processes (same results)"

# The job every case runs, and what it prints: the summary, the comparison and a digest
# of every run's row (so a single differing run fails).
CALL = f"parley.compare({SCENARIOS!r}, runs=200, seed=9, parameter_draws=2{{extra}})"
REPORT = """\
print(result.summary.to_csv(index=False))
print(result.comparison.to_csv(index=False))
print(hashlib.sha256(result.runs.to_csv(index=False).encode()).hexdigest())
"""
HEADER = "import hashlib\nimport parley\n"
# first, where workers would be forked: have them spawned, as off Linux or with threads
SPAWNING = "import parley.forking\nparley.forking.can_fork = lambda: False\n"
# a job's progress callback that notes whether worker processes were running
SEEN = ", jobs=2, progress=lambda n: seen.append(len(multiprocessing.active_children()))"
FORKING = sys.platform.startswith("linux")
linux_only = pytest.mark.skipif(not FORKING, reason="workers are forked only on Linux")


def _script(extra: str = "", first: str = "") -> str:
    """The job at top level, without a main guard (the issue's script)."""
    return first + HEADER + f"result = {CALL.format(extra=extra)}\n" + REPORT


def _watched_script() -> str:
    """:func:`_script` that also says on stderr whether workers ran the job."""
    return ("import multiprocessing\nimport sys\nseen = []\n" + _script(SEEN)
            + "print('workers seen:', max(seen) > 0, file=sys.stderr)\n")


def _guarded_script() -> str:
    """The job under ``if __name__ == "__main__":``, checking that workers ran it."""
    body = ("import multiprocessing\n"
            "seen = []\n"
            f"result = {CALL.format(extra=SEEN)}\n"
            + REPORT
            + "print('workers seen:', max(seen) > 0, file=sys.stderr)\n")
    return (HEADER + "import sys\n\n\ndef main():\n" + textwrap.indent(body, "    ")
            + '\n\nif __name__ == "__main__":\n    main()\n')


def _python(args: list[str], cwd: Path, stdin: str | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    env.pop("PYTHONWARNINGS", None)
    return subprocess.run([sys.executable, *args], input=stdin, capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def expected() -> str:
    """What the job prints when run in this process (executor="serial")."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(_script(', executor="serial"'), "<expected>", "exec"), {})
    return out.getvalue()


def _stderr_of_script(tmp_path: Path, name: str, text: str, expected: str) -> str:
    """Run ``text`` as the script ``name``: it must print what the in-process run prints;
    what it wrote on stderr."""
    script = tmp_path / name
    script.write_text(text, encoding="utf-8")
    proc = _python([str(script)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == expected
    return proc.stderr


def _one_note(stderr: str, reason: str) -> None:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(NOTE) and reason in lines[0], lines[0]
    assert 'if __name__ == "__main__":' in lines[0]


@linux_only
def test_a_script_without_the_main_guard_uses_forked_workers(tmp_path, expected):
    # forked workers import nothing again, so the guard does not matter to them
    stderr = _stderr_of_script(tmp_path, "no_guard.py", _watched_script(), expected)
    assert stderr == "workers seen: True\n"  # no note: the job ran in workers


def test_where_workers_are_spawned_an_unguarded_script_runs_in_process_with_one_note(
        tmp_path, expected):
    stderr = _stderr_of_script(tmp_path, "no_guard.py", _script(first=SPAWNING), expected)
    _one_note(stderr, "no_guard.py calls parley on line 5, outside")


def test_a_call_from_a_thread_of_an_unguarded_script_runs_in_process(tmp_path, expected):
    script = tmp_path / "thread.py"
    body = _script().replace("result = ", "out = {}\ndef job():\n    out['r'] = ", 1)
    script.write_text(body.replace("\nprint(result", "\nimport threading\n"
                                   "t = threading.Thread(target=job)\nt.start()\nt.join()\n"
                                   "result = out['r']\nprint(result", 1), encoding="utf-8")
    proc = _python([str(script)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == expected
    line = "8" if "on line 8," in proc.stderr else "9"  # t.start() or t.join(), as it goes
    _one_note(proc.stderr, f"thread.py calls parley on line {line}, outside")


def test_a_script_with_the_main_guard_uses_worker_processes(tmp_path, expected):
    stderr = _stderr_of_script(tmp_path, "guarded.py", _guarded_script(), expected)
    assert stderr == "workers seen: True\n"  # no note: the job ran in workers


@linux_only
def test_code_from_stdin_uses_forked_workers(tmp_path, expected):
    proc = _python(["-"], tmp_path, stdin=_watched_script())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == expected
    assert proc.stderr == "workers seen: True\n"


def test_where_workers_are_spawned_code_from_stdin_runs_in_process_with_one_note(
        tmp_path, expected):
    proc = _python(["-"], tmp_path, stdin=_script(first=SPAWNING))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == expected
    _one_note(proc.stderr, "__main__ is read from <stdin>")


def test_python_dash_c_uses_worker_processes(tmp_path, expected):
    proc = _python(["-c", _script()], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == expected
    assert proc.stderr == ""


def test_an_interactive_session_works(tmp_path, expected):
    proc = _python(["-i", "-q"], tmp_path, stdin=_script())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == expected
    assert "Traceback" not in proc.stderr and NOTE not in proc.stderr


def test_asking_for_spawned_workers_without_the_guard_is_one_parley_error(tmp_path):
    script = tmp_path / "explicit.py"
    script.write_text(textwrap.dedent("""\
        from parley import ParleyError
        from parley.experiments.executors import DaskExecutor, ProcessExecutor
        try:
            ProcessExecutor(2, start_method="spawn")
        except ParleyError as exc:
            print(len(exc.problems), exc)
        try:
            DaskExecutor(None, 2)
        except ParleyError as exc:
            print(len(exc.problems), exc)
        """), encoding="utf-8")
    proc = _python([str(script)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 2 and proc.stderr == "", proc.stdout + proc.stderr
    assert lines[0].startswith("1 worker processes cannot start: explicit.py calls parley on "
                               "line 4, outside")
    assert lines[1].startswith("1 a local Dask cluster cannot start: explicit.py calls parley "
                               "on line 8, outside")


# ------------------------------------------------ the guard, read from the source


GUARD_CASES = {
    # source, the line of the call, whether it runs only as __main__
    "top level": ("import parley\nparley.run('x')\n", 2, False),
    "guarded": ('import parley\nif __name__ == "__main__":\n    parley.run("x")\n', 3, True),
    "reversed, single quotes": ("if '__main__' == __name__:\n    f()\n", 2, True),
    "guard and more": ('if __name__ == "__main__" and ok:\n    f()\n', 2, True),
    "the else of a guard": ('if __name__ == "__main__":\n    pass\nelse:\n    f()\n', 4, False),
    "a guard inside try": ('try:\n    if __name__ == "__main__":\n        f()\n'
                           "except KeyboardInterrupt:\n    pass\n", 3, True),
    "inside with, unguarded": ("with open('x') as fh:\n    f()\n", 2, False),
    "other if": ("if True:\n    f()\n", 2, False),
    "not equal": ('if __name__ != "__main__":\n    f()\n', 2, False),
    "class body": ('class A:\n    if __name__ == "__main__":\n        f()\n', 3, False),
}


@pytest.mark.parametrize("case", GUARD_CASES)
def test_the_main_guard_is_read_from_the_source(tmp_path, case):
    source, line, guarded = GUARD_CASES[case]
    ast.parse(source)
    path = tmp_path / "script.py"
    path.write_text(source, encoding="utf-8")
    assert executors._under_main_guard(str(path), line) is guarded


def test_this_process_can_start_workers():
    # pytest's own __main__ is guarded (or is a package's __main__ module)
    assert executors.workers_problem() is None
    assert isinstance(executors.make_executor("local", 2), executors.ProcessExecutor)


# ------------------------------------------------------------ notebooks


def test_dir_lists_the_public_api():
    names = dir(parley)
    assert set(parley.__all__) <= set(names)
    assert "TYPE_CHECKING" not in names and "Any" not in names


def test_results_have_a_short_repr_and_a_notebook_view():
    import pandas as pd

    from parley.experiments.api import (
        REPR_MAX,
        CalibrationResult,
        HindcastResult,
        SweepResult,
    )

    batch = parley.run(SCENARIOS[1], runs=40, seed=3, executor="serial", parameter_draws=2)
    frame = pd.DataFrame({"a": range(500), "b": ["x" * 50] * 500})
    big = {str(i): list(range(100)) for i in range(100)}
    results = [batch,
               HindcastResult(terms=frame, live=frame, scores=big, details=big, folder=None),
               SweepResult(runs=frame, summary=frame, sensitivity=big, boxes=None,
                           manifest=big, folder=Path("results") / ("x" * 400)),
               CalibrationResult(runs=frame, summary=frame, fits=[object()] * 3)]
    for result in results:
        text = repr(result)
        assert text.startswith(type(result).__name__ + "(") and text.endswith(")")
        assert len(text) <= REPR_MAX and "\n" not in text
        page = result._repr_html_()
        assert "<table" in page and len(page) < 20_000
    assert repr(batch).startswith("BatchResult(runs=<40 rows x ")
    assert "(" in repr(results[2]) and "..." in repr(results[2])  # the long path is cut
