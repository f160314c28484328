"""What the HTML report shows, as plain data for its templates (``outputs/templates/``).

Every function here turns part of a results folder (the dicts of
summary.json, manifest.json, hindcast.json, sweep files) into rows of
ready-formatted text.  No HTML is made here: the templates lay the rows out and
Jinja2 escapes every value, so a hostile scenario name or note stays text.
Optional fields that are absent (parameter draws, counts, time to talks,
tiers to come) leave their cells as a dash or their section out.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pandas as pd

from parley.outcomes import BINARY_OUTCOMES, COUNT_OUTCOMES, LABELS
from parley.outputs.figures.common import camp_colours, camp_key, camp_label, rank_order
from parley.outputs.figures.sweeps import ladder_rungs, sweep_parameters
from parley.outputs.tables import percent, percent_range, whole_if_integral
from parley.params import ladder_word

DASH = "—"
GIVEN_ENGAGED = "P(talks resume | Pyongyang engaged)"
OTHER_SHARES = [(k, LABELS[k]) for k in BINARY_OUTCOMES if k != "talks_resumed"]
COUNTS = [(k, LABELS[k]) for k in COUNT_OUTCOMES if k != "collapses"]
PATTERNS = [("first_talks_month", "First talks"), ("months_in_talks", "Months in talks"),
            ("spells", "Spells"), ("collapses", "Collapses"),
            ("tests_per_month_in_talks", "Tests/month in talks"),
            ("tests_per_month_out_of_talks", "Tests/month out of talks")]
_KNOWN_CAMPS = ("trump", "progressive", "centrist")


# --------------------------------------------------------------------------- cells


def share(cell: Mapping[str, Any] | None) -> dict[str, str] | None:
    """``{"p": "60.0%", "ci": "59.0%–61.0%"}`` of a share with its interval; None if absent."""
    if not cell or cell.get("p") is None:
        return None
    lo, hi = cell.get("lo"), cell.get("hi")
    return {"p": percent(cell["p"]),
            "ci": percent_range(lo, hi) if lo is not None and hi is not None else ""}


def pp(d: Any) -> str:
    if d is None:
        return DASH
    v = float(d) * 100
    return "0.0 pp" if abs(v) < 5e-10 else f"{v:+.1f} pp"


def number(x: Any, digits: int = 3) -> str:
    return "n/a" if x is None else f"{float(x):.{digits}f}"


def camp(value: Any, colours: Mapping[str, str] | None = None) -> dict[str, str]:
    """A camp badge: its label, a CSS class for a known camp, else the figures' colour."""
    key = camp_key(value)
    known = key in _KNOWN_CAMPS
    colour = "" if known else (colours or camp_colours([key])).get(key, "#4d4d4d")
    label = camp_label(key).removesuffix(" camp")
    return {"label": label, "css": key if known else "other", "colour": colour}


def value_text(v: Any) -> str:
    """A stance value in words: a range is drawn per run; mappings and lists spelled out."""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, Mapping):
        return ", ".join(f"{k} = {value_text(x)}" for k, x in v.items())
    if isinstance(v, list | tuple):
        if len(v) == 2 and all(isinstance(x, int | float) and not isinstance(x, bool)
                               for x in v):
            return f"{v[0]:g} to {v[1]:g} (drawn per run)"
        return ", ".join(value_text(x) for x in v)
    return str(v)


def basis(item: Mapping[str, Any]) -> dict[str, Any]:
    """What a stance rests on: a cited source (text, section, extras, what it says),
    an assumption, or nothing."""
    src = item.get("source")
    if isinstance(src, Mapping):
        extra = [f"{k}: {v}" for k, v in src.items()
                 if k not in {"text", "section", "says"} and v is not None]
        return {"kind": "source", "text": str(src.get("text", "source")),
                "section": src.get("section") or "", "extra": extra,
                "says": src.get("says") or ""}
    if src:
        return {"kind": "source", "text": str(src), "section": "", "extra": [], "says": ""}
    if item.get("assumption"):
        return {"kind": "assumption", "text": str(item["assumption"])}
    return {"kind": "none"}


