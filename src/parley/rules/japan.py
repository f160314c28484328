"""Tokyo as an ally with rules of its own (the ``japan`` role).

Beyond what any ally does (``rules/allies.py``: dialogue, lobbying), Tokyo

* **answers tests with pressure**: after a month with a North Korean missile or nuclear
  test it adds sanctions of its own and pushes at the UN for more (``pressure_push``).
  The record: after the nuclear test of 2006-10-09 Tokyo decided a ban on all North
  Korean imports and port calls on 2006-10-11, without waiting for the UN, and backed a
  Council resolution; after the nuclear test of 2016-01-06 and the launch of
  2016-02-07 it restored and widened its measures on 2016-02-10 (in force 2016-02-19)
  and pressed with Washington for a UN resolution.  The size of each step is ours.
* **presses the abductions issue on Washington** (``abductions_precondition``): Tokyo
  asks that any deal settle the abductions of Japanese citizens.  The record: Abe
  asked Trump to raise the abductions with Kim before Singapore (Mar-a-Lago,
  2018-04-17, where the two also agreed to keep maximum pressure) and Trump said he
  did at the summit (2018-06-12) and again at Hanoi (2019-02-27/28).  As a rule: a
  drag on Washington's flexibility, weighted by how much
  Tokyo is consulted and how closely Washington coordinates; the size is ours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from parley.rules.constants import Constants, Stance, Value, clip, constant


@dataclass(frozen=True)
class JapanConstants(Constants):
    test_sanctions_step: Value = constant(
        0.03, 0.0, 0.1,
        "Rise of nominal sanctions after a month with a test when Tokyo pushes at full "
        "strength (pressure_push 1).",
        "Record: Japan's own sanctions after the tests, 2006-10-11 and 2016-02-10; size ours")
    abductions_drag: Value = constant(
        0.1, 0.0, 0.3,
        "Drag on Washington's flexibility when Tokyo presses the abductions issue at full "
        "consultation and coordination.",
        "Record: Abe pressed Trump on the abductions before Singapore (2018-04-17); size ours")


STREAMS: dict[str, tuple[str, ...]] = {}


def after_tests(st: Stance, c: JapanConstants, sanctions: np.ndarray,
                tests: np.ndarray, nuclear: np.ndarray) -> np.ndarray:
    """Nominal sanctions after Tokyo's answer to this month's tests (up to full sanctions)."""
    tested = (np.asarray(tests) > 0) | (np.asarray(nuclear) > 0)
    return clip(sanctions + c.test_sanctions_step * st["pressure_push"] * tested, 0.0, 1.0)


def abductions_push(st: Stance, us: Stance, c: JapanConstants) -> Value:
    """Tokyo's lobbying against flexibility over the abductions (negative, or 0 when off).

    Added to the allies' push on Washington's flexibility (``rules.allies.ally_push``).
    """
    if not st["abductions_precondition"]:
        return 0.0
    return -c.abductions_drag * st["consultation"] * us["alliance_coordination"]


#: what the chronicle says when a rule of this family fires (parley.narrative)
SAYS = {
    "pressure": "{name} answers the test with sanctions of its own.",
}
