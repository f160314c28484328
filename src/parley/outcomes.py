"""The outcome record of one run: names, kinds, CSV column order and labels.

Declared once here and read by the model, the engine, statistics, plots and
the report.  Mesa-free and numpy-free, so importing it costs nothing.
"""

from __future__ import annotations

# one 0/1 column per run; reported as shares with Wilson intervals
# ("engaged": Pyongyang was willing to talk in some month of the term; see docs/MODEL.md)
BINARY_OUTCOMES = ("talks_resumed", "engaged", "summit_held", "freeze_deal", "relief_granted",
                   "crisis")
# non-negative integer counts per run; reported as distributions
COUNT_OUTCOMES = ("tests", "icbm_tests", "nuclear_tests", "months_in_talks", "collapses")
# levels in [0, 1] at the horizon
FINAL_LEVELS = ("final_tension", "final_sanctions_pressure", "final_us_china_tension")
# monthly levels behind the fan charts (the final levels' names without "final_")
MONTHLY_LEVELS = ("tension", "sanctions_pressure", "us_china_tension")
# the month talks first resumed (1-based; empty in runs.csv when they never did)
FIRST_TALKS = "first_talks_month"
# the talks state at the horizon, by name ("none", "talks", ...)
FINAL_STATE = "final_talks_state"

# every field of the outcome record, in runs.csv column order
OUTCOMES = ("talks_resumed", FIRST_TALKS, *BINARY_OUTCOMES[1:], *COUNT_OUTCOMES,
            *FINAL_LEVELS, FINAL_STATE)
# what identifies a row of runs.csv before its outcomes
RUN_KEYS = ("scenario", "run", "seed")
RUNS_COLUMNS = (*RUN_KEYS, *OUTCOMES)
RUNS_HEADER = ",".join(RUNS_COLUMNS) + "\n"
# with parameter uncertainty on (``--parameter-draws``), each row also names its draw
DRAW = "draw"
RUNS_COLUMNS_WITH_DRAW = ("scenario", DRAW, "run", "seed", *OUTCOMES)
RUNS_HEADER_WITH_DRAW = ",".join(RUNS_COLUMNS_WITH_DRAW) + "\n"

KINDS = {**dict.fromkeys(BINARY_OUTCOMES, "binary"), **dict.fromkeys(COUNT_OUTCOMES, "count"),
         **dict.fromkeys(FINAL_LEVELS, "level"), FIRST_TALKS: "month", FINAL_STATE: "state"}

LABELS = {
    "talks_resumed": "Talks resumed",
    "engaged": "Pyongyang engaged",
    "summit_held": "Summit held",
    "freeze_deal": "Freeze deal",
    "relief_granted": "Sanctions relief granted",
    "crisis": "Crisis",
    "tests": "Missile tests",
    "icbm_tests": "ICBM tests",
    "nuclear_tests": "Nuclear tests",
    "months_in_talks": "Months in talks",
    "collapses": "Talks collapses",
    "tension": "Tension",
    "sanctions_pressure": "Sanctions pressure",
    "us_china_tension": "US–China tension",
    "final_tension": "Final tension",
    "final_sanctions_pressure": "Final sanctions pressure",
    "final_us_china_tension": "Final US–China tension",
    FIRST_TALKS: "First month of talks",
    FINAL_STATE: "Final talks state",
}
