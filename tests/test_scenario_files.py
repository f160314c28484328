"""Scenario references and folders: parley:NAME and bare shipped names, the shipped catalogue,
a user's copy of the scenarios/ tree, the folder-tree rule of extends, the file-name rule,
bounded paths in errors, and the warning for a world inherited across time."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from parley import scenario_files as F
from parley.cli import main
from parley.errors import MAX_LINE, ScenarioError, printable_path
from parley.scenario_files import (
    load_scenario,
    scenario_files,
    scenario_path,
    scenario_root,
    shipped_catalogue,
    shipped_reference,
    shipped_scenarios_dir,
    stale_inheritance,
)

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = shipped_scenarios_dir()
ADMINISTRATION = ["biden", "bloomberg", "buttigieg", "klobuchar", "sanders", "trump_oh",
                  "trump_yeo", "warren"]
#: the contested-stance variants (issue 20.6), shipped beside their originals
VARIANTS = ["klobuchar_as_buttigieg", "trump_oh_precondition_down", "trump_oh_precondition_up",
            "warren_yeo_summary"]
COMPARED = sorted(ADMINISTRATION + VARIANTS)  # what parley compare runs with no argument
A = "a reason long enough"


def problems_of(ref) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(ref)
    return info.value.problems


@pytest.fixture
def elsewhere(tmp_path, monkeypatch) -> Path:
    """A working folder outside the checkout, as a user of the installed package has."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


# ------------------------------------------------------------------- references


def test_the_shipped_folder_is_the_checkouts_in_a_checkout():
    # an editable install or a checkout: the top-level scenarios/ (a wheel: parley/scenarios)
    assert SHIPPED == ROOT / "scenarios"
    assert (SHIPPED / "base.yaml").is_file()


def test_package_references_name_shipped_files_and_folders(elsewhere):
    assert scenario_path("parley:biden") == SHIPPED / "biden.yaml"
    assert scenario_path("parley:biden.yaml") == SHIPPED / "biden.yaml"
    assert scenario_path("parley:hindcast/obama_2009") == SHIPPED / "hindcast" / "obama_2009.yaml"
    assert scenario_path("parley:hindcast") == SHIPPED / "hindcast"
    assert scenario_path("parley:") == SHIPPED
    assert shipped_reference(SHIPPED / "hindcast" / "obama_2009.yaml") == \
        "parley:hindcast/obama_2009.yaml"
    assert shipped_reference(SHIPPED) == "parley:"
    assert shipped_reference(elsewhere) is None


def test_a_bare_name_is_shipped_only_when_no_such_path_exists_here(elsewhere):
    assert scenario_path("biden") == SHIPPED / "biden.yaml"
    assert scenario_path("biden.yaml") == SHIPPED / "biden.yaml"
    assert scenario_path("hindcast/obama_2009") == SHIPPED / "hindcast" / "obama_2009.yaml"
    # the README's and the defaults' scenarios/NAME reach the shipped file outside a checkout
    assert scenario_path("scenarios/biden.yaml") == SHIPPED / "biden.yaml"
    assert scenario_path("scenarios/hindcast") == SHIPPED / "hindcast"
    (elsewhere / "biden.yaml").write_text("title: mine\n")
    assert scenario_path("biden.yaml") == Path("biden.yaml")  # the user's own file wins
    # no fallback for what cannot be a shipped name
    assert scenario_path("../biden.yaml") == Path("../biden.yaml")
    assert scenario_path(elsewhere / "absent.yaml") == elsewhere / "absent.yaml"
    assert scenario_path("nothing_shipped") == Path("nothing_shipped")


def test_bad_package_references_are_one_bounded_line(elsewhere):
    assert problems_of("parley:nothing") == [
        "'parley:nothing': no such shipped scenario (`parley scenarios` lists them)"]
    assert problems_of("parley:../pyproject.toml") == [
        "'parley:../pyproject.toml' lies outside the shipped scenarios"]
    (line,) = problems_of("parley:" + "x" * 5000)
    assert len(line) < 200 and line.endswith("(`parley scenarios` lists them)")


def test_load_scenario_and_folders_take_references(elsewhere):
    assert load_scenario("parley:biden").name == "biden"
    assert load_scenario("warren").path == SHIPPED / "warren.yaml"
    assert [p.stem for p in scenario_files(["parley:"])] == COMPARED
    assert len(scenario_files(["parley:hindcast", "live"])) == 9


