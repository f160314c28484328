"""Every rule does what docs/MODEL.md says: the talks machine (parley.rules.talks).

Rules are called with small hand-built arrays and the declared constants (``C``);
where a constant matters the test reads it, so a changed default does not break the
test but a flipped term does.
"""

from __future__ import annotations

import numpy as np
from rulekit import C, T, _arr, _flags

from parley.rules import ModelConstants
from parley.rules import talks as talks_rules


def test_walkouts_grow_with_months_stop_under_relief_and_only_in_talks():
    st = {"walkout_patience": np.full(5, 6.0)}
    talks = _arr(T.WORKING, T.WORKING, T.SUMMIT, T.AGREEMENT, T.WORKING, dtype=np.int64)
    months = _arr(1, 6, 6, 6, 6)
    relief = _arr(0, 0, 0, 0, 1, dtype=bool)
    u = np.full(5, C.value("walkout_hazard") / 2)
    got = talks_rules.walks_out(u, st, C.talks, talks, months, relief)
    assert got.tolist() == [False, True, True, False, False]
    capped = talks_rules.walks_out(
        np.full(5, C.value("walkout_cap") + 0.01),
        st,
        C.talks,
        talks,
        np.full(5, 1000),
        np.zeros(5, bool),
    )
    assert not capped.any()


def test_talks_state_machine_transitions():
    talks = np.array(
        [
            T.NO_CONTACT,
            T.NO_CONTACT,
            T.WORKING,
            T.WORKING,
            T.SUMMIT,
            T.AGREEMENT,
            T.COLLAPSE,
            T.WORKING,
        ]
    )
    f = np.zeros(8, bool)
    new = talks_rules.advance_talks(
        talks,
        opened=_flags(8, 0),
        summit_invite=_flags(8, 1),
        to_summit=_flags(8, 2),
        to_deal=_flags(8, 4),
        breach=_flags(8, 5),
        derail=_flags(8, 3),
        walkout=f,
        deal_broken=f,
    )
    assert [T(x) for x in new] == [
        T.WORKING,
        T.SUMMIT,
        T.SUMMIT,
        T.COLLAPSE,
        T.AGREEMENT,
        T.COLLAPSE,
        T.NO_CONTACT,
        T.WORKING,
    ]


def test_talks_precedence_as_documented():
    """Invitation beats acceptance; deal beats summit; collapse beats everything."""
    n = 6
    talks = np.array([T.NO_CONTACT, T.WORKING, T.WORKING, T.SUMMIT, T.AGREEMENT, T.COLLAPSE])
    every = np.ones(n, bool)
    none = np.zeros(n, bool)
    both = talks_rules.advance_talks(
        talks,
        opened=every,
        summit_invite=every,
        to_summit=every,
        to_deal=every,
        breach=none,
        derail=none,
        walkout=none,
        deal_broken=none,
    )
    assert [T(x) for x in both] == [
        T.SUMMIT,
        T.AGREEMENT,
        T.AGREEMENT,
        T.AGREEMENT,
        T.AGREEMENT,
        T.NO_CONTACT,
    ]
    for end in ("breach", "derail", "walkout", "deal_broken"):
        flags = {k: none for k in ("breach", "derail", "walkout", "deal_broken")}
        flags[end] = every
        got = talks_rules.advance_talks(
            talks, opened=every, summit_invite=every, to_summit=every, to_deal=every, **flags
        )
        assert [T(x) for x in got] == [
            T.SUMMIT,
            T.COLLAPSE,
            T.COLLAPSE,
            T.COLLAPSE,
            T.COLLAPSE,
            T.NO_CONTACT,
        ], end
    # offers only open talks from NO_CONTACT; a collapse always cools to NO_CONTACT
    assert talks_rules.in_talks(talks).tolist() == [False, True, True, True, True, False]


def _resolve(talks, **kw):
    n = len(talks)
    zero_i, no = np.zeros(n, np.int64), np.zeros(n, bool)
    args = dict(talks_months=np.full(n, 6), u_derail=np.full(n, 0.99), u_summit=np.full(n, 0.99),
                u_deal=np.full(n, 0.99), tests=zero_i, icbm=zero_i, nuclear=zero_i, accept=no,
                flatter=no, ripe=no, walkout=no, breach=no, military=no, attention=np.ones(n),
                deal_chance=np.zeros(n), u_spoil=np.full(n, 0.99), spoiler_pull=np.zeros(n))
    args.update(kw)
    us = {"summit_requires_working_level": True,
          "legacy_drive": np.ones(n), "relief_precondition": "fissile_freeze"}
    months = args.pop("talks_months")
    return talks_rules.resolve(np.asarray(talks, np.int64), months, us, C.talks, **args)


