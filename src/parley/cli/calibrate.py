"""``parley calibrate``: Pyongyang's baseline provocation rates fitted to the record."""

from __future__ import annotations

import argparse
import json


def register(sub) -> None:
    from parley.outcomes import DEFAULT_SEED

    p = sub.add_parser(
        "calibrate",
        help="fit Pyongyang's baseline provocation rates to a period of the record",
        description=(
            "Fit missile- and nuclear-test base rates by maximum likelihood to a period of "
            "the CNS missile test record and check the fit by simulation."
        ),
    )
    p.add_argument(
        "--period",
        action="append",
        metavar="NAME_OR_RANGE",
        help="period name (see docs/VALIDATION.md) or YYYY-MM:YYYY-MM; repeatable "
        "(default: all named periods)",
    )
    p.add_argument("--sims", type=int, default=2000, help="simulations per period (default 2000)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED,
                   help=f"random seed (default {DEFAULT_SEED})")
    p.add_argument("--json", metavar="FILE", default=None, help="also write the fits as JSON")
    p.set_defaults(func=run_calibrate)


def run_calibrate(args: argparse.Namespace) -> int:
    """Print the calibration table (and optionally write JSON); 2 on bad input."""
    from parley.analysis.calibration import (
        calibrate_periods,
        calibration_payload,
        format_calibration_table,
    )
    from parley.errors import ParleyError

    try:
        results = calibrate_periods(args.period, args.sims, args.seed)
    except ValueError as exc:
        raise ParleyError(str(exc)) from None
    print(format_calibration_table(results))
    if args.json:
        try:
            with open(args.json, "w", encoding="utf-8") as fh:
                json.dump(calibration_payload(results), fh, indent=2)
                fh.write("\n")
        except OSError as exc:
            raise ParleyError(f"cannot write {args.json}: {exc}") from None
    return 0
