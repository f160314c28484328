"""A Mesa SolaraViz app over :class:`~parley.model.NegotiationModel`.

``make_page("scenarios/biden.yaml")`` returns a Solara component: stance
sliders built from :mod:`parley.params` (defaults from the scenario), a seed
input, Mesa's step / play / reset controls, live charts of the DataCollector's
monthly reporters and the narrator's month-by-month event log.

``solara run parley.viz`` serves the page for the scenario named by the
environment variable ``PARLEY_SCENARIO`` (default ``scenarios/trump_oh.yaml``,
relative to the working directory); ``parley viz [SCENARIO]`` does the same
from the command line.  Importing this module is cheap: Solara and
``mesa.visualization`` are imported only when a page is built, and the
module-level ``page`` / ``Page`` are built on first access (module
``__getattr__``), which is how ``solara run`` reaches them.

The model never imports this module.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from parley import params as P
from parley.model import NegotiationModel
from parley.scenario import Scenario, ScenarioError, require_runnable
from parley.scenario_files import load_scenario, scenario_path

if TYPE_CHECKING:
    import argparse

ENV_VAR = "PARLEY_SCENARIO"
DEFAULT_SCENARIO = "scenarios/trump_oh.yaml"
DEFAULT_SEED = "1"

# The stance parameters given a slider, by role; every actor of the scenario
# with that role gets them (``beijing.phased_affinity`` for the patron ...).  A role
# that extends another (Moscow a patron, Tokyo an ally) has its base's and its own.
_PATRON = ("phased_affinity", "spoiler_threshold")
_ALLY = ("engagement",)
MAIN_STANCES: dict[str, tuple[str, ...]] = {
    "washington": ("outreach_rate", "legacy_drive", "bold_move_rate"),
    "pyongyang": ("attitude_threshold", "test_month_rate", "max_concession"),
    "patron": _PATRON,
    "russia": (*_PATRON, "council_shield", "treaty_lifeline"),
    "ally": _ALLY,
    "japan": (*_ALLY, "pressure_push"),
}
SLIDER_POSITIONS = 200  # a [0, 1] parameter moves in steps of 0.005

TALKS_LABELS = ("no contact", "working", "summit", "agreement", "collapse")
LEVEL_COLORS = {"tension": "tab:red", "sanctions_pressure": "tab:blue",
                "us_china_tension": "tab:gray"}

# SolaraViz labels its page tabs "Page 0", "Page 1", ...; this app has one page, so no tabs
ONE_PAGE_CSS = ".v-tabs { display: none !important; }"

LOG_CLASS = "parley-log-line"
LOG_HEIGHT_PX = 250
MONTH_CLASS = "parley-month"
STANCE_CLASS = "parley-stance"

# noise in the server's terminal: mesa 3.3.1 trips Solara's hook linter, and
# Solara warns that a plain-http localhost session cookie falls back to samesite=lax
QUIET_WARNINGS = ("ignore::UserWarning:solara.validate_hooks",
                  "ignore::UserWarning:solara.server.starlette")


class VizModel(NegotiationModel):
    """NegotiationModel as the page creates it: the seed arrives as text from an input box.

    An empty seed draws a fresh one; so does text that is not a whole number >= 0,
    which is noted in ``seed_problem`` (shown on the page) rather than raised, as an
    exception in Reset would replace the whole page with a traceback.
    SolaraViz's Reset re-creates the model as ``model.__class__(**params)``; Mesa 3.5
    first swaps the ``scenario`` parameter for an empty Mesa ``Scenario`` object, so
    each page uses a subclass (:func:`page_model_class`) that knows its scenario file.
    The stance overrides are named ``**kwargs`` here because mesa 3.3.1's parameter
    check (``_check_model_params``) accepts extra keywords only under that name.
    """

    #: the page's scenario file; Reset falls back to it (see ``__init__``)
    scenario_path: str = DEFAULT_SCENARIO

    def __init__(self, scenario: Any = None, seed: int | str | None = None, **kwargs: Any):
        if not isinstance(scenario, str | os.PathLike | Scenario):
            # None, or Mesa >= 3.5's Reset, which replaces the page's scenario path by a
            # fresh ``mesa.experimental.scenarios.Scenario`` (it holds none of our values)
            scenario = self.scenario_path
        self.seed_problem: str | None = None
        try:
            value = parse_seed(seed)
        except ValueError as exc:
            value, problem = None, f"{exc}: a random seed was used"
        else:
            problem = None
        super().__init__(scenario=scenario, seed=value, **kwargs)
        self.seed_problem = problem


def page_model_class(scenario_path: str | Path) -> type[VizModel]:
    """A VizModel subclass whose default scenario (and Reset fallback) is ``scenario_path``."""
    path = str(Path(scenario_path).resolve())
    return type("VizModel", (VizModel,), {"scenario_path": path, "__module__": __name__})


def parse_seed(seed: int | str | None) -> int | None:
    """The seed typed into the page: '' (or None) for a random one, else an integer >= 0."""
    if seed is None or isinstance(seed, int):
        return seed
    text = str(seed).strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"seed must be a whole number >= 0 or empty (got {seed!r})") from None
    if value < 0:
        raise ValueError(f"seed must be a whole number >= 0 or empty (got {seed!r})")
    return value


# ------------------------------------------------------------ parameters


def slider_default(value: Any) -> float:
    """A slider's start: the scenario's value, or the midpoint of its [low, high] range."""
    if isinstance(value, list):
        return round((float(value[0]) + float(value[1])) / 2, 6)
    return float(value)


def slider_specs(scenario: Scenario) -> dict[str, dict[str, Any]]:
    """``actor__param`` -> label, value, min, max, step for each main stance of the scenario."""
    specs: dict[str, dict[str, Any]] = {}
    for actor in scenario.actors.values():
        decls = P.by_name(P.ROLES[actor.role])
        for name in MAIN_STANCES.get(actor.role, ()):
            decl = decls[name]
            if not isinstance(decl, P.Real) or name not in actor.stances:
                continue
            specs[f"{actor.name}__{name}"] = {
                "label": f"{actor.name}.{name}",
                "value": slider_default(actor.value(name)),
                "min": decl.low,
                "max": decl.high,
                "step": (decl.high - decl.low) / SLIDER_POSITIONS,
            }
    return specs


def model_params(scenario_path: str | Path) -> dict[str, Any]:
    """SolaraViz ``model_params``: the fixed scenario path, a seed input, the stance sliders.

    Raises ScenarioError when the scenario cannot be loaded.
    """
    from mesa.visualization import Slider

    path = Path(scenario_path)
    scenario = load_scenario(path)
    out: dict[str, Any] = {
        "scenario": str(path.resolve()),
        "seed": {"type": "InputText", "value": DEFAULT_SEED,
                 "label": "seed (empty = random)"},
    }
    for key, spec in slider_specs(scenario).items():
        out[key] = Slider(spec["label"], value=spec["value"], min=spec["min"],
                          max=spec["max"], step=spec["step"], dtype=float)
    return out


def initial_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments SolaraViz passes to the model: fixed values and input defaults.

    Mirrors ``ModelCreator`` in mesa 3.3.1 (fixed params as they are, user
    inputs by their ``value``).
    """
    from mesa.visualization.solara_viz import split_model_params

    inputs, fixed = split_model_params(params)
    return {**fixed, **{k: v.get("value") for k, v in inputs.items()}}