def test_sweep_files_name_shipped_scenarios(tmp_path):
    from parley.experiments.sweep import build_spec

    sweep = tmp_path / "s.yaml"
    sweep.write_text("scenario: parley:biden\nmethod: grid\nparameters:\n"
                     "  - {path: washington.outreach_rate, low: 0, high: 1, steps: 3}\n")
    assert build_spec(sweep).scenario == "parley:biden"
    assert build_spec("parley:sweeps/biden_2d").scenario == str((SHIPPED / "biden.yaml")
                                                                .resolve())
    assert main(["validate", str(sweep), "sweeps/biden_2d"]) == 0


# ------------------------------------------------------------------ the catalogue


def test_the_catalogue_lists_every_shipped_file_by_group():
    entries = shipped_catalogue()
    by = {}
    for e in entries:
        by.setdefault(e.group, []).append(e.name)
    assert by["administration"] == ADMINISTRATION
    assert [e.reference for e in entries if e.group == "shared"] == [
        "parley:base.yaml", "parley:hindcast/base.yaml"]  # abstract: defaults, not terms
    assert len(by["hindcast"]) == 8 and by["live"] == ["trump_2025"]
    assert "biden_2d" in by["sweeps"] and by["posteriors"] == ["dynamics"]
    assert "biden_moscow_tokyo" in by["examples"]
    files = {e.path for e in entries}
    assert files == {p for p in SHIPPED.rglob("*") if p.suffix in (".yaml", ".json")}
    for e in entries:  # every reference names its file again
        assert scenario_path(e.reference) == e.path
    biden = next(e for e in entries if e.name == "biden")
    assert (biden.title, biden.camp, biden.reference) == ("Biden first term (Yeo 2020)",
                                                          "centrist", "parley:biden.yaml")


def test_variants_are_files_that_state_variant_of(tmp_path, monkeypatch):
    shutil.copy(SHIPPED / "base.yaml", tmp_path / "base.yaml")
    (tmp_path / "one.yaml").write_text("extends: base.yaml\ntitle: One reading\ncamp: x\n")
    (tmp_path / "two.yaml").write_text("extends: one.yaml\ntitle: The other reading\n"
                                       "variant_of: one\n")
    (tmp_path / "broken.yaml").write_text("title: [unclosed\n")
    monkeypatch.setattr(F, "shipped_scenarios_dir", lambda: tmp_path)
    groups = {e.name: (e.group, e.camp) for e in shipped_catalogue()}
    assert groups["one"] == ("administration", "x")
    assert groups["two"] == ("variants", "x")  # the camp is inherited
    assert groups["base"][0] == "shared"
    assert "cannot be read" in next(e.title for e in shipped_catalogue() if e.name == "broken")


def test_parley_scenarios_prints_each_group(capsys):
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    for heading in ("administration scenarios", "shared defaults", "hindcast", "live",
                    "sweeps", "posteriors"):
        assert heading in out
    assert "parley:hindcast/obama_2009.yaml" in out and "centrist" in out


# ------------------------------------------------------- a user's scenario folder


@pytest.fixture
def copied(tmp_path) -> Path:
    """The shipped tree copied where a user keeps it (their project/scenarios)."""
    return Path(shutil.copytree(SHIPPED, tmp_path / "project" / "scenarios"))


def test_a_copied_scenarios_tree_validates_and_loads_from_its_own_files(copied, capsys):
    assert main(["validate", str(copied), *(str(copied / d) for d in
                                            ("hindcast", "live", "examples", "sweeps"))]) == 0
    for path in copied.rglob("*.yaml"):
        if "sweeps" not in path.parts:
            sc = load_scenario(path)
            assert sc.path == path
    example = load_scenario(copied / "examples" / "biden_moscow_tokyo.yaml")
    assert example.resolved["title"].startswith("Biden")
    from parley.experiments.sweep import build_spec

    assert build_spec(copied / "sweeps" / "biden_2d.yaml").scenario == \
        str((copied / "biden.yaml").resolve())


def test_a_copied_tree_runs_a_hindcast(copied, tmp_path, capsys):
    out = tmp_path / "h"
    assert main(["hindcast", str(copied / "hindcast" / "obama_2009.yaml"), "--runs", "20",
                 "--no-plots", "--out", str(out)]) == 0
    assert json.loads((out / "hindcast.json").read_text())["rows"][0]["scenario"] == \
        "obama_2009"


