"""Per-run count distributions and month-by-month fan charts (small multiples per scenario).

Months in talks are a spike at zero in most scenarios (most runs never talk),
which on one share axis hides everything else.  Their panel is therefore two
axes: a narrow bar for the runs with no month in talks, on a 0-100% scale of
all runs, and beside it the histogram of the runs with talks, as shares of
those runs (so each sums to 100% and rows compare), with their median and
10-90% range.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, MaxNLocator, PercentFormatter

from parley.outputs.figures.common import (
    COUNT_LABELS,
    GRID,
    MONTHLY_LABELS,
    StepPercentFormatter,
    fix_ticks,
    floats,
    horizon,
    joined,
    ranked,
    row_title,
    runs_phrase,
    scenario_styles,
    small_multiples,
    suptitle_at_top,
)

__all__ = ["count_quantile", "plot_count_distributions", "plot_monthly_fans"]

ZERO_WIDTH_IN, ZERO_GAP_IN = 0.3, 0.5  # the no-talks bar of a months-in-talks panel
_STATS_BOX = {"facecolor": "white", "alpha": 0.85, "linewidth": 0, "pad": 1.5}


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


def count_quantile(values: np.ndarray, freq: np.ndarray, q: float) -> float:
    """The smallest value with at least a share ``q`` of the runs at or below it."""
    cum = np.cumsum(freq)
    return float(values[min(int(np.searchsorted(cum, q * cum[-1])), len(values) - 1)])


@dataclass
class _Panel:
    """Where one panel goes and what it shows."""

    ax: Any
    scenario: Mapping[str, Any]
    metric: str
    colour: str
    bottom: bool  # the bottom row: numbered x axis and its label
    first: bool  # the first column: y label
    peak: float = 0.0  # the tallest bar drawn
    zero: Any = None  # months in talks: the axes of the no-talks bar


class _Sharing:
    """Panels of one kind share their axes with the first panel of that kind."""

    def __init__(self) -> None:
        self.first: dict[str, Any] = {}
        self.peak: dict[str, float] = {}

    def headroom(self, key: str, peak: float) -> None:
        """Note a panel's tallest bar; :meth:`make_room` leaves room above the tallest."""
        self.peak[key] = max(self.peak.get(key, 0.0), peak)

    def make_room(self, share: float = 1.3) -> None:
        """Shared share axes up to 1.3 x their tallest bar, so the stats text sits clear."""
        for key, peak in self.peak.items():
            if peak > 0:
                self.first[key].set_ylim(0, share * peak)

    def join(self, ax: Any, key: str, *, x: bool = True, y: bool = True) -> None:
        if key not in self.first:
            self.first[key] = ax
            return
        if x:
            ax.sharex(self.first[key])
        if y:
            ax.sharey(self.first[key])


def _x_label(p: _Panel, h: int | None) -> None:
    label = COUNT_LABELS.get(p.metric, p.metric.replace("_", " ").capitalize())
    if not p.bottom:
        p.ax.tick_params(labelbottom=False)  # shared x: numbered on the bottom row
    elif p.metric == "months_in_talks":
        p.ax.set_xlabel(f"Months in talks per run{f' (of {h})' if h else ''}")
    else:
        p.ax.set_xlabel(f"{label} per run{f' over {h} months' if h else ''}")


def _median_line(ax: Any, x: float) -> None:
    """``ax.axvline(x)``, without its look at the x limits first (which autoscaled the
    whole shared column once per panel; the limits are the same, set once at the end)."""
    ax.add_line(Line2D([x, x], [0, 1], transform=ax.get_xaxis_transform(which="grid"),
                       color="black", linewidth=1, linestyle="--"))


def _distribution(p: _Panel, values: np.ndarray, freq: np.ndarray, gid: str,
                  given: Mapping[str, Any] | None = None) -> str:
    """Bars as shares of ``freq``, the 10-90% band and the median; returns the stats text.

    The mean and quantiles are ``given``'s (summary.json's) where it has them,
    else computed from the distribution itself.
    """
    given = given or {}
    total = float(np.nansum(freq))
    _count_bars(p.ax, values, freq / total, color=p.colour, gid=gid)
    p.peak = float(np.nanmax(freq)) / total
    q10, q50, q90 = (float(given[k]) if given.get(k) is not None
                     else count_quantile(values, freq, q)
                     for k, q in (("q10", 0.1), ("q50", 0.5), ("q90", 0.9)))
    p.ax.axvspan(q10 - 0.5, q90 + 0.5, color="#999999", alpha=0.12, linewidth=0)
    _median_line(p.ax, q50)
    mean = (float(given["mean"]) if given.get("mean") is not None
            else float(np.dot(values, freq) / total))
    return f"mean {mean:.1f}, median {q50:g}"


def _finish(p: _Panel, stats: str, title: str) -> None:
    p.ax.set_title(title, fontsize=9, y=1.0)  # fixed y: no per-save search of shared axes
    if stats:
        p.ax.text(0.98, 0.96, stats, transform=p.ax.transAxes, ha="right", va="top",
                  fontsize=7.5, bbox=_STATS_BOX, zorder=5)
    p.ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    p.ax.yaxis.set_major_formatter(StepPercentFormatter())
    p.ax.grid(axis="y", **GRID)
    p.ax.set_axisbelow(True)


