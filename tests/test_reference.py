"""Pinned reference table: exact outcome counts of every shipped scenario (issue 13).

A behaviour change anywhere in the model moves these counts and fails this test
loudly.  If the change is intended, regenerate the table in the same commit:

    PYTHONPATH=src python tests/test_reference.py --update

and say in the commit message, in a sentence, why the numbers moved.  Hindcast
files (scenarios/hindcast/) are left out: they are pinned by their own tests.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import pytest

from parley import NegotiationModel
from parley.model import BINARY_OUTCOMES, COUNT_OUTCOMES
from parley.randomness import run_seeds
from parley.scenario_files import scenario_files

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "tests" / "reference" / "outcomes.csv"
SEED, RUNS = 20201130, 500
HEADER = f"""\
# Pinned outcome counts: master seed {SEED}, {RUNS} runs per scenario (run seeds
# parley.randomness.run_seeds(SEED, range(RUNS)), all worlds stepped together).
# Binary outcomes: number of runs where true.  Count outcomes: sum over runs.
# A reviewer who changes behaviour on purpose regenerates this file in the same
# commit (PYTHONPATH=src python tests/test_reference.py --update) and says why.
"""


def shipped() -> list[Path]:
    return scenario_files([ROOT / "scenarios", ROOT / "scenarios" / "examples"])


def counts(path: Path) -> dict[str, int]:
    out = NegotiationModel(scenario=path, seeds=run_seeds(SEED, range(RUNS)),
                           narrate=False).run().outcomes()
    row = {k: int(np.count_nonzero(out[k])) for k in BINARY_OUTCOMES}
    row.update({k: int(out[k].sum()) for k in COUNT_OUTCOMES})
    return row


def current() -> dict[str, dict[str, int]]:
    return {p.relative_to(ROOT).as_posix(): counts(p) for p in shipped()}


def read_table() -> dict[str, dict[str, int]]:
    lines = [ln for ln in TABLE.read_text(encoding="utf-8").splitlines()
             if ln and not ln.startswith("#")]
    return {r["scenario"]: {k: int(v) for k, v in r.items() if k != "scenario"}
            for r in csv.DictReader(lines)}


def write_table(table: dict[str, dict[str, int]]) -> None:
    fields = ["scenario", *BINARY_OUTCOMES, *COUNT_OUTCOMES]
    with TABLE.open("w", encoding="utf-8", newline="") as fh:
        fh.write(HEADER)
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for name, row in table.items():
            writer.writerow({"scenario": name, **row})


@pytest.fixture(scope="module")
def pinned() -> dict[str, dict[str, int]]:
    return read_table()


def test_every_shipped_scenario_is_pinned(pinned):
    assert sorted(pinned) == sorted(p.relative_to(ROOT).as_posix() for p in shipped())


@pytest.mark.parametrize("path", shipped(), ids=lambda p: p.stem)
def test_outcome_counts_match_the_reviewed_table(path, pinned):
    name = path.relative_to(ROOT).as_posix()
    got, want = counts(path), pinned[name]
    moved = {k: f"{want[k]} -> {got[k]}" for k in want if got.get(k) != want[k]}
    assert not moved, (f"{name}: behaviour changed {moved}. If intended, run "
                       "PYTHONPATH=src python tests/test_reference.py --update and say why "
                       "in the commit message.")


# The README's comparison table (10,000 runs, the same master seed) must agree with the
# pinned counts: its first 500 runs are exactly the pinned runs, so a README share p and the
# pinned share q differ by sampling alone, with standard deviation
# sqrt(p (1 - p) (1/500 - 1/10000)) (at most 0.022).  Five standard deviations, plus the
# README's rounding to three digits, leave a deterministic check that fails when a behaviour
# change moved a headline by more than about 0.1 and the README was not regenerated.
README_RUNS = 10_000
README_COLUMNS = {"talks_resumed": 2, "summit_held": 11, "freeze_deal": 12,
                  "relief_granted": 13, "crisis": 14}


def readme_block(heading: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split(heading, 1)[1].split("```", 2)[1]


def readme_table() -> dict[str, dict[str, float]]:
    """The README's point-run table (``--parameter-draws 0``), the one the pins check."""
    block = readme_block("### The point run")
    rows = {}
    for line in block.splitlines():
        cells = line.split()
        if len(cells) > 14 and Path(ROOT / "scenarios" / f"{cells[0]}.yaml").is_file():
            rows[cells[0]] = {k: float(cells[i]) for k, i in README_COLUMNS.items()}
    return rows


def test_readme_main_table_is_the_default_command_with_every_scenario_and_the_tiers(pinned):
    """The main job's table is the default (drawn) output: every shipped scenario, the draw
    interval column, the tiers and the pair shares, and each scenario's point-run share
    inside its interval over draws (the point is one draw's worth of the envelope's
    centre, so a point outside the whole interval would mean the two tables disagree)."""
    block = readme_block("## What the main job prints")
    assert "20 parameter draws over the values we chose" in block
    assert "tiers (an ordering that holds in at least 90% of parameter draws" in block
    assert "over 20 parameter draws [95%]" in block
    point = readme_table()
    seen = set()
    for line in block.split("by camp:")[0].splitlines():
        cells = line.replace("[", " ").replace("]", " ").replace(",", " ").split()
        if cells and cells[0] in point:
            lo, hi = float(cells[5]), float(cells[6])
            assert lo <= point[cells[0]]["talks_resumed"] <= hi, cells[0]
            seen.add(cells[0])
    assert seen == set(point)


def test_readme_table_agrees_with_the_pinned_counts(pinned):
    table = readme_table()
    assert sorted(table) == sorted(Path(n).stem for n in pinned if n.count("/") == 1)
    far = {}
    for name, shares in table.items():
        for outcome, readme_share in shares.items():
            pinned_share = pinned[f"scenarios/{name}.yaml"][outcome] / RUNS
            var = readme_share * (1 - readme_share) * (1 / RUNS - 1 / README_RUNS)
            if abs(readme_share - pinned_share) > 5 * var ** 0.5 + 0.0005 + 1 / RUNS:
                far[f"{name}.{outcome}"] = (readme_share, pinned_share)
    assert not far, (f"README table disagrees with tests/reference/outcomes.csv {far}: "
                     "regenerate it with the README's first command")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        raise SystemExit("usage: python tests/test_reference.py --update")
    write_table(current())
    print(f"wrote {TABLE}")
