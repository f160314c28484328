"""The scenario schema: one typed declaration, validation, and addressing values by path.

A scenario file states each actor's stance parameters with their provenance.
:func:`load_scenario` reads a file with everything it ``extends``
(:mod:`parley.scenario_files`, through the bounded reader of
:mod:`parley.safe_yaml`) and validates the result against the declarations in
:mod:`parley.params`.  Every problem becomes one line naming the file, the
field path and what is allowed; :class:`ScenarioError` carries all of them.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import re
import reprlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from parley import params as P
from parley.errors import MAX_LINE, MAX_PROBLEMS, ScenarioError, printable  # noqa: F401 (re-exported)
from parley.outcomes import BINARY_OUTCOMES, COUNT_OUTCOMES, FINAL_LEVELS
from parley.rules import DYNAMICS

MONTH_RE = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")  # matched whole (fullmatch): ASCII only
DATE_RE = re.compile(r"[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?")
MONTH_PATTERN = rf"^{MONTH_RE.pattern}$"  # for pydantic, which matches ASCII by pattern
NAME_PATTERN = r"^[a-z][a-z0-9_]*$"  # a scenario's name (its file name) and its camp
NAME_RULE = ("starts with a lowercase letter a-z and holds only lowercase letters, digits "
             f"and underscores, e.g. biden_2029 (pattern {NAME_PATTERN})")
#: The texts a value can cite: the two seed analyses, the reference data, an outside fact.
TEXTS = ("oh2020", "yeo2020", "data", "outside")
#: The dates of the two seed texts (docs/PROVENANCE.md): a value citing them needs no date.
TEXT_DATES = {"oh2020": "2020-09-30", "yeo2020": "2020-02"}
#: The three kinds of provenance (docs/PROVENANCE.md), in the order tables list them.
PROVENANCE_KINDS = ("source", "reading", "assumption")

#: Event kinds: changes no party chose as a step toward or away from talks ...
EXOGENOUS_EVENT_KINDS = ("new_government", "leader_death", "war_elsewhere", "pandemic",
                         "crisis_elsewhere")
#: ... decisions to talk, meet, sign or walk out (never allowed in a hindcast) ...
DECISION_EVENT_KINDS = ("talk", "meet", "sign", "walk_out")
#: ... a party's dated statement of its position during a live term (the record to date) ...
STATEMENT_EVENT_KIND = "statement"
#: ... and other chosen policy changes (allowed in forward scenarios only).
EVENT_KINDS = (*EXOGENOUS_EVENT_KINDS, *DECISION_EVENT_KINDS, STATEMENT_EVENT_KIND, "policy")

#: What a condition can wait for, and the test classes a ``test`` trigger can name.
TRIGGER_KINDS = ("test", "nuclear_test", "summit", "collapse", "deal", "relief_granted",
                 "bold_move", "tension_above", "months")
TEST_CLASSES = ("any", "irbm", "icbm", "multiple_warhead_icbm")
#: The outcomes a claim can name: every numeric field of the outcome record.
CLAIM_OUTCOMES = (*BINARY_OUTCOMES, *COUNT_OUTCOMES, *FINAL_LEVELS)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


def _check_date(value: str | None) -> str | None:
    if value is not None and not DATE_RE.fullmatch(value):
        raise ValueError("a date is YYYY-MM-DD, YYYY-MM or YYYY")
    return value


class Source(_Strict):
    """The cited passage gives this value: which text, which section, what it says, when."""

    text: Literal[TEXTS]  # type: ignore[valid-type]
    section: str = Field(min_length=1)
    says: str = Field(min_length=10)
    date: str | None = None

    _date = field_validator("date")(classmethod(lambda cls, v: _check_date(v)))

    @property
    def when(self) -> str | None:
        """The date of the statement cited (the seed texts' own dates when not given)."""
        return self.date or TEXT_DATES.get(self.text)


class Reading(Source):
    """The cited passage gives the mechanism or direction; the number is ours, and why."""

    why: str = Field(min_length=10)


class _Provenanced(_Strict):
    """Anything that must say where it comes from: a source, a reading or an assumption."""

    source: Source | None = None
    reading: Reading | None = None
    assumption: str | None = Field(default=None, min_length=10)

    @model_validator(mode="after")
    def _one_provenance(self) -> _Provenanced:
        given = [k for k in PROVENANCE_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'source', 'reading' or 'assumption'")
        return self

    @property
    def provenance(self) -> str:
        """Which of the three kinds this is."""
        return next(k for k in PROVENANCE_KINDS if getattr(self, k) is not None)

    @property
    def cited(self) -> Source | None:
        """The passage behind a source or a reading (None for an assumption)."""
        return self.source or self.reading


class Claim(_Strict):
    """What a cited value claims: the outcome it moves and the direction, or nil with a reason.

    Checked by tests/test_claims.py against the parameter's neutral alternative
    (params.NEUTRAL) on common random numbers.
    """

    outcome: Literal[CLAIM_OUTCOMES] | None = None  # type: ignore[valid-type]
    direction: Literal["up", "down"] | None = None
    nil: str | None = Field(default=None, min_length=10)

    @model_validator(mode="after")
    def _claim_or_nil(self) -> Claim:
        if (self.nil is None) == (self.outcome is None or self.direction is None):
            raise ValueError("give 'outcome' and 'direction', or 'nil' with a reason")
        return self


class Stance(_Provenanced):
    """A parameter value with its provenance, the envelope its draws span, what it claims.

    ``range`` is the envelope of a single number in parameter draws
    (docs/PROVENANCE.md); a ``[low, high]`` value is its own envelope.
    """

    value: Any
    range: list[float] | None = None
    claims: list[Claim] = []


class Event(_Provenanced):
    """A scheduled change of an actor's stance, e.g. a new government in Seoul."""

    month: str
    actor: str
    set: dict[str, Any]
    note: str = Field(min_length=5)
    kind: Literal[EVENT_KINDS] | None = None  # type: ignore[valid-type]


class Trigger(_Strict):
    """When a condition fires: an event of the month, a tension level, or a month range.

    ``from``/``until`` (YYYY-MM, inclusive) arm the trigger only within a range;
    kind ``months`` fires at the start of that range.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)

    kind: Literal[TRIGGER_KINDS]  # type: ignore[valid-type]
    test_class: Literal[TEST_CLASSES] | None = None  # type: ignore[valid-type]
    level: float | None = Field(default=None, ge=0.0, le=1.0)
    from_month: str | None = Field(default=None, alias="from")
    until_month: str | None = Field(default=None, alias="until")


class Condition(_Provenanced):
    """A stance that changes when something happens (per world, once, from the next month)."""

    when: Trigger
    actor: str
    set: dict[str, Any]
    note: str = Field(min_length=5)
    claims: list[Claim] = []


class Horizon(_Strict):
    start: str = Field(default="2021-01", pattern=MONTH_PATTERN)
    months: int = Field(default=48, ge=1, le=120)


class ScenarioDoc(_Strict):
    """The top level of a resolved scenario file."""

    name: str = Field(pattern=NAME_PATTERN)
    title: str = Field(min_length=3)
    camp: str = Field(pattern=NAME_PATTERN)
    description: str = ""
    abstract: bool = False
    disagreement: str = ""
    #: the scenario this file reads differently (a contested value; docs/PROVENANCE.md)
    variant_of: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")
    horizon: Horizon = Horizon()
    world: dict[str, Stance]
    shocks: dict[str, Stance]
    actors: dict[str, dict[str, Any]]
    events: list[Event] = []
    dynamics: dict[str, Stance] = {}
    conditions: list[Condition] = []


@dataclass(frozen=True)
class Actor:
    name: str
    role: str
    stances: dict[str, Stance]

    def value(self, param: str) -> Any:
        return self.stances[param].value


@dataclass(frozen=True)
class Scenario:
    """A validated, fully resolved scenario."""

    name: str
    title: str
    camp: str
    path: Path | None
    horizon: Horizon
    world: dict[str, Stance]
    shocks: dict[str, Stance]
    actors: dict[str, Actor]
    events: list[Event]
    resolved: dict[str, Any] = field(repr=False)
    abstract: bool = False
    dynamics: dict[str, Stance] = field(default_factory=dict)
    conditions: list[Condition] = field(default_factory=list)
    variant_of: str | None = None
    #: breaches of the provenance rules (docs/PROVENANCE.md), one line each
    provenance_problems: tuple[str, ...] = ()

    @property
    def hash(self) -> str:
        text = json.dumps(self.resolved, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def stances(self) -> Iterator[tuple[str, Stance, P.Param]]:
        """Every stance value with its dotted path and declaration, in file order."""
        yield from _stances(self.world, self.shocks, self.dynamics, self.actors)

    def month_label(self, month: int) -> str:
        return month_label(self.horizon.start, month)

    def month_index(self, label: str) -> int:
        return month_index(self.horizon.start, label)


def month_label(start: str, month: int) -> str:
    """Calendar label (YYYY-MM) of simulated month 1..n; month 1 is ``start``."""
    year, mon = (int(x) for x in start.split("-"))
    idx = year * 12 + mon - 1 + month - 1
    return f"{idx // 12}-{idx % 12 + 1:02d}"


def month_index(start: str, label: str) -> int:
    """Simulated month number (1 = ``start``) of a YYYY-MM label."""
    y0, m0 = (int(x) for x in start.split("-"))
    y, m = (int(x) for x in label.split("-"))
    return (y - y0) * 12 + (m - m0) + 1


def _stances(world: dict[str, Stance], shocks: dict[str, Stance], dynamics: dict[str, Stance],
             actors: dict[str, Actor]) -> Iterator[tuple[str, Stance, P.Param]]:
    blocks = [("world", world, P.by_name(P.WORLD)), ("shocks", shocks, P.by_name(P.SHOCKS)),
              ("dynamics", dynamics, P.by_name(tuple(DYNAMICS.values())))]
    blocks += [(a.name, a.stances, P.by_name(P.ROLES[a.role])) for a in actors.values()]
    for head, block, decls in blocks:
        for name, stance in block.items():
            if name in decls:
                yield f"{head}.{name}", stance, decls[name]


def _numeric(decl: P.Param, value: Any) -> bool:
    return isinstance(decl, P.Real) and not isinstance(value, bool | str)


def _range_problem(decl: P.Param, stance: Stance) -> str | None:
    """Why a stance's ``range`` (its envelope in parameter draws) cannot be used, or None."""
    env = stance.range
    if env is None:
        return None
    if not isinstance(decl, P.Real):
        return "a choice or a flag is never drawn; give two variants instead (no range)"
    if isinstance(stance.value, list):
        return "a [low, high] value is its own envelope; give no range beside it"
    if len(env) != 2 or env[0] > env[1]:
        return f"must be [low, high] with low <= high (got {env!r})"
    if msg := decl.check(env[0]) or decl.check(env[1]):
        return msg
    if _is_number(stance.value) and not env[0] <= stance.value <= env[1]:
        return f"must contain the value {stance.value}"
    return None


def provenance_problems(where: str, items: Iterable[tuple[str, Stance, P.Param]]) -> list[str]:
    """Breaches of docs/PROVENANCE.md: numeric sources that state no number, readings and
    assumptions without an envelope, outside or data citations without a date."""
    out = []
    for path, stance, decl in items:
        loc = f"{where}: {path}"
        numeric = _numeric(decl, stance.value)
        kind = stance.provenance
        if kind == "source" and numeric and not any(c.isdigit() for c in stance.source.says):
            out.append(f"{loc}.source: a number cited as a source must be stated in 'says' "
                       "(the value or the counts it comes from); otherwise cite it as a "
                       "'reading' with 'why'")
        if kind in ("reading", "assumption") and numeric and stance.range is None \
                and not isinstance(stance.value, list):
            article = "an" if kind == "assumption" else "a"
            out.append(f"{loc}: {article} {kind} needs 'range: [low, high]', the envelope its "
                       "parameter draws span")
        cited = stance.cited
        if cited is not None and cited.when is None:
            out.append(f"{loc}.{kind}.date: a citation of text {cited.text!r} needs the date "
                       "of what it cites (YYYY-MM-DD, YYYY-MM or YYYY)")
    return out


def role_citation_problems(where: str, actors: dict[str, Actor]) -> list[str]:
    """A role's ``cited`` fields (parley.params.Role) that turn a mechanism on with no text
    or record behind them (an assumption where a source or a reading is due)."""
    return [f"{where}: {a.name}.{key}: a {a.role} actor's {key} that is not "
            f"{P.NEUTRAL[key]!r} must cite a text or the dated record (source or reading), "
            "not an assumption"
            for a in actors.values() for key in P.ROLE_DECLS[a.role].cited
            if key in a.stances and a.stances[key].assumption is not None
            and a.stances[key].value != P.NEUTRAL[key]]


def build_scenario(raw: dict[str, Any], where: str = "<scenario>",
                   path: Path | None = None) -> Scenario:
    """Validate a resolved scenario mapping (as a file or a sweep produces it)."""
    try:
        doc = ScenarioDoc.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError([_pydantic_line(where, err) for err in exc.errors()]) from None
    problems: list[str] = []
    for section, decls in P.SECTIONS.items():
        problems += _check_block(where, section, getattr(doc, section), decls)
    actors = _check_actors(where, doc, problems)
    problems += _check_events(where, doc, actors)
    problems += _check_block(where, "dynamics", doc.dynamics, tuple(DYNAMICS.values()),
                             optional=True)
    problems += _check_conditions(where, doc, actors)
    stances = list(_stances(doc.world, doc.shocks, doc.dynamics, actors))
    problems += [f"{where}: {path}.range: {msg}" for path, stance, decl in stances
                 if (msg := _range_problem(decl, stance))]
    if problems:
        raise ScenarioError(problems)
    resolved = doc.model_dump(mode="json", exclude_none=True, by_alias=True)
    return Scenario(name=doc.name, title=doc.title, camp=doc.camp, path=path,
                    horizon=doc.horizon, world=doc.world, shocks=doc.shocks, actors=actors,
                    events=doc.events, resolved=resolved, abstract=doc.abstract,
                    dynamics=doc.dynamics, conditions=doc.conditions,
                    variant_of=doc.variant_of,
                    provenance_problems=tuple(provenance_problems(where, stances)
                                              + role_citation_problems(where, actors)))


def _pydantic_line(where: str, err: dict[str, Any]) -> str:
    return pydantic_line(where, err, _allowed_fields(err["loc"]))


def pydantic_line(where: str, err: dict[str, Any], allowed_here: Iterable[str]) -> str:
    """One error line for one pydantic error: the file, the field path, what is allowed."""
    loc = ".".join(str(x) for x in err["loc"]) or "(top level)"
    kind = err["type"]
    if kind == "extra_forbidden":
        allowed = ", ".join(allowed_here)
        return f"{where}: {loc}: unknown field (allowed here: {allowed})"
    if kind == "missing":
        return f"{where}: {loc}: required field is missing"
    if kind == "literal_error":  # the value first: the list of what is allowed can be long
        allowed = err.get("ctx", {}).get("expected", "")
        return (f"{where}: {loc}: {_SHORT.repr(err.get('input'))} is not allowed "
                f"(allowed: {allowed.replace(' or ', ', ')})")
    if kind == "string_pattern_mismatch" and loc in ("name", "camp"):
        return f"{where}: {loc}: must be a word that {NAME_RULE} (got " \
               f"{_SHORT.repr(err.get('input'))})"
    msg = err["msg"].removeprefix("Value error, ")
    return f"{where}: {loc}: {msg} (got {_SHORT.repr(err.get('input'))})"


_SHORT = reprlib.Repr()  # a short excerpt of a value from the file, never all of it
_SHORT.maxstring, _SHORT.maxother, _SHORT.maxlevel = 60, 60, 2
_SHORT.maxdict = _SHORT.maxlist = 4


def _allowed_fields(loc: tuple) -> list[str]:
    """Field names allowed at the parent of ``loc`` (for 'unknown field' errors)."""
    model: type[BaseModel] = ScenarioDoc
    for step in loc[:-1]:
        if not isinstance(step, int):  # list positions keep the model
            # a field holding a sub-model; any other step (world, shocks or dynamics, an
            # actor's or a parameter's name) leads to a stance entry
            model = {"horizon": Horizon, "events": Event, "source": Source, "reading": Reading,
                     "conditions": Condition, "when": Trigger, "claims": Claim}.get(step, Stance)
    return [f.alias or n for n, f in model.model_fields.items() if n != "abstract"]


def _allowed_hint(key: str, names: Iterable[str]) -> str:
    """'allowed: a, b, c', or for a long list the closest names and where all are listed
    (an error line is bounded, so a list of 66 names would be cut)."""
    names = list(names)
    listed = ", ".join(names)
    if len(listed) <= 200:
        return f"allowed: {listed}"
    close = difflib.get_close_matches(key, names, n=3, cutoff=0.0)
    return (f"did you mean {' or '.join(close)}? {len(names)} names are allowed; "
            "docs/SCENARIOS.md and docs/MODEL.md list them")


def _check_block(where: str, prefix: str, block: dict[str, Stance],
                 decls: tuple[P.Param, ...], skip: set[str] = frozenset(),
                 optional: bool = False) -> list[str]:
    table = P.by_name(decls)
    problems = [f"{where}: {prefix}.{key}: unknown field ({_allowed_hint(str(key), table)})"
                for key in (*block, *skip) if key not in table]
    if not optional:
        problems += [f"{where}: {prefix}.{name}: required field is missing"
                     for name in table if name not in block and name not in skip]
    for name, stance in block.items():
        if name in table:
            msg = check_value(table[name], stance.value, allow_range=True)
            if msg:
                problems.append(f"{where}: {prefix}.{name}.value: {msg}")
    return problems


def check_value(decl: P.Param, value: Any, allow_range: bool) -> str | None:
    """Why ``value`` is not allowed for ``decl``, or None when it is."""
    if isinstance(decl, P.Flag):
        return None if isinstance(value, bool) else f"must be true or false (got {value!r})"
    if isinstance(decl, P.Choice):
        if value in decl.options:
            return None
        return f"{value!r} is not allowed (allowed: {', '.join(decl.options)})"
    if allow_range and isinstance(value, list):
        if len(value) != 2 or not all(_is_number(v) for v in value):
            return f"a range must be [low, high] with two numbers (got {value!r})"
        if value[0] > value[1]:
            return f"range low {value[0]} exceeds high {value[1]}"
        return decl.check(value[0]) or decl.check(value[1])
    if not _is_number(value):
        kind = "a number or a [low, high] range" if allow_range else "a number"
        return f"must be {kind} in [{decl.low}, {decl.high}] (got {value!r})"
    return decl.check(value)


def _is_number(v: Any) -> bool:
    """A finite int or float (not a bool; NaN and infinities are not values of a stance)."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return False
    return v == v and v not in (float("inf"), float("-inf"))


def _check_actors(where: str, doc: ScenarioDoc, problems: list[str]) -> dict[str, Actor]:
    actors: dict[str, Actor] = {}
    bad_role = False  # then a count of roles below would only repeat that problem
    for name, body in doc.actors.items():
        loc = f"actors.{name}"
        if not isinstance(body, dict):
            problems.append(f"{where}: {loc}: must be a mapping with a 'role' and stances")
            continue
        role = body.get("role")
        if not isinstance(role, str) or role not in P.ROLES:
            bad_role = True
            problems.append(f"{where}: {loc}.role: {role!r} is not a known role "
                            f"(allowed: {', '.join(P.ROLES)})")
            continue
        stances: dict[str, Stance] = {}
        failed: set[str] = set()
        for key, val in body.items():
            if key == "role":
                continue
            try:
                stances[key] = Stance.model_validate(val)
            except ValidationError as exc:
                failed.add(key)
                problems += [_pydantic_line(where, {**e, "loc": (loc, key, *e["loc"])})
                             for e in exc.errors()]
        problems += _check_block(where, loc, stances, P.ROLES[role], skip=failed)
        actors[name] = Actor(name, role, stances)
    for role in (r.name for r in P.ROLE_DECLS.values() if r.exactly_one):
        count = sum(a.role == role for a in actors.values())
        if count != 1 and not bad_role:
            problems.append(f"{where}: actors: needs exactly one actor with role '{role}' "
                            f"(found {count})")
    return actors


def _check_events(where: str, doc: ScenarioDoc, actors: dict[str, Actor]) -> list[str]:
    problems = []
    for i, ev in enumerate(doc.events):
        loc = f"{where}: events.{i}"
        if not MONTH_RE.fullmatch(ev.month):
            problems.append(f"{loc}.month: {ev.month!r} must be YYYY-MM")
            continue
        m = month_index(doc.horizon.start, ev.month)
        if not 1 <= m <= doc.horizon.months:
            problems.append(f"{loc}.month: {ev.month} lies outside the horizon "
                            f"({doc.horizon.start} + {doc.horizon.months} months)")
        if ev.actor not in actors:
            problems.append(f"{loc}.actor: unknown actor {ev.actor!r} "
                            f"(allowed: {', '.join(actors)})")
            continue
        table = P.by_name(P.ROLES[actors[ev.actor].role])
        for key, val in ev.set.items():
            if key not in table:
                problems.append(f"{loc}.set.{key}: unknown field for role "
                                f"{actors[ev.actor].role} (allowed: {', '.join(table)})")
            elif msg := check_value(table[key], val, allow_range=False):
                problems.append(f"{loc}.set.{key}: {msg}")
    return problems


def _check_conditions(where: str, doc: ScenarioDoc, actors: dict[str, Actor]) -> list[str]:
    problems = []
    for i, cond in enumerate(doc.conditions):
        loc = f"{where}: conditions.{i}"
        problems += _check_trigger(f"{loc}.when", cond.when, doc.horizon)
        if cond.actor not in actors:
            problems.append(f"{loc}.actor: unknown actor {cond.actor!r} "
                            f"(allowed: {', '.join(actors)})")
            continue
        table = P.by_name(P.ROLES[actors[cond.actor].role])
        numeric = [n for n, d in table.items() if isinstance(d, P.Real)]
        if not cond.set:
            problems.append(f"{loc}.set: name at least one stance to change")
        for key, val in cond.set.items():
            if key not in table:
                problems.append(f"{loc}.set.{key}: unknown field for role "
                                f"{actors[cond.actor].role} (allowed: {', '.join(numeric)})")
            elif not isinstance(table[key], P.Real):
                problems.append(f"{loc}.set.{key}: only numeric stances can change on a "
                                f"condition (allowed: {', '.join(numeric)})")
            elif msg := check_value(table[key], val, allow_range=False):
                problems.append(f"{loc}.set.{key}: {msg}")
    return problems


def _check_trigger(loc: str, trig: Trigger, horizon: Horizon) -> list[str]:
    problems = []
    if trig.kind == "tension_above" and trig.level is None:
        problems.append(f"{loc}.level: required for kind tension_above (a number in [0, 1])")
    if trig.kind != "tension_above" and trig.level is not None:
        problems.append(f"{loc}.level: only allowed for kind tension_above")
    if trig.kind != "test" and trig.test_class is not None:
        problems.append(f"{loc}.test_class: only allowed for kind test")
    if trig.kind == "months" and trig.from_month is None:
        problems.append(f"{loc}.from: required for kind months (YYYY-MM)")
    for name, label in (("from", trig.from_month), ("until", trig.until_month)):
        if label is None:
            continue
        if not MONTH_RE.fullmatch(label):
            problems.append(f"{loc}.{name}: {label!r} must be YYYY-MM")
        elif not 1 <= month_index(horizon.start, label) <= horizon.months:
            problems.append(f"{loc}.{name}: {label} lies outside the horizon "
                            f"({horizon.start} + {horizon.months} months)")
    months = [trig.from_month, trig.until_month]
    if all(m is not None and MONTH_RE.fullmatch(m) for m in months) and months[1] < months[0]:
        problems.append(f"{loc}.until: {months[1]} is before from: {months[0]} (the trigger "
                        "would never be armed); give an until on or after from")
    return problems


def require_runnable(scenario: Scenario) -> Scenario:
    """Refuse an abstract scenario (such as base.yaml) where a run is asked for."""
    if scenario.abstract:
        raise ScenarioError([f"{scenario.path or scenario.name}: abstract: this file only "
                             "holds shared defaults; run a scenario that extends it"])
    return scenario


# ------------------------------------------------------ addressing values


def split_path(scenario: Scenario, path: str) -> tuple[tuple[str, ...], P.Param]:
    """Where a dotted path (``washington.outreach_rate``, ``world.tension``) points.

    Returns the key path inside the resolved mapping and the parameter's
    declaration; raises ScenarioError naming what is allowed.
    """
    parts = path.split(".")
    if parts[0] == "actors":
        parts = parts[1:]
    if len(parts) != 2:
        raise ScenarioError([f"{path}: a parameter path is ACTOR.PARAM, world.PARAM, "
                             f"shocks.PARAM or dynamics.NAME "
                             f"(actors: {', '.join(scenario.actors)})"])
    head, name = parts
    if head == "dynamics":
        decls, keys = P.by_name(tuple(DYNAMICS.values())), ("dynamics", name)
    elif head in P.SECTIONS:
        decls, keys = P.by_name(P.SECTIONS[head]), (head, name)
    elif head in scenario.actors:
        decls, keys = P.by_name(P.ROLES[scenario.actors[head].role]), ("actors", head, name)
    else:
        allowed = ", ".join([*scenario.actors, *P.SECTIONS, "dynamics"])
        raise ScenarioError([f"{path}: unknown actor or section {head!r} (allowed: {allowed})"])
    if name not in decls:
        raise ScenarioError([f"{path}: unknown parameter {name!r} for {head} "
                             f"(allowed: {', '.join(decls)})"])
    return keys, decls[name]


def with_values(scenario: Scenario, values: dict[str, Any],
                why: str = "set for this run by an override or a sweep") -> Scenario:
    """A copy of the scenario with some stance values replaced (and re-validated)."""
    raw = copy.deepcopy(scenario.resolved)
    for path, val in values.items():
        keys, decl = split_path(scenario, path)
        if type(val).__module__ == "numpy" and getattr(val, "ndim", 1) == 0:
            val = val.item()  # a numpy scalar (a sweep grid, batch_run) as the plain value
        if P.is_ladder(decl) and _is_number(val):
            val = P.ladder_word(val)  # a ladder stance set by its number (sweeps, sliders)
        node = raw
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = {"value": val, "assumption": f"{why} ({path} = {val})"}
    return build_scenario(raw, f"{scenario.path or scenario.name} with {sorted(values)}",
                          scenario.path)
