"""Malformed scenario files, checked through the command line and in process.

Every case must end with exit code 2, no traceback, and one line per problem that
names the file and the field path and, where it applies, what is allowed.  The
in-process tests (second half) pin each line exactly, including the YAML line and
column; they are the ones mutation testing can see.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from parley.rules import DYNAMICS
from parley.safe_yaml import MAX_FILE_BYTES, read_yaml_mapping
from parley.scenario import (
    ScenarioError,
    _allowed_fields,
    _allowed_hint,
    _pydantic_line,
    build_scenario,
    require_runnable,
    split_path,
    with_values,
)
from parley.scenario_files import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "base.yaml"
HEAD = "extends: base.yaml\ntitle: A test scenario\ncamp: test\n"


def cli(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "parley.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copy(BASE, tmp_path / "base.yaml")
    return tmp_path


def without_param(text: str, param: str) -> str:
    """base.yaml with one Washington parameter's whole entry removed (no extends there)."""
    lines = text.splitlines()
    start = lines.index(f"    {param}:")
    end = start + 1
    while lines[end].startswith("      "):
        end += 1
    return "\n".join(lines[:start] + lines[end:]).replace("abstract: true", "abstract: false")


def stance(value: str, extra: str = 'assumption: "a reason that is long enough"') -> str:
    return f"{HEAD}actors:\n  washington:\n    outreach_rate: {{value: {value}, {extra}}}\n"


def event(month: str = '"2022-05"', actor: str = "seoul", sets: str = "{engagement: 0.1}") -> str:
    return (f"{HEAD}events:\n  - {{month: {month}, actor: {actor}, set: {sets}, "
            f'note: a test event, assumption: "a reason that is long enough"}}\n')


VALUE_ONLY = f"{HEAD}actors:\n  washington:\n    outreach_rate: {{value: 0.3}}\n"
SOURCE = 'source: {text: oh2020, section: First, says: "a paraphrase long enough"}'

# id -> (file text, substrings every error line must hold besides the file name)
CASES: dict[str, tuple[str | bytes, tuple[str, ...]]] = {
    "yaml_syntax": (f"{HEAD}world: [unclosed\n", ("YAML syntax error", "line ")),
    "unknown_top_level_key": (f"{HEAD}colour: red\n", ("colour", "unknown field", "allowed")),
    "unknown_stance_key": (stance("0.3").replace("outreach_rate", "outreach_rte"),
                           ("actors.washington.outreach_rte", "unknown field",
                            "allowed", "outreach_rate")),
    "wrong_type": (stance('"high"'), ("actors.washington.outreach_rate.value",
                                      "must be a number", "[0.0, 1.0]")),
    "out_of_range": (stance("1.5"), ("actors.washington.outreach_rate.value", "[0.0, 1.0]")),
    "range_low_above_high": (stance("[0.6, 0.2]"), ("actors.washington.outreach_rate.value",
                                                    "exceeds")),
    "missing_required_field": (without_param(BASE.read_text(encoding="utf-8"), "legacy_drive"),
                               ("actors.washington.legacy_drive", "missing")),
    "unknown_actor_in_event": (event(actor="pyongyan"),
                               ("events.0.actor", "pyongyan", "allowed", "pyongyang")),
    "unknown_role": (f"{HEAD}actors:\n  tokyo:\n    role: friend\n",
                     ("actors.tokyo.role", "friend", "allowed", "ally")),
    "non_mapping_top_level": ("- a\n- b\n", ("mapping",)),
    "empty_file": ("", ("empty",)),
    "bad_event_month": (event(month='"2022-13"'), ("events.0.month", "YYYY-MM")),
    "event_outside_horizon": (event(month='"2019-05"'), ("events.0.month", "horizon")),
    "event_unknown_stance": (event(sets="{engagment: 0.1}"),
                             ("events.0.set.engagment", "allowed", "engagement")),
    "extends_missing_file": ("extends: nowhere.yaml\ntitle: A test scenario\ncamp: test\n",
                             ("extends", "nowhere.yaml")),
}

# Cases that today give more than one line for one problem, or a traceback; they encode
# the wanted behaviour and are expected to fail until src/parley/scenario.py is fixed.
MORE_CASES = {
    "missing_provenance": (
        VALUE_ONLY,
        ("actors.washington.outreach_rate", "source", "assumption")),
    "both_source_and_assumption": (
        stance("0.3", f'assumption: "a reason that is long enough", {SOURCE}'),
        ("actors.washington.outreach_rate", "source", "assumption")),
    "non_utf8_bytes": (b"title: A test \xff\xfe scenario\ncamp: test\n", ("UTF-8",)),
    "role_not_a_string": (f"{HEAD}actors:\n  tokyo:\n    role: [ally]\n",
                          ("actors.tokyo.role", "allowed")),
    "duplicate_key": (f"{HEAD}camp: other\n", ("duplicate key 'camp'",)),
}


def assert_clean(result: subprocess.CompletedProcess, path: Path, needles: tuple[str, ...],
                 n_lines: int = 1) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = error_lines(result.stderr)
    assert len(lines) == n_lines, result.stderr
    for line in lines:
        assert line.startswith("error: "), line
        assert path.name in line, line
        for needle in needles:
            assert needle in line, f"{needle!r} not in {line!r}"


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_file_gives_one_clean_error(folder, case):
    text, needles = CASES[case]
    path = write(folder, f"{case}.yaml", text)
    assert_clean(cli("validate", path), path, needles)


@pytest.mark.parametrize("case", sorted(MORE_CASES))
def test_known_bad_cases(folder, case):
    text, needles = MORE_CASES[case]
    path = write(folder, f"{case}.yaml", text)
    assert_clean(cli("validate", path), path, needles)