def test_the_folder_tree_is_the_nearest_folder_with_a_base_yaml(tmp_path):
    deep = tmp_path / "a" / "b" / "c"
    deep.mkdir(parents=True)
    f = deep / "s.yaml"
    assert scenario_root(f) == deep  # no base.yaml anywhere: the file's own folder
    shutil.copy(SHIPPED / "base.yaml", tmp_path / "base.yaml")
    assert scenario_root(f) == deep  # three levels up is beyond the reach
    shutil.copy(SHIPPED / "base.yaml", tmp_path / "a" / "base.yaml")
    assert scenario_root(f) == tmp_path / "a"  # two above the file's folder
    shutil.copy(SHIPPED / "base.yaml", deep.parent / "base.yaml")
    assert scenario_root(f) == deep.parent  # the nearest wins
    child = "title: A test scenario\ncamp: test\n"
    f.write_text("extends: ../base.yaml\n" + child)
    assert load_scenario(f).camp == "test"
    f.write_text("extends: ../../base.yaml\n" + child)  # a/base.yaml: above the tree
    (line,) = problems_of(f)
    assert "lies outside this scenario's folder tree" in line


# ------------------------------------------------------------- names and paths


def test_a_file_name_that_is_not_a_name_is_explained_in_words(tmp_path):
    bad = tmp_path / "My-Scenario.yaml"
    bad.write_text("extends: parley:biden.yaml\n")
    (line,) = problems_of(bad)
    assert line == (f"{bad}: the file name 'My-Scenario' is the scenario's name, and a name "
                    "starts with a lowercase letter a-z and holds only lowercase letters, "
                    "digits and underscores, e.g. biden_2029 (pattern ^[a-z][a-z0-9_]*$); "
                    "rename the file, or set name: in it")
    bad.write_text("extends: parley:biden.yaml\nname: fine_name\n")
    assert load_scenario(bad).name == "fine_name"
    bad.write_text("extends: parley:biden.yaml\nname: Bad Name\ncamp: Centrist\n")
    lines = problems_of(bad)
    assert [x.split(": ")[1] for x in lines] == ["name", "camp"]
    assert all("starts with a lowercase letter a-z" in x for x in lines)


def test_echoed_paths_are_bounded_and_keep_the_file_name(tmp_path):
    assert printable_path("a" * 50) == "a" * 50
    cut = printable_path("/" + "d" * 500 + "/scenario.yaml")
    assert len(cut) == 160 and cut.endswith("/scenario.yaml") and "..." in cut
    assert printable_path("x\x1b[31m.yaml") == "x\\x1b[31m.yaml"
    folder = tmp_path
    for _ in range(12):  # a path of about 1,000 characters
        folder = folder / ("f" * 80)
    folder.mkdir(parents=True)
    for text, tail in (("extends: nowhere.yaml\n", "no such scenario file 'nowhere.yaml'"),
                       ("extends: ../../../x.yaml\n", "for a shipped scenario"),
                       ("title: [unclosed\n", "YAML syntax error"),
                       ("extends: parley:biden.yaml\ncamp: 7\n", "(got 7)")):
        (folder / "long_one.yaml").write_text(text)
        (line,) = problems_of(folder / "long_one.yaml")
        assert len(line) <= MAX_LINE and "long_one.yaml" in line and tail in line, line
    assert main(["validate", str(folder / "long_one.yaml")]) == 2


def test_a_name_the_system_refuses_is_one_bounded_line(elsewhere, capsys):
    for command in ("validate", "run", "chronicle"):
        assert main([command, "y" * 5000]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and len(err) < MAX_LINE and "File name too long" in err


# ---------------------------------------------------- a world inherited across time


def later(tmp_path: Path, start: str, extra: str = "", parent: str = "parley:base.yaml",
          name: str = "later") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"extends: {parent}\ntitle: A later term\ncamp: test\n"
                    f"horizon: {{start: \"{start}\"}}\nevents: []\n{extra}")
    return path


@pytest.fixture(autouse=True)
def _parley_logger(monkeypatch):
    """Each test sees parley's log records afresh (an earlier main() in this process
    points the 'parley' logger at a stderr that capsys has since closed)."""
    logger = logging.getLogger("parley")
    monkeypatch.setattr(logger, "handlers", [])
    monkeypatch.setattr(logger, "propagate", True)


