"""The Python API (docs/API.md): the documented example runs, and equals the CLI's files."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import parley

ROOT = Path(__file__).resolve().parents[1]


def _api_example() -> str:
    text = (ROOT / "docs" / "API.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 1
    return blocks[0]


def test_the_documented_example_equals_the_cli_runs_csv(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    exec(compile(_api_example(), "docs/API.md", "exec"), namespace)
    result = namespace["result"]
    assert result.folder is None  # nothing kept on disk
    assert len(result.runs) == 800 and set(result.runs["scenario"]) == {"biden", "trump_oh"}
    out = tmp_path / "cli"
    proc = subprocess.run(
        [sys.executable, "-m", "parley.cli", "compare", "scenarios/biden.yaml",
         "scenarios/trump_oh.yaml", "--runs", "400", "--seed", "7", "--jobs", "1",
         "--no-plots", "--out", str(out)], capture_output=True, text=True, cwd=ROOT,
        check=False)
    assert proc.returncode == 0, proc.stderr
    pd.testing.assert_frame_equal(result.runs, pd.read_csv(out / "runs.csv"))
    cli_comparison = pd.read_csv(out / "comparison.csv")
    assert cli_comparison["p"].round(6).tolist() == result.comparison["p"].round(6).tolist()
    by_name = result.summary.set_index("scenario")
    for name, group in result.runs.groupby("scenario"):
        assert by_name.loc[name, "p_talks_resumed"] == group["talks_resumed"].mean()


def test_run_keeps_a_folder_only_when_asked(tmp_path):
    kept = parley.run(ROOT / "scenarios" / "biden.yaml", runs=60, seed=3, executor="serial",
                      out=tmp_path / "kept")
    assert kept.folder == tmp_path / "kept" and (kept.folder / "runs.csv").is_file()
    gone = parley.run(ROOT / "scenarios" / "biden.yaml", runs=60, seed=3, executor="serial")
    assert gone.folder is None
    pd.testing.assert_frame_equal(kept.runs, gone.runs)
    assert kept.summary.loc[0, "runs"] == 60  # 20 parameter draws x 3 worlds


def test_bad_input_raises_one_parley_error():
    with pytest.raises(parley.ParleyError, match="--runs 0"):
        parley.run(ROOT / "scenarios" / "biden.yaml", runs=0)
    with pytest.raises(parley.ParleyError, match="no_such_file"):
        parley.compare([ROOT / "scenarios" / "no_such_file.yaml"], runs=100)


def test_library_functions_take_no_namespace():
    import inspect

    from parley.experiments import api, batch, sweep

    for module in (api, batch, sweep):
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__:
                params = inspect.signature(fn).parameters
                assert "args" not in params, f"{module.__name__}.{name} takes args"


def test_summary_frame_has_talks_given_engaged_and_with_draws_the_interval_over_draws():
    sources = [str(ROOT / "scenarios" / "sanders.yaml"), str(ROOT / "scenarios" / "biden.yaml")]
    plain = parley.compare(sources, runs=100, executor="serial", parameter_draws=0)
    cols = list(plain.summary.columns)
    assert cols.index("p_talks_given_engaged") == cols.index("talks_resumed_hi") + 1
    assert "talks_resumed_param_lo" not in cols and "draw" not in plain.runs.columns
    engaged = plain.runs[plain.runs.engaged == 1]
    for _, row in plain.summary.iterrows():
        mine = engaged[engaged.scenario == row["scenario"]]["talks_resumed"]
        assert row["p_talks_given_engaged"] == pytest.approx(mine.mean())
    drawn = parley.compare(sources, runs=300, executor="serial", parameter_draws=3)
    assert sorted(drawn.runs["draw"].unique()) == [0, 1, 2]
    for _, row in drawn.summary.iterrows():
        per_draw = drawn.runs[drawn.runs.scenario == row["scenario"]].groupby("draw")[
            "talks_resumed"].mean()
        assert row["talks_resumed_param_lo"] >= per_draw.min() - 1e-12
        assert row["talks_resumed_param_hi"] <= per_draw.max() + 1e-12
        assert row["runs"] == 300
