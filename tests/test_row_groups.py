"""Consecutive blocks of one draw stepped in one model, written back in task order
(issue 23): a big batch's models are MODEL_WORLDS worlds, not a chunk's, and nothing it
writes changes, byte for byte.

A batch's tasks run chunk-major, then draw; a model of 5,000 worlds runs at about 83,000
worlds per CPU-second and one of 20,000 at 108,000 (benchmarks/PROFILE.md), so a task
steps several chunk rows of one draw at once (``row_groups``, ``run_rows``) and the
writer puts the results back in the task order.  The rows of several chunks are made
durable together (``ResultsStore.append_many``): two fsyncs, not two a chunk.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from parley import defaults, forking, load_scenario
from parley.experiments import engine as E
from parley.experiments.batch import (
    BatchOptions,
    draw_values,
    execute,
    new_batch,
    parameter_uncertainty,
)
from parley.experiments.executors import SerialExecutor
from parley.randomness import run_seeds
from parley.results import store as store_mod
from parley.results.store import ResultsFolderError, ResultsStore

ROOT = Path(__file__).resolve().parents[1]
NAMES = ("trump_oh", "biden", "trump_yeo")


@pytest.fixture(scope="module")
def scenarios():
    return [load_scenario(ROOT / "scenarios" / f"{n}.yaml") for n in NAMES]


def as_plain(res: E.BlockResult) -> dict:
    return {"rows": res.rows, "aggregates": [json.dumps(a.to_json()) for a in res.aggregates],
            "pairs": res.pairs, "camps": res.camps, "errors": res.errors,
            "meta": (res.seq, res.first_run, res.n, res.draw)}


def row_tasks(scenarios, values, n: int, rows: int, draw: int | None = 3):
    resolved = tuple(s.resolved for s in scenarios)
    return tuple(E.BlockTask(10 + r, 100 + r * n, n, 7, draw, resolved, values, ((0, 1),))
                 for r in range(rows))


def test_a_row_group_gives_each_block_its_own_results_bit_for_bit(scenarios):
    draws = draw_values(scenarios, parameter_uncertainty(scenarios, BatchOptions(runs=2000)))
    for values in (draws[4], tuple({} for _ in scenarios)):  # a draw, and the point run
        group = row_tasks(scenarios, values, 120, 3)
        together = E.run_rows(group)
        alone = [E.run_block(task) for task in group]
        assert [as_plain(r) for r in together] == [as_plain(r) for r in alone]
    # the blocks differ, so a group that gave every block the first one's rows would fail
    assert len({r.rows for r in alone}) == 3


def test_a_failing_run_in_a_row_group_is_still_named(scenarios, failing_run):
    group = row_tasks(scenarios, tuple({} for _ in scenarios), 20, 3)
    failing_run(int(run_seeds(7, [125])[0]), "biden")  # in the second block
    results = E.run_rows(group)
    assert [[(e["scenario"], e["run"]) for e in r.errors] for r in results] == \
        [[], [("biden", 125)], []]
    assert results[1].aggregates[1].n == 19 and results[0].aggregates[1].n == 20


def _stream(rows: int, draws: int, n_last: int, chunk: int = 10, skip: int = 0):
    sizes = [chunk] * (rows - 1) + [n_last]
    tasks = [E.BlockTask(seq, r * chunk, sizes[r], 1, d, ({},), ({},))
             for seq, (r, d) in enumerate((r, d) for r in range(rows) for d in range(draws))]
    return tasks[skip:]


def test_row_groups_take_whole_rows_and_leave_the_rest_one_task_each():
    groups = list(E.row_groups(_stream(5, 3, n_last=4), per_row=3, rows=2, chunk=10))
    assert [[t.seq for t in g] for g in groups] == [
        [0, 3], [1, 4], [2, 5], [6, 9], [7, 10], [8, 11], [12], [13], [14]]
    assert all(len({t.draw for t in g}) == 1 for g in groups)
    # a resumed batch begins inside a row: that row's tasks go alone, then whole rows group
    resumed = list(E.row_groups(_stream(3, 3, n_last=10, skip=2), per_row=3, rows=2, chunk=10))
    assert [[t.seq for t in g] for g in resumed] == [[2], [3, 6], [4, 7], [5, 8]]
    # the point run (one task a row): consecutive blocks
    point = list(E.row_groups(_stream(5, 1, n_last=10), per_row=1, rows=4, chunk=10))
    assert [[t.seq for t in g] for g in point] == [[0, 1, 2, 3], [4]]


@pytest.mark.parametrize("rows, draws, chunk, workers", [
    (10, 20, 5000, 2), (200, 1, 5000, 2), (20, 1, 5000, 2), (3, 1, 5000, 2), (1, 20, 5000, 2),
    (10, 20, 1000, 2), (7, 1, 5000, 8), (40, 20, 30_000, 2), (60, 1, 100, 1),
])
def test_a_row_group_fits_the_model_bound_and_leaves_every_worker_tasks(rows, draws, chunk,
                                                                        workers):
    by = E.rows_per_group(rows, draws, chunk, workers)
    assert 1 <= by <= max(1, rows)
    assert by == 1 or (by * chunk <= defaults.MODEL_WORLDS and by <= defaults.ROWS_PER_TASK)
    tasks = -(-rows // by) * draws
    assert by == 1 or tasks >= 2 * workers
    bigger = by + 1  # as large as the bounds allow
    assert (bigger > rows or bigger * chunk > defaults.MODEL_WORLDS
            or bigger > defaults.ROWS_PER_TASK or -(-rows // bigger) * draws < 2 * workers)


def _batch_folder(scenarios, folder: Path, runs: int, draws: int, model_worlds: int,
                  monkeypatch) -> dict[str, bytes]:
    monkeypatch.setattr(defaults, "MODEL_WORLDS", model_worlds)
    options = BatchOptions(runs=runs, chunk=40, parameter_draws=draws)
    batch, manifest = new_batch(scenarios, options, folder, "compare")
    execute(batch, manifest, SerialExecutor())
    return {f: (folder / f).read_bytes() for f in ("runs.csv", "chunks.jsonl", "summary.json")}


@pytest.mark.parametrize("runs, draws", [(1030, 5), (700, 0)])
def test_a_batch_writes_the_same_bytes_with_and_without_row_groups(scenarios, tmp_path,
                                                                   monkeypatch, runs, draws):
    """205 worlds a draw in chunks of 40 (five whole rows and a short one), and the point
    run's 18 chunks: grouped four rows a model, or one, the files are the same."""
    grouped = _batch_folder(scenarios, tmp_path / "g", runs, draws, 160, monkeypatch)
    alone = _batch_folder(scenarios, tmp_path / "a", runs, draws, 40, monkeypatch)
    assert grouped == alone
    seqs = [json.loads(line)["seq"] for line in grouped["chunks.jsonl"].splitlines()]
    assert seqs == list(range(len(seqs))) and len(seqs) == (6 * draws if draws else 18)


