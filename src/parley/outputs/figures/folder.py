"""A results folder's figures: what it holds, which figures it supports, saving them.

Figures take their data from the folder's files only (summary.json,
points.csv, sensitivity.json, boxes.json, sweep.json, hindcast.json); a
figure whose data is absent is skipped, so a summary without optional blocks
(parameter draws, monthly levels, counts) still gets the figures it can.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from parley.outputs.figures.common import DPI, FORMATS, ResultsError, slug
from parley.outputs.figures.comparison import plot_comparison
from parley.outputs.figures.distributions import plot_count_distributions, plot_monthly_fans
from parley.outputs.figures.ranking import plot_ranking_stability, ranking_means
from parley.outputs.figures.record import RECORD_FIGURES, RECORD_PLOTS, record_figure_names
from parley.outputs.figures.sensitivity import box_axes, plot_boxes, plot_sensitivity
from parley.outputs.figures.sweeps import plot_sweep_1d, plot_sweep_2d, sweep_parameters
from parley.outputs.figures.time_to_talks import plot_time_to_talks
from parley.outputs.figures.workers import share_out
from parley.results.load import ResultsFolderError, check_summary, excerpt, read_json
from parley.results.store import atomic_open

__all__ = ["Planned", "figure_plan", "iter_figures", "load_results", "save_figure",
           "save_figures"]

#: The JSON files a results folder may hold, by the key :func:`load_results` gives them.
JSON_FILES = {"summary": "summary.json", "manifest": "manifest.json",
              "sensitivity": "sensitivity.json", "boxes": "boxes.json", "sweep": "sweep.json",
              "hindcast": "hindcast.json"}


def _read_json(f: Path) -> dict[str, Any] | None:
    if not f.is_file():
        return None
    try:
        data = read_json(f, f.stem)
        if not isinstance(data, dict):
            raise ResultsFolderError(f"{f}: must be a JSON object (got {excerpt(data)})")
        return check_summary(data, str(f)) if f.name == "summary.json" else data
    except ResultsFolderError as exc:
        raise ResultsError(str(exc)) from None


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
    out: dict[str, Any] = {key: _read_json(d / name) for key, name in JSON_FILES.items()}
    out["points"] = None
    if (d / "points.csv").is_file():
        try:
            out["points"] = pd.read_csv(d / "points.csv")
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise ResultsError(f"cannot read {d / 'points.csv'}: {exc}") from exc
    if out["summary"] is None and out["points"] is None and out["hindcast"] is None:
        raise ResultsError(f"{d} holds none of summary.json, points.csv, hindcast.json")
    return out


@dataclass(frozen=True)
class Planned:
    """A figure the results support, not drawn yet: ``make()`` draws it.

    ``cost`` is a rough guess of the drawing time, relative to a one-panel figure;
    :func:`save_figures` with ``jobs`` starts the costliest first.
    """

    name: str
    caption: str
    make: Callable[[], Figure]
    cost: float = 1.0


def _scenario_plan(summary: Mapping[str, Any]) -> Iterator[Planned]:
    scen = summary["scenarios"]
    yield Planned("comparison", "P(talks resume) per scenario, ranked, with paired "
                  "differences from the reference scenario.", lambda: plot_comparison(summary))
    if any(s.get("time_to_talks") for s in scen):
        yield Planned("time_to_talks", "Share of runs with no talks yet, by months since "
                      "inauguration (Kaplan–Meier).", lambda: plot_time_to_talks(summary))
    if any(s.get("counts") for s in scen):
        yield Planned("count_distributions", "Distributions of missile tests, ICBM tests and "
                      "months in talks per run (runs without talks as a bar of their own).",
                      lambda: plot_count_distributions(summary), cost=1 + 0.4 * len(scen))
    means = ranking_means(summary)
    if means is not None:
        yield Planned("ranking_stability", "Share of parameter draws in which each scenario "
                      "takes each rank of P(talks resume).",
                      lambda: plot_ranking_stability(means))
    if any(s.get("monthly") for s in scen):
        yield Planned("monthly_fans", "Tension, sanctions pressure and share of runs in "
                      "talks, month by month (median and 10–90% of runs).",
                      lambda: plot_monthly_fans(summary), cost=1 + 0.3 * len(scen))


def _sweep_plan(points: pd.DataFrame, sweep: Mapping[str, Any] | None,
                boxes: Mapping[str, Any] | None) -> Iterator[Planned]:
    params = sweep_parameters(points, sweep)
    for p in params[:8]:
        yield Planned(f"sweep_{slug(p)}", f"P(talks resume) against {p}.",
                      partial(plot_sweep_1d, points, p))
    if len(params) >= 2:
        px, py = params[:2]
        yield Planned(f"sweep_2d_{slug(px)}__{slug(py)}",
                      f"P(talks resume) over {px} and {py}.",
                      partial(plot_sweep_2d, points, px, py))
    if boxes and boxes.get("boxes") and len(params) >= 2:
        bx, by = box_axes(params, points, boxes)
        yield Planned("boxes", f"Scenario-discovery boxes on {bx} and {by}.",
                      partial(plot_boxes, points, boxes, bx, by))


def figure_plan(results: Mapping[str, Any]) -> Iterator[Planned]:
    """Every figure the loaded results support, in order, without drawing any."""
    summary = results.get("summary")
    if summary and summary.get("scenarios"):
        yield from _scenario_plan(summary)
    points = results.get("points")
    if points is not None and len(points) and "p_talks" in points.columns:
        yield from _sweep_plan(points, results.get("sweep"), results.get("boxes"))
    sens = results.get("sensitivity")
    if sens and sens.get("parameters"):
        yield Planned("sensitivity", f"{str(sens.get('method', '')).capitalize()} "
                      "sensitivity indices.", partial(plot_sensitivity, sens))
    hindcast = results.get("hindcast")
    if hindcast and hindcast.get("rows"):
        for name in record_figure_names(hindcast):
            yield Planned(name, RECORD_FIGURES[name], partial(RECORD_PLOTS[name], hindcast))


def iter_figures(results: Mapping[str, Any] | str | os.PathLike[str]) -> Iterator[
        tuple[str, str, Figure]]:
    """Yield ``(name, caption, figure)`` for every figure the results support.

    ``results`` is a results directory or the dict :func:`load_results` returns.
    Figures are built lazily, one at a time.
    """
    if not isinstance(results, Mapping):
        results = load_results(results)
    for planned in figure_plan(results):
        yield planned.name, planned.caption, planned.make()


def save_figure(fig: Figure, path: str | os.PathLike[str], fmt: str | None = None) -> Path:
    """Save ``fig`` to ``path`` atomically (temp file in the same dir, then ``os.replace``)."""
    path = Path(path)
    fmt = fmt or path.suffix.lstrip(".") or "png"
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path) as fh:
        fig.savefig(fh, format=fmt, dpi=DPI, facecolor="white",
                    metadata={"Software": "parley"} if fmt == "png" else None)
    return path


def _draw_and_save(planned: Planned, out_dir: Path, fmt: str) -> Path:
    # no fig.clear(): it rebuilds every axes' ticks (a sixth of the time here), and a
    # Figure made without pyplot is freed once the caller drops it
    return save_figure(planned.make(), out_dir / f"{planned.name}.{fmt}", fmt)


def save_figures(results_dir: str | os.PathLike[str], fmt: str = "png", *,
                 jobs: int = 1) -> list[Path]:
    """Make every applicable figure and save it under ``results_dir/figures/``.

    The default, ``jobs=1``, draws them one by one in this process.  ``jobs``
    above 1 draws up to that many at once in forked worker processes, which take
    them the costliest first while this process waits
    (:func:`parley.outputs.figures.workers.share_out`; one by one here where
    forking is not safe: not Linux, or more than one thread running).  The files
    are byte for byte those of ``jobs=1`` and the paths come back in the same
    order; a figure that fails raises here, as it would with ``jobs=1``.
    """
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a whole number of at least 1, not {jobs!r}")
    results = load_results(results_dir)
    out_dir = Path(results_dir) / "figures"
    plans = list(figure_plan(results))
    return share_out([partial(_draw_and_save, p, out_dir, fmt) for p in plans], jobs,
                     [p.cost for p in plans])
