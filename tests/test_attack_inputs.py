"""Hand-made inputs that used to get past the checks (issue 24), each refused in one line.

Every case here was accepted, crashed or hung on the code before the fix: command-line
values (empty names and paths, digits other than ASCII ones, huge numbers, seeds out of
range, ports and hosts), YAML forms the schema did not mean (sexagesimal numbers, tags,
quoted or fractional counts, an empty condition window), ``extends`` paths the system cannot
resolve, output files that are folders or devices, sweep files beyond the budget, and files
the product reads that are FIFOs, devices or too large.  The property-based attack over
every subcommand's parser is tests/test_attack_cli.py.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from parley.cli import main
from parley.errors import MAX_LINE, ParleyError, ScenarioError

ROOT = Path(__file__).resolve().parents[1]
TRUMP_OH = ROOT / "scenarios" / "trump_oh.yaml"
BIDEN = str(ROOT / "scenarios" / "biden.yaml")
LONG = "x" * 5000


def cli(argv: list[str], capsys) -> tuple[int, list[str]]:
    """Exit status and stderr lines of ``parley ARGV`` run in process (argparse's own
    exits included)."""
    try:
        code = main(argv)
    except SystemExit as stop:
        code = stop.code
    return code, capsys.readouterr().err.splitlines()


def refused(argv: list[str], capsys, needle: str) -> str:
    """``parley ARGV`` exits 2 with one bounded error line holding ``needle``."""
    code, lines = cli(argv, capsys)
    assert code == 2, lines
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ") and needle in lines[0], lines[0]
    assert len(lines[0]) <= MAX_LINE + 80, len(lines[0])
    return lines[0]


# ------------------------------------------------------------- command lines


@pytest.mark.parametrize("argv, needle", [
    (["compare", BIDEN, "--reference", ""], "--reference: must not be empty"),
    (["calibrate", "--json", ""], "--json: must name a file"),
    (["run", ""], "must name a file or folder"),
    (["validate", " "], "must name a file or folder"),
    (["sweep", BIDEN, "--file", ""], "--file: must name a file"),
    (["run", BIDEN, "--resume", ""], "--resume: must name a file"),
    (["run", BIDEN, "--posterior", ""], "--posterior: must name a file"),
    (["drivers", BIDEN, "--csv", ""], "--csv: must name a file"),
    (["forecast", "--cutoff", ""], "--cutoff: must not be empty"),
    (["chronicle", "x", "--batch", ""], "--batch: must name a file"),
    (["verify", ""], "must name a file or folder"),
])
def test_an_empty_name_or_path_is_refused_before_any_work(argv, needle, capsys, tmp_path,
                                                        monkeypatch):
    monkeypatch.chdir(tmp_path)  # an empty path would have meant this folder
    refused(argv, capsys, needle)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("value", ["٤", "４", "²", "1_000", " 4", "4 ", "0x10", "4.0", "1e3"])
@pytest.mark.parametrize("flag", ["--runs", "--seed", "--chunk", "--jobs", "--parameter-draws"])
def test_integers_take_ascii_digits_only(flag, value, capsys, tmp_path):
    # Python's int() reads "٤" (Arabic-Indic) and "４" (fullwidth) as 4, and "1_000" as 1000
    line = refused(["run", BIDEN, flag, value, "--out", str(tmp_path / "o")], capsys,
                   f"argument {flag}: must be a whole number in the digits 0-9")
    assert not (tmp_path / "o").exists()
    assert "see parley run --help" in line


@pytest.mark.parametrize("argv, needle", [
    (["hindcast", "--seed", "-1"], "--seed: must be an integer in [0, 2**63) (got -1)"),
    (["hindcast", "--seed", str(2**63)], f"--seed: must be an integer in [0, 2**63) (got {2**63})"),
    (["calibrate", "--seed", str(2**64)], "--seed: must be an integer in [0, 2**63)"),
    (["sweep", BIDEN, "--seed", "-5"], "--seed: must be an integer in [0, 2**63)"),
    (["chronicle", BIDEN, "--seed", str(2**63)], "--seed: must be an integer in [0, 2**63)"),
    (["drivers", BIDEN, "--seed", "-1"], "--seed: must be an integer in [0, 2**63)"),
    (["run", BIDEN, "--seed", "9" * 5000], "--seed: a number of 5,000 characters (at most 20)"),
    (["explain", BIDEN, BIDEN, "--runs", "1" * 300], "a number of 300 characters"),
])
def test_seeds_and_huge_numbers_are_refused_in_a_bounded_line(argv, needle, capsys):
    line = refused(argv, capsys, needle)
    assert "9" * 100 not in line and "1" * 100 not in line


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0.1.2", "٠.١", "1e999999", ""])
def test_decimals_are_finite_ascii_numbers(value, capsys):
    refused(["run", BIDEN, "--precision", value], capsys, "argument --precision:")


@pytest.mark.parametrize("argv", [["schema", "--out=--"], ["run", BIDEN, "--runs=--"],
                                  ["compare", BIDEN, "--reference=--"]])
def test_a_value_of_two_dashes_is_a_missing_value_not_an_empty_list(argv, capsys):
    # argparse gave these commands [] for the value (a TypeError traceback in schema)
    refused(argv, capsys, "expected one argument")


def test_a_scheduler_without_dask_is_refused(capsys, tmp_path):
    refused(["run", BIDEN, "--runs", "4", "--scheduler", "tcp://127.0.0.1:1", "--out",
             str(tmp_path / "o")], capsys, "a Dask scheduler address needs --executor dask")
    assert not (tmp_path / "o").exists()


def test_long_and_hostile_arguments_are_echoed_bounded_and_printable(capsys):
    for argv in (["run", BIDEN, "--bogus-" + LONG],
                 ["sweep", BIDEN, "--method", LONG],
                 ["compare", BIDEN, "--reference", "x" * 4097],
                 ["run", BIDEN, "--runs", "\x1b[2J" + "1" * 10]):
        line = refused(argv, capsys, "error: ")
        assert "\x1b" not in line and LONG not in line


# -------------------------------------------------------------------- viz


@pytest.fixture
def no_server(monkeypatch):
    """parley viz with the server never started (Popen records its calls)."""
    from parley import viz

    started: list = []

    class FakeProc:
        def __init__(self, cmd, env, **kwargs):  # start_server passes preexec_fn too
            started.append(cmd)

        def wait(self):
            return 0

    monkeypatch.setattr(viz.subprocess, "Popen", FakeProc)
    return started


@pytest.mark.parametrize("argv, needle", [
    (["--port", "70000"], "--port: allowed 1 to 65,535 (got 70000)"),
    (["--port", "-1"], "--port: allowed 1 to 65,535 (got -1)"),
    (["--port", "0"], "--port: allowed 1 to 65,535 (got 0)"),
    (["--port", "٨٠٨٠"], "--port: must be a whole number"),
    (["--host", "256.256.256.256"], "--host: not an IP address or host name"),
    (["--host", "a b"], "--host: not an IP address or host name"),
    (["--host=-bad-.example"], "--host: not an IP address or host name"),
    (["--port=-1"], "--port: allowed 1 to 65,535 (got -1)"),
    (["--host", ""], "--host: must not be empty"),
])
def test_viz_ports_and_hosts_are_checked_before_the_server_starts(argv, needle, capsys,
                                                                  no_server):
    refused(["viz", str(TRUMP_OH), "--no-open", *argv], capsys, needle)
    assert no_server == []


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "0.0.0.0", "localhost", "my-host.lan"])
def test_viz_takes_addresses_and_host_names(host, capsys, no_server):
    assert main(["viz", str(TRUMP_OH), "--no-open", "--host", host, "--port", "8800"]) == 0
    assert len(no_server) == 1
    assert f"{host}:8800" in capsys.readouterr().out


def test_viz_of_an_abstract_scenario_is_refused_not_served(capsys, no_server):
    refused(["viz", str(ROOT / "scenarios" / "base.yaml"), "--no-open"], capsys,
            "abstract: this file only holds shared defaults")
    assert no_server == []


# ------------------------------------------------------------- output files


@pytest.fixture
def fifo(tmp_path) -> Path:
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return path


def _outputs(tmp_path: Path, fifo: Path) -> list[tuple[str, str]]:
    missing = tmp_path / "no-such-folder" / "x.out"
    return [(str(tmp_path), "is a folder; give a file name"),
            ("/dev/null", "is a device, FIFO or socket"),
            (str(fifo), "is a device, FIFO or socket"),
            (str(missing), "no such folder")]


@pytest.mark.parametrize("argv", [
    ["drivers", BIDEN, "--samples", "2", "--worlds", "1", "--csv"],
    ["explain", BIDEN, BIDEN, "--runs", "2", "--csv"],
    ["calibrate", "--sims", "5", "--json"],
    ["calibrate", "--dynamics", "--figure"],
    ["schema", "--out"],
], ids=lambda a: " ".join(a[:1] + a[-1:]))
def test_an_output_file_is_checked_before_any_work(argv, capsys, tmp_path, fifo, monkeypatch):
    import parley.experiments.drivers as drivers

    def no_work(*a, **k):
        raise AssertionError("the work started before the output file was checked")

    monkeypatch.setattr(drivers, "envelope_drivers", no_work)
    before = sorted(p.name for p in tmp_path.iterdir())
    for target, needle in _outputs(tmp_path, fifo):
        refused([*argv, target], capsys, needle)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no .partial, nothing new
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_an_output_file_in_a_folder_that_cannot_be_written_is_refused(capsys, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        refused(["drivers", BIDEN, "--csv", str(locked / "t.csv")], capsys,
                "cannot write in the folder")
    finally:
        locked.chmod(0o700)


def test_a_failed_csv_write_leaves_no_partial_file(tmp_path, monkeypatch):
    import pandas as pd

    from parley.cli import attribution

    target = tmp_path / "t.csv"

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("parley.results.store.os.fsync", boom)
    with pytest.raises(ParleyError, match="disk full"):
        attribution._write_csv(pd.DataFrame({"a": [1]}), str(target))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv", [["run", BIDEN], ["sweep", BIDEN], ["hindcast"]])
def test_an_out_folder_that_is_a_file_or_device_is_refused(argv, capsys, tmp_path):
    mine = tmp_path / "notes.txt"
    mine.write_text("mine")
    refused([*argv, "--out", str(mine)], capsys, "exists and is not a folder")
    refused([*argv, "--out", "/dev/null"], capsys, "exists and is not a folder")
    assert mine.read_text() == "mine"


# ------------------------------------------------------- scenario YAML forms


def _scenario(tmp_path: Path, old: str, new: str) -> Path:
    text = TRUMP_OH.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "trump_oh.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    (tmp_path / "base.yaml").write_text((ROOT / "scenarios" / "base.yaml").read_text())
    return path


def _refused_file(path: Path, *needles: str) -> str:
    from parley.scenario_files import load_scenario

    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    line = exc.value.problems[0]
    assert len(exc.value.problems) == 1, exc.value.problems
    assert str(path) in line, line
    for needle in needles:
        assert needle in line, line
    return line


HORIZON = 'horizon: {start: "2021-01", months: 48}'


@pytest.mark.parametrize("months, needles", [
    ("1:00", ("line 9", "plain decimal digits")),  # YAML 1.1 sexagesimal: 60
    ("0:48", ("horizon.months", "valid integer")),  # not sexagesimal, so a string
    ("060", ("line 9", "plain decimal digits")),  # YAML 1.1 octal: 48
    ("0x30", ("plain decimal digits",)),
    ("4_8", ("plain decimal digits",)),
    ("'48'", ("horizon.months", "valid integer")),
    ('"48\\n"', ("horizon.months", "valid integer")),  # a trailing newline
    ('"48 "', ("horizon.months", "valid integer")),
    ("48.0", ("horizon.months", "valid integer")),
    ("true", ("horizon.months", "valid integer")),
    ("٤٨", ("horizon.months", "valid integer")),
    ("!!str 48", ("unsupported YAML tag !!str",)),
    ("!!int '48'", ("unsupported YAML tag !!int",)),
])
def test_a_month_count_in_a_form_the_schema_did_not_mean_is_refused(months, needles,
                                                                    tmp_path):
    path = _scenario(tmp_path, HORIZON, f'horizon: {{start: "2021-01", months: {months}}}')
    _refused_file(path, *needles)


@pytest.mark.parametrize("start", ["٢٠٢١-01", "2021-01\\n", "2021-1", " 2021-01"])
def test_a_horizon_start_in_other_digits_or_with_whitespace_is_refused(start, tmp_path):
    path = _scenario(tmp_path, HORIZON, f'horizon: {{start: "{start}", months: 48}}')
    _refused_file(path, "horizon.start")


@pytest.mark.parametrize("title, needle", [
    ("!!binary aGVsbG8gd29ybGQ=", "unsupported YAML tag !!binary"),
    ("!!set {a, b}", "unsupported YAML tag !!set"),
    ("!!python/name:os.system", "unsupported YAML tag !!python/name:os.system"),
    ("!<tag:example.com,2000:x> hi", "unsupported YAML tag tag:example.com,2000:x"),
    ("!local hi", "unsupported YAML tag !local"),
])
def test_tags_outside_plain_data_are_refused(title, needle, tmp_path):
    text = TRUMP_OH.read_text(encoding="utf-8")
    old = re.search(r"^title: .*$", text, flags=re.M).group(0)
    _refused_file(_scenario(tmp_path, old, f"title: {title}"), needle)


@pytest.mark.parametrize("value, needle", [
    ("!!float 1", "unsupported YAML tag !!float"),
    ("yes", "write a yes/no value as true or false"),
    ("on", "write a yes/no value as true or false"),
    ("1", "must be true or false"),
    ("'true'", "must be true or false"),
])
def test_a_flag_is_true_or_false_only(value, needle, tmp_path):
    text = TRUMP_OH.read_text(encoding="utf-8")
    old = re.search(r"^    flatterable:\n      value: true$", text, flags=re.M).group(0)
    _refused_file(_scenario(tmp_path, old, f"    flatterable:\n      value: {value}"), needle)


def test_a_sexagesimal_float_is_refused(tmp_path):
    text = TRUMP_OH.read_text(encoding="utf-8")
    old = re.search(r"value: 0\.\d+", text).group(0)
    _refused_file(_scenario(tmp_path, old, "value: 1:30.0"), "plain decimal digits")


TRIGGER = "when: {kind: test, test_class: multiple_warhead_icbm}"


def test_a_condition_whose_window_is_empty_is_refused(tmp_path):
    path = _scenario(tmp_path, TRIGGER, "when: {kind: test, test_class: multiple_warhead_icbm, "
                                        "from: '2021-06', until: '2021-03'}")
    _refused_file(path, "conditions.0.when.until", "2021-03 is before from: 2021-06")


def test_a_condition_window_of_one_month_is_allowed(tmp_path):
    from parley.scenario_files import load_scenario

    path = _scenario(tmp_path, TRIGGER, "when: {kind: test, test_class: multiple_warhead_icbm, "
                                        "from: '2021-06', until: '2021-06'}")
    assert load_scenario(path).conditions[0].when.until_month == "2021-06"


def test_an_event_month_with_a_trailing_newline_is_refused(tmp_path):
    # base.yaml holds the shared events; trump_oh extends it
    path = _scenario(tmp_path, HORIZON, HORIZON)
    base = tmp_path / "base.yaml"
    text = base.read_text(encoding="utf-8")
    assert '  - month: "2022-05"' in text
    base.write_text(text.replace('  - month: "2022-05"', '  - month: "2022-05\\n"', 1))
    _refused_file(path, "events.0.month", "must be YYYY-MM")


# ---------------------------------------------------------------- extends


def test_an_extends_symlink_loop_is_one_line(tmp_path):
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    child = tmp_path / "child.yaml"
    child.write_text("extends: a.yaml\nname: child\n")
    _refused_file(child, "extends: a.yaml", "a loop of symbolic links")
    _refused_file(tmp_path / "a.yaml", "a loop of symbolic links")  # named directly too


def test_a_nul_byte_in_an_extends_path_is_one_line(tmp_path):
    child = tmp_path / "child.yaml"
    child.write_text('extends: "base\\0.yaml"\nname: child\n')
    _refused_file(child, "extends: base\\x00.yaml", "NUL byte")


def test_a_long_extends_path_is_echoed_bounded(tmp_path):
    child = tmp_path / "child.yaml"
    child.write_text(f'extends: "{"d/" * 3000}x.yaml"\nname: child\n')
    line = _refused_file(child, "extends:")
    assert len(line) <= MAX_LINE


def test_through_the_cli_a_loop_is_exit_2_without_traceback(tmp_path, capsys):
    (tmp_path / "a.yaml").symlink_to(tmp_path / "a.yaml")
    refused(["validate", str(tmp_path / "a.yaml")], capsys, "a loop of symbolic links")


# ------------------------------------------------------------ sweep budget


SWEEP = """scenario: {scenario}
parameters:
  - {{path: washington.outreach_rate, low: 0, high: 1}}
  - {{path: washington.legacy_drive, low: 0, high: 1}}
