"""The three kinds of provenance (docs/PROVENANCE.md): what the loader accepts and refuses."""

from __future__ import annotations

import copy

import pytest

from docblocks import code_blocks
from parley.scenario import ScenarioError, build_scenario
from parley.scenario_files import load_scenario

BASE = load_scenario("scenarios/warren.yaml").resolved


def _with(path: tuple, entry: dict) -> dict:
    raw = copy.deepcopy(BASE)
    node = raw
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = entry
    return raw


def _problems(raw: dict) -> list[str]:
    return list(build_scenario(raw, "w.yaml").provenance_problems)


READING = {"text": "yeo2020", "section": "The Trump Administration",
           "says": "Washington kept some diplomacy going after Hanoi.",
           "why": "A few offers a year: the middle of the base range."}
OUTREACH = ("actors", "washington", "outreach_rate")


def test_a_reading_with_its_envelope_is_clean():
    raw = _with(OUTREACH, {"value": 0.3, "range": [0.1, 0.5], "reading": READING,
                           "claims": [{"nil": "A level read from the text, not a switch."}]})
    sc = build_scenario(raw, "w.yaml")
    stance = sc.actors["washington"].stances["outreach_rate"]
    assert stance.provenance == "reading"
    assert stance.cited.when == "2020-02"  # the seed text's own date
    assert not [p for p in sc.provenance_problems if "outreach_rate" in p]


def test_a_reading_or_assumption_without_an_envelope_is_a_problem():
    raw = _with(OUTREACH, {"value": 0.3, "reading": READING,
                           "claims": [{"nil": "a level, not a switch"}]})
    assert any("outreach_rate: a reading needs 'range" in p for p in _problems(raw))
    raw = _with(OUTREACH, {"value": 0.3, "assumption": "ours, for the test"})
    assert any("outreach_rate: an assumption needs 'range" in p for p in _problems(raw))
    ranged = _with(OUTREACH, {"value": [0.1, 0.3], "assumption": "ours, for the test"})
    assert not [p for p in _problems(ranged) if "outreach_rate" in p]


def test_a_numeric_source_must_state_a_number():
    no_number = {"text": "yeo2020", "section": "X", "says": "Offers came every few months."}
    raw = _with(OUTREACH, {"value": 0.3, "source": no_number})
    assert any("outreach_rate.source: a number cited as a source" in p for p in _problems(raw))
    stated = {**no_number, "says": "Three offers in 2019, about 0.25 a month."}
    raw = _with(OUTREACH, {"value": 0.3, "source": stated})
    assert not [p for p in _problems(raw) if "outreach_rate" in p]


def test_outside_and_data_citations_need_a_date():
    outside = {"text": "outside", "section": "Reuters", "says": "Offers came in 2019 (3)."}
    raw = _with(OUTREACH, {"value": 0.3, "source": outside})
    assert any("outreach_rate.source.date" in p for p in _problems(raw))
    raw = _with(OUTREACH, {"value": 0.3, "source": {**outside, "date": "2019-12"}})
    assert not [p for p in _problems(raw) if "outreach_rate" in p]


@pytest.mark.parametrize("date", ["2019-13", "19-12", "2019-12-32", "2019/12", "٢٠١٩"])
def test_a_malformed_date_is_refused(date):
    outside = {"text": "outside", "section": "R", "says": "Three offers (3).", "date": date}
    with pytest.raises(ScenarioError, match="a date is YYYY-MM-DD, YYYY-MM or YYYY"):
        build_scenario(_with(OUTREACH, {"value": 0.3, "source": outside}), "w.yaml")


@pytest.mark.parametrize("envelope,message", [
    ([0.5, 0.1], "low <= high"), ([0.0, 2.0], "must lie in [0.0, 1.0]"),
    ([0.4, 0.5], "must contain the value 0.3"),
])
def test_a_bad_envelope_is_refused(envelope, message):
    raw = _with(OUTREACH, {"value": 0.3, "range": envelope, "assumption": "ours, for the test"})
    with pytest.raises(ScenarioError, match=message.replace("[", r"\[").replace("]", r"\]")):
        build_scenario(raw, "w.yaml")


def test_a_choice_or_a_ranged_value_takes_no_envelope():
    raw = _with(("actors", "washington", "sequencing"),
                {"value": "phased", "range": [0, 1], "assumption": "ours, for the test"})
    with pytest.raises(ScenarioError, match="never drawn"):
        build_scenario(raw, "w.yaml")
    raw = _with(OUTREACH, {"value": [0.1, 0.3], "range": [0.0, 0.5],
                           "assumption": "ours, for the test"})
    with pytest.raises(ScenarioError, match="its own envelope"):
        build_scenario(raw, "w.yaml")


def test_exactly_one_kind():
    raw = _with(OUTREACH, {"value": 0.3, "reading": READING, "assumption": "ours, for the test"})
    with pytest.raises(ScenarioError, match="exactly one of 'source', 'reading' or 'assumption'"):
        build_scenario(raw, "w.yaml")


def test_a_claim_can_name_every_numeric_outcome_and_a_variant_names_its_scenario():
    raw = _with(OUTREACH, {"value": 0.3, "range": [0.1, 0.5], "reading": READING,
                           "claims": [{"outcome": "icbm_tests", "direction": "down"}]})
    raw["variant_of"] = "warren"
    sc = build_scenario(raw, "w.yaml")
    assert sc.variant_of == "warren"
    raw["variant_of"] = "Warren!"
    with pytest.raises(ScenarioError, match="variant_of"):
        build_scenario(raw, "w.yaml")


def test_the_examples_in_docs_provenance_md_are_shipped_values_as_written():
    """Each value of docs/PROVENANCE.md's example is the shipped file's (its comment names the
    file), field for field: the page shows real paraphrases, not text of its own."""
    import re
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[1]
    text = (root / "docs" / "PROVENANCE.md").read_text()
    block = code_blocks(text, "yaml")[0]
    files = dict(re.findall(r"^(\w+):.*\((\w+)\.yaml", block, flags=re.M))
    shown = yaml.safe_load(block)
    assert set(shown) == set(files) == {"sanctions_policy", "legacy_drive", "influence"}
    for name, value in shown.items():
        actors = yaml.safe_load((root / "scenarios" / f"{files[name]}.yaml").read_text())["actors"]
        assert value in [a[name] for a in actors.values() if name in a], name
