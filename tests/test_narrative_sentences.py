"""The chronicle's offer sentences say that Pyongyang's answer is a draw."""

from __future__ import annotations

import pytest

from parley.narrative import offer_sentence


@pytest.mark.parametrize(("accepted", "flexibility", "start", "extra"), [
    (True, 0.43, "Washington offers working-level talks and Pyongyang accepts (", None),
    (True, 0.40, "Washington offers working-level talks and Pyongyang accepts although",
     "falls short"),
    (False, 0.43, "Washington offers talks; Pyongyang refuses (", None),
    (False, 0.40, "Washington offers talks; Pyongyang refuses, seeing too little", "too little"),
])
def test_offer_sentence_says_the_answer_is_a_draw(accepted, flexibility, start, extra):
    text = offer_sentence(accepted, flexibility, 0.42)
    assert text.startswith(start)
    assert f"US flexibility {flexibility:.2f} against its threshold 0.42" in text
    assert "draw" in text
    # the short-of-threshold remark appears exactly when flexibility is below the threshold
    assert ("falls short" in text or "too little" in text) == (extra is not None)


def test_chronicle_uses_the_offer_sentence(trump_oh):
    from parley.model import NegotiationModel

    model = NegotiationModel(scenario=trump_oh, seed=1).run()
    offers = [ln for ln in model.narrator.lines() if "offers" in ln and "Pyongyang" in ln]
    assert offers and all("its answer is a draw" in ln for ln in offers)
