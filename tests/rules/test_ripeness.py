"""The ripeness route (parley.rules.ripeness): a hurting stalemate builds from crisis-level
tension outside talks only, and a leader-level opening needs all of its terms.

Rules are called with small hand-built arrays and the declared constants (``C``);
where a constant matters the test reads it, so a changed default does not break the
test but a flipped term does.
"""

from __future__ import annotations

import numpy as np
import pytest
from rulekit import C, T, _arr

from parley.rules import ripeness

R = C.ripeness
OFF = np.zeros(5, bool)


def test_hurt_is_how_far_tension_stands_above_the_ripe_level_outside_talks():
    ripe = C.value("ripe_tension")
    tension = _arr(0.0, ripe, (ripe + 1.0) / 2, 1.0, 1.0)
    assert ripeness.hurt(tension, OFF, R) == pytest.approx([0.0, 0.0, 0.5, 1.0, 1.0])
    talking = _arr(False, False, True, True, False, dtype=bool)
    # no hurt accrues in a month of talks, whatever the tension
    assert ripeness.hurt(tension, talking, R) == pytest.approx([0.0, 0.0, 0.0, 0.0, 1.0])
    assert ripeness.hurt(np.full(5, 5.0), OFF, R).max() == 1.0  # capped


def test_the_stalemate_builds_over_months_and_fades_in_talks():
    memory = C.value("stalemate_memory")
    stalemate = np.zeros(2)
    crisis, talking = np.ones(2), _arr(False, True, dtype=bool)
    for month in range(1, 13):
        stalemate = ripeness.stalemate_after(stalemate, crisis, talking, R)
        # outside talks: 1 - memory**month of the way to a full stalemate; in talks: none
        assert stalemate == pytest.approx([1.0 - memory**month, 0.0])
    faded = ripeness.stalemate_after(np.ones(2), crisis, np.ones(2, bool), R)
    assert faded == pytest.approx([memory, memory])


def test_mediation_needs_engagement_and_lobbying_for_flexibility():
    scale = C.value("mediation_scale")
    engagement = _arr(0.0, 0.5, 0.5, 0.5, 1.0)
    presses = _arr(0.5, -0.5, 0.0, scale, 1.0)
    # no engagement, or lobbying against flexibility (or none): no mediation
    assert ripeness.mediation(engagement, presses, R) == pytest.approx(
        [0.0, 0.0, 0.0, 0.5, 1.0])


def test_an_opening_needs_stalemate_mediator_deterrent_appetite_and_attention():
    rate, complete = C.value("ripeness_rate"), C.value("deterrent_complete")
    full = np.ones(6)
    capability = np.full(6, complete)
    chance = ripeness.opening_chance(full, full, capability, full, full, R)
    assert chance == pytest.approx(np.full(6, rate))
    # each term at zero closes the route; below the deterrent there is none either
    zero = np.zeros(6)
    for i, terms in enumerate([(zero, full, capability, full, full),
                               (full, zero, capability, full, full),
                               (full, full, capability - 0.01, full, full),
                               (full, full, capability, zero, full),
                               (full, full, capability, full, zero)]):
        assert not ripeness.opening_chance(*terms, R).any(), i
    half = ripeness.opening_chance(full / 2, np.full(6, 3.0), capability, full, full, R)
    assert half == pytest.approx(np.full(6, rate / 2))  # mediation counts up to full only


def test_an_opening_comes_only_from_no_contact_and_below_its_chance():
    talks = _arr(T.NO_CONTACT, T.NO_CONTACT, T.WORKING, T.COLLAPSE, dtype=np.int64)
    chance = np.full(4, 0.3)
    got = ripeness.opens(_arr(0.1, 0.5, 0.1, 0.1), chance, talks)
    assert got.tolist() == [True, False, False, False]
    assert not ripeness.opens(np.zeros(4), np.zeros(4), talks).any()  # no chance, no opening
