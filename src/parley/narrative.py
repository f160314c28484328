"""Plain-sentence account of one world's months, for ``parley chronicle`` and the viz log."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from parley.rules import (
    allies,
    engagement,
    japan,
    patrons,
    provocation,
    ripeness,
    russia,
    sanctions,
)
from parley.rules import talks as talk_rules
from parley.rules.talks import Talks, in_talks
from parley.rules.washington import BOLD_MOVES

if TYPE_CHECKING:
    from parley.worlds import Worlds

TALKS_WORDS = {
    Talks.NO_CONTACT: "no contact",
    Talks.WORKING: "working-level talks",
    Talks.SUMMIT: "summit diplomacy",
    Talks.AGREEMENT: "freeze agreement in force",
    Talks.COLLAPSE: "talks collapsed",
}


@dataclass
class MonthEntry:
    month: int
    label: str
    sentences: list[str] = field(default_factory=list)
    levels: str = ""

    def text(self) -> str:
        body = " ".join(self.sentences) if self.sentences else "Nothing moves."
        return f"{self.label} (month {self.month:2d}) {body} [{self.levels}]"


class Narrator:
    """Turns world ``index``'s moves each month into sentences saying who did what and why."""

    def __init__(self, model: Worlds, index: int = 0):
        self.model = model
        self.i = index
        self.entries: list[MonthEntry] = []
        self._pending: list[str] = []
        self._reactions: list[str] = []  # conditions met this month: told after what they answer
        self._spoiler: dict[str, bool] = {}
        self._shield: dict[str, bool] = {}

    def event(self, event: Any) -> None:
        changes = ", ".join(f"{k} = {v}" for k, v in event.set.items())
        self._pending.append(f"Scheduled: {event.actor.capitalize()}: {event.note} ({changes}).")

    def condition(self, cond: Any, worlds: Any) -> None:
        if worlds[self.i]:
            changes = ", ".join(f"{k} = {v}" for k, v in cond.set.items())
            what = cond.when.kind.replace("_", " ")
            self._reactions.append(f"In answer ({what}), from next month: "
                                   f"{cond.actor.capitalize()}: {cond.note} ({changes}).")

    def month(self, old: Any) -> None:
        m, a, s, i = self.model, self.model.acts, self.model.state, self.i
        out = self._pending
        self._pending = []
        if a.crisis_started[i]:
            out.append("A crisis elsewhere takes Washington's attention "
                       f"for {int(s.crisis_left[i])} months.")
        for name, spoiler in a.spoilers:
            if bool(spoiler[i]) != self._spoiler.get(name, False):
                self._spoiler[name] = bool(spoiler[i])
                says = patrons.SAYS["spoiler" if spoiler[i] else "enforcing"]
                out.append(says.format(name=name.capitalize(), level=f"{s.us_china[i]:.2f}"))
        out += self._shields(a)
        out += self._diplomacy(a, old)
        out += self._provocations(a)
        for name, answered in a.test_answers:
            if answered[i]:
                out.append(japan.SAYS["pressure"].format(name=name.capitalize()))
        out += self._outcome_of_month(a, s, old)
        for name, talked in a.dialogues:
            if talked[i]:
                out.append(allies.SAYS["dialogue"].format(name=name.capitalize()))
        out += self._reactions
        self._reactions = []
        levels = (f"{TALKS_WORDS[Talks(int(s.talks[i]))]}; tension {s.tension[i]:.2f}, "
                  f"sanctions pressure {s.pressure[i]:.2f}, US-China {s.us_china[i]:.2f}")
        self.entries.append(MonthEntry(m.month, m.spec.month_label(m.month), out, levels))

    def _shields(self, a) -> list[str]:
        """A Moscow that begins to shield Pyongyang in the Council, beside which spoilers."""
        i, out = self.i, []
        for name, shields in a.shields:
            now = bool(shields[i])
            if now and not self._shield.get(name, False):
                others = [n.capitalize() for n, spoiler in a.spoilers if n != name and spoiler[i]]
                out.append(russia.SAYS["shield"].format(name=name.capitalize(),
                                                        other=" and ".join(others)))
            self._shield[name] = now
        return out

    def _diplomacy(self, a, old) -> list[str]:
        i, out = self.i, []
        dprk = self.model.pyongyang.stance
        if a.offer[i]:
            margin, need = a.margin[i], dprk["attitude_threshold"][i]
            out.append(offer_sentence(bool(a.accept[i]), float(margin), float(need)))
        if a.flatter[i]:
            out.append(engagement.SAYS["flatter"])
        if a.ripe[i]:
            out.append(ripeness.SAYS["ripe"])
        if a.bold[i]:
            kind = BOLD_MOVES[int(a.bold_kind[i])].replace("_", " ")
            opener = " to reopen contact" if old[i] == Talks.NO_CONTACT else ""
            out.append(f"Free of re-election pressure, the President makes a bold move{opener}: "
                       f"{kind}" + (" (sanctions eased)." if a.relief.bold_relief[i] else "."))
        return out

    def _provocations(self, a) -> list[str]:
        i, out = self.i, []
        n = int(a.tests[i])
        if n:
            kinds = [f"{int(a.icbm[i])} ICBM-class"] if a.icbm[i] else []
            kinds += [f"{int(a.irbm[i])} intermediate-range"] if a.irbm[i] else []
            detail = f" ({', '.join(kinds)})" if kinds else " (short-range)"
            out.append(provocation.SAYS["launch"].format(n=n, s="s" if n > 1 else "",
                                                         detail=detail))
        if a.nuclear[i]:
            out.append(provocation.SAYS["nuclear"])
        return out

    def _outcome_of_month(self, a, s, old) -> list[str]:
        i, out, us = self.i, [], self.model.washington.stance
        t, r = a.talks, a.relief
        if a.breach[i]:
            ending = " and talks end." if in_talks(old[i:i + 1])[0] else "."
            what = "The nuclear test" if a.nuclear[i] else "The ICBM test"
            out.append(provocation.SAYS["breach"].format(
                what=what, line=provocation.RED_LINE_WORDS[us["red_line"]], ending=ending))
        if a.military[i]:
            out.append(provocation.SAYS["military"])
        if t.derail[i]:
            out.append(talk_rules.SAYS["derail"])
        if t.spoiled[i]:
            out.append(talk_rules.SAYS["spoiled"])
        if a.walkout[i]:
            n = int(a.months_in_episode[i])
            out.append(talk_rules.SAYS["walkout"].format(
                months=f"{n} month{'s' if n != 1 else ''}"))
        if t.deal_broken[i]:
            out.append(talk_rules.SAYS["deal_broken"])
        if r.snap_back[i]:
            out.append(sanctions.SAYS["snap_back"])
        if r.lapse[i]:
            out.append(sanctions.SAYS["lapse"])
        if s.talks[i] == Talks.SUMMIT and old[i] != Talks.SUMMIT:
            out.append(talk_rules.SAYS["summit"])
        if r.new_deal[i]:
            out.append(sanctions.SAYS["deal"].format(form=us["relief_form"].replace("_", " ")))
        if s.talks[i] == Talks.NO_CONTACT and old[i] == Talks.COLLAPSE:
            out.append(talk_rules.SAYS["lapsed"])
        return out

    def lines(self) -> list[str]:
        return [e.text() for e in self.entries]


def offer_sentence(accepted: bool, margin: float, threshold: float) -> str:
    """A US offer and Pyongyang's answer.

    Pyongyang is willing when its engagement margin is at least zero; a willing
    Pyongyang then accepts an offer with a fixed monthly chance (``accept_willing``),
    so a willing month without talks is a draw, not a contradiction, and the
    sentence says so.  Below zero it refuses.
    """
    numbers = f"engagement margin {margin:+.2f}, threshold {threshold:.2f}"
    answer = "accepted" if accepted else "willing" if margin >= 0 else "refused"
    return engagement.SAYS[answer].format(numbers=numbers)