def test_a_failed_stance_is_reported_once(folder):
    path = write(folder, "value_only.yaml", VALUE_ONLY)
    lines = error_lines(cli("validate", path).stderr)
    assert len(lines) == 1 and "required field is missing" not in lines[0]


def test_abstract_base_cannot_be_run(scenario_dir):
    result = cli("chronicle", scenario_dir / "base.yaml")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "abstract" in result.stderr


def test_missing_provenance_is_reported_without_traceback(folder):
    """What holds today for the provenance cases: exit 2, a clean first line."""
    both = stance("0.3", f'assumption: "a reason that is long enough", {SOURCE}')
    for name, text in (("value_only", VALUE_ONLY), ("both", both)):
        path = write(folder, f"{name}.yaml", text)
        result = cli("validate", path)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        first = error_lines(result.stderr)[0]
        assert path.name in first and "actors.washington.outreach_rate" in first
        assert "exactly one of 'source', 'reading' or 'assumption'" in first


def test_circular_extends(tmp_path):
    a = write(tmp_path, "a.yaml", "extends: b.yaml\ntitle: A test scenario\ncamp: test\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\ntitle: A test scenario\ncamp: test\n")
    assert_clean(cli("validate", a), a, ("extends", "circular", "a.yaml -> b.yaml -> a.yaml"))


def test_python_object_tag_is_refused_and_not_executed(folder):
    marker = folder / "PWNED"
    path = write(folder, "tag.yaml",
                 f'{HEAD}description: !!python/object/apply:os.system ["touch {marker}"]\n')
    result = cli("validate", path)
    assert not marker.exists(), "the YAML tag was executed"
    assert_clean(result, path, ("unsupported YAML tag", "line "))
    result = cli("chronicle", path)
    assert not marker.exists(), "the YAML tag was executed"
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_several_files_report_all_errors(folder):
    bad = [write(folder, "one.yaml", CASES["out_of_range"][0]),
           write(folder, "two.yaml", CASES["unknown_role"][0]),
           write(folder, "three.yaml", "")]
    good = write(folder, "good.yaml", HEAD)
    result = cli("validate", *bad, good)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    for path in bad:
        assert any(path.name in line for line in error_lines(result.stderr)), path.name
    assert f"ok: {good}" in result.stdout


def test_valid_file_exits_zero(folder):
    good = write(folder, "good.yaml", HEAD)
    result = cli("validate", good)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_shipped_scenarios_validate_through_the_cli():
    folders = [ROOT / "scenarios", ROOT / "scenarios" / "hindcast",
               ROOT / "scenarios" / "examples"]
    result = cli("validate", *folders)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("case", ["unknown_stance_key", "empty_file", "yaml_syntax"])
def test_chronicle_on_malformed_file(folder, case):
    text, needles = CASES[case]
    path = write(folder, f"{case}.yaml", text)
    assert_clean(cli("chronicle", path, "--seed", "5"), path, needles)


def test_missing_file(tmp_path):
    path = tmp_path / "absent.yaml"
    for command in ("validate", "chronicle"):
        assert_clean(cli(command, path), path, ("cannot read",))


def condition(when: str = "{kind: nuclear_test}", actor: str = "washington",
              sets: str = "{outreach_rate: 0.1}", extra: str = "") -> str:
    return (f"{HEAD}conditions:\n  - {{when: {when}, actor: {actor}, set: {sets}, "
            f"note: a test condition, assumption: \"a reason that is long enough\"{extra}}}\n")


CONDITION_CASES = {
    "unknown_trigger_kind": (condition(when="{kind: eclipse}"),
                             ("conditions.0.when.kind", "nuclear_test", "'eclipse'")),
    "unknown_test_class": (condition(when="{kind: test, test_class: sling}"),
                           ("conditions.0.when.test_class", "multiple_warhead_icbm")),
    "level_missing": (condition(when="{kind: tension_above}"),
                      ("conditions.0.when.level", "required for kind tension_above")),
    "level_out_of_range": (condition(when="{kind: tension_above, level: 1.5}"),
                           ("conditions.0.when.level", "1.5")),
    "month_outside_horizon": (condition(when='{kind: months, from: "2030-01"}'),
                              ("conditions.0.when.from", "outside the horizon")),
    "unknown_actor": (condition(actor="paris"), ("conditions.0.actor", "'paris'", "washington")),
    "unknown_stance": (condition(sets="{charm: 0.5}"),
                       ("conditions.0.set.charm", "unknown field", "outreach_rate")),
    "stance_not_numeric": (condition(sets="{red_line: none}"),
                           ("conditions.0.set.red_line", "only numeric stances")),
    "value_out_of_range": (condition(sets="{outreach_rate: 2.0}"),
                           ("conditions.0.set.outreach_rate", "[0.0, 1.0]")),
    "dynamics_unknown": (f"{HEAD}dynamics:\n  derail_pr: {{value: 0.5, assumption: \"a "
                         "reason that is long enough\"}\n", ("dynamics.derail_pr",
                                                              "unknown field", "derail_p")),
    "dynamics_out_of_range": (f"{HEAD}dynamics:\n  derail_p: {{value: 3, assumption: \"a "
                              "reason that is long enough\"}\n",
                              ("dynamics.derail_p.value", "must lie in")),
    "claim_without_direction": (stance("0.5", 'assumption: "a reason that is long enough", '
                                       "claims: [{outcome: crisis}]"),
                                ("claims", "'nil' with a reason")),
    "condition_unknown_field": (condition(when="{kind: summit, colour: red}"),
                                ("conditions.0.when.colour", "kind, test_class, level, from")),
    "claim_unknown_outcome": (stance("0.5", 'assumption: "a reason that is long enough", '
                                     "claims: [{outcome: happiness, direction: up}]"),
                              ("claims.0.outcome", "talks_resumed", "'happiness'")),
}


