"""Plain-text formatting of numbers and tables for the terminal (and the report's cells).

Pure functions of plain data (dicts from ``summary.json`` and friends): no I/O,
no Mesa, no model.  The commands print what these return.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

DASH = "-"


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """``1 nuclear test``, ``2 nuclear tests``, ``0 nuclear tests``."""
    word = noun if count == 1 else (plural_form or noun + "s")
    return f"{count:,} {word}"


def format_value(value: Any, decimals: int = 6) -> str:
    """A value of an outcome record as ``runs.csv`` writes it: floats to 6 decimals.

    ``0.4420427400000001`` -> ``0.442043``, the same text as the run's row in
    ``runs.csv``; None is empty; booleans, integers and text as they are.
    """
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.{decimals}f}" if math.isfinite(value) else str(value)
    if hasattr(value, "dtype") and getattr(value.dtype, "kind", "") == "f":  # numpy float
        return format_value(float(value), decimals)
    return str(value)


def whole_if_integral(value: Any) -> str:
    """``3.0`` (a point number read back as a float) -> ``3``; anything else as it is."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def percent(p: Any, digits: int = 1) -> str:
    """A share as a percentage; a non-zero share never prints as zero.

    ``percent(0.25) == "25.0%"``; ``percent(0.000384) == "0.038%"`` (two significant
    digits when ``digits`` decimals would round it to 0); ``percent(None) == "—"``.
    """
    if p is None or not math.isfinite(float(p)):
        return "—"
    pct = float(p) * 100
    if abs(pct) < 1e-10:  # round-off, as a Wilson interval's end at zero (1.1e-19): zero
        pct = 0.0
    if pct != 0 and round(pct, digits) == 0:
        decimals = digits + 1 - math.floor(math.log10(abs(pct) * 10**digits))
        return f"{pct:.{decimals}f}%"
    return f"{pct:.{digits}f}%"


def percent_range(lo: Any, hi: Any, digits: int = 1, sep: str = "–") -> str:
    """An interval of shares: ``0.0%–0.038%`` for 0 of 10,000, not ``0.0%–0.0%``."""
    return f"{percent(lo, digits)}{sep}{percent(hi, digits)}"


def _runs_line(summary: Mapping[str, Any], manifest: Mapping[str, Any]) -> str:
    runs = int(manifest["target_runs"])
    per = " per scenario" if len(summary["scenarios"]) > 1 else ""
    params = summary.get("parameter_uncertainty")
    if params:
        k = int(params["draws"])
        return (f"{plural(runs * k, 'run')}{per}: {plural(k, 'parameter draw')} over the "
                f"values we chose x {plural(runs, 'world')}, the same worlds in every draw; "
                f"master seed {manifest['master_seed']}")
    return (f"{plural(runs, 'run')}{per}, the point run (no parameter draws), master seed "
            f"{manifest['master_seed']}")


def _table_header(comp: Mapping[str, Any] | None, params: Mapping[str, Any] | None
                  ) -> list[str]:
    header = ["scenario", "camp", "P(new talks) [95% CI]"]
    if params:
        header.append(f"over {params['draws']} parameter draws [95%]")
    header.append("P(talks | engaged) [95% CI]")
    if comp:
        header.append(f"vs {comp['reference']} (paired)")
    return [*header, "summit", "freeze", "relief", "crisis", "median month"]


def _table_row(s: Mapping[str, Any], diff: Mapping[str, Any] | None,
               spread: Mapping[str, Any] | None) -> list[str]:
    """One scenario's cells, in the order of :func:`_table_header`."""
    shares = s["shares"]
    row = [s["name"], str(s.get("camp") or ""), _share_cell(shares["talks_resumed"])]
    if spread is not None:
        row.append(f"[{spread['param_lo']:.3f}, {spread['param_hi']:.3f}]")
    row.append(_share_cell(s.get("talks_given_engaged")))
    if diff is not None:
        row.append(f"{diff['diff']:+.3f} [{diff['diff_lo']:+.3f}, {diff['diff_hi']:+.3f}]")
    row += [f"{shares[k]['p']:.3f}" for k in ("summit_held", "freeze_deal", "relief_granted",
                                               "crisis")]
    median = (s.get("time_to_talks") or {}).get("median")
    return [*row, DASH if median is None else str(int(median))]


def comparison_table(summary: Mapping[str, Any], manifest: Mapping[str, Any]) -> str:
    """The terminal table of a run or comparison: one line per scenario, ranked.

    Beside P(talks) stands P(talks | Pyongyang engaged).  With parameter draws
    the P(talks) interval over the draws follows the Monte Carlo one, and the
    lines under the table give the ordering shares of every pair of scenarios.
    Column widths follow the content, so long scenario or camp names keep the
    columns aligned; a single scenario reads "runs", not "runs per scenario".
    """
    comp = summary.get("comparison")
    params = summary.get("parameter_uncertainty")
    by_name = {s["name"]: s for s in summary["scenarios"]}
    order = [r["scenario"] for r in comp["rows"]] if comp else list(by_name)
    diffs = {r["scenario"]: r for r in comp["rows"]} if comp else {}
    rows = [_table_row(by_name[name], diffs.get(name) if comp else None,
                       params["scenarios"][name]["talks_resumed"] if params else None)
            for name in order]
    left = 3  # names and the headline flush left, the other numbers flush right
    lines = [_runs_line(summary, manifest), *_aligned(_table_header(comp, params), rows, left)]
    return "\n".join(lines + _lines_under_table(summary, order))


