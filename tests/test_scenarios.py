"""The shipped scenario files: they validate, every value has provenance, the required
set exists, the stances the texts fix are what the texts say, and extra actors work."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import parley
from parley.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
FOLDERS = (SCENARIOS, SCENARIOS / "hindcast", SCENARIOS / "live", SCENARIOS / "examples")
FILES = sorted(f for folder in FOLDERS for f in folder.glob("*.yaml"))
SEED_DIRS = (ROOT.parent / "shared" / "seeds", Path("/work/shared/seeds"))
WINDOW = 12  # words: a `says` must not share a run this long with a seed text

REQUIRED_CAMPS = {
    "trump_oh": "trump", "trump_yeo": "trump",
    "sanders": "progressive", "warren": "progressive",
    "biden": "centrist", "bloomberg": "centrist", "buttigieg": "centrist",
    "klobuchar": "centrist",
}
HINDCASTS = {"clinton_1993": "1993-01", "clinton_1997": "1997-01", "bush_2001": "2001-01",
             "bush_2005": "2005-01", "obama_2009": "2009-01", "obama_2013": "2013-01",
             "trump_2017": "2017-01", "biden_2021": "2021-01"}


def ids(files: list[Path]) -> list[str]:
    return [str(f.relative_to(SCENARIOS)) for f in files]


# ------------------------------------------------------------ (a) validation


def test_scenario_folders_are_not_empty():
    for folder in FOLDERS:
        assert list(folder.glob("*.yaml")), f"no scenario files in {folder}"


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_every_file_validates(path):
    scenario = load_scenario(path)
    assert scenario.name == path.stem


# ------------------------------------------------------------ (b) provenance


def stance_entries(resolved: dict) -> list[tuple[str, dict]]:
    """Every stance value of a resolved scenario with its field path, and every event."""
    out = []
    for section in ("world", "shocks"):
        out += [(f"{section}.{k}", v) for k, v in resolved[section].items()]
    for actor, body in resolved["actors"].items():
        out += [(f"actors.{actor}.{k}", v) for k, v in body.items() if k != "role"]
    out += [(f"events.{i}", ev) for i, ev in enumerate(resolved.get("events", []))]
    return out


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_every_value_has_a_source_or_an_assumption(path):
    resolved = load_scenario(path).resolved
    entries = stance_entries(resolved)
    assert len(entries) > 40
    for where, entry in entries:
        assert isinstance(entry, dict), where
        has_source, has_assumption = "source" in entry, "assumption" in entry
        assert has_source != has_assumption, f"{path.name}: {where} needs exactly one provenance"
        if has_source:
            src = entry["source"]
            assert src["text"] in ("oh2020", "yeo2020", "data", "outside"), where
            assert src["section"].strip(), where
            assert len(src["says"].strip()) >= 10, where
        else:
            assert len(entry["assumption"].strip()) >= 10, where


def words(text: str) -> list[str]:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return re.findall(r"[a-z0-9']+", text)


def windows(tokens: list[str], n: int = WINDOW) -> set[tuple[str, ...]]:
    return {tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}


@pytest.fixture(scope="module")
def seed_windows() -> set[tuple[str, ...]]:
    folder = next((d for d in SEED_DIRS if d.is_dir()), None)
    if folder is None:
        pytest.skip("seed texts not available; verbatim-copy check skipped")
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(folder.glob("*.txt"))]
    if not texts:
        pytest.skip("seed texts not available; verbatim-copy check skipped")
    out: set[tuple[str, ...]] = set()
    for text in texts:
        out |= windows(words(text))
    return out


def test_window_check_catches_a_copy(seed_windows):
    copied = next(iter(seed_windows))
    assert windows(words("Some words first. " + " ".join(copied).upper() + " and after.")) \
        & seed_windows


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_says_is_a_paraphrase_not_a_copy(path, seed_windows):
    for where, entry in stance_entries(load_scenario(path).resolved):
        if "source" not in entry:
            continue
        shared = windows(words(entry["source"]["says"])) & seed_windows
        assert not shared, (f"{path.name}: {where}.source.says copies the seed text: "
                            f"{' '.join(next(iter(shared)))!r}")


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_no_file_text_copies_a_seed(path, seed_windows):
    """Comments, descriptions and notes are prose too: none may copy a seed sentence."""
    shared = windows(words(path.read_text(encoding="utf-8"))) & seed_windows
    assert not shared, f"{path.name} copies the seed text: {' '.join(next(iter(shared)))!r}"


# ------------------------------------------------------- (c) required scenarios


def test_required_scenarios_exist_with_their_camps():
    for name, camp in REQUIRED_CAMPS.items():
        path = SCENARIOS / f"{name}.yaml"
        assert path.is_file(), f"missing scenarios/{name}.yaml"
        scenario = load_scenario(path)
        assert scenario.camp == camp, name
        assert not scenario.abstract, name
        assert scenario.horizon.start == "2021-01" and scenario.horizon.months == 48, name


def test_both_trump_readings_state_their_disagreement():
    for name in ("trump_oh", "trump_yeo"):
        assert len(load_scenario(SCENARIOS / f"{name}.yaml").resolved["disagreement"]) > 40


@pytest.mark.parametrize("name", sorted(HINDCASTS))
def test_hindcasts(name):
    path = SCENARIOS / "hindcast" / f"{name}.yaml"
    scenario = load_scenario(path)
    assert scenario.camp == "hindcast"
    assert scenario.horizon.start == HINDCASTS[name]
    assert scenario.horizon.months == 48
    assert "not outcomes" in scenario.resolved["description"]
    for ev in scenario.events:
        assert 1 <= scenario.month_index(ev.month) <= 48
    outside = [e for _, e in stance_entries(scenario.resolved)
               if e.get("source", {}).get("text") == "outside"]
    assert len(outside) >= 5, "hindcasts cite the public record"


def test_trump_2017_does_not_schedule_its_turn_to_summitry():
    # the 2018 summit invitation is an outcome the hindcast must produce (issue 10)
    sc = load_scenario(SCENARIOS / "hindcast" / "trump_2017.yaml")
    assert sc.actors["washington"].value("personal_diplomacy") is False
    assert not [e for e in sc.events if e.actor == "washington"]


# ------------------------------------------------------ (d) stances the texts fix


def us(name: str, key: str):
    return load_scenario(SCENARIOS / f"{name}.yaml").actors["washington"].value(key)


def us_source(name: str, key: str) -> dict:
    stance = load_scenario(SCENARIOS / f"{name}.yaml").actors["washington"].stances[key]
    assert stance.source is not None, f"{name}: {key} should cite its text"
    return stance.source.model_dump()


FIXED = [
    # Yeo, The Progressive Democratic Candidates
    ("sanders", "personal_diplomacy", True, "yeo2020"),
    ("sanders", "relief_precondition", "fissile_freeze", "yeo2020"),
    ("sanders", "sequencing", "phased", "yeo2020"),
    ("sanders", "sanctions_policy", "hold", "yeo2020"),
    ("sanders", "peace_regime_goal", True, "yeo2020"),
    ("warren", "personal_diplomacy", True, "yeo2020"),
    ("warren", "summit_requires_working_level", True, "yeo2020"),
    ("warren", "relief_precondition", "nuclear_and_missile_freeze", "yeo2020"),
    ("warren", "relief_form", "partial_time_limited", "yeo2020"),
    ("warren", "sequencing", "phased", "yeo2020"),
    ("warren", "sanctions_policy", "hold", "yeo2020"),
    # Yeo, The Centrist Democratic Candidates / Prospects
    ("biden", "personal_diplomacy", False, "yeo2020"),
    ("biden", "sanctions_policy", "tighten", "yeo2020"),
    ("biden", "relief_precondition", "substantial_disarmament", "yeo2020"),
    ("biden", "military_option", True, "yeo2020"),
    ("bloomberg", "personal_diplomacy", False, "yeo2020"),
    ("bloomberg", "sanctions_policy", "hold", "yeo2020"),
    ("bloomberg", "relief_precondition", "nuclear_and_missile_freeze", "yeo2020"),
    ("bloomberg", "military_option", True, "yeo2020"),
    ("bloomberg", "sanctions_linkage", "broad", "yeo2020"),
    ("buttigieg", "personal_diplomacy", False, "yeo2020"),
    ("buttigieg", "relief_precondition", "nuclear_and_missile_freeze", "yeo2020"),
    ("buttigieg", "relief_form", "targeted_reversible", "yeo2020"),
    ("klobuchar", "personal_diplomacy", False, "yeo2020"),
    ("klobuchar", "relief_precondition", "verifiable_irreversible_steps", "yeo2020"),
    # Yeo, The Trump Administration; Oh, Introduction / First
    ("trump_yeo", "relief_precondition", "substantial_disarmament", "yeo2020"),
    ("trump_yeo", "bold_move_rate", 0.0, "yeo2020"),
    ("trump_yeo", "summit_requires_working_level", True, "yeo2020"),
    ("trump_oh", "no_reelection_pressure", True, "oh2020"),
    ("trump_oh", "personal_diplomacy", True, "oh2020"),
    ("trump_oh", "red_line", "multiple_warhead_icbm", "oh2020"),
]


@pytest.mark.parametrize(("name", "key", "value", "text"), FIXED,
                         ids=[f"{n}.{k}" for n, k, _, _ in FIXED])
def test_stances_the_texts_fix(name, key, value, text):
    assert us(name, key) == value
    assert us_source(name, key)["text"] == text


def test_buttigieg_file_states_the_tension_in_the_text():
    text = (SCENARIOS / "buttigieg.yaml").read_text(encoding="utf-8").lower()
    assert "tension" in text and "substantial_disarmament" in text


def test_progressives_are_more_open_than_centrists():
    """Yeo: the progressives are the candidates most open to engagement."""
    lows = {n: us(n, "outreach_rate") for n in ("sanders", "warren", "biden", "bloomberg",
                                                "buttigieg", "klobuchar")}
    assert min(lows["sanders"][0], lows["warren"][0]) > max(
        v[0] for n, v in lows.items() if n not in ("sanders", "warren"))


def test_oh_and_yeo_trump_differ_on_bold_moves():
    assert us("trump_oh", "bold_move_rate")[1] > 0
    assert us("trump_yeo", "bold_move_rate") == 0.0
    assert us("trump_yeo", "no_reelection_pressure") is True


# -------------------------------------------------------- (e) extra actors


def test_example_adds_a_patron_and_an_ally_from_the_file_alone():
    path = SCENARIOS / "examples" / "biden_moscow_tokyo.yaml"
    scenario = load_scenario(path)
    assert not scenario.abstract
    model = parley.NegotiationModel(scenario=path, seed=1)
    roles = [a.role for a in model.actors.values()]
    assert roles.count("patron") == 2
    assert roles.count("ally") == 2
    assert {"moscow", "tokyo"} <= set(model.actors)
    steps = 0
    while model.running:
        model.step()
        steps += 1
    assert steps == 48
    assert model.month == 48
    assert [name for name, _ in model.acts["spoilers"]] == ["beijing", "moscow"]
    assert [name for name, _ in model.acts["dialogues"]] == ["seoul", "tokyo"]
