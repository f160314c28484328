"""The property-based attack on the command line (issue 24): command lines built from each
subcommand's own argparse parser, with random flags and random values (empty, huge,
non-ASCII, negative, control characters, paths to /dev/null, /dev/zero, a FIFO, a folder,
a missing file), run in process through ``parley.cli.main`` with a per-case timeout.  Each
must end in exit 0 or exit 2 with at most a few bounded, printable stderr lines, and never
a traceback or a hang; a case that gives a value no option of its type can take (an empty
path, a digit other than 0-9, a NUL byte, a number of 25 digits, a choice not listed)
must end in exit 2.

Every case starts from a cheap, valid command line of its subcommand (a few worlds, the
serial executor, no figures) and then sets one to three of the subcommand's options or
positionals, drawn from the parser itself, so a new option is attacked without this file
changing.  Derandomized: the same cases every run.  Hand-made cases are in
tests/test_attack_inputs.py.
"""

from __future__ import annotations

import argparse
import io
import os
import signal
import sys
import tempfile
import time
import types
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parley.cli import COMMANDS, build_parser, main

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 60  # seconds one case may take (a hang fails the test instead of stalling CI)
MAX_LINES = 6  # stderr lines of one case (an error line, a few warnings) ...
MAX_LINES_VALIDATE = 50  # ... but validate names every bad file of a folder, one line each
MAX_CHARS = 520  # characters of one stderr line ("error: " + a bounded message)
EXAMPLES = int(os.environ.get("PARLEY_ATTACK_EXAMPLES", "5"))  # per subcommand

# Options left alone, and why: --dynamics starts an ABC-SMC fit (minutes even when tiny);
# --executor and --scheduler would start worker processes or a Dask cluster (seconds each;
# their refusals are attacked with the values below, their work is tested elsewhere).
SKIPPED = {("calibrate", "--dynamics")}
# options whose type refuses every value on purpose: calibrate --workers (renamed --jobs)
REFUSING = {("calibrate", "workers")}
SERIAL_ONLY = {"--executor"}


def subparser(command: str) -> argparse.ArgumentParser:
    parser = build_parser(command)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[command]


def value_actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """The actions that take a value (not --help, not a flag)."""
    return [a for a in parser._actions
            if a.nargs != 0 and not isinstance(a, argparse._HelpAction | argparse._VersionAction)]


# ------------------------------------------------------- every option is typed


def test_every_option_and_positional_takes_its_value_through_a_common_type():
    """A value that means nothing is refused by argparse, before any work, through one of
    the types of parley.cli.common (or is one of a fixed list of choices)."""
    untyped = []
    for command in COMMANDS:
        for action in value_actions(subparser(command)):
            typed = getattr(action.type, "__module__", None) == "parley.cli.common"
            if not typed and action.choices is None and (command, action.dest) not in REFUSING:
                untyped.append(f"{command} {'/'.join(action.option_strings) or action.dest}")
    assert untyped == []


def test_the_walk_sees_every_subcommand_and_its_options():
    seen = {command: [a.dest for a in value_actions(subparser(command))] for command in COMMANDS}
    assert set(seen) == set(COMMANDS)
    assert "runs" in seen["run"] and "port" in seen["viz"] and "csv" in seen["drivers"]


# -------------------------------------------------------------- the attack


@pytest.fixture(scope="module")
def places(tmp_path_factory) -> dict[str, str]:
    """Paths an attacker names: a FIFO, a folder, a missing file, junk, a results folder."""
    root = tmp_path_factory.mktemp("attack")
    for name in ("base.yaml", "biden.yaml", "warren.yaml"):  # the attack names copies only
        (root / name).write_bytes((ROOT / "scenarios" / name).read_bytes())
    fifo = root / "fifo"
    os.mkfifo(fifo)
    junk = root / "junk.yaml"
    junk.write_bytes(b"\x00\xff: [\n")
    run = root / "run"
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        code = main(["run", str(root / "biden.yaml"), "--runs", "4", "--parameter-draws", "0",
                     "--executor", "serial", "--no-plots", "--out", str(run)])
    assert code == 0
    return {"fifo": str(fifo), "folder": str(root), "missing": str(root / "missing.yaml"),
            "junk": str(junk), "run": str(run), "biden": str(root / "biden.yaml"),
            "warren": str(root / "warren.yaml")}


