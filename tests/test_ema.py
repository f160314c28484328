"""The EMA Workbench adapter: plain callable, uncertainties, and (if installed) the Model."""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest

from docblocks import code_blocks
from parley.experiments.ema import (
    ema_name,
    make_ema_model,
    outcome_names,
    parley_model_function,
    path_name,
    uncertainties_from_scenario,
)
from parley.model import BINARY_OUTCOMES, COUNT_OUTCOMES
from parley.scenario import ScenarioError
from parley.scenario_files import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BIDEN = ROOT / "scenarios" / "biden.yaml"


def test_names_map_both_ways():
    assert ema_name("washington.outreach_rate") == "washington__outreach_rate"
    assert path_name("washington__outreach_rate") == "washington.outreach_rate"
    assert outcome_names() == [*BINARY_OUTCOMES, *COUNT_OUTCOMES]


def test_uncertainties_from_ranges_and_declarations():
    sc = load_scenario(BIDEN)
    own = dict((p, (lo, hi)) for p, lo, hi in uncertainties_from_scenario(sc))
    assert own["washington.outreach_rate"] == (0.08, 0.2)  # Biden's own range
    assert "world.sanctions" not in own  # a fixed value is not an uncertainty
    assert all(lo <= hi for lo, hi in own.values())
    picked = uncertainties_from_scenario(sc, ["washington.outreach_rate", "world.sanctions",
                                              "pyongyang.walkout_patience"])
    assert picked[0] == ("washington.outreach_rate", 0.08, 0.2)
    assert picked[1] == ("world.sanctions", 0.0, 1.0)  # the declaration's bounds
    assert picked[2][0] == "pyongyang.walkout_patience"
    with pytest.raises(ScenarioError, match=r"washington\.sequencing"):
        uncertainties_from_scenario(sc, ["washington.sequencing"])
    with pytest.raises(ScenarioError, match="unknown parameter"):
        uncertainties_from_scenario(sc, ["washington.nope"])


def test_model_function_is_a_plain_crn_callable():
    f = parley_model_function(BIDEN, runs=300, seed=7)
    low = f(washington__outreach_rate=0.0)
    high = f(**{"washington.outreach_rate": 1.0})
    assert set(low) == set(outcome_names())
    assert all(isinstance(v, float) for v in low.values())
    assert low["talks_resumed"] == 0.0  # no offers, no talks
    assert high["talks_resumed"] > low["talks_resumed"]
    assert 0 <= high["summit_held"] <= high["talks_resumed"] <= 1
    assert f(washington__outreach_rate=1.0) == high  # same seeds every call
    g = pickle.loads(pickle.dumps(f))  # picklable for multiprocessing evaluators
    assert g(washington__outreach_rate=1.0) == high
    with pytest.raises(ScenarioError):
        f(washington__outreach_rate=2.0)


def test_ema_model_and_experiments():
    pytest.importorskip("ema_workbench")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench import SequentialEvaluator, perform_experiments

    paths = ["washington.outreach_rate", "pyongyang.attitude_threshold"]
    model = make_ema_model(BIDEN, paths=paths, runs=50, seed=3)
    assert [u.name for u in model.uncertainties] == ["washington__outreach_rate",
                                                     "pyongyang__attitude_threshold"]
    assert [o.name for o in model.outcomes] == outcome_names()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        experiments, outcomes = perform_experiments(model, scenarios=4,
                                                    evaluator=SequentialEvaluator(model))
    assert len(experiments) == 4 and set(outcomes) == set(outcome_names())
    f = parley_model_function(BIDEN, runs=50, seed=3)
    for i in range(4):
        row = experiments.iloc[i]
        direct = f(**{ema_name(p): float(row[ema_name(p)]) for p in paths})
        assert np.isclose(outcomes["talks_resumed"][i], direct["talks_resumed"])
        assert 0.0 <= row["washington__outreach_rate"] <= 1.0


def test_sweep_boxes_with_prim(tmp_path):
    pytest.importorskip("ema_workbench")
    from parley.cli import main

    out = tmp_path / "prim"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(["sweep", str(ROOT / "scenarios" / "biden.yaml"), "--vary",
                     "pyongyang.attitude_threshold=0:0.5:6", "--vary",
                     "washington.outreach_rate=0:1:4", "--runs-per-point", "50", "--jobs", "1",
                     "--boxes", "prim", "--out", str(out), "--no-plots"])
    assert code == 0
    import json

    boxes = json.loads((out / "boxes.json").read_text())
    assert boxes["method"] == "prim" and boxes["boxes"]
    for box in boxes["boxes"]:
        lo, hi = box["limits"]["pyongyang.attitude_threshold"]
        assert 0.0 <= lo <= hi <= 0.5
        assert box["density"] > 0.5


def test_the_ema_model_examples_in_docs_ema_md_run(monkeypatch):
    """docs/EMA.md's EMA model and PRIM examples, run as written (on EMA Workbench 3 with
    the ``threshold`` its own comment says 3 dropped taken out)."""
    ema = pytest.importorskip("ema_workbench")
    text = (ROOT / "docs" / "EMA.md").read_text()
    section = text[text.index("## An EMA model"):text.index("## Relation to `parley sweep`")]
    blocks = code_blocks(section, "python")
    assert len(blocks) == 2 and "threshold=0.8" in blocks[1]
    if int(ema.__version__.split(".")[0]) >= 3:
        blocks[1] = blocks[1].replace(", threshold=0.8)", ")")
    monkeypatch.chdir(ROOT)  # the examples name scenarios/biden.yaml
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for block in blocks:
            exec(compile(block, "docs/EMA.md", "exec"), namespace)
    y, likely = namespace["outcomes"]["talks_resumed"], namespace["likely"]
    assert len(y) == 100 and 0 < likely.sum() < 100  # both classes: PRIM accepts it
    assert y.max() < 0.6  # why the example's cut-off is a quantile (its prose says so)
    assert namespace["box"].peeling_trajectory.shape[0] >= 1


def test_the_plain_callable_and_uncertainties_examples_in_docs_ema_md_hold():
    """docs/EMA.md's first two examples: the outcomes they show and list are outcome_names()
    in order, and the ranges they quote are the scenario's (values may move; names may not)."""
    import ast
    import re

    text = (ROOT / "docs" / "EMA.md").read_text()
    callable_block, ranges_block = code_blocks(text, "python")[:2]
    shown = ast.literal_eval(" ".join(line.lstrip("# ").removeprefix("e.g. ")
                                      for line in callable_block.splitlines()
                                      if line.startswith("#") and "figures" not in line))
    assert list(shown) == outcome_names()
    prose = text[text.index("each yes/no outcome"):text.index("lists them in that order")]
    assert re.findall(r"`(\w+)`", prose)[:len(outcome_names())] == outcome_names()
    result = parley_model_function(BIDEN, runs=20, seed=20201130)(
        washington__outreach_rate=0.6, pyongyang__attitude_threshold=0.2)
    assert list(result) == outcome_names()
    ranges = uncertainties_from_scenario(BIDEN)
    assert f"({len(ranges)} ranges in biden.yaml)" in ranges_block
    for name, lo, hi in re.findall(r"\('([\w.]+)', ([\d.]+), ([\d.]+)\)", ranges_block):
        if name != "world.sanctions":  # the second call's declaration bounds
            assert (name, float(lo), float(hi)) in ranges
    assert ("world.sanctions", 0.0, 1.0) in uncertainties_from_scenario(BIDEN,
                                                                        ["world.sanctions"])
