"""``parley calibrate`` on the one executor layer (issues 19, 21, 24).

The calibration takes the executor options of run, compare, sweep and hindcast (one
function adds them), refuses the words of earlier releases with the ones to use, maps
its particles through ``executors.ordered_map`` (whose workers die with their parent),
writes the same posterior bytes for any number of jobs and never over the shipped
posterior by default, loads its terms with the hindcast's loader (the leak check), and
the Python API takes the same ``executor=`` and ``jobs=``.
"""

from __future__ import annotations

import operator
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import parley
from parley import defaults
from parley.errors import ParleyError
from test_reliability import _descendants, _running  # the batches' kill test's helpers

ROOT = Path(__file__).resolve().parents[1]
SRC = Path(parley.__file__).resolve().parents[1]  # the parley under test, also in subprocesses
HINDCAST = ROOT / "scenarios" / "hindcast"
CLINTON = HINDCAST / "clinton_1993.yaml"
BIDEN = ROOT / "scenarios" / "biden.yaml"
#: a fit small enough for a test: one term, 6 particles, 2 generations, 5 worlds
TINY = ["--particles", "6", "--generations", "2", "--worlds", "5", "--terms", str(CLINTON)]

pytest.importorskip("pyabc")


def _main(argv: list[str]) -> int:
    from parley.cli import main

    return main([str(a) for a in argv])


def _one_line(argv: list[str], capsys) -> str:
    """The one error line of a refused command line (exit 2, from argparse or the command)."""
    try:
        code = _main(argv)
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err, captured.err
    return captured.err


def _help(command: str, capsys) -> str:
    with pytest.raises(SystemExit):
        _main([command, "--help"])
    return " ".join(capsys.readouterr().out.split())  # argparse's wrapping undone


# ------------------------------------------------------------ the same options


def _executor_help(text: str) -> str:
    """The help of --jobs, --executor and --scheduler, as one command prints it."""
    start = text.index("--jobs JOBS worker")
    return text[start:text.index("default: start a local cluster)", start)]


def test_calibrate_takes_the_executor_options_of_run_with_their_defaults(capsys):
    from parley.cli import build_parser

    run = build_parser("run").parse_args(["run", str(BIDEN)])
    for argv in (["calibrate"], ["calibrate", "--dynamics"]):
        args = build_parser("calibrate").parse_args(argv)
        assert (args.executor, args.jobs, args.scheduler) == (run.executor, run.jobs,
                                                              run.scheduler)
        assert args.executor == defaults.EXECUTOR
    calibrate, run_help = _help("calibrate", capsys), _help("run", capsys)
    assert _executor_help(calibrate) == _executor_help(run_help)
    assert "(default: all cores)" in calibrate and "local worker processes (default)" in calibrate
    for flag, default in (("--particles", 120), ("--generations", 1), ("--worlds", 200)):
        assert f"{flag} {flag[2:].upper()}" in calibrate and f"(default {default};" in calibrate
    assert "--workers" not in calibrate and "processes}" not in calibrate


@pytest.mark.parametrize("path", [[], ["--dynamics"]], ids=["closed-form", "dynamics"])
@pytest.mark.parametrize("old, says", [(["--workers", "3"], "use --jobs 3"),
                                       (["--executor", "processes"], "use --executor local")])
