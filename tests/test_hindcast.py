"""Hindcast: the record read right, Brier scores computed right, the command end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from parley.analysis.hindcast import brier, hindcast_table, observed

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("start,talks,first", [
    ("2017-01", True, 15),   # Pompeo in Pyongyang, 2018-03
    ("2021-01", False, None),  # refusals only
    ("2013-01", False, None),
    ("2009-01", True, 38),   # Leap Day talks, 2012-02
    ("2005-01", True, 7),    # Six-Party round 4, 2005-07
])
def test_observed_outcomes_come_from_the_timeline(start, talks, first):
    obs = observed(start, 48)
    assert obs["talks"] is talks
    assert obs["first_talks_month"] == first


def test_observed_tests_match_the_missile_file():
    # yearly totals from the data README: 2017 21, 2018 0, 2019 27, 2020 9
    assert observed("2017-01", 48)["tests"] == 21 + 0 + 27 + 9


def test_brier_scores_and_the_leave_one_out_base_rate():
    summary = {"scenarios": [
        {"name": n, "title": n, "start": s, "months": 48,
         "shares": {"talks_resumed": {"p": p, "lo": p, "hi": p}},
         "time_to_talks": {"median": None},
         "counts": {"tests": {"q10": 0, "q50": 1, "q90": 2}}}
        for n, s, p in (("a", "2017-01", 0.9), ("b", "2021-01", 0.2), ("c", "2013-01", 0.4))]}
    table = hindcast_table(summary)
    o = np.array([1.0, 0.0, 0.0])
    assert table["brier_model"] == pytest.approx(np.mean((np.array([0.9, 0.2, 0.4]) - o) ** 2))
    loo = np.array([0.0, 0.5, 0.5])  # share of the other terms with talks
    assert [r["naive_base_rate"] for r in table["rows"]] == pytest.approx(loo)
    assert table["brier_naive_loo"] == pytest.approx(brier(loo, o))


def test_hindcast_command_prints_the_table(tmp_path):
    out = tmp_path / "h"
    proc = subprocess.run([sys.executable, "-m", "parley.cli", "hindcast", "--runs", "400",
                           "--jobs", "1", "--out", str(out), "--no-plots"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Brier score over 5 terms" in proc.stdout
    table = json.loads((out / "hindcast.json").read_text())
    names = {r["scenario"] for r in table["rows"]}
    assert {"trump_2017", "biden_2021", "obama_2009", "obama_2013", "bush_2005"} <= names
    for r in table["rows"]:
        assert 0 <= r["lo"] <= r["p_talks"] <= r["hi"] <= 1
    from parley.outputs.report import write_report

    html = write_report(out).read_text()
    assert "Hindcast against the record" in html
    assert f"{table['brier_model']:.3f}" in html
    for r in table["rows"]:
        assert r["title"] in html
