"""Shared fixtures: paths to the shipped scenarios, and a run that fails on purpose."""

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


#: Files whose tests run whole commands in subprocesses, fit, execute notebooks or run
#: thousands of worlds: the slow lane.  `pytest -m "not slow"` is the fast lane (the
#: behaviour of the rules, the model, the loader, the statistics, the claims, the
#: outputs); CI runs everything.  A test elsewhere can still carry @pytest.mark.slow itself.
SLOW_FILES = frozenset({
    "test_abc.py", "test_api_scripts.py", "test_batch.py",
    "test_drivers_envelope.py", "test_ema.py",
    "test_mechanisms.py", "test_notebooks.py", "test_package.py",
    "test_parameter_uncertainty.py",
    "test_report.py",
    "test_viz.py",
})


def pytest_collection_modifyitems(items):
    slow = pytest.mark.slow
    for item in items:
        if item.path.name in SLOW_FILES:
            item.add_marker(slow)


@pytest.fixture
def failing_run(monkeypatch):
    """``failing_run(seed, name)``: the engine's simulate raises for any call that steps
    the world of ``seed`` under the scenario ``name`` (a group, or that world alone)."""
    from parley.experiments import engine

    real = engine.simulate

    def fail_at(bad_seed: int, name: str) -> None:
        def flaky(scenario, seeds, record=None, **kw):
            if bad_seed in seeds and scenario.name == name:
                raise RuntimeError("boom")
            return real(scenario, seeds, record, **kw)

        monkeypatch.setattr(engine, "simulate", flaky)

    return fail_at
