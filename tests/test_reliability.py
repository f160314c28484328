"""Fault injection: full disks, short writes, a second writer, a killed parent,
corrupted logs, manifests and summaries, and hostile scenario files (issue 15).

Every failure must end in one clear error line and exit 2 (no traceback), and
leave the results folder as it was, so that nothing is lost or duplicated.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import parley
from parley.outcomes import RUNS_HEADER_WITH_DRAW
from parley.results import store as store_mod
from parley.results.store import ResultsFolderError, ResultsStore, atomic_write_json

ROOT = Path(__file__).resolve().parents[1]
SRC = Path(parley.__file__).resolve().parents[1]  # the parley under test, also in subprocesses
TRUMP = ROOT / "scenarios" / "trump_oh.yaml"
SHORT = ('extends: parley:trump_oh.yaml\ntitle: A short test horizon\n'
         'horizon: {start: "2021-01", months: 2}\nevents: []\n')
RECORD = {"first_run": 0, "n": 1, "aggregates": [], "pairs": [], "camps": [], "errors": []}


def cli(*args, cwd: Path = ROOT, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run([sys.executable, "-m", "parley.cli", *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=timeout)


def one_error(proc: subprocess.CompletedProcess, *words: str) -> str:
    """The single error line of a failed command (exit 2, no traceback)."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines()
             if line.strip() and not line.startswith("warning: ")]  # warnings are not errors
    assert len(lines) == 1, lines
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def snapshot(folder: Path) -> dict[str, bytes]:
    """The folder's files (not the lock file, which names its last holder)."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())
            if p.is_file() and p.name != ".lock"}


def short_scenario(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "short.yaml"
    path.write_text(SHORT, encoding="utf-8")
    return path


def filled_store(folder: Path, chunks: int = 3) -> ResultsStore:
    """A store with ``chunks`` chunks of synthetic rows, its lock released."""
    st = ResultsStore(folder)
    st.start()
    for seq in range(chunks):
        rows = "".join(f"s,{seq * 10 + i},1,0,,0,0,0,0,0,0,0,0,0,0.1,0.1,0.1,none\n"
                       for i in range(10)).encode()
        st.append(rows, {"seq": seq, **RECORD, "first_run": seq * 10, "n": 10})
    release(st)
    return st


def release(st: ResultsStore) -> None:
    getattr(st, "close", lambda: None)()  # (stores without a lock have no close)


# ------------------------------------------------------------ full disk, short writes


def test_a_short_write_is_continued_not_logged_as_complete(tmp_path, monkeypatch):
    st = filled_store(tmp_path / "r", chunks=0)
    real_write = os.write
    monkeypatch.setattr(store_mod.os, "write", lambda fd, data: real_write(fd, data[:7]))
    rows = b"a,1,2,3\n" * 50
    st.lock()
    st.append(rows, {"seq": 0, **RECORD})
    assert st.runs_path.read_bytes() == st.header.encode() + rows
    rec = json.loads(st.log_path.read_text())
    assert rec["bytes"] == len(rows) and rec["sha256"] == hashlib.sha256(rows).hexdigest()
    assert rec["offset_end"] - rec["offset_start"] == len(rows)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
@pytest.mark.parametrize("site", ["rows", "log"])
def test_a_full_disk_rolls_back_the_chunk_and_never_logs_it(tmp_path, monkeypatch, code, site):
    st = filled_store(tmp_path / "r", chunks=2)
    before = snapshot(st.folder)
    real_write = os.write
    target = st.runs_path if site == "rows" else st.log_path
    target_ino = target.stat().st_ino

    def full(fd, data):
        if os.fstat(fd).st_ino == target_ino:
            written = real_write(fd, bytes(data[: len(data) // 2]))  # a part fits, then full
            if written and len(data) > 1:
                raise OSError(code, os.strerror(code))
        return real_write(fd, data)

    monkeypatch.setattr(store_mod.os, "write", full)
    st.lock()
    with pytest.raises(ResultsFolderError, match="disk full"):
        st.append(b"x,1\n" * 100, {"seq": 2, **RECORD})
    st.close()
    after = snapshot(st.folder)
    assert after["runs.csv"] == before["runs.csv"]
    assert after["chunks.jsonl"] == before["chunks.jsonl"]
    monkeypatch.undo()
    assert len(ResultsStore(st.folder).recover()) == 2


def test_a_failed_fsync_is_not_logged(tmp_path, monkeypatch):
    st = filled_store(tmp_path / "r", chunks=1)
    before = snapshot(st.folder)

    def broken(fd):
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(store_mod.os, "fsync", broken)
    st.lock()
    with pytest.raises(ResultsFolderError, match="cannot write"):
        st.append(b"x,1\n", {"seq": 1, **RECORD})
    assert snapshot(st.folder) == before


def test_atomic_json_on_a_full_disk_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "summary.json"
    atomic_write_json(path, {"old": 1})

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store_mod.os, "fsync", full)
    with pytest.raises(ResultsFolderError, match="disk full"):
        atomic_write_json(path, {"new": 2})
    assert json.loads(path.read_text()) == {"old": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]  # no temp file left


def _mount_tmpfs(where: Path, size: str) -> bool:
    where.mkdir(parents=True, exist_ok=True)
    if not sys.platform.startswith("linux") or os.geteuid() != 0 or not shutil.which("mount"):
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True).returncode == 0


@pytest.mark.slow
def test_a_batch_on_a_real_full_disk_resumes_to_the_same_files(tmp_path):
    """The issue's case: a small tmpfs fills mid-batch; after space is freed, resume
    completes the batch byte-identical to an uninterrupted one."""
    scenario = short_scenario(tmp_path / "sc")
    args = [scenario, "--runs", "20000", "--chunk", "1000", "--jobs", "1", "--no-plots"]
    mnt = tmp_path / "mnt"
    if not _mount_tmpfs(mnt, "1200k"):  # a group of chunks fits (they are written together)
        pytest.skip("cannot mount a tmpfs here (needs root on Linux)")
    try:
        out = mnt / "out"
        proc = cli("run", *args, "--out", out)
        one_error(proc, "disk full")
        log = (out / "chunks.jsonl").read_bytes().splitlines()
        assert 0 < len(log) < 20
        assert json.loads(log[-1])["offset_end"] <= (out / "runs.csv").stat().st_size
        subprocess.run(["mount", "-o", "remount,size=16m", str(mnt)], check=True)
        proc = cli("run", "--resume", out)
        assert proc.returncode == 0, proc.stderr[-2000:]
        full = tmp_path / "full"
        assert cli("run", *args, "--out", full).returncode == 0
        assert (out / "runs.csv").read_bytes() == (full / "runs.csv").read_bytes()
        assert json.loads((out / "summary.json").read_text())["scenarios"][0]["runs"] == 20000
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


# ------------------------------------------------------------ resume verifies the rows


def _corrupt_rows(kind: str, runs: Path) -> None:
    data = runs.read_bytes()
    if kind == "shorter":
        runs.write_bytes(data[: len(data) - 25])
    elif kind == "emptied":
        runs.write_bytes(b"")
    elif kind == "garbage_line":
        cut = data.index(b"\n", len(data) // 2) + 1
        runs.write_bytes(data[:cut] + b"garbage,line\n" + data[cut:])
    elif kind == "nuls":
        mid = len(data) - 100  # inside the rows, past the header
        runs.write_bytes(data[:mid] + b"\0" * 10 + data[mid + 10:])
    elif kind == "no_header":
        runs.write_bytes(data[data.index(b"\n") + 1:])
    elif kind == "changed_digit":
        i = len(data) - 40
        runs.write_bytes(data[:i] + (b"7" if data[i:i + 1] != b"7" else b"8") + data[i + 1:])


@pytest.mark.parametrize("kind", ["shorter", "emptied", "garbage_line", "nuls", "no_header",
                                  "changed_digit"])
def test_resume_refuses_rows_that_disagree_with_the_log_and_changes_nothing(tmp_path, kind):
    st = filled_store(tmp_path / "r")
    _corrupt_rows(kind, st.runs_path)
    before = snapshot(st.folder)
    with pytest.raises(ResultsFolderError, match="nothing was changed"):
        ResultsStore(st.folder).recover()
    assert snapshot(st.folder) == before  # never padded with NULs, never cut


@pytest.mark.parametrize("line", [b"[1, 2]", b'"text"', b'{"seq": 2}', b'{"seq": "2", '
                                  b'"offset_end": 1}', b"{not json", b"\0\0\0"])
def test_a_chunk_log_line_of_the_wrong_shape_is_an_error(tmp_path, line):
    st = filled_store(tmp_path / "r", chunks=2)
    with open(st.log_path, "ab") as fh:
        fh.write(line + b"\n")
    before = snapshot(st.folder)
    with pytest.raises(ResultsFolderError, match="line 3"):
        ResultsStore(st.folder).recover()
    assert snapshot(st.folder) == before


@pytest.mark.parametrize("damage", [False, True])
def test_a_folder_from_before_checksums_still_resumes_and_is_still_checked(tmp_path, damage):
    st = filled_store(tmp_path / "r", chunks=3)
    old_style = [{k: v for k, v in json.loads(line).items()
                  if k not in ("offset_start", "bytes", "sha256", "record_sha256")}
                 for line in st.log_path.read_text().splitlines()]
    st.log_path.write_text("".join(json.dumps(r) + "\n" for r in old_style))
    if damage:
        _corrupt_rows("nuls", st.runs_path)
        with pytest.raises(ResultsFolderError, match="nothing was changed"):
            ResultsStore(st.folder).recover()
    else:
        assert len(ResultsStore(st.folder).recover()) == 3


def test_a_record_cut_by_a_kill_is_dropped_with_its_rows(tmp_path):
    st = filled_store(tmp_path / "r", chunks=3)
    log = st.log_path.read_bytes().splitlines(keepends=True)
    st.log_path.write_bytes(b"".join(log[:2]) + log[2][:30])
    records = ResultsStore(st.folder).recover()
    assert len(records) == 2
    assert st.runs_path.stat().st_size == records[-1]["offset_end"]


@pytest.mark.slow
def test_compare_resume_with_a_garbage_line_exits_2(tmp_path):
    sc = short_scenario(tmp_path / "sc")
    other = sc.with_name("other.yaml")
    other.write_text(SHORT.replace("A short", "Another short"), encoding="utf-8")
    out = tmp_path / "out"
    proc = cli("compare", sc, other, "--runs", "400", "--chunk", "100", "--jobs", "1",
               "--no-plots", "--out", out)
    assert proc.returncode == 0, proc.stderr
    _corrupt_rows("garbage_line", out / "runs.csv")
    before = snapshot(out)
    one_error(cli("compare", "--resume", out), "checksum", "nothing was changed")
    assert snapshot(out) == before


# ------------------------------------------------------------ lock, second writer


def test_a_second_writer_is_refused_and_a_closed_lock_frees_the_folder(tmp_path):
    st = filled_store(tmp_path / "r", chunks=1)
    first = ResultsStore(st.folder)
    first.recover()
    with pytest.raises(ResultsFolderError, match="another parley process"):
        ResultsStore(st.folder).recover()
    with pytest.raises(ResultsFolderError, match="another parley process"):
        ResultsStore(st.folder).start()
    first.close()
    ResultsStore(st.folder).recover()


def _long_run(scenario: Path, out: Path, jobs: int, stderr: int,
              env: dict[str, str] | None = None) -> subprocess.Popen:
    """A batch far longer than any test waits for, started in the background (``env``:
    more environment variables)."""
    return subprocess.Popen([sys.executable, "-m", "parley.cli", "run", str(scenario),
                             "--runs", "2000000", "--chunk", "2000", "--jobs", str(jobs),
                             "--no-plots", "--out", str(out)], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(SRC), **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=stderr)


@pytest.mark.slow
def test_resume_while_running_exits_2_and_a_killed_writer_leaves_no_stale_lock(tmp_path):
    scenario = short_scenario(tmp_path / "sc")
    out = tmp_path / "out"
    proc = _long_run(scenario, out, jobs=1, stderr=subprocess.DEVNULL)
    try:
        _wait_for_a_chunk(out, proc)
        for _ in range(2):  # a resume, and a second one at the same time
            one_error(cli("run", "--resume", out), "another parley process")
        one_error(cli("run", scenario, "--runs", "10", "--out", out))
    finally:
        proc.kill()
        proc.wait(timeout=30)
    st = ResultsStore(out, header=RUNS_HEADER_WITH_DRAW)  # the kernel released the lock
    st.recover()
    st.close()


def _wait_for_a_chunk(folder: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    log = folder / "chunks.jsonl"
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if log.exists() and log.stat().st_size > 0:
            return
        assert proc.poll() is None, "the batch ended early"
        time.sleep(0.1)
    raise AssertionError("no chunk was written in time")


# ------------------------------------------------------------ workers die with the parent


def _descendants(pid: int) -> list[int]:
    out = []
    for task in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = task.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            child = int(task.parent.name)
            out += [child, *_descendants(child)]
    return out


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killing_the_main_process_leaves_no_worker(tmp_path, sig):
    scenario = short_scenario(tmp_path / "sc")
    out = tmp_path / "out"
    proc = _long_run(scenario, out, jobs=2, stderr=subprocess.PIPE)
    workers: list[int] = []
    try:
        _wait_for_a_chunk(out, proc)
        workers = _descendants(proc.pid)
        assert len(workers) >= 2
        proc.send_signal(sig)
        proc.communicate(timeout=30)  # stderr closes: no worker holds it open
        end = time.monotonic() + 15
        while time.monotonic() < end and any(map(_running, workers)):
            time.sleep(0.1)
        assert not [w for w in workers if _running(w)]
    finally:
        proc.kill()
        for w in workers:
            if _running(w):
                os.kill(w, signal.SIGKILL)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers fork on Linux")
def test_forked_workers_start_before_the_folder_and_hold_none_of_its_files(tmp_path):
    """The CLI's pool is forked (one thread), quietly (no 3.12+ warning about numpy's BLAS
    threads), before the results folder is opened: no worker holds the folder's lock or
    any file in it, so a finished or killed writer frees the folder alone."""
    scenario = short_scenario(tmp_path / "sc")
    out = tmp_path / "out"
    proc = _long_run(scenario, out, jobs=2, stderr=subprocess.PIPE,
                     env={"PYTHONWARNINGS": "error::DeprecationWarning"})
    try:
        _wait_for_a_chunk(out, proc)
        workers = _descendants(proc.pid)
        assert len(workers) == 2
        held = [os.readlink(fd) for w in workers for fd in Path(f"/proc/{w}/fd").iterdir()]
        parent = [os.readlink(fd) for fd in Path(f"/proc/{proc.pid}/fd").iterdir()]
        assert str(out / store_mod.LOCK_NAME) in parent  # the writer holds the lock ...
        assert not [f for f in held if f.startswith(str(out))]  # ... no worker holds any
    finally:
        proc.kill()
        stderr = proc.communicate(timeout=30)[1].decode(errors="replace")
    assert "Warning" not in stderr and "Traceback" not in stderr, stderr


def test_the_start_method_forks_only_a_single_threaded_process_on_linux(monkeypatch):
    import threading

    from parley import forking
    from parley.experiments import executors

    linux = sys.platform.startswith("linux")
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert forking.can_fork() is linux
    assert executors.default_start_method() == ("fork" if linux else "spawn")
    monkeypatch.setattr(threading, "active_count", lambda: 2)  # another thread runs
    assert not forking.can_fork()
    assert executors.default_start_method() == "spawn"


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers fork on Linux")
def test_a_fork_pool_whose_process_started_a_thread_since_spawns_instead(monkeypatch):
    from parley import forking
    from parley.experiments import executors

    ex = executors.ProcessExecutor(jobs=1, start_method="fork")
    assert ex.start_method == "fork"  # chosen, not started: a pool forks when it warms
    monkeypatch.setattr(forking, "can_fork", lambda: False)  # a thread has started since
    with ex:  # entering warms the pool: it is started now, as "spawn"
        assert ex.start_method == "spawn"
        assert ex.pool._mp_context.get_start_method() == "spawn"
        assert dict(ex.imap(abs, [-1, -2])) == {0: 1, 1: 2}


def test_workers_collect_garbage_and_the_start_method_is_not_set_process_wide(monkeypatch):
    import multiprocessing as mp

    from parley.experiments import executors

    calls = []
    monkeypatch.setattr(executors.gc, "collect", lambda: calls.append(1))
    monkeypatch.setattr(executors, "_tasks_run", 0)
    for _ in range(3 * executors.GC_EVERY):
        assert executors._run_task(abs, -2) == 2
    assert len(calls) == 3

    def refuse(*args, **kwargs):
        raise AssertionError("the start method must not be set process-wide")

    monkeypatch.setattr(mp, "set_start_method", refuse)
    method = executors.default_start_method()  # before the pool's own threads start
    with executors.ProcessExecutor(jobs=1) as ex:
        assert ex.pool._mp_context.get_start_method() == ex.start_method == method
        assert dict(ex.imap(abs, [-1, -2])) == {0: 1, 1: 2}


# ------------------------------------------------------------ corrupted results folders


MANIFESTS = {"garbage": b"\x89PNG garbage", "truncated": b'{"kind": "run", "master_se',
             "list": b"[1, 2, 3]", "empty": b"", "wrong_types": b'{"kind": "run", '
             b'"master_seed": "x", "chunk": 1}', "no_scenarios": b'{"kind": "run", '
             b'"master_seed": 1, "chunk": 5, "target_runs": 5, "max_runs": 5, '
             b'"precision": null, "scenarios": [7]}'}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(MANIFESTS))
def test_resume_on_a_bad_manifest_exits_2(tmp_path, name):
    filled_store(tmp_path, chunks=1)
    (tmp_path / "manifest.json").write_bytes(MANIFESTS[name])
    one_error(cli("run", "--resume", tmp_path), "manifest")


@pytest.mark.slow
def test_resume_of_a_sweep_folder_by_run_and_of_a_run_folder_by_sweep_exits_2(tmp_path):
    filled_store(tmp_path, chunks=1)
    (tmp_path / "manifest.json").write_text(json.dumps({"kind": "sweep", "master_seed": 1,
                                                        "chunk": 10}))
    one_error(cli("run", "--resume", tmp_path), "sweep")
    (tmp_path / "manifest.json").write_text(json.dumps({"kind": "run", "master_seed": 1,
                                                        "chunk": 10}))
    one_error(cli("sweep", "--resume", tmp_path), "run")


@pytest.mark.slow
def test_resume_with_a_wrongly_shaped_log_record_exits_2(tmp_path):
    out = tmp_path / "out"
    args = [TRUMP, "--runs", "200", "--chunk", "100", "--jobs", "1", "--no-plots"]
    assert cli("run", *args, "--out", out).returncode == 0
    log = (out / "chunks.jsonl").read_text().splitlines(keepends=True)
    rec = json.loads(log[1])
    rec["aggregates"] = [{"horizon": "x"}]
    (out / "chunks.jsonl").write_text(log[0] + json.dumps(rec) + "\n" + "".join(log[2:]))
    before = snapshot(out)
    one_error(cli("run", "--resume", out), "chunks.jsonl")
    assert snapshot(out) == before


SUMMARIES = {"list": "[1, 2]", "string": '"x"', "garbage": "{nope", "empty": "",
             "scenario_not_object": '{"scenarios": [1]}',
             "shares_wrong": '{"scenarios": [{"name": "a", "shares": {"talks_resumed": 3}}]}',
             "comparison_list": '{"scenarios": [], "comparison": [1]}',
             "share_not_number": '{"scenarios": [{"name": "a", "shares": {"talks_resumed": '
                                 '{"p": "x", "lo": 0.4, "hi": 0.6}}}]}'}


@pytest.mark.slow
@pytest.mark.parametrize("command", ["plot", "report"])
@pytest.mark.parametrize("name", sorted(SUMMARIES))
def test_plot_and_report_on_a_malformed_summary_exit_2(tmp_path, command, name):
    (tmp_path / "summary.json").write_text(SUMMARIES[name])
    proc = cli(command, tmp_path)
    one_error(proc)
    assert len(proc.stderr) < 500


# ------------------------------------------------------------ limits


@pytest.mark.parametrize("args", [["--runs", "1000000000000"], ["--jobs", "1000"],
                                  ["--max-runs", "1000000000000", "--precision", "0.01",
                                   "--parameter-draws", "0"],
                                  ["--runs", "100000000", "--chunk", "1"]])
@pytest.mark.slow
def test_resource_limits_exit_2_at_once(args, tmp_path):
    one_error(cli("run", TRUMP, *args, "--out", tmp_path / "out", timeout=60))
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args", [["--jobs", "1000"], ["--method", "lhs", "--samples",
                                                    "1000000000000"],
                                  ["--runs-per-point", "1000000000000"]])
@pytest.mark.slow
def test_sweep_limits(tmp_path, args):
    one_error(cli("sweep", TRUMP, "--vary", "washington.outreach_rate=0:1:2", *args,
                  "--out", tmp_path / "s", timeout=60), args[-2])
    assert not (tmp_path / "s").exists()


@pytest.mark.slow
@pytest.mark.parametrize("start", ["0001-01", "9999-12"])
def test_hindcast_outside_the_record_fails_before_writing(tmp_path, start):
    sc = tmp_path / "term.yaml"
    sc.write_text(SHORT.replace('"2021-01"', f'"{start}"'), encoding="utf-8")
    out = tmp_path / "out"
    one_error(cli("hindcast", sc, "--runs", "10", "--no-plots", "--out", out), "record")
    assert not out.exists()


# ------------------------------------------------------------ hostile scenario files


HOSTILE = {
    "list_key.yaml": "? [a]\n: 1\n",
    "big_int.yaml": "x: " + "9" * 5000 + "\n",
    "deep.yaml": "x: " + "[" * 600 + "]" * 600 + "\n",
    "deep_map.yaml": "".join("  " * i + f"k{i}:\n" for i in range(600)) + "  " * 600 + "v\n",
    "bad_date.yaml": "d: 2021-13-45\n",
    "recursive.yaml": "a: &a [*a]\n",
}


def _alias_bomb(levels: int = 12) -> str:
    text = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, levels):
        text += f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n"
    return text + f"title: *a{levels - 1}\n"


@pytest.fixture
def hostile_dir(tmp_path: Path) -> Path:
    for name, text in HOSTILE.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "bomb.yaml").write_text(_alias_bomb(), encoding="utf-8")
    (tmp_path / "bomb_in_extends.yaml").write_text(
        _alias_bomb().replace("title:", "extends: parley:base.yaml\nworld:"), encoding="utf-8")
    return tmp_path


@pytest.mark.slow
def test_hostile_files_each_give_one_bounded_line(hostile_dir):
    files = sorted(hostile_dir.glob("*.yaml"))
    proc = cli("validate", *files, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(proc.stderr) < 400 * len(files)
    for f in files:
        assert sum(line.startswith(f"error: {f}:") for line in lines) == 1, (f, lines)


@pytest.mark.slow
@pytest.mark.parametrize("name", [*HOSTILE, "bomb.yaml"])
def test_hostile_files_through_a_folder_sweep_chronicle_and_viz(hostile_dir, name, tmp_path):
    path = hostile_dir / name
    one_error(cli("chronicle", path, timeout=60), name)
    sweep_file = tmp_path / "s.yaml"
    sweep_file.write_text(path.read_text())
    one_error(cli("sweep", "--file", sweep_file, timeout=60), "s.yaml")
    one_error(cli("viz", path, "--no-open", timeout=60), name)


def test_a_folder_scan_reports_a_hostile_file_instead_of_crashing(hostile_dir):
    proc = cli("compare", hostile_dir, "--runs", "10", timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_devices_and_fifos_are_refused_without_reading(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    one_error(cli("validate", fifo, timeout=30), "not a regular file")
    if Path("/dev/zero").exists():
        one_error(cli("validate", "/dev/zero", timeout=30), "not a regular file")
    proc = cli("validate", tmp_path, timeout=30)  # a FIFO in a folder scan does not block
    assert proc.returncode == 2 and "not a regular file" in proc.stderr


@pytest.mark.slow
def test_newlines_and_escapes_cannot_forge_lines_or_reach_the_terminal(tmp_path):
    sc = tmp_path / "forge.yaml"
    sc.write_text('extends: parley:base.yaml\nabstract: false\ntitle: "A \\e[31m red \\a"\n'
                  'camp: test\n"x\\nerror: forged": 1\n'
                  'events:\n  - {month: "2022-01\\nerror: forged", actor: seoul, set: {}, '
                  'note: "a note", assumption: "a long enough reason"}\n', encoding="utf-8")
    proc = cli("validate", sc)
    assert proc.returncode == 2
    assert not any(line.startswith("error: forged") for line in proc.stderr.splitlines())
    assert "\x1b" not in proc.stderr + proc.stdout and "\x07" not in proc.stderr + proc.stdout
    ok = tmp_path / "ok.yaml"
    ok.write_text('extends: parley:trump_oh.yaml\ntitle: "A \\e[31m red \\a title"\n')
    proc = cli("validate", ok)
    assert proc.returncode == 0 and "\x1b" not in proc.stdout and "\\x1b" in proc.stdout


@pytest.mark.slow
def test_merge_keys_are_supported(tmp_path):
    sc = tmp_path / "merge.yaml"
    sc.write_text("extends: parley:trump_oh.yaml\ntitle: Merged stances\nactors:\n"
                  "  washington:\n    outreach_rate: &r {value: 0.2, range: [0.1, 0.3], "
                  "assumption: a reason that is long enough}\n"
                  "  seoul:\n    engagement: {<<: *r, value: 0.3}\n")
    proc = cli("validate", sc)
    assert proc.returncode == 0, proc.stderr
    sc.write_text(sc.read_text().replace("{<<: *r, value: 0.3}", "{<<: [1, 2]}"))
    one_error(cli("validate", sc), "merge")


@pytest.mark.slow
def test_a_quoted_abstract_is_an_error_not_a_silent_drop(tmp_path):
    (tmp_path / "s.yaml").write_text('extends: parley:trump_oh.yaml\nabstract: "false"\n')
    one_error(cli("validate", tmp_path), "abstract", "true or false")


@pytest.mark.parametrize("ref", ["/etc/passwd", "../../../../../../etc/passwd",
                                 "../outside.yaml"])
@pytest.mark.slow
def test_extends_is_confined_and_never_echoes_the_file(tmp_path, ref):
    (tmp_path / "outside.yaml").write_text("secret_value: hunter2\nline2: x\n")
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "s.yaml").write_text(f"extends: {ref}\ntitle: x\n")
    proc = cli("validate", inner / "s.yaml")
    one_error(proc, "extends")
    assert "hunter2" not in proc.stderr and "root:" not in proc.stderr


@pytest.mark.slow
def test_a_scenario_anywhere_extends_a_shipped_one_by_package_reference(tmp_path):
    sc = tmp_path / "mine.yaml"
    sc.write_text("extends: parley:trump_oh.yaml\ntitle: Mine, from outside the repository\n")
    proc = cli("validate", sc, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    hindcast = tmp_path / "h.yaml"
    hindcast.write_text("extends: parley:hindcast/obama_2009.yaml\ntitle: A hindcast copy\n")
    assert cli("validate", hindcast, cwd=tmp_path).returncode == 0
    (tmp_path / "escape.yaml").write_text("extends: parley:../pyproject.toml\ntitle: x\n")
    one_error(cli("validate", tmp_path / "escape.yaml"), "outside")


@pytest.mark.parametrize("args", [
    ["hindcast", "--runs", "100000000"], ["forecast", "--runs", "100000000"],
    ["explain", TRUMP, TRUMP, "--permutations", "1000000000"],
    ["calibrate", "--dynamics", "--particles", "1000000000"],
    ["calibrate", "--dynamics", "--jobs", "1000"],
])
@pytest.mark.slow
def test_work_beyond_the_declared_budget_is_refused_at_once(args, tmp_path):
    """Each bound of parley.defaults is checked before any work starts (issue 24)."""
    one_error(cli(*args, cwd=tmp_path, timeout=60), "allowed 1 to" if "--runs" not in args
              else "allowed 2 to")
    assert not any(tmp_path.iterdir())


@pytest.mark.slow
def test_calibrate_json_on_a_full_disk_keeps_the_old_file_and_says_so(tmp_path, monkeypatch,
                                                                      capsys):
    """``parley calibrate --json FILE`` writes the whole file or none of it: on a full disk
    the old file stays as it was, no temp file is left, and the error is one line."""
    from parley.cli import main
    from parley.results import store as store_mod

    path = tmp_path / "calibration.json"
    argv = ["calibrate", "--sims", "5", "--json", str(path)]
    assert main([*argv, "--seed", "1"]) == 0
    old = path.read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store_mod.os, "fsync", full)
    capsys.readouterr()
    assert main([*argv, "--seed", "2"]) == 2
    err = capsys.readouterr().err
    assert "disk full" in err and "Traceback" not in err
    assert path.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["calibration.json"]  # no temp file
    monkeypatch.undo()
    assert main([*argv, "--seed", "2"]) == 0
    assert path.read_bytes() != old and json.loads(path.read_text())  # the new one, whole


# ------------------------------------- a pool that lost a task must not hang its close

_UNSENDABLE_TASKS = """
import sys
from parley.experiments.executors import ProcessExecutor

