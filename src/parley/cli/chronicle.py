"""``parley chronicle``: one run told month by month."""

from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("chronicle", help="tell one run month by month")
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--seed", type=int, default=1, help="run seed (as in runs.csv); default 1")
    p.set_defaults(func=run_chronicle)


def run_chronicle(args) -> int:
    from parley.model import NegotiationModel
    from parley.outputs.tables import format_value
    from parley.scenario import printable, require_runnable
    from parley.scenario_files import load_scenario

    if not 0 <= args.seed < 2**63:
        print("error: --seed must be an integer in [0, 2**63)", file=sys.stderr)
        return 2
    scenario = require_runnable(load_scenario(args.scenario))
    model = NegotiationModel(scenario=scenario, seed=args.seed).run()
    print(printable(f"{model.spec.title} - seed {args.seed}"))
    for line in model.narrator.lines():
        print(printable(line, limit=2000))
    print("\nOutcome record:")
    for key, value in model.outcome_record().items():
        print(f"  {key}: {format_value(value)}")
    return 0
