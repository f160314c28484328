"""The README's code: every Python block runs, reproducibly; CI runs its test command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from docblocks import code_blocks

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_commands() -> list[str]:
    """The README's shell commands (the lines of its bash blocks that are not comments)."""
    return [line for block in code_blocks(README, "bash") for line in block.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


PYTHON_BLOCKS = code_blocks(README, "python")


def test_the_readme_has_python_blocks_and_the_two_commands():
    assert PYTHON_BLOCKS
    commands = readme_commands()
    assert len(commands) == 2
    main_job, tests = commands
    for command in commands:  # a virtual environment first: no externally-managed-environment
        assert command.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install")
    assert main_job.endswith("parley compare scenarios/")
    assert tests.endswith("python -m pytest")


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert readme_commands()[1] in ci.splitlines()


@pytest.mark.parametrize("index", range(len(PYTHON_BLOCKS)))
def test_readme_python_block_runs_the_same_twice_without_warnings(index):
    code = PYTHON_BLOCKS[index]
    env = {**os.environ, "PYTHONWARNINGS": "default"}  # show every warning a user could see
    outputs = []
    for _ in range(2):
        proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                              text=True, timeout=300, env=env)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert proc.stderr == "", proc.stderr[-3000:]
        outputs.append(proc.stdout)
    assert outputs[0].strip()
    assert outputs[0] == outputs[1]  # the seeds took effect: same numbers twice
