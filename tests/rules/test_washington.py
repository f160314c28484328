"""Washington's attention, flexibility, offers and bold moves (parley.rules.washington):
every rule does what docs/MODEL.md says.

Rules are called with small hand-built arrays and the declared constants (``C``);
where a constant matters the test reads it, so a changed default does not break the
test but a flipped term does.
"""

from __future__ import annotations

import numpy as np
import pytest
from rulekit import C, T, _arr, _us

from parley.params import LADDER
from parley.rules import (
    ModelConstants,
    washington,
)


def test_attention_crisis_and_election_year():
    st = _us(crisis_distraction=np.full(2, 0.4), election_year_drag=np.full(2, 0.5))
    crisis = _arr(0, 2)
    assert washington.attention(st, C.washington, crisis, 20, 48) == pytest.approx([1.0, 0.6])
    last_year = 48 - C.value("election_year_months") + 1
    assert washington.attention(st, C.washington, crisis, last_year, 48) == pytest.approx(
        [0.5, 0.3]
    )
    assert washington.attention(st, C.washington, crisis, last_year - 1, 48) == pytest.approx(
        [1.0, 0.6]
    )
    free = {**st, "no_reelection_pressure": True}
    assert washington.attention(free, C.washington, crisis, last_year, 48) == pytest.approx(
        [1.0, 0.6]
    )


def test_an_election_year_drawn_per_world_drags_only_the_worlds_in_it():
    """``election_year_months`` drawn per world: in month 40 of 48 the worlds whose election
    year is longer than 8 months are in it (attention x (1 - drag)), the others are not."""
    st = _us(crisis_distraction=np.full(4, 0.4), election_year_drag=np.full(4, 0.5))
    crisis = _arr(0, 2, 0, 2)
    per_world = ModelConstants.build({"election_year_months": _arr(6, 6, 12, 12)}).washington
    got = washington.attention(st, per_world, crisis, 40, 48)
    assert got == pytest.approx([1.0, 0.6, 0.5, 0.3])
    for months, worlds in ((6, slice(0, 2)), (12, slice(2, 4))):
        one = ModelConstants.build({"election_year_months": float(months)}).washington
        alone = washington.attention({k: v[worlds] if isinstance(v, np.ndarray) else v
                                      for k, v in st.items()}, one, crisis[worlds], 40, 48)
        assert got[worlds] == pytest.approx(alone)


def test_an_unknown_modelling_constant_is_refused_by_name():
    with pytest.raises(KeyError, match="unknown modelling constants: bogus_rate, nope"):
        ModelConstants.build({"nope": 1.0, "bogus_rate": 0.5, "election_year_months": 6.0})


@pytest.mark.parametrize(
    "key,more,less",
    [
        ("sequencing", "phased", "all_upfront"),
        ("personal_diplomacy", True, False),
        ("relief_form", "targeted_reversible", "package"),
        ("sanctions_policy", "hold", "tighten"),
        ("peace_regime_goal", True, False),
        ("sanctions_linkage", "nuclear_only", "broad"),
    ],
)
def test_every_flexibility_term_points_the_documented_way(key, more, less):
    z = np.zeros(1)
    hi = washington.us_flexibility(
        _us(relief_precondition="substantial_disarmament", **{key: more}), C.washington, z, z
    )[0]
    lo = washington.us_flexibility(
        _us(relief_precondition="substantial_disarmament", **{key: less}), C.washington, z, z
    )[0]
    assert hi > lo


def test_flexibility_follows_the_ladder_and_adds_credit_and_push():
    z = np.zeros(1)
    values = [
        washington.us_flexibility(
            _us(relief_precondition=w, sequencing="all_upfront"), C.washington, z, z
        )[0]
        for w in LADDER
    ]
    assert values == sorted(values, reverse=True) and len(set(values)) == len(values)
    st = _us(
        relief_precondition="substantial_disarmament",
        personal_diplomacy=False,
        sequencing="all_upfront",
        relief_form="package",
    )
    base = washington.us_flexibility(st, C.washington, z, z)[0]
    assert washington.us_flexibility(st, C.washington, z + 0.15, z)[0] == pytest.approx(base + 0.15)
    assert washington.us_flexibility(st, C.washington, z, z + 0.05)[0] == pytest.approx(base + 0.05)
    assert washington.us_flexibility(_us(), C.washington, z + 1.0, z)[0] == 1.0  # clipped
    assert washington.us_flexibility(st, C.washington, z, z - 1.0)[0] == 0.0


def test_offers_only_without_contact_scaled_by_attention():
    talks = _arr(T.NO_CONTACT, T.WORKING, T.NO_CONTACT, T.COLLAPSE, dtype=np.int64)
    st = _us(outreach_rate=np.full(4, 0.5))
    got = washington.offers_talks(_arr(0.3, 0.0, 0.3, 0.0), st, _arr(1, 1, 0.5, 1), talks)
    assert got.tolist() == [True, False, False, False]


def test_bold_moves_only_free_of_reelection_in_talks_or_as_openers():
    talks = _arr(T.WORKING, T.NO_CONTACT, T.COLLAPSE, T.AGREEMENT, T.WORKING, dtype=np.int64)
    u = _arr(0.1, 0.1, 0.1, 0.1, 0.6)
    st = _us(bold_move_rate=np.full(5, 0.5))
    assert not washington.bold_move(u, st, talks, np.ones(5)).any()
    free = {**st, "no_reelection_pressure": True}
    assert washington.bold_move(u, free, talks, np.ones(5)).tolist() == [
        True,
        True,
        False,
        True,
        False,
    ]
    assert not washington.bold_move(
        u, free, talks, np.full(5, 0.1)
    ).any()  # attention scales the rate


def test_bold_move_kind_is_uniform_over_three():
    kinds = washington.bold_move_kind(np.array([0.0, 0.33, 0.34, 0.66, 0.67, 0.999999]))
    assert kinds.tolist() == [0, 0, 1, 1, 2, 2]


def test_bold_credit_decays_then_vanishes():
    credit = np.array([C.value("bold_credit")])
    months = 0
    while credit[0] > 0:
        new = washington.decay_bold_credit(credit, C.washington)
        assert new[0] < credit[0]
        credit, months = new, months + 1
    assert months == 11  # one move's goodwill lasts about a year at the defaults