def bases(out: str, places: dict[str, str]) -> dict[str, list[str]]:
    """A cheap, valid command line of every subcommand (``out``: a fresh folder)."""
    batch = ["--parameter-draws", "0", "--executor", "serial", "--no-plots", "--out", out]
    BIDEN, WARREN = places["biden"], places["warren"]  # noqa: N806 (copies, as the names)
    return {
        "validate": ["validate", BIDEN],
        "scenarios": ["scenarios"],
        "schema": ["schema"],
        "chronicle": ["chronicle", BIDEN, "--seed", "3"],
        "run": ["run", BIDEN, "--runs", "4", *batch],
        "compare": ["compare", BIDEN, WARREN, "--runs", "4", *batch],
        "sweep": ["sweep", BIDEN, "--vary", "washington.outreach_rate=0:1:2",
                  "--runs-per-point", "2", *batch],
        "calibrate": ["calibrate", "--sims", "3", "--period", "2017-01:2017-06"],
        "hindcast": ["hindcast", str(ROOT / "scenarios" / "hindcast" / "obama_2009.yaml"),
                     "--runs", "2", *batch],
        "forecast": ["forecast", "--runs", "2", "--parameter-draws", "0"],
        "plot": ["plot", places["run"]],
        "report": ["report", places["run"]],
        "verify": ["verify", places["run"]],
        "viz": ["viz", BIDEN, "--no-open"],
        "drivers": ["drivers", BIDEN, "--samples", "2", "--worlds", "1"],
        "explain": ["explain", BIDEN, WARREN, "--runs", "2", "--permutations", "1"],
    }


# values no option of their type can take: a case that gives one must be refused (exit 2)
BAD_NUMBERS = {"", " 2", "2 ", "٤", "４", "²", "1_0", "0x10", "nan", "9" * 25, "\x00", "-" * 3}
BAD_TEXTS = {"", " ", "\x00", "a\x00b"}
BAD_NAMES = {*BAD_TEXTS, "\x1b[2J\x07", "\u202egnp.x"}  # a name holds no control character


def always_bad(action: argparse.Action, value: str) -> bool:
    """Whether ``value`` means nothing for ``action`` whatever else is given."""
    name = getattr(action.type, "__name__", "")
    if action.choices is not None:
        return value not in map(str, action.choices)
    if name in ("integer", "seed", "port"):
        return value in BAD_NUMBERS or value in ("1.5", "1e3")
    if name == "real":
        return value in BAD_NUMBERS
    if name in ("text", "host"):
        return value in BAD_NAMES
    return value in BAD_TEXTS


NUMBERS = ["", " 2", "2 ", "-1", "0", "1", "2", "3", "٤", "４", "²", "1_0", "0x10", "1.5",
           "1e3", "nan", "9" * 25, str(2**63), str(2**63 - 1), str(10**12), "\x00", "-" * 3]
TEXTS = ["", " ", "\x00", "a\x00b", "\x1b[2J\x07", "\u202egnp.x", "é", "x" * 5000,
         "/dev/null", "/dev/zero", "parley:", "parley:../../etc/passwd", "parley:nope",
         "../../../../etc/passwd", "-", "--", "=", "a=b:c", "washington.outreach_rate=0:1:2",
         "2017-01:2017-06", "trump_oh", "talks_resumed"]


def values(action: argparse.Action, places: dict[str, str]) -> st.SearchStrategy[str]:
    """Random values for an action: its own choices and hostile text; numbers for numeric
    types; paths for everything else."""
    paths = [places[k] for k in ("fifo", "folder", "missing", "junk", "run", "biden")]
    name = getattr(action.type, "__name__", "")
    if action.option_strings and action.option_strings[0] in SERIAL_ONLY:
        return st.sampled_from(["serial", "", "x" * 300, "\x00"])
    if action.choices is not None:
        return st.sampled_from([*map(str, action.choices), *TEXTS[:8]])
    if name in ("integer", "seed", "port", "real"):
        return st.one_of(st.sampled_from(NUMBERS), st.integers(-3, 4).map(str))
    return st.sampled_from([*TEXTS, *paths, places["biden"]])