@pytest.mark.parametrize("case", sorted(CONDITION_CASES))
def test_bad_condition_dynamics_or_claim_gives_one_clean_error(folder, case):
    text, needles = CONDITION_CASES[case]
    path = write(folder, f"{case}.yaml", text)
    assert_clean(cli("validate", path), path, needles)


def test_a_valid_condition_validates(folder):
    when = '{kind: test, test_class: icbm, from: "2021-06", until: "2023-01"}'
    path = write(folder, "good_condition.yaml", condition(when=when))
    result = cli("validate", path)
    assert result.returncode == 0, result.stderr


# ------------------------------------------------------------------- in process
# The cases above run the command line in a subprocess, which mutation testing cannot
# see; these call the loader in this process and pin each error line exactly: the file,
# the field path, what is allowed and, for YAML problems, the line and column.

A = "a reason long enough"


def problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value.problems


def schema_problems(raw, where: str = "w.yaml") -> list[str]:
    with pytest.raises(ScenarioError) as info:
        build_scenario(raw, where)
    return info.value.problems


@pytest.mark.parametrize("case", sorted({**CASES, **MORE_CASES, **CONDITION_CASES}))
def test_each_bad_file_gives_one_line_in_process(folder, case):
    text, needles = {**CASES, **MORE_CASES, **CONDITION_CASES}[case]
    path = write(folder, f"{case}.yaml", text)
    (line,) = problems(path)
    assert line.startswith(f"{path}: "), line
    for needle in needles:
        assert needle in line, f"{needle!r} not in {line!r}"


def test_a_valid_condition_loads_in_process(folder):
    when = '{kind: test, test_class: icbm, from: "2021-06", until: "2023-01"}'
    sc = load_scenario(write(folder, "good_condition.yaml", condition(when=when)))
    assert sc.conditions[0].when.test_class == "icbm"
    assert sc.conditions[0].when.until_month == "2023-01"


# ----------------------------------------------- YAML: line and column of the problem


YAML_CASES = {
    # file text after HEAD (lines 1-3) -> the error line after "<path>: "
    "syntax": ("world: [unclosed\n", "line 5, column 1: YAML syntax error: expected ',' or "
                                     "']', but got '<stream end>'"),
    "bad_date": ("description: 2021-13-45\n",
                 "line 4, column 14: '2021-13-45' is not a valid date"),
    "long_bad_date": ("description: 2021-13-01T00:00:00.1234567890123456789012345\n",
                      "line 4, column 14: '2021-13-01T00:00:00.1234567890123456... is not a "
                      "valid date"),  # the value's excerpt is cut to 40 characters
    "duplicate_key": ("camp: other\n", "line 4, column 1: duplicate key 'camp' (a later "
                                       "value would silently win)"),
    "long_int": ("x: " + "9" * 70 + "\n",
                 "line 4, column 4: an integer of 70 characters (at most 64 allowed)"),
    "list_key": ("? [a]\n: 1\n",
                 "line 4, column 3: a mapping key must be a plain value, not a list"),
    "bad_merge": ("<<: [1, 2]\n", "line 4, column 6: merge key '<<': expected a mapping for "
                                  "merging, but found scalar"),
    "python_tag": ("description: !!python/object/apply:os.system [ls]\n",
                   "line 4, column 14: unsupported YAML tag !!python/object/apply:os.system: "
                   "only plain YAML data is allowed (write the value untagged)"),
    "control_char": ("description: a\x07b\n",  # the reader gives no line and column
                     "YAML syntax error: unacceptable character #x0007: special characters "
                     "are not allowed"),
    "unknown_field": ("colour: red\n", "colour: unknown field (allowed here: name, title, "
                                       "camp, description, disagreement, variant_of, horizon, "
                                       "world, shocks, actors, events, dynamics, conditions)"),
}


@pytest.mark.parametrize("case", sorted(YAML_CASES))
def test_yaml_problem_is_located(folder, case):
    text, expected = YAML_CASES[case]
    path = write(folder, f"{case}.yaml", HEAD + text)
    assert problems(path) == [f"{path}: {expected}"]


def test_alias_bomb_is_refused_before_it_grows(tmp_path):
    text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for name, prev in zip("bcd", "abc", strict=True):
        text += f"{name}: &{name} [{', '.join([f'*{prev}'] * 10)}]\n"
    text += f"e: [{', '.join(['*d'] * 10)}]\n"  # 10**5 values once expanded
    path = write(tmp_path, "bomb.yaml", text)
    assert problems(path) == [
        f"{path}: line 5, column 4: more than 50,000 values once aliases are expanded"]
    small = write(tmp_path, "small.yaml", text.rsplit("\n", 2)[0] + "\n")  # 10**4: fine
    assert len(read_yaml_mapping(small)["d"]) == 10


def xs(n: int) -> str:
    return ", ".join(["x"] * n)


def test_node_count_bound_is_inclusive(tmp_path):
    # mapping 1 + key 1 + list 1 + 499 copies of a 100-node list + 97 or 98 scalars
    text = "k: [&a [" + xs(99) + "], " + ", ".join(["*a"] * 498) + ", {}]\n"
    at_bound = write(tmp_path, "at.yaml", text.format(xs(97)))  # 50,000 values
    assert len(read_yaml_mapping(at_bound)["k"]) == 499 + 97
    over = write(tmp_path, "over.yaml", text.format(xs(98)))
    assert problems(over) == [
        f"{over}: line 1, column 1: more than 50,000 values once aliases are expanded"]
    # the count reaches the bound before the last key and value: still counted
    last = write(tmp_path, "last.yaml", text.format(xs(97)) + "z: 1\n")
    assert problems(last) == [
        f"{last}: line 1, column 1: more than 50,000 values once aliases are expanded"]


