"""Parameter uncertainty in batches: K parameter draws x M worlds on common random numbers.

On by default (``--runs`` is the total per scenario, split evenly over the draws);
``--parameter-draws 0`` is the point run, with no trace of draws in its files.  On, the
draws are a column of runs.csv, the files do not depend on the number of workers, a
run replays from its seed and draw, an interrupted batch resumes, and summary.json
separates the Monte Carlo interval from the interval over draws.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from parley.experiments.batch import (
    BatchOptions,
    execute,
    load_scenarios,
    new_batch,
    replay_scenario,
)
from parley.experiments.executors import make_executor
from parley.experiments.simulate import simulate
from parley.outcomes import BINARY_OUTCOMES, RUNS_HEADER, RUNS_HEADER_WITH_DRAW
from parley.outputs.tables import comparison_table

ROOT = Path(__file__).resolve().parents[1]
SCEN = ROOT / "scenarios"
THREE = [str(SCEN / f"{n}.yaml") for n in ("sanders", "warren", "biden")]
FILES = ("runs.csv", "summary.json", "comparison.csv")


def batch(folder: Path, sources=THREE, jobs: int = 1, executor: str = "serial", **options):
    opts = BatchOptions(**{"runs": 300, "chunk": 100, **options})
    b, manifest = new_batch(load_scenarios(sources), opts, folder, "compare", sources)
    summary = execute(b, manifest, make_executor(executor, jobs, None))
    return summary, json.loads((folder / "manifest.json").read_text())


def posterior_file(path: Path, name: str, values: list[float]) -> Path:
    doc = {"format": "parley-posterior/1", "provenance": {"made by": "this test"},
           "parameters": [{"name": name}], "particles": [[v] for v in values],
           "weights": [1.0] * len(values)}
    path.write_text(json.dumps(doc))
    return path


def test_on_by_default_and_off_the_point_run_carries_no_trace_of_draws(tmp_path):
    _, manifest = batch(tmp_path / "default")
    assert manifest["parameter_uncertainty"]["draws"] == 20
    assert len(pd.read_csv(tmp_path / "default" / "runs.csv")) == 3 * 300  # 20 x 15 worlds
    batch(tmp_path / "off", parameter_draws=0, posterior=None)
    assert len(pd.read_csv(tmp_path / "off" / "runs.csv")) == 3 * 300
    runs = (tmp_path / "off" / "runs.csv").read_text()
    assert runs.startswith(RUNS_HEADER) and ",draw," not in runs.splitlines()[0]
    summary = json.loads((tmp_path / "off" / "summary.json").read_text())
    assert "parameter_uncertainty" not in summary
    assert "param_lo" not in (tmp_path / "off" / "comparison.csv").read_text()
    manifest = json.loads((tmp_path / "off" / "manifest.json").read_text())
    assert "parameter_uncertainty" not in manifest
    assert "--parameter-draws 0" in manifest["command"]


def test_on_every_draw_runs_the_same_worlds_and_files_do_not_depend_on_workers(tmp_path):
    s1, manifest = batch(tmp_path / "j1", parameter_draws=3)
    batch(tmp_path / "j2", executor="local", jobs=2, parameter_draws=3)
    for name in FILES:
        assert (tmp_path / "j1" / name).read_bytes() == (tmp_path / "j2" / name).read_bytes()
    runs = pd.read_csv(tmp_path / "j1" / "runs.csv")
    assert (tmp_path / "j1" / "runs.csv").read_text().startswith(RUNS_HEADER_WITH_DRAW)
    assert len(runs) == 3 * 300  # 300 runs per scenario: 3 draws x 100 worlds
    # common random numbers: world i has the same seed in every draw and scenario
    seeds = runs.pivot_table(index="run", columns=["scenario", "draw"], values="seed")
    assert (seeds.nunique(axis=1) == 1).all() and seeds.shape == (100, 9)
    # the draws are recorded (a quantile per drawn value), distinct, and the command
    # replays them
    quantiles = manifest["parameter_uncertainty"]["quantiles"]
    assert len(quantiles) == 3 and quantiles[0] != quantiles[1]
    assert all(0 < q < 1 for draw in quantiles for q in draw.values())
    assert "--parameter-draws 3" in manifest["command"]
    # the pooled shares are the means over all K x M runs
    sanders = next(s for s in s1["scenarios"] if s["name"] == "sanders")
    assert sanders["runs"] == 300
    assert sanders["shares"]["talks_resumed"]["k"] == int(
        runs.loc[runs.scenario == "sanders", "talks_resumed"].sum())


def test_a_run_replays_from_its_seed_and_draw(tmp_path):
    batch(tmp_path / "r", sources=THREE[1:2], parameter_draws=3, runs=150, chunk=50)
    runs = pd.read_csv(tmp_path / "r" / "runs.csv")
    for _, row in runs.iloc[[7, 60, 149]].iterrows():
        scenario = replay_scenario(tmp_path / "r", "warren", int(row["draw"]))
        out = simulate(scenario, np.array([int(row["seed"])]))["outcomes"]
        for key in ("talks_resumed", "engaged", "tests", "collapses"):
            assert int(out[key][0]) == int(row[key]), key
    # and the draw matters: the same world under another draw's values may differ
    assert runs.groupby("run")["tests"].nunique().max() > 1


def test_interrupted_batch_with_draws_resumes_to_the_same_files(tmp_path):
    args = [*THREE[:2], "--runs", "400", "--chunk", "100", "--jobs", "1", "--no-plots",
            "--parameter-draws", "2"]
    full, cut = tmp_path / "full", tmp_path / "cut"
    for folder in (full, cut):
        subprocess.run([sys.executable, "-m", "parley.cli", "compare", *args, "--out",
                        str(folder)], check=True, capture_output=True, cwd=ROOT, timeout=300)
    log = (cut / "chunks.jsonl").read_text().splitlines(keepends=True)
    assert len(log) == 2 * 2  # blocks of 100 worlds x draws (a block runs every scenario)
    assert [json.loads(r)["draw"] for r in log] == [0, 1, 0, 1]
    (cut / "chunks.jsonl").write_text("".join(log[:3]))  # mid-way through block 1
    proc = subprocess.run([sys.executable, "-m", "parley.cli", "compare", "--resume", str(cut)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for name in (*FILES, "chunks.jsonl"):
        assert (cut / name).read_bytes() == (full / name).read_bytes(), name


def test_parameter_interval_is_wider_than_the_monte_carlo_one_when_a_value_matters(
        tmp_path):
    """Two particles of a value that moves P(talks) by about 0.19 for Warren (0.2 vs 1.0
    chance that a willing Pyongyang takes an offer): with 6 draws x 400 worlds the
    spread between draws dwarfs the Monte Carlo interval of 2,400 runs (+-0.02)."""
    post = posterior_file(tmp_path / "post.json", "dynamics__accept_willing", [0.2, 1.0])
    summary, manifest = batch(tmp_path / "w", sources=THREE[1:2], runs=2400, chunk=400,
                              parameter_draws=6, posterior=str(post))
    drawn = {v["dynamics.accept_willing"] for v in manifest["parameter_uncertainty"]["values"]}
    assert drawn == {0.2, 1.0}
    cell = summary["parameter_uncertainty"]["scenarios"]["warren"]["talks_resumed"]
    assert cell["param_hi"] - cell["param_lo"] > 2 * (cell["mc_hi"] - cell["mc_lo"])
    assert cell["mc_share"] < 0.2  # the spread is the parameter, not noise
    assert cell["draws"] == 6 and cell["worlds"] == 400


def test_identical_draws_give_identical_per_draw_means(tmp_path):
    """With one particle, every draw is the same value on the same worlds (CRN): the
    interval over draws has zero width and every ordering is the same in every draw."""
    post = posterior_file(tmp_path / "one.json", "dynamics__accept_willing", [0.5])
    summary, _ = batch(tmp_path / "o", parameter_draws=4, posterior=str(post), runs=200)
    params = summary["parameter_uncertainty"]
    for cells in params["scenarios"].values():
        assert cells["talks_resumed"]["param_lo"] == cells["talks_resumed"]["param_hi"]
    for pair in params["orderings"]:
        assert max(pair["above"], pair["below"], pair["tied"]) == 1.0


def test_ordering_shares_cover_every_pair_and_sum_to_one(tmp_path):
    summary, _ = batch(tmp_path / "o", parameter_draws=4, runs=800)
    params = summary["parameter_uncertainty"]
    pairs = {(p["a"], p["b"]) for p in params["orderings"]}
    assert pairs == {("sanders", "warren"), ("sanders", "biden"), ("warren", "biden")}
    for pair in params["orderings"]:
        assert pair["above"] + pair["below"] + pair["tied"] == pytest.approx(1.0)
        assert pair["draws"] == 4
    # Sanders is far above Biden whatever the values: the ordering is reversed in no draw
    sb = next(p for p in params["orderings"] if (p["a"], p["b"]) == ("sanders", "biden"))
    assert sb["above"] == 1.0
    for outcome in (*BINARY_OUTCOMES, "talks_given_engaged"):
        cell = params["scenarios"]["warren"][outcome]
        assert cell["mc_lo"] <= cell["mean"] <= cell["mc_hi"]
    assert sorted(params["per_draw_talks"]) == ["biden", "sanders", "warren"]
    assert all(len(v) == 4 for v in params["per_draw_talks"].values())


def test_the_table_prints_both_intervals_and_the_tiers(tmp_path):
    summary, manifest = batch(tmp_path / "t", parameter_draws=4, runs=800)
    text = comparison_table(summary, manifest)
    assert text.startswith("800 runs per scenario: 4 parameter draws over the values we "
                           "chose x 200 worlds, the same worlds in every draw; master seed")
    assert "over 4 parameter draws [95%]" in text
    assert "P(talks | engaged) [95% CI]" in text
    # the adjacent pairs, ranked; the pair far apart is a tier boundary
    adjacent = [ln for ln in text.splitlines() if " over " in ln and " / " in ln]
    assert len(adjacent) == 2
    assert adjacent[-1].startswith("  warren over biden: 100% / 0% / 0%  | new tier")
    assert text.count("  tier ") >= 2


@pytest.mark.parametrize("args, message", [
    (["--parameter-draws", "-1"], "--parameter-draws -1: allowed 0 (the point run) to 10,000"),
    (["--parameter-draws", "0", "--posterior", "x.json"],
     "--posterior: give --parameter-draws K as well"),
    (["--parameter-draws", "20", "--runs", "19"], "--runs 19: with 20 parameter draws each "
     "draw needs a world"),
    (["--parameter-draws", "2", "--posterior", "nope.json"], "--posterior nope.json: "),
])
def test_bad_options_are_one_line_and_exit_2(tmp_path, args, message):
    proc = subprocess.run([sys.executable, "-m", "parley.cli", "compare", *THREE[:2],
                           "--runs", "10", "--out", str(tmp_path / "x"), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "x").exists()
