"""Patrons: enforcement, spoiling, press (parley.rules.patrons):
every rule does what docs/MODEL.md says.

Rules are called with small hand-built arrays and the declared constants (``C``);
where a constant matters the test reads it, so a changed default does not break the
test but a flipped term does.
"""

from __future__ import annotations

import numpy as np
import pytest
from rulekit import C, T, _arr, _us

from parley.rules import (
    patrons,
)


def test_patron_spoiling_enforcement_lifeline_and_press():
    st = {"spoiler_threshold": 0.6, "enforcement": 0.9, "influence": 0.8, "phased_affinity": 0.5}
    spoiler = patrons.is_spoiler(st, _arr(0.5, 0.7))
    assert spoiler.tolist() == [False, True]
    idle = np.zeros(2, np.int64)
    share = patrons.enforcement_share(st, C.patrons, spoiler, idle)
    assert share == pytest.approx([0.9, 0.9 * C.value("spoiler_enforcement_share")])
    assert patrons.enforcement_share(
        st, C.patrons, spoiler, np.full(2, T.WORKING)
    ) == pytest.approx([0.9, 0.9])
    dent = patrons.unenforced(st, C.patrons, spoiler, idle)
    assert dent[1] < dent[0] < 0
    assert patrons.lifeline(st, spoiler).tolist() == [0.0, 0.8]
    press = patrons.presses_pyongyang(
        st, _us(sequencing="phased", peace_regime_goal=True), C.patrons, spoiler
    )
    assert (
        press[0]
        == pytest.approx(
            0.8
            * 0.5
            * (C.value("press_phased_fit") + C.value("press_peace_fit"))
            * C.value("press_scale")
        )
        and press[1] == 0
    )
    assert not patrons.presses_pyongyang(
        st, _us(sequencing="all_upfront"), C.patrons, spoiler
    ).any()
    plain = patrons.presses_pyongyang(st, _us(sequencing="phased"), C.patrons, spoiler)
    assert 0 < plain[0] < press[0]
