"""Scenario files on disk: references, ``extends`` inheritance, shipped scenarios, folders.

A scenario is named by a path or by a shipped reference (:func:`scenario_path`):
``parley:NAME`` is always a shipped file or folder (``parley:biden``,
``parley:hindcast/obama_2009.yaml``, ``parley:`` for the whole folder); any other
name is the path as given when it exists, else the shipped file of that name
(``biden``, ``hindcast/obama_2009``, ``scenarios/biden.yaml`` outside a checkout).
:func:`shipped_scenarios_dir` finds the shipped folder: package data in an
installed wheel, the top-level ``scenarios/`` of a checkout or editable install.

:func:`resolve_file` reads a scenario file and the files it ``extends`` (child
keys override the parent's; a stance entry is replaced whole, so a value never
keeps a source written for another value) and returns the merged mapping, for
:func:`parley.scenario.build_scenario` to validate.  ``extends`` is confined to
the scenario's folder tree (:func:`scenario_root`: the nearest of the file's folder
and the two above it that holds a ``base.yaml``) and the shipped scenarios.

:func:`load_scenario` also warns (a ``logging`` warning) when a scenario starts long
after the time its inherited starting levels and governments were written for
(:func:`stale_inheritance`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from parley import params as P
from parley.errors import ScenarioError, printable, printable_path
from parley.safe_yaml import read_yaml_mapping
from parley.scenario import MONTH_RE, NAME_PATTERN, NAME_RULE, Horizon, Scenario, build_scenario

log = logging.getLogger("parley.scenario_files")

PACKAGE_PREFIX = "parley:"  # parley:base.yaml names a shipped scenario
#: the folders searched for a base.yaml that roots a scenario's folder tree: the file's own
#: folder and the two above it (scenarios/hindcast/x.yaml reaches scenarios/base.yaml)
ROOT_LEVELS = 3
#: a scenario that starts more than this many months after the time the starting levels
#: and governments it inherits were written for is warned about (stale_inheritance)
STALE_MONTHS = 24
#: the world values that are levels at the start of the term (not rates): they date
STARTING_LEVELS = tuple(p.name for p in P.WORLD if p.doc.endswith("at the start."))
DEFAULT_START = Horizon.model_fields["start"].default
NAME_RE = re.compile(NAME_PATTERN)

_warned: set[str] = set()  # each warning once per process (files are loaded more than once)


# ------------------------------------------------------------ shipped scenarios


def shipped_scenarios_dir() -> Path:
    """The shipped ``scenarios/`` folder: package data when installed, else the checkout's."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "scenarios", here.parents[1] / "scenarios"):
        if (candidate / "base.yaml").is_file():
            return candidate
    return here / "scenarios"


def shipped_reference(path: str | Path) -> str | None:
    """``parley:REL`` for a file or folder inside the shipped scenarios, else None."""
    shipped = shipped_scenarios_dir().resolve()
    target = real_path(Path(path))
    if not _is_within(target, shipped):
        return None
    return PACKAGE_PREFIX + target.relative_to(shipped).as_posix().removeprefix(".")


def scenario_path(ref: str | Path) -> Path:
    """The file or folder a scenario reference names.

    ``parley:REL`` is the shipped ``REL`` (or ``REL.yaml``); ScenarioError if there is
    none or it lies outside the shipped folder.  Any other reference is the path as
    given when it exists; else, if it is relative and has no ``..``, the shipped file
    of that name (``biden``, ``biden.yaml``, ``hindcast/obama_2009``, or with a
    leading ``scenarios/``); else the path as given (loading it says what is wrong).
    """
    text = str(ref)
    if text.startswith(PACKAGE_PREFIX):
        rel = text[len(PACKAGE_PREFIX):]
        found = _shipped_lookup(PurePath(rel), allow_parent=True)
        if found is None:
            shown = printable(repr(text), 80)
            if _escapes_shipped(rel):
                raise ScenarioError([f"{shown} lies outside the shipped scenarios"])
            raise ScenarioError([f"{shown}: no such shipped scenario (`parley scenarios` "
                                 "lists them)"])
        return found
    path = Path(ref)
    if _exists(path) or path.is_absolute() or ".." in path.parts:
        return path
    found = _shipped_lookup(PurePath(path))
    if found is not None:
        log.info("%s: no such file here; using the shipped %s", printable_path(path),
                 shipped_reference(found))
        return found
    return path


