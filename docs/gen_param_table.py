"""Print the Markdown tables of docs/SCENARIOS.md: every parameter, and the shipped scenarios.

``python docs/gen_param_table.py`` prints both tables; ``--write`` replaces the text
between the ``<!-- BEGIN ... -->`` / ``<!-- END ... -->`` markers of docs/SCENARIOS.md
(the tables are generated, not hand-edited).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from parley import params as P
from parley.scenario import load_scenario, scenario_files

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "SCENARIOS.md"
KEY_STANCES = ("relief_precondition", "sequencing", "sanctions_policy", "personal_diplomacy",
               "red_line")


def kind_and_bounds(p: P.Param) -> tuple[str, str]:
    if isinstance(p, P.Real):
        return "real", f"[{p.low:g}, {p.high:g}]"
    if isinstance(p, P.Choice):
        return "choice", ", ".join(f"`{o}`" for o in p.options)
    return "flag", "true / false"


def param_table() -> str:
    lines = ["| section / role | parameter | type | bounds or options | meaning |",
             "|---|---|---|---|---|"]
    groups = [*P.SECTIONS.items(), *P.ROLES.items()]
    for group, decls in groups:
        for p in decls:
            kind, bounds = kind_and_bounds(p)
            lines.append(f"| {group} | `{p.name}` | {kind} | {bounds} | {p.doc} |")
    return "\n".join(lines)


def fmt(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"`{value}`"


def scenario_table() -> str:
    head = ["scenario", "camp", *KEY_STANCES, "Washington changes by event"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    files = scenario_files([ROOT / "scenarios", ROOT / "scenarios" / "hindcast"])
    for path in files:
        sc = load_scenario(path)
        us = sc.actors_of("washington")[0]
        changes = [f"{ev.month}: " + ", ".join(f"{k}={v}" for k, v in ev.set.items())
                   for ev in sc.events if ev.actor == us.name]
        cells = [f"`{sc.name}`", sc.camp, *(fmt(us.value(k)) for k in KEY_STANCES),
                 "; ".join(changes) or "-"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_doc() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name, table in (("parameter table", param_table()), ("scenario table", scenario_table())):
        pattern = re.compile(rf"(<!-- BEGIN {name} -->\n).*?(<!-- END {name} -->)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"{DOC}: markers for the {name} not found")
        text = pattern.sub(lambda m, t=table: m.group(1) + t + "\n" + m.group(2), text)
    DOC.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    if "--write" in sys.argv[1:]:
        write_doc()
    else:
        print(param_table())
        print()
        print(scenario_table())
