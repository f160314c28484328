"""Publication-quality figures from parley result files.

Every ``plot_*`` function takes plain data (dicts loaded from the JSON files a
batch or sweep writes, or pandas DataFrames) and returns a
:class:`matplotlib.figure.Figure`.  Figures are built directly as ``Figure``
objects, so no pyplot state and no GUI backend are involved; this module never
imports the simulation model.

:func:`save_figures` looks at what a results directory holds and writes every
applicable figure to ``results_dir/figures/<name>.<fmt>``.
"""

from __future__ import annotations

import math
import os
import re
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator, PercentFormatter

from parley.analysis.intervals import wilson
from parley.errors import ResultsContentError
from parley.outcomes import BINARY_OUTCOMES, COUNT_OUTCOMES, LABELS, MONTHLY_LEVELS
from parley.results.load import ResultsFolderError, check_summary, excerpt, read_json
from parley.results.store import atomic_open

__all__ = [
    "CAMP_COLOURS",
    "FORMATS",
    "ResultsError",
    "iter_figures",
    "load_results",
    "plot_boxes",
    "plot_comparison",
    "plot_count_distributions",
    "plot_monthly_fans",
    "plot_sensitivity",
    "plot_sweep_1d",
    "plot_sweep_2d",
    "plot_time_to_talks",
    "save_figure",
    "save_figures",
    "scenario_styles",
    "sweep_parameters",
]

FORMATS = ("png", "svg", "pdf")
DPI = 150

#: Base colour of each camp; scenarios of one camp get shades of it.
CAMP_COLOURS: dict[str, str] = {
    "trump": "#b2182b",
    "progressive": "#2166ac",
    "centrist": "#762a83",
    "other": "#4d4d4d",
}
_CAMP_SHADES: dict[str, list[str]] = {
    "trump": ["#b2182b", "#ef6548", "#67001f", "#f4a582"],
    "progressive": ["#2166ac", "#4393c3", "#053061", "#92c5de"],
    "centrist": ["#762a83", "#9970ab", "#40004b", "#c2a5cf"],
    "other": ["#4d4d4d", "#878787", "#1a1a1a", "#bababa"],
}
_CAMP_LABELS = {
    "trump": "Trump camp",
    "progressive": "Progressive camp",
    "centrist": "Centrist camp",
    "other": "Other",
}
_LINESTYLES = ["-", "--", ":", "-."]

_SHARE_LABELS = {k: LABELS[k] for k in BINARY_OUTCOMES}
_COUNT_LABELS = {k: LABELS[k] for k in COUNT_OUTCOMES if k != "collapses"}
_MONTHLY_LABELS = {k: LABELS[k] for k in MONTHLY_LEVELS}


ResultsError = ResultsContentError  # the name plotting and the report have always used


# --------------------------------------------------------------------------- helpers


def _camp(camp: Any) -> str:
    camp = str(camp or "other").lower()
    return camp if camp in CAMP_COLOURS else "other"


def _wrap(text: str, width: int = 34) -> str:
    return "\n".join(textwrap.wrap(str(text), width)) or str(text)


def _runs_phrase(runs: Sequence[int], unit: str = "scenario") -> str:
    runs = [int(r) for r in runs if r is not None]
    if not runs:
        return ""
    lo, hi = min(runs), max(runs)
    per = f" per {unit}" if len(runs) > 1 else ""
    if lo == hi:
        return f"n = {lo:,} runs{per}"
    return f"n = {lo:,}–{hi:,} runs{per}"


def _level_pct(level: float | None) -> str:
    level = 0.95 if level is None else float(level)
    return f"{level * 100:g}%"


def _titles(summary: Mapping[str, Any]) -> dict[str, str]:
    return {s["name"]: s.get("title") or s["name"] for s in summary.get("scenarios", [])}


def _horizon(summary: Mapping[str, Any]) -> int | None:
    h = summary.get("horizon")
    return int(h) if h is not None else None


