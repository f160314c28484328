"""Sanctions: Washington's policy month to month, relief granted with a deal or as a bold
move (and when it lapses, is renewed or snaps back), evasion, and pressure as enforced."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from parley.rules.constants import Constants, Stance, Value, clip, constant
from parley.rules.talks import TalksCode, in_talks


@dataclass(frozen=True)
class SanctionsConstants(Constants):
    tighten_step: Value = constant(
        0.02, 0.005, 0.05,
        "Monthly rise of nominal sanctions under a tightening policy (no deal in force).")
    ease_step: Value = constant(
        0.01, 0.0, 0.03,
        "Monthly fall of nominal sanctions while talks run under an easing policy.")
    bold_relief: Value = constant(
        0.15, 0.05, 0.3, "Sanctions eased by a unilateral bold relief move (half a partial deal).")
    relief_partial: Value = constant(0.3, 0.1, 0.5,
                                     "Sanctions eased by partial, time-limited relief.")
    relief_targeted: Value = constant(0.3, 0.1, 0.5,
                                      "Sanctions eased by targeted, reversible relief.")
    relief_package: Value = constant(0.6, 0.3, 0.9, "Sanctions eased by a package deal.")
    relief_renewal_months: Value = constant(
        12, 6, 24, "Months after which time-limited (or unilateral) relief comes up for renewal.")
    broad_linkage_relief_share: Value = constant(
        0.5, 0.25, 1.0,
        "Share of deal relief actually lifted when sanctions are also tied to other issues.")
    breach_sanctions: Value = constant(0.1, 0.0, 0.2, "Sanctions added after a red-line breach.")
    evasion_base: Value = constant(
        0.5, 0.0, 1.0,
        "Evasion growth factor at zero pressure (it grows faster under pressure).")


STREAMS: dict[str, tuple[str, ...]] = {}

RELIEF_SIZE = {"partial_time_limited": "relief_partial",
               "targeted_reversible": "relief_targeted", "package": "relief_package"}


def sanctions_change(st: Stance, c: SanctionsConstants, talks: np.ndarray,
                     deal: np.ndarray) -> np.ndarray:
    """Monthly change of nominal sanctions under Washington's sanctions policy.

    Yeo, 'Centrist': Biden backs tighter sanctions, Bloomberg would not add
    any; Yeo, 'Progressive': Sanders and Warren would not tighten.  Step sizes:
    assumption.
    """
    policy = st["sanctions_policy"]
    if policy == "tighten":
        return np.where(deal, 0.0, 0.0 + c.tighten_step)
    if policy == "ease_with_progress":
        return np.where(in_talks(talks), 0.0 - c.ease_step, 0.0)
    return np.zeros_like(talks, dtype=float)


def relief_on_offer(us: Stance, c: SanctionsConstants) -> Value:
    """Sanctions a deal would lift: the size of the relief form, less under broad linkage.

    Yeo, 'Progressive': partial, time-limited relief (Warren) against a package
    (Yeo, 'Trump'); Bloomberg ties sanctions also to human rights and cyber.
    """
    size = getattr(c, RELIEF_SIZE[us["relief_form"]])
    return size * (c.broad_linkage_relief_share if us["sanctions_linkage"] == "broad"
                   else 1.0)


def relief_lapses(us: Stance, c: SanctionsConstants, relief: np.ndarray, deal: np.ndarray,
                  months: np.ndarray, tests_since: np.ndarray) -> np.ndarray:
    """Whether relief in force runs out this month.

    Yeo, 'Progressive': Warren offers partial, time-limited relief for a
    verifiable freeze.  Time-limited relief, and any relief with no deal in
    force (a unilateral bold relief), comes up for renewal every
    ``relief_renewal_months``; it is renewed only under a deal in force with no
    missile test since it was granted (assumption).
    """
    due = relief & (months >= c.relief_renewal_months)
    if us["relief_form"] != "partial_time_limited":  # else every relief is time-limited
        due &= ~deal
    return due & ~(deal & (tests_since == 0))


def evasion_growth(st: Stance, c: SanctionsConstants, evasion: np.ndarray,
                   pressure: np.ndarray) -> np.ndarray:
    """Growth of sanctions evasion; faster under heavier pressure.

    Oh, 'Third', citing the UN Panel of Experts (Aug 2020): evasion through
    illicit maritime trade of oil and coal and through cyber theft.
    """
    return st["evasion_growth"] * (c.evasion_base + pressure) * (1.0 - evasion)


def effective_pressure(sanctions: np.ndarray, evasion: np.ndarray,
                       enforcement_loss: Value) -> np.ndarray:
    """Effective pressure: nominal sanctions, as enforced by patrons, less evasion.

    Oh, 'Third' (evasion) and 'Second' (China's enforcement); Early (2015):
    sanctions fail when third parties keep trading with the target.
    """
    return sanctions * clip(1.0 + enforcement_loss, 0.0, 1.0) * (1.0 - evasion)


def after_breach(sanctions: np.ndarray, c: SanctionsConstants,
                 breach: np.ndarray) -> np.ndarray:
    """Sanctions added after a red-line breach (``breach_sanctions``), up to full sanctions."""
    return clip(sanctions + c.breach_sanctions * breach, 0.0, 1.0)


def _months_into_renewal(months: np.ndarray, renewal: Value, held: np.ndarray) -> np.ndarray:
    """``np.where(held, months % renewal, 0)``, the remainder taken only where it may not
    be ``months`` itself (outside 0 < months < renewal: a renewal month, or none yet)."""
    out = np.where(held, months, 0).astype(np.result_type(months, renewal), copy=False)
    wraps = held & ((months <= 0) | (months >= renewal))
    return np.remainder(months, renewal, out=out, where=wraps)


@dataclass
class ReliefState:
    """The sanctions-relief variables of every world (arrays over worlds)."""

    sanctions: np.ndarray
    deal: np.ndarray
    relief: np.ndarray
    relief_size: np.ndarray
    relief_months: np.ndarray
    tests_since_relief: np.ndarray


@dataclass(frozen=True)
class ReliefMonth:
    """This month's relief moves, per world."""

    new_deal: np.ndarray
    bold_relief: np.ndarray
    snap_back: np.ndarray
    lapse: np.ndarray


def settle_relief(r: ReliefState, us: Stance, c: SanctionsConstants, *, talks: np.ndarray,
                  old: np.ndarray, bold: np.ndarray, bold_kind: np.ndarray,
                  tests: np.ndarray) -> ReliefMonth:
    """Relief: granted with a deal or as a bold move; lapses, renews or snaps back (in place).

    A new freeze deal lifts the relief on offer; a bold relief move (Oh,
    'First') lifts ``bold_relief`` without a deal.  A collapse ends the deal,
    and reversible relief (all but a package under a deal) snaps back;
    time-limited or unilateral relief lapses unless renewed.
    """
    new_deal = (talks == TalksCode.AGREEMENT) & (old != TalksCode.AGREEMENT)
    bold_relief = bold & (bold_kind == 0) & ~(r.relief | new_deal)
    granted = new_deal | bold_relief
    size = np.where(new_deal, relief_on_offer(us, c), c.bold_relief)
    r.deal |= new_deal
    r.relief_size = np.where(granted, r.relief_size * r.relief + size, r.relief_size)
    r.sanctions = np.where(granted, np.maximum(r.sanctions - size, 0.0), r.sanctions)
    r.relief |= granted
    r.relief_months = np.where(granted, 0, r.relief_months + r.relief)
    r.tests_since_relief = np.where(granted, 0, r.tests_since_relief) + tests
    ended = (talks == TalksCode.COLLAPSE) & (r.deal | r.relief)
    snap_back = ended & r.relief
    if us["relief_form"] == "package":  # a package under a deal stays (else all snaps back)
        snap_back &= ~r.deal
    lapse = relief_lapses(us, c, r.relief & ~ended, r.deal, r.relief_months,
                          r.tests_since_relief)
    back = snap_back | lapse
    r.sanctions = np.where(back, np.minimum(r.sanctions + r.relief_size, 1.0), r.sanctions)
    r.relief_months = _months_into_renewal(r.relief_months, c.relief_renewal_months,
                                           r.relief & ~back)
    r.deal &= ~ended
    r.relief &= ~(ended | back)
    return ReliefMonth(new_deal, bold_relief, snap_back, lapse)


#: what the chronicle says when a rule of this family fires (parley.narrative)
SAYS = {
    "snap_back": "Relief is reversed: sanctions snap back.",
    "lapse": "Time-limited relief lapses without renewal: sanctions return.",
    "deal": "A freeze deal is struck; Washington grants {form} sanctions relief.",
}
