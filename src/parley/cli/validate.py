"""``parley validate``: check scenario files and sweep files; exit 2 on any error.
``parley scenarios``: list what ships (name, title, camp, reference)."""

from __future__ import annotations

import sys

from parley import defaults
from parley.errors import printable


def register(sub) -> None:
    from parley.cli import SUMMARIES
    from parley.cli.common import output_file, path_text

    p = sub.add_parser("validate", help=SUMMARIES["validate"])
    p.add_argument("files", nargs="+", type=path_text,
                   help="scenario or sweep YAML files, or folders; a shipped one by name "
                        "(biden, parley:hindcast; see parley scenarios)")
    p.add_argument("--provenance", action="store_true",
                   help="(the default since 0.2: every file is checked against the "
                   "provenance rules of docs/PROVENANCE.md: kinds, envelopes, dates)")
    p.add_argument("--no-provenance", dest="skip_provenance", action="store_true",
                   help="check the schema only, not the provenance rules")
    p.set_defaults(func=run_validate)
    p = sub.add_parser("scenarios", help=SUMMARIES["scenarios"],
                       description="List the shipped scenarios, variants, hindcast and live "
                                   "terms, examples, sweeps and posteriors. Name one anywhere "
                                   "a scenario or file is named by its reference (the last "
                                   "column), e.g. parley run parley:biden, or extends: "
                                   "parley:base.yaml; a bare name (parley run biden) works when "
                                   "no such file is in the working folder.")
    p.set_defaults(func=run_scenarios)
    p = sub.add_parser("schema", help=SUMMARIES["schema"],
                       description="Write the JSON Schema of a scenario file (from the "
                       "declarations the loader uses) for editors: e.g. with VS Code's YAML "
                       "extension, put '# yaml-language-server: $schema=scenario.schema.json' "
                       "on a scenario file's first line.")
    p.add_argument("--out", type=output_file("schema"), default=None, metavar="FILE",
                   help="write it to FILE (default: print it)")
    p.set_defaults(func=run_schema)


def run_schema(args) -> int:
    import json

    from parley.schema import scenario_schema

    text = json.dumps(scenario_schema(), indent=1) + "\n"
    if args.out is None:
        sys.stdout.write(text)
        return 0
    from parley.results.store import atomic_write_text

    atomic_write_text(args.out, text)
    print(f"schema: {printable(str(args.out), 200)}")
    return 0


def run_validate(args) -> int:
    from parley.experiments.validate import validate

    found = validate(args.files, provenance=not args.skip_provenance)
    for item in found.checked:
        print(printable(f"ok: {item.shown} ({item.what})"))
    problems = list(found.problems)
    for line in problems[:defaults.MAX_VALIDATE_LINES]:
        print(f"error: {line}", file=sys.stderr)
    if len(problems) > defaults.MAX_VALIDATE_LINES:
        print(f"error: ... and {len(problems) - defaults.MAX_VALIDATE_LINES:,} more problems "
              f"(the first {defaults.MAX_VALIDATE_LINES} are shown)", file=sys.stderr)
    return 2 if problems else 0


HEADINGS = {
    "administration": "administration scenarios (parley compare with no argument runs these)",
    "variants": "variants (a second reading of one choice; variant_of: names the scenario)",
    "shared": "shared defaults (extends: parley:base.yaml)",
    "hindcast": "hindcast: completed US terms (parley hindcast)",
    "live": "live: the current term (parley hindcast forecasts it)",
    "examples": "examples",
    "sweeps": "sweeps (parley sweep REFERENCE)",
    "posteriors": "posteriors (--posterior REFERENCE)",
}
TITLE_WIDTH = 56


def run_scenarios(args) -> int:
    from parley.scenario_files import shipped_catalogue, shipped_scenarios_dir

    entries = shipped_catalogue()
    print(printable(f"shipped scenarios in {shipped_scenarios_dir()}"))
    name_w = max([len(e.name) for e in entries] + [4])
    camp_w = max([len(e.camp) for e in entries] + [4])
    group = None
    for e in entries:
        if e.group != group:
            group = e.group
            print(f"\n{HEADINGS.get(group, group)}")
            print(f"  {'name':<{name_w}}  {'title':<{TITLE_WIDTH}}  {'camp':<{camp_w}}  file")
        title = e.title if len(e.title) <= TITLE_WIDTH else e.title[:TITLE_WIDTH - 3] + "..."
        print(printable(f"  {e.name:<{name_w}}  {title:<{TITLE_WIDTH}}  {e.camp or '-':<{camp_w}}"
                        f"  {e.reference}", 300))
    if not entries:
        print("error: no shipped scenarios found (a broken install?)", file=sys.stderr)
        return 2
    return 0
