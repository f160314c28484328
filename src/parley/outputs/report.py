"""A single self-contained HTML report of a parley results directory.

:func:`write_report` writes ``results_dir/report.html``: the question the tool
answers, the scenarios ranked by P(talks resume) in one compact table, the
other outcomes, times and counts, every figure (embedded as base64 PNG data
URIs), the scenarios with the stance each parameter takes and the source it
cites (collapsed, one line each until opened), the run manifest and the one
command that reproduces it.

The page is built from the Jinja2 templates in ``outputs/templates/``
(autoescaped: every name, title and note is text, never markup) with the data
:mod:`parley.outputs.report_context` prepares.  It has inline CSS only: no
scripts, fonts, style sheets or images are loaded from anywhere, so it renders
without a network.
"""

from __future__ import annotations

import base64
import functools
import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from parley.outputs import report_context as C
from parley.outputs.figures import DPI, figure_plan, load_results
from parley.results.store import atomic_open

__all__ = ["render_report", "write_report"]

_INPUTS = ("summary.json", "points.csv", "sensitivity.json", "boxes.json", "sweep.json",
           "hindcast.json")


@functools.cache
def environment() -> Environment:
    """The templates, autoescaped whatever their file names; an unknown name is an error."""
    return Environment(loader=PackageLoader("parley.outputs", "templates"), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


# --------------------------------------------------------------------------- figures


def _newest_input(results_dir: Path) -> float:
    times = [(results_dir / n).stat().st_mtime for n in _INPUTS if (results_dir / n).is_file()]
    return max(times, default=0.0)


def _figure_pngs(results: Mapping[str, Any], results_dir: Path) -> list[tuple[str, str, bytes]]:
    """PNG bytes of every figure: a saved PNG if up to date, else drawn here.

    Saved PNGs are looked for in figures/ (``parley plot``, run, compare, sweep)
    and beside the inputs (``parley hindcast`` writes its figures there).
    """
    newest = _newest_input(results_dir)
    out = []
    for planned in figure_plan(results):
        saved = [results_dir / "figures" / f"{planned.name}.png",
                 results_dir / f"{planned.name}.png"]
        fresh = [f for f in saved if f.is_file() and f.stat().st_mtime >= newest]
        if fresh:
            png = fresh[0].read_bytes()
        else:
            buf = io.BytesIO()
            planned.make().savefig(buf, format="png", dpi=DPI, facecolor="white")
            png = buf.getvalue()  # no fig.clear(): dropping the Figure frees it
        out.append((planned.name, planned.caption, png))
    return out


# --------------------------------------------------------------------------- the page


def _title(results: Mapping[str, Any]) -> str:
    summary = results.get("summary")
    if summary:
        n = len(summary.get("scenarios", []))
        return f"parley: will US–DPRK talks resume? {n} scenario{'s' if n != 1 else ''}"
    if results.get("points") is not None:
        return "parley: will US–DPRK talks resume? Parameter sweep"
    n = len((results.get("hindcast") or {}).get("rows", []))
    return f"parley: hindcast of {n} US term{'s' if n != 1 else ''} against the record"


def _nav(results: Mapping[str, Any], hindcast_only: bool, figures: bool) -> list[tuple[str, str]]:
    entries = [("question", "The question", True),
               ("results", "Results", bool(results.get("summary"))),
               ("hindcast", "Hindcast", bool(results.get("hindcast"))),
               ("sweep", "Parameter sweep", results.get("points") is not None),
               ("figures", "Figures", figures),
               ("scenarios", "Scenarios, stances and sources", not hindcast_only),
               ("reproduce", "How to reproduce" if hindcast_only
                else "Manifest and how to reproduce", True)]
    return [(anchor, text) for anchor, text, shown in entries if shown]


def _question(summary: Mapping[str, Any] | None, manifest: Mapping[str, Any] | None
              ) -> dict[str, Any]:
    runs = (manifest or {}).get("runs")
    return {"horizon": (summary or {}).get("horizon"), "start": (summary or {}).get("start"),
            "runs": f"{runs:,}" if isinstance(runs, int) else ""}


def page_context(results_dir: Path, results: Mapping[str, Any],
                 figures: list[tuple[str, str, bytes]]) -> dict[str, Any]:
    """Everything the templates show, for a loaded results folder and its figures."""
    summary, manifest, hindcast = (results.get(k) for k in ("summary", "manifest", "hindcast"))
    hindcast_only = not summary and results.get("points") is None
    return {
        "title": _title(results), "folder": results_dir.resolve().name,
        "nav": _nav(results, hindcast_only, bool(figures)), "hindcast_only": hindcast_only,
        "question": _question(summary, manifest),
        "results": C.results(summary) if summary else None,
        "hindcast": C.hindcast(hindcast), "sweep": C.sweep(results),
        "figures": [{"name": n, "caption": c, "data": base64.b64encode(png).decode("ascii")}
                    for n, c, png in figures],
        "scenarios": C.scenarios(summary, manifest),
        "manifest": C.manifest_facts(manifest),
        "hindcast_command": f"parley hindcast --runs {(hindcast or {}).get('runs')} "
                            f"--seed {(hindcast or {}).get('seed')}",
    }


def render_report(results_dir: str | os.PathLike[str]) -> str:
    """The report for ``results_dir`` as an HTML string."""
    d = Path(results_dir)
    results = load_results(d)
    context = page_context(d, results, _figure_pngs(results, d))
    return environment().get_template("report.html.j2").render(context)


def write_report(results_dir: str | os.PathLike[str]) -> Path:
    """Write ``results_dir/report.html`` (atomically) and return its path."""
    d = Path(results_dir)
    html_text = render_report(d)
    path = d / "report.html"
    with atomic_open(path) as fh:
        fh.write(html_text.encode("utf-8"))
    return path
