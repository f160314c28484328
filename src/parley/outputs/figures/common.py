"""Helpers every figure family shares: camp colours, labels, number formats, layout.

Pure functions of plain data (dicts from ``summary.json``, numbers); nothing
here draws a whole figure or reads a file.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import Figure
from matplotlib.ticker import FixedFormatter, FixedLocator, Formatter

from parley.errors import ResultsContentError
from parley.outcomes import BINARY_OUTCOMES, COUNT_OUTCOMES, LABELS, MONTHLY_LEVELS

FORMATS = ("png", "svg", "pdf")
DPI = 150

ResultsError = ResultsContentError  # the name plotting and the report have always used

#: Base colour of each known camp; scenarios of one camp get shades of it.
CAMP_COLOURS: dict[str, str] = {
    "trump": "#b2182b",
    "progressive": "#2166ac",
    "centrist": "#762a83",
    "other": "#4d4d4d",
}
#: The colours a camp outside :data:`CAMP_COLOURS` gets, in the order of its name.
EXTRA_CAMP_COLOURS = ("#1b7837", "#b35806", "#01665e", "#c51b7d", "#8c510a", "#35978f")
NO_CAMP = "other"  # the key of a scenario that names no camp
_CAMP_SHADES: dict[str, list[str]] = {
    "trump": ["#b2182b", "#ef6548", "#67001f", "#f4a582"],
    "progressive": ["#2166ac", "#4393c3", "#053061", "#92c5de"],
    "centrist": ["#762a83", "#9970ab", "#40004b", "#c2a5cf"],
    "other": ["#4d4d4d", "#878787", "#1a1a1a", "#bababa"],
}
_CAMP_LABELS = {"trump": "Trump camp", "progressive": "Progressive camp",
                "centrist": "Centrist camp", "other": "Other"}
LINESTYLES = ["-", "--", ":", "-."]

PARAMETER_BAND = "#d4a017"  # the interval over parameter draws, behind P(talks)
ENGAGED_OFFSET = 0.24  # P(talks | engaged) sits this far below its scenario's P(talks)
GRID = {"color": "#e5e5e5", "linewidth": 0.6}

SHARE_LABELS = {k: LABELS[k] for k in BINARY_OUTCOMES}
COUNT_LABELS = {k: LABELS[k] for k in COUNT_OUTCOMES if k != "collapses"}
MONTHLY_LABELS = {k: LABELS[k] for k in MONTHLY_LEVELS}


# --------------------------------------------------------------------------- camps


def camp_key(camp: Any) -> str:
    """The camp a scenario names, as a key: lower case; :data:`NO_CAMP` when it names none."""
    key = str(camp or "").strip().lower()
    return key or NO_CAMP


def camp_label(key: str) -> str:
    """'trump' -> 'Trump camp'; a camp without a label of its own is named after itself."""
    return _CAMP_LABELS.get(key) or f"{key.replace('_', ' ').capitalize()} camp"


def camp_order(keys: Iterable[str]) -> list[str]:
    """The distinct camps: the known ones in table order, then new ones by name, "other" last."""
    keys = set(keys)
    known = [k for k in CAMP_COLOURS if k in keys and k != NO_CAMP]
    new = sorted(keys - set(CAMP_COLOURS))
    return known + new + ([NO_CAMP] if NO_CAMP in keys else [])


def camp_colours(keys: Iterable[str]) -> dict[str, str]:
    """A colour per camp: its own for a known camp; for a new one, the next spare colour."""
    order = camp_order(keys)
    new = [k for k in order if k not in CAMP_COLOURS]
    colours = {k: CAMP_COLOURS[k] for k in order if k in CAMP_COLOURS}
    colours.update({k: EXTRA_CAMP_COLOURS[i % len(EXTRA_CAMP_COLOURS)]
                    for i, k in enumerate(new)})
    return colours


def _mix(colour: str, other: tuple[float, float, float], share: float) -> str:
    rgb = np.array(to_rgb(colour))
    return to_hex((1 - share) * rgb + share * np.array(other))


def camp_shades(key: str, colour: str) -> list[str]:
    """Four shades of a camp's colour: the base, lighter, darker, lightest."""
    if key in _CAMP_SHADES:
        return _CAMP_SHADES[key]
    white, black = (1.0, 1.0, 1.0), (0.0, 0.0, 0.0)
    return [colour, _mix(colour, white, 0.35), _mix(colour, black, 0.45),
            _mix(colour, white, 0.6)]


