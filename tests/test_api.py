"""The Python API (docs/API.md): the documented example runs, and equals the CLI's files."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import parley
from docblocks import code_blocks

ROOT = Path(__file__).resolve().parents[1]


def _api_example() -> str:
    """The first example of docs/API.md (two scenarios compared)."""
    text = (ROOT / "docs" / "API.md").read_text(encoding="utf-8")
    section = text.split("### Two scenarios compared", 1)[1]
    return code_blocks(section, "python")[0]


def test_the_documented_example_equals_the_cli_runs_csv(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    exec(compile(_api_example(), "docs/API.md", "exec"), namespace)
    result = namespace["result"]
    assert result.folder is None  # nothing kept on disk
    assert len(result.runs) == 800 and set(result.runs["scenario"]) == {"biden", "trump_oh"}
    out = tmp_path / "cli"
    proc = subprocess.run(
        [sys.executable, "-m", "parley.cli", "compare", "scenarios/biden.yaml",
         "scenarios/trump_oh.yaml", "--runs", "400", "--seed", "7", "--jobs", "1",
         "--no-plots", "--out", str(out)], capture_output=True, text=True, cwd=ROOT,
        check=False)
    assert proc.returncode == 0, proc.stderr
    pd.testing.assert_frame_equal(result.runs, pd.read_csv(out / "runs.csv"))
    cli_comparison = pd.read_csv(out / "comparison.csv")
    # the file keeps its columns (p, lo, hi); the frame names them in the API's scheme
    assert (cli_comparison["p"].round(6).tolist()
            == result.comparison["p_talks_resumed"].round(6).tolist())
    by_name = result.summary.set_index("scenario")
    for name, group in result.runs.groupby("scenario"):
        assert by_name.loc[name, "p_talks_resumed"] == group["talks_resumed"].mean()


def test_run_keeps_a_folder_only_when_asked(tmp_path):
    kept = parley.run(ROOT / "scenarios" / "biden.yaml", runs=60, seed=3, executor="serial",
                      out=tmp_path / "kept")
    assert kept.folder == tmp_path / "kept" and (kept.folder / "runs.csv").is_file()
    gone = parley.run(ROOT / "scenarios" / "biden.yaml", runs=60, seed=3, executor="serial")
    assert gone.folder is None
    pd.testing.assert_frame_equal(kept.runs, gone.runs)
    assert kept.summary.loc[0, "runs"] == 60  # 20 parameter draws x 3 worlds


def test_bad_input_raises_one_parley_error():
    with pytest.raises(parley.ParleyError, match="--runs 0"):
        parley.run(ROOT / "scenarios" / "biden.yaml", runs=0)
    with pytest.raises(parley.ParleyError, match="no_such_file"):
        parley.compare([ROOT / "scenarios" / "no_such_file.yaml"], runs=100)


def test_library_functions_take_no_namespace():
    import inspect

    from parley.experiments import api, batch, sweep

    for module in (api, batch, sweep):
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__:
                params = inspect.signature(fn).parameters
                assert "args" not in params, f"{module.__name__}.{name} takes args"


def test_summary_frame_has_talks_given_engaged_and_with_draws_the_interval_over_draws():
    sources = [str(ROOT / "scenarios" / "sanders.yaml"), str(ROOT / "scenarios" / "biden.yaml")]
    plain = parley.compare(sources, runs=100, executor="serial", parameter_draws=0)
    cols = list(plain.summary.columns)
    assert cols.index("p_talks_given_engaged") == cols.index("talks_resumed_hi") + 1
    assert "talks_resumed_param_lo" not in cols and "draw" not in plain.runs.columns
    engaged = plain.runs[plain.runs.engaged == 1]
    for _, row in plain.summary.iterrows():
        mine = engaged[engaged.scenario == row["scenario"]]["talks_resumed"]
        assert row["p_talks_given_engaged"] == pytest.approx(mine.mean())
    drawn = parley.compare(sources, runs=300, executor="serial", parameter_draws=3)
    assert sorted(drawn.runs["draw"].unique()) == [0, 1, 2]
    for _, row in drawn.summary.iterrows():
        per_draw = drawn.runs[drawn.runs.scenario == row["scenario"]].groupby("draw")[
            "talks_resumed"].mean()
        assert row["talks_resumed_param_lo"] >= per_draw.min() - 1e-12
        assert row["talks_resumed_param_hi"] <= per_draw.max() + 1e-12
        assert row["runs"] == 300


# ------------------------------------------- every command has an API function (issue 21)

BIDEN = "parley:biden"
TRUMP = "parley:trump_oh"


@pytest.fixture(scope="module")
def batch_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("api") / "batch"
    parley.compare([BIDEN, TRUMP], runs=60, seed=5, parameter_draws=0, executor="serial",
                   out=folder)
    return folder


@pytest.fixture(scope="module")
def results(batch_folder):
    """One small result of every API function, for the checks every result must pass."""
    out = {
        "compare": parley.compare([BIDEN, TRUMP], runs=40, seed=2, parameter_draws=2,
                                  executor="serial"),
        "hindcast": parley.hindcast(runs=20, seed=2, parameter_draws=0, executor="serial"),
        "forecast": parley.forecast(runs=20, seed=2, parameter_draws=0),
        "sweep": parley.sweep(BIDEN, vary=["washington.outreach_rate=0:1:2"],
                              runs_per_point=20, seed=2, executor="serial"),
        "calibrate": parley.calibrate(sims=50, seed=2),
        "explain": parley.explain(BIDEN, TRUMP, runs=100, seed=2, permutations=4),
        "drivers": parley.drivers(BIDEN, samples=4, worlds=4, seed=2),
        "drivers_streams": parley.drivers(BIDEN, over="streams", runs=40, seed=2),
        "chronicle": parley.chronicle(BIDEN, seed=3),
        "validate": parley.validate([ROOT / "scenarios" / "biden.yaml"]),
        "verify": parley.verify(batch_folder),
        "plot": parley.plot(batch_folder),
        "report": parley.report(batch_folder),
    }
    out["run"] = parley.run(BIDEN, runs=40, seed=2, parameter_draws=0, executor="serial")
    return out


def _frames(result) -> dict[str, pd.DataFrame]:
    import dataclasses

    if isinstance(result, pd.DataFrame):
        return {"": result}
    return {f.name: getattr(result, f.name) for f in dataclasses.fields(result)
            if isinstance(getattr(result, f.name), pd.DataFrame)}


def scheme_problems(columns) -> list[str]:
    """What breaks the API's one column scheme (docs/API.md, "Columns"): P(outcome X) is
    ``p_X``, its interval ``X_lo``/``X_hi`` (over draws ``X_param_lo``/``X_param_hi``), any
    other estimate Y has ``Y_lo``/``Y_hi``; no bare p/lo/hi, no share_X, no _low/_high/_ci."""
    from parley.outcomes import BINARY_OUTCOMES

    cols, problems = {str(c) for c in columns}, []
    for c in map(str, columns):
        if c in ("p", "lo", "hi"):
            problems.append(f"{c}: bare; name what it is the estimate or interval of")
        if c.startswith("share_") and c[len("share_"):] in BINARY_OUTCOMES:
            problems.append(f"{c}: a share of outcome X is p_X")
        if c.endswith(("_low", "_high", "_ci")):
            problems.append(f"{c}: interval bounds are _lo and _hi")
        if c.startswith("p_") and c.endswith(("_lo", "_hi")):
            problems.append(f"{c}: the interval of p_X is X_lo/X_hi")
        if c.endswith(("_lo", "_hi")):
            stem = c[:-3]
            if f"{stem}_{'hi' if c.endswith('_lo') else 'lo'}" not in cols:
                problems.append(f"{c}: without its other bound")
            base = stem.removesuffix("_param").removesuffix("_unpaired")
            if base not in cols and f"p_{base}" not in cols:
                problems.append(f"{c}: no estimate {base} or p_{base} beside it")
    return problems


def test_the_scheme_check_catches_each_old_name():
    # the names the frames had before (issue 21): each is caught
    assert scheme_problems(["p_talks_resumed", "talks_resumed_lo", "talks_resumed_hi"]) == []
    for bad in (["p", "lo", "hi"], ["p_talks", "p_talks_lo", "p_talks_hi"],
                ["p_talks_resumed", "share_summit_held"], ["sim_mean", "sim_low", "sim_high"],
                ["rate", "rate_ci"], ["p_crisis", "crisis_lo"], ["talks_lo", "talks_hi"]):
        assert scheme_problems(bad), bad


def test_every_api_frame_follows_one_column_scheme(results):
    bad = {f"{name}.{attr}": problems for name, result in results.items()
           for attr, frame in _frames(result).items()
           if (problems := scheme_problems(frame.columns))}
    assert not bad
    # the renamed frames hold the files' numbers
    sweep = results["sweep"]
    assert {"p_talks_resumed", "talks_resumed_lo", "p_crisis"} <= set(sweep.summary.columns)
    cmp = results["compare"].comparison
    assert {"p_talks_resumed", "talks_resumed_param_lo", "diff_unpaired_lo"} <= set(cmp.columns)


def test_the_sweep_frame_is_points_csv_renamed(tmp_path):
    res = parley.sweep(BIDEN, vary=["washington.outreach_rate=0:1:2"], runs_per_point=20,
                       seed=4, executor="serial", out=tmp_path / "s")
    points = pd.read_csv(tmp_path / "s" / "points.csv")
    assert points["p_talks"].tolist() == res.summary["p_talks_resumed"].tolist()
    assert points["p_talks_lo"].tolist() == res.summary["talks_resumed_lo"].tolist()
    assert points["share_crisis"].tolist() == res.summary["p_crisis"].tolist()


def test_every_result_has_a_short_repr_and_a_notebook_view(results):
    from parley.experiments.api import REPR_MAX

    for name, result in results.items():
        if isinstance(result, pd.DataFrame):
            continue
        text = repr(result)
        assert len(text) <= REPR_MAX and "\n" not in text, name
        assert text.startswith(type(result).__name__ + "("), name
        assert result._repr_html_().startswith("<p><code>"), name


def test_parley_lists_every_command_as_a_function():
    from parley.cli import COMMANDS

    for command in COMMANDS:
        if command in ("scenarios", "schema", "viz"):  # a listing, a file, a server
            continue
        assert command in parley.__all__ and callable(getattr(parley, command)), command


def test_chronicle_is_what_the_command_prints(capsys):
    from parley.cli import main

    told = parley.chronicle(BIDEN, seed=7)
    assert main(["chronicle", "biden", "--seed", "7"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == f"{told.title} - seed 7"
    assert printed[1:49] == told.lines and len(told.months) == 48
    assert told.months["month"].tolist() == list(range(1, 49))
    assert parley.chronicle(BIDEN, seed=8).lines != told.lines


def test_chronicle_replays_a_row_of_a_batch(batch_folder):
    runs = pd.read_csv(batch_folder / "runs.csv")
    row = runs[runs.scenario == "trump_oh"].iloc[3]
    told = parley.chronicle("trump_oh", seed=int(row["seed"]), batch=batch_folder)
    assert told.outcome["talks_resumed"] == row["talks_resumed"]
    assert told.outcome["tests"] == row["tests"]


@pytest.mark.parametrize(("call", "words"), [
    (lambda: parley.chronicle(BIDEN, seed=-1), "--seed must be an integer in [0, 2**63)"),
    (lambda: parley.chronicle(BIDEN, seed=1.5), "--seed 1.5: must be a whole number"),
    (lambda: parley.chronicle(BIDEN, draw=2), "--draw: give --batch DIR as well"),
    (lambda: parley.chronicle("parley:base"), "abstract"),
    (lambda: parley.explain(BIDEN, TRUMP, runs=1), "--runs: must be an integer in [2, "),
    (lambda: parley.explain(BIDEN, TRUMP, permutations=0), "--permutations: must be"),
    (lambda: parley.explain(BIDEN, TRUMP, outcomes=["nope"]), "unknown outcome 'nope'"),
    (lambda: parley.drivers(BIDEN, over="luck"), "--over 'luck': allowed"),
    (lambda: parley.drivers(BIDEN, runs=10), "--runs: applies to over='streams'"),
    (lambda: parley.drivers(BIDEN, over="streams", samples=4), "--samples: applies to"),
    (lambda: parley.drivers([BIDEN, TRUMP]), "need by_kind=True"),
    (lambda: parley.drivers(BIDEN, seed=True), "--seed True: must be a whole number"),
    (lambda: parley.plot(ROOT, format="gif"), "--format 'gif': allowed png, svg, pdf"),
    (lambda: parley.verify(ROOT / "no_such_folder"), "not a results folder"),
])
def test_the_new_functions_refuse_bad_input_in_one_line(call, words):
    with pytest.raises(parley.ParleyError) as err:
        call()
    assert words in str(err.value) and "\n" not in str(err.value)


def test_validate_returns_the_problems_and_the_files_that_passed(tmp_path, capsys):
    from parley.cli import main
    from parley.scenario_files import scenario_files

    shipped = parley.validate(ROOT / "scenarios")
    assert not shipped and list(shipped) == []
    assert len(shipped.files) == len(scenario_files([ROOT / "scenarios"]))
    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: parley:biden.yaml\nmonths: -3\n", encoding="utf-8")
    found = parley.validate([ROOT / "scenarios" / "biden.yaml", bad, tmp_path / "gone.yaml"])
    assert len(found) == 2 and found[0].startswith(str(bad)) and "gone.yaml" in found[1]
    assert found.files["file"].tolist() == ["parley:biden.yaml"]  # shown as it can be named
    assert main(["validate", str(ROOT / "scenarios" / "biden.yaml"), str(bad),
                 str(tmp_path / "gone.yaml")]) == 2
    assert capsys.readouterr().err.splitlines() == [f"error: {p}" for p in found]
    assert list(parley.validate(tmp_path / "empty_dir_missing")) != []


def test_explain_and_drivers_are_the_commands_tables(tmp_path):
    from parley.cli import main

    table = parley.explain(BIDEN, TRUMP, runs=100, seed=3, permutations=4)
    assert main(["explain", "biden", "trump_oh", "--runs", "100", "--seed", "3",
                 "--permutations", "4", "--csv", str(tmp_path / "e.csv")]) == 0
    # the file keeps its own names (param_lo, param_hi); the frame follows the scheme
    assert {"shapley_param_lo", "shapley_param_hi"} <= set(table.columns)
    as_file = table.rename(columns={"shapley_param_lo": "param_lo",
                                    "shapley_param_hi": "param_hi"})
    assert as_file.to_csv(index=False) == (tmp_path / "e.csv").read_text(encoding="utf-8")
    streams = parley.drivers(BIDEN, over="streams", runs=40, seed=3)
    assert main(["drivers", "biden", "--over", "streams", "--runs", "40", "--seed", "3",
                 "--csv", str(tmp_path / "d.csv")]) == 0
    assert streams.table.to_csv(index=False) == (tmp_path / "d.csv").read_text(encoding="utf-8")
    envelope = parley.drivers(BIDEN, samples=4, worlds=4, seed=3)
    kinds = envelope.kinds[envelope.kinds.outcome == "talks_resumed"].set_index("kind")
    assert kinds["share"].sum() == pytest.approx(1.0)  # the parts sum to one by construction


def test_plot_report_and_verify_of_a_folder(batch_folder, tmp_path):
    import shutil

    from parley.errors import ResultsContentError, ResultsFolderError

    found = parley.verify(batch_folder)
    assert (found.kind, found.runs) == ("compare", 120) and found.chunks >= 1
    figures = parley.plot(batch_folder, format="svg")
    assert figures.files and all(f.is_file() and f.suffix == ".svg" for f in figures.files)
    page = parley.report(batch_folder)
    assert page.files == (batch_folder / "report.html",) and page.files[0].is_file()
    damaged = tmp_path / "damaged"
    shutil.copytree(batch_folder, damaged)
    with (damaged / "runs.csv").open("a", encoding="utf-8") as fh:
        fh.write("biden,0,999,1,1\n")
    for call in (parley.verify, parley.plot, parley.report):
        with pytest.raises(ResultsFolderError):
            call(damaged)
    plain = tmp_path / "plain"  # no chunk log: read as it is, and found malformed
    plain.mkdir()
    (plain / "summary.json").write_text('{"kind": "compare"}', encoding="utf-8")
    with pytest.raises((ResultsContentError, ResultsFolderError)):
        parley.plot(plain)


def test_cli_copies_of_the_attribution_bounds_are_the_defaults():
    from parley import defaults
    from parley.cli import attribution
    from parley.experiments import drivers

    assert attribution.MAX_RUNS == defaults.MAX_ATTRIBUTION_RUNS
    assert attribution.MAX_SAMPLES == defaults.MAX_ENVELOPE_SAMPLES
    assert (attribution.ENVELOPE_SAMPLES, attribution.ENVELOPE_WORLDS,
            attribution.KIND_SAMPLES) == (drivers.ENVELOPE_SAMPLES, drivers.ENVELOPE_WORLDS,
                                          drivers.KIND_SAMPLES)


# ------------------------------------------------ one set of defaults (defaults.py)

#: command -> the API function's parameter of each option, where the names differ
PARAM_OF = {"outcome": "outcomes", "period": "periods"}
#: (function, parameter): why its default differs from the command's on purpose
DIFFERS = {("sweep", "save_runs"): "the function returns .runs, so it keeps them",
           ("validate", "provenance"): "--provenance is the old no-op flag; the check is on "
                                       "by default on both sides (--no-provenance is off)"}
#: what the API does not take (options of the terminal or of the folder's life)
NOT_IN_API = {"no_plots", "resume", "csv", "top", "scheduler", "json", "figure",
              "register", "score", "registry", "shipped", "skip_provenance"}


def _numbers(text: str) -> list[float]:
    return [float(n.replace(",", "")) for n in re.findall(r"default:? (-?\d[\d,]*(?:\.\d+)?)",
                                                          text)]


def _command_options(command: str) -> dict[str, tuple[object, str]]:
    import argparse

    from parley.cli import build_parser

    parser = build_parser(command)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {a.dest: (a.default, a.help or "") for a in sub.choices[command]._actions
            if a.option_strings and a.dest != "help"}


@pytest.mark.parametrize("command", ["run", "compare", "hindcast", "forecast", "sweep",
                                     "explain", "drivers", "chronicle", "plot", "validate"])
def test_help_and_the_functions_say_the_same_defaults(command):
    """Each option's default, as ``--help`` says it (or argparse holds it), is the API
    function's: its signature's, or, where the signature says None (chosen later), the
    number its docstring gives."""
    import inspect

    fn = getattr(parley, command)
    params, doc = inspect.signature(fn).parameters, " ".join((fn.__doc__ or "").split())
    checked = 0
    for dest, (cli_default, text) in _command_options(command).items():
        name = PARAM_OF.get(dest, dest)
        if dest in NOT_IN_API or (command, name) in DIFFERS or name not in params:
            continue
        said = _numbers(text)
        cli = cli_default if cli_default is not None else (said[0] if said else None)
        if said and cli_default is not None:
            assert said[0] == cli_default, f"parley {command} --help says {said[0]} for " \
                                           f"{dest}, argparse holds {cli_default}"
        api = params[name].default
        if cli is None:
            continue
        if api is None:  # the docstring must give the number
            shown = {f"{cli:,.0f}", f"{cli:.0f}"} if float(cli).is_integer() else {str(cli)}
            assert any(f"default {s}" in doc for s in shown), \
                f"parley.{command}'s docstring does not say {name}'s default ({cli})"
        else:
            assert api == cli or (isinstance(api, int | float) and float(api) == float(cli)), \
                f"parley.{command}({name}={api!r}) but parley {command} defaults to {cli!r}"
        checked += 1
    assert checked or command in ("validate",)
