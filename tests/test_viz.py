"""Tests of parley.viz: the SolaraViz page without a browser, then in headless Chromium."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from parley import params as P
from parley import viz
from parley.scenario_files import load_scenario

ROOT = Path(__file__).resolve().parents[1]
TRUMP_OH = ROOT / "scenarios" / "trump_oh.yaml"
BIDEN = ROOT / "scenarios" / "biden.yaml"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]

REQUIRED = ("washington__outreach_rate", "washington__legacy_drive",
            "pyongyang__attitude_threshold", "pyongyang__test_month_rate",
            "pyongyang__max_concession", "beijing__phased_affinity",
            "beijing__spoiler_threshold", "seoul__engagement")

# mesa 3.3.1's ComponentsView trips Solara's hook linter when mesa.visualization is imported
pytestmark = pytest.mark.filterwarnings("ignore:.*found despite early return:UserWarning")


def _expected_default(value):
    return (value[0] + value[1]) / 2 if isinstance(value, list) else value


# ------------------------------------------------------------ no browser


def test_sliders_cover_main_stances_with_scenario_defaults_and_bounds():
    from mesa.visualization import Slider
    from mesa.visualization.solara_viz import split_model_params

    params = viz.model_params(TRUMP_OH)
    scenario = load_scenario(TRUMP_OH)
    inputs, fixed = split_model_params(params)
    assert fixed == {"scenario": str(TRUMP_OH.resolve())}
    assert inputs["seed"]["type"] == "InputText"
    for key in REQUIRED:
        slider = inputs[key]
        assert isinstance(slider, Slider) and slider.is_float_slider
        actor, name = key.split("__")
        decl = P.by_name(P.ROLES[scenario.actors[actor].role])[name]
        assert (slider.min, slider.max) == (decl.low, decl.high)
        assert slider.value == pytest.approx(_expected_default(scenario.actors[actor].value(name)))
        assert slider.min <= slider.value <= slider.max
        assert 0 < slider.step <= (decl.high - decl.low) / 100
    # trump_oh gives legacy_drive a range: the slider starts at its midpoint
    assert inputs["washington__legacy_drive"].value == pytest.approx(0.8)


def test_every_role_gets_sliders_moscow_and_tokyo_their_own_beside_their_base_roles():
    from parley import params as P

    assert set(viz.MAIN_STANCES) == set(P.ROLES)  # a new role must say which it slides
    specs = viz.slider_specs(load_scenario("parley:examples/biden_moscow_tokyo.yaml"))
    for key in ("moscow__council_shield", "moscow__treaty_lifeline", "moscow__phased_affinity",
                "tokyo__pressure_push", "tokyo__engagement", "beijing__spoiler_threshold",
                "seoul__engagement"):
        assert key in specs, key
    assert "beijing__council_shield" not in specs  # Beijing is a plain patron


def _reset(model, kwargs: dict):
    """What SolaraViz's Reset does with the model parameters, for the installed Mesa."""
    from mesa.visualization import solara_viz

    build = getattr(solara_viz, "_build_model_init_kwargs", None)  # Mesa >= 3.5
    if build is not None:
        kwargs = build(model, kwargs, add_scenario_when_empty=True,
                       require_model_accepts_scenario=True)
    return type(model)(**kwargs)


def test_reset_recreates_the_model_with_the_slider_value():
    from mesa.visualization.solara_viz import _check_model_params

    params = viz.model_params(BIDEN)
    model_class = viz.page_model_class(BIDEN)
    _check_model_params(model_class.__init__, params)  # what SolaraViz checks on first render
    kwargs = viz.initial_kwargs(params)
    model = model_class(**kwargs)
    assert model.spec.name == "biden"
    outreach = model.washington.stance["outreach_rate"][0]
    # ModelCreator.on_change, then ModelController.do_reset
    kwargs = {**kwargs, "washington__outreach_rate": 0.9, "seed": "7"}
    again = _reset(model, kwargs)
    assert type(again) is model_class
    assert again.spec.name == "biden"  # not the default scenario, whatever Mesa passes
    assert outreach != 0.9 and again.washington.stance["outreach_rate"][0] == pytest.approx(0.9)
    assert again.seeds.tolist() == [7]
    again.step()
    assert len(again.narrator.lines()) == 1


