"""One run told month by month (``parley chronicle`` and ``parley.chronicle``).

The one path both take: the scenario resolved (a file, a shipped name, a ``Scenario``, or
a row of a results folder with its parameter draw), the seed checked, the model run, and
the narrator's months and the outcome record returned as plain data.  No printing: the
command prints :func:`tell`'s result, the API returns it as a data frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parley import defaults
from parley.errors import ScenarioError
from parley.scenario import Scenario


@dataclass(frozen=True)
class Month:
    """One month of the story: its number, calendar label, sentences and levels."""

    month: int
    label: str
    sentences: tuple[str, ...]
    levels: str
    text: str  # the line ``parley chronicle`` prints


@dataclass(frozen=True)
class Told:
    """One run: the scenario's title, the run seed, the months and the outcome record."""

    scenario: str
    title: str
    seed: int
    months: tuple[Month, ...]
    outcome: dict[str, Any]


def check_seed(seed: object) -> int:
    """A run seed: a whole number in defaults.SEED_RANGE, as in runs.csv's ``seed`` column."""
    import numbers

    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ScenarioError([f"--seed {seed!r}"[:80] + ": must be a whole number in "
                             f"{defaults.SEED_RANGE}"])
    value = int(seed)
    if not defaults.is_seed(value):
        raise ScenarioError([f"--seed must be an integer in {defaults.SEED_RANGE} "
                             f"(got {value})"[:120]])
    return value


def resolve(scenario: str | Path | Scenario, batch: str | Path | None = None,
            draw: int | None = None) -> Scenario:
    """The scenario to tell: loaded (or, with ``batch``, as that batch ran it, with the
    values of parameter draw ``draw``); refused when abstract."""
    from parley.scenario import require_runnable
    from parley.scenario_files import load_scenario

    if batch is not None:
        from parley.experiments.batch import replay_scenario

        if isinstance(scenario, Scenario):
            raise ScenarioError(["chronicle: with --batch, name a scenario of that batch "
                                 "(not a Scenario object)"])
        return require_runnable(replay_scenario(Path(batch), str(scenario), draw))
    if draw is not None:
        raise ScenarioError(["--draw: give --batch DIR as well (the batch whose draw it is)"])
    loaded = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    return require_runnable(loaded)


def tell(scenario: str | Path | Scenario, seed: int = defaults.CHRONICLE_SEED,
         batch: str | Path | None = None, draw: int | None = None) -> Told:
    """Run ``scenario`` once on run seed ``seed`` and tell it month by month."""
    from parley.worlds import Worlds

    seed = check_seed(seed)
    spec = resolve(scenario, batch, draw)
    model = Worlds(spec, [seed], narrate=True).run()
    narrator = model.narrator
    assert narrator is not None  # narrate=True
    months = tuple(Month(e.month, e.label, tuple(e.sentences), e.levels, e.text())
                   for e in narrator.entries)
    return Told(scenario=spec.name, title=model.spec.title, seed=seed, months=months,
                outcome=dict(model.outcome_record()))
