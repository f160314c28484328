"""``parley sweep``: path errors, designs, CRN monotonicity, worker-count invariance,
sensitivity indices, interrupt-and-resume, scenario-discovery boxes, and the parameter
draws every point runs under by default (``--parameter-draws 0``: the point sweep).

Run counts are kept small: the suite shares two cores with other work.
"""

from __future__ import annotations

import io
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
POINT = ("--parameter-draws", "0")  # the point sweep: the scenario as it is at every point
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


@pytest.mark.slow
def test_grid_points_csv_has_the_design_and_columns(tmp_path):
    out = _sweep(tmp_path, "g", BIDEN, *_vary("washington.outreach_rate=0:1:3",
                                               "world.tension=0.2:0.8:2"),
                 "--runs-per-point", "20", "--jobs", "1", *POINT)
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
                 "--runs-per-point", "2000", "--jobs", "1", *POINT)
    pts = pd.read_csv(out / "points.csv")
    p, lo, hi = (pts[c].to_numpy() for c in ("p_talks", "p_talks_lo", "p_talks_hi"))
    assert np.all(hi[1:] >= lo[:-1])  # never significantly lower than the previous point
    assert lo[-1] > hi[0]  # and clearly higher at the top of the range
    assert p[-1] > p[0]


def test_relief_ladder_sweep_visits_every_rung(tmp_path):
    """ "How much flexibility on relief would it take?": the precondition swept rung by rung."""
    out = _sweep(tmp_path, "ladder", str(ROOT / "scenarios" / "trump_yeo.yaml"),
                 *_vary("washington.relief_precondition=0:1:5"), "--runs-per-point", "1500",
                 "--jobs", "1", *POINT)
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