def test_a_mesa_scenario_object_falls_back_to_the_page_scenario():
    model_class = viz.page_model_class(BIDEN)
    for not_a_path in (None, object()):
        assert model_class(scenario=not_a_path, seed=1).spec.name == "biden"


def test_viz_model_defaults_match_slider_defaults():
    params = viz.model_params(TRUMP_OH)
    model = viz.page_model_class(TRUMP_OH)(**viz.initial_kwargs(params))
    assert model.washington.stance["outreach_rate"][0] == pytest.approx(0.225)
    assert model.actors["beijing"].stance["spoiler_threshold"][0] == pytest.approx(0.725)


def test_seed_text():
    assert viz.parse_seed("42") == 42 and viz.parse_seed(" 3 ") == 3
    assert viz.parse_seed("") is None and viz.parse_seed(None) is None
    for bad in ("x", "-1", "1.5"):
        with pytest.raises(ValueError, match="seed"):
            viz.parse_seed(bad)
    # on the page a bad seed must not raise (Reset would show a traceback instead of the page)
    model = viz.VizModel(TRUMP_OH, seed="abc")
    assert "random seed" in model.seed_problem and model.seeds[0] >= 0
    assert viz.VizModel(TRUMP_OH, seed="5").seed_problem is None


def test_page_renders_steps_and_resets_without_a_browser():
    import ipyvuetify as v
    import ipywidgets
    import solara

    page = viz.make_page(TRUMP_OH)
    _box, rc = solara.render(solara.AppLayout(children=[page()]), handle_error=False)
    try:
        labels = {w.label for w in rc.find(v.Slider).widgets}
        assert {k.replace("__", ".") for k in REQUIRED} <= labels
        assert len(rc.find(ipywidgets.Image).widgets) == 2  # the two charts
        first_chart = rc.find(ipywidgets.Image).widgets[0].value
        step = rc.find(v.Btn, children=["Step"]).widget
        for _ in range(3):
            step.click()
        assert len(rc.find(v.Html, class_=viz.LOG_CLASS).widgets) == 3
        assert rc.find(v.Html, class_=viz.MONTH_CLASS).widget.attributes["data-month"] == "3"
        assert rc.find(ipywidgets.Image).widgets[0].value != first_chart
        rc.find(v.Slider, label="washington.outreach_rate").widget.v_model = 0.9
        rc.find(v.Btn, children=["Reset"]).widget.click()
        assert rc.find(v.Html, class_=viz.LOG_CLASS).widgets == []
        stance = rc.find(v.Html, class_=viz.STANCE_CLASS).widget.children[0]
        assert "washington.outreach_rate = 0.9," in stance
    finally:
        rc.close()


def test_module_page_is_lazy_and_built_from_the_environment(monkeypatch):
    code = "import sys, parley.viz; print('solara' in sys.modules, 'page' in vars(parley.viz))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]
    monkeypatch.setenv(viz.ENV_VAR, str(ROOT / "scenarios" / "biden.yaml"))
    try:
        page = viz.page
        assert viz.Page is page
        assert page.model_params["scenario"].endswith("biden.yaml")
    finally:
        for name in ("page", "Page"):
            vars(viz).pop(name, None)


def _viz_cli(argv: list[str]) -> int:
    from parley.cli import viz as viz_cli

    parser = argparse.ArgumentParser(prog="parley")
    viz_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.mark.parametrize("content", [None, "name: [unclosed\n"])