# --------------------------------------------------------------------------- results


def _median_text(tt: Mapping[str, Any], horizon: Any = None) -> str:
    """The median month of first talks; "not reached (within N months)" when under half talk."""
    med = tt.get("median")
    if med is not None:
        return f"{float(med):g} months"
    if not tt:
        return DASH
    return f"not reached within {horizon} months" if horizon else "not reached"


def _differences(d: Mapping[str, Any]) -> dict[str, str]:
    """A paired difference with its interval, and the unpaired interval, as text."""
    paired = d.get("diff_lo") is not None and d.get("diff_hi") is not None
    unpaired = d.get("unpaired_lo") is not None and d.get("unpaired_hi") is not None
    return {"diff": pp(d.get("diff")),
            "diff_ci": f"{pp(d['diff_lo'])} to {pp(d['diff_hi'])}" if paired else "",
            "unpaired": f"{pp(d['unpaired_lo'])} to {pp(d['unpaired_hi'])}" if unpaired
            else DASH}


def _ranking_row(rank: int, s: Mapping[str, Any], d: Mapping[str, Any],
                 colours: Mapping[str, str]) -> dict[str, Any]:
    name = s["name"]
    return {"rank": rank, "name": name, "title": s.get("title") or name,
            "camp": camp(s.get("camp"), colours),
            "talks": share((s.get("shares") or {}).get("talks_resumed")),
            "given": share(s.get("talks_given_engaged")),
            "median_short": _median_text(s.get("time_to_talks") or {}), **_differences(d)}


