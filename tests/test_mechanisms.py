"""The texts' mechanisms fire where the texts put them (issue 20): none is dead by
construction.  Shares are printed by docs/MODEL.md's table (python tests/test_mechanisms.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from parley.experiments.simulate import Outcomes, Routes, simulate
from parley.randomness import run_seeds
from parley.scenario_files import load_scenario

ROOT = Path(__file__).resolve().parents[1]
N = 4000  # at shares near 0.5% the chance of seeing none in 4,000 worlds is about 2e-9


class Fired:
    """Worlds in which each condition of the scenario fired; worlds whose talks a spoiler
    derailed (any month)."""

    def start(self, model):
        self.spoiled = np.zeros(model.n_worlds, bool)

    def month(self, model):
        self.spoiled |= model.acts.talks.spoiled

    def result(self, model):
        return {"conditions": [f.copy() for f in model.fired], "spoiled": self.spoiled}


def mechanisms(name: str, n: int = N) -> dict[str, float]:
    sc = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    seen = simulate(sc, run_seeds(20201130, range(n)),
                    {"outcomes": Outcomes(), "routes": Routes(), "fired": Fired()})
    out = {f"condition {i} ({c.when.kind})": float(seen["fired"]["conditions"][i].mean())
           for i, c in enumerate(sc.conditions)}
    out.update({f"talks opened by {k}": float(v.mean()) for k, v in seen["routes"].items()})
    out["talks a spoiler derailed"] = float(seen["fired"]["spoiled"].mean())
    return out


def test_yeos_concession_condition_fires_and_kims_outreach_opens_talks_in_trump_yeo():
    got = mechanisms("trump_yeo")
    assert got["condition 1 (deal)"] > 0  # a concession that meets the ask has a chance
    assert got["talks opened by flatter"] > 0  # Kim reaches out to a re-elected Trump


def test_a_spoiler_ends_running_talks_in_trump_oh():
    assert mechanisms("trump_oh")["talks a spoiler derailed"] > 0


def test_crisis_to_summitry_is_open_to_oh_trump():
    assert mechanisms("trump_oh")["talks opened by ripe"] > 0


if __name__ == "__main__":
    for name in sys.argv[1:] or ("trump_yeo", "trump_oh"):
        for key, share in mechanisms(name, 20_000).items():
            print(f"{name}: {key}: {share:.4f}")