def test_a_grouped_batch_steps_models_of_several_blocks(scenarios, tmp_path, monkeypatch):
    sizes = []
    real = E.simulate

    def counted(scenario, seeds, record=None, **kw):
        sizes.append(len(seeds))
        return real(scenario, seeds, record, **kw)

    monkeypatch.setattr(E, "simulate", counted)
    _batch_folder(scenarios[:1], tmp_path / "g", 400, 0, 160, monkeypatch)
    assert sizes == [160, 160, 80]  # ten chunks of 40: four, four, then two a model


HEADER = "scenario,run\n"


def _store(folder: Path) -> ResultsStore:
    st = ResultsStore(folder, header=HEADER)
    st.start()
    return st


RECORD = {"first_run": 0, "n": 1, "aggregates": [], "pairs": [], "camps": [], "errors": []}


def test_append_many_writes_what_appending_one_by_one_writes(tmp_path):
    chunks = [(f"s,{i}\n".encode() * (i + 1), {"seq": i, **RECORD}) for i in range(4)]
    one, many = _store(tmp_path / "one"), _store(tmp_path / "many")
    logged_one = [one.append(rows, dict(rec)) for rows, rec in chunks]
    logged_many = many.append_many([(rows, dict(rec)) for rows, rec in chunks])
    assert logged_one == logged_many
    for name in ("runs.csv", "chunks.jsonl"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "many" / name).read_bytes()
    many.close()
    assert len(ResultsStore(tmp_path / "many", header=HEADER).recover()) == 4


