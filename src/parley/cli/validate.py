"""``parley validate``: check scenario files and sweep files; exit 2 on any error."""

from __future__ import annotations

import sys
from pathlib import Path

from parley.errors import printable


def register(sub) -> None:
    p = sub.add_parser("validate", help="check scenario and sweep files; exit 2 on any error")
    p.add_argument("files", nargs="+", help="scenario or sweep YAML files, or directories")
    p.add_argument("--provenance", action="store_true",
                   help="also check the provenance rules of docs/PROVENANCE.md (kinds, "
                   "envelopes, dates)")
    p.set_defaults(func=run_validate)


def run_validate(args) -> int:
    from parley.errors import ParleyError
    from parley.scenario_files import scenario_files

    problems: list[str] = []
    files = scenario_files(args.files)
    for path in files:
        try:
            print(printable(f"ok: {path} ({_check(Path(path), args.provenance)})"))
        except ParleyError as exc:
            problems += exc.problems
    for line in problems:
        print(f"error: {line}", file=sys.stderr)
    if not files:
        print("error: no scenario files given", file=sys.stderr)
        return 2
    return 2 if problems else 0


def _check(path: Path, provenance: bool = False) -> str:
    """Load one file as what it is (a sweep file or a scenario); a short description."""
    from parley.cli.common import is_sweep_file
    from parley.errors import ParleyError
    from parley.scenario_files import load_scenario

    if is_sweep_file(path):
        from parley.experiments.sweep import build_spec, check_spec

        spec = build_spec(path)
        check_spec(spec, load_scenario(spec.scenario))
        return f"sweep of {Path(spec.scenario).name}: {len(spec.parameters)} parameter(s), " \
               f"{spec.method}"
    scenario = load_scenario(path)
    if provenance and scenario.provenance_problems:
        raise ParleyError(list(scenario.provenance_problems))
    return scenario.title