def test_cli_rejects_a_bad_scenario_before_starting(tmp_path, capsys, monkeypatch, content):
    path = tmp_path / "bad.yaml"
    if content is not None:
        path.write_text(content)
    started = []
    monkeypatch.setattr(viz.subprocess, "Popen", lambda *a, **k: started.append(a))
    assert _viz_cli(["viz", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "bad.yaml" in err
    assert started == []


def test_cli_server_command(capsys, monkeypatch):
    calls = []

    class FakeProc:
        def __init__(self, cmd, env, preexec_fn=None):
            calls.append((cmd, env, preexec_fn))

        def wait(self):
            return 0

    monkeypatch.setattr(viz.subprocess, "Popen", FakeProc)
    assert _viz_cli(["viz", str(TRUMP_OH), "--port", "9123", "--no-open"]) == 0
    (cmd, env, preexec_fn), = calls
    if sys.platform.startswith("linux"):  # the server is set to die with its parent
        assert preexec_fn is not None
    assert cmd[1:5] == ["-m", "solara", "run", "parley.viz"]
    assert cmd[cmd.index("--port"):cmd.index("--port") + 2] == ["--port", "9123"]
    assert "--production" in cmd and "--no-open" in cmd and "--no-check-version" in cmd
    assert env[viz.ENV_VAR] == str(TRUMP_OH.resolve())
    assert "http://127.0.0.1:9123/" in capsys.readouterr().out


# --------------------------------------------------------------- browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def viz_server(tmp_path):
    """A Solara server for trump_oh on a free localhost port; yields its URL."""
    port = _free_port()
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(viz.server_command("127.0.0.1", port), cwd=ROOT,
                            env=viz.server_env(TRUMP_OH), stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 40
        while True:
            if proc.poll() is not None:
                pytest.fail(f"server exited: {(tmp_path / 'server.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("server not ready within 40 s")
            time.sleep(0.3)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        log.close()


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs /usr/bin/chromium")
def test_page_in_headless_chromium(viz_server):
    from playwright.sync_api import expect, sync_playwright

    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 950})
            page.on("request", lambda r: requests.append(r.url))
            page.goto(viz_server)
            page.wait_for_selector(f".{viz.MONTH_CLASS}", timeout=30_000)
            month = page.locator(f".{viz.MONTH_CLASS}")
            log_lines = page.locator(f".{viz.LOG_CLASS}")
            stance = page.locator(f".{viz.STANCE_CLASS}")
            expect(month).to_have_attribute("data-month", "0")
            expect(page.get_by_text("Page 0", exact=True)).not_to_be_visible()
            expect(stance).to_contain_text("washington.outreach_rate = 0.225,")
            # the stance sliders are on the page
            for key in REQUIRED:
                expect(page.locator(".v-input", has_text=key.replace("__", "."))).to_have_count(1)

            # move Washington's outreach slider to its maximum, then Reset
            slider = page.locator(".v-input", has_text="washington.outreach_rate")
            slider.locator("[role=slider]").focus()
            page.keyboard.press("End")
            page.get_by_role("button", name="Reset").click()
            expect(stance).to_contain_text("washington.outreach_rate = 1,")

            chart = page.locator(".vue-grid-item img").first
            chart.wait_for()
            before = chart.get_attribute("src")
            step = page.get_by_role("button", name="Step")
            for n in range(1, 4):
                step.click()
                expect(log_lines).to_have_count(n)
            expect(month).to_have_attribute("data-month", "3")
            expect(chart).not_to_have_attribute("src", before)

            # play for a few months, then pause
            page.get_by_role("button", name="▶").click()
            page.wait_for_function(
                f"document.querySelectorAll('.{viz.LOG_CLASS}').length >= 6", timeout=15_000)
            page.get_by_role("button", name="❚❚").click()
            expect(page.get_by_role("button", name="▶")).to_be_visible()
            assert log_lines.count() >= 6
            if os.environ.get("PARLEY_VIZ_SCREENSHOT"):  # a PNG path, to look at the page
                page.screenshot(path=os.environ["PARLEY_VIZ_SCREENSHOT"])
        finally:
            browser.close()

    hosts = {urlparse(u).hostname for u in requests if urlparse(u).scheme in ("http", "https",
                                                                              "ws", "wss")}
    assert requests and hosts <= {"127.0.0.1", "localhost"}, hosts
