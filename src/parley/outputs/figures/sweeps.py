"""Figures of a parameter sweep: P(talks resume) against one or two swept parameters.

A ladder stance (``parley.params.LADDER``, e.g. ``washington.relief_precondition``)
is swept as a number in [0, 1], but the model uses the nearest rung: its axis
gets categorical ticks named for the rungs, points are pooled by rung, and the
1-D figure draws markers with error bars, no line between rungs.

A sweep with parameter draws (points.csv has ``p_talks_param_lo``/``_hi``) shows
the interval over draws beside the Monte Carlo one: a wider, lighter band (1-D
line), a second, thinner error bar (rungs, scattered points), or the interval in
each heatmap cell (2-D).  Points pooled over other swept parameters show the mean
of their draw intervals (said in the legend).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from parley.analysis.intervals import wilson
from parley.outputs.figures.common import (
    CAMP_COLOURS,
    GRID,
    joined,
    level_pct,
    param_label,
    param_phrase,
    runs_phrase,
    wrap,
)
from parley.params import LADDER, ROLES, SECTIONS, is_ladder, ladder_word

__all__ = ["ladder_rungs", "plot_sweep_1d", "plot_sweep_2d", "sweep_parameters"]

_COLOUR = CAMP_COLOURS["progressive"]
_DRAW_COLOUR = "#9aa9c7"
DRAW_COLUMNS = ("p_talks_param_lo", "p_talks_param_hi")  # as parley.experiments.sweep's


# --------------------------------------------------------------------------- ladder axes


def ladder_rungs(path: str) -> dict[str, float] | None:
    """The LADDER (rung word -> number) if ``path`` names a ladder stance, else None.

    The last part of the path is the parameter; it is a ladder when every
    declaration of that name (in any role or section) is a LADDER choice.
    """
    name = str(path).split(".")[-1]
    groups = (*ROLES.values(), *SECTIONS.values())
    decls = [d for group in groups for d in group if d.name == name]
    return dict(LADDER) if decls and all(is_ladder(d) for d in decls) else None


def rung_label(word: str) -> str:
    """'nuclear_and_missile_freeze' -> 'nuclear and\\nmissile freeze'."""
    return wrap(word.replace("_", " "), 14)


def snap_to_rungs(points_df: pd.DataFrame, params: list[str]) -> pd.DataFrame:
    """The points with each ladder parameter replaced by the number of its nearest rung."""
    ladders = [p for p in params if ladder_rungs(p)]
    if not ladders:
        return points_df
    df = points_df.copy()
    for p in ladders:
        df[p] = [LADDER[ladder_word(float(x))] for x in df[p]]
    return df


def set_ladder_ticks(axis: Any, rungs: Mapping[str, float], *,
                     at_index: Any = None) -> None:
    """Ticks named for the rungs: at every rung's number, or, for a heatmap whose cells
    are numbered 0, 1, ..., at cell ``i`` for the rung numbers ``at_index[i]``."""
    if at_index is None:
        axis.set_ticks(list(rungs.values()), [rung_label(w) for w in rungs])
        return
    words = {v: w for w, v in rungs.items()}
    axis.set_ticks(range(len(at_index)), [rung_label(words.get(float(v), f"{float(v):g}"))
                                          for v in at_index])


def axis_label(path: str) -> str:
    rungs = "\nladder: each rung asks more; a value between rungs counts as the nearest" if (
        ladder_rungs(path)) else ""
    return f"{param_label(path)}  ({path}){rungs}"


# --------------------------------------------------------------------------- pooling


def _group_points(points_df: pd.DataFrame, keys: list[str], level: float) -> pd.DataFrame:
    """Pool points sharing the same values of ``keys`` (averaging over other parameters)."""
    df = points_df.copy()
    df["_k"] = df["p_talks"] * df["runs"]
    for col in ("p_talks_lo", "p_talks_hi"):
        if col not in df:
            df[col] = np.nan
    drawn = {c: (c, "mean") for c in DRAW_COLUMNS if c in df}
    g = df.groupby(keys, as_index=False).agg(
        runs=("runs", "sum"), _k=("_k", "sum"), p_talks=("p_talks", "mean"),
        p_talks_lo=("p_talks_lo", "first"), p_talks_hi=("p_talks_hi", "first"),
        n_points=("p_talks", "size"), **drawn,
    )
    redo = (g["n_points"] > 1) | g["p_talks_lo"].isna() | g["p_talks_hi"].isna()
    if redo.any():
        k, n = g.loc[redo, "_k"], g.loc[redo, "runs"]
        g.loc[redo, "p_talks"] = k / n
        ci = [wilson(round(a), int(b), level) for a, b in zip(k, n, strict=True)]
        g.loc[redo, "p_talks_lo"] = [c[0] for c in ci]
        g.loc[redo, "p_talks_hi"] = [c[1] for c in ci]
    return g.drop(columns="_k").sort_values(keys).reset_index(drop=True)


def _sweep_subtitle(points_df: pd.DataFrame, level: float, pooled: bool,
                    cells: bool = False) -> str:
    runs = sorted(set(points_df["runs"].tolist())) if "runs" in points_df else []
    per = f"n = {int(runs[0]):,} runs per point" if len(runs) == 1 else runs_phrase(
        runs, unit="point")
    text = joined(per, f"{len(points_df):,} design points",
                  f"{level_pct(level)} Wilson intervals")
    if _drawn(points_df):
        text += (f"\nin brackets: the {level_pct(level)} interval over parameter draws" if cells
                 else f"\nlighter: the {level_pct(level)} interval over parameter draws")
    return text + ("\npoints pooled over the other swept parameters" if pooled else "")


def _drawn(df: pd.DataFrame) -> bool:
    """Whether the points carry an interval over parameter draws."""
    return all(c in df.columns for c in DRAW_COLUMNS) and bool(
        df[list(DRAW_COLUMNS)].notna().all(axis=None))


def _draw_label(g: pd.DataFrame, level: float) -> str:
    pooled = " (mean over pooled points)" if (g["n_points"] > 1).any() else ""
    return f"{level_pct(level)} interval over parameter draws{pooled}"


def _draw_bars(ax: Any, g: pd.DataFrame, x: np.ndarray, p: np.ndarray, level: float,
               **style: Any) -> None:
    """The interval over draws as a second, thinner error bar behind the Monte Carlo one."""
    if not _drawn(g):
        return
    err = np.clip(np.vstack([p - g[DRAW_COLUMNS[0]].to_numpy(float),
                             g[DRAW_COLUMNS[1]].to_numpy(float) - p]), 0, None)
    ax.errorbar(x, p, yerr=err, fmt="none", color=_DRAW_COLOUR, linestyle="none",
                label=_draw_label(g, level), gid="sweep-draws", zorder=1, **style)


def _check_columns(points_df: pd.DataFrame, *params: str) -> None:
    for p in params:
        if p not in points_df.columns:
            raise ValueError(f"points have no column {p!r}")


# --------------------------------------------------------------------------- 1-D


def _line(ax: Any, g: pd.DataFrame, param: str, level: float) -> None:
    """A numeric parameter: the response as a line through its interval band."""
    x = g[param].to_numpy(float)
    if _drawn(g):
        ax.fill_between(x, g[DRAW_COLUMNS[0]].to_numpy(float),
                        g[DRAW_COLUMNS[1]].to_numpy(float), color=_DRAW_COLOUR, alpha=0.25,
                        linewidth=0, label=_draw_label(g, level), gid="sweep-draws")
    ax.fill_between(x, g["p_talks_lo"].to_numpy(float), g["p_talks_hi"].to_numpy(float),
                    color=_COLOUR, alpha=0.2, linewidth=0,
                    label=f"{level_pct(level)} Wilson interval")
    ax.plot(x, g["p_talks"].to_numpy(float), marker="o", markersize=4, linewidth=2,
            color=_COLOUR, label="P(talks resume)", gid="sweep")


def _rungs(ax: Any, g: pd.DataFrame, param: str, level: float) -> None:
    """A ladder parameter: one marker and error bar per rung, nothing between rungs."""
    x, p = g[param].to_numpy(float), g["p_talks"].to_numpy(float)
    _draw_bars(ax, g, x, p, level, capsize=9, elinewidth=1)
    err = np.clip(np.vstack([p - g["p_talks_lo"].to_numpy(float),
                             g["p_talks_hi"].to_numpy(float) - p]), 0, None)
    ax.errorbar(x, p, yerr=err, fmt="o", color=_COLOUR, markersize=7, capsize=5,
                elinewidth=2, linestyle="none",
                label=f"P(talks resume), {level_pct(level)} Wilson interval", gid="sweep")
    for xv, pv in zip(x, p, strict=True):
        high = pv > 0.93  # near the top: write it below the marker, not over the frame
        ax.annotate(f"{pv:.1%}", (xv, pv), xytext=(9, -10 if high else 0),
                    textcoords="offset points", va="center", fontsize=8, color="#333333")
    rungs = ladder_rungs(param) or {}
    set_ladder_ticks(ax.xaxis, rungs)
    ax.set_xlim(min(rungs.values()) - 0.12, max(rungs.values()) + 0.12)
    ax.grid(axis="x", visible=False)


def _scattered(points_df: pd.DataFrame, param: str, g: pd.DataFrame) -> bool:
    """Whether every value of ``param`` is one design point with its own values of the
    other swept parameters (a Latin hypercube, Morris or Sobol design): then a line
    through the points would join unrelated settings."""
    others = [p for p in sweep_parameters(points_df) if p != param]
    varied = any(points_df[p].nunique() > 1 for p in others)
    return varied and bool((g["n_points"] == 1).all())


def _points(ax: Any, g: pd.DataFrame, param: str, level: float) -> None:
    """A scattered design: one marker and error bar per point, nothing joining them."""
    x, p = g[param].to_numpy(float), g["p_talks"].to_numpy(float)
    _draw_bars(ax, g, x, p, level, capsize=0, elinewidth=0.8, alpha=0.6)
    err = np.clip(np.vstack([p - g["p_talks_lo"].to_numpy(float),
                             g["p_talks_hi"].to_numpy(float) - p]), 0, None)
    ax.errorbar(x, p, yerr=err, fmt="o", color=_COLOUR, markersize=4, capsize=2,
                elinewidth=1, alpha=0.8, linestyle="none",
                label=f"P(talks resume) per design point, {level_pct(level)} Wilson interval",
                gid="sweep")


def plot_sweep_1d(points_df: pd.DataFrame, param: str, level: float = 0.95) -> Figure:
    """P(talks resume) against one swept parameter, with its interval.

    A numeric parameter of a grid is a line through its interval band (pooled
    over the other swept parameters); a ladder stance is one marker per rung;
    a scattered design (each point its own values of the others) is a cloud of
    points with their intervals, not joined.
    """
    _check_columns(points_df, param)
    ladder = ladder_rungs(param) is not None
    g = _group_points(snap_to_rungs(points_df, [param]), [param], level)
    pooled = bool((g["n_points"] > 1).any())
    scattered = not ladder and _scattered(points_df, param, g)
    fig = Figure(figsize=(7.5, 5.0 if ladder else 4.8), layout="constrained")
    ax = fig.subplots()
    ax.grid(**GRID)
    (_rungs if ladder else _points if scattered else _line)(ax, g, param, level)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(axis_label(param))
    ax.set_ylabel("P(talks resume): share of runs")
    ax.legend(loc="best", frameon=False)
    sub = _sweep_subtitle(points_df, level, pooled)
    if scattered:
        sub += "\neach point has its own values of the other swept parameters"
    fig.suptitle(f"How P(talks resume) depends on {param_phrase(param)}\n{sub}", fontsize=12)
    return fig


# --------------------------------------------------------------------------- 2-D


def _grid_ticks(axis: Any, path: str, vals: np.ndarray) -> None:
    """Heatmap ticks: rung names for a ladder, else at most ten numbers."""
    rungs = ladder_rungs(path)
    if rungs:
        set_ladder_ticks(axis, rungs, at_index=vals)
        return
    step = max(1, math.ceil(len(vals) / 10))
    idx = np.arange(0, len(vals), step)
    axis.set_ticks(idx, [f"{vals[i]:.3g}" for i in idx])


def _heatmap(ax: Any, values: np.ndarray, vmin: float, vmax: float,
             spread: tuple[np.ndarray, np.ndarray] | None = None) -> Any:
    """The heatmap, each cell's share written in it (with draws, and its interval over
    them beneath) when the cells are few enough to read."""
    art = ax.imshow(values, origin="lower", aspect="auto", cmap="viridis", vmin=vmin,
                    vmax=vmax, interpolation="nearest", gid="heatmap")
    if values.size <= 150:
        mid = (vmin + vmax) / 2
        for (r, c), v in np.ndenumerate(values):
            text = f"{v:.0%}"
            if spread is not None:
                text += f"\n[{spread[0][r, c]:.0%}, {spread[1][r, c]:.0%}]"
            ax.text(c, r, text, ha="center", va="center", fontsize=7 if spread is None else 6,
                    color="black" if v > mid else "white", gid="cell")
    return art


def _colour_range(p: pd.Series) -> tuple[float, float]:
    vmin, vmax = float(np.nanmin(p)), float(np.nanmax(p))
    if vmax - vmin < 1e-9:
        vmin, vmax = max(0.0, vmin - 0.05), min(1.0, vmax + 0.05)
    return vmin, vmax


def plot_sweep_2d(points_df: pd.DataFrame, px: str, py: str, level: float = 0.95) -> Figure:
    """Heatmap of P(talks resume) over two swept parameters (scatter if not a grid)."""
    _check_columns(points_df, px, py)
    g = _group_points(snap_to_rungs(points_df, [px, py]), [px, py], level)
    pooled = bool((g["n_points"] > 1).any())
    xs, ys = np.sort(g[px].unique()), np.sort(g[py].unique())
    values = g.pivot(index=py, columns=px, values="p_talks").reindex(
        index=ys, columns=xs).to_numpy(float)
    fig = Figure(figsize=(7.5, 6), layout="constrained")
    ax = fig.subplots()
    vmin, vmax = _colour_range(g["p_talks"])
    spread = None
    if _drawn(g):
        spread = tuple(g.pivot(index=py, columns=px, values=c).reindex(
            index=ys, columns=xs).to_numpy(float) for c in DRAW_COLUMNS)
    if len(xs) >= 2 and len(ys) >= 2 and not np.isnan(values).any():
        art = _heatmap(ax, values, vmin, vmax, spread)
        _grid_ticks(ax.xaxis, px, xs)
        _grid_ticks(ax.yaxis, py, ys)
    else:
        art = ax.scatter(g[px], g[py], c=g["p_talks"], cmap="viridis", vmin=vmin, vmax=vmax,
                         s=40, edgecolors="none", gid="heatmap")
        for axis, path in ((ax.xaxis, px), (ax.yaxis, py)):
            if ladder_rungs(path):
                set_ladder_ticks(axis, ladder_rungs(path))
    cbar = fig.colorbar(art, ax=ax)
    cbar.set_label("P(talks resume): share of runs")
    cbar.ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(axis_label(px))
    ax.set_ylabel(axis_label(py))
    fig.suptitle(f"P(talks resume) across {param_phrase(px)} and "
                 f"{param_phrase(py)}\n{_sweep_subtitle(points_df, level, pooled, True)}",
                 fontsize=12)
    return fig


# --------------------------------------------------------------------------- the design


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
