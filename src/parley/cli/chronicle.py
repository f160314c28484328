"""``parley chronicle``: one run told month by month."""

from __future__ import annotations

import sys

from parley.cli.common import integer, path_arg, path_text, seed


def register(sub) -> None:
    p = sub.add_parser("chronicle", help="tell one run month by month")
    p.add_argument("scenario", type=path_text,
                   help="scenario YAML file (a shipped one by name); with --batch, the name "
                        "of a scenario in that batch")
    p.add_argument("--seed", type=seed, default=1, help="run seed (as in runs.csv); default 1")
    p.add_argument("--batch", type=path_arg, default=None, metavar="DIR",
                   help="replay a row of the batch in DIR: the scenario as the batch ran it, "
                        "with the values of --draw")
    p.add_argument("--draw", type=integer(), default=None, metavar="K",
                   help="with --batch: the parameter draw of the row (its draw column)")
    p.set_defaults(func=run_chronicle)


def run_chronicle(args) -> int:
    from parley.model import NegotiationModel
    from parley.outputs.tables import format_value
    from parley.scenario import printable, require_runnable
    from parley.scenario_files import load_scenario

    if not 0 <= args.seed < 2**63:
        print("error: --seed must be an integer in [0, 2**63)", file=sys.stderr)
        return 2
    if args.batch is not None:
        from parley.experiments.batch import replay_scenario

        scenario = require_runnable(replay_scenario(args.batch, args.scenario, args.draw))
    elif args.draw is not None:
        print("error: --draw: give --batch DIR as well (the batch whose draw it is)",
              file=sys.stderr)
        return 2
    else:
        scenario = require_runnable(load_scenario(args.scenario))
    model = NegotiationModel(scenario=scenario, seed=args.seed).run()
    print(printable(f"{model.spec.title} - seed {args.seed}"))
    for line in model.narrator.lines():
        print(printable(line, limit=2000))
    print("\nOutcome record:")
    for key, value in model.outcome_record().items():
        print(f"  {key}: {format_value(value)}")
    return 0
