"""Decision rules do what docs/MODEL.md says they do."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from parley import NegotiationModel
from parley import rules as R
from parley.params import LADDER
from parley.randomness import run_seeds
from parley.scenario import with_values

N = 4000


def _us(**kw):
    base = {"relief_precondition": "fissile_freeze", "sequencing": "phased",
            "personal_diplomacy": True, "relief_form": "partial_time_limited",
            "sanctions_policy": "hold", "peace_regime_goal": False,
            "sanctions_linkage": "nuclear_and_missiles", "red_line": "icbm",
            "military_option": False, "no_reelection_pressure": False,
            "outreach_rate": np.full(N, 0.5), "bold_move_rate": np.full(N, 0.5),
            "crisis_distraction": np.full(N, 0.5), "election_year_drag": np.full(N, 0.5),
            "legacy_drive": np.full(N, 0.5), "alliance_coordination": np.full(N, 0.5)}
    return {**base, **kw}


def test_demanding_substantial_disarmament_never_grants_relief_short_of_it(trump_oh):
    """A Washington asking substantial disarmament first grants no relief to a lesser offer."""
    sc = with_values(trump_oh, {"washington.relief_precondition": "substantial_disarmament",
                                "washington.no_reelection_pressure": False,
                                "pyongyang.max_concession": [0.0, 0.9]})
    model = NegotiationModel(scenario=sc, seeds=run_seeds(2, range(N)), narrate=False).run()
    out = model.outcomes()
    assert out["talks_resumed"].mean() > 0.3  # talks happen...
    assert not out["relief_granted"].any()  # ...but never relief
    assert not out["freeze_deal"].any()


def test_relief_follows_once_pyongyang_meets_the_precondition(trump_oh):
    sc = with_values(trump_oh, {"washington.relief_precondition": "substantial_disarmament",
                                "washington.no_reelection_pressure": False,
                                "pyongyang.max_concession": 1.0})
    out = NegotiationModel(scenario=sc, seeds=run_seeds(2, range(N)), narrate=False).run()
    assert out.outcomes()["relief_granted"].mean() > 0.05


def test_deal_needs_overlap_on_the_ladder():
    dprk = {"max_concession": np.array([0.25, 0.25, 0.5, 1.0])}
    none = np.zeros(4)
    for word, expected in [("fissile_freeze", [1, 1, 1, 1]),
                           ("nuclear_and_missile_freeze", [0, 0, 1, 1]),
                           ("substantial_disarmament", [0, 0, 0, 1])]:
        got = R.deal_possible({"relief_precondition": word, "sanctions_linkage": "nuclear_only"},
                              dprk, none)
        assert got.tolist() == [bool(x) for x in expected], word
    # a bold move lowers the bar by one rung
    bold = np.full(4, 0.15)
    got = R.deal_possible({"relief_precondition": "nuclear_and_missile_freeze",
                           "sanctions_linkage": "nuclear_only"}, dprk, bold)
    assert got.tolist() == [True, True, True, True]


@pytest.mark.parametrize("line,icbm,nuclear,cap,expected", [
    ("none", 1, 1, 1.0, False),
    ("icbm", 1, 0, 0.0, True),
    ("icbm", 0, 0, 1.0, False),
    ("nuclear_test", 1, 0, 1.0, False),
    ("nuclear_test", 0, 1, 0.0, True),
    ("multiple_warhead_icbm", 1, 0, 0.5, False),
    ("multiple_warhead_icbm", 1, 0, 0.9, True),
])
def test_red_lines(line, icbm, nuclear, cap, expected):
    got = R.red_line_breached({"red_line": line}, np.array([icbm]), np.array([nuclear]),
                              np.array([cap]))
    assert bool(got[0]) is expected


def test_red_line_breach_ends_talks_where_the_stance_says_so(trump_oh):
    """A breach in talks always leads to collapse; with no red line there is no breach."""
    seeds = run_seeds(8, range(N))
    for line, must_collapse in (("icbm", True), ("none", False)):
        sc = with_values(trump_oh, {"washington.red_line": line, "pyongyang.icbm_share": 0.5,
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


def test_acceptance_rises_with_us_flexibility():
    u = np.random.default_rng(0).random(N)
    st = {"attitude_threshold": np.full(N, 0.5)}
    offer = np.ones(N, bool)
    rates = [R.accepts_talks(u, st, offer, np.full(N, f), np.zeros(N), np.zeros(N)).mean()
             for f in (0.2, 0.45, 0.5, 0.55, 0.8)]
    assert rates == sorted(rates)
    assert rates[0] < 0.05 and rates[-1] > 0.95
    assert rates[2] == pytest.approx(0.5, abs=4 * 0.5 / np.sqrt(N))
    # no offer, no talks
    assert not R.accepts_talks(u, st, ~offer, np.ones(N), np.zeros(N), np.zeros(N)).any()


def test_flexibility_follows_the_precondition_ladder():
    values = [R.us_flexibility(_us(relief_precondition=w), np.zeros(1), np.zeros(1))[0]
              for w in LADDER]
    assert values == sorted(values, reverse=True)


def test_no_bold_moves_under_reelection_pressure():
    talks = np.full(N, R.Talks.WORKING)
    u = np.zeros(N)
    assert not R.bold_move(u, _us(no_reelection_pressure=False), talks, np.ones(N)).any()
    assert R.bold_move(u, _us(no_reelection_pressure=True), talks, np.ones(N)).all()


def test_military_option_only_when_kept_open():
    u = np.zeros(N)
    breach, nuc = np.ones(N, bool), np.zeros(N, int)
    assert not R.military_response(u, _us(military_option=False), breach, nuc).any()
    assert R.military_response(u, _us(military_option=True), breach, nuc).all()
    # an ICBM test below the red line is no trigger; a nuclear test is
    assert not R.military_response(u, _us(military_option=True), ~breach, nuc).any()
    assert R.military_response(u, _us(military_option=True), ~breach, nuc + 1).all()


def test_sanctions_policies():
    talks = np.array([R.Talks.NO_CONTACT, R.Talks.WORKING])
    deal = np.zeros(2, bool)
    assert (R.sanctions_change(_us(sanctions_policy="tighten"), talks, deal) > 0).all()
    assert (R.sanctions_change(_us(sanctions_policy="hold"), talks, deal) == 0).all()
    eased = R.sanctions_change(_us(sanctions_policy="ease_with_progress"), talks, deal)
    assert eased[0] == 0 and eased[1] < 0


def test_election_year_drags_only_first_terms():
    st = _us(crisis_distraction=np.zeros(1), election_year_drag=np.full(1, 0.5))
    assert R.attention(st, np.zeros(1), 40, 48)[0] == pytest.approx(0.5)
    assert R.attention(st, np.zeros(1), 20, 48)[0] == pytest.approx(1.0)
    st2 = {**st, "no_reelection_pressure": True}
    assert R.attention(st2, np.zeros(1), 40, 48)[0] == pytest.approx(1.0)


def test_missile_counts_follow_the_calibrated_form():
    rng = np.random.default_rng(1)
    n = 200_000
    rate, mean = 0.37, 3.08
    tests = R.missile_tests(rng.random(n), rng.random(n), np.full(n, rate), np.full(n, mean))
    # share of test months: sd = sqrt(p(1-p)/n) ~ 0.0011; allow 5 sd
    assert (tests > 0).mean() == pytest.approx(rate, abs=0.0055)
    # mean count in a test month: geometric sd ~ 2.5, n ~ 74,000 -> se ~ 0.01; allow 5 se
    assert tests[tests > 0].mean() == pytest.approx(mean, abs=0.05)


def test_classification_is_the_inverse_binomial():
    rng = np.random.default_rng(2)
    u, n, p = rng.random(50_000), rng.integers(0, 15, 50_000), rng.random(50_000) * 0.5
    k = R._binomial_inverse(u, n, p)
    assert np.array_equal(k, stats.binom.ppf(u, n, p).astype(int))


def test_talks_state_machine_transitions():
    T = R.Talks  # noqa: N806 - short alias for the state names
    talks = np.array([T.NO_CONTACT, T.NO_CONTACT, T.WORKING, T.WORKING, T.SUMMIT, T.AGREEMENT,
                      T.COLLAPSE, T.WORKING])
    f = np.zeros(8, bool)

    def flag(*idx):
        out = f.copy()
        out[list(idx)] = True
        return out

    new = R.advance_talks(talks, opened=flag(0), summit_invite=flag(1),
                          to_summit=flag(2), to_deal=flag(4), breach=flag(5),
                          derail=flag(3), walkout=f, deal_broken=f)
    assert [T(x) for x in new] == [T.WORKING, T.SUMMIT, T.SUMMIT, T.COLLAPSE, T.AGREEMENT,
                                   T.COLLAPSE, T.NO_CONTACT, T.WORKING]
