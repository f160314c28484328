"""The single-run subcommands: ``validate`` and ``chronicle``."""

from __future__ import annotations

import sys

from parley.outputs.tables import format_value
from parley.scenario import ScenarioError, load_scenario, require_runnable, scenario_files


def register(sub) -> None:
    p = sub.add_parser("validate", help="check scenario files; exit 2 on any error")
    p.add_argument("files", nargs="+", help="scenario YAML files or directories")
    p.set_defaults(func=run_validate)
    p = sub.add_parser("chronicle", help="tell one run month by month")
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--seed", type=int, default=1, help="run seed (as in runs.csv); default 1")
    p.set_defaults(func=run_chronicle)


def run_validate(args) -> int:
    problems: list[str] = []
    files = scenario_files(args.files)
    for path in files:
        try:
            scenario = load_scenario(path)
            print(f"ok: {path} ({scenario.title})")
        except ScenarioError as exc:
            problems += exc.problems
    for line in problems:
        print(f"error: {line}", file=sys.stderr)
    if not files:
        print("error: no scenario files given", file=sys.stderr)
        return 2
    return 2 if problems else 0


def run_chronicle(args) -> int:
    from parley.model import NegotiationModel

    if not 0 <= args.seed < 2**63:
        print("error: --seed must be an integer in [0, 2**63)", file=sys.stderr)
        return 2
    scenario = require_runnable(load_scenario(args.scenario))
    model = NegotiationModel(scenario=scenario, seed=args.seed).run()
    print(f"{model.spec.title} - seed {args.seed}")
    for line in model.narrator.lines():
        print(line)
    print("\nOutcome record:")
    for key, value in model.outcome_record().items():
        print(f"  {key}: {format_value(value)}")
    return 0
