"""Every decision rule does what docs/MODEL.md says: direction of every term, every guard.

Rules are called directly with small hand-built arrays and the declared constants
(``DYN``); where a constant matters the test reads it, so a changed default does not
break the test but a flipped term does.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from parley import NegotiationModel
from parley import rules as R
from parley.params import LADDER, dynamics_defaults
from parley.randomness import run_seeds
from parley.scenario import with_values

DYN = dynamics_defaults()
T = R.Talks
N = 4000


def _us(**kw):
    base = {"relief_precondition": "fissile_freeze", "sequencing": "phased",
            "personal_diplomacy": True, "relief_form": "partial_time_limited",
            "sanctions_policy": "hold", "peace_regime_goal": False,
            "sanctions_linkage": "nuclear_and_missiles", "red_line": "icbm",
            "military_option": False, "no_reelection_pressure": False,
            "links_inter_korean_dialogue": False,
            "outreach_rate": np.full(N, 0.5), "bold_move_rate": np.full(N, 0.5),
            "crisis_distraction": np.full(N, 0.5), "election_year_drag": np.full(N, 0.5),
            "legacy_drive": np.full(N, 0.5), "alliance_coordination": np.full(N, 0.5)}
    return {**base, **kw}


def _arr(*xs, dtype=float):
    return np.array(xs, dtype=dtype)


# ------------------------------------------------------------------ world


def test_us_crisis_starts_only_when_none_runs_and_counts_down():
    left = _arr(0, 0, 3, 1)
    u = _arr(0.01, 0.9, 0.01, 0.01)
    got = R.us_crisis_starts(u, 0.05, np.full(4, 4.0), left)
    assert got.tolist() == [4, 0, 2, 0]


def test_us_china_drifts_and_flares_within_bounds():
    level = _arr(0.5, 0.5, 0.99, 0.0)
    u = _arr(0.9, 0.01, 0.01, 0.9)
    got = R.drift_us_china(level, _arr(0.01, 0.01, 0.01, -0.05), u, 0.05, 0.1)
    assert got == pytest.approx([0.51, 0.61, 1.0, 0.0])


def test_friction_only_under_tightening():
    assert R.us_china_friction(_us(sanctions_policy="tighten"), DYN) == DYN[
        "secondary_sanctions_friction"] > 0
    assert R.us_china_friction(_us(sanctions_policy="hold"), DYN) == 0


# ------------------------------------------------------------- Washington


def test_attention_crisis_and_election_year():
    st = _us(crisis_distraction=np.full(2, 0.4), election_year_drag=np.full(2, 0.5))
    crisis = _arr(0, 2)
    assert R.attention(st, DYN, crisis, 20, 48) == pytest.approx([1.0, 0.6])
    last_year = 48 - DYN["election_year_months"] + 1
    assert R.attention(st, DYN, crisis, last_year, 48) == pytest.approx([0.5, 0.3])
    assert R.attention(st, DYN, crisis, last_year - 1, 48) == pytest.approx([1.0, 0.6])
    free = {**st, "no_reelection_pressure": True}
    assert R.attention(free, DYN, crisis, last_year, 48) == pytest.approx([1.0, 0.6])


@pytest.mark.parametrize("key,more,less", [
    ("sequencing", "phased", "all_upfront"),
    ("personal_diplomacy", True, False),
    ("relief_form", "targeted_reversible", "package"),
    ("sanctions_policy", "hold", "tighten"),
    ("peace_regime_goal", True, False),
    ("sanctions_linkage", "nuclear_only", "broad"),
])
def test_every_flexibility_term_points_the_documented_way(key, more, less):
    z = np.zeros(1)
    hi = R.us_flexibility(_us(relief_precondition="substantial_disarmament", **{key: more}),
                          DYN, z, z)[0]
    lo = R.us_flexibility(_us(relief_precondition="substantial_disarmament", **{key: less}),
                          DYN, z, z)[0]
    assert hi > lo


def test_flexibility_follows_the_ladder_and_adds_credit_and_push():
    z = np.zeros(1)
    values = [R.us_flexibility(_us(relief_precondition=w, sequencing="all_upfront"),
                               DYN, z, z)[0] for w in LADDER]
    assert values == sorted(values, reverse=True) and len(set(values)) == len(values)
    st = _us(relief_precondition="substantial_disarmament", personal_diplomacy=False,
             sequencing="all_upfront", relief_form="package")
    base = R.us_flexibility(st, DYN, z, z)[0]
    assert R.us_flexibility(st, DYN, z + 0.15, z)[0] == pytest.approx(base + 0.15)
    assert R.us_flexibility(st, DYN, z, z + 0.05)[0] == pytest.approx(base + 0.05)
    assert R.us_flexibility(_us(), DYN, z + 1.0, z)[0] == 1.0  # clipped
    assert R.us_flexibility(st, DYN, z, z - 1.0)[0] == 0.0


def test_offers_only_without_contact_scaled_by_attention():
    talks = _arr(T.NO_CONTACT, T.WORKING, T.NO_CONTACT, T.COLLAPSE, dtype=np.int64)
    st = _us(outreach_rate=np.full(4, 0.5))
    got = R.offers_talks(_arr(0.3, 0.0, 0.3, 0.0), st, _arr(1, 1, 0.5, 1), talks)
    assert got.tolist() == [True, False, False, False]


def test_sanctions_policies():
    talks = _arr(T.NO_CONTACT, T.WORKING, T.AGREEMENT, dtype=np.int64)
    no_deal, deal = np.zeros(3, bool), _arr(0, 0, 1, dtype=bool)
    tighten = R.sanctions_change(_us(sanctions_policy="tighten"), DYN, talks, no_deal)
    assert tighten.tolist() == [DYN["tighten_step"]] * 3
    assert R.sanctions_change(_us(sanctions_policy="tighten"), DYN, talks, deal)[2] == 0
    assert not R.sanctions_change(_us(sanctions_policy="hold"), DYN, talks, no_deal).any()
    eased = R.sanctions_change(_us(sanctions_policy="ease_with_progress"), DYN, talks, no_deal)
    assert eased.tolist() == [0, -DYN["ease_step"], -DYN["ease_step"]]


def test_bold_moves_only_free_of_reelection_in_talks_or_as_openers():
    talks = _arr(T.WORKING, T.NO_CONTACT, T.COLLAPSE, T.AGREEMENT, T.WORKING, dtype=np.int64)
    u = _arr(0.1, 0.1, 0.1, 0.1, 0.6)
    st = _us(bold_move_rate=np.full(5, 0.5))
    assert not R.bold_move(u, st, talks, np.ones(5)).any()
    free = {**st, "no_reelection_pressure": True}
    assert R.bold_move(u, free, talks, np.ones(5)).tolist() == [True, True, False, True, False]
    assert not R.bold_move(u, free, talks, np.full(5, 0.1)).any()  # attention scales the rate


def test_bold_move_kind_is_uniform_over_three():
    kinds = R.bold_move_kind(np.array([0.0, 0.33, 0.34, 0.66, 0.67, 0.999999]))
    assert kinds.tolist() == [0, 0, 1, 1, 2, 2]


def test_bold_credit_decays_then_vanishes():
    credit = np.array([DYN["bold_credit"]])
    months = 0
    while credit[0] > 0:
        new = R.decay_bold_credit(credit, DYN)
        assert new[0] < credit[0]
        credit, months = new, months + 1
    assert months == 11  # one move's goodwill lasts about a year at the defaults


def test_relief_lapses_when_due_unless_renewed_under_a_clean_deal():
    due = DYN["relief_renewal_months"]
    relief = np.ones(5, bool)
    months = _arr(due, due, due, due - 1, due, dtype=np.int64)
    deal = _arr(1, 1, 0, 1, 1, dtype=bool)
    tests = _arr(0, 2, 0, 0, 0, dtype=np.int64)
    partial = R.relief_lapses(_us(relief_form="partial_time_limited"), DYN, relief, deal, months,
                              tests)
    assert partial.tolist() == [False, True, True, False, False]
    package = R.relief_lapses(_us(relief_form="package"), DYN, relief, deal, months, tests)
    assert package.tolist() == [False, False, True, False, False]  # only the unilateral one
    assert not R.relief_lapses(_us(), DYN, ~relief, deal, months, tests).any()


@pytest.mark.parametrize("line,icbm,nuclear,cap,expected", [
    ("none", 1, 1, 1.0, False),
    ("icbm", 1, 0, 0.0, True),
    ("icbm", 0, 1, 0.0, True),
    ("icbm", 0, 0, 1.0, False),
    ("nuclear_test", 1, 0, 1.0, False),
    ("nuclear_test", 0, 1, 0.0, True),
    ("multiple_warhead_icbm", 1, 0, 0.5, False),
    ("multiple_warhead_icbm", 1, 0, 0.9, True),
    ("multiple_warhead_icbm", 0, 1, 0.0, True),
])
def test_red_lines(line, icbm, nuclear, cap, expected):
    got = R.red_line_breached({"red_line": line}, DYN, np.array([icbm]), np.array([nuclear]),
                              np.array([cap]))
    assert bool(got[0]) is expected


def test_multiple_warhead_test_needs_capability_and_an_icbm():
    cap = DYN["multiple_warhead_capability"]
    got = R.multiple_warhead_test(DYN, _arr(1, 1, 0), _arr(cap, cap - 0.01, 1.0))
    assert got.tolist() == [True, False, False]


def test_military_option_only_when_kept_open_and_provoked():
    p = DYN["military_response_p"]
    u = _arr(p / 2, p * 1.5)
    yes, no = np.ones(2, bool), np.zeros(2, bool)
    nuc0, nuc1 = np.zeros(2, int), np.ones(2, int)
    assert not R.military_response(u, _us(military_option=False), DYN, yes, nuc1).any()
    assert R.military_response(u, _us(military_option=True), DYN, yes, nuc0).tolist() == [
        True, False]
    assert R.military_response(u, _us(military_option=True), DYN, no, nuc1).tolist() == [
        True, False]
    assert not R.military_response(u, _us(military_option=True), DYN, no, nuc0).any()


# -------------------------------------------------------------- Pyongyang


def test_provocation_multiplier_never_falls_with_sensitivity():
    t0, p0 = DYN["leverage_neutral_tension"], DYN["leverage_neutral_pressure"]
    tension = _arr(0.1, t0, t0 + 0.2, 0.9, 0.9)
    pressure = _arr(0.1, p0, p0, p0 + 0.3, 1.0)
    talks = np.zeros(5, np.int64)
    prev = None
    for sens in (0.0, 1.0, 3.0):
        mu = R.provocation_multiplier({"leverage_sensitivity": sens, "restraint_in_talks": 0.5},
                                      DYN, tension, talks, pressure)
        assert mu[0] == mu[1] == 1.0  # at or below the neutral point: the base rate
        if prev is not None:
            assert (mu >= prev).all() and (mu[2:] > prev[2:]).all()
        prev = mu
    assert mu.max() <= DYN["leverage_cap"]


def test_provocation_multiplier_rises_with_tension_and_pressure_and_restrains_in_talks():
    st = {"leverage_sensitivity": 1.0, "restraint_in_talks": 0.7}
    idle = np.zeros(3, np.int64)
    by_t = R.provocation_multiplier(st, DYN, _arr(0.6, 0.7, 0.8), idle, np.zeros(3))
    by_p = R.provocation_multiplier(st, DYN, np.zeros(3), idle, _arr(0.6, 0.7, 0.8))
    assert by_t[0] < by_t[1] < by_t[2] and by_p[0] < by_p[1] < by_p[2]
    talking = np.full(3, T.WORKING)
    assert R.provocation_multiplier(st, DYN, _arr(0.9, 0.9, 0.9), talking,
                                    np.ones(3)) == pytest.approx([0.3] * 3)


def test_missile_counts_follow_the_calibrated_form():
    rng = np.random.default_rng(1)
    n = 200_000
    rate, mean = 0.37, 3.08
    tests = R.missile_tests(rng.random(n), rng.random(n), np.full(n, rate), np.full(n, mean), DYN)
    # share of test months: sd = sqrt(p(1-p)/n) ~ 0.0011; allow 5 sd
    assert (tests > 0).mean() == pytest.approx(rate, abs=0.0055)
    # mean count in a test month: geometric sd ~ 2.5, n ~ 74,000 -> se ~ 0.01; allow 5 se
    assert tests[tests > 0].mean() == pytest.approx(mean, abs=0.05)
    assert tests.max() <= 1 + DYN["max_extra_tests"]
    one = R.missile_tests(np.zeros(3), _arr(0.1, 0.5, 0.99), np.ones(3), np.ones(3), DYN)
    assert one.tolist() == [1, 1, 1]  # mean 1: exactly one missile in a test month


def test_classification_is_the_inverse_binomial():
    rng = np.random.default_rng(2)
    u, n, p = rng.random(50_000), rng.integers(0, 15, 50_000), rng.random(50_000) * 0.5
    k = R._binomial_inverse(u, n, p)
    assert np.array_equal(k, stats.binom.ppf(u, n, p).astype(int))
    icbm, irbm = R.classify_tests(np.full(3, 0.5), np.full(3, 0.5), _arr(0, 10, 10, dtype=int),
                                  {"icbm_share": 0.0, "irbm_share": 1.0})
    assert icbm.tolist() == [0, 0, 0] and irbm.tolist() == [0, 10, 10]


def test_nuclear_test_scales_with_the_multiplier():
    st = {"nuclear_test_rate": np.full(3, 0.1)}
    got = R.nuclear_test(_arr(0.15, 0.15, 0.05), st, _arr(1.0, 2.0, 1.0))
    assert got.tolist() == [0, 1, 1]


def test_evasion_grows_faster_under_pressure_and_saturates():
    st = {"evasion_growth": 0.01}
    got = R.evasion_growth(st, DYN, _arr(0.2, 0.2, 1.0), _arr(0.0, 0.8, 0.8))
    assert got[1] > got[0] > 0 and got[2] == 0
    assert got[0] == pytest.approx(0.01 * DYN["evasion_base"] * 0.8)


def test_relief_on_offer_and_gap():
    assert R.relief_on_offer(_us(relief_form="package"), DYN) == DYN["relief_package"]
    broad = R.relief_on_offer(_us(relief_form="package", sanctions_linkage="broad"), DYN)
    assert broad == pytest.approx(DYN["relief_package"] * DYN["broad_linkage_relief_share"])
    assert R.relief_on_offer(_us(relief_form="targeted_reversible"), DYN) == DYN[
        "relief_targeted"]
    dprk = {"max_concession": _arr(0.25, 0.5, 1.0)}
    z = np.zeros(3)
    gap = R.concession_gap(_us(relief_precondition="verifiable_irreversible_steps"), dprk, DYN, z)
    assert gap == pytest.approx([0.5, 0.25, 0.0])
    bold = R.concession_gap(_us(relief_precondition="verifiable_irreversible_steps"), dprk, DYN,
                            z + 0.1)
    assert bold == pytest.approx(np.maximum(gap - DYN["bold_rung"], 0))
    broad_gap = R.concession_gap(_us(relief_precondition="nuclear_and_missile_freeze",
                                     sanctions_linkage="broad"), dprk, DYN, z)
    assert broad_gap == pytest.approx([0.25 + DYN["broad_linkage_rung"],
                                       DYN["broad_linkage_rung"], 0.0])


def test_deal_needs_overlap_on_the_ladder():
    dprk = {"max_concession": np.array([0.25, 0.25, 0.5, 1.0])}
    none = np.zeros(4)
    for word, expected in [("fissile_freeze", [1, 1, 1, 1]),
                           ("nuclear_and_missile_freeze", [0, 0, 1, 1]),
                           ("substantial_disarmament", [0, 0, 0, 1])]:
        got = R.deal_possible(_us(relief_precondition=word, sanctions_linkage="nuclear_only"),
                              dprk, DYN, none)
        assert got.tolist() == [bool(x) for x in expected], word
    # a bold move lowers the bar by one rung while its credit lasts
    got = R.deal_possible(_us(relief_precondition="nuclear_and_missile_freeze"), dprk, DYN,
                          np.full(4, 0.15))
    assert got.tolist() == [True, True, True, True]


def _margin(**kw):
    args = {"flexibility": np.full(1, 0.5), "press": np.zeros(1), "pressure_change": np.zeros(1),
            "gap": np.zeros(1), "lifeline": np.zeros(1), "capability_gain": np.zeros(1),
            "tension_rise": np.zeros(1), "bold_credit": np.zeros(1),
            "dialogue": np.zeros(1, bool)}
    args.update({k: np.atleast_1d(np.asarray(v)) for k, v in kw.items()})
    dprk = {"attitude_threshold": np.full(1, 0.5)}
    return R.engagement_margin(dprk, _us(sequencing="phased"), DYN, **args)[0]


@pytest.mark.parametrize("term,value,sign", [
    ("flexibility", 0.7, +1), ("press", 0.1, +1), ("pressure_change", 0.1, +1),
    ("bold_credit", 0.1, +1), ("dialogue", True, +1),
    ("gap", 0.25, -1), ("lifeline", 0.5, -1), ("capability_gain", 0.1, -1),
    ("tension_rise", 0.1, -1),
])
def test_every_engagement_term_points_the_documented_way(term, value, sign):
    base = _margin()
    assert sign * (_margin(**{term: value}) - base) > 0


def test_relief_counts_only_within_reach_and_nothing_counts_twice():
    within = _margin()
    short = _margin(gap=1e-6)
    assert within - short == pytest.approx(DYN["engage_relief_value"] * DYN["relief_partial"])
    assert _margin(gap=0.5) == short  # beyond reach, the size of the gap does not count twice
    dprk = {"attitude_threshold": np.full(1, 0.5)}
    zero = {k: np.zeros(1) for k in ("press", "pressure_change", "gap", "lifeline",
                                     "capability_gain", "tension_rise", "bold_credit")}
    upfront = R.engagement_margin(dprk, _us(sequencing="all_upfront"), DYN,
                                  flexibility=np.full(1, 0.5), dialogue=np.zeros(1, bool), **zero)
    phased = R.engagement_margin(dprk, _us(sequencing="phased"), DYN,
                                 flexibility=np.full(1, 0.5), dialogue=np.zeros(1, bool), **zero)
    assert phased[0] == upfront[0]  # sequencing acts through F (flex_phased), not again here
    higher = {"attitude_threshold": np.full(1, 0.7)}
    assert R.engagement_margin(higher, _us(), DYN, flexibility=np.full(1, 0.5),
                               dialogue=np.zeros(1, bool), **zero)[0] < phased[0]


def test_engages_and_accepts_only_when_willing_and_offered():
    margin = _arr(-0.01, 0.0, 0.3, 0.3)
    assert R.engages(margin).tolist() == [False, True, True, True]
    offer = _arr(1, 1, 1, 0, dtype=bool)
    u = np.full(4, DYN["accept_willing"] / 2)
    assert R.accepts_talks(u, DYN, offer, margin).tolist() == [False, True, True, False]
    late = np.full(4, (1 + DYN["accept_willing"]) / 2)
    assert not R.accepts_talks(late, DYN, offer, margin).any()


def test_sits_out_by_its_share():
    assert R.sits_out(_arr(0.1, 0.5), {"sit_out_share": 0.3}).tolist() == [True, False]
    assert not R.sits_out(_arr(0.0, 0.5), {"sit_out_share": 0.0}).any()


def test_flattery_needs_personal_diplomacy_relief_within_reach_and_no_contact():
    st = {"flattery_outreach": np.full(3, 1.0)}
    talks = _arr(T.NO_CONTACT, T.NO_CONTACT, T.WORKING, dtype=np.int64)
    reach = _arr(1, 0, 1, dtype=bool)
    u = np.full(3, 0.1)
    us = _us(legacy_drive=np.full(3, 0.5))
    assert R.flatters_leader(u, st, us, talks, reach).tolist() == [True, False, False]
    assert not R.flatters_leader(u, st, {**us, "personal_diplomacy": False}, talks, reach).any()
    assert not R.flatters_leader(np.full(3, 0.6), st, us, talks, reach).any()  # rate x legacy


def test_walkouts_grow_with_months_stop_under_relief_and_only_in_talks():
    st = {"walkout_patience": np.full(5, 6.0)}
    talks = _arr(T.WORKING, T.WORKING, T.SUMMIT, T.AGREEMENT, T.WORKING, dtype=np.int64)
    months = _arr(1, 6, 6, 6, 6)
    relief = _arr(0, 0, 0, 0, 1, dtype=bool)
    u = np.full(5, DYN["walkout_hazard"] / 2)
    got = R.walks_out(u, st, DYN, talks, months, relief)
    assert got.tolist() == [False, True, True, False, False]
    capped = R.walks_out(np.full(5, DYN["walkout_cap"] + 0.01), st, DYN, talks,
                         np.full(5, 1000), np.zeros(5, bool))
    assert not capped.any()


# ----------------------------------------------------------------- patrons


def test_patron_spoiling_enforcement_lifeline_and_press():
    st = {"spoiler_threshold": 0.6, "enforcement": 0.9, "influence": 0.8, "phased_affinity": 0.5}
    spoiler = R.is_spoiler(st, _arr(0.5, 0.7))
    assert spoiler.tolist() == [False, True]
    idle = np.zeros(2, np.int64)
    share = R.enforcement_share(st, DYN, spoiler, idle)
    assert share == pytest.approx([0.9, 0.9 * DYN["spoiler_enforcement_share"]])
    assert R.enforcement_share(st, DYN, spoiler, np.full(2, T.WORKING)) == pytest.approx([0.9, 0.9])
    dent = R.unenforced(st, DYN, spoiler, idle)
    assert dent[1] < dent[0] < 0
    assert R.lifeline(st, spoiler).tolist() == [0.0, 0.8]
    press = R.presses_pyongyang(st, _us(sequencing="phased", peace_regime_goal=True), DYN, spoiler)
    assert press[0] == pytest.approx(0.8 * 0.5 * (DYN["press_phased_fit"] + DYN["press_peace_fit"])
                                     * DYN["press_scale"]) and press[1] == 0
    assert not R.presses_pyongyang(st, _us(sequencing="all_upfront"), DYN, spoiler).any()
    plain = R.presses_pyongyang(st, _us(sequencing="phased"), DYN, spoiler)
    assert 0 < plain[0] < press[0]


# ----------------------------------------------------------------- allies


def test_inter_korean_dialogue_paces_with_talks_when_linked():
    st = {"engagement": np.full(2, 0.2)}
    talks = _arr(T.NO_CONTACT, T.WORKING, dtype=np.int64)
    u = np.full(2, 0.3)
    assert not R.inter_korean_dialogue(u, st, _us(), DYN, talks).any()
    linked = R.inter_korean_dialogue(u, st, _us(links_inter_korean_dialogue=True), DYN, talks)
    assert linked.tolist() == [DYN["linked_dialogue_outside"] * 0.2 > 0.3,
                               DYN["linked_dialogue_in_talks"] * 0.2 > 0.3]
    assert linked[1]


def test_ally_push_sign_follows_the_ally():
    us = _us(alliance_coordination=0.5)
    assert R.ally_push({"presses_flexibility": 0.5, "consultation": 1.0}, us, DYN) > 0
    assert R.ally_push({"presses_flexibility": -0.5, "consultation": 1.0}, us, DYN) < 0
    assert R.ally_push({"presses_flexibility": 0.5, "consultation": 0.0}, us, DYN) == 0


# ------------------------------------------------------ talks and tension


def _flags(n, *idx):
    out = np.zeros(n, bool)
    out[list(idx)] = True
    return out


def test_talks_state_machine_transitions():
    talks = np.array([T.NO_CONTACT, T.NO_CONTACT, T.WORKING, T.WORKING, T.SUMMIT, T.AGREEMENT,
                      T.COLLAPSE, T.WORKING])
    f = np.zeros(8, bool)
    new = R.advance_talks(talks, opened=_flags(8, 0), summit_invite=_flags(8, 1),
                          to_summit=_flags(8, 2), to_deal=_flags(8, 4), breach=_flags(8, 5),
                          derail=_flags(8, 3), walkout=f, deal_broken=f)
    assert [T(x) for x in new] == [T.WORKING, T.SUMMIT, T.SUMMIT, T.COLLAPSE, T.AGREEMENT,
                                   T.COLLAPSE, T.NO_CONTACT, T.WORKING]


def test_talks_precedence_as_documented():
    """Invitation beats acceptance; deal beats summit; collapse beats everything."""
    n = 6
    talks = np.array([T.NO_CONTACT, T.WORKING, T.WORKING, T.SUMMIT, T.AGREEMENT, T.COLLAPSE])
    every = np.ones(n, bool)
    none = np.zeros(n, bool)
    both = R.advance_talks(talks, opened=every, summit_invite=every, to_summit=every,
                           to_deal=every, breach=none, derail=none, walkout=none,
                           deal_broken=none)
    assert [T(x) for x in both] == [T.SUMMIT, T.AGREEMENT, T.AGREEMENT, T.AGREEMENT,
                                    T.AGREEMENT, T.NO_CONTACT]
    for end in ("breach", "derail", "walkout", "deal_broken"):
        flags = {k: none for k in ("breach", "derail", "walkout", "deal_broken")}
        flags[end] = every
        got = R.advance_talks(talks, opened=every, summit_invite=every, to_summit=every,
                              to_deal=every, **flags)
        assert [T(x) for x in got] == [T.SUMMIT, T.COLLAPSE, T.COLLAPSE, T.COLLAPSE,
                                       T.COLLAPSE, T.NO_CONTACT], end
    # offers only open talks from NO_CONTACT; a collapse always cools to NO_CONTACT
    assert R.in_talks(talks).tolist() == [False, True, True, True, True, False]


def test_tension_terms_point_the_documented_way():
    one = np.ones(1)
    z, zb = np.zeros(1), np.zeros(1, bool)
    base = R.update_tension(one * 0.5, DYN, z, z, z, zb, zb, zb, zb)[0]
    assert base == pytest.approx(0.5 * DYN["tension_retention"] + DYN["tension_drift"])
    for kw, sign in [("tests", +1), ("icbm", +1), ("nuclear", +1), ("talking", -1),
                     ("dialogue", -1), ("bold", -1)]:
        args = {"tests": z, "icbm": z, "nuclear": z, "talking": zb, "dialogue": zb, "bold": zb}
        args[kw] = one.astype(bool) if kw in ("talking", "dialogue", "bold") else one
        got = R.update_tension(one * 0.5, DYN, military=zb, **args)[0]
        assert sign * (got - base) > 0, kw
    assert R.update_tension(z, DYN, z, z, z, zb, zb, zb, one.astype(bool))[0] == 1.0
    assert R.update_tension(one, DYN, one * 50, z, z, zb, zb, zb, zb)[0] == 1.0


# ------------------------------------------------------------ whole model


def test_demanding_substantial_disarmament_never_grants_relief_short_of_it(trump_oh):
    """A Washington asking substantial disarmament first grants no relief to a lesser offer."""
    sc = with_values(trump_oh, {"washington.relief_precondition": "substantial_disarmament",
                                "washington.no_reelection_pressure": False,
                                "pyongyang.attitude_threshold": 0.0,
                                "pyongyang.max_concession": [0.0, 0.7]})
    model = NegotiationModel(scenario=sc, seeds=run_seeds(2, range(N)), narrate=False).run()
    out = model.outcomes()
    assert out["talks_resumed"].mean() > 0.3  # talks happen...
    assert not out["relief_granted"].any()  # ...but never relief
    assert not out["freeze_deal"].any()


def test_relief_follows_once_pyongyang_meets_the_precondition(trump_oh):
    sc = with_values(trump_oh, {"washington.relief_precondition": "substantial_disarmament",
                                "washington.no_reelection_pressure": False,
                                "pyongyang.attitude_threshold": 0.0,
                                "pyongyang.max_concession": 1.0})
    out = NegotiationModel(scenario=sc, seeds=run_seeds(2, range(N)), narrate=False).run()
    assert out.outcomes()["relief_granted"].mean() > 0.05


def test_red_line_breach_ends_talks_where_the_stance_says_so(trump_oh):
    """A breach in talks always leads to collapse; with no red line there is no breach."""
    seeds = run_seeds(8, range(N))
    for line, must_collapse in (("icbm", True), ("none", False)):
        sc = with_values(trump_oh, {"washington.red_line": line, "pyongyang.icbm_share": 0.5,
                                    "pyongyang.attitude_threshold": 0.0,
                                    "pyongyang.restraint_in_talks": 0.0})
        model = NegotiationModel(scenario=sc, seeds=seeds, narrate=False)
        breaches_in_talks = 0
        while model.running:
            before = model.state.talks.copy()
            model.step()
            hit = R.in_talks(before) & (model.acts["icbm"] > 0)
            breaches_in_talks += int(hit.sum())
            collapsed = model.state.talks[hit] == R.Talks.COLLAPSE
            if must_collapse:
                assert collapsed.all()
            else:
                assert not model.acts["breach"].any()
        assert breaches_in_talks > 50


# ------------------------------------------- conventions every draw follows

# Every stochastic rule fires when its uniform draw u is *below* its probability, so a
# probability of 0 never fires, even on the smallest draw numpy can give (u = 0.0).
ZERO = np.zeros(2)
IDLE = np.full(2, T.NO_CONTACT, dtype=np.int64)
TALKING = np.full(2, T.WORKING, dtype=np.int64)

ZERO_RATE_RULES = {
    "us_crisis_starts": lambda: R.us_crisis_starts(ZERO, 0.0, np.full(2, 4.0), np.zeros(2)),
    "drift_us_china": lambda: R.drift_us_china(np.full(2, 0.5), 0.0, ZERO, 0.0, 0.3) - 0.5,
    "offers_talks": lambda: R.offers_talks(ZERO, {"outreach_rate": 0.0}, np.ones(2), IDLE),
    "bold_move": lambda: R.bold_move(ZERO, _us(no_reelection_pressure=True, bold_move_rate=0.0),
                                     IDLE, np.ones(2)),
    "military_response": lambda: R.military_response(
        ZERO, _us(military_option=True), {**DYN, "military_response_p": 0.0},
        np.ones(2, bool), np.ones(2)),
    "missile_tests": lambda: R.missile_tests(ZERO, np.full(2, 0.5), 0.0, np.full(2, 3.0), DYN),
    "nuclear_test": lambda: R.nuclear_test(ZERO, {"nuclear_test_rate": 0.0}, np.ones(2)),
    "accepts_talks": lambda: R.accepts_talks(ZERO, {**DYN, "accept_willing": 0.0},
                                             np.ones(2, bool), np.ones(2)),
    "flatters_leader": lambda: R.flatters_leader(ZERO, {"flattery_outreach": 0.0},
                                                 _us(legacy_drive=np.ones(2)), IDLE,
                                                 np.ones(2, bool)),
    "walks_out": lambda: R.walks_out(ZERO, {"walkout_patience": 6.0}, DYN, TALKING,
                                     np.zeros(2), np.zeros(2, bool)),
    "inter_korean_dialogue": lambda: R.inter_korean_dialogue(ZERO, {"engagement": 0.0}, _us(),
                                                             DYN, IDLE),
    "inter_korean_dialogue linked": lambda: R.inter_korean_dialogue(
        ZERO, {"engagement": 0.0}, _us(links_inter_korean_dialogue=True), DYN, TALKING),
}


@pytest.mark.parametrize("rule", ZERO_RATE_RULES)
def test_a_zero_probability_never_fires_even_on_the_draw_zero(rule):
    assert not np.any(ZERO_RATE_RULES[rule]())


def test_the_same_rules_fire_on_the_draw_zero_when_the_probability_is_positive():
    # the control for the test above: the guards were open, only the probability was 0
    assert R.offers_talks(ZERO, {"outreach_rate": 0.1}, np.ones(2), IDLE).all()
    assert R.nuclear_test(ZERO, {"nuclear_test_rate": 0.1}, np.ones(2)).tolist() == [1, 1]
    assert R.walks_out(ZERO, {"walkout_patience": 6.0}, DYN, TALKING, np.ones(2),
                       np.zeros(2, bool)).all()
    assert R.inter_korean_dialogue(ZERO, {"engagement": 0.1}, _us(), DYN, IDLE).all()


def test_no_op_rules_still_return_one_value_per_world():
    for policy in ("hold", "tighten", "ease_with_progress"):
        got = R.sanctions_change(_us(sanctions_policy=policy), DYN, IDLE, np.zeros(2, bool))
        assert got.shape == (2,) and got.dtype == np.float64
    assert R.flatters_leader(ZERO, {"flattery_outreach": 1.0}, _us(personal_diplomacy=False),
                             IDLE, np.ones(2, bool)).shape == (2,)
    assert R.bold_move(ZERO, _us(), IDLE, np.ones(2)).shape == (2,)


def test_bold_move_kind_stays_a_valid_index_at_the_top_of_the_draw():
    kinds = R.bold_move_kind(_arr(0.0, 0.34, 0.67, 0.999999, 1.0))
    assert kinds.tolist() == [0, 1, 2, 2, len(R.BOLD_MOVES) - 1]


def test_a_patron_at_exactly_its_threshold_is_not_yet_a_spoiler():
    st = {"spoiler_threshold": 0.6}
    assert R.is_spoiler(st, _arr(0.6, 0.6000001)).tolist() == [False, True]


def test_a_spoiler_enforces_in_full_while_talks_move():
    st = {"enforcement": 0.9, "influence": 0.8}
    spoiler = np.ones(2, bool)
    assert R.unenforced(st, DYN, spoiler, TALKING) == pytest.approx([0.8 * (0.9 - 1.0)] * 2)
    assert R.unenforced(st, DYN, spoiler, IDLE) == pytest.approx(
        [0.8 * (0.9 * DYN["spoiler_enforcement_share"] - 1.0)] * 2)


def test_binomial_inverse_is_the_smallest_k_whose_cdf_reaches_u():
    # Binomial(1, 0.5): CDF(0) = 0.5 exactly, so u = 0.5 gives k = 0 and u just above gives 1
    got = R._binomial_inverse(_arr(0.5, 0.5000001, 0.25, 0.75), np.full(4, 1), np.full(4, 0.5))
    assert got.tolist() == [0, 1, 0, 1]
    # Binomial(2, 0.5): CDF = 0.25, 0.75, 1
    got = R._binomial_inverse(_arr(0.25, 0.26, 0.75, 0.76), np.full(4, 2), np.full(4, 0.5))
    assert got.tolist() == [0, 1, 1, 2]


@pytest.mark.parametrize("icbm_share,irbm_share", [(0.3, 0.35), (0.2, 0.1), (0.6, 0.6)])
def test_classify_tests_splits_icbm_then_the_rest(icbm_share, irbm_share):
    rng = np.random.default_rng(7)
    u_icbm, u_irbm, n = rng.random(2000), rng.random(2000), rng.integers(0, 12, 2000)
    icbm, irbm = R.classify_tests(u_icbm, u_irbm, n,
                                  {"icbm_share": icbm_share, "irbm_share": irbm_share})
    want_icbm = stats.binom.ppf(u_icbm, n, icbm_share).astype(int)
    # intermediate-range among the rest, at the conditional share (capped at all of them)
    rest_share = min(irbm_share / (1 - icbm_share), 1.0)
    want_irbm = stats.binom.ppf(u_irbm, n - want_icbm, rest_share).astype(int)
    assert np.array_equal(icbm, want_icbm)
    assert np.array_equal(irbm, want_irbm)
    assert (icbm + irbm <= n).all()


def test_missile_counts_are_capped_by_the_geometric_q_cap():
    # a huge mean count would make q ~ 1 and the count explode; the cap keeps q at
    # max_geometric_q, so the extra count is floor(log(1 - u) / log(q_cap))
    dyn = {**DYN, "max_geometric_q": 0.9}
    got = R.missile_tests(np.zeros(1), np.full(1, 0.5), 1.0, np.full(1, 1e6), dyn)
    assert got.tolist() == [1 + int(np.floor(np.log(0.5) / np.log(0.9)))]
