"""Write the notebook gallery (docs/notebooks/*.ipynb) from the cells below.

The notebooks are generated so that they can be reviewed as Python and are committed
without outputs.  Run ``python docs/notebooks/make_notebooks.py`` after editing a cell;
tests/test_notebooks.py executes every notebook with small run counts.

Every notebook reads its sizes from its first code cell: ``PARLEY_NOTEBOOK_RUNS`` (worlds
per scenario), ``PARLEY_NOTEBOOK_DRAWS`` (parameter draws) and ``PARLEY_NOTEBOOK_EXECUTOR``
(``local``, worker processes, by default; the tests use ``serial``).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent


def settings(runs: int, draws: int) -> str:
    return f'''import os

RUNS = int(os.environ.get("PARLEY_NOTEBOOK_RUNS", "{runs}"))
DRAWS = int(os.environ.get("PARLEY_NOTEBOOK_DRAWS", "{draws}"))
EXECUTOR = os.environ.get("PARLEY_NOTEBOOK_EXECUTOR", "local")
print(f"{{RUNS}} worlds per scenario, {{DRAWS}} parameter draws, executor {{EXECUTOR!r}}")'''


CAVEAT = (
    "**What the numbers are, and are not.** Every share below is what the stances cited in "
    "the scenario files imply under the model's assumptions: a statement about the model, "
    "not a forecast of what a government will do.  The levels move with the values we "
    "chose where the sources are silent, so quote the *tiers* (orderings that hold across "
    "the parameter draws), not a level on its own."
)

HEADLINE = [
    new_markdown_cell(
        "# 1. The headline: the shipped scenarios compared\n\n"
        "This notebook runs every shipped administration scenario on the same simulated "
        "worlds (the same seeds), under several draws of the uncertain parameter values, "
        "and shows what `parley compare` reports: the share of worlds in which a new spell "
        "of talks begins, its intervals, and the tiers that survive the parameter draws.\n\n"
        + CAVEAT),
    new_markdown_cell(
        "The first code cell sets the size.  `RUNS` worlds per scenario and parameter draw, "
        "`DRAWS` draws; the defaults (2000 x 20) take a few minutes on a laptop with worker "
        "processes.  The test suite runs this notebook with a few hundred worlds, whose "
        "numbers are noisy."),
    new_code_cell(settings(2000, 20)),
    new_code_cell(
        '%matplotlib inline\n'
        'import matplotlib.pyplot as plt\n'
        'import pandas as pd\n\n'
        'import parley\n\n'
        '# "parley:" names the shipped administration scenarios (see `parley scenarios`)\n'
        'result = parley.compare(["parley:"], runs=RUNS, seed=20201130, parameter_draws=DRAWS,\n'
        '                        executor=EXECUTOR)\n'
        'result'),
    new_markdown_cell(
        "## The summary table\n\n"
        "One row per scenario.  `p_talks_resumed` is the share of simulated worlds in which "
        "a new spell of talks begins; `talks_resumed_lo`/`_hi` is the 95% Monte Carlo "
        "interval (more worlds make it narrower), and `talks_resumed_param_lo`/`_param_hi` "
        "the spread over the parameter draws (more worlds do not make it narrower: it is "
        "what we do not know about the values we chose)."),
    new_code_cell(
        'columns = ["scenario", "camp", "runs", "p_talks_resumed", "talks_resumed_lo",\n'
        '           "talks_resumed_hi", "talks_resumed_param_lo", "talks_resumed_param_hi",\n'
        '           "p_crisis"]\n'
        'summary = result.summary[columns].sort_values("p_talks_resumed", ascending=False)\n'
        'summary.round(3)'),
    new_markdown_cell(
        "## Tiers and ordering shares\n\n"
        "The scenarios are ranked by their pooled share.  For each adjacent pair, `above` is "
        "the share of parameter draws in which the upper one is above the lower one beyond "
        "Monte Carlo noise, `tied` the share in which the two cannot be told apart.  A new "
        "tier starts where `above` reaches the tier share (0.9): that ordering holds across "
        "the values we are unsure of.  Within a tier, do not read the order."),
    new_code_cell(
        'comparison = result.details["comparison"]\n'
        'for i, tier in enumerate(comparison["tiers"], 1):\n'
        '    print(f"tier {i}: {\', \'.join(tier)}")\n'
        'adjacent = pd.DataFrame(comparison["adjacent"])\n'
        'adjacent.round(2)'),
    new_markdown_cell(
        "## A figure\n\n"
        "Each scenario's share with the interval over the parameter draws (thick) and the "
        "Monte Carlo interval (thin), coloured by tier.  The gaps between tiers are what the "
        "headline rests on; the positions within a tier are not."),
    new_code_cell(
        'tier_of = {name: i for i, tier in enumerate(comparison["tiers"]) for name in tier}\n'
        'table = summary.iloc[::-1]\n'
        'fig, ax = plt.subplots(figsize=(7, 0.35 * len(table) + 1))\n'
        'for y, row in enumerate(table.itertuples()):\n'
        '    colour = f"C{tier_of[row.scenario]}"\n'
        '    ax.plot([row.talks_resumed_param_lo, row.talks_resumed_param_hi], [y, y],\n'
        '            lw=5, alpha=0.35, color=colour)\n'
        '    ax.plot([row.talks_resumed_lo, row.talks_resumed_hi], [y, y], lw=1.5, color=colour)\n'
        '    ax.plot(row.p_talks_resumed, y, "o", color=colour)\n'
        'ax.set_yticks(range(len(table)), table["scenario"])\n'
        'ax.set_xlim(0, 1)\n'
        'ax.set_xlabel("share of worlds in which a new spell of talks begins")\n'
        'ax.set_title(f"Shipped scenarios: {RUNS} worlds x {DRAWS} draws; colour = tier")\n'
        'fig.tight_layout()\n'
        'plt.show()'),
    new_markdown_cell(
        "The same numbers come from the command line: `parley compare --runs 2000 "
        "--parameter-draws 20` writes them to a results folder, which `parley report` turns "
        "into a page."),
]

SCENARIO_YAML = '''extends: parley:biden.yaml
title: Biden first term, more frequent outreach (notebook example)
camp: centrist
description: >-
  The Biden scenario with Washington offering talks more often: an illustration of a
  scenario file that changes one value of its parent.
actors:
  washington:
    outreach_rate:
      value: [0.3, 0.5]
      assumption: "Ours, for the example: offers of talks about three times as often."
'''

WRITE = [
    new_markdown_cell(
        "# 2. Write a scenario\n\n"
        "A scenario file names a parent with `extends:` and changes only what differs.  "
        "Here we write one into a temporary folder that extends the shipped Biden scenario "
        "(`parley:biden.yaml`) with more frequent offers of talks, check it, run it, and "
        "compare it with its parent on the same worlds.\n\n" + CAVEAT),
    new_code_cell(settings(2000, 20)),
    new_markdown_cell(
        "Every value in a scenario says where it comes from: `source:` (a cited text), "
        "`reading:` (a reading of one) or `assumption:` (ours, said so).  The example's "
        "value is an assumption and says so; docs/SCENARIOS.md and docs/PROVENANCE.md "
        "describe the rules."),
    new_code_cell(
        'import tempfile\n'
        'from pathlib import Path\n\n'
        'import parley\n\n'
        f'SCENARIO = """{SCENARIO_YAML}"""\n\n'
        'folder = Path(tempfile.mkdtemp(prefix="parley-notebook-"))\n'
        'path = folder / "biden_more_outreach.yaml"\n'
        'path.write_text(SCENARIO, encoding="utf-8")\n'
        'print(path)'),
    new_markdown_cell(
        "## Validate it\n\n"
        "Loading the file checks it against the schema (unknown keys, values out of bounds "
        "and a missing parent are errors, raised as `parley.ParleyError` with one line per "
        "problem); the provenance rules are checked too, as `parley validate FILE` does.  "
        "(The Python API has no `validate` function; `load_scenario` and the scenario's "
        "`provenance_problems` are what the command uses.)"),
    new_code_cell(
        'scenario = parley.load_scenario(path)\n'
        'problems = list(scenario.provenance_problems)\n'
        'print(scenario.title)\n'
        'print("provenance problems:", problems or "none")\n'
        'assert not problems'),
    new_markdown_cell(
        "A file with a mistake is refused with a message that names it:"),
    new_code_cell(
        'broken = folder / "broken.yaml"\n'
        'broken.write_text(SCENARIO.replace("outreach_rate", "outreach_rat"), encoding="utf-8")\n'
        'try:\n'
        '    parley.load_scenario(broken)\n'
        'except parley.ParleyError as exc:\n'
        '    print("\\n".join(exc.problems))'),
    new_markdown_cell(
        "## Run it, and compare it with its parent\n\n"
        "`compare` runs both on the same worlds, so the difference is paired: "
        "`diff_lo`/`diff_hi` is the interval of the difference, narrower than the two "
        "intervals side by side.  `talks_resumed_param_lo`/`talks_resumed_param_hi` is the "
        "spread over the parameter draws."),
    new_code_cell(
        'result = parley.compare([str(path), "parley:biden"], runs=RUNS, seed=7,\n'
        '                        reference="biden", parameter_draws=DRAWS, executor=EXECUTOR)\n'
        'result.comparison[["scenario", "p_talks_resumed", "talks_resumed_lo",\n'
        '                   "talks_resumed_hi", "talks_resumed_param_lo",\n'
        '                   "talks_resumed_param_hi", "diff", "diff_lo", "diff_hi"]].round(3)'),
    new_code_cell(
        '%matplotlib inline\n'
        'import matplotlib.pyplot as plt\n\n'
        'rows = result.comparison.set_index("scenario")\n'
        'fig, ax = plt.subplots(figsize=(6, 2.5))\n'
        'for y, row in enumerate(rows.itertuples()):\n'
        '    ax.plot([row.talks_resumed_param_lo, row.talks_resumed_param_hi], [y, y], lw=6,\n'
        '            alpha=0.35, color=f"C{y}")\n'
        '    ax.plot(row.p_talks_resumed, y, "o", color=f"C{y}")\n'
        'ax.set_yticks(range(len(rows)), rows.index)\n'
        'ax.set_xlim(0, 1)\n'
        'ax.set_xlabel("share of worlds with a new spell of talks (band: over draws)")\n'
        'fig.tight_layout()\n'
        'plt.show()'),
    new_markdown_cell(
        "The child inherits everything else from its parent, so the difference is the effect "
        "of the one changed value *in this model*: a statement about the model's mechanics "
        "under the assumed rate, not evidence about what more outreach would achieve."),
]

SWEEP = [
    new_markdown_cell(
        "# 3. A sweep over one stance\n\n"
        "`parley.sweep` runs a scenario over a grid of values of one (or more) parameters.  "
        "Here: Washington's monthly rate of offering talks, under the Biden scenario, from "
        "never (0) to every month (1).  Every grid point uses the same worlds, so the curve "
        "is smooth where the model is.\n\n" + CAVEAT),
    new_code_cell(settings(2000, 20)),
    new_markdown_cell(
        "`vary` takes `PATH=LOW:HIGH:STEPS`, as `parley sweep --vary` does; `RUNS` worlds "
        "per point, split evenly over `DRAWS` parameter draws of the other values we chose "
        "(the same draws and worlds at every point; the swept value is the sweep's, no draw "
        "moves it).  `p_talks_param_lo`/`_hi` is the interval over draws, beside the Monte "
        "Carlo interval; `parameter_draws=0` holds the other values at the scenario's own."),
    new_code_cell(
        'import parley\n\n'
        'sweep = parley.sweep("parley:biden", vary=["washington.outreach_rate=0:1:6"],\n'
        '                     runs_per_point=RUNS, seed=20201130, parameter_draws=DRAWS,\n'
        '                     executor=EXECUTOR)\n'
        'points = sweep.summary\n'
        'drawn = [c for c in ("talks_resumed_param_lo", "talks_resumed_param_hi") if c in points]\n'
        'points[["washington.outreach_rate", "runs", "p_talks_resumed", "talks_resumed_lo",\n'
        '        "talks_resumed_hi", *drawn, "p_crisis", "mean_months_in_talks"]].round(3)'),
    new_code_cell(
        '%matplotlib inline\n'
        'import matplotlib.pyplot as plt\n\n'
        'x = points["washington.outreach_rate"]\n'
        'fig, ax = plt.subplots(figsize=(6, 3.5))\n'
        'if drawn:\n'
        '    ax.fill_between(x, points["talks_resumed_param_lo"],\n'
        '                    points["talks_resumed_param_hi"],\n'
        '                    alpha=0.15, label="95% interval over parameter draws")\n'
        'ax.fill_between(x, points["talks_resumed_lo"], points["talks_resumed_hi"], alpha=0.3,\n'
        '                label="95% Monte Carlo interval")\n'
        'ax.plot(x, points["p_talks_resumed"], "o-", label="share of worlds with talks")\n'
        'ax.set_xlabel("Washington\'s monthly outreach rate")\n'
        'ax.set_ylabel("share of worlds")\n'
        'ax.set_ylim(0, 1)\n'
        'ax.set_title(f"Biden scenario, {RUNS} worlds per point")\n'
        'ax.legend()\n'
        'fig.tight_layout()\n'
        'plt.show()'),
    new_markdown_cell(
        "Read the shape, not the levels: the curve shows how the model's answer responds "
        "to one stance, pooled over the draws of everything else we chose (the lighter band "
        "is how far those draws move it).  The shipped "
        "sweep files (`parley scenarios`, group *sweeps*) hold larger designs, including "
        "Morris and Sobol designs whose `.sensitivity` ranks the parameters."),
]

HINDCAST = [
    new_markdown_cell(
        "# 4. Hindcast and the live forecast\n\n"
        "The hindcast runs every US term since 1993 from its own starting point and sets "
        "the model's probabilities beside what happened, scored against simple baselines "
        "(the base rate of past terms, persistence, a logistic fit and a coin).  The live "
        "forecast conditions the current term on the record to date and gives, month by "
        "month, the probability that a new spell of talks has begun.\n\n"
        "Eight past terms are a small sample: a score difference between the model and a "
        "baseline is suggestive at best, and docs/VALIDATION.md states where the model "
        "loses.  The forecast is conditional on the model's assumptions and on a record "
        "that ends at its cut-off."),
    new_code_cell(settings(2000, 20)),
    new_markdown_cell(
        "`parley.hindcast` runs the shipped hindcast and live terms (its parameter draws "
        "are the default, 20; the Python function has no `parameter_draws` argument)."),
    new_code_cell(
        'import pandas as pd\n\n'
        'import parley\n\n'
        'hindcast = parley.hindcast(runs=RUNS, executor=EXECUTOR)\n'
        'hindcast.terms[["scenario", "start", "p_new_spell", "new_spell_lo", "new_spell_hi",\n'
        '                "observed_new_spell", "p_talks", "observed_talks",\n'
        '                "naive_base_rate"]].round(3)'),
    new_markdown_cell(
        "## Scores against the baselines\n\n"
        "For each target (talks under way in the term; a new spell of talks begins), the "
        "term-level Brier score and log loss of the model and of each baseline: lower is "
        "better.  A coin scores 0.25 and 0.693."),
    new_code_cell(
        'rows = []\n'
        'for name, target in hindcast.details["targets"].items():\n'
        '    for forecaster, score in target["term"].items():\n'
        '        rows.append({"target": name, "forecaster": forecaster, **score})\n'
        'scores = pd.DataFrame(rows).pivot(index="forecaster", columns="target",\n'
        '                                  values=["brier", "log"])\n'
        'scores.round(3)'),
    new_markdown_cell(
        "## The live forecast\n\n"
        "`forecast` (in `parley.experiments.forecast`; not exposed as `parley.forecast`) "
        "simulates the current term under parameter draws, weights every world by how well "
        "it matches the record to the cut-off, and returns P(a new spell of talks has begun "
        "by month m) for every later month, with the spread of the final value over draws."),
    new_code_cell(
        'from parley.experiments.forecast import forecast\n\n'
        'live = forecast(runs=RUNS, seed=20201130, parameter_draws=DRAWS)\n'
        'curve = pd.DataFrame({"month": live["months"], "p_new_spell_by": live["p_by_month"]})\n'
        'print(f"{live[\'title\']}: record to {live[\'cutoff\']}, "\n'
        '      f"P(new spell by the end) = {live[\'p_end\']:.2f} "\n'
        '      f"(over draws {live[\'draws_lo\']:.2f}-{live[\'draws_hi\']:.2f})")\n'
        'print("how well the worlds match the record:", live["matching"])\n'
        'curve.head()'),
    new_code_cell(
        '%matplotlib inline\n'
        'import matplotlib.pyplot as plt\n\n'
        'fig, ax = plt.subplots(figsize=(7, 3.5))\n'
        'ax.plot(pd.to_datetime(curve["month"]), curve["p_new_spell_by"], "-",\n'
        '        label="P(new spell of talks has begun by month)")\n'
        'ax.errorbar(pd.to_datetime(curve["month"].iloc[-1]), live["p_end"],\n'
        '            yerr=[[live["p_end"] - live["draws_lo"]],\n'
        '                  [live["draws_hi"] - live["p_end"]]],\n'
        '            fmt="o", capsize=4, label="end of term, spread over draws")\n'
        'ax.set_ylim(0, 1)\n'
        'ax.set_ylabel("probability")\n'
        'ax.set_title(f"{live[\'title\']}, conditioned on the record to {live[\'cutoff\']}")\n'
        'ax.legend(loc="upper left")\n'
        'fig.tight_layout()\n'
        'plt.show()'),
    new_markdown_cell(
        "`parley forecast` writes the same result as a dated file to a registry; files "
        "written once are scored later against the record as it then stands, so the "
        "forecast can be checked, not only read."),
]

NOTEBOOKS = {
    "01_headline.ipynb": HEADLINE,
    "02_write_a_scenario.ipynb": WRITE,
    "03_sweep_and_plot.ipynb": SWEEP,
    "04_hindcast_and_forecast.ipynb": HINDCAST,
}


def build(name: str) -> nbformat.NotebookNode:
    nb = new_notebook(cells=NOTEBOOKS[name])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{Path(name).stem[:2]}-{i:02d}"  # stable ids: reproducible files
    return nb


def main() -> None:
    for name in NOTEBOOKS:
        nbformat.write(build(name), HERE / name)
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
