"""`parley verify` and --resume refuse every kind of damage to a results folder (issue 24).

Each corruption class (a byte of runs.csv, a field of a chunk record with its row
checksum intact, a manifest field, a truncated log line, an edited summary.json) must be
refused by `parley verify` and by `--resume` with one error line and exit 2, leaving
every byte of the folder as it was; a good folder verifies; folders from before record
checksums and identity digests still verify and resume.  A Hypothesis test flips and
cuts random bytes and counts the damage verify accepts silently: it must be none.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import parley
from parley.results.load import record_checksum
from parley.results.store import ResultsFolderError, ResultsStore
from parley.results.verify import verify_folder

ROOT = Path(__file__).resolve().parents[1]
SRC = Path(parley.__file__).resolve().parents[1]
TRUMP = ROOT / "scenarios" / "trump_oh.yaml"
SMALL = [TRUMP, "--runs", "200", "--chunk", "100", "--jobs", "1", "--no-plots"]


def cli(*args, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run([sys.executable, "-m", "parley.cli", *map(str, args)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=timeout)


def cli_here(*args) -> subprocess.CompletedProcess:
    """``parley ARGS`` in this process (verify, report, plot: no batch to run), its output
    captured as a subprocess's would be; an exception escaping main fails the test."""
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from parley.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([str(a) for a in args])
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def one_error(proc: subprocess.CompletedProcess, *words: str) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout[-500:], proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines()
             if line.strip() and not line.startswith("warning: ")]
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def snapshot(folder: Path, lock: bool = True) -> dict[str, bytes]:
    """Every file of the folder (the lock file too, unless ``lock`` is False: --resume
    writes its pid there, which is not a change to the results)."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())
            if p.is_file() and (lock or p.name != ".lock")}


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    """A complete batch: 200 runs over 20 parameter draws, chunks of 10 worlds."""
    out = tmp_path_factory.mktemp("good") / "out"
    proc = cli("run", *SMALL, "--out", out)
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="module")
def point(tmp_path_factory) -> Path:
    """The point run: 200 runs in 2 chunks of 100."""
    out = tmp_path_factory.mktemp("point") / "out"
    proc = cli("run", *SMALL, "--parameter-draws", "0", "--out", out)
    assert proc.returncode == 0, proc.stderr
    return out


def copy(folder: Path, to: Path) -> Path:
    shutil.copytree(folder, to)
    return to


def log_lines(folder: Path) -> list[bytes]:
    return (folder / "chunks.jsonl").read_bytes().splitlines(keepends=True)


def write_log(folder: Path, lines: list[bytes]) -> None:
    (folder / "chunks.jsonl").write_bytes(b"".join(lines))


def edit_json(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=1) + "\n")


# ------------------------------------------------------------------ good folders


@pytest.mark.slow
def test_a_good_folder_verifies_and_verify_changes_nothing(good, point):
    for folder, chunks in ((good, 20), (point, 2)):
        before = snapshot(folder)
        proc = cli_here("verify", folder)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == f"ok: {folder} ({chunks} chunks, 200 runs verified)"
        assert proc.stderr == ""
        assert snapshot(folder) == before


def test_the_records_carry_their_checksum_and_the_manifest_its_identity(good):
    for line in log_lines(good):
        rec = json.loads(line)
        assert rec["record_sha256"] == record_checksum(rec)
    manifest = json.loads((good / "manifest.json").read_text())
    assert set(manifest["identity_fields"]) >= {"scenarios", "master_seed", "requested_runs",
                                                "chunk", "parameter_uncertainty", "versions"}
    assert len(manifest["identity_sha256"]) == 64
    assert manifest["summary_sha256"] == hashlib.sha256(
        (good / "summary.json").read_bytes()).hexdigest()


def test_verify_takes_no_write_lock(good):
    """It runs while a writer holds the folder's lock (and never creates one)."""
    holder = ResultsStore(good)
    holder.lock()
    try:
        assert cli_here("verify", good).returncode == 0
    finally:
        holder.close()