def test_a_test_derails_working_talks_below_derail_p_only():
    p = C.value("derail_p")
    u = np.array([p - 1e-9, p, p - 1e-9, p - 1e-9])
    got = _resolve([T.WORKING, T.WORKING, T.SUMMIT, T.WORKING], u_derail=u,
                   tests=np.array([1, 1, 1, 0]))
    assert got.derail.tolist() == [True, False, False, False]  # summits and quiet months hold
    assert [T(x) for x in got.talks][:2] == [T.COLLAPSE, T.WORKING]


def test_summits_and_deals_fire_below_their_chance_and_a_crisis_blocks_openings():
    summit_p = C.value("summit_p")  # x legacy drive 1 x attention 1
    got = _resolve([T.WORKING, T.WORKING], u_summit=np.array([summit_p - 1e-9, summit_p]))
    assert got.to_summit.tolist() == [True, False]
    deal_p = C.value("deal_p_working")
    got = _resolve([T.WORKING] * 4, u_deal=np.array([deal_p - 1e-9] * 3 + [deal_p / 4]),
                   deal_chance=np.array([1.0, 0.0, 1.0, 0.5]),
                   walkout=np.array([False, False, True, False]))
    # no chance the step meets the ask, or a walkout: no deal; a half chance halves deal_p
    assert got.to_deal.tolist() == [True, False, False, True]
    opened = _resolve([T.NO_CONTACT] * 3, accept=np.ones(3, bool),
                      breach=np.array([False, True, False]),
                      military=np.array([False, False, True]))
    assert [T(x) for x in opened.talks] == [T.WORKING, T.NO_CONTACT, T.NO_CONTACT]


def test_a_spoiler_derails_running_talks_by_its_influence():
    p = C.value("spoiler_derail_p")
    got = _resolve([T.WORKING, T.SUMMIT, T.WORKING, T.AGREEMENT, T.WORKING],
                   u_spoil=np.array([p / 2 - 1e-9, p / 2 - 1e-9, p / 2 + 1e-9, 0.0, 0.0]),
                   spoiler_pull=np.array([0.5, 0.5, 0.5, 1.0, 0.0]))
    # a deal in force is not derailed by a spoiler; no spoiler, no derailing
    assert got.spoiled.tolist() == [True, True, False, False, False]
    assert [T(x) for x in got.talks][:2] == [T.COLLAPSE, T.COLLAPSE]


def test_a_ripe_opening_goes_to_a_summit_unless_working_level_comes_first():
    got = _resolve([T.NO_CONTACT, T.NO_CONTACT], ripe=np.array([True, False]))
    assert [T(x) for x in got.talks] == [T.WORKING, T.NO_CONTACT]  # envoys first


def test_a_freeze_drawn_per_world_covers_missiles_from_each_worlds_own_rung():
    """``freeze_covers_missiles_rung`` drawn per world (a calibrated range): each world's
    freeze covers what the same rung for every world would cover, world by world."""
    rung = talks_rules.LADDER["fissile_freeze"]
    us = {"relief_precondition": "fissile_freeze"}
    # worlds 0-3 count missile tests against the freeze, worlds 4-7 only ICBMs
    per_world = ModelConstants.build({"freeze_covers_missiles_rung": _arr(
        rung, rung, rung, rung, rung + 1, rung + 1, rung + 1, rung + 1)}).talks
    tests = _arr(0, 1, 1, 0, 0, 1, 1, 0, dtype=np.int64)
    icbm = _arr(0, 0, 1, 0, 0, 0, 1, 0, dtype=np.int64)
    nuclear = _arr(0, 0, 0, 1, 0, 0, 0, 1, dtype=np.int64)
    got = talks_rules.freeze_violated(us, per_world, tests, icbm, nuclear)
    assert got.tolist() == [False, True, True, True, False, False, True, True]
    for covers, worlds in ((rung, slice(0, 4)), (rung + 1, slice(4, 8))):
        one = ModelConstants.build({"freeze_covers_missiles_rung": float(covers)}).talks
        alone = talks_rules.freeze_violated(us, one, tests[worlds], icbm[worlds],
                                            nuclear[worlds])
        assert got[worlds].tolist() == alone.tolist()
