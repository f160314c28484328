"""The comparison figure: P(talks resume) per scenario, ranked, with paired differences.

The left panel shows each scenario's share of runs in which talks resumed,
with its Wilson interval, coloured by camp, and below it (hollow square)
P(talks | Pyongyang engaged); with parameter draws a faint band behind
P(talks) is its interval over the draws.  With a comparison block a right
panel shows the paired difference from the reference scenario (the unpaired
interval drawn faintly behind it).  The share axis always starts at 0%.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from parley.outputs.figures.common import (
    ENGAGED_OFFSET,
    PARAMETER_BAND,
    camp_colours,
    camp_key,
    camp_label,
    camp_order,
    floats,
    horizon,
    joined,
    level_pct,
    pp,
    runs_phrase,
    titles,
    wrap,
    xerr,
)

__all__ = ["plot_comparison"]

_BAR = {"fmt": "o", "elinewidth": 2, "capsize": 4, "markersize": 7, "zorder": 3}
_GRID = {"color": "#dddddd", "linewidth": 0.6}


@dataclass
class _Rows:
    """The ranked rows of the figure and their numbers, top row first."""

    names: list[str]
    labels: list[str]
    camps: list[str]
    reference: str | None
    ys: np.ndarray
    talks: tuple[np.ndarray, np.ndarray, np.ndarray]
    given: tuple[np.ndarray, np.ndarray, np.ndarray]
    spread: tuple[np.ndarray, np.ndarray] | None
    diffs: dict[str, np.ndarray] | None

    def of_camp(self, camp: str, *, skip_reference: bool = False) -> np.ndarray:
        return np.array([i for i, c in enumerate(self.camps) if c == camp
                         and not (skip_reference and self.names[i] == self.reference)],
                        dtype=int)


def _cells(rows: Sequence[Mapping[str, Any]], *keys: str) -> tuple[np.ndarray, ...]:
    return tuple(floats(r.get(k) for r in rows) for k in keys)


def _table(summary: Mapping[str, Any]) -> tuple[list[dict[str, Any]], str | None, bool]:
    """The rows to draw (ranked), the reference scenario and whether differences exist."""
    comparison = summary.get("comparison") or {}
    if comparison.get("rows"):
        return [dict(r) for r in comparison["rows"]], comparison.get("reference"), True
    rows = [{"scenario": s["name"], "camp": s.get("camp"),
             **((s.get("shares") or {}).get("talks_resumed") or {})}
            for s in summary["scenarios"]]
    rows.sort(key=lambda r: -float(r.get("p") or 0.0))
    return rows, None, False


def _given_engaged(summary: Mapping[str, Any], names: Sequence[str]) -> tuple[np.ndarray, ...]:
    """P(talks | engaged) with its interval per row (NaN where undefined or not reported)."""
    by_name = {s["name"]: s.get("talks_given_engaged") or {} for s in summary["scenarios"]}
    return _cells([by_name.get(n, {}) for n in names], "p", "lo", "hi")


def _parameter_spread(summary: Mapping[str, Any], names: Sequence[str]
                      ) -> tuple[np.ndarray, np.ndarray] | None:
    """P(talks)'s interval over parameter draws per row; None without parameter draws."""
    params = summary.get("parameter_uncertainty") or {}
    if not params.get("scenarios"):
        return None
    cells = [(params["scenarios"].get(n) or {}).get("talks_resumed") or {} for n in names]
    lo, hi = _cells(cells, "param_lo", "param_hi")
    return (lo, hi) if np.isfinite(lo).any() else None


def _rows(summary: Mapping[str, Any]) -> _Rows:
    rows, reference, has_diffs = _table(summary)
    names = [r["scenario"] for r in rows]
    camp_of = {s["name"]: s.get("camp") for s in summary["scenarios"]}
    title_of = titles(summary)
    labels = [wrap(title_of.get(n) or r.get("title") or n, 38)
              + ("\n(reference)" if n == reference else "") for n, r in zip(names, rows,
                                                                          strict=True)]
    diffs = None
    if has_diffs:
        keys = ("diff", "diff_lo", "diff_hi", "unpaired_lo", "unpaired_hi")
        diffs = dict(zip(keys, _cells(rows, *keys), strict=True))
    return _Rows(names=names, labels=labels, reference=reference,
                 camps=[camp_key(r.get("camp") or camp_of.get(r["scenario"])) for r in rows],
                 ys=np.arange(len(rows))[::-1].astype(float),
                 talks=_cells(rows, "p", "lo", "hi"), given=_given_engaged(summary, names),
                 spread=_parameter_spread(summary, names), diffs=diffs)