def test_the_words_of_earlier_releases_are_one_line_naming_the_new_ones(path, old, says,
                                                                         capsys, tmp_path,
                                                                         monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert says in _one_line(["calibrate", *path, *old], capsys)
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("argv", [
    ["run", BIDEN], ["compare", BIDEN, BIDEN], ["sweep", BIDEN], ["hindcast"],
    ["calibrate"], ["calibrate", "--dynamics"],
    ["run", BIDEN, "--executor", "serial"], ["calibrate", "--executor", "serial"],
], ids=lambda a: " ".join(str(x) if not isinstance(x, Path) else x.name for x in a))
def test_a_scheduler_without_the_dask_executor_is_refused_by_every_command(argv, capsys,
                                                                           tmp_path,
                                                                           monkeypatch):
    monkeypatch.chdir(tmp_path)
    line = _one_line([*argv, "--scheduler", "tcp://127.0.0.1:1"], capsys)
    assert "--scheduler tcp://127.0.0.1:1" in line and "needs --executor dask" in line
    assert not any(tmp_path.iterdir())  # refused before anything was written


@pytest.mark.parametrize("path", [[], ["--dynamics"]], ids=["closed-form", "dynamics"])
def test_a_seed_outside_the_master_seeds_is_refused(path, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for seed in (-1, 2**64):
        line = _one_line(["calibrate", *path, "--seed", seed], capsys)
        # argparse's seed type (cli/common.py) says it before any parsing of the rest
        assert "--seed" in line and f"must be an integer in [0, 2**63) (got {seed})" in line
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("flag", ["--json", "--db", "--out", "--figure", "--loto", "--terms"])
def test_an_empty_file_name_is_refused_before_any_work(flag, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = [] if flag == "--json" else ["--dynamics"]
    assert "must name a file" in _one_line(["calibrate", *path, flag, ""], capsys)
    assert not any(tmp_path.iterdir())


def test_jobs_are_bounded_as_for_every_command(capsys, tmp_path, monkeypatch):
    from parley.experiments.executors import max_jobs

    monkeypatch.chdir(tmp_path)
    too_many = max_jobs() + 1
    for path in ([], ["--dynamics"]):
        line = _one_line(["calibrate", *path, "--jobs", too_many], capsys)
        assert f"--jobs {too_many}: allowed 1 to {max_jobs()}" in line
    assert not any(tmp_path.iterdir())


# --------------------------------------------------------------- the ordered map


def test_ordered_map_keeps_task_order_on_workers_and_closes_what_it_was_given():
    from parley.experiments import executors

    with executors.ordered_map("local", 2) as map_:
        assert list(map_(operator.neg, range(40))) == [-i for i in range(40)]

    closed = []

    class Recording(executors.SerialExecutor):
        def close(self) -> None:
            closed.append(True)

    with executors.ordered_map(Recording()) as map_:
        assert list(map_(operator.neg, [3, 1, 2])) == [-3, -1, -2]
    assert closed == [True]
    with pytest.raises(ParleyError, match="needs --executor dask"), \
            executors.ordered_map("local", 2, "tcp://127.0.0.1:1"):
        pass
    with pytest.raises(ParleyError, match="allowed local, dask, serial"), \
            executors.ordered_map("processes", 2):
        pass


# ------------------------------------------------- the same bytes for any jobs


@pytest.mark.slow
def test_one_and_two_jobs_and_the_api_write_the_same_posterior_never_the_shipped_one(
        tmp_path, monkeypatch, capsys):
    """The posterior file holds no clock time and no executor: the same fit gives the same
    bytes.  By default it is written beside the history in the working folder."""
    from parley.analysis.calibration import DYNAMICS_OUT, DYNAMICS_POSTERIOR
    from parley.experiments import executors

    shipped = ROOT / DYNAMICS_POSTERIOR
    before = shipped.read_bytes()
    pools = []

    class Counting(executors.ProcessExecutor):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            pools.append(self.workers)

    monkeypatch.setattr(executors, "ProcessExecutor", Counting)
    monkeypatch.chdir(tmp_path)
    assert _main(["calibrate", "--dynamics", *TINY, "--jobs", "1"]) == 0  # default --db, --out
    assert pools == []  # one job: in this process
    assert [p.name for p in tmp_path.iterdir()] == ["parley-calibration"]
    one = (tmp_path / DYNAMICS_OUT).read_bytes()
    assert _main(["calibrate", "--dynamics", *TINY, "--jobs", "2", "--db", "two.db",
                  "--out", "two.json"]) == 0
    assert pools == [2]  # two worker processes mapped the particles
    assert (tmp_path / "two.json").read_bytes() == one
    capsys.readouterr()

    result = parley.calibrate(dynamics=True, terms=[CLINTON], particles=6, generations=2,
                              worlds=5, executor="serial", out=tmp_path / "api.json")
    assert (tmp_path / "api.json").read_bytes() == one
    assert len(result.runs) == 6 and abs(result.runs["weight"].sum() - 1) < 1e-9
    assert list(result.summary["parameter"]) == [p["name"] for p in
                                                 result.details["parameters"]]
    assert "dynamics__accept_willing" in set(result.summary["parameter"])
    assert shipped.read_bytes() == before
    assert not (tmp_path / "scenarios").exists()


@pytest.mark.parametrize("kwargs, says", [
    ({"jobs": 10_000}, "--jobs 10000: allowed 1 to"),
    ({"jobs": 1.5}, "--jobs 1.5: must be a whole number"),
    ({"executor": "processes"}, "--executor processes: allowed local, dask, serial"),
    ({"dynamics": True, "particles": 0}, "--particles 0: allowed 1 to 100,000"),
    ({"dynamics": True, "seed": -1}, "--seed -1: must be an integer in [0, 2**63)"),
    ({"seed": 2**64}, "--seed 18446744073709551616: must be an integer"),
    ({"seed": 1.5}, "--seed 1.5: must be an integer"),
])
def test_the_api_refuses_bad_executor_options_with_one_parley_error(kwargs, says):
    with pytest.raises(ParleyError) as exc:
        parley.calibrate(**kwargs)
    assert len(exc.value.problems) == 1 and says in exc.value.problems[0]


# ----------------------------------------------------- workers die with the parent


def _is_worker(pid: int) -> bool:
    """A pool worker: spawned (its command line says so) or forked (a copy of its parent's,
    which is the calibration's own command)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        parent = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]
        return b"spawn_main" in cmdline or cmdline == Path(f"/proc/{parent}/cmdline").read_bytes()
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_killing_a_calibration_leaves_no_process_of_it_two_seconds_later(tmp_path):
    """SIGKILL of ``calibrate --dynamics --jobs 2`` mid-fit: its pool (and the resource
    tracker the pool started) is gone 2 s later (Linux PR_SET_PDEATHSIG, executors.py)."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "parley.cli", "calibrate", "--dynamics", "--particles", "2000",
         "--generations", "5", "--worlds", "20", "--terms", str(CLINTON), "--jobs", "2",
         "--db", str(tmp_path / "fit.db"), "--out", str(tmp_path / "post.json")],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen: set[int] = set()
    try:
        end = time.monotonic() + 240
        while time.monotonic() < end and sum(map(_is_worker, _descendants(proc.pid))) < 2:
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            time.sleep(0.2)
        time.sleep(1.0)  # the workers are running particles now
        seen.update(_descendants(proc.pid))
        assert sum(map(_is_worker, seen)) >= 2 and proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        time.sleep(2.0)
        assert not [p for p in seen if _running(p)]
        assert not (tmp_path / "post.json").exists()
    finally:
        proc.kill()
        proc.wait()
        proc.stderr.close()
        for pid in seen:
            if _running(pid):
                os.kill(pid, signal.SIGKILL)


# -------------------------------------------------- one loader: the leak check


def test_a_leaking_term_is_refused_with_the_hindcasts_own_message(tmp_path, capsys,
                                                                  monkeypatch):
    """A copy of obama_2009.yaml with a ``kind: talk`` event: ``calibrate --dynamics
    --terms DIR`` refuses it with the very lines ``hindcast DIR`` gives (one loader)."""
    terms = tmp_path / "terms"
    terms.mkdir()
    text = (HINDCAST / "obama_2009.yaml").read_text()
    assert "extends: base.yaml" in text and "events: []\n" in text
    (terms / "base.yaml").write_text((HINDCAST / "base.yaml").read_text())
    event = ("events:\n  - {month: '2009-06', actor: washington, kind: talk, "
             "set: {outreach_rate: 1.0}, note: Talks are agreed, assumption: a leak for a test}\n")
    (terms / "obama_2009.yaml").write_text(text.replace("events: []\n", event))
    monkeypatch.chdir(tmp_path)

    assert _main(["hindcast", terms, "--executor", "serial", "--out", tmp_path / "h"]) == 2
    hindcast = capsys.readouterr().err.splitlines()
    assert _main(["calibrate", "--dynamics", "--terms", terms, "--executor", "serial"]) == 2
    calibrate = capsys.readouterr().err.splitlines()
    assert calibrate == hindcast
    assert any("'talk'" in line and "is a decision, not an exogenous change" in line
               for line in calibrate)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["terms"]  # nothing written


# ------------------------------------------------------------ one default seed


@pytest.mark.parametrize("argv", [
    ["run", BIDEN], ["compare", BIDEN, BIDEN], ["sweep", BIDEN], ["hindcast"], ["forecast"],
    ["calibrate"], ["calibrate", "--dynamics"], ["drivers", BIDEN], ["explain", BIDEN, BIDEN],
], ids=lambda a: " ".join(str(x) if not isinstance(x, Path) else x.name for x in a))
def test_every_command_defaults_to_the_one_master_seed(argv, capsys):
    """Its --seed defaults to defaults.SEED (None where --resume must tell whether a seed
    was given; the job then takes defaults.SEED), and --help says so."""
    from parley.cli import build_parser

    args = build_parser(argv[0]).parse_args([str(a) for a in argv])
    assert args.seed in (None, defaults.SEED)
    assert f"default {defaults.SEED}" in _help(argv[0], capsys)
