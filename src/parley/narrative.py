"""Plain-sentence account of one world's months, for ``parley chronicle`` and the viz log."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from parley import rules as R

if TYPE_CHECKING:
    from parley.model import NegotiationModel

TALKS_WORDS = {
    R.Talks.NO_CONTACT: "no contact",
    R.Talks.WORKING: "working-level talks",
    R.Talks.SUMMIT: "summit diplomacy",
    R.Talks.AGREEMENT: "freeze agreement in force",
    R.Talks.COLLAPSE: "talks collapsed",
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

    def __init__(self, model: NegotiationModel, index: int = 0):
        self.model = model
        self.i = index
        self.entries: list[MonthEntry] = []
        self._pending: list[str] = []
        self._spoiler: dict[str, bool] = {}

    def event(self, event: Any) -> None:
        changes = ", ".join(f"{k} = {v}" for k, v in event.set.items())
        self._pending.append(f"Scheduled: {event.actor.capitalize()}: {event.note} ({changes}).")

    def condition(self, cond: Any, worlds: Any) -> None:
        if worlds[self.i]:
            changes = ", ".join(f"{k} = {v}" for k, v in cond.set.items())
            self._pending.append(f"Condition met ({cond.when.kind}): "
                                 f"{cond.actor.capitalize()}: {cond.note} ({changes}).")

    def month(self, old: Any) -> None:
        m, a, s, i = self.model, self.model.acts, self.model.state, self.i
        out = self._pending
        self._pending = []
        us, dprk = m.washington.stance, m.pyongyang.stance
        if a["crisis_started"][i]:
            out.append("A crisis elsewhere takes Washington's attention "
                       f"for {int(s.crisis_left[i])} months.")
        for name, spoiler in a.get("spoilers", []):
            if bool(spoiler[i]) != self._spoiler.get(name, False):
                self._spoiler[name] = bool(spoiler[i])
                out.append(f"{name.capitalize()} turns spoiler as US-China tension reaches "
                           f"{s.us_china[i]:.2f}: it eases enforcement and lobbies to ease UN "
                           "sanctions." if spoiler[i] else
                           f"{name.capitalize()} returns to enforcing sanctions.")
        out += self._diplomacy(a, s, old, us, dprk)
        out += self._provocations(a, s)
        out += self._outcome_of_month(a, s, old)
        for name, talked in a.get("dialogues", []):
            if talked[i]:
                out.append(f"{name.capitalize()} holds an inter-Korean contact.")
        levels = (f"{TALKS_WORDS[R.Talks(int(s.talks[i]))]}; tension {s.tension[i]:.2f}, "
                  f"sanctions pressure {s.pressure[i]:.2f}, US-China {s.us_china[i]:.2f}")
        self.entries.append(MonthEntry(m.month, m.spec.month_label(m.month), out, levels))

    def _diplomacy(self, a, s, old, us, dprk) -> list[str]:
        i, out = self.i, []
        if a["offer"][i]:
            margin, need = a["margin"][i], dprk["attitude_threshold"][i]
            out.append(offer_sentence(bool(a["accept"][i]), float(margin), float(need)))
        if a["flatter"][i]:
            out.append("Kim reaches out to the President, betting he can be flattered into "
                       "partial relief for a minimal freeze.")
        if a["bold"][i]:
            kind = R.BOLD_MOVES[int(a["bold_kind"][i])].replace("_", " ")
            opener = " to reopen contact" if old[i] == R.Talks.NO_CONTACT else ""
            out.append(f"Free of re-election pressure, the President makes a bold move{opener}: "
                       f"{kind}" + (" (sanctions eased)." if a["bold_relief"][i] else "."))
        return out

    def _provocations(self, a, s) -> list[str]:
        i, out = self.i, []
        n = int(a["tests"][i])
        if n:
            kinds = [f"{int(a['icbm'][i])} ICBM-class"] if a["icbm"][i] else []
            kinds += [f"{int(a['irbm'][i])} intermediate-range"] if a["irbm"][i] else []
            detail = f" ({', '.join(kinds)})" if kinds else " (short-range)"
            out.append(f"Pyongyang launches {n} missile{'s' if n > 1 else ''}{detail}.")
        if a["nuclear"][i]:
            out.append("Pyongyang conducts a nuclear test.")
        return out

    def _outcome_of_month(self, a, s, old) -> list[str]:
        i, out = self.i, []
        line = self.model.washington.stance["red_line"]
        if a["breach"][i]:
            out.append(f"That crosses Washington's red line ({line.replace('_', ' ')}): "
                       "sanctions tighten" + (" and talks end." if R.in_talks(old[i:i + 1])[0]
                                             else "."))
        if a["military"][i]:
            out.append("Washington puts military options on the table: a military crisis.")
        if a["derail"][i]:
            out.append("The test derails the working-level talks.")
        if a["walkout"][i]:
            months = int(a["months_in_episode"][i])
            out.append(f"Pyongyang walks out after {months} month{'s' if months != 1 else ''} "
                       "of talks without relief.")
        if a["deal_broken"][i]:
            out.append("The test breaks the freeze agreement.")
        if a["snap_back"][i]:
            out.append("Relief is reversed: sanctions snap back.")
        if a["lapse"][i]:
            out.append("Time-limited relief lapses without renewal: sanctions return.")
        if s.talks[i] == R.Talks.SUMMIT and old[i] != R.Talks.SUMMIT:
            out.append("Leaders meet at a summit.")
        if a["new_deal"][i]:
            form = self.model.washington.stance["relief_form"].replace("_", " ")
            out.append(f"A freeze deal is struck; Washington grants {form} sanctions relief.")
        if s.talks[i] == R.Talks.NO_CONTACT and old[i] == R.Talks.COLLAPSE:
            out.append("Contact lapses after the collapse.")
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
    if accepted:
        return f"Washington offers talks and Pyongyang accepts ({numbers})."
    if margin >= 0:
        return (f"Washington offers talks; Pyongyang is willing ({numbers}) but does not take "
                "them up this month: its answer is a draw each month.")
    return (f"Washington offers talks; Pyongyang refuses: talks offer it less than it asks "
            f"({numbers}).")
