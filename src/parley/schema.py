"""The scenario language as a JSON Schema, for editors (yaml-language-server, VS Code YAML).

Built from the declarations the loader itself uses, not from a second copy: the pydantic
models of :mod:`parley.scenario` (sources, readings, claims, events, conditions, the
horizon), the parameter tables of :mod:`parley.params` (every stance of the world, the
shocks and each role, with its type and bounds) and the declared modelling constants of
:mod:`parley.rules`.  A file may ``extends:`` another, so no top-level field is required
here; what only the resolved scenario can check (one Washington, references between
actors, events inside the horizon) stays the loader's job.
"""

from __future__ import annotations

from typing import Any

from parley import params as P
from parley.rules import DYNAMICS
from parley.scenario import Condition, Event, Horizon, ScenarioDoc

SCHEMA_ID = "https://parley.invalid/scenario.schema.json"
PROVENANCE = ("source", "reading", "assumption")


def _value_schema(decl: P.Param) -> dict[str, Any]:
    if isinstance(decl, P.Flag):
        return {"type": "boolean"}
    if isinstance(decl, P.Choice):
        return {"enum": list(decl.options)}
    number = {"type": "number", "minimum": decl.low, "maximum": decl.high}
    return {"anyOf": [number, {"type": "array", "items": number, "minItems": 2,
                               "maxItems": 2}]}


def _stance_schema(decl: P.Param) -> dict[str, Any]:
    """One stance: its value (typed and bounded by the declaration) and its provenance."""
    return {
        "type": "object", "description": decl.doc, "additionalProperties": False,
        "required": ["value"],
        "properties": {
            "value": _value_schema(decl),
            "range": {"type": "array", "items": {"type": "number"}, "minItems": 2,
                      "maxItems": 2},
            "claims": {"type": "array", "items": {"$ref": "#/$defs/Claim"}},
            "source": {"$ref": "#/$defs/Source"},
            "reading": {"$ref": "#/$defs/Reading"},
            "assumption": {"type": "string", "minLength": 10},
        },
        "oneOf": [{"required": [k]} for k in PROVENANCE],
    }


def _block(params: tuple[P.Param, ...]) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False,
            "properties": {p.name: _stance_schema(p) for p in params}}


def _actor_schema() -> dict[str, Any]:
    """An actor of one of the declared roles (``parley.params.ROLE_DECLS``; ``role`` may be
    inherited from the base)."""
    variants = []
    for role, decl in P.ROLE_DECLS.items():
        block = _block(decl.stances)
        block["properties"] = {"role": {"const": role}, **block["properties"]}
        block["title"] = role
        block["description"] = decl.doc
        variants.append(block)
    return {"anyOf": variants}


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file."""
    doc = ScenarioDoc.model_json_schema(ref_template="#/$defs/{model}")
    defs = doc.pop("$defs", {})
    for model in (Event, Condition, Horizon):
        defs.setdefault(model.__name__, model.model_json_schema(
            ref_template="#/$defs/{model}"))
    props = dict(doc["properties"])
    props.update({
        "extends": {"type": "string", "minLength": 1,
                    "description": "a file this one builds on: a path beside it, or "
                    "parley:NAME for a shipped one"},
        "world": _block(P.WORLD), "shocks": _block(P.SHOCKS),
        "dynamics": {"type": "object", "additionalProperties": False,
                     "properties": {name: _stance_schema(decl)
                                    for name, decl in DYNAMICS.items()}},
        "actors": {"type": "object", "additionalProperties": _actor_schema()},
    })
    props.pop("name", None)  # a file's name is its file name
    for nested in defs.values():
        nested.pop("title", None)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "parley scenario file", "type": "object",
            "additionalProperties": False, "properties": props, "$defs": defs}
