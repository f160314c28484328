"""Scenario files on disk: ``extends`` inheritance, shipped scenarios, folders of files.

:func:`resolve_file` reads a scenario file and the files it ``extends`` (child
keys override the parent's; a stance entry is replaced whole, so a value never
keeps a source written for another value) and returns the merged mapping, for
:func:`parley.scenario.build_scenario` to validate.  ``extends`` is confined to
the scenario's own folder tree and the shipped scenarios (``parley:NAME``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from parley.errors import ScenarioError, printable
from parley.safe_yaml import read_yaml_mapping
from parley.scenario import Scenario, build_scenario

PACKAGE_PREFIX = "parley:"  # extends: parley:base.yaml names a shipped scenario


def shipped_scenarios_dir() -> Path:
    """The shipped ``scenarios/`` folder: package data when installed, else the checkout's."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "scenarios", here.parents[1] / "scenarios"):
        if (candidate / "base.yaml").is_file():
            return candidate
    return here / "scenarios"



def _read_yaml(path: Path) -> dict[str, Any]:
    return read_yaml_mapping(path)



def _merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """Child keys override; mappings merge recursively except stance entries."""
    out = dict(parent)
    for key, val in child.items():
        old = out.get(key)
        if isinstance(val, dict) and isinstance(old, dict) and "value" not in val:
            out[key] = _merge(old, val)
        else:
            out[key] = val
    return out


def _is_within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _parent_path(path: Path, ref: str, top: Path) -> Path:
    """The file ``extends: ref`` of ``path`` names, confined to the top file's folder
    tree and the shipped scenarios (``parley:NAME`` names a shipped one)."""
    shipped = shipped_scenarios_dir().resolve()
    if ref.startswith(PACKAGE_PREFIX):
        target = (shipped / ref[len(PACKAGE_PREFIX):]).resolve()
    else:
        target = (path.parent / ref).resolve()  # an absolute ref replaces the folder
    roots = (top.parent.resolve(), shipped)
    if not any(_is_within(target, root) for root in roots):
        raise ScenarioError([f"{path}: extends: {printable(repr(ref), 60)} lies outside this "
                             "scenario's folder and the shipped scenarios; copy it next to "
                             "the scenario, or write parley:NAME for a shipped scenario"])
    if not target.is_file():
        raise ScenarioError([f"{path}: extends: no such scenario file "
                             f"{printable(repr(ref), 60)}"])
    return target


def load_scenario(path: str | Path) -> Scenario:
    """Load, resolve and validate one scenario file, or raise ScenarioError."""
    path = Path(path)
    return build_scenario(resolve_file(path), str(path), path)


def resolve_file(path: Path) -> dict[str, Any]:
    """The mapping of a scenario file with everything it ``extends`` merged in, named."""
    raw = _resolve(path)
    raw.setdefault("name", path.stem)
    return raw


def resolve_reference(path: Path, ref: str) -> Path:
    """The scenario file that ``ref``, written in the file ``path``, names: relative to its
    folder and confined as ``extends`` is, or ``parley:NAME`` for a shipped one."""
    return _parent_path(Path(path), ref, Path(path))


def _resolve(path: Path, chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    if path.resolve() in {p.resolve() for p in chain}:
        cycle = " -> ".join(p.name for p in (*chain, path))
        raise ScenarioError([f"{chain[0]}: extends: circular inheritance ({cycle})"])
    data = _read_yaml(path)
    parent_ref = data.pop("extends", None)
    abstract = data.setdefault("abstract", False)
    if not isinstance(abstract, bool):
        raise ScenarioError([f"{path}: abstract: must be true or false, unquoted "
                             f"(got {printable(repr(abstract), 40)})"])
    if parent_ref is None:
        return data
    if not isinstance(parent_ref, str):
        raise ScenarioError([f"{path}: extends: must be a file name such as base.yaml"])
    parent_path = _parent_path(path, parent_ref, chain[0] if chain else path)
    parent = _resolve(parent_path, (*chain, path))
    parent.pop("abstract", None)
    parent.pop("name", None)
    return _merge(parent, data)




def scenario_files(paths: list[str | Path]) -> list[Path]:
    """Expand directories into their non-abstract scenario files, sorted by name.

    A file that cannot be read, or whose ``abstract`` is not plainly true, is
    kept, so that loading it reports the problem instead of dropping it silently.
    """
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(p.glob("*.yaml")):
                if _peek(f).get("abstract") is not True:
                    out.append(f)
        else:
            out.append(p)
    return out


def _peek(path: Path) -> dict[str, Any]:
    try:
        return _read_yaml(path)
    except ScenarioError:
        return {}