def _shipped_lookup(rel: PurePath, allow_parent: bool = False) -> Path | None:
    shipped = shipped_scenarios_dir().resolve()
    if rel.is_absolute() or (".." in rel.parts and not allow_parent):
        return None
    options = [rel]
    if rel.parts[:1] == ("scenarios",):
        options.append(PurePath(*rel.parts[1:]))
    for option in options:
        for name in (option, option.with_name(option.name + ".yaml") if option.name and
                     not option.suffix else None):
            if name is None:
                continue
            try:
                target = real_path(shipped / name)
            except ScenarioError:
                continue
            if _is_within(target, shipped) and _exists(target):
                return target
    return None


def _exists(path: Path, kind: str = "any") -> bool:
    """Whether ``path`` exists (as a file, for kind "file"); False for a name the system
    refuses (too long, ...), so that the loader says what is wrong in a bounded line."""
    try:
        return path.is_file() if kind == "file" else path.exists()
    except (OSError, ValueError):
        return False


def _escapes_shipped(rel: str) -> bool:
    shipped = shipped_scenarios_dir().resolve()
    try:
        return not _is_within(real_path(shipped / rel), shipped)
    except ScenarioError:
        return True


def reference_from(folder: Path, ref: str) -> str:
    """A scenario named inside a file that lies in ``folder`` (a sweep file's
    ``scenario:``): ``parley:NAME`` as written, else a path relative to that folder."""
    return ref if ref.startswith(PACKAGE_PREFIX) else str(folder / ref)


@dataclass(frozen=True)
class ShippedFile:
    """One entry of :func:`shipped_catalogue`."""

    group: str  # administration, variants, shared, hindcast, live, examples, sweeps, ...
    name: str
    title: str
    camp: str  # for a sweep: the scenario it sweeps; "" where it means nothing
    reference: str  # parley:REL, usable wherever a scenario or file is named
    path: Path


#: the groups of the catalogue in the order `parley scenarios` prints them
GROUPS = ("administration", "variants", "shared", "hindcast", "live", "examples", "sweeps",
          "posteriors")


def shipped_catalogue() -> list[ShippedFile]:
    """Every shipped file: administration scenarios (the top level, which ``parley compare``
    runs), variants (files stating ``variant_of:``), shared defaults (abstract files),
    then each subfolder (hindcast, live, examples, sweeps, posteriors, any other)."""
    root = shipped_scenarios_dir()
    out = [_entry(f, None) for f in sorted(root.glob("*.yaml"))]
    folders = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))]
    for folder in sorted(folders, key=lambda p: (GROUPS.index(p.name) if p.name in GROUPS
                                                  else len(GROUPS), p.name)):
        out += [_entry(f, folder.name) for f in sorted(folder.iterdir())
                if f.is_file() and f.suffix in (".yaml", ".json")]
    order = {g: i for i, g in enumerate(GROUPS)}
    return sorted(out, key=lambda e: order.get(e.group, len(GROUPS)))  # stable within a group


def _entry(path: Path, group: str | None) -> ShippedFile:
    ref = shipped_reference(path) or str(path)
    if path.suffix == ".json":
        return ShippedFile(group or "other", path.stem, "posterior file for --posterior",
                           "", ref, path)
    try:
        own = _read_yaml(path)
        if "parameters" in own and "actors" not in own:  # a sweep file
            target = own.get("scenario")
            return ShippedFile(group or "sweeps", path.stem, str(own.get("title", "")),
                               Path(str(target)).stem if target else "", ref, path)
        merged = resolve_file(path)
    except ScenarioError as exc:
        return ShippedFile(group or "administration", path.stem,
                           f"(cannot be read: {exc.problems[0]})", "", ref, path)
    if merged.get("abstract") is True:  # hindcast/base.yaml is shared too, not a term
        group = "shared"
    elif group is None:
        group = "variants" if own.get("variant_of") else "administration"
    return ShippedFile(group, str(merged.get("name", path.stem)), str(merged.get("title", "")),
                       str(merged.get("camp", "")), ref, path)


# ----------------------------------------------------------------- extends


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


def real_path(path: Path, shown: object | None = None) -> Path:
    """``path.resolve()``, or one ScenarioError naming ``shown`` (default: the path) when
    the system cannot resolve it: a loop of symbolic links, a NUL byte in the name, a name
    too long."""
    try:
        return Path(path).resolve()
    except RuntimeError:  # Python before 3.13: a symlink loop
        reason = "a loop of symbolic links"
    except ValueError:
        reason = "the name holds a NUL byte"
    except OSError as exc:
        reason = "a loop of symbolic links" if exc.errno == 40 else (exc.strerror or "unusable")
    where = printable_path(path if shown is None else shown)
    raise ScenarioError([f"{where}: cannot resolve the path ({reason})"])


