"""Every rule does what docs/MODEL.md says: rules through the whole model, on common random numbers.

Rules are called with small hand-built arrays and the declared constants (``C``);
where a constant matters the test reads it, so a changed default does not break the
test but a flipped term does.
"""

from __future__ import annotations

from rulekit import N

from parley import NegotiationModel
from parley.randomness import run_seeds
from parley.rules import talks as talks_rules
from parley.scenario import with_values


def test_demanding_substantial_disarmament_never_grants_relief_short_of_it(trump_oh):
    """A Washington asking substantial disarmament first grants no relief to a lesser offer."""
    sc = with_values(
        trump_oh,
        {
            "washington.relief_precondition": "substantial_disarmament",
            "washington.no_reelection_pressure": False,
            "pyongyang.attitude_threshold": 0.0,
            "pyongyang.max_concession": [0.0, 0.7],
        },
    )
    model = NegotiationModel(scenario=sc, seeds=run_seeds(2, range(N)), narrate=False).run()
    out = model.outcomes()
    assert out["talks_resumed"].mean() > 0.3  # talks happen...
    assert not out["relief_granted"].any()  # ...but never relief
    assert not out["freeze_deal"].any()


def test_relief_follows_once_pyongyang_meets_the_precondition(trump_oh):
    sc = with_values(
        trump_oh,
        {
            "washington.relief_precondition": "substantial_disarmament",
            "washington.no_reelection_pressure": False,
            "pyongyang.attitude_threshold": 0.0,
            "pyongyang.max_concession": 1.0,
        },
    )
    out = NegotiationModel(scenario=sc, seeds=run_seeds(2, range(N)), narrate=False).run()
    assert out.outcomes()["relief_granted"].mean() > 0.05


def test_red_line_breach_ends_talks_where_the_stance_says_so(trump_oh):
    """A breach in talks always leads to collapse; with no red line there is no breach."""
    seeds = run_seeds(8, range(N))
    for line, must_collapse in (("icbm", True), ("none", False)):
        sc = with_values(
            trump_oh,
            {
                "washington.red_line": line,
                "pyongyang.icbm_share": 0.5,
                "pyongyang.attitude_threshold": 0.0,
                "pyongyang.restraint_in_talks": 0.0,
            },
        )
        model = NegotiationModel(scenario=sc, seeds=seeds, narrate=False)
        breaches_in_talks = 0
        while model.running:
            before = model.state.talks.copy()
            model.step()
            hit = talks_rules.in_talks(before) & (model.acts.icbm > 0)
            breaches_in_talks += int(hit.sum())
            collapsed = model.state.talks[hit] == talks_rules.Talks.COLLAPSE
            if must_collapse:
                assert collapsed.all()
            else:
                assert not model.acts.breach.any()
        assert breaches_in_talks > 50


# Every stochastic rule fires when its uniform draw u is *below* its probability, so a
# probability of 0 never fires, even on the smallest draw numpy can give (u = 0.0).
