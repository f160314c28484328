"""How a rule family declares its modelling constants: a typed, frozen dataclass.

Each family module (``rules/talks.py`` ...) holds a dataclass of the numbers
that shape its rules, every field declared with :func:`constant` (default,
plausible range, what it means, its basis).  A rule reads ``c.derail_p``, so a
misspelt name is an error of the type checker and of the first month run, never
a silent default.  A value is a float or, when a scenario gives a
``[low, high]`` range, one value per world (a numpy array).

The declarations are also what the scenario schema checks a ``dynamics:``
section against and what parameter draws span: :func:`declarations`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

import numpy as np

from parley.params import ASSUMPTION, Dynamic

Value = float | np.ndarray  # one number for every world, or one per world
Stance = dict[str, Any]  # an actor's stance: parameter name -> float array, str or bool
C = TypeVar("C", bound="Constants")


def constant(default: float, low: float, high: float, doc: str,
             basis: str = ASSUMPTION) -> Any:
    """A declared modelling constant: a dataclass field with its range and basis.

    ``basis`` names what the mechanism stands on (a text, theory); the size is
    ours unless the basis says a text states it.  Without a basis the constant
    is a bare assumption.
    """
    return dataclasses.field(default=default, metadata={"declared": (low, high, doc, basis)})


@dataclasses.dataclass(frozen=True)
class Constants:
    """Base of every family's constants (a frozen dataclass of :func:`constant` fields)."""

    @classmethod
    def declarations(cls) -> dict[str, Dynamic]:
        """name -> declaration (default, range, doc, basis) of every constant of the family."""
        out = {}
        for f in dataclasses.fields(cls):
            low, high, doc, basis = f.metadata["declared"]
            out[f.name] = Dynamic(f.name, low, high, doc, f.default, basis)
        return out

    @classmethod
    def build(cls: type[C], values: Mapping[str, Any]) -> C:
        """The family's constants: declared defaults, with any of ``values`` set instead."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})


def clip(x: Value, low: Value, high: Value) -> np.ndarray:
    """``np.clip(x, low, high)``: the same ufunc on the same values, so the same bits,
    called as the array's own method without np.clip's dispatch (a few microseconds a
    call, and the rules clip a dozen times a month)."""
    return np.asarray(x).clip(low, high)


def declarations(*families: type[Constants]) -> dict[str, Dynamic]:
    """Every constant of the families, by name (a name declared twice is an error)."""
    out: dict[str, Dynamic] = {}
    for family in families:
        for name, decl in family.declarations().items():
            if name in out:
                raise ValueError(f"modelling constant {name!r} is declared twice")
            out[name] = decl
    return out
