"""Figures of the hindcast over the whole record (never imports the model or analysis).

Each function takes the dict written by ``parley hindcast`` (``hindcast.json``) and writes
one PNG atomically, returning its path.  Pattern names and their order come from the dict.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from parley.results.store import atomic_open

DPI = 120
PATTERN_LABELS = {
    "first_talks_month": "first month\nin talks", "months_in_talks": "months\nin talks",
    "spells": "spells", "collapses": "collapses",
    "tests_per_month_in_talks": "tests/month\nin talks",
    "tests_per_month_out_of_talks": "tests/month\nout of talks",
}


def _save(fig: Figure, path: Path) -> Path:
    with atomic_open(path) as fh:
        fig.savefig(fh, format="png", dpi=DPI, facecolor="white", bbox_inches="tight")
    return path


def reliability_figure(result: dict[str, Any], path: Path) -> Path:
    """Month-level reliability: mean predicted P(in talks) per bin against the observed share."""
    bins = result["month"]["reliability"]
    fig = Figure(figsize=(5.2, 5.0))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", label="perfect reliability")
    x = [b["mean_p"] for b in bins]
    y = [b["observed"] for b in bins]
    size = [20 + 180 * b["n"] / max(bb["n"] for bb in bins) for b in bins]
    ax.scatter(x, y, s=size, color="tab:blue", zorder=3, label="model (area: months)")
    ax.plot(x, y, color="tab:blue", lw=1)
    for b in bins:
        ax.annotate(str(b["n"]), (b["mean_p"], b["observed"]), textcoords="offset points",
                    xytext=(5, -10), fontsize=7, color="0.3")
    m = result["month"]
    clim = "n/a" if m["log_climatology"] is None else f"{m['log_climatology']:.3f}"
    ax.set_title(f"Months in talks, {m['n_months']} months of the record\n"
                 f"log loss model {m['log_model']:.3f} vs climatology {clim} "
                 "(nats, lower is better)", fontsize=9)
    ax.set_xlabel("predicted P(in talks that month)")
    ax.set_ylabel("share of those months in talks (record)")
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1.02)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    return _save(fig, path)


def pattern_figure(result: dict[str, Any], path: Path) -> Path:
    """Where the record falls in the simulated distribution: quantile per term and pattern."""
    rows = result["rows"]
    patterns = list(rows[0]["patterns"])
    grid = np.full((len(rows), len(patterns)), np.nan)
    for i, r in enumerate(rows):
        for j, k in enumerate(patterns):
            q = r["patterns"][k]["quantile"]
            grid[i, j] = np.nan if q is None else q
    fig = Figure(figsize=(8.0, 0.45 * len(rows) + 1.8))
    ax = fig.add_subplot()
    im = ax.imshow(grid, cmap="RdBu_r", vmin=0, vmax=1, aspect="auto")
    for i in range(len(rows)):
        for j in range(len(patterns)):
            text = "n/a" if np.isnan(grid[i, j]) else f"{grid[i, j]:.2f}"
            ax.text(j, i, text, ha="center", va="center", fontsize=8)
    ax.set_xticks(range(len(patterns)), [PATTERN_LABELS.get(k, k) for k in patterns],
                  fontsize=8)
    labels = [f"{r['scenario']}{' (to date)' if r['censored'] else ''}" for r in rows]
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.set_title("Quantile of the record among simulated worlds (0.5 = typical; "
                 "near 0 or 1 = the model misses)", fontsize=9)
    fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02)
    return _save(fig, path)


def rolling_figure(result: dict[str, Any], path: Path) -> Path:
    """Rolling-origin forecasts of talks in the rest of each term, with what happened."""
    forecasts = result["rolling"]["forecasts"]
    names = list(dict.fromkeys(f["scenario"] for f in forecasts))
    fig = Figure(figsize=(8.0, 0.45 * len(names) + 1.8))
    ax = fig.add_subplot()
    for i, name in enumerate(names):
        fs = [f for f in forecasts if f["scenario"] == name]
        for f in fs:
            colour = "tab:red" if f["observed"] else "tab:gray"
            ax.scatter(f["origin"], i, s=20 + 200 * f["p"], color=colour, alpha=0.8)
            ax.annotate(f"{f['p']:.2f}", (f["origin"], i), textcoords="offset points",
                        xytext=(0, 8), ha="center", fontsize=6)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_xlabel("forecast origin (months into the term)")
    r = result["rolling"]
    ax.set_title(f"P(talks in the rest of the term | record so far); red: talks followed\n"
                 f"Brier model {r.get('brier_model', float('nan')):.3f}, base rate "
                 f"{r.get('brier_base_rate', float('nan')):.3f}, coin 0.250", fontsize=9)
    ax.set_ylim(-0.7, len(names) - 0.3)
    return _save(fig, path)


def write_record_figures(result: dict[str, Any], folder: Path) -> list[Path]:
    """All hindcast figures into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    out = [reliability_figure(result, folder / "hindcast_reliability.png"),
           pattern_figure(result, folder / "hindcast_patterns.png")]
    if result["rolling"]["forecasts"]:
        out.append(rolling_figure(result, folder / "hindcast_rolling.png"))
    return out
