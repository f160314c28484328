"""The notebook gallery (docs/notebooks/) runs: every notebook executes with small run
counts, without a cell error, and shows what it says it shows (a figure, the tables).

The committed notebooks have no outputs; make_notebooks.py writes them, and a test checks
that the committed files are what it writes.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "docs" / "notebooks"
SMALL = {"PARLEY_NOTEBOOK_RUNS": "100", "PARLEY_NOTEBOOK_DRAWS": "4",
         "PARLEY_NOTEBOOK_EXECUTOR": "serial"}
TIMEOUT = 300  # seconds per cell: generous for a loaded machine


def _generator():
    spec = importlib.util.spec_from_file_location("make_notebooks",
                                                  NOTEBOOKS / "make_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _execute(name: str, tmp_path: Path, monkeypatch, **sizes: str) -> list:
    """Run one notebook in a kernel of this interpreter (jupyter_client starts the
    kernelspec's ``python`` as sys.executable); the cells, with their outputs."""
    for key, value in {**SMALL, **sizes}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    # the kernel's own environment: its `python` is this interpreter's folder first
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}"
                                f"{os.environ.get('PATH', '')}")
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=TIMEOUT,
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError on any cell error
    for cell in nb.cells:
        if cell.cell_type == "code":
            errors = [o for o in cell.outputs if o.output_type == "error"]
            assert not errors, errors
    return [c for c in nb.cells if c.cell_type == "code"]


def _images(cells) -> int:
    return sum("image/png" in o.get("data", {}) for c in cells for o in c.outputs)


def _text(cell) -> str:
    parts = []
    for o in cell.outputs:
        if o.output_type == "stream":
            parts.append(o.text)
        elif "text/plain" in o.get("data", {}):
            parts.append(o.data["text/plain"])
    return "".join(parts)


def _html(cell) -> str:
    return "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs)


def test_committed_notebooks_are_what_the_generator_writes():
    gen = _generator()
    for name in gen.NOTEBOOKS:
        committed = nbformat.read(NOTEBOOKS / name, as_version=4)
        assert committed == gen.build(name), f"{name}: run docs/notebooks/make_notebooks.py"
        assert all(not c.get("outputs") for c in committed.cells if c.cell_type == "code")
        first = next(c for c in committed.cells if c.cell_type == "code")
        assert "PARLEY_NOTEBOOK_RUNS" in first.source, name


def test_headline(tmp_path, monkeypatch):
    cells = _execute("01_headline.ipynb", tmp_path, monkeypatch)
    assert "100 worlds per scenario, 4 parameter draws" in _text(cells[0])
    table = _html(cells[2])
    for column in ("p_talks_resumed", "talks_resumed_param_lo", "p_crisis"):
        assert column in table
    assert table.count("</tr>") >= 13  # a header and the twelve shipped scenarios
    tiers = _text(cells[3])
    assert "tier 1:" in tiers and "sanders" in tiers
    assert "above" in _html(cells[3]) and "boundary" in _html(cells[3])
    assert _images(cells) == 1


def test_write_a_scenario(tmp_path, monkeypatch):
    cells = _execute("02_write_a_scenario.ipynb", tmp_path, monkeypatch)
    assert "provenance problems: none" in _text(cells[2])
    assert "outreach_rat" in _text(cells[3])  # the broken file's problem is named
    table = _html(cells[4])
    assert "biden_more_outreach" in table and "diff_lo" in table
    assert _images(cells) == 1


def test_sweep_and_plot(tmp_path, monkeypatch):
    cells = _execute("03_sweep_and_plot.ipynb", tmp_path, monkeypatch)
    table = _html(cells[1])
    assert "washington.outreach_rate" in table and "talks_resumed_lo" in table
    assert table.count("</tr>") == 7  # a header and six grid points
    assert _images(cells) == 1


def test_hindcast_and_forecast(tmp_path, monkeypatch):
    # the hindcast runs 8 past terms and the live one under its default 20 draws
    cells = _execute("04_hindcast_and_forecast.ipynb", tmp_path, monkeypatch,
                     PARLEY_NOTEBOOK_RUNS="60")
    terms = _html(cells[1])
    assert "clinton_1993" in terms and "biden_2021" in terms and "observed_new_spell" in terms
    scores = _html(cells[2])
    for forecaster in ("model", "base_rate", "persistence", "logistic", "coin"):
        assert forecaster in scores
    assert "P(new spell by the end) = " in _text(cells[3])
    assert _images(cells) == 1
