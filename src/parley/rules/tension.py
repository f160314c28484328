"""Peninsula tension: it decays, rises with tests and threats of force, falls with contact
(the Jervis spiral); and what makes a month a military crisis (events, not a level)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from parley.rules.constants import Constants, Value, clip, constant


@dataclass(frozen=True)
class TensionConstants(Constants):
    tension_retention: Value = constant(0.9, 0.8, 0.97,
                                        "Monthly retention of tension (half-life).")
    tension_per_test: Value = constant(0.02, 0.0, 0.05, "Tension added per missile.")
    tension_per_icbm: Value = constant(0.08, 0.02, 0.15, "Extra tension per ICBM-class test.")
    tension_per_nuclear: Value = constant(0.25, 0.1, 0.4, "Tension added by a nuclear test.")
    tension_talks_relief: Value = constant(0.04, 0.0, 0.1,
                                           "Tension removed in a month of talks.")
    tension_dialogue_relief: Value = constant(
        0.03, 0.0, 0.1, "Tension removed in a month of inter-Korean contact.")
    tension_bold_relief: Value = constant(0.1, 0.0, 0.2, "Tension removed by a bold move.")
    tension_drift: Value = constant(0.02, 0.0, 0.05,
                                    "Tension added every month (rest level 0.2).")
    tension_per_military: Value = constant(
        0.25, 0.1, 0.5, "Tension added when Washington brandishes force (as a nuclear test).")


STREAMS: dict[str, tuple[str, ...]] = {}


def update_tension(tension: np.ndarray, c: TensionConstants, tests: np.ndarray,
                   icbm: np.ndarray, nuclear: np.ndarray, talking: np.ndarray,
                   dialogue: Value, bold: np.ndarray, military: np.ndarray) -> np.ndarray:
    """Tension decays, rises with tests and threats of force, falls with contact.

    The Jervis (1976) spiral; coefficients are declared modelling constants
    (``tension_*``).  Force brandished adds ``tension_per_military``.
    """
    t = (c.tension_retention * tension + c.tension_per_test * tests
         + c.tension_per_icbm * icbm + c.tension_per_nuclear * nuclear
         + c.tension_per_military * military
         - c.tension_talks_relief * talking - c.tension_dialogue_relief * dialogue
         - c.tension_bold_relief * bold + c.tension_drift)
    return clip(t, 0.0, 1.0)


def crisis_month(military: np.ndarray, nuclear: np.ndarray) -> np.ndarray:
    """A month of military crisis, by events: Washington brandishes force, or the North
    conducts a nuclear test (the test that set off each crisis of the record: 2006, 2009,
    2013, 2016, 2017).  Not a level of tension, so a stance cannot make one by definition."""
    return military | (nuclear > 0)
