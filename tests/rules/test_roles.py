"""The role registry (parley.params.ROLE_DECLS): every role is declared once and the
model steps whatever is declared; Moscow's and Tokyo's own rules move the whole model
the way docs/MODEL.md says, on common random numbers."""

from __future__ import annotations

import numpy as np
from rulekit import N

from parley import NegotiationModel, rules
from parley import agents as A
from parley import params as P
from parley.randomness import run_seeds
from parley.scenario import build_scenario, with_values
from parley.worlds import Worlds


def test_every_declared_role_has_its_class_and_rules_family():
    assert list(A.ROLE_CLASSES) == list(P.ROLE_DECLS) == list(P.ROLES)
    families = {f.__name__.rsplit(".", 1)[-1] for f in rules.FAMILIES}
    for name, decl in P.ROLE_DECLS.items():
        cls = A.ROLE_CLASSES[name]
        assert cls.__name__ == decl.agent and cls.role == name
        assert decl.rules in families, name
        assert set(decl.cited) <= {p.name for p in decl.stances}
        assert all(k in P.NEUTRAL for k in decl.cited)  # an off value to fall back on
    # Moscow and Tokyo keep everything their base role has, and add their own fields
    assert P.ROLES["russia"][:len(P.PATRON)] == P.PATRON
    assert P.ROLES["japan"][:len(P.ALLY)] == P.ALLY
    assert issubclass(A.Russia, A.Patron) and issubclass(A.Japan, A.Ally)


def _with_actor(scenario, name, body):
    raw = dict(scenario.resolved)
    raw["actors"] = {**raw["actors"], name: body}
    return build_scenario(raw)


def _stances(table, **values):
    out = {}
    for p in table:
        v = values.get(p.name, False if isinstance(p, P.Flag) else p.low)
        out[p.name] = {"value": v, "assumption": "a test value, no text behind it"}
    return out


def test_a_new_role_joins_the_month_without_touching_the_schedule(trump_oh, monkeypatch):
    """Register a toy role the way a new one would be (a declaration, a class): the model
    builds and steps it each month, after the roles declared before it."""
    calls = []

    class Observer(A.Actor):
        role = "observer"

        def step(self):
            calls.append((self.model.month, self.model.acts.tests is not None))

    table = (P.Real("watchfulness", 0.0, 1.0, "How closely it watches (a test role)."),)
    monkeypatch.setitem(P.ROLE_DECLS, "observer",
                        P.Role("observer", table, "Observer", "world", "A test role."))
    monkeypatch.setitem(P.ROLES, "observer", table)
    monkeypatch.setitem(A.ROLE_CLASSES, "observer", Observer)
    sc = _with_actor(trump_oh, "oslo", {"role": "observer", **_stances(table)})
    model = NegotiationModel(scenario=sc, seeds=run_seeds(1, range(3)), narrate=False).run()
    assert [m for m, _ in calls] == list(range(1, model.horizon + 1))
    assert model.order[-1].name == "oslo"
    # the Mesa model steps it as a Mesa agent, registered; the kernel as the plain class
    assert isinstance(model.order[-1], Observer) and model.order[-1] in model.agents
    kernel = Worlds(sc, run_seeds(1, range(3)), narrate=False).run()
    assert type(kernel.order[-1]) is Observer
    assert [m for m, _ in calls] == 2 * list(range(1, model.horizon + 1))


def test_a_cited_field_that_turns_a_mechanism_on_must_cite(trump_oh):
    body = {"role": "russia", **_stances(P.ROLES["russia"], council_shield=0.5)}
    body["council_shield"]["range"] = [0.4, 0.6]
    problems = _with_actor(trump_oh, "moscow2", body).provenance_problems
    assert [p for p in problems if "moscow2.council_shield" in p and "must cite" in p]
    body["council_shield"]["value"] = 0.0  # off: an assumption will do
    body["council_shield"]["range"] = [0.0, 0.0]
    assert not [p for p in _with_actor(trump_oh, "moscow2", body).provenance_problems
                if "moscow2" in p and "must cite" in p]


def _run(sc, seeds):
    return NegotiationModel(scenario=sc, seeds=seeds, narrate=False).run().outcomes()


def test_moscow_shield_lowers_pressure_only_beside_a_spoiling_beijing(trump_oh):
    seeds = run_seeds(11, range(N // 4))
    on = {"moscow.council_shield": 0.8, "moscow.treaty_lifeline": 0.0}
    off = {**on, "moscow.council_shield": 0.0}
    spoils = {"beijing.spoiler_threshold": 0.0}  # Beijing spoils every month
    loyal = {"beijing.spoiler_threshold": 1.0, "world.us_china_tension": 0.3,
             "world.us_china_drift": 0.0, "shocks.us_china_shock_rate": 0.0}
    shielded = _run(with_values(trump_oh, {**spoils, **on}), seeds)
    plain = _run(with_values(trump_oh, {**spoils, **off}), seeds)
    diff = shielded["final_sanctions_pressure"] - plain["final_sanctions_pressure"]
    assert diff.mean() < -0.02  # (paths diverge after, so not every world falls)
    calm = _run(with_values(trump_oh, {**loyal, **on}), seeds)
    calm_off = _run(with_values(trump_oh, {**loyal, **off}), seeds)
    assert np.array_equal(calm["final_sanctions_pressure"], calm_off["final_sanctions_pressure"])


def test_moscow_treaty_lowers_pressure_and_pyongyangs_interest_in_talks(trump_oh):
    seeds = run_seeds(12, range(N // 2))
    base = {"moscow.council_shield": 0.0}
    treaty = _run(with_values(trump_oh, {**base, "moscow.treaty_lifeline": 1.0}), seeds)
    none = _run(with_values(trump_oh, {**base, "moscow.treaty_lifeline": 0.0}), seeds)
    assert treaty["final_sanctions_pressure"].mean() < none["final_sanctions_pressure"].mean()
    assert treaty["engaged"].mean() < none["engaged"].mean()


def _with_tokyo(trump_oh, **values):
    table = P.ROLES["japan"]
    body = {"role": "japan", **_stances(table, consultation=0.8, **values)}
    for k, v in values.items():
        if isinstance(v, float) and v > 0:
            body[k] = {"value": v, "reading": {"text": "outside", "section": "a test record",
                                               "says": "a test passage long enough",
                                               "why": "for the test", "date": "2016-02-10"}}
        elif isinstance(v, bool) and v:
            body[k] = {"value": v, "source": {"text": "outside", "section": "a test record",
                                              "says": "a test passage long enough",
                                              "date": "2018-06-12"}}
    return _with_actor(trump_oh, "tokyo", body)


def test_tokyo_raises_pressure_after_tests(trump_oh):
    seeds = run_seeds(13, range(N // 4))
    sc = with_values(trump_oh, {"washington.sanctions_policy": "hold"})
    pushed = _run(_with_tokyo(sc, pressure_push=1.0), seeds)
    idle = _run(_with_tokyo(sc, pressure_push=0.0), seeds)
    diff = pushed["final_sanctions_pressure"] - idle["final_sanctions_pressure"]
    assert diff.mean() > 0.01


def test_tokyo_abductions_issue_lowers_engagement(trump_oh):
    seeds = run_seeds(14, range(N))
    sc = with_values(trump_oh, {"washington.alliance_coordination": 1.0})
    pressed = _run(_with_tokyo(sc, abductions_precondition=True), seeds)
    quiet = _run(_with_tokyo(sc, abductions_precondition=False), seeds)
    assert pressed["engaged"].mean() < quiet["engaged"].mean()