def ranked_scenarios(summary: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The scenarios of summary.json in rank order (``parley compare``'s)."""
    by_name = {s["name"]: s for s in summary.get("scenarios", [])}
    return [by_name[n] for n in rank_order(summary) if n in by_name]


def ranking(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The first table: one row per scenario, ranked by P(talks resume), descending."""
    scenarios = ranked_scenarios(summary)
    comp = summary.get("comparison") or {}
    diffs = {r.get("scenario"): r for r in comp.get("rows") or []}
    reference = comp.get("reference") if diffs else None
    colours = camp_colours(camp_key(s.get("camp")) for s in scenarios)
    rows = [_ranking_row(i, s, diffs.get(s["name"], {}), colours)
            | {"reference": s["name"] == reference} for i, s in enumerate(scenarios, start=1)]
    titles = {s["name"]: s.get("title") or s["name"] for s in scenarios}
    return {"rows": rows, "reference": reference,
            "reference_title": titles.get(reference, reference)}


def _outcome_row(s: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    shares = s.get("shares") or {}
    return {"title": s.get("title") or s["name"], "runs": f"{int(s.get('runs') or 0):,}",
            "cells": [share(shares.get(k)) for k in keys]}


def other_outcomes(summary: Mapping[str, Any], order: Sequence[str]) -> dict[str, Any]:
    """Every other yes/no outcome per scenario, in rank order."""
    by_name = {s["name"]: s for s in summary.get("scenarios", [])}
    present = {k for s in by_name.values() for k in s.get("shares") or {}}
    keys = [(k, label) for k, label in OTHER_SHARES if k in present]
    return {"headers": [label for _, label in keys],
            "rows": [_outcome_row(by_name[n], [k for k, _ in keys]) for n in order
                     if n in by_name]}


def _count_cell(c: Mapping[str, Any] | None) -> dict[str, str] | None:
    if not c or c.get("mean") is None:
        return None
    return {"p": f"{float(c['mean']):.1f}",
            "ci": f"{whole_if_integral(c.get('q10'))}–{whole_if_integral(c.get('q90'))}"}


def time_and_counts(summary: Mapping[str, Any], order: Sequence[str]) -> dict[str, Any]:
    """Median time to first talks, share never talking, per-run counts; in rank order."""
    by_name = {s["name"]: s for s in summary.get("scenarios", [])}
    rows = []
    for n in (n for n in order if n in by_name):
        s = by_name[n]
        tt = s.get("time_to_talks") or {}
        surv = tt.get("survival") or []
        rows.append({"title": s.get("title") or n,
                     "median": _median_text(tt, summary.get("horizon")),
                     "never": percent(surv[-1]) if surv else DASH,
                     "counts": [_count_cell((s.get("counts") or {}).get(k)) for k, _ in COUNTS]})
    return {"headers": [label for _, label in COUNTS], "rows": rows}


def camps(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    """P(talks resume) per camp, highest first."""
    table = summary.get("camps") or {}
    colours = camp_colours(camp_key(c) for c in table)
    return [{"camp": camp(name, colours), "scenarios": ", ".join(c.get("scenarios") or []),
             "talks": share(c)}
            for name, c in sorted(table.items(), key=lambda kv: -float(kv[1].get("p") or 0))]


def _pair_rows(params: Mapping[str, Any], order: Sequence[str]) -> list[dict[str, str]]:
    """Every pair's ordering shares, the higher-ranked scenario first, pairs in rank order."""
    rank = {n: i for i, n in enumerate(order)}
    pairs = []
    for pair in params.get("orderings") or []:
        a, b, above, below = pair["a"], pair["b"], pair["above"], pair["below"]
        if rank.get(a, 0) > rank.get(b, 0):
            a, b, above, below = b, a, below, above
        pairs.append(((rank.get(a, 0), rank.get(b, 0)),
                      {"pair": f"{a} vs {b}", "above": percent(above, 0),
                       "tied": percent(pair.get("tied"), 0), "below": percent(below, 0)}))
    return [row for _, row in sorted(pairs, key=lambda p: p[0])]


def _spread_cell(c: Mapping[str, Any]) -> dict[str, Any]:
    return {"mc": share({"p": c.get("mean"), "lo": c.get("mc_lo"), "hi": c.get("mc_hi")}),
            "draws": percent_range(c.get("param_lo"), c.get("param_hi"))
            if c.get("param_lo") is not None else DASH}


def parameter_uncertainty(summary: Mapping[str, Any], order: Sequence[str],
                          titles: Mapping[str, str]) -> dict[str, Any] | None:
    """Monte Carlo beside parameter intervals per scenario, and the pairwise ordering shares."""
    params = summary.get("parameter_uncertainty")
    if not params:
        return None
    cells = params.get("scenarios") or {}
    rows = []
    for n in order:
        c = cells.get(n) or {}
        talks, given = c.get("talks_resumed") or {}, c.get("talks_given_engaged") or {}
        rows.append({"title": titles.get(n, n), "talks": _spread_cell(talks),
                     "given": _spread_cell(given), "noise": percent(talks.get("mc_share"))})
    worlds = params.get("worlds")
    return {"draws": params.get("draws"), "source": params.get("source") or "",
            "worlds": f"{int(worlds):,}" if worlds is not None else "the same",
            "rows": rows, "pairs": _pair_rows(params, order)}


def results(summary: Mapping[str, Any]) -> dict[str, Any]:
    """Everything the Results section shows."""
    order = [r["name"] for r in ranking(summary)["rows"]]
    titles = {s["name"]: s.get("title") or s["name"] for s in summary.get("scenarios", [])}
    return {"ranking": ranking(summary), "other": other_outcomes(summary, order),
            "time": time_and_counts(summary, order), "camps": camps(summary),
            "params": parameter_uncertainty(summary, order, titles),
            "level": f"{float(summary.get('level') or 0.95) * 100:g}%"}


# --------------------------------------------------------------------------- hindcast


def _term_row(r: Mapping[str, Any]) -> dict[str, Any]:
    happened = "yes" if r.get("observed_talks") else ("not yet" if r.get("censored") else "no")
    first, real = r.get("median_first_talks_month"), r.get("observed_first_talks_month")
    return {"title": r.get("title") or r.get("scenario"), "start": r.get("start") or "",
            "p": share({"p": r.get("p_talks"), "lo": r.get("lo"), "hi": r.get("hi")}),
            "new_spell": _new_spell(r),
            "happened": happened,
            "first": f"{'–' if first is None else int(first)} / {'–' if real is None else real}",
            "tests": f"{r.get('sim_tests_q50')} ({r.get('sim_tests_q10')}–"
                     f"{r.get('sim_tests_q90')})",
            "real_tests": f"{r.get('observed_tests')}{' (to date)' if r.get('censored') else ''}"}


def _new_spell(r: Mapping[str, Any]) -> str:
    """P(a new spell begins in the term) and, with parameter draws, its interval over them."""
    p, lo, hi = r.get("p_new_spell"), r.get("new_spell_param_lo"), r.get("new_spell_param_hi")
    if p is None:
        return "–"
    drawn = "" if lo is None or hi is None else f" (over draws {lo:.3f}–{hi:.3f})"
    return f"{p:.3f}{drawn}"


def _scores(h: Mapping[str, Any]) -> list[list[str]]:
    month, rolling = h.get("month") or {}, h.get("rolling") or {}
    lines = [("Term level, Brier", h.get("brier_model"), h.get("brier_naive_loo"),
              h.get("brier_coin")),
             ("Term level, log loss (nats)", h.get("log_model"), h.get("log_naive_loo"),
              h.get("log_coin")),
             ("Month level, Brier (vs climatology)", month.get("brier_model"),
              month.get("brier_climatology"), None),
             ("Month level, log loss (vs climatology)", month.get("log_model"),
              month.get("log_climatology"), None),
             ("Rolling origins, Brier", rolling.get("brier_model"),
              rolling.get("brier_base_rate"), rolling.get("brier_coin")),
             ("Rolling origins, log loss", rolling.get("log_model"),
              rolling.get("log_base_rate"), rolling.get("log_coin"))]
    return [[name, number(m), number(b), number(c)] for name, m, b, c in lines]


def _live(lv: Mapping[str, Any]) -> dict[str, str]:
    return {"title": lv.get("title") or lv.get("scenario") or "",
            "months": str(lv.get("months_observed")),
            "so_far": "talks" if lv.get("talks_so_far") else "no talks",
            "tests": str(lv.get("tests_so_far")), "p": percent(lv.get("p")),
            "ci": percent_range(lv.get("lo"), lv.get("hi")),
            "ess": f"{float(lv.get('ess') or 0):.0f}", "worlds": str(lv.get("worlds")),
            "at_start": percent(lv.get("p_at_start"))}


def _pattern_row(r: Mapping[str, Any]) -> dict[str, Any]:
    patterns = r.get("patterns") or {}
    return {"term": r.get("scenario"),
            "cells": [number((patterns.get(k) or {}).get("quantile"), 2) for k, _ in PATTERNS]}


def hindcast(h: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Every term beside the record (``parley hindcast``): terms, scores, patterns, live."""
    if not h:
        return None
    rows = h.get("rows") or []
    return {"runs": h.get("runs"), "seed": h.get("seed"), "last": h.get("panel_last_month"),
            "terms": [_term_row(r) for r in rows], "scores": _scores(h),
            "n_terms": h.get("n_terms"), "n_censored": h.get("n_censored"),
            "n_months": (h.get("month") or {}).get("n_months", "n/a"),
            "n_rolling": (h.get("rolling") or {}).get("n", "n/a"),
            "pattern_headers": [label for _, label in PATTERNS],
            "patterns": [_pattern_row(r) for r in rows],
            "live": [_live(lv) for lv in h.get("live") or []]}


# --------------------------------------------------------------------------- sweeps


def _design_value(path: str, x: Any) -> str:
    """A swept value: its rung's name for a ladder stance, else the number."""
    if ladder_rungs(path) and x is not None and not pd.isna(x):
        return ladder_word(float(x)).replace("_", " ")
    return f"{float(x):.4g}"


def _sweep_ranges(points: pd.DataFrame, sweep: Mapping[str, Any],
                  params: list[str]) -> list[list[str]]:
    ranges = {p["path"]: p for p in sweep.get("parameters") or [] if isinstance(p, Mapping)}
    return [[p, _design_value(p, ranges.get(p, {}).get("low", points[p].min())),
             _design_value(p, ranges.get(p, {}).get("high", points[p].max()))] for p in params]


def _top_points(points: pd.DataFrame, params: list[str]) -> list[dict[str, Any]]:
    rows = []
    for _, r in points.sort_values("p_talks", ascending=False).head(10).iterrows():
        lo, hi = r.get("p_talks_lo"), r.get("p_talks_hi")
        row = {"point": whole_if_integral(r.get("point")),
               "cells": [_design_value(p, r[p]) for p in params],
               "talks": share({"p": r["p_talks"], "lo": lo, "hi": hi})}
        if "p_talks_param_lo" in points.columns:  # the interval over parameter draws
            row["draws"] = percent_range(r["p_talks_param_lo"], r["p_talks_param_hi"])
        rows.append(row)
    return rows


def _sensitivity_rows(sens: Mapping[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    if str(sens.get("method", "")).lower() == "sobol":
        cols = [("S1", "S1_conf", "First order S1"), ("ST", "ST_conf", "Total ST")]
    else:
        cols = [("mu_star", "mu_star_conf", "μ*"), ("sigma", None, "σ")]

    def cell(key: str, conf: str | None, i: int) -> str:
        v = (sens.get(key) or [None] * (i + 1))[i]
        c = (sens.get(conf) or [None] * (i + 1))[i] if conf else None
        return (DASH if v is None else f"{float(v):.3f}") + (
            f" ± {float(c):.3f}" if c is not None else "")

    rows = [{"path": p, "cells": [cell(k, c, i) for k, c, _ in cols]}
            for i, p in enumerate(sens["parameters"])]
    return [h for *_, h in cols], rows


def _boxes(boxes: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not boxes or not boxes.get("boxes"):
        return None
    rows = [{"coverage": percent(b.get("coverage"), 0), "density": percent(b.get("density"), 0),
             "limits": [f"{k} in [{float(v[0]):.3g}, {float(v[1]):.3g}]"
                        for k, v in (b.get("limits") or {}).items()]}
            for b in boxes["boxes"]]
    return {"threshold": percent(boxes.get("threshold"), 0), "rows": rows}


def _sweep_meta(spec: Mapping[str, Any], n_points: int) -> str:
    """One line on the design: method, runs per point, points, parameter draws."""
    meta = [f"design: {spec['method']}" if spec.get("method") else "",
            f"{int(spec['runs_per_point']):,} runs per point" if spec.get("runs_per_point")
            else "", f"{n_points:,} points",
            f"{int(spec['parameter_draws'])} parameter draws x "
            f"{int(spec['worlds_per_draw']):,} worlds, the same at every point"
            if spec.get("parameter_draws") and spec.get("worlds_per_draw") else ""]
    return " · ".join(m for m in meta if m)


def sweep(res: Mapping[str, Any]) -> dict[str, Any] | None:
    """The design, its best points, sensitivity indices and discovery boxes."""
    points = res.get("points")
    if points is None:
        return None
    spec = res.get("sweep") or {}
    params = sweep_parameters(points, spec)
    sens = res.get("sensitivity")
    headers, sens_rows = _sensitivity_rows(sens) if sens and sens.get("parameters") else ([], [])
    return {"meta": _sweep_meta(spec, len(points)), "params": params,
            "ranges": _sweep_ranges(points, spec, params),
            "top": _top_points(points, params) if "p_talks" in points.columns else [],
            "drawn": "p_talks_param_lo" in points.columns,
            "sens_method": str((sens or {}).get("method", "")).capitalize(),
            "sens_headers": headers, "sens_rows": sens_rows,
            "boxes": _boxes(res.get("boxes"))}


# --------------------------------------------------------------------------- scenarios


def _stance_rows(where: str, mapping: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for key, val in mapping.items():
        if key == "role":
            continue
        if isinstance(val, Mapping) and "value" in val:
            yield {"who": where, "key": key, "value": value_text(val["value"]),
                   "basis": basis(val)}
        elif isinstance(val, Mapping):
            yield from _stance_rows(f"{where} / {key}", val)
        else:
            yield {"who": where, "key": key, "value": value_text(val), "basis": basis({})}


def _stances(res: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for where_key, label in (("world", "World"), ("shocks", "Shocks")):
        rows += _stance_rows(label, res.get(where_key) or {})
    for actor, params in (res.get("actors") or {}).items():
        role = params.get("role") if isinstance(params, Mapping) else None
        where = f"{actor} ({role})" if role and role != actor else str(actor)
        rows += _stance_rows(where, params if isinstance(params, Mapping) else {})
    return rows


def _scenario_meta(entry: Mapping[str, Any], res: Mapping[str, Any]) -> list[str]:
    hz = res.get("horizon") or {}
    meta = [f"file {entry['file']}" if entry.get("file") else "",
            f"hash {str(entry['hash'])[:23]}…" if entry.get("hash") else "",
            f"from {hz.get('start')} for {hz.get('months')} months" if hz else ""]
    return [m for m in meta if m]


def _events(res: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"month": ev.get("month"), "actor": ev.get("actor"),
             "sets": value_text(ev.get("set") or {}), "note": ev.get("note", ""),
             "basis": basis(ev)} for ev in res.get("events") or []]


def _scenario(entry: Mapping[str, Any], colours: Mapping[str, str]) -> dict[str, Any]:
    res = entry.get("resolved") or {}
    name = entry.get("name") or res.get("name", "")
    stances = _stances(res)
    kinds = [r["basis"]["kind"] for r in stances]
    return {"name": name, "title": res.get("title") or name,
            "camp": camp(res.get("camp"), colours),
            "description": res.get("description") or "", "meta": _scenario_meta(entry, res),
            "stances": stances, "events": _events(res),
            "cited": kinds.count("source"), "assumed": kinds.count("assumption")}


def scenarios(summary: Mapping[str, Any] | None, manifest: Mapping[str, Any] | None
              ) -> dict[str, Any]:
    """The resolved scenarios of the manifest, in rank order; names only without it."""
    entries = list((manifest or {}).get("scenarios") or [])
    order = {n: i for i, n in enumerate(rank_order(summary or {}))}
    entries.sort(key=lambda e: order.get(e.get("name"), len(order)))
    colours = camp_colours(camp_key((e.get("resolved") or {}).get("camp")) for e in entries)
    names = [{"name": s["name"], "title": s.get("title") or s["name"],
              "camp": camp(s.get("camp"))} for s in (summary or {}).get("scenarios", [])]
    return {"entries": [_scenario(e, colours) for e in entries], "names": names}


def manifest_facts(manifest: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The reproduction command, the run's facts and versions, the scenario files."""
    if not manifest:
        return None
    facts = [("Master seed", manifest.get("master_seed")), ("Runs", manifest.get("runs")),
             ("Parallel jobs", manifest.get("jobs")), ("Started", manifest.get("started")),
             ("Finished", manifest.get("finished")),
             ("Git commit", manifest.get("git_commit") or "not recorded (not a git checkout)")]
    facts = [(k, v) for k, v in facts if v is not None]
    facts += [(f"Version of {k}", v) for k, v in (manifest.get("versions") or {}).items()]
    files = [(s.get("name"), s.get("file"), s.get("hash"))
             for s in manifest.get("scenarios") or []]
    return {"command": manifest.get("command"), "facts": facts, "files": files}
