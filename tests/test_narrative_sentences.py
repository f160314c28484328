"""The chronicle's offer sentences: accepted, willing but not this month (a draw), refused."""

from __future__ import annotations

import pytest

from parley.narrative import offer_sentence


@pytest.mark.parametrize(("accepted", "margin", "start", "draw"), [
    (True, 0.12, "Washington offers talks and Pyongyang accepts (", False),
    (False, 0.12, "Washington offers talks; Pyongyang is willing (", True),
    (False, 0.0, "Washington offers talks; Pyongyang is willing (", True),
    (False, -0.3, "Washington offers talks; Pyongyang refuses: talks offer it less", False),
])
def test_offer_sentence_says_when_the_answer_is_a_draw(accepted, margin, start, draw):
    text = offer_sentence(accepted, margin, 0.42)
    assert text.startswith(start)
    assert f"engagement margin {margin:+.2f}, threshold 0.42" in text
    # only a willing Pyongyang's refusal is a draw; an acceptance or a refusal below zero is not
    assert ("a draw" in text) == draw


def test_chronicle_uses_the_offer_sentence(trump_oh):
    from parley.model import NegotiationModel

    model = NegotiationModel(scenario=trump_oh, seed=1).run()
    offers = [ln for ln in model.narrator.lines() if "offers talks" in ln]
    assert offers and all("engagement margin" in ln for ln in offers)


def _told_and_done(scenario, seed: int):
    """The chronicle of one world, and per month what the optional roles did in it."""
    from parley.model import NegotiationModel
    from parley.narrative import Narrator

    done: list[tuple[bool, bool]] = []
    month = Narrator.month

    def watched(self, old):
        acts = self.model.acts
        done.append((any(w[self.i] for _, w in acts.shields),
                     any(w[self.i] for _, w in acts.test_answers)))
        month(self, old)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Narrator, "month", watched)
        model = NegotiationModel(scenario=scenario, seed=seed).run()
    return model.narrator.entries, done


def test_the_chronicle_tells_moscow_shielding_and_tokyo_answering_tests():
    """Moscow's veto is told the month it begins (beside which spoiler), Tokyo's sanctions
    every month they answer a test; a scenario without them never tells either."""
    from parley.scenario_files import load_scenario

    scenario = load_scenario("parley:examples/biden_moscow_tokyo.yaml")
    entries, done = _told_and_done(scenario, seed=1)
    shield = ["Security Council" in " ".join(e.sentences) for e in entries]
    answer = ["sanctions of its own" in " ".join(e.sentences) for e in entries]
    began = [now and not (k and done[k - 1][0]) for k, (now, _) in enumerate(done)]
    assert shield == began and any(shield)
    assert answer == [a for _, a in done] and any(answer)
    told = next(" ".join(e.sentences) for e, s in zip(entries, shield, strict=True) if s)
    assert "Moscow sides with Beijing in the Security Council" in told
    assert "Beijing turns spoiler" in told  # the spoiler Moscow sides with

    plain, _ = _told_and_done(load_scenario("parley:biden"), seed=1)
    text = " ".join(" ".join(e.sentences) for e in plain)
    assert "Security Council" not in text and "sanctions of its own" not in text
