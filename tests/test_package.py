"""The package as others get it: what the wheel carries, one version, python -m parley,
extras that are asked for by name, the changelog and the citation file.

The wheel tests build a wheel and run it without the checkout (marked slow); `.ci/run`
also installs that wheel in a clean virtual environment and runs the main commands.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

import parley
from parley.cli import EXTRAS, main

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]
SCENARIOS = ROOT / "scenarios"


def data_folders(top: Path, package: str) -> set[str]:
    """``package`` and every folder below ``top`` holding files, as package names."""
    out = {package}
    for folder in top.rglob("*"):
        if folder.is_dir() and folder.name != "__pycache__" and any(
                f.is_file() for f in folder.iterdir()):
            out.add(".".join([package, *folder.relative_to(top).parts]))
    return out


# --------------------------------------------------------------- the configuration


def test_every_package_and_data_folder_is_listed():
    """pyproject.toml lists the packages (setuptools' find cannot add parley.scenarios): a
    new subpackage or scenarios/ subfolder must be added there, or the wheel drops it."""
    expected = data_folders(ROOT / "src" / "parley", "parley") | data_folders(
        SCENARIOS, "parley.scenarios")
    assert sorted(SETUPTOOLS["packages"]) == sorted(expected), \
        "update [tool.setuptools] packages (and package-data) in pyproject.toml"
    assert SETUPTOOLS["package-dir"] == {"": "src", "parley.scenarios": "scenarios"}


def test_package_data_covers_every_shipped_file():
    """Every file under the package is a module, package data, or the optional C extension
    (its source, and what an editable install built from it)."""
    globs = SETUPTOOLS["package-data"]
    built = {ext["name"].rsplit(".", 1)[1] for ext in SETUPTOOLS["ext-modules"]}
    sources = {ROOT / src for ext in SETUPTOOLS["ext-modules"] for src in ext["sources"]}
    for path in [*SCENARIOS.rglob("*"), *(ROOT / "src" / "parley").rglob("*")]:
        if not path.is_file() or path.suffix in (".py", ".pyc") or path in sources:
            continue
        if path.suffix in (".so", ".pyd") and path.name.split(".")[0] in built:
            continue
        if path.is_relative_to(SCENARIOS):
            package = ".".join(["parley.scenarios", *path.parent.relative_to(SCENARIOS).parts])
        else:
            package = ".".join(path.parent.relative_to(ROOT / "src").parts)
        assert any(Path(path.name).match(g) for g in globs.get(package, [])), \
            f"{path.relative_to(ROOT)} is not package data of {package}"
    assert "py.typed" in globs["parley"] and (ROOT / "src" / "parley" / "py.typed").is_file()


def test_the_draws_kernel_is_an_optional_extension_of_existing_sources():
    """An install without a C compiler must still work (setuptools skips an optional
    extension it cannot build; parley.randomness then draws with numpy)."""
    (ext,) = SETUPTOOLS["ext-modules"]
    assert ext["name"] == "parley._draws" and ext["optional"] is True
    assert all((ROOT / src).is_file() for src in ext["sources"]) and ext["sources"]


def test_the_base_install_is_light_and_the_rest_are_extras():
    base = {re.split(r"[<>=\[ ;]", d, maxsplit=1)[0].lower() for d in PROJECT["dependencies"]}
    assert base == {"mesa", "networkx", "numpy", "pyyaml", "matplotlib", "pydantic", "scipy",
                    "pandas", "salib", "scikit-learn", "tqdm"} | ({"jinja2"} & base)
    extras = PROJECT["optional-dependencies"]
    assert extras["calibrate"] == ["pyabc>=0.12"] and extras["parquet"][0].startswith("pyarrow")
    assert extras["dask"][0].startswith("dask[distributed]")
    assert extras["ema"][0].startswith("ema_workbench")
    assert any(d.startswith("solara==") for d in extras["viz"])
    assert "parley[calibrate,dask,viz,parquet]" in extras["test"]  # what the suite needs
    assert set(EXTRAS.values()) <= set(extras)  # every extra the CLI names exists


# ----------------------------------------------------------------------- version


def test_one_version_read_from_the_package_metadata(capsys):
    assert parley.__version__ == importlib.metadata.version("parley") == PROJECT["version"]
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out == f"parley {PROJECT['version']}\n"
    assert "__version__ =" not in (ROOT / "src" / "parley" / "__init__.py").read_text()


def test_a_source_checkout_reads_the_version_from_pyproject(monkeypatch):
    from parley import installed

    monkeypatch.setattr(installed, "installed_version", lambda name: None)  # not installed
    assert parley._read_version() == PROJECT["version"]


@pytest.mark.parametrize("name", ["parley", "numpy", "mesa", "pydantic", "PyYAML", "pyyaml",
                                  "typing_extensions", "Typing.Extensions"])
def test_installed_versions_are_read_from_the_metadata_folders_as_importlib_reads_them(name):
    from parley import installed

    # found in the folders themselves, not through the importlib.metadata fallback
    assert installed._from_folders(name) == importlib.metadata.version(name)
    assert installed.installed_version(name) == importlib.metadata.version(name)


def test_installed_version_reads_the_version_header_of_the_first_match(tmp_path, monkeypatch):
    from parley import installed

    first, second = tmp_path / "first", tmp_path / "second"
    (first / "Some_Pkg-1.2.3rc1.dist-info").mkdir(parents=True)
    (first / "Some_Pkg-1.2.3rc1.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: Some-Pkg\nVersion: 1.2.3rc1\n\nVersion: 9 (the body)\n")
    (second / "some_pkg-0.1.dist-info").mkdir(parents=True)
    (second / "some_pkg-0.1.dist-info" / "METADATA").write_text("Name: some-pkg\nVersion: 0.1\n")
    (second / "old_tool.egg-info").mkdir()
    (second / "old_tool.egg-info" / "PKG-INFO").write_text("Name: old-tool\nVersion: 4.5\n")
    (second / "headless-2.0.dist-info").mkdir()
    (second / "headless-2.0.dist-info" / "METADATA").write_text("Name: headless\n\nVersion: 2\n")
    monkeypatch.setattr(sys, "path", [str(first), str(second), str(tmp_path / "gone")])
    assert installed.installed_version("some.pkg") == "1.2.3rc1"  # sys.path order, header only
    assert installed.installed_version("Old-Tool") == "4.5"
    assert installed._from_folders("headless") is None  # no Version header before the body
    assert installed.installed_version("no-such-distribution") is None


def test_a_distribution_the_folders_miss_is_asked_of_importlib_metadata(monkeypatch):
    from parley import installed

    monkeypatch.setattr(installed, "_from_folders", lambda name: None)  # e.g. a zipped egg
    assert installed.installed_version("numpy") == importlib.metadata.version("numpy")
    assert installed.installed_version("no-such-distribution") is None


def test_help_and_version_do_not_import_importlib_metadata():
    """Its import (email, zipfile, csv) was about 25 ms of every command's start; batches
    still get it through pydantic, which looks for its plugins with it."""
    for argv in (["--help"], ["--version"]):
        code = ("import sys\nfrom parley.cli import main\n"
                f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
                "print('LOADED', 'importlib.metadata' in sys.modules)")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
        assert out.stdout.strip().splitlines()[-1] == "LOADED False", argv


def test_python_dash_m_parley(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    for args, text in ((["--help"], "usage: parley"),
                       (["--version"], f"parley {PROJECT['version']}")):
        proc = subprocess.run([sys.executable, "-m", "parley", *args], capture_output=True,
                              text=True, cwd=tmp_path, env=env, timeout=120)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith(text)


# ------------------------------------------------------------------------ extras


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err.strip()


def test_calibrate_dynamics_without_pyabc(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "pyabc", None)  # as if not installed
    assert main(["calibrate", "--dynamics"]) == 2
    assert one_line(capsys) == ("error: parley calibrate --dynamics needs the 'calibrate' "
                                "extra: pip install 'parley[calibrate]'")


def test_calibrate_dynamics_on_dask_without_dask(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)
    assert main(["calibrate", "--dynamics", "--executor", "dask"]) == 2
    assert one_line(capsys) == ("error: --executor dask needs the 'dask' extra: "
                                "pip install 'parley[dask]'")


def test_the_dask_executor_without_dask(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    out = tmp_path / "r"
    assert main(["run", "parley:biden", "--runs", "10", "--executor", "dask", "--out",
                 str(out)]) == 2
    assert one_line(capsys) == ("error: --executor dask needs the 'dask' extra: "
                                "pip install 'parley[dask]'")
    assert not out.exists()


def test_the_ema_adapter_without_ema_workbench(monkeypatch):
    from parley.errors import MissingExtraError
    from parley.experiments.ema import make_ema_model

    monkeypatch.setitem(sys.modules, "ema_workbench", None)
    with pytest.raises(ImportError) as info:  # an ImportError, as before, and a ParleyError
        make_ema_model("parley:biden")
    assert isinstance(info.value, MissingExtraError)
    assert str(info.value) == ("the EMA Workbench adapter (make_ema_model) needs the 'ema' "
                               "extra: pip install 'parley[ema]'")


def test_viz_without_solara_says_so_before_serving(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "solara", None)
    assert main(["viz", "--no-open"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # no "serving" line
    assert captured.err == "error: parley viz needs the 'viz' extra: pip install 'parley[viz]'\n"


def test_any_command_reaching_a_missing_optional_module_names_its_extra(monkeypatch, capsys):
    import parley.cli.validate as validate

    def needs_pyarrow(args):
        import pyarrow  # noqa: F401

    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setattr(validate, "run_validate", needs_pyarrow)
    assert main(["validate", "x.yaml"]) == 2
    assert one_line(capsys) == ("error: parley validate needs the 'parquet' extra: "
                                "pip install 'parley[parquet]'")


# ------------------------------------------------------- changelog and citation


def test_the_changelog_names_this_version_and_the_releases():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "Keep a Changelog" in text and "Semantic Versioning" in text
    headings = re.findall(r"^## \[([^\]]+)\](.*)$", text, flags=re.M)
    assert [h for h, _ in headings][:2] == ["Unreleased", "0.1.0"]
    assert "0.2.0" in headings[0][1]  # the unreleased section says what it will be
    assert PROJECT["version"].startswith("0.2.0")
    assert re.match(r" - \d{4}-\d{2}-\d{2}$", headings[1][1])
    for section in ("### Added", "### Changed"):
        assert section in text
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    # the README's wording tied to a version
    assert "The last release (0.1.0, the round-1 model" in readme


def test_the_citation_file_is_cff_1_2_0():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    assert cff["message"] and cff["title"].startswith("parley")
    assert cff["version"] == PROJECT["version"]
    assert cff["license"] == "MIT" == PROJECT["license"]
    assert cff["authors"] == [{"name": "parley developers"}]
    assert cff["type"] == "software"
    assert set(cff) <= {"cff-version", "message", "title", "version", "authors", "license",
                        "type", "abstract", "keywords", "repository-code", "date-released"}


# ----------------------------------------------------------------------- the wheel


#: what a wheel is built from (a copy, so that no build/ folder of the checkout leaks in)
SOURCES = ("pyproject.toml", "README.md", "src", "scenarios")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    import shutil

    tree = tmp_path_factory.mktemp("tree")
    for name in SOURCES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, tree / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy(src, tree / name)
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(tree), "-w", str(out),
                    "--no-deps", "-q"], check=True, capture_output=True, timeout=600)
    (found,) = out.glob("parley-*.whl")
    return found


@pytest.mark.slow
def test_the_wheel_carries_every_shipped_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in SCENARIOS.rglob("*"):
        if path.is_file():
            assert f"parley/scenarios/{path.relative_to(SCENARIOS).as_posix()}" in names
    for path in (ROOT / "src" / "parley" / "analysis" / "refdata").iterdir():
        assert f"parley/analysis/refdata/{path.name}" in names
    assert "parley/py.typed" in names and "parley/__main__.py" in names
    assert wheel.name.startswith(f"parley-{PROJECT['version']}-")


@pytest.mark.slow
def test_the_wheel_runs_without_the_checkout(wheel, tmp_path):
    """The wheel unpacked into a folder of its own, first on the path (the dependencies
    come from this environment), run from a folder outside the checkout."""
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-compile", "-q",
                    "--target", str(site), str(wheel)], check=True, capture_output=True,
                   timeout=600)
    work = tmp_path / "work"
    work.mkdir()
    (work / "mine.yaml").write_text("extends: parley:base.yaml\ntitle: A user's scenario\n"
                                    "camp: mine\n")
    env = {**os.environ, "PYTHONPATH": str(site)}

    def run(*args: str) -> str:
        proc = subprocess.run([sys.executable, *args], capture_output=True, text=True,
                              cwd=work, env=env, timeout=600)
        assert proc.returncode == 0, (args, proc.stderr[-2000:])
        return proc.stdout

    where = run("-c", "import parley, parley.scenario_files as f; "
                      "print(parley.__file__); print(f.shipped_scenarios_dir())")
    assert where.splitlines() == [str(site / "parley" / "__init__.py"),
                                  str(site / "parley" / "scenarios")]
    assert "biden" in run("-m", "parley", "scenarios")
    run("-m", "parley", "validate", "mine.yaml", "parley:", "hindcast", "live", "sweeps",
        "examples")
    out = run("-m", "parley", "compare", "--runs", "30", "--no-plots", "--executor", "serial",
              "--out", "c")
    assert "sanders" in out and "biden" in out
    run("-m", "parley", "run", "mine.yaml", "--runs", "30", "--no-plots", "--out", "m",
        "--executor", "serial")
    assert "Live forecast" in run("-m", "parley", "hindcast", "--runs", "40", "--no-plots",
                                  "--out", "h")
