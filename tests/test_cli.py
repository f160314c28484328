"""The thin CLI: one-line errors, limits, results folders that are never clobbered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parley.cli import main
from parley.experiments.engine import runs_for_precision

ROOT = Path(__file__).resolve().parents[1]
BIDEN = str(ROOT / "scenarios" / "biden.yaml")


def _err_lines(capsys) -> list[str]:
    return capsys.readouterr().err.strip().splitlines()


@pytest.mark.parametrize("argv, needle", [
    (["run", BIDEN, "--runs", "0"], "--runs 0: allowed 1 to"),
    (["run", BIDEN, "--runs", "100000000000"], "allowed 1 to 10,000,000"),
    (["run", BIDEN, "--jobs", "100000"], "--jobs 100000: allowed 1 to"),
    (["compare", BIDEN, "--chunk", "0"], "--chunk 0: must be positive"),
    (["sweep", BIDEN, "--vary", "washington.outreach_rate=0:1:3", "--samples", "10000000"],
     "--samples 10000000: allowed"),
    (["sweep", BIDEN, "--vary", "washington.outreach_rate=0:1:3", "--jobs", "0"],
     "--jobs 0: allowed 1 to"),
])
def test_limits_give_one_line_and_exit_2(argv, needle, capsys, tmp_path):
    assert main([*argv, "--out", str(tmp_path / "out")]) == 2
    lines = _err_lines(capsys)
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0]
    assert not (tmp_path / "out").exists()  # nothing half-made


def test_usage_errors_are_one_line_not_the_usage_block(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["run", BIDEN, "--bogus"])
    assert stop.value.code == 2
    lines = _err_lines(capsys)
    assert len(lines) == 1 and lines[0].startswith("error: parley: unrecognized arguments: --bogus")


def test_empty_out_is_refused(capsys):
    with pytest.raises(SystemExit):
        main(["run", BIDEN, "--out", ""])
    assert "--out: must name a folder" in _err_lines(capsys)[0]


def test_an_unrelated_summary_is_never_overwritten(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "summary.json").write_text('{"mine": true}')
    assert main(["run", BIDEN, "--runs", "10", "--parameter-draws", "0", "--jobs", "1",
                 "--no-plots", "--out", str(out)]) == 2
    assert "already holds results (summary.json)" in _err_lines(capsys)[0]
    assert json.loads((out / "summary.json").read_text()) == {"mine": True}
    assert sorted(p.name for p in out.iterdir()) == ["summary.json"]


def test_resume_refuses_another_seed_or_run_count(tmp_path, capsys):
    out = tmp_path / "b"
    assert main(["run", BIDEN, "--runs", "20", "--jobs", "1", "--no-plots",
                 "--out", str(out)]) == 0
    before = (out / "manifest.json").read_bytes()
    assert main(["run", "--resume", str(out), "--seed", "5"]) == 2
    assert "began with --seed 20201130" in capsys.readouterr().err
    assert main(["run", "--resume", str(out), "--runs", "50"]) == 2
    assert "began with --runs 20" in capsys.readouterr().err
    assert (out / "manifest.json").read_bytes() == before
    # the same values, or none, are fine
    assert main(["run", "--resume", str(out), "--seed", "20201130", "--no-plots"]) == 0


def test_resume_says_when_a_scenario_file_changed(tmp_path, capsys):
    scenario = tmp_path / "mine.yaml"
    scenario.write_text(f"extends: {BIDEN}\nname: mine\n")
    out = tmp_path / "b"
    assert main(["run", str(scenario), "--runs", "10", "--parameter-draws", "0", "--jobs",
                 "1", "--no-plots", "--out", str(out)]) == 0
    capsys.readouterr()
    scenario.write_text(f"extends: {BIDEN}\nname: mine\ntitle: changed\n")
    assert main(["run", "--resume", str(out), "--no-plots"]) == 0
    assert "mine.yaml has changed since the batch began" in capsys.readouterr().err


def test_sweep_files_are_accepted_where_files_go_and_validated(tmp_path, capsys):
    sweeps = ROOT / "scenarios" / "sweeps"
    assert main(["validate", str(sweeps)]) == 0
    assert capsys.readouterr().out.count("ok: ") == len(list(sweeps.glob("*.yaml")))
    out = tmp_path / "s"
    assert main(["sweep", str(sweeps / "biden_outreach_1d.yaml"), "--runs-per-point", "20",
                 "--jobs", "1", "--no-plots", "--out", str(out)]) == 0
    assert json.loads((out / "manifest.json").read_text())["points"] == 11


def test_a_sweep_file_with_a_duplicate_key_is_refused(tmp_path, capsys):
    bad = tmp_path / "dup.yaml"
    bad.write_text(f"scenario: {BIDEN}\nmethod: grid\nmethod: lhs\nparameters:\n"
                   "  - {path: washington.outreach_rate, low: 0, high: 1, steps: 3}\n")
    assert main(["validate", str(bad)]) == 2
    assert "duplicate key 'method'" in capsys.readouterr().err


def test_prim_is_checked_before_anything_runs(tmp_path, capsys, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "ema_workbench", None)  # as if not installed
    out = tmp_path / "p"
    assert main(["sweep", BIDEN, "--vary", "washington.outreach_rate=0:1:3", "--boxes", "prim",
                 "--jobs", "1", "--out", str(out)]) == 2
    assert "--boxes prim (EMA Workbench's PRIM) needs the 'ema' extra" in capsys.readouterr().err
    assert not out.exists()


def test_precision_asks_for_whole_runs_not_whole_chunks():
    # a target needing about 2,200 runs used to round up to whole 5,000-run chunks
    assert runs_for_precision(2000, 0.0105, 0.01, cap=200_000) == 2316
    assert runs_for_precision(2000, 0.0099, 0.01, cap=200_000) == 2100  # at least 5% more
    assert runs_for_precision(2000, 0.05, 0.01, cap=10_000) == 10_000  # the cap


def test_precision_runs_are_the_same_for_any_worker_count(tmp_path):
    folders = []
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}"
        assert main(["run", str(ROOT / "scenarios" / "trump_oh.yaml"), "--precision", "0.015",
                     "--parameter-draws", "0", "--chunk", "700", "--jobs", jobs, "--no-plots",
                     "--out", str(out)]) == 0
        folders.append(out)
    runs = [json.loads((f / "manifest.json").read_text())["target_runs"] for f in folders]
    assert runs[0] == runs[1] and runs[0] % 700 != 0  # whole runs, not whole chunks
    assert (folders[0] / "runs.csv").read_bytes() == (folders[1] / "runs.csv").read_bytes()
