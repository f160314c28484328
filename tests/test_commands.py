"""The single-run commands on every shipped scenario, and the provocation rates' provenance."""

from __future__ import annotations

from pathlib import Path

import pytest

from parley.cli import main
from parley.scenario_files import load_scenario, scenario_files

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = scenario_files([ROOT / "scenarios"])


def chronicle(capsys, path: Path, seed: int) -> str:
    assert main(["chronicle", str(path), "--seed", str(seed)]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_chronicle_tells_48_months_then_the_outcome_record(capsys, path):
    text = chronicle(capsys, path, 11)
    months = [line for line in text.splitlines() if "(month " in line]
    assert len(months) == 48
    assert months[0].startswith("2021-01 (month  1)")
    assert months[-1].startswith("2024-12 (month 48)")
    record = text.split("Outcome record:")[1]
    for key in ("talks_resumed", "first_talks_month", "summit_held", "freeze_deal",
                "relief_granted", "icbm_tests", "nuclear_tests", "crisis", "final_tension"):
        assert f"  {key}:" in record
    assert chronicle(capsys, path, 11) == text  # same seed, same story
    assert chronicle(capsys, path, 12) != text


def test_validate_passes_on_the_shipped_scenarios(capsys):
    assert main(["validate", str(ROOT / "scenarios")]) == 0
    assert capsys.readouterr().out.count("ok: ") == len(SHIPPED) >= 8


def test_shipped_provocation_rates_are_the_cited_calibration():
    """base.yaml cites `parley calibrate --period kim_jong_un_2012_2020`: its values must match."""
    from parley.analysis.calibration import fit_period

    fit = fit_period("kim_jong_un_2012_2020")
    dprk = load_scenario(ROOT / "scenarios" / "trump_oh.yaml").actors["pyongyang"].stances
    for name in ("test_month_rate", "tests_per_test_month", "icbm_share", "irbm_share",
                 "nuclear_test_rate"):
        stance = dprk[name]
        assert "kim_jong_un_2012_2020" in stance.source.section
        assert stance.value == pytest.approx(getattr(fit, name), abs=0.0051), name
