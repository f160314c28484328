"""Batches end to end through the CLI: reproducibility, replay, nothing lost."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from parley.experiments import engine as B
from parley.outcomes import RUNS_HEADER_WITH_DRAW
from parley.randomness import run_seeds

ROOT = Path(__file__).resolve().parents[1]
TRUMP = str(ROOT / "scenarios" / "trump_oh.yaml")


def parley(*args: str, check: bool = True, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "parley.cli", *args], capture_output=True,
                          text=True, cwd=kw.pop("cwd", ROOT), timeout=kw.pop("timeout", 300),
                          **kw)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def read_runs(folder: Path) -> list[dict[str, str]]:
    with open(folder / "runs.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def test_results_identical_for_one_and_two_workers(tmp_path):
    """The default batch: 3,000 runs = 20 parameter draws x 150 worlds, the same 150
    worlds (seeds) in every draw, written draw by draw within each block of worlds."""
    a, b = tmp_path / "j1", tmp_path / "j2"
    parley("run", TRUMP, "--runs", "3000", "--chunk", "100", "--jobs", "1", "--out", str(a),
           "--no-plots")
    parley("run", TRUMP, "--runs", "3000", "--chunk", "100", "--jobs", "2", "--out", str(b),
           "--no-plots")
    assert (a / "runs.csv").read_bytes() == (b / "runs.csv").read_bytes()
    assert (a / "summary.json").read_bytes() == (b / "summary.json").read_bytes()
    rows = read_runs(a)
    order = [(first, d, i) for first, n in ((0, 100), (100, 50)) for d in range(20)
             for i in range(first, first + n)]
    assert [(int(r["draw"]), int(r["run"])) for r in rows] == [(d, i) for _, d, i in order]
    seeds = run_seeds(20201130, range(150)).tolist()
    assert all(int(r["seed"]) == seeds[int(r["run"])] for r in rows)
    manifest = json.loads((a / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["runs"] == 3000
    assert manifest["requested_runs"] == 3000 and manifest["target_runs"] == 150
    assert manifest["scenarios"][0]["resolved"]["name"] == "trump_oh"
    assert {"parley", "mesa", "numpy", "python"} <= set(manifest["versions"])


def test_the_point_run_is_identical_for_one_and_two_workers(tmp_path):
    a, b = tmp_path / "j1", tmp_path / "j2"
    for folder, jobs in ((a, "1"), (b, "2")):
        parley("run", TRUMP, "--runs", "1200", "--chunk", "400", "--parameter-draws", "0",
               "--jobs", jobs, "--out", str(folder), "--no-plots")
    assert (a / "runs.csv").read_bytes() == (b / "runs.csv").read_bytes()
    rows = read_runs(a)
    assert "draw" not in rows[0]
    assert len(rows) == 1200 and [int(r["run"]) for r in rows] == list(range(1200))
    assert [int(r["seed"]) for r in rows[:5]] == run_seeds(20201130, range(5)).tolist()


def test_summary_matches_the_runs_file(tmp_path):
    out = tmp_path / "r"
    parley("run", TRUMP, "--runs", "2000", "--chunk", "300", "--jobs", "1", "--out", str(out),
           "--no-plots")
    rows = read_runs(out)
    summary = json.loads((out / "summary.json").read_text())["scenarios"][0]
    for key in ("talks_resumed", "summit_held", "freeze_deal", "relief_granted", "crisis"):
        k = sum(int(r[key]) for r in rows)
        assert summary["shares"][key]["k"] == k
        assert summary["shares"][key]["lo"] <= k / 2000 <= summary["shares"][key]["hi"]
    tests = np.array([int(r["tests"]) for r in rows])
    assert summary["counts"]["tests"]["mean"] == pytest.approx(tests.mean())
    first = [int(r["first_talks_month"]) for r in rows if r["first_talks_month"]]
    assert len(first) == summary["shares"]["talks_resumed"]["k"]
    assert all(1 <= m <= 48 for m in first)


@pytest.mark.parametrize("draws", ["0", "20"])
def test_any_run_replays_alone_through_chronicle(tmp_path, draws):
    out = tmp_path / "r"
    parley("run", TRUMP, "--runs", "500", "--parameter-draws", draws, "--jobs", "1",
           "--out", str(out), "--no-plots")
    rows = read_runs(out)
    for row in (rows[0], rows[137], rows[499]):
        where = (["trump_oh", "--batch", str(out), "--draw", row["draw"]] if "draw" in row
                 else [TRUMP])
        text = parley("chronicle", *where, "--seed", row["seed"]).stdout
        assert len([ln for ln in text.splitlines() if "(month " in ln]) == 48
        lines = text.split("Outcome record:")[1].strip().splitlines()
        record = {k.strip(): v.strip() for k, _, v in (ln.partition(":") for ln in lines)}
        for key in ("talks_resumed", "summit_held", "freeze_deal", "relief_granted", "crisis"):
            assert int(record[key] == "True") == int(row[key]), key
        for key in ("tests", "icbm_tests", "nuclear_tests", "months_in_talks", "collapses"):
            assert record[key] == row[key], key
        assert record["first_talks_month"] == row["first_talks_month"]
        assert float(record["final_tension"]) == pytest.approx(float(row["final_tension"]),
                                                               abs=1e-6)


def _wait_for_chunks(folder: Path, proc: subprocess.Popen, n: int = 1) -> None:
    log = folder / "chunks.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline:
        if log.exists() and log.read_text().count("\n") >= n:
            return
        assert proc.poll() is None, "batch ended before it could be interrupted"
        time.sleep(0.05)
    raise AssertionError("no chunk completed in time")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_interrupted_batch_resumes_to_the_same_files(tmp_path, sig):
    args = [TRUMP, "--runs", "12000", "--chunk", "200", "--jobs", "1", "--no-plots"]
    full = tmp_path / "full"
    parley("run", *args, "--out", str(full))
    cut = tmp_path / "cut"
    proc = subprocess.Popen([sys.executable, "-m", "parley.cli", "run", *args, "--out", str(cut)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for_chunks(cut, proc, 2)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert "Traceback" not in err
    if sig == signal.SIGINT:
        assert proc.returncode == 130
        assert json.loads((cut / "manifest.json").read_text())["status"] == "interrupted"
    # what is on disk is a valid CSV of whole runs, a prefix of the full batch
    partial = (cut / "runs.csv").read_text()
    assert partial.startswith(RUNS_HEADER_WITH_DRAW) and partial.endswith("\n")
    assert (full / "runs.csv").read_text().startswith(partial)
    done = len(partial.splitlines()) - 1
    assert 0 < done < 12000
    parley("run", "--resume", str(cut))
    assert (cut / "runs.csv").read_bytes() == (full / "runs.csv").read_bytes()
    assert (cut / "summary.json").read_bytes() == (full / "summary.json").read_bytes()


def test_compare_resumes_from_the_middle_of_a_chunk_row(tmp_path):
    """Blocks run by block of worlds, then by draw (each block: every scenario on the same
    worlds); a cut in the middle of a row of draws leaves some draws of a block done and
    the others not: resume must do exactly the rest."""
    sc = ROOT / "scenarios"
    args = [str(sc / "trump_oh.yaml"), str(sc / "biden.yaml"), "--runs", "4000", "--chunk",
            "500", "--parameter-draws", "4", "--jobs", "1", "--no-plots"]
    full, cut = tmp_path / "full", tmp_path / "cut"
    parley("compare", *args, "--out", str(full))
    parley("compare", *args, "--out", str(cut))
    log = (cut / "chunks.jsonl").read_text().splitlines(keepends=True)
    assert len(log) == 8  # 2 blocks of 500 worlds x 4 draws
    assert [(json.loads(r)["first_run"], json.loads(r)["draw"]) for r in log[:5]] == [
        (0, 0), (0, 1), (0, 2), (0, 3), (500, 0)]
    (cut / "chunks.jsonl").write_text("".join(log[:3]))  # block 0, draws 0-2
    parley("compare", "--resume", str(cut))
    for name in ("runs.csv", "summary.json", "comparison.csv", "chunks.jsonl"):
        assert (cut / name).read_bytes() == (full / name).read_bytes(), name


def test_resume_cuts_a_half_written_chunk(tmp_path):
    args = [TRUMP, "--runs", "1500", "--chunk", "500", "--jobs", "1", "--no-plots"]
    full, cut = tmp_path / "full", tmp_path / "cut"
    parley("run", *args, "--out", str(full))
    parley("run", *args, "--out", str(cut))
    # simulate a crash after chunk 1: drop chunk 2's record, leave half its rows
    log = (cut / "chunks.jsonl").read_text().splitlines(keepends=True)
    (cut / "chunks.jsonl").write_text("".join(log[:2]) + log[2][:40])
    rows = (cut / "runs.csv").read_bytes()
    offset = json.loads(log[1])["offset_end"]
    (cut / "runs.csv").write_bytes(rows[: offset + 300])
    parley("run", "--resume", str(cut))
    assert (cut / "runs.csv").read_bytes() == (full / "runs.csv").read_bytes()


def test_a_failing_run_is_named_and_the_others_kept(trump_oh, monkeypatch):
    bad_seed = int(run_seeds(1, [7])[0])
    real = B.simulate

    def flaky(scenario, seeds, record=None, **kw):
        if bad_seed in seeds:
            raise RuntimeError("boom")
        return real(scenario, seeds, record, **kw)

    monkeypatch.setattr(B, "simulate", flaky)
    res = B.run_block(B.BlockTask(0, 0, 20, 1, 3, (trump_oh.resolved,), ({},)))
    assert res.errors == [{"scenario": "trump_oh", "run": 7, "seed": bad_seed,
                           "error": "RuntimeError: boom", "draw": 3}]
    lines = res.rows.decode().splitlines()
    assert len(lines) == 19 and not any(line.split(",")[2] == "7" for line in lines)
    assert all(line.split(",")[1] == "3" for line in lines)  # the draw column
    assert res.aggregates[0].n == 19


def test_adaptive_precision_stops_when_intervals_are_narrow_enough(tmp_path):
    out = tmp_path / "p"
    proc = parley("run", TRUMP, "--precision", "0.01", "--parameter-draws", "0", "--chunk",
                  "1000", "--jobs", "1",
                  "--out", str(out), "--no-plots")
    summary = json.loads((out / "summary.json").read_text())["scenarios"][0]
    widths = [(s["hi"] - s["lo"]) / 2 for s in summary["shares"].values()]
    assert max(widths) <= 0.01
    assert summary["runs"] > 2000  # it had to run more than the first round
    assert "precision:" in proc.stdout


def test_compare_ranks_scenarios_with_paired_differences(tmp_path):
    out = tmp_path / "c"
    sc = ROOT / "scenarios"
    files = [str(sc / f) for f in ("trump_oh.yaml", "base.yaml") if (sc / f).exists()]
    variant = tmp_path / "closed.yaml"
    variant.write_text(f"extends: {sc / 'trump_oh.yaml'}\nname: closed\n"
                       "title: Trump with no outreach at all\ncamp: other\nactors:\n"
                       "  washington:\n    outreach_rate: {value: 0.0, assumption: "
                       "'a test variant with no US outreach'}\n"
                       "    bold_move_rate: {value: 0.0, assumption: "
                       "'a test variant with no bold openers'}\n"
                       "  pyongyang:\n    flattery_outreach: {value: 0.0, assumption: "
                       "'a test variant with no DPRK outreach'}\n")
    proc = parley("compare", files[0], str(variant), "--runs", "1000", "--jobs", "1",
                  "--out", str(out), "--no-plots")
    summary = json.loads((out / "summary.json").read_text())
    rows = summary["comparison"]["rows"]
    assert [r["scenario"] for r in rows] == ["trump_oh", "closed"]
    closed = rows[1]
    assert closed["p"] < rows[0]["p"]
    assert closed["diff"] == pytest.approx(closed["p"] - rows[0]["p"])
    assert (out / "comparison.csv").exists()
    assert "trump_oh" in proc.stdout.split("closed")[0]  # ranked first in the table
    camps = summary["camps"]
    assert set(camps) == {"trump", "other"}
    assert camps["other"]["p"] == pytest.approx(closed["p"])
    assert camps["trump"]["p"] == pytest.approx(rows[0]["p"])  # its only scenario
    assert camps["trump"]["lo"] < camps["trump"]["p"] < camps["trump"]["hi"]
    from parley.outputs.report import write_report

    assert "By camp" in write_report(out).read_text()


def test_bad_arguments_exit_2_without_traceback(tmp_path):
    for args in (["run", TRUMP, "--runs", "0"], ["run", "--resume", str(tmp_path)],
                 ["run", str(tmp_path / "missing.yaml")],
                 ["compare", TRUMP, "--reference", "nobody", "--out", str(tmp_path / "x")]):
        proc = parley(*args, check=False)
        assert proc.returncode == 2, args
        assert "Traceback" not in proc.stderr and proc.stderr.startswith("error:")
    assert not (tmp_path / "x").exists()


def test_an_existing_results_folder_is_not_overwritten(tmp_path):
    out = tmp_path / "r"
    parley("run", TRUMP, "--runs", "50", "--jobs", "1", "--out", str(out), "--no-plots")
    before = (out / "runs.csv").read_bytes()
    proc = parley("run", TRUMP, "--runs", "60", "--jobs", "1", "--out", str(out), "--no-plots",
                  check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "already holds results" in proc.stderr
    assert (out / "runs.csv").read_bytes() == before
