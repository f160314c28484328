"""``parley chronicle``: one run told month by month."""

from __future__ import annotations

from parley import defaults
from parley.cli.common import integer, path_arg, path_text, seed


def register(sub) -> None:
    p = sub.add_parser("chronicle", help="tell one run month by month")
    p.add_argument("scenario", type=path_text,
                   help="scenario YAML file (a shipped one by name); with --batch, the name "
                        "of a scenario in that batch")
    p.add_argument("--seed", type=seed, default=defaults.CHRONICLE_SEED,
                   help=f"run seed (as in runs.csv); default {defaults.CHRONICLE_SEED}")
    p.add_argument("--batch", type=path_arg, default=None, metavar="DIR",
                   help="replay a row of the batch in DIR: the scenario as the batch ran it, "
                        "with the values of --draw")
    p.add_argument("--draw", type=integer(), default=None, metavar="K",
                   help="with --batch: the parameter draw of the row (its draw column)")
    p.set_defaults(func=run_chronicle)


def run_chronicle(args) -> int:
    from parley.experiments.chronicle import tell
    from parley.outputs.tables import format_value
    from parley.scenario import printable

    told = tell(args.scenario, seed=args.seed, batch=args.batch, draw=args.draw)
    print(printable(f"{told.title} - seed {told.seed}"))
    for month in told.months:
        print(printable(month.text, limit=2000))
    print("\nOutcome record:")
    for key, value in told.outcome.items():
        print(f"  {key}: {format_value(value)}")
    return 0
