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


HOSTILE = '<script>alert("x")</script> & co'


def test_report_escapes_text(tmp_path: Path):
    """Names, titles, camps, notes and the command are text, never markup."""
    d = write_results(tmp_path / "r", sweep=False)
    manifest = make_manifest()
    resolved = manifest["scenarios"][0]["resolved"]
    resolved["description"] = HOSTILE
    resolved["events"][0]["note"] = HOSTILE
    resolved["camp"] = '"><img src=x onerror=alert(1)>'
    manifest["command"] = "parley compare scenarios/ --runs 10 <&>"
    (d / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    summary = json.loads((d / "summary.json").read_text())
    summary["scenarios"][1]["title"] = HOSTILE
    summary["scenarios"][1]["camp"] = "<b>bold</b>"
    (d / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    text = report.write_report(d).read_text(encoding="utf-8")
    assert "<script>" not in text and "<b>bold" not in text and "<img src=x" not in text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co" in text
    assert "--runs 10 &lt;&amp;&gt;" in text
    assert "&lt;kept&gt; neutral &amp; fixed" in text  # the fixture's assumption text
    parsed = _parse(text)
    assert {t for t, _ in parsed.tags} <= {"html", "head", "meta", "title", "style", "body",
                                          "h1", "h2", "h3", "h4", "p", "nav", "ul", "li", "a",
                                          "strong", "code", "pre", "div", "table", "thead",
                                          "tbody", "tr", "th", "td", "span", "details",
                                          "summary", "figure", "img", "figcaption", "br"}
    data = "".join(parsed.text)
    assert data.count(HOSTILE) >= 3  # description, note, title: shown as written
    assert "<b>bold</b>" in data


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
        assert '<th class="num">given Pyongyang engaged</th>' in text
    if kind == "parameter draws":
        assert "<h3>Parameter uncertainty</h3>" in text
        assert '<td>sanders vs biden</td><td class="num">100%</td>' in text


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
    assert text.count("<img ") == 4  # the four record figures
    assert "manifest.json was not found" not in text
    rows = _Rows()
    rows.feed(text)
    assert len(rows.tables) == 3  # terms, scores, patterns
    for cells in rows.tables:
        assert all(n == cells[0] for n in cells), cells


# ----------------------------------------------------- the first table, and a compact page


class _Cells(HTMLParser):
    """The text of every cell, row by row, table by table; and tags inside the first table."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.first_table_tags: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        if len(self.tables) == 1:
            self.first_table_tags.append(tag)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _first_table(text: str) -> tuple[list[str], list[list[str]], list[str]]:
    cells = _Cells()
    cells.feed(text)
    head, *rows = cells.tables[0]
    return head, rows, cells.first_table_tags


def _percent(cell: str) -> float:
    return float(cell.split("%")[0])


@pytest.mark.parametrize("with_comparison", [True, False])
def test_the_first_table_ranks_the_scenarios_by_talks(tmp_path: Path, monkeypatch,
                                                      with_comparison: bool):
    """It listed the scenarios alphabetically (in file order), not ranked."""
    monkeypatch.setattr(report, "_figure_pngs", lambda results, d: [])
    d = write_results(tmp_path / "r", sweep=False)
    if not with_comparison:
        summary = json.loads((d / "summary.json").read_text())
        del summary["comparison"]
        (d / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    head, rows, _ = _first_table(report.render_report(d))
    assert head[:4] == ["Rank", "Scenario", "Camp", "P(talks resume)"]
    assert [r[0] for r in rows] == ["1", "2", "3"]
    assert [r[1].split(" (")[0] for r in rows] == ["Sanders administration",
                                                    "Trump second term", "Biden administration"]
    assert [_percent(r[3]) for r in rows] == [60.0, 40.0, 31.2]


def test_a_real_comparison_report_ranks_and_stays_compact(real_folders, monkeypatch):
    """The first table of `parley compare scenarios/` was alphabetical and very tall: every
    outcome, and each interval on a line of its own; the stances ran to 25,000 px."""
    monkeypatch.setattr(report, "_figure_pngs", lambda results, d: [])
    folder = real_folders["comparison with camps"]
    text = report.render_report(folder)
    summary = json.loads((folder / "summary.json").read_text())
    head, rows, tags = _first_table(text)
    expected = [r["scenario"] for r in summary["comparison"]["rows"]]  # as compare prints
    assert [r[1].split()[-1] for r in rows] == expected
    shares = [_percent(r[3]) for r in rows]
    assert shares == sorted(shares, reverse=True)
    assert len(rows) == len(summary["scenarios"]) and len(head) <= 7
    assert "br" not in tags  # one line per scenario
    # every scenario's stances are there, folded away until opened
    assert text.count('<details class="scenario"') == len(summary["scenarios"])
    assert "<details open" not in text and '<details class="scenario" open' not in text
    # an interval's end at zero is 0.0%, not float round-off written out (0.00…011%)
    assert not re.search(r"0\.0000\d*%", text)


def test_a_new_camp_has_its_name_and_its_figure_colour_in_the_report(tmp_path: Path,
                                                                     monkeypatch):
    from parley.outputs.figures.common import camp_colours

    monkeypatch.setattr(report, "_figure_pngs", lambda results, d: [])
    d = write_results(tmp_path / "r", sweep=False)
    summary = json.loads((d / "summary.json").read_text())
    summary["scenarios"][2]["camp"] = "libertarian"
    (d / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    text = report.render_report(d)
    colour = camp_colours(["trump", "progressive", "libertarian"])["libertarian"]
    assert (f'<span class="camp camp-other" style="background: {colour}">Libertarian</span>'
            in text)


def test_the_templates_ship_as_package_data():
    import tomllib

    root = Path(report.__file__).parent / "templates"
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["parley.outputs.templates"]
    files = sorted(p.relative_to(root) for p in root.iterdir() if p.name != "__pycache__")
    assert files and all(any(f.match(g) for g in globs) for f in files), (files, globs)


@pytest.mark.browser
def test_the_report_is_compact_in_headless_chromium(real_folders, tmp_path: Path,
                                                    monkeypatch):
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing")
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setattr(report, "_figure_pngs", lambda results, d: [])
    page_file = tmp_path / "report.html"
    page_file.write_text(report.render_report(real_folders["comparison with camps"]),
                         encoding="utf-8")
    sizes = {}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                    args=["--no-sandbox", "--disable-gpu"])
        try:
            for width in (1280, 390):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(page_file.resolve().as_uri(), wait_until="load")
                sizes[width] = page.evaluate(
                    "[document.querySelector('table').getBoundingClientRect().height,"
                    " document.querySelector('table').rows.length,"
                    " document.body.scrollHeight]")
        finally:
            browser.close()
    for width, (table, rows, _page) in sizes.items():
        assert table < 36 * rows + 20, (width, table, rows)  # one line a row, any width
    assert sizes[1280][2] < 6000, sizes  # the whole page, figures aside


def test_a_hindcast_term_row_shows_the_new_spell_and_its_interval_over_draws():
    from parley.outputs.report_context import _new_spell

    assert _new_spell({"p_new_spell": 0.235, "new_spell_param_lo": 0.012,
                       "new_spell_param_hi": 0.806}) == "0.235 (over draws 0.012–0.806)"
    assert _new_spell({"p_new_spell": 0.235}) == "0.235"  # the point run: no interval
