"""``parley schema``: the JSON Schema of the scenario language, from the loader's own
declarations; every shipped file passes it, and it rejects what the loader rejects."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from parley.errors import ParleyError
from parley.scenario_files import load_scenario
from parley.schema import scenario_schema

ROOT = Path(__file__).resolve().parents[1]
VALIDATOR = jsonschema.Draft202012Validator(scenario_schema())
SHIPPED = sorted(p for p in (ROOT / "scenarios").rglob("*.yaml") if "sweeps" not in p.parts)
SRC = 'source: {text: yeo2020, section: Prospects, says: "a passage long enough"}'


def test_the_schema_is_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(scenario_schema())


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_scenario_passes(path):
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert [e.message for e in VALIDATOR.iter_errors(doc)] == []


MALFORMED = {
    "unknown_top_field": "colour: red\n",
    "unknown_world_stance": f"world:\n  weather:\n    value: 0.5\n    {SRC}\n",
    "out_of_range": f"world:\n  tension:\n    value: 7\n    {SRC}\n",
    "unknown_rung": "actors:\n  washington:\n    relief_precondition:\n"
                    f"      value: everything\n      {SRC}\n",
    "two_provenances": "world:\n  tension:\n    value: 0.5\n    assumption: ours, for now\n"
                       f"    {SRC}\n",
    "no_provenance": "world:\n  tension:\n    value: 0.5\n",
    "unknown_role": f"actors:\n  paris:\n    role: mediator\n    engagement:\n      value: 0.5\n"
                    f"      {SRC}\n",
    "shield_on_a_patron": f"actors:\n  beijing:\n    role: patron\n    council_shield:\n"
                          f"      value: 0.5\n      {SRC}\n",
    "japan_field_on_russia": f"actors:\n  moscow:\n    role: russia\n    pressure_push:\n"
                             f"      value: 0.5\n      {SRC}\n",
    "flag_as_number": "actors:\n  washington:\n    personal_diplomacy:\n      value: 3\n"
                      f"      {SRC}\n",
    "bad_claim": "world:\n  tension:\n    value: 0.5\n    assumption: ours, for now\n"
                 "    claims: [{outcome: weather, direction: up}]\n",
    "bad_horizon": "horizon: {start: 2021, months: 500}\n",
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_what_the_loader_refuses_the_schema_refuses(name, tmp_path):
    text = "extends: parley:base.yaml\ntitle: A test file\ncamp: test\n" + MALFORMED[name]
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParleyError):
        load_scenario(path)
    assert list(VALIDATOR.iter_errors(yaml.safe_load(text))), name


def test_the_command_writes_the_same_schema(tmp_path):
    out = tmp_path / "s.json"
    proc = subprocess.run([sys.executable, "-m", "parley", "schema", "--out", str(out)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text()) == json.loads(json.dumps(scenario_schema()))


def test_the_schema_knows_every_declared_role_and_its_own_fields():
    from parley import params as P

    variants = {v["title"]: v for v in
                scenario_schema()["properties"]["actors"]["additionalProperties"]["anyOf"]}
    assert set(variants) == set(P.ROLE_DECLS)
    assert {"council_shield", "treaty_lifeline", "enforcement"} <= set(
        variants["russia"]["properties"])
    assert {"pressure_push", "abductions_precondition", "engagement"} <= set(
        variants["japan"]["properties"])
    assert "council_shield" not in variants["patron"]["properties"]
    moscow = {"actors": {"moscow": {"role": "russia", "council_shield": {
        "value": 0.5, "reading": {"text": "oh2020", "section": "Second",
                                  "says": "a passage long enough",
                                  "why": "the share is ours"}}}}}
    assert [e.message for e in VALIDATOR.iter_errors(moscow)] == []
    wrong = {"actors": {"moscow": {"role": "russia", "council_shield": {
        "value": 2.0, "assumption": "ours, for now"}}}}
    assert list(VALIDATOR.iter_errors(wrong))
