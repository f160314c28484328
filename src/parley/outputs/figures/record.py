"""Figures of the hindcast over the whole record (never imports the model or analysis).

Each ``plot_*`` function takes the dict written by ``parley hindcast``
(``hindcast.json``) and returns a figure; :func:`write_record_figures` writes
them beside hindcast.json, as ``parley hindcast`` does.  Pattern names and
their order come from the dict; missing scores read "n/a".
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from parley.results.store import atomic_open

__all__ = ["RECORD_FIGURES", "RECORD_PLOTS", "plot_patterns", "plot_reliability", "plot_rolling",
           "record_figure_names", "write_record_figures"]

DPI = 120
PATTERN_LABELS = {
    "first_talks_month": "first month\nin talks", "months_in_talks": "months\nin talks",
    "spells": "spells", "collapses": "collapses",
    "tests_per_month_in_talks": "tests/month\nin talks",
    "tests_per_month_out_of_talks": "tests/month\nout of talks",
}
#: name -> caption of every hindcast figure, in the order they are drawn.
RECORD_FIGURES = {
    "hindcast_reliability": "Month-level reliability: predicted share of worlds in talks "
    "against the share of months in talks in the record.",
    "hindcast_patterns": "Where the record falls among the simulated worlds, per term and "
    "pattern (0.5 typical; below 0.05 or above 0.95 a miss).",
    "hindcast_rolling": "Rolling-origin forecasts of talks in the rest of each term.",
}
_TALKS, _NO_TALKS = "tab:red", "tab:gray"


def _score(x: Any) -> str:
    return "n/a" if x is None else f"{float(x):.3f}"


def plot_reliability(result: Mapping[str, Any]) -> Figure:
    """Month-level reliability: mean predicted P(in talks) per bin against the observed share."""
    m = result["month"]
    bins = m["reliability"]
    fig = Figure(figsize=(5.2, 5.0), layout="constrained")
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", label="perfect reliability")
    x, y = [b["mean_p"] for b in bins], [b["observed"] for b in bins]
    biggest = max((b["n"] for b in bins), default=1) or 1
    ax.scatter(x, y, s=[20 + 180 * b["n"] / biggest for b in bins], color="tab:blue",
               zorder=3, label="model (area: months)", gid="reliability")
    ax.plot(x, y, color="tab:blue", lw=1)
    for b in bins:
        ax.annotate(str(b["n"]), (b["mean_p"], b["observed"]), textcoords="offset points",
                    xytext=(5, -10), fontsize=7, color="0.3")
    ax.set_title(f"Months in talks, {m.get('n_months', 'n/a')} months of the record\n"
                 f"log loss model {_score(m.get('log_model'))} vs climatology "
                 f"{_score(m.get('log_climatology'))} (nats, lower is better)", fontsize=9)
    ax.set_xlabel("predicted P(in talks that month)")
    ax.set_ylabel("share of those months in talks (record)")
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1.02)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    return fig


def _pattern_grid(rows: list[Mapping[str, Any]], patterns: list[str]) -> np.ndarray:
    grid = np.full((len(rows), len(patterns)), np.nan)
    for i, r in enumerate(rows):
        for j, k in enumerate(patterns):
            q = ((r.get("patterns") or {}).get(k) or {}).get("quantile")
            grid[i, j] = np.nan if q is None else q
    return grid


def plot_patterns(result: Mapping[str, Any]) -> Figure:
    """Where the record falls in the simulated distribution: quantile per term and pattern.

    Cells far from 0.5 are dark, so their numbers are written in white; an
    undefined quantile is a hatched grey cell marked "n/a".
    """
    rows = result["rows"]
    patterns = list(rows[0].get("patterns") or {}) if rows else []
    grid = _pattern_grid(rows, patterns)
    fig = Figure(figsize=(8.0, 0.45 * len(rows) + 1.8), layout="constrained")
    ax = fig.add_subplot()
    ax.set_facecolor("#dddddd")
    ax.patch.set_hatch("//")
    ax.patch.set_edgecolor("#bbbbbb")
    im = ax.imshow(np.ma.masked_invalid(grid), cmap="RdBu_r", vmin=0, vmax=1, aspect="auto",
                   gid="patterns")
    for (i, j), q in np.ndenumerate(grid):
        dark = np.isfinite(q) and abs(q - 0.5) > 0.3
        ax.text(j, i, "n/a" if np.isnan(q) else f"{q:.2f}", ha="center", va="center",
                fontsize=8, color="white" if dark else "black", gid="pattern_value")
    ax.set_xticks(range(len(patterns)), [PATTERN_LABELS.get(k, k) for k in patterns],
                  fontsize=8)
    labels = [f"{r['scenario']}{' (to date)' if r.get('censored') else ''}" for r in rows]
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.set_title("Quantile of the record among simulated worlds (0.5 = typical; "
                 "near 0 or 1 = the model misses)", fontsize=9)
    cbar = fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02)
    cbar.set_label("quantile of the record", fontsize=8)
    return fig


def plot_rolling(result: Mapping[str, Any]) -> Figure:
    """Rolling-origin forecasts of talks in the rest of each term, with what happened.

    Terms run from the earliest at the top; a dot's area is the forecast, its
    colour whether talks followed in the record.
    """
    forecasts = result["rolling"]["forecasts"]
    names = list(dict.fromkeys(f["scenario"] for f in forecasts))
    row = {n: i for i, n in enumerate(names)}
    fig = Figure(figsize=(8.0, 0.45 * len(names) + 2.2), layout="constrained")
    ax = fig.add_subplot()
    for f in forecasts:
        y = row[f["scenario"]]
        ax.scatter(f["origin"], y, s=20 + 200 * f["p"],
                   color=_TALKS if f["observed"] else _NO_TALKS, alpha=0.8)
        ax.annotate(f"{f['p']:.2f}", (f["origin"], y), textcoords="offset points",
                    xytext=(0, 8), ha="center", fontsize=6)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_ylim(len(names) - 0.3, -0.7)  # the first term on top
    ax.set_xlabel("forecast origin (months into the term)")
    r = result["rolling"]
    ax.set_title("P(talks in the rest of the term | record so far)\n"
                 f"Brier model {_score(r.get('brier_model'))}, base rate "
                 f"{_score(r.get('brier_base_rate'))}, coin 0.250", fontsize=9)
    handles = [Line2D([], [], marker="o", linestyle="none", color=c, label=t)
               for c, t in ((_TALKS, "talks followed"), (_NO_TALKS, "no talks followed"))]
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False, fontsize=8)
    return fig


RECORD_PLOTS = {"hindcast_reliability": plot_reliability, "hindcast_patterns": plot_patterns,
                "hindcast_rolling": plot_rolling}


def record_figure_names(result: Mapping[str, Any]) -> list[str]:
    """The hindcast figures the result supports (rolling origins only when it has some)."""
    rolling = bool((result.get("rolling") or {}).get("forecasts"))
    return [n for n in RECORD_FIGURES if n != "hindcast_rolling" or rolling]


def _save(fig: Figure, path: Path) -> Path:
    with atomic_open(path) as fh:
        fig.savefig(fh, format="png", dpi=DPI, facecolor="white")
    return path


def write_record_figures(result: Mapping[str, Any], folder: Path) -> list[Path]:
    """All hindcast figures into ``folder`` (as ``<name>.png``, beside hindcast.json)."""
    folder.mkdir(parents=True, exist_ok=True)
    return [_save(RECORD_PLOTS[name](result), folder / f"{name}.png")
            for name in record_figure_names(result)]