def test_nesting_through_aliases_is_bounded(tmp_path):
    # the anchored list reaches 15 levels below its own; 'b' puts it k lists deeper
    anchor = "a: &a " + "[" * 15 + "1" + "]" * 15 + "\n"
    ok = write(tmp_path, "ok.yaml", anchor + "b: " + "[" * 15 + "*a" + "]" * 15 + "\n")
    assert read_yaml_mapping(ok)["a"] == [[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]
    deep = write(tmp_path, "deep.yaml", anchor + "b: " + "[" * 16 + "*a" + "]" * 16 + "\n")
    assert problems(deep) == [  # located at the anchor, where the aliased value is written
        f"{deep}: line 1, column 4: nested more than 32 levels deep (aliases followed)"]


def test_loader_bounds_are_inclusive(tmp_path):
    path = write(tmp_path, "ok.yaml", "x: " + "9" * 64 + "\nd: 2021-02-03\n"
                 "<<: {title: merged}\nn: " + "[" * 30 + "1" + "]" * 30 + "\n")
    data = read_yaml_mapping(path)
    assert data["x"] == int("9" * 64)
    assert str(data["d"]) == "2021-02-03"
    assert data["title"] == "merged"
    deep = write(tmp_path, "deep.yaml", "n: " + "[" * 31 + "1" + "]" * 31 + "\n")
    assert problems(deep) == [f"{deep}: line 1, column 35: nested more than 32 levels deep"]


def test_empty_file_and_non_mapping(tmp_path):
    empty = write(tmp_path, "empty.yaml", "")
    assert problems(empty) == [f"{empty}: file is empty; a scenario must be a YAML mapping"]
    listed = write(tmp_path, "list.yaml", "- a\n- b\n")
    assert problems(listed) == [
        f"{listed}: top level is a list; a scenario must be a YAML mapping of fields"]
    with pytest.raises(ScenarioError) as info:
        read_yaml_mapping(write(tmp_path, "s.yaml", "just text\n"), what="a sweep file")
    assert info.value.problems == [
        f"{tmp_path / 's.yaml'}: top level is a str; a sweep file must be a YAML mapping "
        "of fields"]


# ---------------------------------------------------------- reading the file itself


def test_unreadable_paths(tmp_path):
    missing = tmp_path / "absent.yaml"
    assert problems(missing) == [f"{missing}: cannot read the file (No such file or directory)"]
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    assert problems(fifo) == [f"{fifo}: not a regular file (a device, FIFO or socket); "
                              "give a scenario file"]


def test_a_folder_is_not_a_scenario_file(tmp_path):
    assert problems(tmp_path) == [f"{tmp_path}: is a folder; give a scenario file"]


def test_size_bound_and_encoding(tmp_path):
    # exactly the bound is read (and then fails on its last byte); one byte more is refused
    at_bound = write(tmp_path, "at.yaml", b"#" * (MAX_FILE_BYTES - 1) + b"\xff")
    assert problems(at_bound) == [f"{at_bound}: byte {MAX_FILE_BYTES - 1} is not valid "
                                  "UTF-8; save the file as UTF-8 text"]
    over = write(tmp_path, "over.yaml", b"#" * (MAX_FILE_BYTES + 1))
    assert problems(over) == [f"{over}: larger than 1,000,000 bytes; a scenario file is a "
                              "few kB of YAML"]
    latin = write(tmp_path, "latin.yaml", b"title: caf\xe9\n")
    assert problems(latin) == [f"{latin}: byte 10 is not valid UTF-8; save the file as "
                               "UTF-8 text"]


# ----------------------------------------------------------------------- extends


def test_extends_problems(folder):
    child = "title: A test scenario\ncamp: test\n"
    bad_type = write(folder, "bad_type.yaml", "extends: [base.yaml]\n" + child)
    assert problems(bad_type) == [f"{bad_type}: extends: must be a file name such as "
                                  "base.yaml"]
    nowhere = write(folder, "child.yaml", "extends: nowhere.yaml\n" + child)
    assert problems(nowhere) == [f"{nowhere}: extends: no such scenario file 'nowhere.yaml'"]
    sub = folder / "sub"
    sub.mkdir()
    # the folder tree is the nearest folder with a base.yaml: sub/ reaches ../base.yaml
    assert load_scenario(write(sub, "inside.yaml", "extends: ../base.yaml\n" + child))
    outside = write(sub, "outside.yaml", "extends: ../../base.yaml\n" + child)
    assert problems(outside) == [
        f"{outside}: extends: '../../base.yaml' lies outside this scenario's folder tree "
        "(the nearest folder with a base.yaml, at most two above the file) and the "
        "shipped scenarios; copy it there, or write parley:NAME for a shipped scenario"]
    abstract = write(folder, "abstract.yaml", HEAD + "abstract: 'no'\n")
    assert problems(abstract) == [f"{abstract}: abstract: must be true or false, unquoted "
                                  "(got 'no')"]


def test_circular_extends_in_process(tmp_path):
    a = write(tmp_path, "a.yaml", "extends: b.yaml\ntitle: A test scenario\ncamp: test\n")
    write(tmp_path, "b.yaml", "extends: c.yaml\n")
    write(tmp_path, "c.yaml", "extends: a.yaml\n")
    assert problems(a) == [f"{a}: extends: circular inheritance "
                           "(a.yaml -> b.yaml -> c.yaml -> a.yaml)"]
    itself = write(tmp_path, "self.yaml", "extends: self.yaml\n")
    assert problems(itself) == [f"{itself}: extends: circular inheritance "
                                "(self.yaml -> self.yaml)"]


def test_extends_merges_mappings_and_replaces_stances_whole(folder):
    path = write(folder, "child.yaml", HEAD + "horizon: {months: 24}\nworld:\n"
                 "  tension: {value: 0.3, assumption: a reason long enough}\n")
    sc = load_scenario(path)
    assert sc.name == "child" and not sc.abstract
    assert (sc.horizon.start, sc.horizon.months) == ("2021-01", 24)  # start kept
    assert sc.resolved["world"]["tension"] == {"value": 0.3, "assumption": A,
                                                "claims": []}  # no source kept
    named = load_scenario(write(folder, "named.yaml", HEAD + "name: other_name\n"))
    assert named.name == "other_name"
    shipped = load_scenario(write(folder / "..", "from_package.yaml",
                                  HEAD.replace("base.yaml", "parley:base.yaml")))
    assert shipped.world["tension"] == load_scenario(path.with_name("base.yaml")).world[
        "tension"]


def test_require_runnable_refuses_an_abstract_scenario(scenario_dir):
    base = load_scenario(scenario_dir / "base.yaml")
    assert base.abstract
    with pytest.raises(ScenarioError) as info:
        require_runnable(base)
    assert info.value.problems == [f"{scenario_dir / 'base.yaml'}: abstract: this file only "
                                   "holds shared defaults; run a scenario that extends it"]
    with pytest.raises(ScenarioError) as info:
        require_runnable(dataclasses.replace(base, path=None))
    assert info.value.problems == [f"{base.name}: abstract: this file only holds shared "
                                   "defaults; run a scenario that extends it"]


# -------------------------------------------------- the schema, on resolved mappings


@pytest.fixture
def raw(trump_oh) -> dict:
    """A valid resolved scenario to break one field at a time."""
    return copy.deepcopy(trump_oh.resolved)


def test_pydantic_lines(raw):
    no_title = {k: v for k, v in raw.items() if k != "title"}
    assert schema_problems(no_title) == ["w.yaml: title: required field is missing"]
    assert schema_problems({**raw, "horizon": {"months": 0}}) == [
        "w.yaml: horizon.months: Input should be greater than or equal to 1 (got 0)"]
    assert schema_problems([]) == [
        "w.yaml: (top level): Input should be a valid dictionary or instance of ScenarioDoc "
        "(got [])"]
    raw["world"]["tension"] = {"value": 0.3}  # pydantic's "Value error, " prefix is dropped
    assert schema_problems(raw) == ["w.yaml: world.tension: give exactly one of 'source', "
                                    "'reading' or 'assumption' (got {'value': 0.3})"]


def test_a_long_value_is_shown_as_an_excerpt(raw):
    raw["title"] = ["x" * 100, 2, 3, 4, 5, 6]
    (line,) = schema_problems(raw)
    # reprlib: a string cut to 60 characters around '...', a list to its first four items
    excerpt = "'" + "x" * 27 + "..." + "x" * 28 + "'"
    assert line == f"w.yaml: title: Input should be a valid string (got [{excerpt}, 2, 3, 4, ...])"


@pytest.mark.parametrize(("loc", "allowed"), [
    (("colour",), "name, title, camp, description, disagreement, variant_of, horizon, world, "
                  "shocks, actors, events, dynamics, conditions"),  # never 'abstract'
    (("horizon", "colour"), "start, months"),
    (("world", "tension", "colour"), "source, reading, assumption, value, range, claims"),
    (("shocks", "us_crisis_rate", "source", "colour"), "text, section, says, date"),
    (("dynamics", "derail_p", "claims", 0, "colour"), "outcome, direction, nil"),
    (("events", 0, "colour"), "source, reading, assumption, month, actor, set, note, kind"),
    (("events", 1, "source", "colour"), "text, section, says, date"),
    (("conditions", 0, "colour"), "source, reading, assumption, when, actor, set, note, claims"),
    (("conditions", 2, "when", "colour"), "kind, test_class, level, from, until"),
    (("actors.washington", "outreach_rate", "colour"),
     "source, reading, assumption, value, range, claims"),
    (("actors.washington", "outreach_rate", "source", "colour"), "text, section, says, date"),
    (("actors.washington", "outreach_rate", "claims", 0, "colour"),
     "outcome, direction, nil"),
])
def test_unknown_field_lists_the_fields_allowed_there(loc, allowed):
    err = {"loc": loc, "type": "extra_forbidden", "msg": "Extra inputs are not permitted",
           "input": "red"}
    where = ".".join(map(str, loc))
    assert _pydantic_line("f.yaml", err) == (f"f.yaml: {where}: unknown field "
                                             f"(allowed here: {allowed})")
    assert ", ".join(_allowed_fields(loc)) == allowed


def test_unknown_field_in_a_file_is_located_by_its_path(folder):
    path = write(folder, "src.yaml", HEAD + "world:\n  tension: {value: 0.3, source: {text: "
                 "data, section: x, says: a paraphrase long enough, colour: red}}\n")
    assert problems(path) == [f"{path}: world.tension.source.colour: unknown field "
                              "(allowed here: text, section, says, date)"]


def test_allowed_hint_lists_short_lists_and_suggests_from_long_ones():
    assert _allowed_hint("x", ["a", "b"]) == "allowed: a, b"
    assert _allowed_hint("x", iter(["a", "b"])) == "allowed: a, b"
    names = [f"name_{i:03d}" for i in range(20)]  # 20 names of 8 + 19 separators = 198
    assert len(", ".join(names)) == 198
    assert _allowed_hint("x", names) == "allowed: " + ", ".join(names)
    names[0] = "name_00000"  # 200 characters: still listed
    assert _allowed_hint("x", names) == "allowed: " + ", ".join(names)
    names[1] = "name_0010"  # 201: the three closest instead (ties: the later name first)
    assert _allowed_hint("name_012", names) == (
        "did you mean name_012 or name_019 or name_018? 20 names are allowed; "
        "docs/SCENARIOS.md and docs/MODEL.md list them")
    # even a name like none of them gets three suggestions
    assert _allowed_hint("???", names).startswith("did you mean name_019 or name_018 or "
                                                  "name_017? 20 names")


def test_block_problems(raw):
    raw["world"]["tensionn"] = raw["world"].pop("tension")
    raw["actors"]["washington"]["outreach_rte"] = raw["actors"]["washington"].pop(
        "outreach_rate")
    raw["dynamics"] = {"derail_pr": {"value": 0.5, "assumption": A}}
    assert schema_problems(raw) == [
        "w.yaml: world.tensionn: unknown field (allowed: tension, sanctions, evasion, "
        "us_china_tension, us_china_drift, capability)",
        "w.yaml: world.tension: required field is missing",
        "w.yaml: actors.washington.outreach_rte: unknown field (did you mean outreach_rate or "
        "legacy_drive or bold_move_rate? 19 names are allowed; docs/SCENARIOS.md and "
        "docs/MODEL.md list them)",
        "w.yaml: actors.washington.outreach_rate: required field is missing",
        "w.yaml: dynamics.derail_pr: unknown field (did you mean derail_p or spoiler_derail_p "
        f"or deal_p_working? {len(DYNAMICS)} names are allowed; docs/SCENARIOS.md and "
        "docs/MODEL.md list "
        "them)",
    ]


@pytest.mark.parametrize(("name", "value", "message"), [
    ("personal_diplomacy", "yes", "must be true or false (got 'yes')"),
    ("sanctions_policy", "loosen",
     "'loosen' is not allowed (allowed: tighten, hold, ease_with_progress)"),
    ("outreach_rate", [0.1, 0.2, 0.3],
     "a range must be [low, high] with two numbers (got [0.1, 0.2, 0.3])"),
    ("outreach_rate", [0.1, "x"], "a range must be [low, high] with two numbers "
                                  "(got [0.1, 'x'])"),
    ("outreach_rate", [0.6, 0.2], "range low 0.6 exceeds high 0.2"),
    ("outreach_rate", [0.2, 1.6], "must lie in [0.0, 1.0]"),
    ("outreach_rate", [-0.2, 0.6], "must lie in [0.0, 1.0]"),
    ("outreach_rate", "high",
     "must be a number or a [low, high] range in [0.0, 1.0] (got 'high')"),
    ("outreach_rate", True, "must be a number or a [low, high] range in [0.0, 1.0] (got True)"),
])
def test_value_problems(raw, name, value, message):
    raw["actors"]["washington"][name]["value"] = value
    assert schema_problems(raw) == [f"w.yaml: actors.washington.{name}.value: {message}"]


@pytest.mark.parametrize(("name", "value"), [
    ("personal_diplomacy", False), ("sanctions_policy", "hold"), ("outreach_rate", [0.2, 0.2]),
    ("outreach_rate", [0, 1]), ("outreach_rate", 1), ("outreach_rate", 0.0)])
def test_values_at_the_edges_are_accepted(raw, name, value):
    raw["actors"]["washington"][name]["value"] = value
    assert build_scenario(raw).actors["washington"].value(name) == value


def test_actor_problems(raw):
    raw["actors"]["tokyo"] = {"role": "friend"}
    raw["actors"]["osaka"] = {"role": ["ally"]}
    assert schema_problems(raw) == [
        "w.yaml: actors.tokyo.role: 'friend' is not a known role (allowed: washington, "
        "pyongyang, patron, russia, ally, japan)",
        "w.yaml: actors.osaka.role: ['ally'] is not a known role (allowed: washington, "
        "pyongyang, patron, russia, ally, japan)"]


def test_each_side_needs_exactly_one_actor(raw):
    two = copy.deepcopy(raw)
    two["actors"]["dc"] = copy.deepcopy(two["actors"]["washington"])
    assert schema_problems(two) == [
        "w.yaml: actors: needs exactly one actor with role 'washington' (found 2)"]
    del raw["actors"]["pyongyang"]
    assert schema_problems(raw) == [
        "w.yaml: actors: needs exactly one actor with role 'pyongyang' (found 0)"]


def test_a_stance_that_fails_its_schema_is_not_also_missing(raw):
    raw["actors"]["washington"]["outreach_rate"] = {"value": 0.3}
    raw["actors"]["washington"]["legacy_drive"] = {"value": 0.3, "assumption": A,
                                                   "colour": "red"}
    assert schema_problems(raw) == [
        "w.yaml: actors.washington.outreach_rate: give exactly one of 'source', "
        "'reading' or 'assumption' (got {'value': 0.3})",
        "w.yaml: actors.washington.legacy_drive.colour: unknown field (allowed here: source, "
        "reading, assumption, value, range, claims)"]


def event_(**changes) -> dict:
    return {"month": "2022-05", "actor": "seoul", "set": {"engagement": 0.1},
            "note": "a test event", "assumption": A, **changes}


@pytest.mark.parametrize(("event", "lines"), [
    (event_(month="2022-13"), ["events.1.month: '2022-13' must be YYYY-MM"]),
    (event_(month="2020-12"),
     ["events.1.month: 2020-12 lies outside the horizon (2021-01 + 48 months)"]),
    (event_(month="2025-01", actor="paris"),
     ["events.1.month: 2025-01 lies outside the horizon (2021-01 + 48 months)",
      "events.1.actor: unknown actor 'paris' (allowed: washington, pyongyang, beijing, "
      "seoul, moscow)"]),
    (event_(set={"engagment": 0.1, "consultation": 2}),
     ["events.1.set.engagment: unknown field for role ally (allowed: engagement, "
      "presses_flexibility, consultation)",
      "events.1.set.consultation: must lie in [0.0, 1.0]"]),
    (event_(set={"engagement": [0.1, 0.2]}),
     ["events.1.set.engagement: must be a number in [0.0, 1.0] (got [0.1, 0.2])"]),
])
def test_event_problems(raw, event, lines):
    raw["events"] = [event_(), event]
    assert schema_problems(raw) == [f"w.yaml: {line}" for line in lines]


def test_events_at_the_ends_of_the_horizon_are_accepted(raw):
    raw["events"] = [event_(month="2021-01"), event_(month="2024-12")]
    assert [e.month for e in build_scenario(raw).events] == ["2021-01", "2024-12"]


def condition_(when: dict | None = None, **changes) -> dict:
    return {"when": when or {"kind": "summit"}, "actor": "washington",
            "set": {"outreach_rate": 0.1}, "note": "a test condition", "assumption": A,
            **changes}


NUMERIC = ("outreach_rate, legacy_drive, bold_move_rate, alliance_coordination, "
           "crisis_distraction, election_year_drag")


@pytest.mark.parametrize(("cond", "lines"), [
    (condition_(actor="paris"), ["actor: unknown actor 'paris' (allowed: washington, "
                                 "pyongyang, beijing, seoul, moscow)"]),
    (condition_(set={}), ["set: name at least one stance to change"]),
    (condition_(set={"charm": 0.5, "red_line": "none", "outreach_rate": 2.0,
                     "legacy_drive": [0.1, 0.2]}),
     [f"set.charm: unknown field for role washington (allowed: {NUMERIC})",
      f"set.red_line: only numeric stances can change on a condition (allowed: {NUMERIC})",
      "set.outreach_rate: must lie in [0.0, 1.0]",
      "set.legacy_drive: must be a number in [0.0, 1.0] (got [0.1, 0.2])"]),
    (condition_({"kind": "tension_above"}),
     ["when.level: required for kind tension_above (a number in [0, 1])"]),
    (condition_({"kind": "summit", "level": 0.5}),
     ["when.level: only allowed for kind tension_above"]),
    (condition_({"kind": "summit", "test_class": "icbm"}),
     ["when.test_class: only allowed for kind test"]),
    (condition_({"kind": "months"}), ["when.from: required for kind months (YYYY-MM)"]),
    (condition_({"kind": "months", "level": 0.2, "test_class": "any"}),
     ["when.level: only allowed for kind tension_above",
      "when.test_class: only allowed for kind test",
      "when.from: required for kind months (YYYY-MM)"]),
    (condition_({"kind": "summit", "from": "2021-13", "until": "21-01"}),
     ["when.from: '2021-13' must be YYYY-MM", "when.until: '21-01' must be YYYY-MM"]),
    (condition_({"kind": "summit", "until": "2025-01"}),
     ["when.until: 2025-01 lies outside the horizon (2021-01 + 48 months)"]),
    (condition_({"kind": "summit", "from": "2020-12", "until": "2024-12"}),
     ["when.from: 2020-12 lies outside the horizon (2021-01 + 48 months)"]),
    (condition_({"kind": "months", "from": "2021-01", "until": "2025-01"}, actor="paris"),
     ["when.until: 2025-01 lies outside the horizon (2021-01 + 48 months)",
      "actor: unknown actor 'paris' (allowed: washington, pyongyang, beijing, seoul, moscow)"]),
])
def test_condition_problems(raw, cond, lines):
    raw["conditions"] = [condition_(), cond]
    assert schema_problems(raw) == [f"w.yaml: conditions.1.{line}" for line in lines]


def test_trigger_months_are_checked_against_the_scenarios_own_horizon(raw):
    raw["horizon"] = {"start": "2020-06", "months": 6}
    raw["events"] = []
    raw["conditions"] = [condition_({"kind": "months", "from": "2020-06", "until": "2020-11"}),
                         condition_({"kind": "months", "from": "2020-12"})]
    assert schema_problems(raw) == ["w.yaml: conditions.1.when.from: 2020-12 lies outside the "
                                    "horizon (2020-06 + 6 months)"]


# ------------------------------------------------------------ split_path, with_values


def test_split_path_problems(trump_oh):
    actors = "washington, pyongyang, beijing, seoul, moscow"
    for path in ("outreach_rate", "a.b.c", "actors.washington"):
        with pytest.raises(ScenarioError) as info:
            split_path(trump_oh, path)
        assert info.value.problems == [
            f"{path}: a parameter path is ACTOR.PARAM, world.PARAM, shocks.PARAM or "
            f"dynamics.NAME (actors: {actors})"]
    with pytest.raises(ScenarioError) as info:
        split_path(trump_oh, "tokyo.outreach_rate")
    assert info.value.problems == ["tokyo.outreach_rate: unknown actor or section 'tokyo' "
                                   f"(allowed: {actors}, world, shocks, dynamics)"]
    with pytest.raises(ScenarioError) as info:
        split_path(trump_oh, "world.charm")
    assert info.value.problems == ["world.charm: unknown parameter 'charm' for world (allowed: "
                                   "tension, sanctions, evasion, us_china_tension, "
                                   "us_china_drift, capability)"]
    with pytest.raises(ScenarioError) as info:
        split_path(trump_oh, "moscow.outreach_rate")
    assert info.value.problems == ["moscow.outreach_rate: unknown parameter 'outreach_rate' "
                                   "for moscow (allowed: enforcement, influence, "
                                   "spoiler_threshold, un_easing_push, phased_affinity, "
                                   "council_shield, treaty_lifeline)"]


def test_with_values_names_the_override_in_its_errors(trump_oh):
    with pytest.raises(ScenarioError) as info:
        with_values(trump_oh, {"washington.outreach_rate": 1.5, "world.tension": 0.2})
    assert info.value.problems == [
        f"{trump_oh.path} with ['washington.outreach_rate', 'world.tension']: "
        "actors.washington.outreach_rate.value: must lie in [0.0, 1.0]"]
    unnamed = dataclasses.replace(trump_oh, path=None)
    with pytest.raises(ScenarioError) as info:
        with_values(unnamed, {"world.tension": -1})
    assert info.value.problems == [
        "trump_oh with ['world.tension']: world.tension.value: must lie in [0.0, 1.0]"]


def test_a_bad_role_is_not_reported_again_as_a_missing_actor(raw):
    raw["actors"]["washington"]["role"] = "superpower"
    raw["events"] = raw["conditions"] = []  # (they name washington)
    assert schema_problems(raw) == [
        "w.yaml: actors.washington.role: 'superpower' is not a known role (allowed: "
        "washington, pyongyang, patron, russia, ally, japan)"]


def test_every_event_and_condition_is_checked_after_a_bad_one(raw):
    raw["events"] = [event_(month="May 2022"), event_(actor="paris"), event_(month="2030-01")]
    raw["conditions"] = [condition_(actor="paris"), condition_(set={}),
                         condition_({"kind": "months"})]
    actors = "washington, pyongyang, beijing, seoul, moscow"
    assert schema_problems(raw) == [
        "w.yaml: events.0.month: 'May 2022' must be YYYY-MM",
        f"w.yaml: events.1.actor: unknown actor 'paris' (allowed: {actors})",
        "w.yaml: events.2.month: 2030-01 lies outside the horizon (2021-01 + 48 months)",
        f"w.yaml: conditions.0.actor: unknown actor 'paris' (allowed: {actors})",
        "w.yaml: conditions.1.set: name at least one stance to change",
        "w.yaml: conditions.2.when.from: required for kind months (YYYY-MM)"]


def test_build_scenario_names_an_unnamed_source(raw):
    del raw["camp"]
    with pytest.raises(ScenarioError) as info:
        build_scenario(raw)
    assert info.value.problems == ["<scenario>: camp: required field is missing"]


def test_a_long_extends_reference_is_cut_in_the_message(folder):
    ref = "../" + "x" * 80 + ".yaml"
    path = write(folder, "far.yaml", f"extends: {ref}\n")
    missing = "y" * 80 + ".yaml"
    nowhere = write(folder, "nowhere_long.yaml", f"extends: {missing}\n")
    assert problems(nowhere) == [f"{nowhere}: extends: no such scenario file "
                                 f"{repr(missing)[:57]}..."]
    assert problems(path) == [
        f"{path}: extends: {repr(ref)[:57]}... lies outside this scenario's folder tree "
        "(the nearest folder with a base.yaml, at most two above the file) and the "
        "shipped scenarios; copy it there, or write parley:NAME for a shipped scenario"]


def test_extends_through_a_subfolder_stays_within_the_top_files_folder(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    shutil.copy(BASE, tmp_path / "base.yaml")
    write(sub, "middle.yaml", "extends: ../base.yaml\nname: middle_name\n")
    top = write(tmp_path, "top.yaml", "extends: sub/middle.yaml\ntitle: A test scenario\n"
                "camp: test\n")
    sc = load_scenario(top)
    assert sc.name == "top"  # a parent's name is never inherited
    assert not sc.abstract
    # the middle file alone reaches ../base.yaml too: its folder tree is the nearest
    # folder with a base.yaml (tests/test_scenario_files.py has the rule's edges)
    assert load_scenario(sub / "middle.yaml").name == "middle_name"


def test_long_values_in_loader_messages_are_cut(folder):
    long_text = "x" * 70
    abstract = write(folder, "abstract_long.yaml", HEAD + f"abstract: {long_text}\n")
    assert problems(abstract) == [f"{abstract}: abstract: must be true or false, unquoted "
                                  f"(got {repr(long_text)[:37]}...)"]
    key = "k" * 70
    dup = write(folder, "dup_long.yaml", f"{key}: 1\n{key}: 2\n")
    assert problems(dup) == [f"{dup}: line 2, column 1: duplicate key {repr(key)[:57]}... "
                             "(a later value would silently win)"]


def test_a_duplicate_after_a_merge_key_is_found(tmp_path):
    path = write(tmp_path, "merge_dup.yaml", "<<: {a: 1}\nb: 1\nb: 2\n")
    assert problems(path) == [f"{path}: line 3, column 1: duplicate key 'b' (a later value "
                              "would silently win)"]
    ok = write(tmp_path, "merge_ok.yaml", "<<: {a: 1, b: 0}\nb: 2\n")
    assert read_yaml_mapping(ok) == {"a": 1, "b": 2}  # the mapping's own key wins
