"""Rough edges a new user meets: commands that depend on the folder they are run from."""

from __future__ import annotations

from pathlib import Path

from parley import hindcast

ROOT = Path(__file__).resolve().parents[1]


def test_hindcast_default_scenarios_from_the_project_root():
    assert hindcast.default_scenarios(ROOT) == [str(ROOT / "scenarios" / "hindcast")]


def test_hindcast_default_scenarios_from_another_folder(tmp_path):
    # no scenarios/hindcast in tmp_path: the project's own folder, not a missing path
    (found,) = hindcast.default_scenarios(tmp_path)
    assert Path(found) == ROOT / "scenarios" / "hindcast" and Path(found).is_dir()


def test_hindcast_default_scenarios_prefers_the_folder_here(tmp_path):
    (tmp_path / "scenarios" / "hindcast").mkdir(parents=True)
    assert hindcast.default_scenarios(tmp_path) == [str(tmp_path / "scenarios" / "hindcast")]
