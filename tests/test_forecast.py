"""``parley forecast``: the live term given the record to date, and the dated registry."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import parley
from parley.errors import ResultsFolderError, ScenarioError
from parley.experiments import forecast as fc

ROOT = Path(__file__).resolve().parents[1]
SRC = Path(parley.__file__).resolve().parents[1]
TRUMP_2017 = ROOT / "scenarios" / "hindcast" / "trump_2017.yaml"


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "parley.cli", "forecast", *map(str, args)],
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(SRC)},
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def live():
    return fc.forecast(runs=400, parameter_draws=4, seed=3)


def test_the_live_forecast_covers_the_rest_of_the_term_and_hears_the_2025_record(live):
    assert live["term"] == "trump_2025" and live["cutoff"] == "2025-12"
    assert live["months"][0] == "2026-01" and live["months"][-1] == "2028-12"
    p = live["p_by_month"]
    assert all(a <= b + 1e-12 for a, b in itertools.pairwise(p))  # cumulative
    assert 0 < live["p_end"] < 1 and live["draws_lo"] <= live["draws_hi"]
    assert len(live["statements_heard"]) == 16  # the dated statement events of 2025
    assert len(live["per_draw"]) == 4


def test_the_same_seed_gives_the_same_forecast(live):
    again = fc.forecast(runs=400, parameter_draws=4, seed=3)
    assert again["p_by_month"] == live["p_by_month"] and again["drivers"] == live["drivers"]


def test_a_record_that_matches_few_worlds_is_flagged():
    """Trump 2017 to 2018-12: the record was in talks since spring 2018; few worlds are."""
    r = fc.forecast(TRUMP_2017, runs=400, parameter_draws=4, cutoff="2018-12")
    assert r["matching"]["warning"] and "follow the record's talks path" in r["matching"][
        "warning"]
    calm = fc.forecast(TRUMP_2017, runs=400, parameter_draws=4, cutoff="2017-06")
    assert calm["matching"]["warning"] is None


def test_a_registered_forecast_is_scored_against_a_record_it_did_not_see(tmp_path):
    """Registered on the record truncated at 2017-12, scored against the record now: the
    Singapore process began in 2018, so the outcome is yes and the Brier is (1 - p)^2."""
    r = fc.forecast(TRUMP_2017, runs=400, parameter_draws=4, cutoff="2017-12")
    path = fc.register(r, tmp_path / "reg")
    entry = json.loads(path.read_text())
    assert entry["cutoff"] == "2017-12" and entry["scenario_sha256"] == r["scenario_sha256"]
    assert entry["parley"] == parley.__version__ and "registered" in entry
    (row,) = fc.score_registry(tmp_path / "reg", [TRUMP_2017])
    assert row["status"] == "scored" and row["happened"] is True
    assert row["from"] == "2018-01" and row["through"] == "2020-12"
    assert row["p"] == pytest.approx(r["p_by_month"][-1])
    assert row["brier"] == pytest.approx((1 - row["p"]) ** 2)


def test_a_forecast_with_no_new_months_is_pending(tmp_path, live):
    fc.register(live, tmp_path)
    (row,) = fc.score_registry(tmp_path)
    assert row["status"] == "pending"


def test_a_foreign_file_in_the_registry_is_refused(tmp_path):
    (tmp_path / "x.json").write_text('{"format": "other"}')
    with pytest.raises(ResultsFolderError, match="not a parley forecast file"):
        fc.score_registry(tmp_path)


@pytest.mark.parametrize("cutoff", ["2016-11", "2021-01", "May", "2026-01"])
def test_a_cutoff_outside_the_term_or_the_record_is_one_error(cutoff):
    with pytest.raises(ScenarioError, match="--cutoff"):
        fc.forecast(TRUMP_2017 if cutoff != "2026-01" else None, runs=40,
                    parameter_draws=2, cutoff=cutoff)


@pytest.mark.slow  # the whole command, twice
def test_the_command_prints_registers_and_scores(tmp_path):
    reg = tmp_path / "reg"
    out = cli(TRUMP_2017, "--runs", "200", "--parameter-draws", "4", "--cutoff", "2017-12",
              "--register", "--registry", reg)
    assert out.returncode == 0, out.stderr
    assert "P(a new spell of talks has begun by the month)" in out.stdout
    assert "registered: " in out.stdout
    scored = cli("--score", "--registry", reg)
    assert scored.returncode == 0 and "happened yes" in scored.stdout
    bad = cli("--score", "--cutoff", "2017-12", "--registry", reg)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "--score" in bad.stderr


def test_the_api_forecast_is_a_frame_with_the_result_attached(tmp_path):
    frame = parley.forecast(runs=100, parameter_draws=4, seed=3, register_in=tmp_path)
    assert list(frame.columns) == ["month", "p_new_spell_by"]
    assert frame["month"].iloc[0] == "2026-01" and len(frame) == 36
    assert frame.attrs["term"] == "trump_2025" and Path(frame.attrs["file"]).is_file()