@pytest.mark.slow
def test_verify_of_a_killed_batch_a_compare_and_a_sweep(good, tmp_path):
    """A batch killed mid-way (whole records, a half-written tail, status running) verifies
    and resumes; the resumed folder verifies as complete."""
    cut = copy(good, tmp_path / "cut")
    lines = log_lines(cut)
    write_log(cut, [*lines[:3], lines[3][:50]])
    rows = (cut / "runs.csv").read_bytes()
    end = json.loads(lines[2])["offset_end"]
    (cut / "runs.csv").write_bytes(rows[: end + 70])
    edit_json(cut / "manifest.json", lambda m: m.update(status="running"))
    proc = cli_here("verify", cut)
    assert proc.returncode == 0, proc.stderr
    assert "(3 chunks, 30 runs verified)" in proc.stdout
    assert cli("run", "--resume", cut).returncode == 0
    assert "(20 chunks, 200 runs verified)" in cli_here("verify", cut).stdout
    assert (cut / "runs.csv").read_bytes() == (good / "runs.csv").read_bytes()

    sweep = tmp_path / "sweep"
    proc = cli("sweep", TRUMP, "--vary", "washington.outreach_rate=0:1:2", "--runs-per-point", "20",
               "--jobs", "1", "--no-plots", "--out", sweep)
    assert proc.returncode == 0, proc.stderr
    assert cli_here("verify", sweep).stdout.startswith(f"ok: {sweep} (")

    pair = tmp_path / "compare"
    proc = cli("compare", TRUMP, ROOT / "scenarios" / "biden.yaml", "--runs", "40",
               "--chunk", "10", "--parameter-draws", "2", "--jobs", "1", "--no-plots",
               "--out", pair)
    assert proc.returncode == 0, proc.stderr
    assert cli_here("verify", pair).stdout == f"ok: {pair} (4 chunks, 80 runs verified)\n"


@pytest.mark.slow
def test_a_folder_from_before_record_checksums_still_verifies_and_resumes(good, tmp_path):
    """Records without record_sha256 (nor row checksums), a manifest without identity or
    summary digests: checked as far as they allow, and resumable."""
    old = copy(good, tmp_path / "old")
    strip = ("offset_start", "bytes", "sha256", "record_sha256")
    write_log(old, [(json.dumps({k: v for k, v in json.loads(line).items()
                                 if k not in strip}) + "\n").encode()
                    for line in log_lines(old)])
    edit_json(old / "manifest.json", lambda m: [m.pop(k) for k in
                                                ("identity_fields", "identity_sha256",
                                                 "summary_sha256")])
    assert cli_here("verify", old).returncode == 0
    assert cli("run", "--resume", old).returncode == 0
    assert cli_here("verify", old).returncode == 0
    # and without a summary digest, the summary is still checked against the records
    edit_json(old / "manifest.json", lambda m: m.pop("summary_sha256"))
    edit_json(old / "summary.json", lambda s: s["scenarios"][0].update(runs=199))
    one_error(cli_here("verify", old), "summary.json", "runs")


# ------------------------------------------------------------------ corruption classes


def _runs_byte(folder: Path) -> None:
    data = bytearray((folder / "runs.csv").read_bytes())
    i = len(data) * 2 // 3
    while data[i:i + 1] in (b"\n", b","):
        i += 1
    data[i] = ord("7") if data[i] != ord("7") else ord("8")
    (folder / "runs.csv").write_bytes(bytes(data))


def _record_field(folder: Path) -> None:
    """A count in chunk 4's aggregates changed, its rows' sha256 left as it was."""
    lines = log_lines(folder)
    rec = json.loads(lines[4])
    rec["aggregates"][0]["binary"]["talks_resumed"] += 1
    lines[4] = (json.dumps(rec, separators=(",", ":")) + "\n").encode()
    write_log(folder, lines)


def _record_offsets(folder: Path) -> None:
    """Two chunks' row ranges swapped with their sha256 (each range still hashes right)."""
    lines = log_lines(folder)
    a, b = json.loads(lines[1]), json.loads(lines[2])
    for key in ("offset_start", "offset_end", "bytes", "sha256"):
        a[key], b[key] = b[key], a[key]
    lines[1:3] = [(json.dumps(r, separators=(",", ":")) + "\n").encode() for r in (a, b)]
    write_log(folder, lines)


def _record_respelled(folder: Path) -> None:
    """The same record, spelled with spaces: equal JSON, other bytes."""
    lines = log_lines(folder)
    lines[0] = (json.dumps(json.loads(lines[0])) + "\n").encode()
    write_log(folder, lines)