@pytest.mark.slow
def test_same_files_for_one_and_two_workers(tmp_path):
    # four parameter draws of 15 worlds, tasks of at most 5 worlds: one world of every draw
    common = ["--file", str(SWEEPS / "biden_2d.yaml"), "--runs-per-point", "60", "--chunk",
              "5", "--save-runs", "--parameter-draws", "4"]
    a = _sweep(tmp_path, "j1", *common, "--jobs", "1")
    b = _sweep(tmp_path, "j2", *common, "--jobs", "2")
    for name in ("points.csv", "runs.csv", "boxes.json", "sweep.json", "chunks.jsonl"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    runs = pd.read_csv(a / "runs.csv")
    assert len(runs) == 36 * 60
    # common random numbers: run i has the same seed at every point and under every draw
    assert runs.groupby("run")["seed"].nunique().max() == 1
    assert sorted(runs["draw"].unique()) == [0, 1, 2, 3] and runs["run"].max() == 14


@pytest.mark.slow
def test_same_points_on_dask(tmp_path):
    pytest.importorskip("dask.distributed")
    common = [BIDEN, *_vary("washington.outreach_rate=0:1:4"), "--runs-per-point", "50",
              "--parameter-draws", "5"]
    a = _sweep(tmp_path, "serial", *common, "--executor", "serial")
    b = _sweep(tmp_path, "dask", *common, "--executor", "dask", "--jobs", "2")
    assert (a / "points.csv").read_bytes() == (b / "points.csv").read_bytes()


# --------------------------------------------------------------- sensitivity


@pytest.mark.slow
def test_sobol_indices_for_eight_parameters(tmp_path, capsys):
    out = _sweep(tmp_path, "sobol", BIDEN, *_vary(*EIGHT), "--method", "sobol", "--samples",
                 "16", "--runs-per-point", "10", "--jobs", "2", *POINT)
    assert len(pd.read_csv(out / "points.csv")) == 16 * (8 + 2)
    sens = json.loads((out / "sensitivity.json").read_text())
    assert set(sens) == {"method", "outcome", "parameters", "S1", "S1_conf", "ST", "ST_conf"}
    assert sens["method"] == "sobol" and sens["outcome"] == "talks_resumed"
    assert sens["parameters"] == [v.split("=")[0] for v in EIGHT]
    for key in ("S1", "S1_conf", "ST", "ST_conf"):
        assert len(sens[key]) == 8
    assert all(c is None or c >= 0 for c in sens["ST_conf"])
    assert "Sobol indices" in capsys.readouterr().out


@pytest.mark.slow
def test_morris_indices_for_eight_parameters(tmp_path):
    out = _sweep(tmp_path, "morris", BIDEN, *_vary(*EIGHT), "--method", "morris",
                 "--samples", "4", "--runs-per-point", "10", "--jobs", "2", "--outcome",
                 "tests", *POINT)
    assert len(pd.read_csv(out / "points.csv")) == 4 * (8 + 1)
    sens = json.loads((out / "sensitivity.json").read_text())
    assert set(sens) == {"method", "outcome", "parameters", "mu_star", "mu_star_conf", "sigma"}
    assert sens["outcome"] == "tests"
    for key in ("mu_star", "mu_star_conf", "sigma"):
        assert len(sens[key]) == 8


# ---------------------------------------------------- interrupt and resume


def _sweep_killed_after_three_records(args: list, killed: Path) -> int:
    """``parley sweep ARGS --out KILLED`` in a subprocess, SIGKILLed once its log holds
    three records (or after 60 s); the records it left."""
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
    return log.read_bytes().count(b"\n")


@pytest.mark.slow
def test_killed_sweep_resumes_to_identical_files(tmp_path):
    args = [BIDEN, *_vary("washington.outreach_rate=0:1:6", "world.tension=0.2:0.8:4"),
            "--runs-per-point", "200", "--chunk", "100", "--save-runs", "--jobs", "1", *POINT,
            "--no-plots"]
    killed = tmp_path / "killed"
    done = _sweep_killed_after_three_records(args, killed)
    assert 1 <= done < 48, "the sweep should be killed part-way"
    assert json.loads((killed / "manifest.json").read_text())["status"] == "running"

    assert main(["sweep", "--resume", str(killed), "--jobs", "2", "--no-plots"]) == 0
    full = _sweep(tmp_path, "full", *args[:-1])
    for name in ("points.csv", "runs.csv", "boxes.json", "sweep.json", "chunks.jsonl"):
        assert (killed / name).read_bytes() == (full / name).read_bytes(), name
    assert json.loads((killed / "manifest.json").read_text())["status"] == "complete"


def test_out_folder_with_results_is_refused(tmp_path, capsys):
    args = [BIDEN, *_vary("washington.outreach_rate=0:1:2"), "--runs-per-point", "5",
            "--jobs", "1", *POINT]
    out = _sweep(tmp_path, "once", *args)
    before = (out / "points.csv").read_bytes()
    assert main(["sweep", *args, "--out", str(out), "--no-plots"]) == 2
    assert "--resume" in capsys.readouterr().err
    assert (out / "points.csv").read_bytes() == before


# ------------------------------------------------------- scenario discovery


@pytest.mark.slow
def test_boxes_lie_within_the_swept_ranges(tmp_path, capsys):
    out = _sweep(tmp_path, "boxes", "--file", str(SWEEPS / "biden_2d.yaml"),
                 "--runs-per-point", "100", "--jobs", "2", *POINT)
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


# ---------------------------------------------------------- parameter draws


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _printed(capsys) -> str:
    import hashlib

    text = "".join(ln + "\n" for ln in capsys.readouterr().out.splitlines()
                   if not ln.startswith("results:"))
    return hashlib.sha256(text.encode()).hexdigest()


#: the files and printout of two point sweeps as the code before parameter draws wrote them
#: (commit e234099, `parley sweep ...` as below with no --parameter-draws)
POINT_SWEEP_BEFORE_DRAWS = {
    "grid": {"points.csv": "56d8c59e64a576615bdd59cc1ecf6dcd4f2d8e49f60d064bee2ac2b20bbcc760",
             "runs.csv": "dbb14af8acfc1d72e65a4100c3343710ec65a1371ca82a00f17da91f3cbdc55f",
             "boxes.json": "31015680a3914cf943cf5e46777db3cc8717d2b964f31c66b7894a157ff63478",
             "sweep.json": "198251770486e454169617d22678f09be1e717b42f5e80477f6cd1b55aeaf7ea",
             "chunks.jsonl": "8947d386cffe729158f4d16c0fab31447633cf8ce2428294efce3fc600768833",
             "printed": "5e325958d8d7ce84c91ed0b85bf4e13ac6ee915832a9d219a6a520ce09ba5d2d"},
    "morris": {"points.csv": "8e88794e04ec7578cab0b869c5ff960c8814da5a8a82aafe5a02c771e7ef6887",
               "sensitivity.json":
                   "9cd87fd536de4306808642566668293d8c104a7556066994f037cf2509d85518",
               "boxes.json": "1882e2e16345fd65aede9139f1b3cc302e39efc505e0c3e368a2a03f453a3e03",
               "sweep.json": "46a6eb68fa7d7741cfdaf842259ad64b33ca17ecdee15f101097f36b8777b718",
               "printed": "3e55e7bfac1d6675c879a7ee93913c47f3393861c5d502fd87055eefbae12210"},
}


@pytest.mark.slow
def test_the_point_sweep_is_byte_identical_to_the_sweep_before_draws(tmp_path, capsys):
    runs = {
        "grid": [BIDEN, *_vary("washington.outreach_rate=0:1:3", "world.tension=0.2:0.8:2"),
                 "--runs-per-point", "40", "--chunk", "25", "--save-runs"],
        "morris": [BIDEN, *_vary("washington.outreach_rate=0:1", "world.tension=0.2:0.8"),
                   "--method", "morris", "--samples", "3", "--runs-per-point", "30"],
    }
    for name, args in runs.items():
        capsys.readouterr()
        out = _sweep(tmp_path, name, *args, "--jobs", "1", *POINT)
        got = {f: _sha(out / f) for f in POINT_SWEEP_BEFORE_DRAWS[name] if f != "printed"}
        got["printed"] = _printed(capsys)
        assert got == POINT_SWEEP_BEFORE_DRAWS[name], name
        manifest = json.loads((out / "manifest.json").read_text())
        assert "parameter_uncertainty" not in manifest
        assert "--parameter-draws 0" in manifest["command"]


@pytest.mark.slow
def test_every_point_runs_under_the_same_draws_with_the_swept_value_held(tmp_path, capsys):
    from parley.experiments.engine import simulate_runs
    from parley.scenario import with_values

    k = 4
    out = _sweep(tmp_path, "d", BIDEN, *_vary("washington.outreach_rate=0.2:1:3"),
                 "--runs-per-point", "42", "--chunk", "4", "--save-runs", "--jobs", "1",
                 "--parameter-draws", str(k))
    pts = pd.read_csv(out / "points.csv")
    cols = list(pts.columns)
    assert cols[cols.index("p_talks_hi") + 1:][:2] == ["p_talks_param_lo", "p_talks_param_hi"]
    assert (pts["runs"] == 40).all()  # 4 draws x 42 // 4 worlds
    assert (pts["p_talks_param_lo"] <= pts["p_talks"] + 1e-12).all()
    assert (pts["p_talks"] <= pts["p_talks_param_hi"] + 1e-12).all()
    assert (pts["p_talks_param_hi"] > pts["p_talks_param_lo"]).any()  # the draws move it
    manifest = json.loads((out / "manifest.json").read_text())
    drawn = manifest["parameter_uncertainty"]
    assert drawn["draws"] == k and drawn["worlds_per_draw"] == 10
    assert len(drawn["quantiles"]) == k
    # the swept path is the sweep's: no draw moves it
    assert "washington.outreach_rate" in drawn["held"]
    assert all("washington.outreach_rate" not in q for q in drawn["quantiles"])
    assert json.loads((out / "sweep.json").read_text())["parameter_draws"] == k
    text = capsys.readouterr().out
    assert "(4 parameter draws x 10 worlds, the same at every point)" in text
    assert "over draws [95%]" in text
    # a row of runs.csv is its world under its draw at its point, as the batch sets draws
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 3 * 40 and runs.groupby(["point", "draw"]).size().eq(10).all()
    from parley.experiments.sweep import SweepParam, SweepSpec, sweep_draws

    spec = SweepSpec(scenario=BIDEN, parameters=[SweepParam("washington.outreach_rate", 0.2,
                                                            1.0, 3)],
                     runs_per_point=42, parameter_draws=k)
    _, values = sweep_draws(load_scenario(BIDEN), spec)
    draw, point = 2, 1
    sc = with_values(load_scenario(BIDEN), {**values[draw], "washington.outreach_rate": 0.6})
    _, _, ran, _, _ = simulate_runs(sc, 0, 10, manifest["master_seed"], monthly=False)
    got = runs[(runs["point"] == point) & (runs["draw"] == draw)].sort_values("run")
    assert got["talks_resumed"].tolist() == ran["talks_resumed"].astype(int).tolist()
    assert got["tests"].tolist() == ran["tests"].astype(int).tolist()


@pytest.mark.slow
def test_a_killed_sweep_with_draws_resumes_to_identical_files_and_verifies(tmp_path, capsys):
    args = [BIDEN, *_vary("washington.outreach_rate=0:1:4"), "--runs-per-point", "40",
            "--chunk", "2", "--save-runs", "--jobs", "1", "--parameter-draws", "4",
            "--no-plots"]
    killed = tmp_path / "killed"
    done = _sweep_killed_after_three_records(args, killed)
    assert 1 <= done < 20, "the sweep should be killed part-way"
    # another number of draws is refused, naming the one it began with
    assert main(["sweep", "--resume", str(killed), "--parameter-draws", "5",
                 "--no-plots"]) == 2
    assert "began with --parameter-draws 4" in capsys.readouterr().err
    assert main(["sweep", "--resume", str(killed), "--jobs", "2", "--no-plots"]) == 0
    full = _sweep(tmp_path, "full", *args[:-1])
    for name in ("points.csv", "runs.csv", "boxes.json", "sweep.json", "chunks.jsonl"):
        assert (killed / name).read_bytes() == (full / name).read_bytes(), name
    assert main(["verify", str(killed)]) == 0
    # draws the manifest does not vouch for are refused before anything is run
    manifest = json.loads((full / "manifest.json").read_text())
    manifest["parameter_uncertainty"]["quantiles"][0]["dynamics.choice_scale"] = 0.123
    manifest["status"] = "running"
    (full / "manifest.json").write_text(json.dumps(manifest))
    capsys.readouterr()
    assert main(["sweep", "--resume", str(full), "--no-plots"]) == 2
    assert "parameter draws rebuilt here differ" in capsys.readouterr().err


def _draw_tasks(name: str, runs: int, draws: int, chunk: int = 5000) -> list:
    from parley.experiments.sweep import Sweep

    base = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    spec = SweepSpec(scenario=str(base.path), method="grid", runs_per_point=runs,
                     parameters=[SweepParam("washington.outreach_rate", 0.0, 1.0, 2)],
                     parameter_draws=draws)
    return list(Sweep(spec, base, Path("unused"), chunk, True).tasks())


@pytest.mark.parametrize("name", ["biden", "trump_oh", "sanders"])
def test_a_point_chunk_runs_its_draws_in_one_call_as_the_draws_run_alone(name, monkeypatch):
    """One model call over every draw's worlds gives the bytes and tallies of one call per
    draw with its values set as single values (the reference), and costs one call."""
    import parley.experiments.sweep as sw

    calls = []
    real = sw.simulate
    monkeypatch.setattr(sw, "simulate", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    task = _draw_tasks(name, 120, 6)[1]  # point 1 (outreach 1.0): 6 draws x 20 worlds
    one = sw.run_point_chunk(task)
    assert len(calls) == 1
    ref = sw.run_point_chunk_by_draw(task)
    assert one.rows == ref.rows and one.tally == ref.tally and one.errors == ref.errors == []
    rows = pd.read_csv(io.BytesIO(one.rows), header=None)
    assert len(rows) == 120 and rows[1].tolist() == sorted(rows[1].tolist())  # draw-major
    per_draw = {draw: group.iloc[:, 4:].to_csv(index=False, header=False)
                for draw, group in rows.groupby(1)}  # the draws set different worlds apart
    assert len(set(per_draw.values())) > 1


def test_a_point_chunk_whose_call_raises_is_rerun_by_draw_naming_the_runs(monkeypatch):
    import parley.experiments.sweep as sw

    def broken(*a, **kw):
        raise RuntimeError("boom")

    task = _draw_tasks("biden", 40, 4)[0]
    ref = sw.run_point_chunk_by_draw(task)
    monkeypatch.setattr(sw, "simulate", broken)
    got = sw.run_point_chunk(task)
    assert got.rows == ref.rows and got.tally == ref.tally


def test_world_values_set_each_world_as_its_value_set_alone():
    """NegotiationModel(world_values=): a world under a per-world value ends as the same
    seed in a model with that value set; bad paths, lengths and values are one error."""
    from parley.errors import ScenarioError
    from parley.experiments.simulate import simulate
    from parley.randomness import run_seeds
    from parley.rules import DYNAMICS
    from parley.scenario import with_values

    sc = load_scenario(ROOT / "scenarios" / "trump_oh.yaml")
    seeds = run_seeds(7, range(30))
    scale = DYNAMICS["choice_scale"]
    values = {"pyongyang.attitude_threshold": np.linspace(0.0, 1.3, 30),
              "dynamics.choice_scale": np.linspace(scale.low, scale.high, 30)}
    got = simulate(sc, seeds, world_values=values)["outcomes"]
    for i in (0, 11, 29):
        alone = with_values(sc, {k: float(v[i]) for k, v in values.items()})
        want = simulate(alone, seeds[i:i + 1])["outcomes"]
        assert all(got[k][i] == want[k][0] for k in want), i
    plain = simulate(sc, seeds)["outcomes"]
    assert not np.array_equal(plain["first_talks_month"], got["first_talks_month"])
    for bad, words in [({"pyongyang.attitude_thresh": np.zeros(30)}, "not a numeric stance"),
                       ({"pyongyang.attitude_threshold": np.zeros(3)}, "one value per world"),
                       ({"pyongyang.attitude_threshold": np.full(30, 9.0)}, "must lie in")]:
        with pytest.raises(ScenarioError, match=words):
            simulate(sc, seeds, world_values=bad)


@pytest.mark.parametrize("args, words", [
    (["--runs-per-point", "10", "--parameter-draws", "20"],
     ["--runs-per-point 10", "each draw needs a world", "--parameter-draws 0"]),
    (["--runs-per-point", "10", "--parameter-draws", "-1"],
     ["--parameter-draws -1", "allowed 0 (the point sweep)"]),
])
def test_bad_draw_options_exit_2_with_one_line(tmp_path, capsys, args, words):
    out = tmp_path / "bad"
    assert main(["sweep", BIDEN, *_vary("washington.outreach_rate=0:1:3"), *args, "--out",
                 str(out), "--no-plots"]) == 2
    err = capsys.readouterr().err
    assert all(w in err for w in words), err
    assert "Traceback" not in err and not out.exists()


@pytest.mark.slow
def test_the_python_api_draws_by_default_and_gives_the_point_sweep_for_zero(tmp_path):
    import parley

    drawn = parley.sweep(BIDEN, vary=["washington.outreach_rate=0:1:2"], runs_per_point=20,
                         parameter_draws=4, save_runs=False)
    assert {"talks_resumed_param_lo", "talks_resumed_param_hi"} <= set(drawn.summary.columns)
    assert drawn.manifest["parameter_uncertainty"]["draws"] == 4
    point = parley.sweep(BIDEN, vary=["washington.outreach_rate=0:1:2"], runs_per_point=20,
                         parameter_draws=0, save_runs=False)
    assert "talks_resumed_param_lo" not in point.summary.columns
    assert "parameter_uncertainty" not in point.manifest


@pytest.mark.slow
def test_the_report_gives_each_top_point_its_interval_over_draws(tmp_path, capsys):
    args = [BIDEN, *_vary("washington.outreach_rate=0:1:3"), "--runs-per-point", "40",
            "--jobs", "1"]
    drawn = _sweep(tmp_path, "drawn", *args, "--parameter-draws", "4")
    point = _sweep(tmp_path, "point", *args, *POINT)
    for folder in (drawn, point):
        assert main(["report", str(folder)]) == 0
    html = (drawn / "report.html").read_text()
    assert "Over parameter draws (95%)" in html
    assert "4 parameter draws x 10 worlds, the same at every point" in html
    pts = pd.read_csv(drawn / "points.csv")
    best = pts.sort_values("p_talks", ascending=False).iloc[0]
    lo, hi = best["p_talks_param_lo"], best["p_talks_param_hi"]
    assert f"{100 * lo:.1f}%–{100 * hi:.1f}%" in html
    assert "Over parameter draws" not in (point / "report.html").read_text()
