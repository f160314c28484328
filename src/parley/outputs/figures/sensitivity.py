"""What drives a sweep's outcome, and where it is high: sensitivity indices, discovery boxes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import PercentFormatter

from parley.outputs.figures.common import (
    CAMP_COLOURS,
    GRID,
    LINESTYLES,
    floats,
    outcome_label,
    param_label,
)
from parley.outputs.figures.sweeps import axis_label, ladder_rungs, set_ladder_ticks

__all__ = ["box_axes", "plot_boxes", "plot_sensitivity"]

_FIRST, _SECOND = CAMP_COLOURS["progressive"], "#f4a582"
_BOX_COLOURS = ["#e41a1c", "#ff7f00", "#f781bf", "#a65628", "#999999"]


def _index(sens: Mapping[str, Any], key: str, n: int) -> np.ndarray:
    """One index per parameter (NaN where the file has none), confidence widths as 0."""
    values = sens.get(key) or [None] * n
    out = floats(values)
    return np.nan_to_num(out) if key.endswith("_conf") else out


def _bar_axes(ax: Any) -> None:
    ax.axvline(0, color="black", linewidth=0.8)
    ax.grid(axis="x", **GRID)
    ax.set_axisbelow(True)


def _sobol(fig: Figure, sens: Mapping[str, Any], labels: list[str], outcome: str) -> str:
    n = len(labels)
    s1, st = _index(sens, "S1", n), _index(sens, "ST", n)
    s1c, stc = _index(sens, "S1_conf", n), _index(sens, "ST_conf", n)
    order = np.argsort(-np.nan_to_num(st, nan=-np.inf), kind="stable")
    ys = np.arange(n)[::-1].astype(float)
    ax = fig.subplots()
    ax.barh(ys + 0.2, s1[order], height=0.38, xerr=s1c[order], capsize=3, color=_FIRST,
            label="First order (S1)", gid="S1")
    ax.barh(ys - 0.2, st[order], height=0.38, xerr=stc[order], capsize=3, color=_SECOND,
            label="Total effect (ST)", gid="ST")
    ax.set_yticks(ys, [labels[i] for i in order])
    ax.set_xlabel(f"Sobol index: share of the variance of {outcome}")
    ax.set_title("Error bars: 95% confidence intervals", fontsize=9, color="#444444")
    ax.set_ylabel("Parameter")
    ax.legend(loc="lower right", frameon=False)
    _bar_axes(ax)
    return "Sobol sensitivity"


def _morris(fig: Figure, sens: Mapping[str, Any], labels: list[str], outcome: str) -> str:
    n = len(labels)
    mu, sigma = _index(sens, "mu_star", n), _index(sens, "sigma", n)
    muc = _index(sens, "mu_star_conf", n)
    order = np.argsort(-np.nan_to_num(mu, nan=-np.inf), kind="stable")
    ys = np.arange(n)[::-1].astype(float)
    ax, ax2 = fig.subplots(1, 2, sharey=True)
    ax.barh(ys, mu[order], xerr=muc[order], capsize=3, color=_FIRST, gid="mu_star")
    ax.set_yticks(ys, [labels[i] for i in order])
    ax.set_xlabel(f"μ*: mean absolute elementary effect on {outcome}")
    ax.set_ylabel("Parameter")
    ax.set_title("Overall influence (μ*, with 95% conf.)", fontsize=10)
    ax2.barh(ys, sigma[order], color=_SECOND, gid="sigma")
    ax2.set_xlabel(f"σ: spread of elementary effects on {outcome}")
    ax2.set_title("Non-linearity / interactions (σ)", fontsize=10)
    ax2.tick_params(axis="y", left=False)
    for a in (ax, ax2):
        _bar_axes(a)
    return "Morris elementary-effects screening"


def plot_sensitivity(sens: Mapping[str, Any]) -> Figure:
    """Horizontal bar charts of Morris (mu*, sigma) or Sobol (S1, ST) indices."""
    method = str(sens.get("method", "")).lower()
    draw = {"sobol": _sobol, "morris": _morris}.get(method)
    if draw is None:
        raise ValueError(f"unknown sensitivity method {sens.get('method')!r}")
    labels = [param_label(p) for p in sens["parameters"]]
    outcome = outcome_label(sens.get("outcome"))
    fig = Figure(figsize=(10 if method == "morris" else 8, 1.6 + 0.45 * len(labels)),
                 layout="constrained")
    title = draw(fig, sens, labels, outcome)
    fig.suptitle(f"Which parameters drive {outcome}? {title}", fontsize=12)
    return fig


# --------------------------------------------------------------------------- discovery boxes


def _box_label(i: int, box: Mapping[str, Any]) -> str:
    label = f"Box {i + 1}"
    if box.get("coverage") is not None:
        label += f": coverage {float(box['coverage']):.0%}"
    if box.get("density") is not None:
        label += f", density {float(box['density']):.0%}"
    return label


def _draw_boxes(ax: Any, box_list: list[Mapping[str, Any]], px: str, py: str,
                span: tuple[float, float, float, float]) -> bool:
    """The boxes as outlines; returns whether any limits a parameter not on the axes."""
    xmin, xmax, ymin, ymax = span
    hidden = False
    for i, box in enumerate(box_list):
        lim = box.get("limits") or {}
        (x0, x1), (y0, y1) = lim.get(px, [xmin, xmax]), lim.get(py, [ymin, ymax])
        hidden = hidden or any(k not in (px, py) for k in lim)
        ax.add_patch(Rectangle((float(x0), float(y0)), float(x1) - float(x0),
                               float(y1) - float(y0), fill=False, linewidth=2.2,
                               edgecolor=_BOX_COLOURS[i % len(_BOX_COLOURS)],
                               linestyle=LINESTYLES[i % len(LINESTYLES)],
                               label=_box_label(i, box), gid=f"box_{i + 1}"))
    return hidden


def _box_limits(ax: Any, px: str, py: str, span: tuple[float, float, float, float]) -> None:
    xmin, xmax, ymin, ymax = span
    pad_x, pad_y = 0.03 * (xmax - xmin or 1), 0.03 * (ymax - ymin or 1)
    ax.set_xlim(xmin - pad_x, xmax + pad_x)
    ax.set_ylim(ymin - pad_y, ymax + pad_y)
    for axis, path in ((ax.xaxis, px), (ax.yaxis, py)):
        rungs = ladder_rungs(path)
        if rungs:
            set_ladder_ticks(axis, rungs)
    ax.set_xlabel(axis_label(px))
    ax.set_ylabel(axis_label(py))


def plot_boxes(points_df: pd.DataFrame, boxes: Mapping[str, Any], px: str, py: str) -> Figure:
    """Scenario-discovery boxes drawn over the design points coloured by P(talks resume)."""
    for p in (px, py):
        if p not in points_df.columns:
            raise ValueError(f"points have no column {p!r}")
    box_list = list(boxes.get("boxes") or [])
    fig = Figure(figsize=(8, 6.2), layout="constrained")
    ax = fig.subplots()
    sc = ax.scatter(points_df[px], points_df[py], c=points_df["p_talks"], cmap="viridis",
                    vmin=0, vmax=1, s=45, edgecolors="none", alpha=0.9, gid="points")
    cbar = fig.colorbar(sc, ax=ax)
    cbar.set_label("P(talks resume): share of runs")
    cbar.ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    span = (float(points_df[px].min()), float(points_df[px].max()),
            float(points_df[py].min()), float(points_df[py].max()))
    hidden = _draw_boxes(ax, box_list, px, py, span)
    _box_limits(ax, px, py, span)
    if box_list:
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=2,
                   frameon=False, fontsize=8)
    threshold = boxes.get("threshold")
    thr = f" ≥ {float(threshold):.0%}" if threshold is not None else ""
    note = "\nboxes may also limit parameters not shown here" if hidden else ""
    fig.suptitle(f"Where is P(talks resume){thr}? Scenario-discovery boxes\n"
                 f"{len(points_df):,} design points{note}", fontsize=12)
    return fig


def box_axes(params: list[str], points: pd.DataFrame, boxes: Mapping[str, Any]) -> list[str]:
    """The two parameters the first box restricts most (relative to the sampled range)."""
    box_list = boxes.get("boxes") or []
    if not box_list:
        return params[:2]
    lim = box_list[0].get("limits") or {}

    def narrowness(p: str) -> float:
        if p not in lim:
            return 1.0
        rng = float(points[p].max() - points[p].min()) or 1.0
        return (float(lim[p][1]) - float(lim[p][0])) / rng

    chosen = sorted(params, key=lambda p: (narrowness(p), params.index(p)))[:2]
    return sorted(chosen, key=params.index)