def warnings_of(caplog, path: Path) -> list[str]:
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="parley"):
        load_scenario(path)
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_a_start_long_after_the_inherited_world_is_warned_about(tmp_path, caplog):
    (line,) = warnings_of(caplog, later(tmp_path, "2029-01"))
    assert line == (
        f"{printable_path(tmp_path / 'later.yaml', 100)}: starts 2029-01, 96+ months after "
        "the time of what it inherits unchanged: world.tension, world.sanctions, "
        "world.evasion, world.us_china_tension, world.capability, every stance of "
        "washington, pyongyang, beijing, seoul (base.yaml, 2021-01); restate these for "
        "2029-01 (docs/SCENARIOS.md)")
    # restating part of the world and one stance of Seoul leaves only the rest named
    restated = ("world:\n  tension: {value: 0.5, assumption: " + A + "}\nactors:\n  seoul:\n"
                "    engagement: {value: 0.5, assumption: " + A + "}\n")
    (line,) = warnings_of(caplog, later(tmp_path, "2029-01", restated, name="partly"))
    assert "world.tension" not in line and "seoul" not in line
    assert "world.sanctions" in line and "every stance of washington, pyongyang, beijing" in line


@pytest.mark.parametrize(("start", "warned"), [("2022-06", False), ("2023-01", False),
                                               ("2023-02", True), ("2009-01", False)])
def test_the_warning_starts_after_24_months(tmp_path, caplog, start, warned):
    assert bool(warnings_of(caplog, later(tmp_path, start))) is warned


def test_eras_follow_the_file_that_set_each_part_last(tmp_path, caplog):
    # trump_2025 restates every starting level and touches every actor: a 2027 start
    # inherits nothing dated from 2021 (its own 2025 parts are 24 months old: no warning)
    live = "parley:live/trump_2025.yaml"
    extra = "conditions: []\n"
    assert warnings_of(caplog, later(tmp_path, "2027-01", extra, parent=live)) == []
    (line,) = warnings_of(caplog, later(tmp_path, "2027-02", extra, parent=live, name="l2"))
    assert "(trump_2025.yaml, 2025-01)" in line and "base.yaml" not in line
    # through two files: base's Seoul and trump_oh's Washington, each named with its file
    (line,) = warnings_of(caplog, later(tmp_path, "2029-01", extra, parent="parley:trump_oh",
                                        name="two"))
    assert "every stance of seoul (base.yaml, 2021-01)" in line
    assert "every stance of washington, pyongyang, beijing, moscow (trump_oh.yaml, 2021-01)" \
        in line


def test_a_cited_date_later_than_the_files_start_dates_the_value():
    entry = {"value": 0.5, "source": {"text": "outside", "date": "2024-06-30"}}
    assert F._cited_month(entry) == "2024-06"
    assert F._cited_month({"reading": {"date": 2023}}) == "2023-12"
    assert F._cited_month({"value": 1, "assumption": A}) == ""
    eras = F._own_eras({"world": {"tension": entry}, "actors": {"seoul": {"role": "ally"}}},
                       "2021-01", "f.yaml")
    assert eras == {"world.tension": ("2024-06", "f.yaml")}  # a role alone restates nothing
    assert stale_inheritance("s", "2026-06", eras) == []
    assert stale_inheritance("s", "2026-07", eras)[0].startswith("s: starts 2026-07, 25+ "
                                                                  "months after")


def test_no_shipped_file_is_warned_about(caplog):
    with caplog.at_level(logging.WARNING, logger="parley"):
        for path in SHIPPED.rglob("*.yaml"):
            if "sweeps" not in path.parts:
                load_scenario(path)
    assert [r.getMessage() for r in caplog.records] == []


def test_the_cli_prints_the_warning_once(tmp_path, capsys):
    path = later(tmp_path, "2030-01", name="cli_once")
    assert main(["validate", str(path), str(path)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"warning: {path}: starts 2030-01, 108+ months")


# ------------------------------------------------------------ the commands


def test_run_and_compare_take_shipped_names_from_anywhere(elsewhere, capsys):
    assert main(["run", "biden", "--runs", "20", "--executor", "serial", "--no-plots",
                 "--out", "r"]) == 0
    manifest = json.loads((elsewhere / "r" / "manifest.json").read_text())
    assert [s["name"] for s in manifest["scenarios"]] == ["biden"]
    assert main(["compare", "--runs", "20", "--executor", "serial", "--no-plots",
                 "--out", "c"]) == 0
    manifest = json.loads((elsewhere / "c" / "manifest.json").read_text())
    assert sorted(s["name"] for s in manifest["scenarios"]) == COMPARED
    mine = later(elsewhere, "2021-01", name="mine")
    assert main(["compare", str(mine), "--shipped", "--runs", "20", "--executor", "serial",
                 "--no-plots", "--out", "m"]) == 0
    manifest = json.loads((elsewhere / "m" / "manifest.json").read_text())
    assert len(manifest["scenarios"]) == len(COMPARED) + 1