def _count_panel(p: _Panel, sharing: _Sharing, h: int | None) -> None:
    """Missile tests, ICBM tests: the share of runs at each count."""
    p.ax.set_ylabel("Share of runs" if p.first else "")
    _x_label(p, h)
    c = p.scenario["counts"].get(p.metric)
    label = COUNT_LABELS.get(p.metric, p.metric.replace("_", " ").capitalize())
    if not c or not c.get("values"):
        p.ax.text(0.5, 0.5, "no data", transform=p.ax.transAxes, ha="center")
        p.ax.set_title(label, fontsize=9, y=1.0)
        return
    stats = _distribution(p, floats(c["values"]), floats(c["freq"]),
                          f"counts_{p.scenario['name']}_{p.metric}", c)
    sharing.headroom(p.metric, p.peak)
    _finish(p, stats, label)


def _split(fig: Figure, ax: Any) -> Any:
    """Carve the no-talks bar's axes off the left of a panel; returns the new axes."""
    box = ax.get_position()
    w = fig.get_figwidth()
    zero = fig.add_axes((box.x0, box.y0, ZERO_WIDTH_IN / w, box.height))
    left = box.x0 + (ZERO_WIDTH_IN + ZERO_GAP_IN) / w
    ax.set_position((left, box.y0, box.x1 - left, box.height))
    return zero


def _zero_bar(zero: Any, share: float, p: _Panel) -> None:
    zero.bar([0], [share], width=0.7, color=p.colour, alpha=0.5, linewidth=0,
             gid=f"counts_{p.scenario['name']}_months_in_talks_zero")
    zero.set_xlim(-0.6, 0.6)
    zero.set_ylim(0, 1)
    zero.xaxis.set_major_locator(FixedLocator([0]))
    zero.set_xticklabels(["none"], fontsize=7)
    zero.yaxis.set_major_locator(FixedLocator([0, 0.5, 1]))
    zero.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    zero.tick_params(labelsize=7)
    zero.set_title(f"{share:.0%}", fontsize=8, y=1.0)
    zero.set_ylabel("all runs" if p.first else "", fontsize=8)


def _months_panel(p: _Panel, sharing: _Sharing, h: int | None) -> None:
    """Months in talks: no-talks runs as one bar, the runs with talks as a histogram."""
    zero = p.zero
    _x_label(p, h)
    c = p.scenario["counts"].get(p.metric) or {}
    values, freq = floats(c.get("values", [])), floats(c.get("freq", []))
    total = float(np.nansum(freq))
    talked = values > 0
    _zero_bar(zero, float(freq[~talked].sum() / total) if total > 0 else 0.0, p)
    p.ax.set_ylabel("Share of runs with talks" if p.first else "", fontsize=8)
    if not freq[talked].sum() > 0:
        p.ax.text(0.5, 0.5, "no run with talks" if total > 0 else "no data",
                  transform=p.ax.transAxes, ha="center", va="center", fontsize=8)
        p.ax.set_title("Months in talks", fontsize=9, y=1.0)
        return
    stats = _distribution(p, values[talked], freq[talked],
                          f"counts_{p.scenario['name']}_months_in_talks")
    sharing.headroom(p.metric, p.peak)
    _finish(p, stats, "Months in talks, runs with talks")


def _count_grid(fig: Figure, grid: np.ndarray, scenarios: Sequence[Mapping[str, Any]],
                metrics: Sequence[str]) -> tuple[list[list[_Panel]], _Sharing]:
    """Every panel, its axes joined to the others of its kind before any is drawn on:
    joining a panel to a column that holds data autoscaled the whole column again."""
    styles = scenario_styles(scenarios)
    n, sharing = len(scenarios), _Sharing()
    panels = [[_Panel(grid[i, j], s, metric, styles[s["name"]]["color"], i == n - 1, j == 0)
               for j, metric in enumerate(metrics)] for i, s in enumerate(scenarios)]
    for p in (p for row in panels for p in row):
        if p.metric == "months_in_talks":
            p.zero = _split(fig, p.ax)
            sharing.join(p.zero, "months_zero", x=False)
        sharing.join(p.ax, p.metric)
    return panels, sharing


def _count_inputs(summary: Mapping[str, Any], metrics: Sequence[str]
                  ) -> tuple[list[Mapping[str, Any]], list[str]]:
    scenarios = ranked(summary, "counts")
    if not scenarios:
        raise ValueError("summary has no counts")
    metrics = [m for m in metrics if any(m in s["counts"] for s in scenarios)]
    if not metrics:
        raise ValueError("summary has none of the requested count metrics")
    return scenarios, metrics