def scenario_root(path: Path) -> Path:
    """The folder tree a scenario file's ``extends`` may reach (besides the shipped
    scenarios): the nearest of the file's folder and the ROOT_LEVELS - 1 folders above
    it that holds a ``base.yaml``; else the file's own folder.  So a copied scenarios/
    tree works as the shipped one does: its hindcast/ files reach ../base.yaml."""
    folder = real_path(path).parent
    for candidate in [folder, *folder.parents][:ROOT_LEVELS]:
        if (candidate / "base.yaml").is_file():
            return candidate
    return folder


def _parent_path(path: Path, ref: str, top: Path) -> Path:
    """The file ``extends: ref`` of ``path`` names, confined to the top file's folder
    tree and the shipped scenarios (``parley:NAME`` names a shipped one)."""
    where = printable_path(path)
    shipped = shipped_scenarios_dir().resolve()
    if ref.startswith(PACKAGE_PREFIX):
        rel = ref[len(PACKAGE_PREFIX):]
        target = real_path(shipped / rel, f"{path}: extends: {ref}")
        if not _exists(target) and not PurePath(rel).suffix:  # parley:biden as parley:biden.yaml
            target = real_path(shipped / f"{rel}.yaml", f"{path}: extends: {ref}")
    else:  # an absolute ref replaces the folder
        target = real_path(path.parent / ref, f"{path}: extends: {ref}")
    root = scenario_root(top)
    if not any(_is_within(target, r) for r in (root, shipped)):
        raise ScenarioError([f"{where}: extends: {printable(repr(ref), 60)} lies outside this "
                             "scenario's folder tree (the nearest folder with a base.yaml, at "
                             "most two above the file) and the shipped scenarios; copy it "
                             "there, or write parley:NAME for a shipped scenario"])
    if not _exists(target, "file"):
        hint = ("" if ref.startswith(PACKAGE_PREFIX) or _shipped_lookup(PurePath(ref)) is None
                else f" (for the shipped one write extends: parley:{printable(ref, 60)})")
        raise ScenarioError([f"{where}: extends: no such scenario file "
                             f"{printable(repr(ref), 60)}{hint}"])
    return target


def load_scenario(path: str | Path) -> Scenario:
    """Load, resolve and validate one scenario file (a path or a reference such as
    ``parley:biden``; see :func:`scenario_path`), or raise ScenarioError."""
    path = scenario_path(path)
    raw, eras = _resolve_named(path)
    scenario = build_scenario(raw, printable_path(path), path)
    for line in stale_inheritance(printable_path(path, 100), scenario.horizon.start, eras):
        if line not in _warned:
            _warned.add(line)
            log.warning("%s", line)
    return scenario


def resolve_file(path: Path) -> dict[str, Any]:
    """The mapping of a scenario file with everything it ``extends`` merged in, named."""
    return _resolve_named(path)[0]


def _resolve_named(path: Path) -> tuple[dict[str, Any], dict[str, tuple[str, str]]]:
    raw, eras = _resolve(path)
    if "name" not in raw and not NAME_RE.fullmatch(path.stem):
        raise ScenarioError([f"{printable_path(path)}: the file name "
                             f"{printable(repr(path.stem), 60)} is the scenario's name, and a "
                             f"name {NAME_RULE}; rename the file, or set name: in it"])
    raw.setdefault("name", path.stem)
    return raw, eras


def resolve_reference(path: Path, ref: str) -> Path:
    """The scenario file that ``ref``, written in the file ``path``, names: relative to its
    folder and confined as ``extends`` is, or ``parley:NAME`` for a shipped one."""
    return _parent_path(Path(path), ref, Path(path))


def _resolve(path: Path, chain: tuple[Path, ...] = ()
             ) -> tuple[dict[str, Any], dict[str, tuple[str, str]]]:
    """The merged mapping, and for each dated part (a starting level ``world.NAME``, an
    actor ``actors.NAME``) the month it was written for and the file that set it last."""
    if real_path(path) in {real_path(p) for p in chain}:
        cycle = " -> ".join(p.name for p in (*chain, path))
        raise ScenarioError([f"{printable_path(chain[0])}: extends: circular inheritance "
                             f"({printable(cycle, 200)})"])
    data = _read_yaml(path)
    parent_ref = data.pop("extends", None)
    abstract = data.setdefault("abstract", False)
    if not isinstance(abstract, bool):
        raise ScenarioError([f"{printable_path(path)}: abstract: must be true or false, "
                             f"unquoted (got {printable(repr(abstract), 40)})"])
    if parent_ref is None:
        merged, eras = data, {}
    else:
        if not isinstance(parent_ref, str):
            raise ScenarioError([f"{printable_path(path)}: extends: must be a file name such "
                                 "as base.yaml"])
        parent_path = _parent_path(path, parent_ref, chain[0] if chain else path)
        parent, eras = _resolve(parent_path, (*chain, path))
        parent.pop("abstract", None)
        parent.pop("name", None)
        merged = _merge(parent, data)
    return merged, {**eras, **_own_eras(data, _start_of(merged), path.name)}