def test_append_many_makes_two_fsyncs_and_rolls_back_every_chunk_on_failure(tmp_path,
                                                                           monkeypatch):
    st = _store(tmp_path / "r")
    st.append(b"s,0\n", {"seq": 0, **RECORD})
    before = {n: (st.folder / n).read_bytes() for n in ("runs.csv", "chunks.jsonl")}
    syncs = []
    real_fsync = store_mod.os.fsync
    monkeypatch.setattr(store_mod.os, "fsync", lambda fd: syncs.append(fd) or real_fsync(fd))
    st.append_many([(b"s,1\n", {"seq": 1, **RECORD}), (b"s,2\n", {"seq": 2, **RECORD})])
    assert len(syncs) == 2
    st.close()
    st = ResultsStore(st.folder, header=HEADER)
    assert len(st.recover()) == 3  # the folder is sound after the two
    before = {n: (st.folder / n).read_bytes() for n in ("runs.csv", "chunks.jsonl")}
    real = store_mod.append_durably

    def log_fails(path, data, what):
        if path == st.log_path:
            raise ResultsFolderError(f"{path}: disk full")
        return real(path, data, what)

    monkeypatch.setattr(store_mod, "append_durably", log_fails)
    with pytest.raises(ResultsFolderError, match="disk full"):
        st.append_many([(b"s,3\n", {"seq": 3, **RECORD}), (b"s,4\n", {"seq": 4, **RECORD})])
    assert {n: (st.folder / n).read_bytes() for n in ("runs.csv", "chunks.jsonl")} == before


# ------------------------------------------------- workers started while the job is set up


def warm_then_abort(method: str) -> None:
    """``warm`` starts the pool's workers now (spawned ones import the model while the parent
    sets the job up); ``abort`` (a job that failed to start) kills them rather than waiting."""
    from parley.experiments import executors

    ex = executors.ProcessExecutor(jobs=2, start_method=method)
    ex.warm()
    assert ex.start_method == method  # not fallen back to spawn
    warming = list(ex._warming)
    ex.warm()
    assert ex._warming == warming  # a second warm submits nothing more
    # forked workers inherit the parent's imports and all start at the pool's first submit:
    # one warm-up; spawned ones each import the model: one warm-up a worker
    assert len(warming) == (1 if method == "fork" else 2)
    processes = list(ex.pool._processes.values())
    manager = ex.pool._executor_manager_thread
    assert len(processes) == 2 and all(p.is_alive() for p in processes)
    ex.abort()
    # abort returns after the pool's manager thread has closed its wake-up pipe: exiting
    # right after (a job that failed to start) cannot race concurrent.futures' exit hook
    # into writing to that pipe as it closes ('Bad file descriptor' on stderr)
    assert not manager.is_alive()
    deadline = time.monotonic() + 30  # the kill is at once; reaping may lag a moment
    while any(p.is_alive() for p in processes) and time.monotonic() < deadline:
        time.sleep(0.05)
    # killed while still importing the model, not left to finish and exit by themselves
    assert [p.exitcode for p in processes] == [-signal.SIGKILL] * 2


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_warm_starts_every_worker_once_and_abort_kills_them_at_once(method):
    if method == "spawn" or forking.can_fork():
        warm_then_abort(method)
        return
    if not sys.platform.startswith("linux"):
        pytest.skip("workers fork on Linux only")
    # a pytest-xdist worker runs threads of its own, so it may not fork (can_fork): the
    # fork case runs in a fresh single-threaded interpreter instead of being skipped
    script = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
              "from parley import forking; assert forking.can_fork()\n"
              "import test_row_groups; test_row_groups.warm_then_abort('fork')\n"
              "print('checked')\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=240)
    assert done.returncode == 0 and done.stdout == "checked\n", done.stderr[-3000:]


def test_a_warmed_pool_runs_tasks_after_its_warm_up():
    from parley.experiments import executors

    with executors.ProcessExecutor(jobs=2) as ex:
        ex.warm()
        assert dict(ex.imap(abs, [-1, -2, -3])) == {0: 1, 1: 2, 2: 3}
        for future in ex._warming:
            assert future.result(timeout=60) is None  # the warm-up itself did not fail


def test_a_worker_skips_the_interpreter_teardown_at_exit_after_flushing(monkeypatch):
    """Workers register a last exit hook that flushes stdout and stderr, then ends the
    process at once: the pool's close no longer waits for every module to be torn down."""
    import io

    from parley.experiments import executors

    hooks, exits = [], []
    monkeypatch.setattr(executors.atexit, "register", hooks.append)
    monkeypatch.setattr(executors.signal, "signal", lambda *a: None)
    monkeypatch.setattr(executors, "_die_with_parent", lambda: True)
    executors._init_worker(None)
    assert hooks == [executors._exit_now]
    out = io.StringIO()
    monkeypatch.setattr(executors.sys, "stdout", out)
    monkeypatch.setattr(out, "flush", lambda: exits.append("flushed"))
    monkeypatch.setattr(executors.os, "_exit", exits.append)
    executors._exit_now()
    assert exits == ["flushed", 0]