def plot_count_distributions(
    summary: Mapping[str, Any],
    metrics: Sequence[str] = ("tests", "icbm_tests", "months_in_talks"),
) -> Figure:
    """Small multiples of the distribution of per-run counts, one row per scenario."""
    scenarios, metrics = _count_inputs(summary, metrics)
    h = horizon(summary)
    n, m = len(scenarios), len(metrics)
    header = 0.95 if "months_in_talks" in metrics else 0.75
    fig, grid = small_multiples(n, m, panel_in=(2.9, 1.25), header_in=header, footer_in=0.55,
                                row_gap_in=0.75)
    panels, sharing = _count_grid(fig, grid, scenarios, metrics)
    for i, s in enumerate(scenarios):
        row_title(fig, grid[i, 0], s.get("title") or s["name"])
        for p in panels[i]:
            if p.metric == "months_in_talks":
                _months_panel(p, sharing, h)
            else:
                _count_panel(p, sharing, h)
    sharing.make_room()
    sub = joined(runs_phrase([s.get("runs") for s in scenarios]),
                 "dashed: median; grey band: 10–90% of runs")
    if "months_in_talks" in metrics:
        sub += ("\nmonths in talks: the narrow bar is the share of all runs with none, "
                "the histogram the runs with talks")
    suptitle_at_top(fig, f"How many tests, and how long in talks? Distributions per run\n{sub}")
    fix_ticks(fig)
    return fig


# --------------------------------------------------------------------------- fan charts


def _fan(ax: Any, mon: Mapping[str, Any], col: str, colour: str, name: str) -> None:
    """Median and 10-90% band of one monthly level."""
    label = MONTHLY_LABELS.get(col, col.replace("_", " ").capitalize())
    ax.set_title(label, fontsize=9, y=1.0)
    ax.set_ylabel(f"{label} level")
    q = mon.get(col)
    if not q:
        ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center")
        return
    month = floats(mon["month"])
    ax.fill_between(month, floats(q["q10"]), floats(q["q90"]), color=colour, alpha=0.25,
                    linewidth=0)
    ax.plot(month, floats(q["q50"]), color=colour, linewidth=2, gid=f"{col}_{name}")


def _talks_share(ax: Any, mon: Mapping[str, Any], colour: str, name: str) -> None:
    ax.set_title("Share of runs in talks", fontsize=9, y=1.0)
    ax.set_ylabel("Share of runs")
    if mon.get("in_talks_share") is not None:
        ax.plot(floats(mon["month"]), floats(mon["in_talks_share"]), color=colour,
                linewidth=2, gid=f"in_talks_{name}")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))


def _fan_sharing(grid: np.ndarray, columns: list[str]) -> _Sharing:
    """Every axes joined first (months across the figure, each level down its column):
    joining an axes to a column that holds data autoscaled the whole column again."""
    sharing = _Sharing()
    for row in grid:
        for col, ax in zip(columns, row, strict=True):
            sharing.join(ax, "month", y=False)
            sharing.join(ax, col, x=False)
    return sharing


def _fan_row(axes: Any, columns: list[str], s: Mapping[str, Any], colour: str, *,
             bottom: bool) -> None:
    """One scenario's row: a fan per level, then the share of runs in talks."""
    for col, ax in zip(columns, axes, strict=True):
        if col == "in_talks_share":
            _talks_share(ax, s["monthly"], colour, s["name"])
        else:
            _fan(ax, s["monthly"], col, colour, s["name"])
        ax.grid(**GRID)
        ax.set_xlabel("Months since inauguration" if bottom else "")
        ax.tick_params(labelbottom=bottom)


def _fan_legend(fig: Figure) -> None:
    handles = [Line2D([], [], color="#555555", linewidth=2, label="Median across runs"),
               Patch(color="#555555", alpha=0.25, label="10–90% of runs")]
    fig.legend(handles=handles, loc="lower center", ncols=2, frameon=False,
               bbox_to_anchor=(0.5, 0.02 / fig.get_figheight()))


def plot_monthly_fans(
    summary: Mapping[str, Any],
    series: Sequence[str] = ("tension", "sanctions_pressure"),
) -> Figure:
    """Fan charts (median, 10–90% band) per month and the share of runs in talks."""
    scenarios = ranked(summary, "monthly")
    if not scenarios:
        raise ValueError("summary has no monthly data")
    columns = [k for k in series if any(k in s["monthly"] for s in scenarios)]
    columns.append("in_talks_share")
    styles = scenario_styles(scenarios)
    n = len(scenarios)
    fig, grid = small_multiples(n, len(columns), panel_in=(3.0, 1.35), header_in=0.75,
                                footer_in=0.95, row_gap_in=0.75)
    sharing = _fan_sharing(grid, columns)
    for i, s in enumerate(scenarios):
        row_title(fig, grid[i, 0], s.get("title") or s["name"])
        _fan_row(grid[i], columns, s, styles[s["name"]]["color"], bottom=i == n - 1)
    last = max(float(np.nanmax(floats(s["monthly"]["month"]))) for s in scenarios)
    sharing.first["month"].set_xlim(0, float(horizon(summary) or last))
    _fan_legend(fig)
    sub = runs_phrase([s.get("runs") for s in scenarios])
    suptitle_at_top(fig, "Month by month: tension, sanctions pressure and talks"
                    + (f"\n{sub}" if sub else ""))
    fix_ticks(fig)
    return fig
