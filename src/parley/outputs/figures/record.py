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

__all__ = ["RECORD_FIGURES", "RECORD_PLOTS", "TERM_TARGETS", "plot_patterns", "plot_reliability",
           "plot_rolling", "plot_terms", "record_figure_names", "write_record_figures"]

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
    "hindcast_terms": "Each term's probability with its Monte Carlo interval and its "
    "interval over parameter draws, beside what happened.",
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


#: the term-level targets of :func:`plot_terms`: row keys (probability, Monte Carlo
#: interval, interval over draws, what happened) and the panel's title
TERM_TARGETS = {
    "underway": (("p_talks", "lo", "hi", "talks_param_lo", "talks_param_hi", "observed_talks"),
                 "talks under way in the term"),
    "new_spell": (("p_new_spell", "new_spell_lo", "new_spell_hi", "new_spell_param_lo",
                   "new_spell_param_hi", "observed_new_spell"),
                  "a new spell of talks begins in the term"),
}


def plot_terms(result: Mapping[str, Any]) -> Figure:
    """Per term and target, the model's probability (dot) with its 95% Monte Carlo interval
    (thin bar) and the 95% interval over parameter draws (wide pale bar: how much the
    chance moves with the values we chose; absent for a point run), the dot coloured by
    what happened (hollow: the term is not over and it has not happened yet).

    Terms run from the earliest at the top, as in :func:`plot_rolling`.
    """
    rows = result["rows"]
    names = [r["scenario"] for r in rows]
    fig = Figure(figsize=(9.0, 0.42 * len(rows) + 2.0), layout="constrained")
    axes = fig.subplots(1, len(TERM_TARGETS), sharey=True)
    for ax, (target, (keys, title)) in zip(axes, TERM_TARGETS.items(), strict=True):
        p_key, lo_key, hi_key, dlo_key, dhi_key, seen_key = keys
        for y, r in enumerate(rows):
            if r.get(dlo_key) is not None:
                ax.plot([r[dlo_key], r[dhi_key]], [y, y], color="tab:blue", alpha=0.25, lw=7,
                        solid_capstyle="butt", gid="draw_interval")
            ax.plot([r[lo_key], r[hi_key]], [y, y], color="0.2", lw=1.2, gid="mc_interval")
            seen = r.get(seen_key)
            ax.scatter([r[p_key]], [y], s=36, zorder=3, gid="term_point",
                       color="white" if seen is None else _TALKS if seen else _NO_TALKS,
                       edgecolors=_NO_TALKS if seen is None else "none")
        scores = (result.get("targets") or {}).get(target, {}).get("term", {})
        ax.set_title(f"{title}\nBrier model {_score(scores.get('model', {}).get('brier'))}, "
                     f"base rate {_score(scores.get('base_rate', {}).get('brier'))}",
                     fontsize=9)
        ax.set_xlim(-0.02, 1.02)
        ax.set_xlabel("P from the start of the term (share of simulated worlds)")
        ax.grid(axis="x", color="0.9")
    axes[0].set_yticks(range(len(names)), names, fontsize=8)
    axes[0].set_ylim(len(names) - 0.4, -0.6)  # the first term on top
    handles = [Line2D([], [], marker="o", linestyle="none", color=_TALKS, label="happened"),
               Line2D([], [], marker="o", linestyle="none", color=_NO_TALKS,
                      label="did not happen"),
               Line2D([], [], marker="o", linestyle="none", color="white",
                      markeredgecolor=_NO_TALKS, label="not yet (term not over)"),
               Line2D([], [], color="0.2", lw=1.2, label="95% Monte Carlo"),
               Line2D([], [], color="tab:blue", alpha=0.25, lw=7,
                      label="95% over parameter draws")]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False, fontsize=8)
    return fig


RECORD_PLOTS = {"hindcast_reliability": plot_reliability, "hindcast_patterns": plot_patterns,
                "hindcast_rolling": plot_rolling, "hindcast_terms": plot_terms}


def record_figure_names(result: Mapping[str, Any]) -> list[str]:
    """The hindcast figures the result supports (rolling origins only when it has some; the
    terms' probabilities only when every row has both targets')."""
    have = {"hindcast_rolling": bool((result.get("rolling") or {}).get("forecasts")),
            "hindcast_terms": bool(result.get("rows")) and all(
                keys[0] in r for r in result["rows"] for keys, _ in TERM_TARGETS.values())}
    return [n for n in RECORD_FIGURES if have.get(n, True)]


def _save(fig: Figure, path: Path) -> Path:
    with atomic_open(path) as fh:
        fig.savefig(fh, format="png", dpi=DPI, facecolor="white")
    return path


def write_record_figures(result: Mapping[str, Any], folder: Path) -> list[Path]:
    """All hindcast figures into ``folder`` (as ``<name>.png``, beside hindcast.json)."""
    folder.mkdir(parents=True, exist_ok=True)
    return [_save(RECORD_PLOTS[name](result), folder / f"{name}.png")
            for name in record_figure_names(result)]