def _ranked(summary: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    """Scenarios holding ``key``, in the comparison's rank order when there is one."""
    scenarios = [s for s in summary.get("scenarios", []) if s.get(key)]
    rows = (summary.get("comparison") or {}).get("rows") or []
    rank = {r.get("scenario"): i for i, r in enumerate(rows)}
    return sorted(scenarios, key=lambda s: rank.get(s["name"], len(rank)))


def scenario_styles(scenarios: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """Colour and line style per scenario name: a shade of the camp colour."""
    used: dict[str, int] = {}
    styles: dict[str, dict[str, str]] = {}
    for s in scenarios:
        camp = _camp(s.get("camp"))
        i = used.get(camp, 0)
        used[camp] = i + 1
        shades = _CAMP_SHADES[camp]
        styles[s["name"]] = {
            "color": shades[i % len(shades)],
            "linestyle": _LINESTYLES[(i // len(shades) + i) % len(_LINESTYLES)],
            "camp": camp,
        }
    return styles


def _small_multiples(n: int, m: int, *, panel_in: tuple[float, float], header_in: float,
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


def _row_title(fig: Figure, ax: Any, text: str) -> None:
    """A bold scenario title above a row of panels, flush with the figure's left edge."""
    _, top = fig.transFigure.inverted().transform(ax.transAxes.transform((0, 1)))
    fig.text(0.01, top + 0.42 / fig.get_figheight(), text, fontsize=10, fontweight="bold",
             ha="left", va="bottom")


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


def _count_bars(ax: Any, values: np.ndarray, share: np.ndarray, *, color: str,
                gid: str) -> None:
    """Bars of a count distribution: separate bars for a few values, one filled outline
    (the same picture as touching bars, drawn as one patch, not hundreds) for many."""
    if len(values) < 30:
        ax.bar(values, share, width=0.85, color=color, alpha=0.85, linewidth=0, gid=gid)
        return
    lo, hi = int(np.nanmin(values)), int(np.nanmax(values))
    dense = np.zeros(hi - lo + 1)
    dense[values.astype(int) - lo] = share
    ax.stairs(dense, np.arange(lo, hi + 2) - 0.5, fill=True, color=color, alpha=0.85,
              linewidth=0, gid=gid)


def _floats(values: Any) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


def _xerr(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Error-bar lengths from interval ends: non-negative (float round-off) and finite."""
    err = np.vstack([x - lo, hi - x])
    return np.clip(np.where(np.isfinite(err), err, 0.0), 0.0, None)


def _param_label(path: str) -> str:
    """'washington.outreach_rate' -> 'Washington: outreach rate'."""
    parts = str(path).split(".")
    words = [p.replace("_", " ") for p in parts]
    if len(words) == 1:
        return words[0].capitalize()
    return f"{words[0].capitalize()}: {' '.join(words[1:])}"


def _param_phrase(path: str) -> str:
    """'washington.outreach_rate' -> 'Washington outreach rate' (for running text)."""
    return _param_label(path).replace(":", "")


def _outcome_label(outcome: str | None) -> str:
    if not outcome or outcome == "talks_resumed":
        return "P(talks resume)"
    return f"P({_SHARE_LABELS.get(outcome, outcome.replace('_', ' ')).lower()})"


def _pp(value: float, _pos: Any = None) -> str:
    v = round(value * 100, 6)
    return "0" if v == 0 else f"{v:+g} pp"


# --------------------------------------------------------------------------- scenario figures


def plot_comparison(summary: Mapping[str, Any]) -> Figure:
    """Forest plot of P(talks resume) per scenario, ranked, with paired differences.

    The left panel shows each scenario's share of runs in which talks resumed,
    with its Wilson interval, coloured by camp, and below it (hollow square)
    P(talks | Pyongyang engaged); with parameter draws a faint band behind
    P(talks) is its interval over the draws.  When ``summary["comparison"]``
    is present a right panel shows the paired difference from the reference
    scenario (unpaired interval drawn faintly behind it).
    """
    scenarios = summary.get("scenarios", [])
    if not scenarios:
        raise ValueError("summary has no scenarios")
    level = summary.get("level", 0.95)
    titles = _titles(summary)
    camps = {s["name"]: _camp(s.get("camp")) for s in scenarios}
    comparison = summary.get("comparison") or None

    if comparison and comparison.get("rows"):
        rows = [dict(r) for r in comparison["rows"]]
        reference = comparison.get("reference")
    else:
        rows = []
        for s in scenarios:
            t = s["shares"]["talks_resumed"]
            rows.append({"scenario": s["name"], "camp": s.get("camp"), **t})
        rows.sort(key=lambda r: -float(r["p"]))
        reference = None
        comparison = None

    n = len(rows)
    ys = np.arange(n)[::-1].astype(float)  # first (highest) row at the top
    fig = Figure(figsize=(11.5 if comparison else 7.5, 2.4 + 0.5 * n), layout="constrained")
    if comparison:
        ax, axd = fig.subplots(1, 2, sharey=True, width_ratios=[1.1, 1])
    else:
        ax, axd = fig.subplots(1, 1), None

    p = _floats(r["p"] for r in rows)
    lo = _floats(r["lo"] for r in rows)
    hi = _floats(r["hi"] for r in rows)
    row_camps = [_camp(r.get("camp") or camps.get(r["scenario"])) for r in rows]
    present = [c for c in CAMP_COLOURS if c in row_camps]
    given = _given_engaged(summary, rows)
    spread = _parameter_spread(summary, rows)
    if spread is not None:
        ok = np.isfinite(spread[0]) & np.isfinite(spread[1])
        ax.hlines(ys[ok], spread[0][ok], spread[1][ok], colors=PARAMETER_BAND, linewidth=9,
                  alpha=0.3, zorder=1, gid="parameter_interval")
    for camp in present:
        idx = np.array([i for i, c in enumerate(row_camps) if c == camp])
        gp, glo, ghi = (g[idx] for g in given)
        ok = np.isfinite(gp)
        if ok.any():
            ax.errorbar(gp[ok], ys[idx][ok] - ENGAGED_OFFSET,
                        xerr=_xerr(gp[ok], glo[ok], ghi[ok]), fmt="s",
                        color=CAMP_COLOURS[camp], ecolor=CAMP_COLOURS[camp],
                        markerfacecolor="white", elinewidth=1, capsize=3, markersize=6,
                        zorder=3, gid=f"given_engaged_{camp}")
    for camp in present:
        idx = np.array([i for i, c in enumerate(row_camps) if c == camp])
        ax.errorbar(
            p[idx], ys[idx], xerr=_xerr(p[idx], lo[idx], hi[idx]),
            fmt="o", color=CAMP_COLOURS[camp], ecolor=CAMP_COLOURS[camp],
            elinewidth=2, capsize=4, markersize=7, label=_CAMP_LABELS[camp], zorder=3,
            gid=f"talks_{camp}",
        )
    for y, pv, lv, hv in zip(ys, p, lo, hi, strict=True):
        right_side = not (np.isfinite(hv) and hv > 0.9)  # no room right of it: go left
        ax.annotate(f"{pv:.1%}", (hv if right_side else lv, y),
                    xytext=(5 if right_side else -5, 0), textcoords="offset points",
                    ha="left" if right_side else "right", va="center", fontsize=8,
                    color="#333333")
    labels = []
    for r in rows:
        label = titles.get(r["scenario"]) or r.get("title") or r["scenario"]
        if reference is not None and r["scenario"] == reference:
            label += " (reference)"
        labels.append(_wrap(label, 38))
    ax.set_yticks(ys, labels)
    ax.set_ylim(-0.7, n - 0.3)
    lows = [lo, given[1]] + ([spread[0]] if spread is not None else [])
    highs = [hi, given[2]] + ([spread[1]] if spread is not None else [])
    left = max(0.0, float(np.nanmin(np.concatenate(lows))) - 0.05)
    right = min(1.0, float(np.nanmax(np.concatenate(highs))) + 0.09)
    ax.set_xlim(left, right if right > left else left + 0.1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    horizon = _horizon(summary)
    within = f" within {horizon} months" if horizon else ""
    ax.set_title(f"Share of runs in which talks resume{within}", fontsize=10)
    ax.set_xlabel("share of runs: P(talks resume) ●, P(talks resume | Pyongyang engaged) □")
    ax.set_ylabel("Scenario (ranked)")

    if axd is not None:
        ref_title = titles.get(reference, str(reference))
        d = _floats(r.get("diff", np.nan) for r in rows)
        dlo = _floats(r.get("diff_lo", np.nan) for r in rows)
        dhi = _floats(r.get("diff_hi", np.nan) for r in rows)
        ulo = _floats(r.get("unpaired_lo", np.nan) for r in rows)
        uhi = _floats(r.get("unpaired_hi", np.nan) for r in rows)
        has_unpaired = bool(np.isfinite(ulo).any() and np.isfinite(uhi).any())
        if has_unpaired:
            ok = np.isfinite(ulo) & np.isfinite(uhi)
            axd.hlines(ys[ok], ulo[ok], uhi[ok], colors="#999999", linewidth=7, alpha=0.3,
                       zorder=1, label="Unpaired interval", gid="unpaired")
        axd.axvline(0.0, color="black", linewidth=0.9, zorder=2)
        is_ref = np.array([r["scenario"] == reference for r in rows])
        for camp in present:
            idx = np.array([i for i, c in enumerate(row_camps) if c == camp and not is_ref[i]],
                           dtype=int)
            if idx.size == 0:
                continue
            axd.errorbar(
                d[idx], ys[idx],
                xerr=_xerr(d[idx], dlo[idx], dhi[idx]),
                fmt="o", color=CAMP_COLOURS[camp], ecolor=CAMP_COLOURS[camp], elinewidth=2,
                capsize=4, markersize=7, zorder=3, gid=f"diff_{camp}",
            )
        for y in ys[is_ref]:
            axd.plot([0.0], [y], marker="D", color="black", markersize=6, zorder=4,
                     linestyle="none", gid="reference")
            axd.annotate("reference", (0.0, y), xytext=(8, 0), textcoords="offset points",
                         va="center", fontsize=8)
        axd.xaxis.set_major_locator(MaxNLocator(nbins=5))
        axd.xaxis.set_major_formatter(FuncFormatter(_pp))
        axd.grid(axis="x", color="#dddddd", linewidth=0.6)
        axd.set_axisbelow(True)
        axd.set_title(f"Difference from {_wrap(ref_title, 60)}\n(paired by seed; "
                      f"{_level_pct(level)} intervals)", fontsize=10)
        axd.set_xlabel("Paired difference, percentage points")
        axd.tick_params(axis="y", left=False)

    handles = [Line2D([], [], marker="o", color=CAMP_COLOURS[c], linestyle="none",
                      label=_CAMP_LABELS[c]) for c in present]
    handles.append(Line2D([], [], marker="s", color="#555555", markerfacecolor="white",
                          linestyle="none", label="P(talks | engaged)"))
    if spread is not None:
        handles.append(Patch(color=PARAMETER_BAND, alpha=0.3, label="P(talks) over "
                             f"{summary['parameter_uncertainty']['draws']} parameter draws"))
    if axd is not None and has_unpaired:
        handles.append(Patch(color="#999999", alpha=0.3, label="Unpaired interval (faint)"))
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4),
               frameon=False)
    runs = [s.get("runs") for s in scenarios]
    start = summary.get("start")
    params = summary.get("parameter_uncertainty")
    sub = " · ".join(x for x in [
        _runs_phrase(runs),
        (f"{params['draws']} parameter draws × {params['worlds']:,} worlds" if params else ""),
        f"{_level_pct(level)} Wilson intervals",
        f"from {start}" if start else "",
    ] if x)
    ranked = " Scenarios ranked" if len(scenarios) > 1 else ""
    fig.suptitle(f"How often do US–DPRK talks resume?{ranked}\n{sub}", fontsize=12)
    return fig


def plot_time_to_talks(summary: Mapping[str, Any]) -> Figure:
    """Kaplan–Meier curves of the share of runs with no talks yet, per scenario."""
    scenarios = _ranked(summary, "time_to_talks")
    if not scenarios:
        raise ValueError("summary has no time_to_talks data")
    level = summary.get("level", 0.95)
    horizon = _horizon(summary)
    styles = scenario_styles(scenarios)
    fig = Figure(figsize=(9, 5.4 + 0.22 * len(scenarios)), layout="constrained")
    ax = fig.subplots()
    for s in scenarios:
        tt = s["time_to_talks"]
        month = _floats(tt["month"])
        surv = _floats(tt["survival"])
        st = styles[s["name"]]
        median = tt.get("median")
        med = "median not reached" if median is None else f"median {float(median):g} months"
        title = s.get("title") or s["name"]
        ax.step(month, surv, where="post", color=st["color"], linestyle=st["linestyle"],
                linewidth=2, label=f"{title} — {med}", gid=f"km_{s['name']}")
        if tt.get("lo") is not None and tt.get("hi") is not None:
            ax.fill_between(month, _floats(tt["lo"]), _floats(tt["hi"]), step="post",
                            color=st["color"], alpha=0.15 if len(scenarios) <= 4 else 0.08,
                            linewidth=0)
        # censoring mark: runs still without talks at the horizon are censored there
        if np.isfinite(surv[-1]) and surv[-1] > 0:
            ax.plot(month[-1:], surv[-1:], marker="|", markersize=12, markeredgewidth=2,
                    color=st["color"], linestyle="none", clip_on=False)
    ax.axhline(0.5, color="#888888", linewidth=0.8, linestyle=":")
    ax.annotate("half of runs", (0, 0.5), xytext=(4, 3), textcoords="offset points",
                fontsize=8, color="#555555")
    end = horizon if horizon is not None else max(float(_floats(s["time_to_talks"]["month"])[-1])
                                                  for s in scenarios)
    ax.set_xlim(0, end)
    ax.set_ylim(0, 1.02)
    ax.margins(x=0)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.grid(color="#e5e5e5", linewidth=0.6)
    ax.set_xlabel("Months since inauguration")
    ax.set_ylabel("Share of runs with no talks yet")
    ax.set_title(f"Runs still without talks at month {end:g} are censored there (|)",
                 fontsize=9, color="#444444")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", fontsize=9,
               ncols=2 if len(scenarios) > 3 else 1, frameon=False)
    sub = " · ".join(x for x in [
        _runs_phrase([s.get("runs") for s in scenarios]),
        f"shaded: {_level_pct(level)} confidence bands",
    ] if x)
    fig.suptitle(f"Time to first US–DPRK talks (Kaplan–Meier)\n{sub}", fontsize=12)
    return fig


def plot_count_distributions(
    summary: Mapping[str, Any],
    metrics: Sequence[str] = ("tests", "icbm_tests", "months_in_talks"),
) -> Figure:
    """Small multiples of the distribution of per-run counts, one row per scenario."""
    scenarios = _ranked(summary, "counts")
    if not scenarios:
        raise ValueError("summary has no counts")
    metrics = [m for m in metrics if any(m in s["counts"] for s in scenarios)]
    if not metrics:
        raise ValueError("summary has none of the requested count metrics")
    horizon = _horizon(summary)
    styles = scenario_styles(scenarios)
    n, m = len(scenarios), len(metrics)
    fig, grid = _small_multiples(n, m, panel_in=(2.9, 1.25), header_in=0.75, footer_in=0.55,
                                 row_gap_in=0.75)
    first_ax: dict[str, Any] = {}
    for i, s in enumerate(scenarios):
        _row_title(fig, grid[i, 0], s.get("title") or s["name"])
        for j, (metric, ax) in enumerate(zip(metrics, grid[i], strict=True)):
            c = s["counts"].get(metric)
            label = _COUNT_LABELS.get(metric, metric.replace("_", " ").capitalize())
            if metric in first_ax:
                ax.sharex(first_ax[metric])
                ax.sharey(first_ax[metric])
            else:
                first_ax[metric] = ax
            ax.set_title(label, fontsize=9, y=1.0)  # fixed y: no per-save search of shared axes
            ax.set_ylabel("Share of runs" if j == 0 else "")
            if i == n - 1:
                if metric == "months_in_talks":
                    span = f" (of {horizon})" if horizon else ""
                    ax.set_xlabel(f"Months in talks per run{span}")
                else:
                    span = f" over {horizon} months" if horizon else ""
                    ax.set_xlabel(f"{label} per run{span}")
            else:
                ax.tick_params(labelbottom=False)  # shared x: numbered on the bottom row
            if not c:
                ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center")
                continue
            values = _floats(c["values"])
            freq = _floats(c["freq"])
            total = float(np.nansum(freq))
            share = freq / total if total > 0 else freq
            _count_bars(ax, values, share, color=styles[s["name"]]["color"],
                        gid=f"counts_{s['name']}_{metric}")
            if c.get("q10") is not None and c.get("q90") is not None:
                ax.axvspan(float(c["q10"]) - 0.5, float(c["q90"]) + 0.5, color="#999999",
                           alpha=0.12, linewidth=0)
            if c.get("q50") is not None:
                ax.axvline(float(c["q50"]), color="black", linewidth=1, linestyle="--")
            bits = []
            if c.get("mean") is not None:
                bits.append(f"mean {float(c['mean']):.1f}")
            if c.get("q50") is not None:
                bits.append(f"median {float(c['q50']):g}")
            ax.text(0.98, 0.95, ", ".join(bits), transform=ax.transAxes, ha="right", va="top",
                    fontsize=8, bbox={"facecolor": "white", "alpha": 0.8, "linewidth": 0})
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.yaxis.set_major_formatter(StepPercentFormatter())
            ax.grid(axis="y", color="#e5e5e5", linewidth=0.6)
            ax.set_axisbelow(True)
    sub = " · ".join(x for x in [
        _runs_phrase([s.get("runs") for s in scenarios]),
        "dashed: median; grey band: 10–90% of runs",
    ] if x)
    fig.suptitle(f"How many tests, and how long in talks? Distributions per run\n{sub}",
                 fontsize=12, y=1 - 0.1 / fig.get_figheight(), va="top")
    return fig


def plot_monthly_fans(
    summary: Mapping[str, Any],
    series: Sequence[str] = ("tension", "sanctions_pressure"),
) -> Figure:
    """Fan charts (median, 10–90% band) per month and the share of runs in talks."""
    scenarios = _ranked(summary, "monthly")
    if not scenarios:
        raise ValueError("summary has no monthly data")
    series = [k for k in series if any(k in s["monthly"] for s in scenarios)]
    columns = [*series, "in_talks_share"]
    styles = scenario_styles(scenarios)
    n, m = len(scenarios), len(columns)
    fig, grid = _small_multiples(n, m, panel_in=(3.0, 1.35), header_in=0.75, footer_in=0.95,
                                 row_gap_in=0.75)
    first_ax: dict[str, Any] = {}
    first = None
    for i, s in enumerate(scenarios):
        _row_title(fig, grid[i, 0], s.get("title") or s["name"])
        axes = grid[i]
        mon = s["monthly"]
        month = _floats(mon["month"])
        colour = styles[s["name"]]["color"]
        for col, ax in zip(columns, axes, strict=True):
            if first is None:
                first = ax
            else:
                ax.sharex(first)
            if col in first_ax:
                ax.sharey(first_ax[col])
            else:
                first_ax[col] = ax
            if col == "in_talks_share":
                ax.set_title("Share of runs in talks", fontsize=9, y=1.0)
                ax.set_ylabel("Share of runs")
                if mon.get("in_talks_share") is not None:
                    ax.plot(month, _floats(mon["in_talks_share"]), color=colour, linewidth=2,
                            gid=f"in_talks_{s['name']}")
                ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
            else:
                label = _MONTHLY_LABELS.get(col, col.replace("_", " ").capitalize())
                ax.set_title(label, fontsize=9, y=1.0)
                ax.set_ylabel(f"{label} level")
                q = mon.get(col)
                if q:
                    ax.fill_between(month, _floats(q["q10"]), _floats(q["q90"]), color=colour,
                                    alpha=0.25, linewidth=0)
                    ax.plot(month, _floats(q["q50"]), color=colour, linewidth=2,
                            gid=f"{col}_{s['name']}")
            ax.grid(color="#e5e5e5", linewidth=0.6)
            if i == n - 1:
                ax.set_xlabel("Months since inauguration")
            else:
                ax.tick_params(labelbottom=False)
    if first is not None:
        first.set_xlim(0, float(_horizon(summary) or np.nanmax(month)))
    handles = [
        Line2D([], [], color="#555555", linewidth=2, label="Median across runs"),
        Patch(color="#555555", alpha=0.25, label="10–90% of runs"),
    ]
    fig.legend(handles=handles, loc="lower center", ncols=2, frameon=False,
               bbox_to_anchor=(0.5, 0.02 / fig.get_figheight()))
    sub = _runs_phrase([s.get("runs") for s in scenarios])
    fig.suptitle("Month by month: tension, sanctions pressure and talks" + (f"\n{sub}" if sub
                                                                            else ""), fontsize=12,
                 y=1 - 0.1 / fig.get_figheight(), va="top")
    return fig


# --------------------------------------------------------------------------- sweep figures


def _group_points(points_df: pd.DataFrame, keys: list[str], level: float) -> pd.DataFrame:
    """Pool points sharing the same values of ``keys`` (averaging over other parameters)."""
    df = points_df.copy()
    df["_k"] = df["p_talks"] * df["runs"]
    g = df.groupby(keys, as_index=False).agg(
        runs=("runs", "sum"), _k=("_k", "sum"), p_talks=("p_talks", "mean"),
        p_talks_lo=("p_talks_lo", "first"), p_talks_hi=("p_talks_hi", "first"),
        n_points=("p_talks", "size"),
    )
    pooled = g["n_points"] > 1
    if pooled.any():
        g.loc[pooled, "p_talks"] = g.loc[pooled, "_k"] / g.loc[pooled, "runs"]
        ci = [wilson(k, r, level) for k, r in zip(g.loc[pooled, "_k"],
                                                           g.loc[pooled, "runs"], strict=True)]
        g.loc[pooled, "p_talks_lo"] = [c[0] for c in ci]
        g.loc[pooled, "p_talks_hi"] = [c[1] for c in ci]
    return g.drop(columns="_k").sort_values(keys).reset_index(drop=True)


def _sweep_subtitle(points_df: pd.DataFrame, level: float, pooled: bool) -> str:
    runs = points_df["runs"].tolist() if "runs" in points_df else []
    bits = [_runs_phrase(sorted(set(runs)), unit="point") if runs else "",
            f"{len(points_df):,} design points", f"{_level_pct(level)} Wilson intervals"]
    if len(set(runs)) == 1 and runs:
        bits[0] = f"n = {int(runs[0]):,} runs per point"
    text = " · ".join(b for b in bits if b)
    if pooled:
        text += "\npoints pooled over the other swept parameters"
    return text


def plot_sweep_1d(points_df: pd.DataFrame, param: str, level: float = 0.95) -> Figure:
    """P(talks resume) against one swept parameter, with its interval band."""
    if param not in points_df.columns:
        raise ValueError(f"points have no column {param!r}")
    g = _group_points(points_df, [param], level)
    pooled = bool((g["n_points"] > 1).any())
    x = g[param].to_numpy(float)
    fig = Figure(figsize=(7.5, 4.8), layout="constrained")
    ax = fig.subplots()
    ax.fill_between(x, g["p_talks_lo"].to_numpy(float), g["p_talks_hi"].to_numpy(float),
                    color=CAMP_COLOURS["progressive"], alpha=0.2, linewidth=0,
                    label=f"{_level_pct(level)} Wilson interval")
    ax.plot(x, g["p_talks"].to_numpy(float), marker="o", markersize=4, linewidth=2,
            color=CAMP_COLOURS["progressive"], label="P(talks resume)", gid="sweep")
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.grid(color="#e5e5e5", linewidth=0.6)
    ax.set_xlabel(f"{_param_label(param)}  ({param})")
    ax.set_ylabel("P(talks resume): share of runs")
    ax.legend(loc="best", frameon=False)
    fig.suptitle(f"How P(talks resume) depends on {_param_phrase(param)}\n"
                 f"{_sweep_subtitle(points_df, level, pooled)}", fontsize=12)
    return fig


def plot_sweep_2d(points_df: pd.DataFrame, px: str, py: str, level: float = 0.95) -> Figure:
    """Heatmap of P(talks resume) over two swept parameters (scatter if not a grid)."""
    for p in (px, py):
        if p not in points_df.columns:
            raise ValueError(f"points have no column {p!r}")
    g = _group_points(points_df, [px, py], level)
    pooled = bool((g["n_points"] > 1).any())
    xs = np.sort(g[px].unique())
    ys = np.sort(g[py].unique())
    grid = g.pivot(index=py, columns=px, values="p_talks").reindex(index=ys, columns=xs)
    values = grid.to_numpy(float)
    is_grid = len(xs) >= 2 and len(ys) >= 2 and not np.isnan(values).any()
    fig = Figure(figsize=(7.5, 6), layout="constrained")
    ax = fig.subplots()
    vmin, vmax = float(np.nanmin(g["p_talks"])), float(np.nanmax(g["p_talks"]))
    if vmax - vmin < 1e-9:
        vmin, vmax = max(0.0, vmin - 0.05), min(1.0, vmax + 0.05)
    if is_grid:
        art = ax.imshow(values, origin="lower", aspect="auto", cmap="viridis", vmin=vmin,
                        vmax=vmax, interpolation="nearest", gid="heatmap")

        def _ticks(vals: np.ndarray) -> tuple[np.ndarray, list[str]]:
            step = max(1, math.ceil(len(vals) / 10))
            idx = np.arange(0, len(vals), step)
            return idx, [f"{vals[i]:.3g}" for i in idx]

        ax.set_xticks(*_ticks(xs))
        ax.set_yticks(*_ticks(ys))
        if values.size <= 150:
            mid = (vmin + vmax) / 2
            for (r, c), v in np.ndenumerate(values):
                ax.text(c, r, f"{v:.0%}", ha="center", va="center", fontsize=7,
                        color="black" if v > mid else "white")
    else:
        art = ax.scatter(g[px], g[py], c=g["p_talks"], cmap="viridis", vmin=vmin, vmax=vmax,
                         s=40, edgecolors="none", gid="heatmap")
    cbar = fig.colorbar(art, ax=ax)
    cbar.set_label("P(talks resume): share of runs")
    cbar.ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(f"{_param_label(px)}  ({px})")
    ax.set_ylabel(f"{_param_label(py)}  ({py})")
    fig.suptitle(f"P(talks resume) across {_param_phrase(px)} and "
                 f"{_param_phrase(py)}\n{_sweep_subtitle(points_df, level, pooled)}",
                 fontsize=12)
    return fig


def plot_sensitivity(sens: Mapping[str, Any]) -> Figure:
    """Horizontal bar charts of Morris (mu*, sigma) or Sobol (S1, ST) indices."""
    method = str(sens.get("method", "")).lower()
    params = list(sens["parameters"])
    labels = [f"{_param_label(p)}" for p in params]
    outcome = _outcome_label(sens.get("outcome"))
    n = len(params)
    fig = Figure(figsize=(10 if method == "morris" else 8, 1.6 + 0.45 * n), layout="constrained")
    if method == "sobol":
        s1, st = _floats(sens["S1"]), _floats(sens["ST"])
        s1c = np.nan_to_num(_floats(sens.get("S1_conf") or [np.nan] * n))
        stc = np.nan_to_num(_floats(sens.get("ST_conf") or [np.nan] * n))
        order = np.argsort(-np.nan_to_num(st, nan=-np.inf), kind="stable")
        ys = np.arange(n)[::-1].astype(float)
        ax = fig.subplots()
        ax.barh(ys + 0.2, s1[order], height=0.38, xerr=s1c[order], capsize=3,
                color=CAMP_COLOURS["progressive"], label="First order (S1)", gid="S1")
        ax.barh(ys - 0.2, st[order], height=0.38, xerr=stc[order], capsize=3,
                color="#f4a582", label="Total effect (ST)", gid="ST")
        ax.set_yticks(ys, [labels[i] for i in order])
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel(f"Sobol index: share of the variance of {outcome}")
        ax.set_title("Error bars: 95% confidence intervals", fontsize=9, color="#444444")
        ax.set_ylabel("Parameter")
        ax.legend(loc="lower right", frameon=False)
        ax.grid(axis="x", color="#e5e5e5", linewidth=0.6)
        ax.set_axisbelow(True)
        title = "Sobol sensitivity"
    elif method == "morris":
        mu, sigma = _floats(sens["mu_star"]), _floats(sens["sigma"])
        muc = np.nan_to_num(_floats(sens.get("mu_star_conf") or [np.nan] * n))
        order = np.argsort(-np.nan_to_num(mu, nan=-np.inf), kind="stable")
        ys = np.arange(n)[::-1].astype(float)
        ax, ax2 = fig.subplots(1, 2, sharey=True)
        ax.barh(ys, mu[order], xerr=muc[order], capsize=3, color=CAMP_COLOURS["progressive"],
                gid="mu_star")
        ax.set_yticks(ys, [labels[i] for i in order])
        ax.set_xlabel(f"μ*: mean absolute elementary effect on {outcome}")
        ax.set_ylabel("Parameter")
        ax.set_title("Overall influence (μ*, with 95% conf.)", fontsize=10)
        ax2.barh(ys, sigma[order], color="#f4a582", gid="sigma")
        ax2.set_xlabel(f"σ: spread of elementary effects on {outcome}")
        ax2.set_title("Non-linearity / interactions (σ)", fontsize=10)
        ax2.tick_params(axis="y", left=False)
        for a in (ax, ax2):
            a.axvline(0, color="black", linewidth=0.8)
            a.grid(axis="x", color="#e5e5e5", linewidth=0.6)
            a.set_axisbelow(True)
        title = "Morris elementary-effects screening"
    else:
        raise ValueError(f"unknown sensitivity method {sens.get('method')!r}")
    fig.suptitle(f"Which parameters drive {outcome}? {title}", fontsize=12)
    return fig


def plot_boxes(
    points_df: pd.DataFrame, boxes: Mapping[str, Any], px: str, py: str
) -> Figure:
    """Scenario-discovery boxes drawn over the design points coloured by P(talks resume)."""
    for p in (px, py):
        if p not in points_df.columns:
            raise ValueError(f"points have no column {p!r}")
    threshold = boxes.get("threshold")
    box_list = list(boxes.get("boxes", []))
    fig = Figure(figsize=(8, 6.2), layout="constrained")
    ax = fig.subplots()
    sc = ax.scatter(points_df[px], points_df[py], c=points_df["p_talks"], cmap="viridis",
                    vmin=0, vmax=1, s=45, edgecolors="none", alpha=0.9, gid="points")
    cbar = fig.colorbar(sc, ax=ax)
    cbar.set_label("P(talks resume): share of runs")
    cbar.ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    xmin, xmax = float(points_df[px].min()), float(points_df[px].max())
    ymin, ymax = float(points_df[py].min()), float(points_df[py].max())
    palette = ["#e41a1c", "#ff7f00", "#f781bf", "#a65628", "#999999"]
    hidden = False
    for i, box in enumerate(box_list):
        lim = box.get("limits", {})
        x0, x1 = lim.get(px, [xmin, xmax])
        y0, y1 = lim.get(py, [ymin, ymax])
        hidden = hidden or any(k not in (px, py) for k in lim)
        label = f"Box {i + 1}"
        if box.get("coverage") is not None:
            label += f": coverage {float(box['coverage']):.0%}"
        if box.get("density") is not None:
            label += f", density {float(box['density']):.0%}"
        ax.add_patch(Rectangle((float(x0), float(y0)), float(x1) - float(x0),
                               float(y1) - float(y0), fill=False, linewidth=2.2,
                               edgecolor=palette[i % len(palette)],
                               linestyle=_LINESTYLES[i % len(_LINESTYLES)], label=label,
                               gid=f"box_{i + 1}"))
    pad_x = 0.03 * (xmax - xmin or 1)
    pad_y = 0.03 * (ymax - ymin or 1)
    ax.set_xlim(xmin - pad_x, xmax + pad_x)
    ax.set_ylim(ymin - pad_y, ymax + pad_y)
    ax.set_xlabel(f"{_param_label(px)}  ({px})")
    ax.set_ylabel(f"{_param_label(py)}  ({py})")
    if box_list:
        ax.legend(loc="upper left", bbox_to_anchor=(0, -0.12), ncols=2, frameon=False,
                  fontsize=8)
    thr = f" ≥ {float(threshold):.0%}" if threshold is not None else ""
    note = ("\nboxes may also limit parameters not shown here" if hidden else "")
    fig.suptitle(f"Where is P(talks resume){thr}? Scenario-discovery boxes\n"
                 f"{len(points_df):,} design points{note}", fontsize=12)
    return fig


# --------------------------------------------------------------------------- results dirs


def load_results(results_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """Load whatever result files a directory holds.

    Returns a dict with keys ``summary``, ``manifest``, ``points`` (DataFrame),
    ``sensitivity``, ``boxes``, ``sweep`` and ``hindcast``; absent files map to ``None``.
    Raises :class:`ResultsError` if the directory is missing or holds none of
    ``summary.json``, ``points.csv`` and ``hindcast.json``.
    """
    d = Path(results_dir)
    if not d.is_dir():
        raise ResultsError(f"no such results directory: {d}")

    def _json(name: str) -> Any:
        f = d / name
        if not f.is_file():
            return None
        try:
            data = read_json(f, f.stem)
            if not isinstance(data, dict):
                raise ResultsFolderError(f"{f}: must be a JSON object (got {excerpt(data)})")
            return check_summary(data, str(f)) if name == "summary.json" else data
        except ResultsFolderError as exc:
            raise ResultsError(str(exc)) from None

    out: dict[str, Any] = {
        "summary": _json("summary.json"),
        "manifest": _json("manifest.json"),
        "sensitivity": _json("sensitivity.json"),
        "boxes": _json("boxes.json"),
        "sweep": _json("sweep.json"),
        "hindcast": _json("hindcast.json"),
        "points": None,
    }
    if (d / "points.csv").is_file():
        try:
            out["points"] = pd.read_csv(d / "points.csv")
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise ResultsError(f"cannot read {d / 'points.csv'}: {exc}") from exc
    if out["summary"] is None and out["points"] is None and out["hindcast"] is None:
        raise ResultsError(f"{d} holds none of summary.json, points.csv, hindcast.json")
    return out


def sweep_parameters(points: pd.DataFrame, sweep: Mapping[str, Any] | None = None) -> list[str]:
    """Names of the swept parameter columns of ``points.csv``."""
    if sweep and sweep.get("parameters"):
        names = [p["path"] if isinstance(p, Mapping) else str(p) for p in sweep["parameters"]]
        names = [p for p in names if p in points.columns]
        if names:
            return names
    cols = list(points.columns)
    start = cols.index("point") + 1 if "point" in cols else 0
    stop = cols.index("runs") if "runs" in cols else len(cols)
    return cols[start:stop]


def _box_axes(params: list[str], points: pd.DataFrame, boxes: Mapping[str, Any]) -> list[str]:
    """The two parameters the first box restricts most (relative to the sampled range)."""
    box_list = boxes.get("boxes") or []
    if not box_list:
        return params[:2]
    lim = box_list[0].get("limits", {})

    def narrowness(p: str) -> float:
        if p not in lim:
            return 1.0
        rng = float(points[p].max() - points[p].min()) or 1.0
        return (float(lim[p][1]) - float(lim[p][0])) / rng

    ranked = sorted(params, key=lambda p: (narrowness(p), params.index(p)))
    chosen = ranked[:2]
    return sorted(chosen, key=params.index)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "-", text).strip("-")


PARAMETER_BAND = "#d4a017"  # the interval over parameter draws, behind P(talks)
ENGAGED_OFFSET = 0.24  # P(talks | engaged) sits this far below its scenario's P(talks)


def _given_engaged(summary: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P(talks | engaged) with its interval per row (NaN where undefined or not reported)."""
    by_name = {s["name"]: s.get("talks_given_engaged") or {} for s in summary["scenarios"]}
    cells = [by_name.get(r["scenario"], {}) for r in rows]
    return tuple(_floats(np.nan if c.get(k) is None else c[k] for c in cells)
                 for k in ("p", "lo", "hi"))


def _parameter_spread(summary: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]
                      ) -> tuple[np.ndarray, np.ndarray] | None:
    """P(talks)'s interval over parameter draws per row; None without parameter draws."""
    params = summary.get("parameter_uncertainty")
    if not params:
        return None
    cells = [params["scenarios"].get(r["scenario"], {}).get("talks_resumed", {})
             for r in rows]
    return (_floats(c.get("param_lo", np.nan) for c in cells),
            _floats(c.get("param_hi", np.nan) for c in cells))


def ranking_means(summary: Mapping[str, Any]) -> pd.DataFrame | None:
    """P(talks) per scenario (rows) and parameter draw (columns); None without draws."""
    per_draw = (summary.get("parameter_uncertainty") or {}).get("per_draw_talks")
    if not per_draw or len(per_draw) < 2:
        return None
    return pd.DataFrame.from_dict(per_draw, orient="index")


def iter_figures(results: Mapping[str, Any] | str | os.PathLike[str]) -> Iterator[
        tuple[str, str, Figure]]:
    """Yield ``(name, caption, figure)`` for every figure the results support.

    ``results`` is a results directory or the dict :func:`load_results` returns.
    Figures are built lazily, one at a time.
    """
    if not isinstance(results, Mapping):
        results = load_results(results)
    summary = results.get("summary")
    if summary and summary.get("scenarios"):
        scen = summary["scenarios"]
        yield ("comparison", "P(talks resume) per scenario, ranked, with paired differences "
               "from the reference scenario.", plot_comparison(summary))
        if any(s.get("time_to_talks") for s in scen):
            yield ("time_to_talks", "Share of runs with no talks yet, by months since "
                   "inauguration (Kaplan–Meier).", plot_time_to_talks(summary))
        if any(s.get("counts") for s in scen):
            yield ("count_distributions", "Distributions of missile tests, ICBM tests and "
                   "months in talks per run.", plot_count_distributions(summary))
        means = ranking_means(summary)
        if means is not None:
            from parley.outputs.ranking_plots import plot_ranking_stability

            yield ("ranking_stability", "Share of parameter draws in which each scenario "
                   "takes each rank of P(talks resume).", plot_ranking_stability(means))
        if any(s.get("monthly") for s in scen):
            yield ("monthly_fans", "Tension, sanctions pressure and share of runs in talks, "
                   "month by month (median and 10–90% of runs).", plot_monthly_fans(summary))
    points = results.get("points")
    if points is not None and len(points) and "p_talks" in points.columns:
        params = sweep_parameters(points, results.get("sweep"))
        for p in params[:8]:
            yield (f"sweep_{_slug(p)}", f"P(talks resume) against {p}.",
                   plot_sweep_1d(points, p))
        if len(params) >= 2:
            yield (f"sweep_2d_{_slug(params[0])}__{_slug(params[1])}",
                   f"P(talks resume) over {params[0]} and {params[1]}.",
                   plot_sweep_2d(points, params[0], params[1]))
        boxes = results.get("boxes")
        if boxes and boxes.get("boxes") and len(params) >= 2:
            px, py = _box_axes(params, points, boxes)
            yield ("boxes", f"Scenario-discovery boxes on {px} and {py}.",
                   plot_boxes(points, boxes, px, py))
    sens = results.get("sensitivity")
    if sens and sens.get("parameters"):
        yield ("sensitivity", f"{str(sens.get('method', '')).capitalize()} sensitivity "
               "indices.", plot_sensitivity(sens))


def save_figure(fig: Figure, path: str | os.PathLike[str], fmt: str | None = None) -> Path:
    """Save ``fig`` to ``path`` atomically (temp file in the same dir, then ``os.replace``)."""
    path = Path(path)
    fmt = fmt or path.suffix.lstrip(".") or "png"
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path) as fh:
        fig.savefig(fh, format=fmt, dpi=DPI, facecolor="white",
                    metadata={"Software": "parley"} if fmt == "png" else None)
    return path


def save_figures(results_dir: str | os.PathLike[str], fmt: str = "png") -> list[Path]:
    """Make every applicable figure and save it under ``results_dir/figures/``."""
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    results = load_results(results_dir)
    out_dir = Path(results_dir) / "figures"
    written: list[Path] = []
    for name, _caption, fig in iter_figures(results):
        # no fig.clear(): it rebuilds every axes' ticks (a sixth of the time here), and a
        # Figure made without pyplot is freed once the loop drops it
        written.append(save_figure(fig, out_dir / f"{name}.{fmt}", fmt))
    return written
