"""Print the generated Markdown tables of the docs.

docs/SCENARIOS.md: every parameter, and the shipped scenarios; docs/MODEL.md:
every modelling constant (``parley.rules.DYNAMICS``).  ``python docs/gen_param_table.py``
prints them; ``--write`` replaces the text between the ``<!-- BEGIN ... -->`` /
``<!-- END ... -->`` markers (the tables are generated, not hand-edited).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from parley import params as P
from parley.scenario_files import load_scenario, scenario_files

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "SCENARIOS.md"
MODEL_DOC = ROOT / "docs" / "MODEL.md"
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


def dynamics_table() -> str:
    from parley.rules import DYNAMICS, FAMILY_OF

    lines = ["| constant | rules | default | plausible range | meaning | basis |",
             "|---|---|---|---|---|---|"]
    for d in DYNAMICS.values():
        lines.append(f"| `{d.name}` | `rules/{FAMILY_OF[d.name]}.py` | {d.default:g} | "
                     f"[{d.low:g}, {d.high:g}] | {d.doc} | {d.basis} |")
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
        us = next(a for a in sc.actors.values() if a.role == "washington")
        changes = [f"{ev.month}: " + ", ".join(f"{k}={v}" for k, v in ev.set.items())
                   for ev in sc.events if ev.actor == us.name]
        cells = [f"`{sc.name}`", sc.camp, *(fmt(us.value(k)) for k in KEY_STANCES),
                 "; ".join(changes) or "-"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def tables() -> dict[Path, dict[str, str]]:
    return {DOC: {"parameter table": param_table(), "scenario table": scenario_table()},
            MODEL_DOC: {"dynamics table": dynamics_table()}}


def replace_tables(text: str, named: dict[str, str], where: Path) -> str:
    for name, table in named.items():
        pattern = re.compile(rf"(<!-- BEGIN {name} -->\n).*?(<!-- END {name} -->)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"{where}: markers for the {name} not found")
        text = pattern.sub(lambda m, t=table: m.group(1) + t + "\n" + m.group(2), text)
    return text


def write_doc() -> None:
    for path, named in tables().items():
        text = path.read_text(encoding="utf-8")
        path.write_text(replace_tables(text, named, path), encoding="utf-8")


if __name__ == "__main__":
    if "--write" in sys.argv[1:]:
        write_doc()
    else:
        print(param_table())
        print()
        print(scenario_table())
        print()
        print(dynamics_table())