def test_a_record_line_is_the_json_of_the_record_as_logged(tmp_path):
    """append_many writes each record as record_line of the record it returns (checksum
    last), built from the line it already made rather than a second dump."""
    from parley.results.load import record_checksum, record_line

    st = _store(tmp_path / "r")
    record = {"seq": 0, **RECORD, "aggregates": [{"bins": (1, 2), "n": 3}], "draw": 2,
              "errors": [{"scenario": "é", "run": 1}]}
    logged = st.append(b"s,0\n", record)
    assert (tmp_path / "r" / "chunks.jsonl").read_bytes() == record_line(logged)
    assert logged["record_sha256"] == record_checksum(logged)


@pytest.mark.parametrize("argv, serial", [
    (["run", "x.yaml", "--runs", "2000"], True),
    (["run", "x.yaml", "--runs", "2001"], False),
    (["run", "x.yaml"], False),  # the default 20,000 runs
    (["compare", "--runs", "500"], True),
    (["run", "x.yaml", "--runs", "500", "--jobs", "2"], False),  # asked for: kept
    (["run", "x.yaml", "--runs", "500", "--executor", "dask"], False),
    (["run", "--resume", "somewhere"], False),  # its size is the folder's
    (["run", "x.yaml", "--runs", "500", "--precision", "0.01", "--parameter-draws", "0"],
     False),  # may grow to --max-runs
    (["hindcast"], True),  # the default 2,000 worlds a term
    (["hindcast", "--runs", "10000"], False),
    (["sweep", "x.yaml", "--runs-per-point", "100"], False),  # not a batch of runs
])
def test_a_small_job_runs_in_this_process_unless_workers_are_asked_for(argv, serial):
    """A worker's start (about 1 s) costs more than a small job's simulations save."""
    from parley.cli import build_parser
    from parley.cli.common import small_job

    args = build_parser(argv[0]).parse_args(argv)
    assert small_job(args) is serial


def test_a_small_run_records_one_job_and_the_same_results(tmp_path):
    from parley.cli import main

    for name, extra in (("auto", []), ("pool", ["--jobs", "2"])):
        assert main(["run", str(ROOT / "scenarios" / "biden.yaml"), "--runs", "300",
                     "--no-plots", "--out", str(tmp_path / name), *extra]) == 0
    manifests = {n: json.loads((tmp_path / n / "manifest.json").read_text())
                 for n in ("auto", "pool")}
    assert manifests["auto"]["jobs"] == 1 and manifests["pool"]["jobs"] == 2
    assert (tmp_path / "auto" / "runs.csv").read_bytes() == \
        (tmp_path / "pool" / "runs.csv").read_bytes()


def test_a_yaml_file_is_parsed_once_per_text_and_each_caller_gets_its_own_copy(tmp_path,
                                                                               monkeypatch):
    from parley import safe_yaml

    path = tmp_path / "s.yaml"
    path.write_text("a: {b: [1, 2]}\n")
    parses = []
    real = safe_yaml._parse_mapping
    monkeypatch.setattr(safe_yaml, "_parse_mapping", lambda *a: parses.append(1) or real(*a))
    first = safe_yaml.read_yaml_mapping(path)
    first["a"]["b"].append(3)  # a caller's change stays its own
    assert safe_yaml.read_yaml_mapping(path) == {"a": {"b": [1, 2]}} and len(parses) == 1
    path.write_text("a: {b: [7]}\n")  # a changed file is read anew
    assert safe_yaml.read_yaml_mapping(path) == {"a": {"b": [7]}} and len(parses) == 2


def test_the_program_returns_mains_code_and_freezes_the_heap_for_its_exit(monkeypatch):
    import gc

    from parley import cli

    monkeypatch.setattr(cli, "main", lambda: 7)
    try:
        assert cli.program() == 7
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


# ------------------------------------------- the main process's memory, flat in run count


def _grouped_batch(scenarios, folder: Path, runs: int, draws: int, monkeypatch):
    monkeypatch.setattr(defaults, "MODEL_WORLDS", 160)  # four chunk rows of 40 a task
    options = BatchOptions(runs=runs, chunk=40, parameter_draws=draws)
    batch, manifest = new_batch(scenarios, options, folder, "compare")
    execute(batch, manifest, SerialExecutor())
    records = [json.loads(line) for line in (folder / "chunks.jsonl").read_text().splitlines()]
    return batch, records