method: {method}
samples: {samples}
runs_per_point: {runs}
"""


@pytest.mark.parametrize("method, samples, runs, needle", [
    ("lhs", 100, 10**14, "runs_per_point: Input should be less than or equal to 10000000"),
    ("lhs", 10**11, 10, "samples: Input should be less than or equal to 1000000"),
    ("morris", 400_000, 20, "the morris design has 1,200,000 points (at most 1,000,000, "
                            "defaults.MAX_SWEEP_POINTS)"),
    ("sobol", 262_144, 20, "the sobol design has 1,048,576 points"),
    ("lhs", 100_000, 100_000, "is 10,000,000,000 worlds (at most 1,000,000,000, "
                              "defaults.MAX_SWEEP_WORLDS)"),
])
def test_a_sweep_file_beyond_the_budget_is_refused_before_any_work(method, samples, runs,
                                                                    needle, tmp_path, capsys,
                                                                    monkeypatch):
    import parley.experiments.sweep as sweep

    def no_design(spec):
        raise AssertionError("the design was built before the budget was checked")

    monkeypatch.setattr(sweep, "make_design", no_design)
    file = tmp_path / "big.yaml"
    file.write_text(SWEEP.format(scenario=BIDEN, method=method, samples=samples, runs=runs))
    refused(["sweep", str(file), "--out", str(tmp_path / "o"), "--no-plots"], capsys, needle)
    assert not (tmp_path / "o").exists()


def test_a_grid_beyond_the_budget_names_the_bound(capsys, tmp_path):
    refused(["sweep", BIDEN, "--vary", "washington.outreach_rate=0:1:2000", "--vary",
             "washington.legacy_drive=0:1:2000", "--out", str(tmp_path / "o")], capsys,
            "the grid design has 4,000,000 points (at most 1,000,000")


def test_the_budget_is_declared_once_in_defaults():
    from parley import defaults
    from parley.cli import sweep as cli_sweep
    from parley.experiments import sweep

    assert sweep.MAX_POINTS == defaults.MAX_SWEEP_POINTS
    assert cli_sweep.MAX_SAMPLES == defaults.MAX_SWEEP_SAMPLES
    assert defaults.MAX_SWEEP_WORLDS >= defaults.MAX_SWEEP_POINTS


# -------------------------------------------------- files the product reads


def test_a_posterior_that_is_a_fifo_a_device_or_too_large_is_refused(tmp_path, fifo):
    from parley.analysis.uncertainty import PosteriorError, load_posterior
    from parley.defaults import MAX_POSTERIOR_BYTES

    big = tmp_path / "big.json"
    with open(big, "wb") as fh:  # sparse: no disk used
        fh.truncate(300 * 2**20)
    for path, needle in ((fifo, "not a regular file (a device, FIFO or socket)"),
                         (Path("/dev/zero"), "not a regular file"),
                         (tmp_path, "is a folder"),
                         (big, f"larger than {MAX_POSTERIOR_BYTES:,} bytes"),
                         (tmp_path / "missing.json", "cannot read the file")):
        with pytest.raises(PosteriorError) as exc:
            load_posterior(path)
        assert needle in exc.value.problems[0], exc.value.problems


def test_a_posterior_fifo_through_the_cli_is_one_line(fifo, capsys, tmp_path):
    refused(["run", BIDEN, "--runs", "20", "--parameter-draws", "2", "--posterior", str(fifo),
             "--out", str(tmp_path / "o"), "--no-plots"], capsys, "not a regular file")
    assert not (tmp_path / "o").exists()


def test_a_sweep_file_that_is_a_fifo_is_refused_without_reading(fifo, capsys, tmp_path):
    refused(["sweep", "--file", str(fifo), "--out", str(tmp_path / "o")], capsys,
            "not a regular file")


@pytest.mark.parametrize("extra", [["--seed", "5"], ["--runs-per-point", "7"],
                                   ["--vary", "washington.outreach_rate=0:1:3"], [BIDEN]])
def test_sweep_resume_refuses_what_it_would_ignore(extra, capsys, tmp_path):
    # the sweep goes on as it began: a seed (or design) given beside --resume was ignored
    line = refused(["sweep", "--resume", str(tmp_path), *extra], capsys, "goes on as the sweep "
                   "began; drop")
    assert (extra[0] if extra[0].startswith("--") else "the scenario argument") in line
    assert list(tmp_path.iterdir()) == []


def test_reliability_md_names_only_tests_that_exist():
    """docs/RELIABILITY.md's table of these promises names tests that are here (or in
    test_attack_cli.py), so the table cannot drift from the tests."""
    doc = (ROOT / "docs" / "RELIABILITY.md").read_text(encoding="utf-8")
    section = doc[doc.index("## Inputs that mean nothing"):]
    named = set(re.findall(r"`(?:test_attack_cli\.py::)?(test_\w+)`", section))
    here = {p.name: p.read_text(encoding="utf-8") for p in (
        ROOT / "tests" / "test_attack_inputs.py", ROOT / "tests" / "test_attack_cli.py")}
    missing = sorted(n for n in named if not any(f"def {n}(" in t for t in here.values()))
    assert len(named) >= 25 and missing == []


@pytest.mark.parametrize("command", [["verify"], ["report"], ["plot"], ["run", "--resume"],
                                     ["sweep", "--resume"], ["hindcast", "--resume"]])
def test_a_manifest_that_is_a_fifo_is_refused_without_reading(command, tmp_path, capsys):
    os.mkfifo(tmp_path / "manifest.json")
    (tmp_path / "chunks.jsonl").write_text("")
    refused([*command, str(tmp_path)], capsys, "manifest.json")  # one line, no hang


@pytest.mark.parametrize("argv", [["drivers", BIDEN, "--over", "streams", "--runs", "1000000"],
                                  ["explain", BIDEN, BIDEN, "--runs", "1000000"]])
def test_attribution_runs_are_bounded_by_the_declared_budget(argv, capsys):
    # 10^6 worlds kept 5.5 GB of streams: refused before any world is simulated
    refused(argv, capsys, "--runs: must be an integer in [2, 100,000] (got 1000000; "
            "defaults.MAX_ATTRIBUTION_RUNS)")


def test_a_sweep_of_too_many_chunk_tasks_is_refused_before_any_work(capsys, tmp_path):
    # 1,000 points x 2,000 runs in chunks of 1 would be 2,000,000 records in chunks.jsonl
    refused(["sweep", BIDEN, "--vary", "washington.outreach_rate=0:1:1000", "--runs-per-point",
             "2000", "--chunk", "1", "--out", str(tmp_path / "o")], capsys,
            "--chunk 1: 2,000,000 chunk tasks (at most 1,000,000, defaults.MAX_SWEEP_TASKS)")
    assert not (tmp_path / "o").exists()


def test_an_output_file_never_replaces_a_file_parley_did_not_write(capsys, tmp_path):
    # drivers --csv SCENARIO wrote its table over the scenario (found by test_attack_cli)
    scenario = tmp_path / "mine.yaml"
    scenario.write_text((ROOT / "scenarios" / "biden.yaml").read_text())
    notes = tmp_path / "notes.json"
    notes.write_text('{"mine": true}\n')
    for argv, target in ((["drivers", BIDEN, "--csv"], scenario),
                         (["explain", BIDEN, BIDEN, "--csv"], scenario),
                         (["calibrate", "--json"], notes),
                         (["schema", "--out"], notes),
                         (["calibrate", "--dynamics", "--out"], notes),
                         (["calibrate", "--dynamics", "--figure"], notes)):
        before = target.read_bytes()
        refused([*argv, str(target)], capsys, "exists and is not ")
        assert target.read_bytes() == before


def test_an_output_file_parley_wrote_or_an_empty_one_is_replaced(capsys, tmp_path):
    schema = tmp_path / "schema.json"
    assert main(["schema", "--out", str(schema)]) == 0
    assert main(["schema", "--out", str(schema)]) == 0  # its own file: replaced
    empty = tmp_path / "empty.json"
    empty.write_text("")
    assert main(["schema", "--out", str(empty)]) == 0
    assert '"$schema"' in empty.read_text()


@pytest.mark.parametrize("argv", [
    ["run", "biden", "--runs", "2000000", "--chunk", "1", "--parameter-draws", "0"],
    ["run", "biden", "--runs", "2000020", "--chunk", "2"],  # 20 draws x 50,001 blocks
    ["compare", "biden", "sanders", "--runs", "1000001", "--chunk", "1",
     "--parameter-draws", "0"],
])
def test_a_batch_of_too_many_chunk_tasks_is_refused_before_any_work(argv, capsys, tmp_path):
    """docs/RELIABILITY.md promises to refuse more than 10^6 chunks (--chunk 1 over 2
    million runs was accepted and would write two million records)."""
    out = tmp_path / "out"
    refused([*argv, "--out", str(out)], capsys, "defaults.MAX_BATCH_TASKS")
    assert not out.exists()


def test_a_batch_at_the_task_bound_is_accepted(capsys):
    from parley.experiments.batch import BatchOptions

    BatchOptions(runs=1_000_000, chunk=1, parameter_draws=0).check()  # 10^6 tasks: allowed
    BatchOptions(runs=200_000, chunk=4, parameter_draws=20).check()  # 20 x 2,500 tasks


@pytest.mark.parametrize("argv, needle", [
    (["calibrate", "--sims", "10000000"], "allowed 1 to 1,000,000"),
    (["drivers", "biden", "--samples", "100000", "--worlds", "1000"],
     "defaults.MAX_ENVELOPE_DESIGN"),
])
def test_calibrate_sims_and_a_drivers_design_are_budgeted(argv, needle, capsys):
    """Unbounded work left after the first pass (helper-21's note): calibrate --sims had no
    bound, and drivers --samples x --worlds none together."""
    refused(argv, capsys, needle)


def test_the_api_budgets_them_too():
    import parley

    with pytest.raises(ParleyError, match="1,000,000"):
        parley.calibrate(sims=10**9)
    with pytest.raises(ParleyError, match="MAX_ENVELOPE_DESIGN"):
        parley.drivers("parley:biden", samples=100_000, worlds=1_000)


def test_validate_of_many_bad_files_prints_a_bounded_count(tmp_path, capsys):
    from parley import defaults

    for i in range(defaults.MAX_VALIDATE_LINES + 20):
        (tmp_path / f"bad_{i}.yaml").write_text("title: x\n", encoding="utf-8")
    code, lines = cli(["validate", str(tmp_path)], capsys)
    assert code == 2
    assert len(lines) == defaults.MAX_VALIDATE_LINES + 1
    assert lines[-1].startswith("error: ... and ") and "more problems" in lines[-1]
