"""Moscow's own rules (parley.rules.russia): the council shield and the treaty lifeline
do what docs/MODEL.md says; a flipped sign or a lost guard fails here.

Rules are called with small hand-built arrays and the declared constants (``C``);
where a constant matters the test reads it, so a changed default does not break the
test but a flipped term does.
"""

from __future__ import annotations

import numpy as np
import pytest
from rulekit import C, _arr

from parley.rules import russia, sanctions


def test_moscow_sides_only_with_another_patron_that_spoils():
    spoilers = [("beijing", _arr(True, False, True, dtype=bool)),
                ("moscow", _arr(True, True, False, dtype=bool))]
    siding = russia.sides_with_spoiler(spoilers, 3, "moscow")
    # Moscow's own spoiling does not count: the shield is China's push "with Russia"
    assert siding.tolist() == [True, False, True]
    assert not russia.sides_with_spoiler([("moscow", np.ones(3, bool))], 3, "moscow").any()
    assert not russia.sides_with_spoiler([], 3, "moscow").any()
    # any other patron that spoils will do: one spoiling in world 0, another in world 2
    two = [("beijing", _arr(True, False, False, dtype=bool)), ("moscow", np.ones(3, bool)),
           ("other", _arr(False, False, True, dtype=bool))]
    assert russia.sides_with_spoiler(two, 3, "moscow").tolist() == [True, False, True]


def test_the_shield_dents_pressure_only_while_siding_and_regardless_of_trade():
    siding = _arr(True, False, dtype=bool)
    st = {"council_shield": np.full(2, 0.5), "influence": np.full(2, 0.01)}
    dent = russia.council_shield(st, C.russia, siding)
    assert dent[0] == pytest.approx(-0.5 * C.value("un_pressure_share")) and dent[1] == 0
    assert dent[0] < 0  # a shield lowers pressure, never raises it
    # the dent is as large for a Moscow with almost no trade (a veto, not commerce)
    assert dent[0] == pytest.approx(russia.council_shield(
        {**st, "influence": np.full(2, 0.9)}, C.russia, siding)[0])
    ones, none = np.ones(2), np.zeros(2)
    shielded = sanctions.effective_pressure(ones, none, dent)
    assert shielded[0] < shielded[1] == pytest.approx(1.0)
    assert not russia.council_shield({"council_shield": np.zeros(2)}, C.russia, siding).any()


def test_a_treaty_lowers_pressure_and_is_a_lifeline_whatever_the_tension():
    st = {"treaty_lifeline": _arr(0.0, 0.6)}
    dent = russia.treaty_dent(st, C.russia)
    assert dent[0] == 0 and dent[1] == pytest.approx(-0.6 * C.value("treaty_cost_relief"))
    assert russia.treaty_lifeline(st).tolist() == [0.0, 0.6]
    pressure = sanctions.effective_pressure(np.ones(2), np.zeros(2), dent)
    assert pressure[1] < pressure[0]
