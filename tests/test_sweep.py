"""``parley sweep``: path errors, designs, CRN monotonicity, worker-count invariance,
sensitivity indices, interrupt-and-resume and scenario-discovery boxes.

Run counts are kept small: the suite shares two cores with other work.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from parley.cli import main
from parley.experiments.sweep import SweepParam, SweepSpec, check_spec, make_design
from parley.scenario_files import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BIDEN = str(ROOT / "scenarios" / "biden.yaml")
SWEEPS = ROOT / "scenarios" / "sweeps"
EIGHT = ["washington.outreach_rate=0:1", "washington.legacy_drive=0:1",
         "pyongyang.attitude_threshold=0:0.6", "pyongyang.walkout_patience=3:24",
         "beijing.enforcement=0:1", "beijing.influence=0:1", "seoul.engagement=0:1",
         "world.tension=0.2:0.8"]


def _cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "parley.cli", "sweep", *args],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env)


def _vary(*items: str) -> list[str]:
    return [a for item in items for a in ("--vary", item)]


def _sweep(tmp: Path, name: str, *args: str) -> Path:
    out = tmp / name
    assert main(["sweep", *args, "--out", str(out), "--no-plots"]) == 0
    return out


# ------------------------------------------------------------- path errors


@pytest.mark.parametrize("vary, words", [
    ("washington.outreach_rat=0:1:3", ["washington.outreach_rat", "unknown parameter",
                                       "outreach_rate"]),
    ("moscow.outreach_rate=0:1:3", ["moscow.outreach_rate", "unknown actor", "washington"]),
    ("washington.sequencing=0:1:3", ["washington.sequencing", "not a number", "outreach_rate"]),
    ("pyongyang.walkout_patience=0:40:3", ["pyongyang.walkout_patience", "outside",
                                           "[1, 36]"]),
])
def test_bad_path_exits_2_before_writing(tmp_path, vary, words):
    out = tmp_path / "never"
    res = _cli(BIDEN, "--vary", vary, "--runs-per-point", "10", "--out", str(out))
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    for w in words:
        assert w in lines[0]
    assert not out.exists()


@pytest.mark.parametrize("args, words", [
    (["--vary", "washington.outreach_rate=0:1"], ["grid needs STEPS"]),
    (["--vary", "washington.outreach_rate=1:0:3"], ["exceeds high"]),
    (["--vary", "washington.outreach_rate"], ["expected PATH=LOW:HIGH:STEPS"]),
    (["--vary", "world.tension=0:1", "--vary", "world.sanctions=0:1", "--method", "sobol",
      "--samples", "10"], ["power of 2"]),
    ([], ["nothing to vary"]),
])
def test_bad_sweep_options_exit_2(tmp_path, capsys, args, words):
    out = tmp_path / "never"
    assert main(["sweep", BIDEN, *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    for w in words:
        assert w in err
    assert not out.exists()


# ------------------------------------------------------------------ designs


def test_grid_design_is_full_factorial():
    spec = SweepSpec(parameters=[SweepParam("washington.outreach_rate", 0.0, 1.0, 3),
                                 SweepParam("world.tension", 0.2, 0.8, 4),
                                 SweepParam("beijing.enforcement", 0.5, 0.5, 1)])
    check_spec(spec, load_scenario(BIDEN))
    x = make_design(spec)
    assert x.shape == (3 * 4 * 1, 3)
    assert sorted(set(x[:, 0])) == [0.0, 0.5, 1.0]
    assert sorted(set(x[:, 1])) == pytest.approx([0.2, 0.4, 0.6, 0.8])
    assert set(x[:, 2]) == {0.5}
    assert len({tuple(r) for r in x}) == 12  # every combination once


def test_lhs_design_is_seeded_and_stratified():
    spec = SweepSpec(parameters=[SweepParam("world.tension", 0.2, 0.8),
                                 SweepParam("washington.outreach_rate", 0.0, 1.0)],
                     method="lhs", samples=20)
    x = make_design(spec)
    assert x.shape == (20, 2)
    np.testing.assert_array_equal(x, make_design(spec))
    # Latin hypercube: one point in each of the 20 strata of every parameter
    strata = np.floor((x[:, 1] - 0.0) / 1.0 * 20).astype(int)
    assert sorted(strata) == list(range(20))


def test_grid_points_csv_has_the_design_and_columns(tmp_path):
    out = _sweep(tmp_path, "g", BIDEN, *_vary("washington.outreach_rate=0:1:3",
                                               "world.tension=0.2:0.8:2"),
                 "--runs-per-point", "20", "--jobs", "1")
    pts = pd.read_csv(out / "points.csv")
    assert list(pts.columns) == [
        "point", "washington.outreach_rate", "world.tension", "runs", "p_talks", "p_talks_lo",
        "p_talks_hi", "share_summit_held", "share_freeze_deal", "share_relief_granted",
        "share_crisis", "mean_tests", "mean_months_in_talks"]
    assert len(pts) == 6 and list(pts["point"]) == list(range(6))
    assert list(pts["washington.outreach_rate"]) == [0.0, 0.0, 0.5, 0.5, 1.0, 1.0]
    assert list(pts["world.tension"]) == [0.2, 0.8] * 3
    assert (pts["runs"] == 20).all()
    assert ((pts["p_talks_lo"] <= pts["p_talks"]) & (pts["p_talks"] <= pts["p_talks_hi"])).all()
    sweep = json.loads((out / "sweep.json").read_text())
    assert sweep["method"] == "grid" and sweep["runs_per_point"] == 20
    assert sweep["parameters"][0] == {"path": "washington.outreach_rate", "low": 0.0,
                                      "high": 1.0, "steps": 3}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["runs"] == 120
    assert manifest["scenario"]["name"] == "biden" and manifest["scenario"]["hash"]
    assert not (out / "runs.csv").exists()


# ------------------------------------------------------- monotone under CRN


def test_outreach_sweep_rises(tmp_path):
    out = _sweep(tmp_path, "mono", BIDEN, *_vary("washington.outreach_rate=0:1:5"),
                 "--runs-per-point", "2000", "--jobs", "1")
    pts = pd.read_csv(out / "points.csv")
    p, lo, hi = (pts[c].to_numpy() for c in ("p_talks", "p_talks_lo", "p_talks_hi"))
    assert np.all(hi[1:] >= lo[:-1])  # never significantly lower than the previous point
    assert lo[-1] > hi[0]  # and clearly higher at the top of the range
    assert p[-1] > p[0]


def test_relief_ladder_sweep_visits_every_rung(tmp_path):
    """ "How much flexibility on relief would it take?": the precondition swept rung by rung."""
    out = _sweep(tmp_path, "ladder", str(ROOT / "scenarios" / "trump_yeo.yaml"),
                 *_vary("washington.relief_precondition=0:1:5"), "--runs-per-point", "1500",
                 "--jobs", "1")
    pts = pd.read_csv(out / "points.csv")
    assert pts["washington.relief_precondition"].tolist() == [0, 0.25, 0.5, 0.75, 1]
    deals = pts["share_freeze_deal"].to_numpy()
    # nothing asked: deals; disarmament first: almost none (only a step that bridges the gap)
    assert deals[0] > 0.3 and deals[-1] < 0.01
    assert np.all(np.diff(deals) <= 0.02)  # never more deals for a stiffer precondition


def test_a_ladder_stance_set_by_its_number_snaps_to_the_nearest_rung():
    from parley.scenario import with_values
    from parley.scenario_files import load_scenario

    sc = load_scenario(BIDEN)
    for x, word in ((0.0, "nothing_upfront"), (0.3, "fissile_freeze"),
                    (0.5, "nuclear_and_missile_freeze"), (0.9, "substantial_disarmament")):
        got = with_values(sc, {"washington.relief_precondition": x})
        assert got.actors["washington"].value("relief_precondition") == word


# ------------------------------------------------------ executor invariance


def test_same_files_for_one_and_two_workers(tmp_path):
    common = ["--file", str(SWEEPS / "biden_2d.yaml"), "--runs-per-point", "60", "--chunk",
              "30", "--save-runs"]
    a = _sweep(tmp_path, "j1", *common, "--jobs", "1")
    b = _sweep(tmp_path, "j2", *common, "--jobs", "2")
    for name in ("points.csv", "runs.csv", "boxes.json", "sweep.json", "chunks.jsonl"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    runs = pd.read_csv(a / "runs.csv")
    assert len(runs) == 36 * 60
    # common random numbers: run i has the same seed at every point
    assert runs.groupby("run")["seed"].nunique().max() == 1


@pytest.mark.slow
def test_same_points_on_dask(tmp_path):
    pytest.importorskip("dask.distributed")
    common = [BIDEN, *_vary("washington.outreach_rate=0:1:4"), "--runs-per-point", "50"]
    a = _sweep(tmp_path, "serial", *common, "--executor", "serial")
    b = _sweep(tmp_path, "dask", *common, "--executor", "dask", "--jobs", "2")
    assert (a / "points.csv").read_bytes() == (b / "points.csv").read_bytes()


# --------------------------------------------------------------- sensitivity


def test_sobol_indices_for_eight_parameters(tmp_path, capsys):
    out = _sweep(tmp_path, "sobol", BIDEN, *_vary(*EIGHT), "--method", "sobol", "--samples",
                 "16", "--runs-per-point", "10", "--jobs", "2")
    assert len(pd.read_csv(out / "points.csv")) == 16 * (8 + 2)
    sens = json.loads((out / "sensitivity.json").read_text())
    assert set(sens) == {"method", "outcome", "parameters", "S1", "S1_conf", "ST", "ST_conf"}
    assert sens["method"] == "sobol" and sens["outcome"] == "talks_resumed"
    assert sens["parameters"] == [v.split("=")[0] for v in EIGHT]
    for key in ("S1", "S1_conf", "ST", "ST_conf"):
        assert len(sens[key]) == 8
    assert all(c is None or c >= 0 for c in sens["ST_conf"])
    assert "Sobol indices" in capsys.readouterr().out


def test_morris_indices_for_eight_parameters(tmp_path):
    out = _sweep(tmp_path, "morris", BIDEN, *_vary(*EIGHT), "--method", "morris",
                 "--samples", "4", "--runs-per-point", "10", "--jobs", "2", "--outcome",
                 "tests")
    assert len(pd.read_csv(out / "points.csv")) == 4 * (8 + 1)
    sens = json.loads((out / "sensitivity.json").read_text())
    assert set(sens) == {"method", "outcome", "parameters", "mu_star", "mu_star_conf", "sigma"}
    assert sens["outcome"] == "tests"
    for key in ("mu_star", "mu_star_conf", "sigma"):
        assert len(sens[key]) == 8


# ---------------------------------------------------- interrupt and resume


def test_killed_sweep_resumes_to_identical_files(tmp_path):
    args = [BIDEN, *_vary("washington.outreach_rate=0:1:6", "world.tension=0.2:0.8:4"),
            "--runs-per-point", "200", "--chunk", "100", "--save-runs", "--jobs", "1",
            "--no-plots"]
    killed = tmp_path / "killed"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.Popen([sys.executable, "-m", "parley.cli", "sweep", *args, "--out",
                             str(killed)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    log = killed / "chunks.jsonl"
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if log.exists() and log.read_bytes().count(b"\n") >= 3:
                break
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    done = log.read_bytes().count(b"\n")
    assert 1 <= done < 48, "the sweep should be killed part-way"
    assert json.loads((killed / "manifest.json").read_text())["status"] == "running"

    assert main(["sweep", "--resume", str(killed), "--jobs", "2", "--no-plots"]) == 0
    full = _sweep(tmp_path, "full", *args[:-1])
    for name in ("points.csv", "runs.csv", "boxes.json", "sweep.json", "chunks.jsonl"):
        assert (killed / name).read_bytes() == (full / name).read_bytes(), name
    assert json.loads((killed / "manifest.json").read_text())["status"] == "complete"


def test_out_folder_with_results_is_refused(tmp_path, capsys):
    args = [BIDEN, *_vary("washington.outreach_rate=0:1:2"), "--runs-per-point", "5",
            "--jobs", "1"]
    out = _sweep(tmp_path, "once", *args)
    before = (out / "points.csv").read_bytes()
    assert main(["sweep", *args, "--out", str(out), "--no-plots"]) == 2
    assert "--resume" in capsys.readouterr().err
    assert (out / "points.csv").read_bytes() == before


# ------------------------------------------------------- scenario discovery


def test_boxes_lie_within_the_swept_ranges(tmp_path, capsys):
    out = _sweep(tmp_path, "boxes", "--file", str(SWEEPS / "biden_2d.yaml"),
                 "--runs-per-point", "100", "--jobs", "2")
    boxes = json.loads((out / "boxes.json").read_text())
    assert boxes["threshold"] == 0.6
    assert boxes["boxes"], "attitude threshold x outreach has a region where talks are likely"
    ranges = {"pyongyang.attitude_threshold": (0.0, 0.5), "washington.outreach_rate": (0, 1)}
    pts = pd.read_csv(out / "points.csv")
    for box in boxes["boxes"]:
        assert 0 < box["coverage"] <= 1 and 0.5 < box["density"] <= 1
        inside = np.ones(len(pts), bool)
        for path, (lo, hi) in box["limits"].items():
            assert ranges[path][0] <= lo <= hi <= ranges[path][1]
            inside &= (pts[path] >= lo) & (pts[path] <= hi)
        assert (pts.loc[inside, "p_talks"] >= 0.6).mean() >= 0.5
    # low thresholds with some outreach make talks likely: the first box says so
    first = boxes["boxes"][0]["limits"]
    assert first["pyongyang.attitude_threshold"][1] < 0.5
    text = capsys.readouterr().out
    assert "talks resume in >= 60% of runs when" in text
    assert "pyongyang.attitude_threshold <=" in text


def test_a_sweep_file_is_checked_against_its_declared_fields(tmp_path):
    from parley.errors import SweepSpecError
    from parley.experiments.sweep import FILE_KEYS, read_sweep_file

    bad = tmp_path / "bad.yaml"
    bad.write_text("scenario: biden.yaml\nparameters:\n"
                   "  - {path: washington.outreach_rate, low: 0, high: '1', steps: true}\n"
                   "colour: red\nruns_per_point: 0\n")
    with pytest.raises(SweepSpecError) as exc:
        read_sweep_file(bad)
    lines = exc.value.problems
    assert f"{bad}: parameters.0.high: Input should be a valid number (got '1')" in lines
    assert f"{bad}: parameters.0.steps: Input should be a valid integer (got True)" in lines
    assert any("runs_per_point: Input should be greater than or equal to 1" in ln for ln in lines)
    assert f"{bad}: colour: unknown field (allowed here: {', '.join(FILE_KEYS)})" in lines


def test_a_sweep_file_names_its_scenario_within_its_folder_or_the_shipped_ones(tmp_path):
    from parley.errors import SweepSpecError
    from parley.experiments.sweep import read_sweep_file

    outside = tmp_path / "s.yaml"
    outside.write_text("scenario: /etc/passwd\nparameters:\n"
                       "  - {path: washington.outreach_rate, low: 0, high: 1}\n")
    with pytest.raises(SweepSpecError, match="scenario: '/etc/passwd' lies outside"):
        read_sweep_file(outside)
    shipped = tmp_path / "t.yaml"
    shipped.write_text("scenario: parley:biden.yaml\nparameters:\n"
                       "  - {path: washington.outreach_rate, low: 0, high: 1, steps: 3}\n")
    got = read_sweep_file(shipped)
    assert got["scenario"].endswith("biden.yaml") and got["parameters"][0].steps == 3