# ------------------------------------------------------------ components


def _months_axis(ax) -> None:
    """DataCollector rows count from 0; plot row i at month i + 1 (= Mesa's step count)."""
    for line in ax.get_lines():
        line.set_xdata([x + 1 for x in line.get_xdata()])
    ax.relim()
    ax.autoscale_view(scaley=False)


def _talks_axis(ax) -> None:
    _months_axis(ax)
    for line in ax.get_lines():
        line.set_drawstyle("steps-post")
    ax.set_ylim(-0.2, len(TALKS_LABELS) - 0.8)
    ax.set_yticks(range(len(TALKS_LABELS)), TALKS_LABELS)
    ax.set_ylabel("")
    ax.set_title("Talks state")


def _levels_axis(ax) -> None:
    _months_axis(ax)
    ax.set_ylim(0, 1)
    ax.set_title("Tension and sanctions pressure")


def event_log_component():
    """A component (model -> element) showing the month counter, stance and narrator log."""
    import solara
    from mesa.visualization.utils import update_counter

    @solara.component
    def EventLog(model: NegotiationModel):  # noqa: N802 (a component)
        update_counter.get()
        lines = model.narrator.lines() if model.narrator else []
        label = model.spec.month_label(model.month) if model.month else "not started"
        stance = "Stance now: " + ", ".join(
            f"{a.name}.{k} = {float(a.stance[k][0]):.3g}"
            for a in model.actors.values() for k in MAIN_STANCES.get(a.role, ())
            if k in a.stance and not isinstance(a.stance[k], bool | str))
        with solara.Column(gap="4px"):
            solara.Style(ONE_PAGE_CSS)  # a <style> element applies to the whole page
            solara.v.Html(tag="div", class_=MONTH_CLASS,
                          attributes={"data-month": str(model.month)},
                          children=[f"{model.spec.title}: month {model.month} of "
                                    f"{model.horizon} ({label})"],
                          style_="font-weight: 600")
            problem = getattr(model, "seed_problem", None)
            if problem:
                solara.v.Html(tag="div", class_="parley-seed-problem", children=[problem],
                              style_="font-size: 0.8em; color: #b00020")
            solara.v.Html(tag="div", class_=STANCE_CLASS,
                          children=[f"seed {int(model.seeds[0])}. {stance}"],
                          style_="font-size: 0.75em; color: #666")
            # a column-reverse scroll box with one child stays scrolled to its end,
            # so the newest month (last in the DOM) is in view without any script
            with solara.v.Html(tag="div", class_="parley-log",
                               style_=f"max-height: {LOG_HEIGHT_PX}px; overflow-y: auto; "
                                      "display: flex; flex-direction: column-reverse; "
                                      "font-size: 0.85em"), solara.v.Html(tag="div"):
                for n, text in enumerate(lines, start=1):
                    solara.v.Html(tag="div", class_=LOG_CLASS,
                                  attributes={"data-month": str(n)}, children=[text],
                                  style_="padding: 2px 0; border-bottom: 1px solid #eee")
                if not lines:
                    solara.v.Html(tag="div", class_="parley-log-empty",
                                  children=["Press Step or Play to run the months."])

    return EventLog


