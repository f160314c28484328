"""Checking scenario and sweep files (``parley validate`` and ``parley.validate``).

The one path both take: each item expanded to its files (folders, shipped names), each
file loaded as what it is (a sweep file or a scenario) and, unless asked not to, checked
against the provenance rules.  Problems are collected, not raised, so that one bad file
does not hide the next.  Light on purpose: ``parley validate FILE`` loads neither Mesa nor
pandas.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from parley.errors import ParleyError

NO_FILES = "no scenario files given"


@dataclass(frozen=True)
class Checked:
    """A file that passed: its path, the name to show (its ``parley:`` reference when it
    is a shipped file found by name), and what it is (a scenario's title, a sweep's shape)."""

    path: Path
    shown: str
    what: str


@dataclass(frozen=True)
class Validation:
    """The files that passed and one line per problem found (none when all is well)."""

    checked: tuple[Checked, ...]
    problems: tuple[str, ...]


def is_sweep_file(path: str | Path) -> bool:
    """Whether a YAML file is a sweep file (has ``parameters``) rather than a scenario,
    so that sweep files are accepted where users put files.  Read with the scenario
    loader's bounds; a file that cannot be read is not a sweep file (its scenario
    loading then reports why)."""
    from parley.safe_yaml import read_yaml_mapping
    from parley.scenario_files import scenario_path

    try:
        data = read_yaml_mapping(scenario_path(path))
    except ParleyError:
        return False
    return isinstance(data, dict) and "parameters" in data and "actors" not in data


def check_file(path: Path, provenance: bool = True) -> str:
    """Load one file as what it is (a sweep file or a scenario); a short description.
    Raises ParleyError on the file's problems."""
    from parley.scenario_files import load_scenario

    if is_sweep_file(path):
        from parley.experiments.sweep import build_spec, check_spec

        spec = build_spec(path)
        if spec.scenario is None:  # the file format requires one; stated for the types
            raise ParleyError([f"{path}: scenario: a sweep file names its scenario"])
        check_spec(spec, load_scenario(spec.scenario))
        return (f"sweep of {Path(spec.scenario).name}: {len(spec.parameters)} parameter(s), "
                f"{spec.method}")
    scenario = load_scenario(path)
    if provenance and scenario.provenance_problems:
        raise ParleyError(list(scenario.provenance_problems))
    return scenario.title


def validate(items: Sequence[str | Path], provenance: bool = True) -> Validation:
    """Every file named by ``items`` (files, folders, shipped names) checked; one line per
    problem, ``NO_FILES`` when nothing was named and nothing went wrong."""
    from parley.scenario_files import scenario_files

    problems: list[str] = []
    files: list[Path] = []
    for item in items:
        try:
            files += [Path(f) for f in scenario_files([item])]
        except ParleyError as exc:
            problems += exc.problems
    checked = []
    for path in files:
        try:
            checked.append(Checked(path, shown(path), check_file(path, provenance)))
        except ParleyError as exc:
            problems += exc.problems
    if not files and not problems:
        problems.append(NO_FILES)
    return Validation(tuple(checked), tuple(problems))


def shown(path: Path) -> str:
    """A file as the user can name it again: its reference when it is a shipped file
    found by name, else the path as given."""
    from parley.scenario_files import shipped_reference

    return (shipped_reference(path) or str(path)) if path.is_absolute() else str(path)