def scenario_styles(scenarios: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """Colour and line style per scenario name: a shade of the camp colour."""
    keys = [camp_key(s.get("camp")) for s in scenarios]
    colours = camp_colours(keys)
    used: dict[str, int] = {}
    styles: dict[str, dict[str, str]] = {}
    for s, camp in zip(scenarios, keys, strict=True):
        i = used.get(camp, 0)
        used[camp] = i + 1
        shades = camp_shades(camp, colours[camp])
        styles[s["name"]] = {
            "color": shades[i % len(shades)],
            "linestyle": LINESTYLES[(i // len(shades) + i) % len(LINESTYLES)],
            "camp": camp,
        }
    return styles


# --------------------------------------------------------------------------- summaries


def titles(summary: Mapping[str, Any]) -> dict[str, str]:
    return {s["name"]: s.get("title") or s["name"] for s in summary.get("scenarios", [])}


def horizon(summary: Mapping[str, Any]) -> int | None:
    h = summary.get("horizon")
    return int(h) if h is not None else None


def rank_order(summary: Mapping[str, Any]) -> list[str]:
    """Scenario names ranked as ``parley compare`` prints them: by P(talks resume), descending.

    The comparison's own order when it has one; otherwise (a single run, or a
    summary without a comparison) by the share, ties kept in file order.
    """
    rows = (summary.get("comparison") or {}).get("rows") or []
    if rows:
        return [r["scenario"] for r in rows]
    scenarios = summary.get("scenarios", [])

    def share(s: Mapping[str, Any]) -> float:
        p = ((s.get("shares") or {}).get("talks_resumed") or {}).get("p")
        return -np.inf if p is None else float(p)

    return [s["name"] for s in sorted(scenarios, key=share, reverse=True)]


def ranked(summary: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    """Scenarios holding ``key``, in rank order (:func:`rank_order`)."""
    scenarios = [s for s in summary.get("scenarios", []) if s.get(key)]
    rank = {name: i for i, name in enumerate(rank_order(summary))}
    return sorted(scenarios, key=lambda s: rank.get(s["name"], len(rank)))


# --------------------------------------------------------------------------- words and numbers


def wrap(text: str, width: int = 34) -> str:
    return "\n".join(textwrap.wrap(str(text), width)) or str(text)


def runs_phrase(runs: Sequence[int | None], unit: str = "scenario") -> str:
    runs = [int(r) for r in runs if r is not None]
    if not runs:
        return ""
    lo, hi = min(runs), max(runs)
    per = f" per {unit}" if len(runs) > 1 else ""
    if lo == hi:
        return f"n = {lo:,} runs{per}"
    return f"n = {lo:,}–{hi:,} runs{per}"


def level_pct(level: float | None) -> str:
    level = 0.95 if level is None else float(level)
    return f"{level * 100:g}%"


def joined(*bits: str, sep: str = " · ") -> str:
    """The non-empty parts of a subtitle, joined."""
    return sep.join(b for b in bits if b)


def floats(values: Any) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


def xerr(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Error-bar lengths from interval ends: non-negative (float round-off) and finite."""
    err = np.vstack([x - lo, hi - x])
    return np.clip(np.where(np.isfinite(err), err, 0.0), 0.0, None)


def param_label(path: str) -> str:
    """'washington.outreach_rate' -> 'Washington: outreach rate'."""
    words = [p.replace("_", " ") for p in str(path).split(".")]
    if len(words) == 1:
        return words[0].capitalize()
    return f"{words[0].capitalize()}: {' '.join(words[1:])}"


def param_phrase(path: str) -> str:
    """'washington.outreach_rate' -> 'Washington outreach rate' (for running text)."""
    return param_label(path).replace(":", "")


def outcome_label(outcome: str | None) -> str:
    if not outcome or outcome == "talks_resumed":
        return "P(talks resume)"
    return f"P({SHARE_LABELS.get(outcome, outcome.replace('_', ' ')).lower()})"


def pp(value: float, _pos: Any = None) -> str:
    v = round(value * 100, 6)
    return "0" if v == 0 else f"{v:+g} pp"


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "-", text).strip("-")


class StepPercentFormatter(Formatter):
    """Shares as percentages with as many decimals as the tick step needs.

    ``PercentFormatter(decimals=0)`` labels ticks 0.5% apart "0%, 0%, 1%, 2%, 2%";
    this one writes "0.0%, 0.5%, 1.0%, 1.5%" and "0%, 10%, 20%".
    """

    def __call__(self, x: float, pos: int | None = None) -> str:
        return self.format_ticks([x])[0]

    def format_ticks(self, values: Sequence[float]) -> list[str]:
        pct = np.asarray(values, dtype=float) * 100
        steps = np.diff(np.sort(pct))
        step = float(steps[steps > 0].min()) if np.any(steps > 0) else 1.0
        decimals = 0
        while decimals < 4 and abs(step * 10**decimals - round(step * 10**decimals)) > 1e-6:
            decimals += 1
        return [f"{v:.{decimals}f}%" for v in pct]


# --------------------------------------------------------------------------- layout


def small_multiples(n: int, m: int, *, panel_in: tuple[float, float], header_in: float,
                    footer_in: float, row_gap_in: float) -> tuple[Figure, np.ndarray]:
    """A figure with an n x m grid of axes placed at fixed margins (in inches).

    A fixed layout, not ``layout="constrained"``: constrained layout measures
    every tick label of every axes twice per save, which made these two
    figures take most of the main job's time (13 s of 26 s for 8 scenarios).
    Each row leaves ``row_gap_in`` above its axes for a scenario title and the
    panel titles; each column leaves room on its left for tick and axis labels.
    """
    left_in, right_in, col_gap_in = 0.8, 0.2, 0.75
    width = left_in + m * panel_in[0] + (m - 1) * col_gap_in + right_in
    height = header_in + n * (row_gap_in + panel_in[1]) + footer_in
    fig = Figure(figsize=(width, height))
    axes = np.empty((n, m), dtype=object)
    for i in range(n):
        top = height - header_in - i * (row_gap_in + panel_in[1]) - row_gap_in
        for j in range(m):
            x0 = left_in + j * (panel_in[0] + col_gap_in)
            axes[i, j] = fig.add_axes((x0 / width, (top - panel_in[1]) / height,
                                       panel_in[0] / width, panel_in[1] / height))
    return fig, axes


def row_title(fig: Figure, ax: Any, text: str) -> None:
    """A bold scenario title above a row of panels, flush with the figure's left edge."""
    _, top = fig.transFigure.inverted().transform(ax.transAxes.transform((0, 1)))
    fig.text(0.01, top + 0.42 / fig.get_figheight(), text, fontsize=10, fontweight="bold",
             ha="left", va="bottom")


def suptitle_at_top(fig: Figure, text: str) -> None:
    """A figure title in the fixed header of a small-multiples figure."""
    fig.suptitle(text, fontsize=12, y=1 - 0.1 / fig.get_figheight(), va="top")


def fix_ticks(fig: Figure) -> None:
    """Compute the major ticks of every axis once, at the figure's final limits.

    Panels that share an axis share its locator and formatter, yet matplotlib
    runs the locator and formats every label for each panel, several times a
    save, and makes a Tick for every location, in view or not.  The same
    locations and labels, the ones in view only, as a fixed list draw the same
    picture (the same bytes) with less work.  Call it when the limits are
    final: the ticks no longer follow later changes of the limits.  An axis
    that is not linear, or whose labels need an offset text, is left as it is.
    """
    seen: set[int] = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if id(axis.major) not in seen:
                seen.add(id(axis.major))
                _fix_axis_ticks(axis)


def _fix_axis_ticks(axis: Any) -> None:
    if axis.get_scale() != "linear":
        return
    locs = axis.get_majorticklocs()
    labels = axis.major.formatter.format_ticks(locs)
    if axis.major.formatter.get_offset():
        return
    lo, hi = sorted(axis.get_view_interval())
    tol = 1e-10 * (hi - lo)  # matplotlib's own test of a tick being in view
    keep = [i for i, loc in enumerate(locs) if lo - tol <= loc <= hi + tol]
    axis.set_major_locator(FixedLocator([float(locs[i]) for i in keep]))
    axis.set_major_formatter(FixedFormatter([labels[i] for i in keep]))
