"""``--format parquet`` (issue 21): runs.parquet and points.parquet beside the CSV files.

The Parquet file is a derived copy of the finished CSV: read with pandas, the two give
equal frames (values, nulls and dtypes), and the Parquet file has the declared column
types.  Without pyarrow the command is one error line, exit 2, before anything is made.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from parley.cli import main  # noqa: E402
from parley.errors import ResultsContentError  # noqa: E402
from parley.results import formats  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BIDEN = str(ROOT / "scenarios" / "biden.yaml")
TRUMP = str(ROOT / "scenarios" / "trump_oh.yaml")
SMALL = ["--runs", "200", "--chunk", "100", "--jobs", "1", "--no-plots"]
SWEEP = [BIDEN, "--vary", "washington.outreach_rate=0:1:3", "--runs-per-point", "100",
         "--chunk", "100", "--jobs", "1", "--no-plots"]
MISSING = "needs the 'parquet' extra: pip install 'parley[parquet]'"


def assert_same_table(folder: Path, name: str) -> pd.DataFrame:
    """The CSV and its Parquet copy read by pandas: equal frames, dtypes and nulls
    included, in pandas' default and its nullable dtypes; the Parquet columns of the
    declared types."""
    csv_path, pq_path = folder / f"{name}.csv", folder / f"{name}.parquet"
    frame = pd.read_csv(csv_path)
    pd.testing.assert_frame_equal(frame, pd.read_parquet(pq_path), check_exact=True)
    pd.testing.assert_frame_equal(pd.read_csv(csv_path, dtype_backend="numpy_nullable"),
                                  pd.read_parquet(pq_path, dtype_backend="numpy_nullable"),
                                  check_exact=True)
    schema = pq.read_schema(pq_path)
    arrow = {"int64": pa.int64(), "float64": pa.float64(), "string": pa.string()}
    assert schema.names == list(frame.columns)
    for field in schema:
        assert field.type == arrow[formats.column_type(field.name)], field.name
    return frame


def empty_fields(path: Path, column: str) -> int:
    with open(path, newline="", encoding="utf-8") as fh:
        return sum(1 for row in csv.DictReader(fh) if row[column] == "")


@pytest.fixture(scope="module")
def compared(tmp_path_factory) -> tuple[Path, str]:
    """A compare of two scenarios with the default 20 parameter draws, --format parquet."""
    out = tmp_path_factory.mktemp("pq") / "compare"
    code = main(["compare", TRUMP, BIDEN, *SMALL, "--format", "parquet", "--out", str(out)])
    assert code == 0
    return out


def test_run_writes_runs_parquet_equal_to_runs_csv(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", BIDEN, *SMALL, "--parameter-draws", "0", "--format", "parquet",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[-2:] == [f"results: {out}", f"results: {out / 'runs.parquet'}"]
    frame = assert_same_table(out, "runs")
    assert len(frame) == 200 and "draw" not in frame.columns
    # the empty first_talks_month of a world without talks is a null, not 0 or NaN text
    table = pq.read_table(out / "runs.parquet")
    nulls = empty_fields(out / "runs.csv", "first_talks_month")
    assert 0 < nulls < 200 and table.column("first_talks_month").null_count == nulls
    assert table.column("final_talks_state").null_count == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["format"] == "parquet" and manifest["command"].endswith("--format parquet")
    assert capsys.readouterr().err == ""
    assert main(["verify", str(out)]) == 0  # the CSV is still what verify checks


def test_compare_with_parameter_draws_round_trips_with_the_draw_column(compared):
    frame = assert_same_table(compared, "runs")
    assert list(frame.columns[:4]) == ["scenario", "draw", "run", "seed"]
    assert len(frame) == 400 and sorted(frame["draw"].unique()) == list(range(20))
    assert pq.read_schema(compared / "runs.parquet").field("draw").type == pa.int64()


def test_sweep_writes_points_and_runs_parquet(tmp_path, capsys):
    out = tmp_path / "sweep"
    assert main(["sweep", *SWEEP, "--save-runs", "--format", "parquet", "--out", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[-3:] == [f"results: {out}", f"results: {out / 'points.parquet'}",
                            f"results: {out / 'runs.parquet'}"]
    points = assert_same_table(out, "points")
    assert len(points) == 3 and points["washington.outreach_rate"].dtype == "float64"
    schema = pq.read_schema(out / "points.parquet")
    assert schema.field("point").type == schema.field("runs").type == pa.int64()
    assert schema.field("p_talks").type == pa.float64()
    assert pq.read_schema(out / "points.parquet").field("p_talks_param_lo").type == pa.float64()
    assert (points["p_talks_param_lo"] <= points["p_talks_param_hi"]).all()
    runs = assert_same_table(out, "runs")  # by default every point runs 20 parameter draws
    assert list(runs.columns[:4]) == ["point", "draw", "run", "seed"] and len(runs) == 300
    assert pq.read_schema(out / "runs.parquet").field("draw").type == pa.int64()
    assert sorted(runs["draw"].unique()) == list(range(20))


def test_a_point_sweep_writes_parquet_without_draws(tmp_path):
    out = tmp_path / "point"
    assert main(["sweep", *SWEEP, "--parameter-draws", "0", "--save-runs", "--format",
                 "parquet", "--out", str(out)]) == 0
    points = assert_same_table(out, "points")
    assert "p_talks_param_lo" not in points.columns
    runs = assert_same_table(out, "runs")
    assert list(runs.columns[:3]) == ["point", "run", "seed"] and len(runs) == 300


def test_the_default_is_csv_only(tmp_path):
    out = tmp_path / "plain"
    assert main(["sweep", *SWEEP, "--out", str(out)]) == 0
    assert not list(out.glob("*.parquet"))
    assert json.loads((out / "manifest.json").read_text())["format"] == "csv"


def test_resume_keeps_the_format_the_batch_began_with(compared, tmp_path, capsys):
    cut = tmp_path / "cut"
    shutil.copytree(compared, cut)
    log = (cut / "chunks.jsonl").read_text().splitlines(keepends=True)
    (cut / "chunks.jsonl").write_text("".join(log[: len(log) // 2]))  # an interrupted batch
    (cut / "runs.parquet").unlink()
    capsys.readouterr()
    assert main(["compare", "--resume", str(cut), "--jobs", "1", "--no-plots"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"results: {cut / 'runs.parquet'}"
    assert (cut / "runs.csv").read_bytes() == (compared / "runs.csv").read_bytes()
    assert_same_table(cut, "runs")
    # --format on --resume replaces the recorded one
    (cut / "runs.parquet").unlink()
    assert main(["compare", "--resume", str(cut), "--jobs", "1", "--no-plots",
                 "--format", "csv"]) == 0
    assert not (cut / "runs.parquet").exists()
    assert json.loads((cut / "manifest.json").read_text())["format"] == "csv"


@pytest.mark.parametrize("argv", [
    ["run", BIDEN, *SMALL],
    ["compare", BIDEN, TRUMP, *SMALL],
    ["sweep", *SWEEP, "--save-runs"],
])
def test_without_pyarrow_one_line_exit_2_and_nothing_written(argv, tmp_path, capsys,
                                                              monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # `import pyarrow` fails
    out = tmp_path / "out"
    assert main([*argv, "--format", "parquet", "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"error: parley {argv[0]} --format parquet {MISSING}\n"
    assert not out.exists()


def test_resume_of_a_parquet_batch_without_pyarrow_changes_nothing(compared, tmp_path,
                                                                    capsys, monkeypatch):
    cut = tmp_path / "cut"
    shutil.copytree(compared, cut)
    log = (cut / "chunks.jsonl").read_text().splitlines(keepends=True)
    (cut / "chunks.jsonl").write_text("".join(log[:2]))
    before = {p.name: p.read_bytes() for p in cut.iterdir() if p.is_file()}
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    assert main(["compare", "--resume", str(cut), "--jobs", "1", "--no-plots"]) == 2
    assert capsys.readouterr().err == f"error: parley compare --format parquet {MISSING}\n"
    assert {p.name: p.read_bytes() for p in cut.iterdir() if p.is_file()} == before


def test_without_pyarrow_installed_in_a_fresh_process(tmp_path):
    """pyarrow made unimportable by a sitecustomize, as if the extra were not installed."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(textwrap.dedent("""\
        import sys

        class _NoPyarrow:
            def find_spec(self, name, path=None, target=None):
                if name == "pyarrow" or name.startswith("pyarrow."):
                    raise ModuleNotFoundError(f"No module named {name!r}", name=name)
                return None

        sys.meta_path.insert(0, _NoPyarrow())
        """))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT / "src")])}
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "parley.cli", "run", BIDEN, *SMALL,
                           "--format", "parquet", "--out", str(out)],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [f"error: parley run --format parquet {MISSING}"]
    assert proc.stdout == "" and not out.exists()


def test_a_bad_format_is_one_argparse_line(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["run", BIDEN, "--format", "xml"])
    assert stop.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: parley run: argument --format: "
                                                   "invalid choice: 'xml'")


def test_write_parquet_streams_in_blocks_and_writes_atomically(compared, tmp_path,
                                                                monkeypatch):
    monkeypatch.setattr(formats, "_BLOCK_BYTES", 8192)  # many small blocks
    target = tmp_path / "runs.parquet"
    assert formats.write_parquet(compared / "runs.csv", target) == 400
    assert pq.ParquetFile(target).num_row_groups > 1
    pd.testing.assert_frame_equal(pd.read_parquet(target),
                                  pd.read_parquet(compared / "runs.parquet"))
    # a field that is not of its column's type: one error, the old file kept, no temp file
    bad = tmp_path / "bad.csv"
    text = (compared / "runs.csv").read_text().splitlines(keepends=True)
    bad.write_text("".join([*text[:300], text[300].replace(",", ",x", 1), *text[301:]]))
    before = target.read_bytes()
    with pytest.raises(ResultsContentError, match="cannot be written as Parquet"):
        formats.write_parquet(bad, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "runs.parquet"]


def test_a_header_only_csv_gives_an_empty_typed_file(tmp_path):
    from parley.outcomes import RUNS_HEADER

    (tmp_path / "runs.csv").write_text(RUNS_HEADER)
    assert formats.write_parquet(tmp_path / "runs.csv", tmp_path / "runs.parquet") == 0
    table = pq.read_table(tmp_path / "runs.parquet")
    assert table.num_rows == 0 and table.schema.field("seed").type == pa.int64()


def test_the_api_writes_parquet_into_out(tmp_path):
    import parley

    result = parley.run(BIDEN, runs=200, chunk=100, executor="serial", parameter_draws=0,
                        out=tmp_path / "api", format="parquet")
    pd.testing.assert_frame_equal(result.runs, pd.read_parquet(tmp_path / "api" /
                                                               "runs.parquet"))
    with pytest.raises(parley.ParleyError, match="give out=FOLDER"):
        parley.run(BIDEN, runs=100, format="parquet")
    with pytest.raises(parley.ParleyError, match="allowed 'csv' or 'parquet'"):
        parley.sweep(BIDEN, vary=["washington.outreach_rate=0:1:3"], format="xml")


# ------------------------------------------------------------------ --paths


@pytest.fixture(scope="module")
def with_paths(tmp_path_factory) -> Path:
    """A compare of two scenarios under 4 parameter draws with --paths, one worker."""
    out = tmp_path_factory.mktemp("paths") / "one"
    assert main(["compare", TRUMP, BIDEN, "--runs", "200", "--chunk", "25",
                 "--parameter-draws", "4", "--jobs", "1", "--no-plots", "--paths",
                 "--out", str(out)]) == 0
    return out


def test_paths_parquet_is_one_row_per_run_and_month_and_ends_at_runs_csv(with_paths):
    paths = pd.read_parquet(with_paths / "paths.parquet")
    runs = pd.read_csv(with_paths / "runs.csv")
    assert list(paths.columns) == ["scenario", "draw", "run", "seed", "month", "tension",
                                   "talks_state", "pressure"]
    assert len(paths) == len(runs) * 48 == 400 * 48
    assert paths.groupby(["scenario", "draw", "run"]).size().eq(48).all()
    assert (paths.groupby(["scenario", "draw", "run"])["month"].agg(list)
            .map(lambda m: m == list(range(1, 49))).all())
    last = paths[paths["month"] == 48].reset_index(drop=True)
    # the same rows in the same order as runs.csv, and the last month is the run's end
    for key in ("scenario", "draw", "run", "seed"):
        assert last[key].tolist() == runs[key].tolist(), key
    assert last["talks_state"].tolist() == runs["final_talks_state"].tolist()
    assert (last["tension"].round(6) - runs["final_tension"]).abs().max() < 1e-9
    assert (last["pressure"].round(6) - runs["final_sanctions_pressure"]).abs().max() < 1e-9
    # months in talks, counted off the paths, are runs.csv's
    talking = paths["talks_state"].isin(["working", "summit", "agreement"])
    counted = talking.groupby([paths["scenario"], paths["draw"], paths["run"]]).sum()
    assert counted.tolist() == runs.set_index(["scenario", "draw", "run"]).loc[
        counted.index, "months_in_talks"].tolist()
    assert 0 < talking.mean() < 1  # both kinds of month occur
    assert main(["verify", str(with_paths)]) == 0
    manifest = json.loads((with_paths / "manifest.json").read_text())
    assert manifest["paths"] == {"file": "paths.parquet", "months": [48, 48]}
    assert "paths" in manifest["identity_fields"]


def test_paths_parquet_is_the_same_bytes_for_two_workers_and_after_a_resume(with_paths,
                                                                            tmp_path):
    two = tmp_path / "two"
    assert main(["compare", TRUMP, BIDEN, "--runs", "200", "--chunk", "25",
                 "--parameter-draws", "4", "--jobs", "2", "--no-plots", "--paths",
                 "--out", str(two)]) == 0
    for name in ("paths.parquet", "run_paths.bin", "runs.csv"):
        assert (two / name).read_bytes() == (with_paths / name).read_bytes(), name
    cut = tmp_path / "cut"
    shutil.copytree(with_paths, cut)
    log = (cut / "chunks.jsonl").read_text().splitlines(keepends=True)
    assert len(log) == 8  # 2 blocks of 25 worlds x 4 draws
    (cut / "chunks.jsonl").write_text("".join(log[:5]))  # mid-row of draws, paths past it
    (cut / "paths.parquet").unlink()
    assert main(["verify", str(cut)]) == 2  # a complete batch with a cut log
    assert main(["compare", "--resume", str(cut), "--jobs", "1", "--no-plots"]) == 0
    for name in ("paths.parquet", "run_paths.bin", "runs.csv", "summary.json"):
        assert (cut / name).read_bytes() == (with_paths / name).read_bytes(), name


def test_verify_finds_damaged_or_missing_paths(with_paths, tmp_path, capsys):
    bad = tmp_path / "bad"
    shutil.copytree(with_paths, bad)
    data = bytearray((bad / "run_paths.bin").read_bytes())
    data[len(data) // 2] ^= 1
    (bad / "run_paths.bin").write_bytes(bytes(data))
    capsys.readouterr()
    assert main(["verify", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "run_paths.bin: the paths of chunk" in err
    (bad / "run_paths.bin").write_bytes((with_paths / "run_paths.bin").read_bytes())
    (bad / "paths.parquet").unlink()
    assert main(["verify", str(bad)]) == 2
    assert "paths.parquet: missing" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "words"), [
    (["--runs", "60000", "--parameter-draws", "0"],
     "--paths: 60,000 runs x 2 scenario(s) x their months is 5,760,000 rows, over the "
     "budget of 5,000,000"),
    (["--runs", "200", "--parameter-draws", "0", "--precision", "0.1"],
     "--paths: not with --precision"),
])
def test_paths_beyond_the_budget_or_with_precision_is_one_line(argv, words, tmp_path,
                                                              capsys):
    out = tmp_path / "out"
    assert main(["compare", TRUMP, BIDEN, *argv, "--jobs", "1", "--no-plots", "--paths",
                 "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and words in captured.err
    assert not out.exists()


def test_paths_without_pyarrow_or_on_a_resume_without_them_is_one_line(with_paths, tmp_path,
                                                                      capsys, monkeypatch):
    plain = tmp_path / "plain"
    assert main(["run", BIDEN, *SMALL, "--parameter-draws", "0", "--out", str(plain)]) == 0
    capsys.readouterr()
    assert main(["run", "--resume", str(plain), "--paths", "--no-plots"]) == 2
    assert "began without --paths" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    out = tmp_path / "out"
    assert main(["run", BIDEN, *SMALL, "--paths", "--out", str(out)]) == 2
    assert capsys.readouterr().err == f"error: parley run --paths {MISSING}\n"
    assert not out.exists()


def test_the_api_returns_the_paths_as_a_frame(with_paths):
    import parley

    result = parley.compare([TRUMP, BIDEN], runs=200, chunk=25, parameter_draws=4,
                            executor="serial", paths=True)
    pd.testing.assert_frame_equal(result.paths, pd.read_parquet(with_paths / "paths.parquet"))
    assert result.folder is None
    assert parley.run(BIDEN, runs=40, parameter_draws=0, executor="serial").paths is None
    with pytest.raises(parley.ParleyError, match="--paths 1: must be True or False"):
        parley.run(BIDEN, runs=40, paths=1)
