"""Figures of a parameter sweep: 1-D and 2-D responses, sensitivity indices, discovery boxes."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import PercentFormatter

from parley.analysis.intervals import wilson
from parley.outputs.figures.common import (
    _LINESTYLES,
    CAMP_COLOURS,
    _floats,
    _level_pct,
    _outcome_label,
    _param_label,
    _param_phrase,
    _runs_phrase,
)


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