def _draw_shares(ax: Any, rows: _Rows, colours: Mapping[str, str]) -> None:
    """The band over draws, P(talks | engaged) (hollow) and P(talks) (filled) per camp."""
    if rows.spread is not None:
        lo, hi = rows.spread
        ok = np.isfinite(lo) & np.isfinite(hi)
        ax.hlines(rows.ys[ok], lo[ok], hi[ok], colors=PARAMETER_BAND, linewidth=9,
                  alpha=0.3, zorder=1, gid="parameter_interval")
    for camp in camp_order(rows.camps):
        idx, colour = rows.of_camp(camp), colours[camp]
        gp, glo, ghi = (g[idx] for g in rows.given)
        ok = np.isfinite(gp)
        if ok.any():
            ax.errorbar(gp[ok], rows.ys[idx][ok] - ENGAGED_OFFSET,
                        xerr=xerr(gp[ok], glo[ok], ghi[ok]), fmt="s", color=colour,
                        ecolor=colour, markerfacecolor="white", elinewidth=1, capsize=3,
                        markersize=6, zorder=3, gid=f"given_engaged_{camp}")
        p, lo, hi = (t[idx] for t in rows.talks)
        ax.errorbar(p, rows.ys[idx], xerr=xerr(p, lo, hi), color=colour, ecolor=colour,
                    label=camp_label(camp), gid=f"talks_{camp}", **_BAR)


def _share_axis(ax: Any, rows: _Rows, summary: Mapping[str, Any]) -> None:
    """Value labels, scenario names, limits from 0% and the words of the share panel."""
    p, lo, hi = rows.talks
    for y, pv, lv, hv in zip(rows.ys, p, lo, hi, strict=True):
        right_side = not (np.isfinite(hv) and hv > 0.9)  # no room right of it: go left
        ax.annotate(f"{pv:.1%}", (hv if right_side else lv, y),
                    xytext=(5 if right_side else -5, 0), textcoords="offset points",
                    ha="left" if right_side else "right", va="center", fontsize=8,
                    color="#333333")
    ax.set_yticks(rows.ys, rows.labels)
    ax.set_ylim(-0.7, len(rows.ys) - 0.3)
    highs = [hi, rows.given[2]] + ([rows.spread[1]] if rows.spread is not None else [])
    top = np.concatenate(highs)
    right = float(np.nanmax(top)) + 0.09 if np.isfinite(top).any() else 1.0
    ax.set_xlim(0.0, min(1.0, max(right, 0.1)))  # a share starts at 0%, never mid-scale
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.grid(axis="x", **_GRID)
    ax.set_axisbelow(True)
    h = horizon(summary)
    ax.set_title(f"Share of runs in which talks resume{f' within {h} months' if h else ''}",
                 fontsize=10)
    ax.set_xlabel("Share of runs")
    ax.set_ylabel("Scenario (ranked)" if len(rows.ys) > 1 else "Scenario")


def _draw_differences(axd: Any, rows: _Rows, colours: Mapping[str, str]) -> bool:
    """Paired differences from the reference; returns whether unpaired intervals were drawn."""
    d = rows.diffs or {}
    ulo, uhi = d["unpaired_lo"], d["unpaired_hi"]
    ok = np.isfinite(ulo) & np.isfinite(uhi)
    if ok.any():
        axd.hlines(rows.ys[ok], ulo[ok], uhi[ok], colors="#999999", linewidth=7, alpha=0.3,
                   zorder=1, label="Unpaired interval", gid="unpaired")
    axd.axvline(0.0, color="black", linewidth=0.9, zorder=2)
    for camp in camp_order(rows.camps):
        idx = rows.of_camp(camp, skip_reference=True)
        if idx.size:
            x = d["diff"][idx]
            axd.errorbar(x, rows.ys[idx], xerr=xerr(x, d["diff_lo"][idx], d["diff_hi"][idx]),
                         color=colours[camp], ecolor=colours[camp], gid=f"diff_{camp}", **_BAR)
    for y in rows.ys[[n == rows.reference for n in rows.names]]:
        axd.plot([0.0], [y], marker="D", color="black", markersize=6, zorder=4,
                 linestyle="none", gid="reference")
        axd.annotate("reference", (0.0, y), xytext=(8, 0), textcoords="offset points",
                     va="center", fontsize=8)
    return bool(ok.any())


