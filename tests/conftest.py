"""Shared fixtures: paths to the shipped scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="session")
def trump_oh():
    from parley import load_scenario

    return load_scenario(SCENARIOS / "trump_oh.yaml")


@pytest.fixture(scope="session")
def scenario_dir() -> Path:
    return SCENARIOS