@pytest.mark.parametrize("runs", [1600, 4000])
def test_the_writer_holds_at_most_one_tasks_rows_in_memory_whatever_the_run_count(
        scenarios, tmp_path, monkeypatch, runs):
    """A row group's tasks each carry four chunk rows of one draw, and the writer can
    write none of them until the last draw's task is in: their rows wait in the spill
    file, not in memory.  In memory at once: at most the task just received (four blocks),
    not the group (four rows of every draw, 20 blocks here; 80 at the default 20 draws),
    at 10 rows a draw as at 25."""
    batch, records = _grouped_batch(scenarios[:1], tmp_path / "b", runs, 5, monkeypatch)
    block = max(r["bytes"] for r in records)
    assert 0 < batch.peak_waiting <= 4 * block
    assert len(records) == runs // 40 and [r["seq"] for r in records] == list(range(len(records)))
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == [  # no spill file left
        ".lock", "chunks.jsonl", "manifest.json", "runs.csv", "summary.json"]


def test_parked_rows_and_small_write_slices_give_the_same_files(scenarios, tmp_path,
                                                                monkeypatch):
    """Grouped, parked in the spill file and written three chunks at a time, a batch's
    files are those of one chunk row a task (a row's draws fused), written as each
    arrives."""
    _grouped_batch(scenarios, tmp_path / "g", 1030, 5, monkeypatch)
    writes = []
    real = ResultsStore.append_many
    monkeypatch.setattr(ResultsStore, "append_many",
                        lambda self, chunks: writes.append(len(chunks)) or real(self, chunks))
    monkeypatch.setattr(defaults, "WRITE_BLOCKS", 3)
    _grouped_batch(scenarios, tmp_path / "s", 1030, 5, monkeypatch)
    assert max(writes) == 3 and sum(writes) == 30
    writes.clear()
    monkeypatch.setattr(defaults, "WRITE_BLOCKS", 1000)
    monkeypatch.setattr(E, "Spill", None)  # a batch of one row a task never parks rows
    folder = tmp_path / "a"
    monkeypatch.setattr(defaults, "MODEL_WORLDS", 40)
    batch, manifest = new_batch(scenarios, BatchOptions(runs=1030, chunk=40, parameter_draws=5),
                                folder, "compare")
    execute(batch, manifest, SerialExecutor())  # each task's results written as it arrives
    for name in ("runs.csv", "chunks.jsonl", "summary.json"):
        assert (tmp_path / "g" / name).read_bytes() == (tmp_path / "s" / name).read_bytes() \
            == (folder / name).read_bytes(), name


def test_a_spill_parks_rows_and_append_many_copies_them_out_byte_for_byte(tmp_path,
                                                                          monkeypatch):
    monkeypatch.setattr(store_mod, "_COPY_BLOCK", 7)  # rows copied out in several pieces
    chunks = [(f"s,{i}\n".encode() * (i + 3), {"seq": i, **RECORD}) for i in range(4)]
    plain, parked = _store(tmp_path / "plain"), _store(tmp_path / "parked")
    logged_plain = plain.append_many([(rows, dict(rec)) for rows, rec in chunks])
    with store_mod.Spill(parked.folder) as spill:
        kept = [(spill.park(rows) if i % 2 else rows, dict(rec))
                for i, (rows, rec) in enumerate(chunks)]
        assert spill.parked == 2 and spill.end == sum(len(r) for r, _ in chunks[1::2])
        assert parked.append_many(kept) == logged_plain
        spill.taken(1)
        assert spill.end > 0  # one still waits
        spill.taken(1)
        assert spill.end == 0 and store_mod.os.fstat(spill.fd).st_size == 0
    assert spill.fd == -1
    for name in ("runs.csv", "chunks.jsonl"):
        assert (plain.folder / name).read_bytes() == (parked.folder / name).read_bytes()
    assert sorted(p.name for p in parked.folder.iterdir()) == [".lock", "chunks.jsonl",
                                                                "runs.csv"]


def test_rows_that_cannot_be_parked_wait_in_memory_and_the_files_are_the_same(
        scenarios, tmp_path, monkeypatch):
    """A full disk at the spill file is no new failure: the rows wait in memory instead
    (as before round 5) and the batch writes what it writes with them parked."""
    parked, _ = _grouped_batch(scenarios[:1], tmp_path / "p", 1600, 5, monkeypatch)

    def full(self, rows):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_mod.Spill, "park", full)
    held, _ = _grouped_batch(scenarios[:1], tmp_path / "m", 1600, 5, monkeypatch)
    assert held.peak_waiting > parked.peak_waiting  # a group's rows, in memory
    for name in ("runs.csv", "chunks.jsonl", "summary.json"):
        assert (tmp_path / "p" / name).read_bytes() == (tmp_path / "m" / name).read_bytes()