def _record_checksum_dropped(folder: Path) -> None:
    lines = log_lines(folder)
    rec = json.loads(lines[-1])
    del rec["record_sha256"]
    lines[-1] = (json.dumps(rec, separators=(",", ":")) + "\n").encode()
    write_log(folder, lines)


def _manifest(field: str, change):
    def corrupt(folder: Path) -> None:
        edit_json(folder / "manifest.json", change)
    corrupt.field = field
    return corrupt


def _set_resolved_title(m):
    m["scenarios"][0]["resolved"]["title"] = "edited"


def _set_quantile(m):
    m["parameter_uncertainty"]["quantiles"][3][next(iter(
        m["parameter_uncertainty"]["quantiles"][3]))] = 0.5


def _log_cut_mid_line(which: int):
    def corrupt(folder: Path) -> None:
        lines = log_lines(folder)
        lines[which] = lines[which][: len(lines[which]) // 2] + b"\n"
        write_log(folder, lines)
    return corrupt


def _summary(change):
    def corrupt(folder: Path) -> None:
        path = folder / "summary.json"
        if change == "space":
            path.write_bytes(path.read_bytes().replace(b'"level": 0.95', b'"level":  0.95'))
        else:
            edit_json(path, change)
    return corrupt


CORRUPTIONS = {
    "runs_csv_byte": (_runs_byte, ["runs.csv", "checksum"]),
    "record_field": (_record_field, ["chunks.jsonl", "record_sha256"]),
    "record_offsets_swapped": (_record_offsets, ["chunks.jsonl"]),
    "record_respelled": (_record_respelled, ["chunks.jsonl", "edited"]),
    "record_checksum_dropped": (_record_checksum_dropped, ["record_sha256"]),
    "manifest_master_seed": (_manifest("master_seed", lambda m: m.update(master_seed=7)),
                             ["manifest.json", "'master_seed'"]),
    "manifest_requested_runs": (_manifest("requested_runs",
                                          lambda m: m.update(requested_runs=400)),
                                ["'requested_runs'"]),
    "manifest_chunk": (_manifest("chunk", lambda m: m.update(chunk=5)), ["'chunk'"]),
    "manifest_scenario": (_manifest("scenarios", _set_resolved_title), ["'scenarios'"]),
    "manifest_draw_value": (_manifest("parameter_uncertainty", _set_quantile),
                            ["'parameter_uncertainty'"]),
    "manifest_version": (_manifest("versions", lambda m: m["versions"].update(parley="9")),
                         ["'versions'"]),
    "manifest_identity_removed": (_manifest("identity_sha256", lambda m: [
        m.pop("identity_sha256"), m.pop("identity_fields")]), ["manifest", "edited"]),
    "manifest_digest_edited": (_manifest("identity_sha256", lambda m: m.update(
        identity_sha256="0" * 64)), ["manifest was edited"]),
    "log_line_cut_first": (_log_cut_mid_line(0), ["chunks.jsonl", "line 1"]),
    "log_line_cut_middle": (_log_cut_mid_line(9), ["chunks.jsonl", "line 10"]),
    "log_line_cut_last": (_log_cut_mid_line(-1), ["chunks.jsonl", "line 20"]),
    "summary_share": (_summary(lambda s: s["scenarios"][0]["shares"]["talks_resumed"].update(
        p=0.5)), ["summary.json"]),
    "summary_runs": (_summary(lambda s: s["scenarios"][0].update(runs=1)), ["summary.json"]),
    "summary_whitespace": (_summary("space"), ["summary.json"]),
}


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_verify_and_resume_refuse_each_corruption_and_change_nothing(good, tmp_path, kind):
    corrupt, words = CORRUPTIONS[kind]
    folder = copy(good, tmp_path / "f")
    corrupt(folder)
    before = snapshot(folder)
    one_error(cli_here("verify", folder), *words)
    assert snapshot(folder) == before
    one_error(cli("run", "--resume", folder))
    assert snapshot(folder, lock=False) == {k: v for k, v in before.items() if k != ".lock"}


@pytest.mark.parametrize("command", ["report", "plot"])
@pytest.mark.parametrize("kind", ["runs_csv_byte", "record_field", "manifest_scenario",
                                  "summary_share"])
def test_report_and_plot_verify_first(good, tmp_path, command, kind):
    folder = copy(good, tmp_path / "f")
    CORRUPTIONS[kind][0](folder)
    before = snapshot(folder)
    one_error(cli_here(command, folder), *CORRUPTIONS[kind][1])
    assert snapshot(folder) == before and not (folder / "figures").exists()


def test_a_consistently_edited_record_is_caught_by_the_summary(good, tmp_path):
    """A record edited with its own checksum recomputed fits the manifest, but its counts no
    longer add up to the summary's."""
    folder = copy(good, tmp_path / "f")
    lines = log_lines(folder)
    rec = json.loads(lines[4])
    agg = rec["aggregates"][0]["binary"]
    agg["crisis"] = agg["crisis"] + 1 if agg["crisis"] < rec["n"] else agg["crisis"] - 1
    rec["record_sha256"] = record_checksum(rec)
    lines[4] = (json.dumps(rec, separators=(",", ":")) + "\n").encode()
    write_log(folder, lines)
    one_error(cli_here("verify", folder), "summary.json", "crisis")


def test_a_complete_folder_with_its_last_record_cut_off_fails_verify(good, tmp_path):
    """A record cut without its newline is what a kill leaves: --resume redoes that chunk
    (byte-identical); but a folder marked complete cannot have one, so verify refuses."""
    folder = copy(good, tmp_path / "f")
    lines = log_lines(folder)
    write_log(folder, [*lines[:-1], lines[-1][:40]])
    one_error(cli_here("verify", folder), "chunks.jsonl", "complete")


# ------------------------------------------------------------------ randomized damage

FILES = ("runs.csv", "chunks.jsonl", "summary.json")
TALLY = {"tries": 0, "refused": 0, "silently_accepted": 0, "unchanged": 0}


@pytest.fixture(scope="module")
def pristine(good, point):
    return {name: {f: (folder / f).read_bytes() for f in (*FILES, "manifest.json")}
            for name, folder in (("draws", good), ("point", point))}


@pytest.mark.slow
@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(folder=st.sampled_from(["draws", "point"]), name=st.sampled_from(FILES),
       op=st.sampled_from(["flip", "cut"]), where=st.floats(0, 1, exclude_max=True),
       mask=st.integers(1, 255))
def test_random_damage_is_never_silently_accepted(pristine, folder, name, op, where, mask):
    files = pristine[folder]
    data = bytearray(files[name])
    i = int(where * len(data))
    if op == "flip":
        data[i] ^= mask
    else:
        del data[i:]
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        for f, content in files.items():
            (d / f).write_bytes(bytes(data) if f == name else content)
        TALLY["tries"] += 1
        try:
            verify_folder(d)
        except ResultsFolderError:
            TALLY["refused"] += 1
            return
        if bytes(data) == files[name]:
            TALLY["unchanged"] += 1
        else:
            TALLY["silently_accepted"] += 1
    assert TALLY["silently_accepted"] == 0, (folder, name, op, i, mask)


def test_random_damage_tally():
    """(Runs after the property above: its count of silently accepted damage is 0.)"""
    if TALLY["tries"]:
        print(f"\nrandom damage: {TALLY}")
    assert TALLY["silently_accepted"] == 0



@pytest.mark.slow
def test_an_interrupted_batch_verifies_and_its_summary_is_checked(tmp_path):
    """Ctrl-C: the batch stops at a chunk boundary with status interrupted and a summary of
    the records so far, which verify checks against them."""
    import signal
    import time

    out = tmp_path / "cut"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen([sys.executable, "-m", "parley.cli", "run", TRUMP, "--runs", "6000",
                             "--chunk", "100", "--parameter-draws", "0", "--jobs", "1",
                             "--no-plots", "--out", str(out)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 120
        while not ((out / "chunks.jsonl").exists()
                   and (out / "chunks.jsonl").read_bytes().count(b"\n") >= 2):
            assert proc.poll() is None and time.time() < deadline, "no chunk in time"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    proc = cli_here("verify", out)
    assert proc.returncode == 0, proc.stderr
    # the summary of an interrupted batch is checked against its records, too
    edit_json(out / "manifest.json", lambda m: m.pop("summary_sha256"))
    edit_json(out / "summary.json", lambda s: s["scenarios"][0]["shares"]["crisis"].update(
        k=s["scenarios"][0]["shares"]["crisis"]["k"] + 1))
    one_error(cli_here("verify", out), "summary.json", "crisis")
