"""The comparison figure: P(talks resume) per scenario, ranked, with paired differences."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from parley.outputs.figures.common import (
    _CAMP_LABELS,
    CAMP_COLOURS,
    ENGAGED_OFFSET,
    PARAMETER_BAND,
    _camp,
    _floats,
    _horizon,
    _level_pct,
    _pp,
    _runs_phrase,
    _titles,
    _wrap,
    _xerr,
)


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