for n in (4, 5, 6, 7) * 3:
    with ProcessExecutor(jobs=2, start_method=sys.argv[1]) as ex:
        try:  # a lambda cannot be pickled: every task fails in the pool's feeder thread
            list(ex.map_ordered(abs, [lambda: 1] * n))
        except Exception as error:
            print(type(error).__name__, flush=True)
print("closed", flush=True)
"""


@pytest.mark.slow
@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_pool_whose_tasks_could_not_be_sent_closes_instead_of_hanging(method):
    """CPython before 3.12.8 and 3.13.1 (gh-125451) can deadlock a pool whose feeder
    thread handles a task that failed to pickle, in ``shutdown(wait=True)`` or as the pool
    ends broken; here about half of these twelve pools hung on 3.11.7, 3.12.1 and 3.13.0.
    A ProcessExecutor pickles each task itself, so the error is raised in the caller and
    the feeder thread only ever sends bytes."""
    proc = subprocess.run([sys.executable, "-c", _UNSENDABLE_TASKS, method], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(SRC)}, capture_output=True,
                          text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["PicklingError"] * 12 + ["closed"]


def test_an_error_out_of_the_with_block_kills_the_workers_at_once():
    """A job that ends in an error (or Ctrl-C) does not wait for the tasks still running:
    its workers are killed, not left to finish."""
    from parley.experiments import executors

    ex = executors.ProcessExecutor(jobs=2, start_method="spawn")
    with pytest.raises(RuntimeError, match="the job failed"), ex:
        ex._submit(time.sleep, 600)  # would hold a plain close for ten minutes
        processes = list(ex.pool._processes.values())
        raise RuntimeError("the job failed")
    assert ex.failed is False  # nothing went through imap: the error is the caller's own
    deadline = time.monotonic() + 60  # the kill is at once; reaping may lag a moment
    while any(p.is_alive() for p in processes) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [p.exitcode for p in processes] == [-signal.SIGKILL] * 2