def _difference_axis(axd: Any, summary: Mapping[str, Any], reference: str | None) -> None:
    ref_title = titles(summary).get(reference, str(reference))
    axd.xaxis.set_major_locator(MaxNLocator(nbins=5))
    axd.xaxis.set_major_formatter(FuncFormatter(pp))
    axd.grid(axis="x", **_GRID)
    axd.set_axisbelow(True)
    axd.set_title(f"Difference from {wrap(ref_title, 60)}\n(paired by seed; "
                  f"{level_pct(summary.get('level'))} intervals)", fontsize=10)
    axd.set_xlabel("Paired difference, percentage points")
    axd.tick_params(axis="y", left=False)


def _legend(fig: Figure, rows: _Rows, colours: Mapping[str, str], summary: Mapping[str, Any],
            unpaired: bool) -> None:
    handles = [Line2D([], [], marker="o", color=colours[c], linestyle="none",
                      label=camp_label(c))
               for c in camp_order(rows.camps)]
    if np.isfinite(rows.given[0]).any():
        handles.append(Line2D([], [], marker="s", color="#555555", markerfacecolor="white",
                              linestyle="none", label="P(talks resume | Pyongyang engaged)"))
    if rows.spread is not None:
        draws = (summary.get("parameter_uncertainty") or {}).get("draws")
        label = f"P(talks) over {draws} parameter draws" if draws else "P(talks) over draws"
        handles.append(Patch(color=PARAMETER_BAND, alpha=0.3, label=label))
    if unpaired:
        handles.append(Patch(color="#999999", alpha=0.3, label="Unpaired interval (faint)"))
    ncols = 3 if rows.diffs is not None else 2
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), ncols),
               frameon=False, fontsize=9)


def _title(summary: Mapping[str, Any]) -> str:
    scenarios = summary["scenarios"]
    params = summary.get("parameter_uncertainty") or {}
    draws = (f"{params['draws']} parameter draws × {params['worlds']:,} worlds"
             if params.get("draws") and params.get("worlds") else "")
    sub = joined(runs_phrase([s.get("runs") for s in scenarios]), draws,
                 f"{level_pct(summary.get('level'))} Wilson intervals",
                 f"from {summary['start']}" if summary.get("start") else "")
    ranked = " Scenarios ranked" if len(scenarios) > 1 else ""
    return f"How often do US–DPRK talks resume?{ranked}\n{sub}"


def plot_comparison(summary: Mapping[str, Any]) -> Figure:
    """Forest plot of P(talks resume) per scenario, ranked, with paired differences."""
    if not summary.get("scenarios"):
        raise ValueError("summary has no scenarios")
    rows = _rows(summary)
    colours = camp_colours(rows.camps)
    diffs = rows.diffs is not None
    fig = Figure(figsize=(11.5 if diffs else 8, 2.6 + 0.5 * len(rows.ys)), layout="constrained")
    if diffs:
        ax, axd = fig.subplots(1, 2, sharey=True, width_ratios=[1.1, 1])
    else:
        ax, axd = fig.subplots(1, 1), None
    _draw_shares(ax, rows, colours)
    _share_axis(ax, rows, summary)
    unpaired = False
    if axd is not None:
        unpaired = _draw_differences(axd, rows, colours)
        _difference_axis(axd, summary, rows.reference)
    _legend(fig, rows, colours, summary, unpaired)
    fig.suptitle(_title(summary), fontsize=12)
    return fig