@st.composite
def command_lines(draw, command: str, places: dict[str, str], out: str
                  ) -> tuple[list[str], bool]:
    """A command line, and whether it gives a value that must be refused."""
    bad = False
    argv = list(bases(out, places)[command])
    parser = subparser(command)
    actions = [a for a in value_actions(parser) + [a for a in parser._actions if a.nargs == 0
                                                  and a.option_strings and a.dest != "help"]
               if (command, (a.option_strings or [""])[0]) not in SKIPPED]
    chosen = (draw(st.lists(st.sampled_from(actions), min_size=1, max_size=3, unique=True))
              if actions else [])
    for action in chosen:
        if action.nargs == 0:  # a flag: just give it
            argv.append(action.option_strings[0])
            continue
        value = draw(values(action, places))
        bad = bad or always_bad(action, value)
        if action.option_strings:
            argv.append(f"{action.option_strings[-1]}={value}")  # a value may start with -
        else:  # a positional: replace the base's value or add one
            position = [a for a in value_actions(parser) if not a.option_strings].index(action)
            if position + 1 < len(argv) and not argv[position + 1].startswith("-"):
                argv[position + 1] = value
            else:
                argv.insert(1, value)
    return argv, bad


class Hang(BaseException):
    """A case ran longer than TIMEOUT seconds."""


@contextmanager
def time_limit(seconds: int):
    def expire(signum, frame):
        raise Hang(f"no answer within {seconds} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def run_case(argv: list[str], cwd: str) -> tuple[int, str]:
    """Exit status and stderr of ``parley ARGV`` in process, in folder ``cwd``."""
    from parley import viz

    err, out = io.StringIO(), io.StringIO()
    here = os.getcwd()

    class NoServer:  # parley viz never starts a server here
        def __init__(self, *a, **k):
            pass

        def wait(self):
            return 0

    real = viz.subprocess
    viz.subprocess = types.SimpleNamespace(Popen=NoServer, TimeoutExpired=real.TimeoutExpired)
    os.chdir(cwd)
    try:
        with redirect_stderr(err), redirect_stdout(out), time_limit(TIMEOUT):
            try:
                code = main(argv)
            except SystemExit as stop:
                code = stop.code
    finally:
        os.chdir(here)
        viz.subprocess = real
    return code, err.getvalue()


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and SIGALRM")
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_random_command_lines_end_in_exit_0_or_one_bounded_error_line(command, places):
    failures: list[str] = []

    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def attack(data):
        with tempfile.TemporaryDirectory() as cwd:
            argv, bad = data.draw(command_lines(command, places, str(Path(cwd) / "out")))
            shown = [a if len(a) < 80 else a[:40] + f"...({len(a)} chars)" for a in argv]
            before = Path(places["biden"]).read_bytes()
            try:
                began = time.monotonic()
                code, err = run_case(argv, cwd)
                if os.environ.get("PARLEY_ATTACK_LOG"):
                    with open(os.environ["PARLEY_ATTACK_LOG"], "a") as log:
                        print(f"{time.monotonic() - began:6.1f}s exit {code} {shown}", file=log)
            except (Exception, Hang) as exc:  # a traceback or a hang
                failures.append(f"{shown}: {type(exc).__name__}: {str(exc)[:200]}")
                return
        lines = err.splitlines()
        problems = []
        if code not in (0, 2):
            problems.append(f"exit {code}")
        if "Traceback" in err:
            problems.append("a traceback")
        if len(lines) > (MAX_LINES_VALIDATE if command == "validate" else MAX_LINES):
            problems.append(f"{len(lines)} stderr lines")
        if any(len(line) > MAX_CHARS for line in lines):
            problems.append(f"a stderr line of {max(map(len, lines))} characters")
        if any(ch in err for ch in "\x00\x1b\x07\u202e"):
            problems.append("a control character reached the terminal")
        if code == 2 and not any(line.startswith("error: ") for line in lines):
            problems.append("exit 2 without an error line")
        if Path(places["biden"]).read_bytes() != before:
            problems.append("the scenario file it was given was replaced")
            Path(places["biden"]).write_bytes((ROOT / "scenarios" / "biden.yaml").read_bytes())
        if bad and code != 2:
            problems.append(f"a value that means nothing was accepted (exit {code})")
        if problems:
            failures.append(f"{shown}: {', '.join(problems)}: {err[:300]!r}")

    attack()
    assert failures == []
