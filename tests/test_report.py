"""Tests of parley.outputs.report on small, fixed synthetic result files."""

from __future__ import annotations

import argparse
import base64
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from parley.outputs import plotting, report
from test_plotting import EXPECTED, make_manifest, write_results

CHROMIUM = Path("/usr/bin/chromium")


class _Tags(HTMLParser):
    """Collect every tag with its attributes (to inspect src/href and <img>)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parse(html_text: str) -> _Tags:
    p = _Tags()
    p.feed(html_text)
    return p


@pytest.fixture
def results_dir(tmp_path: Path) -> Path:
    return write_results(tmp_path / "results")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A results dir and its report.html, built once for the read-only tests."""
    d = write_results(tmp_path_factory.mktemp("built") / "results")
    return d, report.write_report(d)


def test_write_report_contents(built: tuple[Path, Path]):
    results_dir, path = built
    assert path == results_dir / "report.html"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    summary = json.loads((results_dir / "summary.json").read_text())
    manifest = json.loads((results_dir / "manifest.json").read_text())
    for s in summary["scenarios"]:
        assert s["name"] in text
        assert s["title"] in text
    # one embedded PNG per figure, and they decode as PNGs
    imgs = [a for t, a in _parse(text).tags if t == "img"]
    assert len(imgs) == len(EXPECTED)
    for a in imgs:
        src = a["src"] or ""
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(b"\x89PNG")
        assert a.get("alt")
    assert text.count('<img src="data:image/png;base64,') == len(EXPECTED)
    # question, tables, sources, manifest, reproduction command
    assert "The question" in text and "how often do talks" in text
    assert "60.0%" in text and "59.0%–61.0%" in text  # sanders share with Wilson interval
    assert "+20.0 pp" in text and "+19.0 pp to +21.0 pp" in text  # paired difference
    assert "not reached within 12 months" in text  # biden median time to talks
    assert "yeo2020" in text and "The Progressive Democratic Candidates" in text
    assert "favours step-by-step engagement" in text
    assert "0.2 to 0.4 (drawn per run)" in text
    assert "Yoon takes office" in text
    assert manifest["command"] in text
    assert manifest["git_commit"] in text
    for k, v in manifest["versions"].items():
        assert k in text and v in text
    # sweep tables
    assert "washington.outreach_rate" in text and "Scenario discovery" in text
    assert "First order S1" in text


def test_report_loads_nothing_from_the_network(built: tuple[Path, Path]):
    text = built[1].read_text(encoding="utf-8")
    for tag, attrs in _parse(text).tags:
        assert tag not in {"script", "link", "iframe", "object", "embed"}, tag
        for attr in ("src", "href", "data", "poster", "srcset", "action"):
            value = (attrs.get(attr) or "").strip().lower()
            assert not value.startswith(("http:", "https:", "//")), (tag, attr, value)
            if attr == "href" and attrs.get("href") is not None:
                assert value.startswith("#"), value  # in-page links only
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", text, re.I)
    assert not re.search(r"url\(\s*[\"']?(https?:)?//", text, re.I)  # CSS
    assert "@import" not in text


