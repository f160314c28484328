"""Property-based fuzzing of the scenario loader (Hypothesis).

Whatever the bytes of a scenario file, loading it ends in a Scenario or in a
ScenarioError whose lines are few, short, printable and name the file, never
in any other exception.  Inputs are mutations of a real scenario (hostile
snippets spliced in, bytes flipped, lines dropped or repeated) and YAML-ish
text from scratch.

CI runs a fixed (derandomized) set of examples; the long run is::

    PARLEY_FUZZ_EXAMPLES=20000 python3 -m pytest tests/test_loader_fuzz.py -q
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parley.scenario import MAX_LINE, MAX_PROBLEMS, Scenario, ScenarioError
from parley.scenario_files import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SEED_FILES = [ROOT / "scenarios" / name for name in ("trump_oh.yaml", "biden.yaml")]
EXAMPLES = int(os.environ.get("PARLEY_FUZZ_EXAMPLES", "300"))

SNIPPETS = [
    "? [a]\n: 1\n", "x: " + "9" * 5000 + "\n", "[" * 300, "{" * 300, "&a [*a]", "*a",
    "a: &a [x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b, *b]\n", "<<: {title: merged}\n",
    "<<: [1, 2]\n", "!!python/object:os.system ls\n", "!!binary AAAA\n", "extends: /etc/passwd\n",
    "extends: ../../x.yaml\n", "extends: parley:../pyproject.toml\n", "extends: parley:base.yaml\n",
    "abstract: \"false\"\n", "abstract: [1]\n", "title: \"\\e[31m\\a\\n\"\n", "\x00", "\ufeff",
    "\"k\\nerror: forged\": 1\n", "month: 2021-13-45\n", "d: 9999-99-99\n", "1e99999", "-.inf",
    "0x" + "f" * 80, "--- \n", "...\n", "%YAML 1.1\n", "\t", "value: [0.1, 0.2, 0.3]\n",
    "horizon: {start: \"0001-01\", months: 120}\n", "events: [{}]\n", "actors: []\n",
    "world: {tension: {value: .nan, assumption: a reason long enough}}\n",
]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    shutil.copy(ROOT / "scenarios" / "base.yaml", folder / "base.yaml")
    return folder


@st.composite
def mutated_scenario(draw) -> bytes:
    """A real scenario's text with a few random edits."""
    text = SEED_FILES[draw(st.integers(0, len(SEED_FILES) - 1))].read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines)))
        action = draw(st.sampled_from(["snippet", "drop", "repeat", "chars", "indent"]))
        if action == "snippet":
            lines.insert(i, draw(st.sampled_from(SNIPPETS)))
        elif action == "drop" and i < len(lines):
            del lines[i]
        elif action == "repeat" and i < len(lines):
            lines[i:i] = [lines[i]] * draw(st.integers(1, 50))
        elif action == "chars" and i < len(lines):
            j = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:j] + draw(st.text(max_size=8)) + lines[i][j:]
        elif action == "indent" and i < len(lines):
            lines[i] = " " * draw(st.integers(0, 7)) + lines[i].lstrip(" ")
    data = "".join(lines).encode("utf-8", "surrogatepass")
    if draw(st.booleans()) and data:
        pos = draw(st.integers(0, len(data) - 1))
        data = data[:pos] + bytes([draw(st.integers(0, 255))]) + data[pos + 1:]
    return data


yamlish = st.text(alphabet=st.sampled_from([*"ab01:-[]{}&*!|>?,'\"#%@`<\n \t.", "\x1b"]),
                  max_size=200).map(lambda s: s.encode("utf-8"))


def check(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    try:
        result = load_scenario(path)
    except ScenarioError as exc:
        assert 1 <= len(exc.problems) <= MAX_PROBLEMS
        for line in exc.problems:
            assert len(line) <= MAX_LINE
            assert line.isprintable(), repr(line)
            assert line.startswith(str(path)) or "parley" in line or "base.yaml" in line, line
    else:
        assert isinstance(result, Scenario)


FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(data=mutated_scenario())
def test_mutated_scenarios_load_or_fail_with_bounded_lines(workdir, data):
    check(workdir / "fuzzed.yaml", data)


@FUZZ
@given(data=yamlish)
def test_yaml_from_scratch_loads_or_fails_with_bounded_lines(workdir, data):
    check(workdir / "scratch.yaml", data)
