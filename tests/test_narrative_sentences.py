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