def test_report_escapes_text(tmp_path: Path):
    d = write_results(tmp_path / "r", sweep=False)
    manifest = make_manifest()
    manifest["scenarios"][0]["resolved"]["description"] = '<script>alert("x")</script> & co'
    manifest["command"] = "parley compare scenarios/ --runs 10 <&>"
    (d / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    text = report.write_report(d).read_text(encoding="utf-8")
    assert "<script>" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in text
    assert "--runs 10 &lt;&amp;&gt;" in text
    # the assumption text of the fixture has markup-like characters too
    assert "&lt;kept&gt; neutral &amp; fixed" in text


def test_report_draws_figures_in_memory_when_absent(built: tuple[Path, Path]):
    results_dir, path = built
    assert path.is_file()
    assert not (results_dir / "figures").exists()


def test_report_reuses_saved_figures(results_dir: Path):
    paths = plotting.save_figures(results_dir)
    text = report.write_report(results_dir).read_text(encoding="utf-8")
    for p in paths:
        assert base64.b64encode(p.read_bytes()).decode("ascii") in text


def test_report_summary_only_and_sweep_only(tmp_path: Path):
    a = write_results(tmp_path / "a", sweep=False)
    text = report.write_report(a).read_text(encoding="utf-8")
    assert text.count("<img ") == 4
    assert "Parameter sweep" not in text
    b = write_results(tmp_path / "b", summary=False, manifest=False)
    text = report.write_report(b).read_text(encoding="utf-8")
    assert text.count("<img ") == len(EXPECTED) - 4
    assert "manifest.json was not found" in text


def test_report_single_scenario_without_comparison(tmp_path: Path):
    d = write_results(tmp_path / "one", sweep=False)
    summary = json.loads((d / "summary.json").read_text())
    summary["scenarios"] = summary["scenarios"][2:]
    del summary["comparison"]
    (d / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    text = report.write_report(d).read_text(encoding="utf-8")
    assert "Ranked comparison" not in text
    assert "Biden administration (Yeo 2020)" in text
    assert "1 scenario" in text


def _parser() -> argparse.ArgumentParser:
    from parley.cli import build_parser

    return build_parser("report")


def test_cli_report_prints_path(results_dir: Path, capsys):
    args = _parser().parse_args(["report", str(results_dir)])
    from parley.cli.report import run_report

    assert args.func is run_report
    assert args.func(args) == 0
    assert capsys.readouterr().out.strip() == str(results_dir / "report.html")


@pytest.mark.parametrize("kind", ["missing", "empty"])
def test_cli_report_bad_dir_exits_2(tmp_path: Path, capsys, kind: str):
    d = tmp_path / "nope"
    if kind == "empty":
        d.mkdir()
    from parley.cli import main

    assert main(["report", str(d)]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert err.startswith("error:") and "\n" not in err
    assert captured.out == ""
    assert not (d / "report.html").exists()


@pytest.mark.browser
def test_report_renders_in_headless_chromium(built: tuple[Path, Path]):
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing")
    sync_api = pytest.importorskip("playwright.sync_api")
    path = built[1]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )
        try:
            page = browser.new_page()
            requested: list[str] = []
            page.on("request", lambda r: requested.append(r.url))
            page.goto(path.resolve().as_uri(), wait_until="load")
            widths = page.evaluate(
                "Array.from(document.images).map(i => [i.complete, i.naturalWidth])")
            title = page.title()
        finally:
            browser.close()
    assert len(widths) == len(EXPECTED)
    assert all(complete and width > 0 for complete, width in widths), widths
    assert "US–DPRK" in title
    assert all(u.startswith(("file:", "data:")) for u in requested), requested


# ----------------------------------------------------- table shape of real reports

ROOT = Path(__file__).resolve().parents[1]


class _TableShapes(HTMLParser):
    """Per table: the header's cell count and each body row's cell count (nesting kept)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[str, list[int]]] = []
        self.depth = 0  # open <td>/<th> elements: a cell inside a cell counts here
        self.nested = 0
        self._row: list[int] | None = None
        self._in_head = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"head": [], "rows": []})
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row = [0]
        elif tag in ("td", "th"):
            self.nested += self.depth > 0
            self.depth += 1
            if self._row is not None:
                self._row[0] += 1

    def handle_endtag(self, tag):
        if tag == "thead":
            self._in_head = False
        elif tag in ("td", "th"):
            self.depth = max(0, self.depth - 1)
        elif tag == "tr" and self._row is not None:
            self.tables[-1]["head" if self._in_head else "rows"].append(self._row[0])
            self._row = None


def _cli_results(folder: Path, *args: str, executor: bool = True) -> Path:
    import subprocess
    import sys

    serial = ["--executor", "serial"] if executor else []
    proc = subprocess.run([sys.executable, "-m", "parley.cli", *args, *serial,
                           "--no-plots", "--out", str(folder)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return folder


@pytest.fixture(scope="module")
def real_folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small real results folders of each kind the report knows."""
    d = tmp_path_factory.mktemp("real")
    return {
        "single batch": _cli_results(d / "one", "run", "scenarios/biden.yaml", "--runs", "60"),
        "comparison with camps": _cli_results(d / "cmp", "compare", "scenarios/", "--runs",
                                              "60"),
        "parameter draws": _cli_results(d / "pd", "compare", "scenarios/sanders.yaml",
                                        "scenarios/biden.yaml", "--runs", "40",
                                        "--parameter-draws", "3"),
        "hindcast": _cli_results(d / "hc", "hindcast", "--runs", "60", executor=False),
        "sweep": _cli_results(d / "sw", "sweep", "scenarios/biden.yaml", "--vary",
                              "washington.outreach_rate=0:1:3", "--vary",
                              "pyongyang.attitude_threshold=0.2:0.8:2",
                              "--runs-per-point", "40"),
    }


@pytest.mark.parametrize("kind", ["single batch", "comparison with camps", "parameter draws",
                                  "hindcast", "sweep"])
def test_every_table_row_has_as_many_cells_as_its_header(real_folders, kind, monkeypatch):
    monkeypatch.setattr(report, "_figure_pngs", lambda results, d: [])  # tables only
    text = report.render_report(real_folders[kind])
    shapes = _TableShapes()
    shapes.feed(text)
    assert shapes.nested == 0, "a table cell inside another cell"
    assert len(shapes.tables) >= 3
    for i, t in enumerate(shapes.tables):
        assert len(t["head"]) <= 1 and t["rows"], f"table {i}: one header row at most, a body"
        width = t["head"] or t["rows"][:1]  # a key-value table has no header
        assert set(t["rows"]) == set(width), f"table {i}: {t['head']} vs {t['rows']}"
    if kind == "hindcast":
        assert 'id="hindcast"' in text
    if kind == "comparison with camps":
        assert "<h3>By camp</h3>" in text
    if kind in ("single batch", "comparison with camps", "parameter draws"):
        assert "<th class=num>P(talks resume | Pyongyang engaged)</th>" in text
    if kind == "parameter draws":
        assert "<h3>Parameter uncertainty</h3>" in text
        assert "<td>sanders vs biden</td><td class='num'>100%</td>" in text


def test_table_shape_parser_sees_a_nested_cell():
    shapes = _TableShapes()
    shapes.feed("<table><thead><tr><th>a</th><th>b</th></tr></thead>"
                "<tbody><tr><td>1</td><td><td>2</td></td></tr></tbody></table>")
    assert shapes.nested == 1
    assert shapes.tables[0]["rows"] == [3]
class _Rows(HTMLParser):
    """Cells per row of every table: (header cells, [body row cell counts])."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[int]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append(0)
        elif tag in ("td", "th"):
            self.tables[-1][-1] += 1


def test_report_of_a_hindcast_folder(tmp_path: Path):
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "hc"
    files = [str(root / "scenarios" / "hindcast" / f"{n}.yaml")
             for n in ("bush_2005", "obama_2013")]
    proc = subprocess.run([sys.executable, "-m", "parley.cli", "hindcast", *files,
                           str(root / "scenarios" / "live" / "trump_2025.yaml"),
                           "--runs", "40", "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert not (out / "summary.json").exists()
    from parley.cli import main

    assert main(["report", str(out)]) == 0
    text = (out / "report.html").read_text(encoding="utf-8")
    assert "hindcast of 3 US terms" in text
    for title in ("Bush second term", "Obama second term", "Live: Trump second term"):
        assert title in text
    assert "Term level, Brier" in text and "Month level, log loss" in text
    assert "Live forecast" in text and "not yet" in text
    assert text.count("<img ") == 3
    assert "manifest.json was not found" not in text
    rows = _Rows()
    rows.feed(text)
    assert len(rows.tables) == 3  # terms, scores, patterns
    for cells in rows.tables:
        assert all(n == cells[0] for n in cells), cells