def _lines_under_table(summary: Mapping[str, Any], order: Sequence[str]) -> list[str]:
    """Camp shares, what the intervals over draws mean, and the tiers."""
    comp, params, camps = (summary.get(k) for k in ("comparison", "parameter_uncertainty",
                                                   "camps"))
    lines = []
    if camps:
        lines.append("by camp: " + "; ".join(
            f"{c} {v['p']:.3f} [{v['lo']:.3f}, {v['hi']:.3f}]"
            for c, v in sorted(camps.items(), key=lambda kv: -kv[1]["p"])))
    if params:
        lines += ordering_lines(params, order)
    if comp and comp.get("tiers"):
        lines += tier_lines(comp)
    return lines


def tier_lines(comp: Mapping[str, Any]) -> list[str]:
    """The headline that survives the draws: tiers, and each adjacent pair's ordering shares.

    A tier boundary stands between two adjacent scenarios (ranked by pooled P) where the
    upper is above the lower in at least ``tier_share`` of the parameter draws.
    """
    need = comp.get("tier_share", 0.9)
    lines = [f"tiers (an ordering that holds in at least {percent(need, 0)} of parameter "
             "draws separates two tiers):"]
    for i, group in enumerate(comp["tiers"], 1):
        lines.append(f"  tier {i}: {', '.join(group)}")
    lines.append("adjacent pairs, ranked (above / tied / below, share of draws):")
    for pair in comp["adjacent"]:
        mark = "  | new tier" if pair["boundary"] else ""
        lines.append(f"  {pair['upper']} over {pair['lower']}: {percent(pair['above'], 0)} / "
                     f"{percent(pair['tied'], 0)} / {percent(pair['below'], 0)}{mark}")
    return lines


def _share_cell(share: Mapping[str, Any] | None) -> str:
    """``0.748 [0.739, 0.756]``; a dash when undefined (no run in the condition)."""
    if not share or share.get("p") is None or not math.isfinite(share["p"]):
        return DASH
    return f"{share['p']:.3f} [{share['lo']:.3f}, {share['hi']:.3f}]"


def ordering_lines(params: Mapping[str, Any], order: Sequence[str],
                   all_pairs: bool = False) -> list[str]:
    """Parameter uncertainty in words: what the intervals mean, then (with ``all_pairs``)
    every pair's ordering.

    Pairs follow the ranking (``order``): "sanders above warren in 41% of
    draws, tied in 53%, below in 6%".  The terminal shows the adjacent pairs
    (:func:`tier_lines`); summary.json and the report hold every pair.
    """
    rank = {name: i for i, name in enumerate(order)}
    lines = [f"parameter uncertainty: {params['draws']} draws from the "
             f"{params['source']} x {params['worlds']:,} worlds each, the same worlds in "
             "every draw; the 95% CI is Monte Carlo noise, the interval over draws is what "
             "the values we chose allow"]
    if not all_pairs:
        return lines
    if params.get("orderings"):
        lines.append("P(talks) ordering over parameter draws (tied: within the draw's paired "
                     "95% noise):")
    pairs = []
    for pair in params.get("orderings", []):
        a, b, above, below = pair["a"], pair["b"], pair["above"], pair["below"]
        if rank.get(a, 0) > rank.get(b, 0):
            a, b, above, below = b, a, below, above
        pairs.append((rank.get(a, 0), rank.get(b, 0), a, b, above, below, pair["tied"]))
    for _, _, a, b, above, below, tied in sorted(pairs):
        lines.append(f"  {a} above {b} in {percent(above, 0)} of draws, tied in "
                     f"{percent(tied, 0)}, below in {percent(below, 0)}")
    return lines


def _aligned(header: Sequence[str], rows: Sequence[Sequence[str]], left: int) -> list[str]:
    """Header, rule and rows with each column as wide as its widest cell."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) if i < left else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    head = line(header)
    return [head, "-" * len(head), *(line(r) for r in rows)]


KIND_COLUMNS = ("source", "reading", "assumption", "constant")


def kind_shares_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """How much of each scenario's P(outcome) over parameter draws each provenance kind carries.

    ``rows``: per scenario, ``scenario``, ``counts`` (values by kind), ``mean`` and
    ``sd`` of P over the draws, ``shares`` (kind, ``noise`` and ``interactions`` ->
    (share, 95% half-width); see ``experiments.drivers.kind_shares``).  A Markdown
    pipe table (it reads as plain text too); shares in percent, ``±`` the half-width;
    a dash for a kind the scenario has no value of.
    """
    def cell(share: float, conf: float) -> str:
        if not math.isfinite(share):
            return DASH
        pct = f"{share * 100:.1f}%"
        return pct if not math.isfinite(conf) else f"{pct} ± {conf * 100:.1f}"

    header = ["scenario", "values s / r / a / c", "P mean", "P sd",
              *KIND_COLUMNS, "interactions", "noise"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * 4 + "---:|" * (len(header) - 4)]
    for r in rows:
        counts = " / ".join(str(r["counts"].get(k, 0)) for k in KIND_COLUMNS)
        cells = [r["scenario"], counts, f"{r['mean']:.3f}", f"{r['sd']:.3f}",
                 *(cell(*r["shares"][k]) if r["counts"].get(k, 1) else DASH  # no value
                   for k in (*KIND_COLUMNS, "interactions", "noise"))]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
