"""The decision rules, by family, each a module holding its rules and their constants.

======================  =====================================================
module                  decides
======================  =====================================================
``world``               crises elsewhere, US-China tension
``washington``          attention, flexibility, offers, bold moves
``provocation``         tests, capability, red lines, military response
``engagement``          concession gap, engagement margin, Pyongyang's answers
``talks``               the talks machine: openings, summits, deals, endings
``ripeness``            the route from a crisis to summitry (a hurting stalemate)
``sanctions``           sanctions policy, relief, evasion, pressure
``tension``             tension and crisis months
``patrons``             enforcement, spoiling, press (Beijing; any patron)
``allies``              inter-Korean dialogue, lobbying (Seoul; any ally)
``russia``              Moscow's own: the council shield, the treaty lifeline
``japan``               Tokyo's own: pressure after tests, the abductions issue
======================  =====================================================

Each module holds a frozen dataclass of its constants (``TalksConstants`` ...).
Every rule is a function over numpy arrays of worlds (shape ``(n_worlds,)``): the
same code steps one world (SolaraViz, ``parley chronicle``, ``mesa.batch_run``) or
ten thousand (batches).  A module also holds the random streams its rules draw
(``STREAMS``: decision -> the parameters that set its probability, for
``parley drivers``) and what the chronicle says when they fire (``SAYS``).
Docstrings cite the text each rule stands on: Oh = Oh (2020), Yeo = Yeo (2020);
docs/MODEL.md has the full table.  The rules import nothing of the model, so the
scenario schema can read their declarations.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from parley.params import Dynamic
from parley.rules import (
    allies,
    engagement,
    japan,
    patrons,
    provocation,
    ripeness,
    russia,
    sanctions,
    talks,
    tension,
    washington,
    world,
)
from parley.rules.constants import declarations
from parley.rules.talks import Talks, in_talks

__all__ = ["DYNAMICS", "FAMILIES", "STREAMS", "ModelConstants", "Talks", "dynamics_defaults",
           "in_talks"]

#: the rule families in the order of the month's schedule
FAMILIES = (world, washington, provocation, engagement, talks, ripeness, sanctions, tension,
            patrons, allies, russia, japan)


@dataclass(frozen=True)
class ModelConstants:
    """Every family's constants, as one model uses them (``model.constants.talks.derail_p``)."""

    world: world.WorldConstants
    washington: washington.WashingtonConstants
    provocation: provocation.ProvocationConstants
    engagement: engagement.EngagementConstants
    talks: talks.TalksConstants
    ripeness: ripeness.RipenessConstants
    sanctions: sanctions.SanctionsConstants
    tension: tension.TensionConstants
    patrons: patrons.PatronConstants
    allies: allies.AllyConstants
    russia: russia.RussiaConstants
    japan: japan.JapanConstants

    @classmethod
    def build(cls, values: dict[str, Any] | None = None) -> ModelConstants:
        """Declared defaults with ``values`` (name -> float or per-world array) set instead."""
        values = values or {}
        unknown = set(values) - set(DYNAMICS)
        if unknown:
            raise KeyError(f"unknown modelling constants: {', '.join(sorted(unknown))}")
        return cls(**{name: family.build(values) for name, family in _CLASSES.items()})

    def value(self, name: str) -> Any:
        """One constant by its name (as a scenario's ``dynamics:`` section spells it)."""
        return getattr(getattr(self, FAMILY_OF[name]), name)


_CLASSES = {"world": world.WorldConstants, "washington": washington.WashingtonConstants,
            "provocation": provocation.ProvocationConstants,
            "engagement": engagement.EngagementConstants, "talks": talks.TalksConstants,
            "ripeness": ripeness.RipenessConstants,
            "sanctions": sanctions.SanctionsConstants, "tension": tension.TensionConstants,
            "patrons": patrons.PatronConstants, "allies": allies.AllyConstants,
            "russia": russia.RussiaConstants, "japan": japan.JapanConstants}

assert tuple(_CLASSES) == tuple(f.name for f in fields(ModelConstants))

#: every modelling constant, declared in its family's module: name -> declaration
DYNAMICS: dict[str, Dynamic] = declarations(*_CLASSES.values())
#: constant name -> the family (attribute of ModelConstants) that holds it
FAMILY_OF: dict[str, str] = {name: family for family, klass in _CLASSES.items()
                             for name in klass.declarations()}
#: decision -> the parameters that set its probability, over every family
STREAMS: dict[str, tuple[str, ...]] = {k: v for fam in FAMILIES for k, v in fam.STREAMS.items()}


def dynamics_defaults() -> dict[str, float]:
    """Every modelling constant at its declared default."""
    return {name: d.default for name, d in DYNAMICS.items()}
