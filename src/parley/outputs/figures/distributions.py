"""Per-run count distributions and month-by-month fan charts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from parley.outputs.figures.common import (
    _COUNT_LABELS,
    _MONTHLY_LABELS,
    StepPercentFormatter,
    _floats,
    _horizon,
    _ranked,
    _row_title,
    _runs_phrase,
    _small_multiples,
    scenario_styles,
)


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