def _start_of(data: dict[str, Any]) -> str:
    horizon = data.get("horizon")
    start = horizon.get("start", DEFAULT_START) if isinstance(horizon, dict) else DEFAULT_START
    return start if isinstance(start, str) and MONTH_RE.fullmatch(start) else DEFAULT_START


def _own_eras(data: dict[str, Any], start: str, file: str) -> dict[str, tuple[str, str]]:
    """The dated parts a file sets itself: each written for its start, or for the latest
    date its values cite when that is later."""
    eras = {}
    world = data.get("world")
    for name in STARTING_LEVELS:
        if isinstance(world, dict) and name in world:
            eras[f"world.{name}"] = (max(start, _cited_month(world[name])), file)
    actors = data.get("actors")
    for actor, body in (actors.items() if isinstance(actors, dict) else ()):
        stances = [v for k, v in body.items() if k != "role"] if isinstance(body, dict) else []
        if stances:
            eras[f"actors.{actor}"] = (max([start, *map(_cited_month, stances)]), file)
    return eras


def _cited_month(entry: Any) -> str:
    """The month a stance entry's source or reading is dated (``date: YYYY[-MM[-DD]]``;
    a year alone counts as its December), or "" when it cites no date."""
    months = []
    for kind in ("source", "reading"):
        cited = entry.get(kind) if isinstance(entry, dict) else None
        date = str(cited.get("date", "")) if isinstance(cited, dict) else ""
        found = re.match(r"^(\d{4})(?:-(0[1-9]|1[0-2]))?", date)
        if found:
            months.append(f"{found.group(1)}-{found.group(2) or '12'}")
    return max(months, default="")


def _months_between(first: str, later: str) -> int:
    (y0, m0), (y1, m1) = ((int(x) for x in s.split("-")) for s in (first, later))
    return (y1 - y0) * 12 + m1 - m0


def stale_inheritance(where: str, start: str, eras: dict[str, tuple[str, str]]) -> list[str]:
    """The warning (one line, or none) for a scenario that inherits dated parts although it
    starts more than STALE_MONTHS months after the time they were written for.

    The dated parts are the world's starting levels (STARTING_LEVELS: tension, sanctions,
    evasion, US-China tension, capability) and each actor taken whole (a scenario that
    restates none of an actor's stances keeps its government as written for that time).
    A part is written for the start of the file that set it last, or the latest ``date``
    its values cite when that is later.  Rates and the parties' behavioural constants are
    not dated.
    """
    by_file: dict[tuple[str, str], list[str]] = {}
    for part, (month, file) in eras.items():
        if _months_between(month, start) > STALE_MONTHS:
            by_file.setdefault((month, file), []).append(part)
    if not by_file:
        return []
    groups = []
    for (month, file), parts in sorted(by_file.items()):
        world = [p for p in parts if p.startswith("world.")]
        actors = [p.split(".", 1)[1] for p in parts if p.startswith("actors.")]
        named = ", ".join(world + ([f"every stance of {', '.join(actors)}"] if actors else []))
        groups.append(f"{named} ({file}, {month})")
    latest = max(month for month, _ in by_file)
    return [printable(
        f"{where}: starts {start}, {_months_between(latest, start)}+ months after the time "
        f"of what it inherits unchanged: {printable('; '.join(groups), 240)}; restate these "
        f"for {start} (docs/SCENARIOS.md)")]


# ------------------------------------------------------------------ folders


def scenario_files(paths: list[str | Path]) -> list[Path]:
    """Expand directories into their non-abstract scenario files, sorted by name.

    Each item is a path or a reference (:func:`scenario_path`: ``parley:``,
    ``parley:hindcast``, ``biden``).  A file that cannot be read, or whose ``abstract``
    is not plainly true, is kept, so that loading it reports the problem instead of
    dropping it silently.
    """
    out: list[Path] = []
    for p in map(scenario_path, paths):
        if _exists(p) and p.is_dir():
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
