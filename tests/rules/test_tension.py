"""Every rule does what docs/MODEL.md says: tension (parley.rules.tension).

Rules are called with small hand-built arrays and the declared constants (``C``);
where a constant matters the test reads it, so a changed default does not break the
test but a flipped term does.
"""

from __future__ import annotations

import numpy as np
import pytest
from rulekit import C

from parley.rules import (
    tension,
)


def test_tension_terms_point_the_documented_way():
    one = np.ones(1)
    z, zb = np.zeros(1), np.zeros(1, bool)
    base = tension.update_tension(one * 0.5, C.tension, z, z, z, zb, zb, zb, zb)[0]
    assert base == pytest.approx(0.5 * C.value("tension_retention") + C.value("tension_drift"))
    for kw, sign in [
        ("tests", +1),
        ("icbm", +1),
        ("nuclear", +1),
        ("talking", -1),
        ("dialogue", -1),
        ("bold", -1),
    ]:
        args = {"tests": z, "icbm": z, "nuclear": z, "talking": zb, "dialogue": zb, "bold": zb}
        args[kw] = one.astype(bool) if kw in ("talking", "dialogue", "bold") else one
        got = tension.update_tension(one * 0.5, C.tension, military=zb, **args)[0]
        assert sign * (got - base) > 0, kw
    assert tension.update_tension(z, C.tension, z, z, z, zb, zb, zb, one.astype(bool))[0] == 1.0
    assert tension.update_tension(one, C.tension, one * 50, z, z, zb, zb, zb, zb)[0] == 1.0