def components() -> list:
    """The page's components: two DataCollector charts and the event log."""
    from mesa.visualization import make_plot_component

    return [
        make_plot_component({"tension": LEVEL_COLORS["tension"],
                             "sanctions_pressure": LEVEL_COLORS["sanctions_pressure"]},
                            post_process=_levels_axis),
        make_plot_component("talks_state", post_process=_talks_axis),
        (event_log_component(), 0),
    ]


def make_page(scenario_path: str | Path):
    """The SolaraViz page for one scenario, as a Solara component.

    Each browser session gets its own model (created on first render with the
    slider defaults, exactly as Reset re-creates it).  Raises ScenarioError for
    a missing or invalid scenario.
    """
    import solara
    from mesa.visualization import SolaraViz

    params = model_params(scenario_path)
    parts = components()
    title = load_scenario(scenario_path).title
    model_class = page_model_class(scenario_path)

    @solara.component
    def Page():  # noqa: N802 (a component)
        model = solara.use_memo(lambda: model_class(**initial_kwargs(params)), [])
        return SolaraViz(model, components=parts, model_params=params,
                         name=f"parley: {title}", play_interval=150)

    Page.model_params = params  # for tests and notebooks
    Page.model_class = model_class
    return Page


def __getattr__(name: str):
    """Build the module-level ``page`` (and ``Page``, which ``solara run`` looks up) lazily."""
    if name in ("page", "Page"):
        built = make_page(os.environ.get(ENV_VAR, DEFAULT_SCENARIO))
        globals().update(page=built, Page=built)
        return built
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -------------------------------------------------------------------- CLI


def server_command(host: str, port: int, open_browser: bool = False) -> list[str]:
    """The command line that serves the page (``solara run parley.viz``)."""
    return [sys.executable, "-m", "solara", "run", "parley.viz", "--host", host,
            "--port", str(port), "--production", "--open" if open_browser else "--no-open",
            "--log-level", "warning", "--no-check-version"]


def server_env(scenario_path: str | Path) -> dict[str, str]:
    """The server's environment: the scenario, and no telemetry or version check calls home."""
    quiet = ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"), *QUIET_WARNINGS]))
    return {**os.environ, ENV_VAR: str(Path(scenario_path).resolve()),
            "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "PYTHONWARNINGS": quiet}


def _die_with_parent(parent: int) -> None:  # pragma: no cover - in the child, before exec
    """In the server process: ask Linux to send it SIGTERM when its parent dies, so a
    ``parley viz`` killed with SIGKILL or SIGTERM takes its server with it."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the Ctrl-C path below still stops the server
    if os.getppid() != parent:  # the parent died before prctl took hold
        os._exit(1)


def start_server(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    """Start the page's server as a child that dies with this process (on Linux, through
    PR_SET_PDEATHSIG: no server is left listening after a SIGKILL of ``parley viz``)."""
    import functools

    linux = sys.platform.startswith("linux")
    pdeath = functools.partial(_die_with_parent, os.getpid()) if linux else None
    return subprocess.Popen(command, env=env, preexec_fn=pdeath)


def launch(args: argparse.Namespace) -> int:
    """``parley viz``: check the scenario, then serve the page until Ctrl-C (the options,
    port and host included, are parsed and checked by :mod:`parley.cli.viz`)."""
    import importlib.util

    from parley.errors import MissingExtraError

    if importlib.util.find_spec("solara") is None:  # before the serving line
        print(f"error: {MissingExtraError('parley viz', 'viz').problems[0]}", file=sys.stderr)
        return 2
    path = Path(args.scenario)
    try:
        path = scenario_path(args.scenario)  # parley:NAME, or a shipped name
        require_runnable(load_scenario(path))  # an abstract file has nothing to step
    except ScenarioError as exc:
        more = len(exc.problems) - 1
        tail = f" (and {more} more problem{'s' * (more > 1)})" if more > 0 else ""
        print(f"error: {exc.problems[0]}{tail}", file=sys.stderr)
        return 2
    url = f"http://{args.host}:{args.port}/"
    print(f"parley viz: serving {path} at {url} (Ctrl-C to stop)", flush=True)
    proc = start_server(server_command(args.host, args.port, not args.no_open),
                        server_env(path))
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        return 0
