"""A results folder's figures: what it holds, which figures it supports, saving them."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from parley.outputs.figures.common import (
    DPI,
    FORMATS,
    ResultsError,
    _slug,
)
from parley.outputs.figures.comparison import plot_comparison
from parley.outputs.figures.distributions import plot_count_distributions, plot_monthly_fans
from parley.outputs.figures.ranking import ranking_means
from parley.outputs.figures.sweeps import (
    _box_axes,
    plot_boxes,
    plot_sensitivity,
    plot_sweep_1d,
    plot_sweep_2d,
    sweep_parameters,
)
from parley.outputs.figures.time_to_talks import plot_time_to_talks
from parley.results.load import ResultsFolderError, check_summary, excerpt, read_json
from parley.results.store import atomic_open


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
            from parley.outputs.figures.ranking import plot_ranking_stability

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
