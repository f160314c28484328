"""A single self-contained HTML report of a parley results directory.

:func:`write_report` writes ``results_dir/report.html``: the question the tool
answers, the scenarios with the stance each parameter takes and the source it
cites, the summary tables, every figure (embedded as base64 PNG data URIs), the
run manifest and the one command that reproduces it.  The page has inline CSS
only: no scripts, fonts, style sheets or images are loaded from anywhere, so it
renders without a network.
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Iterable, Mapping
from html import escape
from pathlib import Path
from typing import Any

from parley.outcomes import BINARY_OUTCOMES, COUNT_OUTCOMES, LABELS
from parley.outputs.figures import (
    DPI,
    figure_plan,
    load_results,
    sweep_parameters,
)
from parley.outputs.tables import percent, whole_if_integral
from parley.results.store import atomic_open

__all__ = ["render_report", "write_report"]

_CAMP_LABELS = {"trump": "Trump", "progressive": "Progressive", "centrist": "Centrist"}
_SHARES = [(k, LABELS[k]) for k in BINARY_OUTCOMES]
_GIVEN_ENGAGED = "P(talks resume | Pyongyang engaged)"
_COUNTS = [(k, LABELS[k]) for k in COUNT_OUTCOMES if k != "collapses"]

_CSS = """
:root { color-scheme: light; }
body { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       max-width: 1180px; margin: 2rem auto; padding: 0 1.2rem; color: #1a1a1a;
       line-height: 1.45; background: #fff; }
h1 { font-size: 1.75rem; margin-bottom: .2rem; }
h2 { font-size: 1.3rem; border-bottom: 2px solid #e3e3e3; padding-bottom: .25rem;
     margin-top: 2.4rem; }
h3 { font-size: 1.08rem; margin: 1.6rem 0 .3rem; }
p.lead { font-size: 1.08rem; color: #333; }
.muted { color: #666; font-size: .9rem; }
nav ul { columns: 2; padding-left: 1.2rem; }
table { border-collapse: collapse; margin: .6rem 0 1.2rem; font-size: .88rem; width: 100%; }
th, td { border-bottom: 1px solid #e5e5e5; padding: .32rem .5rem; text-align: left;
         vertical-align: top; }
th { background: #f5f5f5; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td small, .ci { color: #666; }
tr.reference td { background: #fafaf0; }
figure { margin: 1.4rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #444; font-size: .9rem; margin-top: .3rem; }
code, pre { font-family: "SFMono-Regular", Menlo, Consolas, monospace; font-size: .86rem; }
pre { background: #f6f8fa; padding: .7rem .9rem; overflow-x: auto; border-radius: 4px; }
.camp { display: inline-block; padding: 0 .45rem; border-radius: .7rem; color: #fff;
        font-size: .78rem; }
.camp-trump { background: #b2182b; } .camp-progressive { background: #2166ac; }
.camp-centrist { background: #762a83; } .camp-other { background: #4d4d4d; }
.basis-source { color: #14532d; } .basis-assumption { color: #7c2d12; }
.scenario { border-left: 4px solid #ddd; padding-left: 1rem; margin: 1.6rem 0; }
"""


# --------------------------------------------------------------------------- formatting


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _pct(p: Any, digits: int = 1) -> str:
    return percent(p, digits)  # a non-zero share never shows as 0.0%


def _pp(d: Any) -> str:
    if d is None:
        return "—"
    v = float(d) * 100
    return "0.0 pp" if abs(v) < 5e-10 else f"{v:+.1f} pp"


def _share_cell(share: Mapping[str, Any] | None) -> str:
    if not share:
        return '<td class="num">—</td>'
    ci = ""
    if share.get("lo") is not None and share.get("hi") is not None:
        ci = f'<br><small>{_pct(share["lo"])}–{_pct(share["hi"])}</small>'
    return f'<td class="num">{_pct(share.get("p"))}{ci}</td>'


def _camp_badge(camp: Any) -> str:
    key = str(camp or "other").lower()
    css = key if key in _CAMP_LABELS else "other"
    label = _CAMP_LABELS.get(key, str(camp) if camp else "Other")
    return f'<span class="camp camp-{css}">{_e(label)}</span>'


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, list | tuple) and len(v) == 2 and all(
            isinstance(x, int | float) and not isinstance(x, bool) for x in v):
        return f"{v[0]:g} to {v[1]:g} (drawn per run)"
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, Mapping):
        return ", ".join(f"{k} = {_value(x)}" for k, x in v.items())
    if isinstance(v, list | tuple):
        return ", ".join(_value(x) for x in v)
    return str(v)


def _basis(item: Mapping[str, Any]) -> str:
    """HTML for the source a stance cites, or the assumption it rests on."""
    src = item.get("source")
    if isinstance(src, Mapping):
        parts = [f"<strong>{_e(src.get('text', 'source'))}</strong>"]
        if src.get("section"):
            parts.append(f"§ “{_e(src['section'])}”")
        extra = [f"{_e(k)}: {_e(v)}" for k, v in src.items()
                 if k not in {"text", "section", "says"} and v is not None]
        parts.extend(extra)
        says = f": “{_e(src['says'])}”" if src.get("says") else ""
        return f'<span class="basis-source">Source: {", ".join(parts)}{says}</span>'
    if src:
        return f'<span class="basis-source">Source: {_e(src)}</span>'
    if item.get("assumption"):
        return f'<span class="basis-assumption">Assumption: {_e(item["assumption"])}</span>'
    return '<span class="muted">—</span>'


def _stance_rows(where: str, mapping: Mapping[str, Any]) -> Iterable[tuple[str, str, Any, str]]:
    for key, val in mapping.items():
        if key == "role":
            continue
        if isinstance(val, Mapping) and "value" in val:
            yield where, key, val["value"], _basis(val)
        elif isinstance(val, Mapping):
            yield from _stance_rows(f"{where} / {key}", val)
        else:
            yield where, key, val, '<span class="muted">—</span>'


def _table(headers: list[str], rows: list[str], num: Iterable[int] = ()) -> str:
    num = set(num)
    head = "".join(f'<th{" class=num" if i in num else ""}>{_e(h)}</th>'
                   for i, h in enumerate(headers))
    return (f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


# --------------------------------------------------------------------------- sections


def _question(summary: Mapping[str, Any] | None, manifest: Mapping[str, Any] | None) -> str:
    horizon = (summary or {}).get("horizon")
    start = (summary or {}).get("start")
    runs = (manifest or {}).get("runs")
    when = f" within {_e(horizon)} months" if horizon else ""
    since = f" of an administration taking office in {_e(start)}" if start else ""
    runs_txt = f"{int(runs):,} " if isinstance(runs, int) else ""
    return (
        '<p class="lead"><strong>The question:</strong> how often do talks between the United '
        f"States and North Korea resume{when}{since}, under a given US administration? "
        "parley answers it by simulation: each scenario sets the stance of Washington, "
        "Pyongyang, Beijing and Seoul from what expert texts say that administration would do, "
        f"and the model is run {runs_txt}times with different random draws. The share of runs "
        "in which talks resume estimates the chance, with a confidence interval for the "
        "simulation noise (not for the uncertainty of the stances themselves).</p>"
    )


def _summary_tables(summary: Mapping[str, Any]) -> str:
    scen = summary.get("scenarios", [])
    level = float(summary.get("level", 0.95))
    titles = {s["name"]: s.get("title") or s["name"] for s in scen}
    out = ['<h2 id="results">Results</h2>']
    out.append(f"<h3>Outcomes per scenario</h3><p class='muted'>Share of runs in which each "
               f"outcome happened within the horizon, with {level * 100:g}% Wilson intervals."
               "</p>")
    rows = []
    for s in scen:
        shares = s.get("shares", {})
        cells = "".join(_share_cell(shares.get(k)) for k, _ in _SHARES)
        rows.append(f"<tr><td>{_e(titles[s['name']])}<br><code>{_e(s['name'])}</code></td>"
                    f"<td>{_camp_badge(s.get('camp'))}</td>"
                    f"<td class='num'>{int(s.get('runs', 0)):,}</td>"
                    f"{_share_cell(s.get('talks_given_engaged'))}{cells}</tr>")
    out.append(_table(["Scenario", "Camp", "Runs", _GIVEN_ENGAGED, *[h for _, h in _SHARES]],
                      rows, num=range(2, 4 + len(_SHARES))))

    given = {s["name"]: s.get("talks_given_engaged") for s in scen}
    comp = summary.get("comparison")
    if comp and comp.get("rows"):
        ref = comp.get("reference")
        out.append(f"<h3>Ranked comparison</h3><p class='muted'>Scenarios ranked by the chance "
                   f"that talks resume; differences are against the reference scenario "
                   f"<strong>{_e(titles.get(ref, ref))}</strong>, with paired "
                   f"{level * 100:g}% intervals (runs share random seeds across scenarios) "
                   "and, for comparison, unpaired ones.</p>")
        rows = []
        for i, r in enumerate(comp["rows"], start=1):
            is_ref = r.get("scenario") == ref
            diff = ("reference" if is_ref else
                    f"{_pp(r.get('diff'))}<br><small>{_pp(r.get('diff_lo'))} to "
                    f"{_pp(r.get('diff_hi'))}</small>")
            unpaired = ("—" if is_ref or r.get("unpaired_lo") is None else
                        f"{_pp(r.get('unpaired_lo'))} to {_pp(r.get('unpaired_hi'))}")
            rows.append(
                f"<tr{' class=reference' if is_ref else ''}><td class='num'>{i}</td>"
                f"<td>{_e(titles.get(r['scenario'], r['scenario']))}</td>"
                f"<td>{_camp_badge(r.get('camp'))}</td>{_share_cell(r)}"
                f"{_share_cell(given.get(r['scenario']))}"
                f"<td class='num'>{diff}</td><td class='num'>{unpaired}</td></tr>")
        out.append(_table(["Rank", "Scenario", "Camp", "P(talks resume)", _GIVEN_ENGAGED,
                           "Difference (paired interval)", "Unpaired interval"], rows,
                          num=[0, 3, 4, 5, 6]))
    if summary.get("parameter_uncertainty"):
        out.append(_parameter_section(summary["parameter_uncertainty"], titles,
                                      [r["scenario"] for r in (comp or {}).get("rows", [])]
                                      or list(titles)))

    horizon = summary.get("horizon")
    rows = []
    for s in scen:
        tt = s.get("time_to_talks") or {}
        med = tt.get("median")
        med_txt = (f"not reached within {_e(horizon)} months" if med is None and horizon
                   else ("—" if med is None else f"{float(med):g} months"))
        surv = tt.get("survival") or []
        still = _pct(surv[-1]) if surv else "—"
        cells = []
        for key, _ in _COUNTS:
            c = (s.get("counts") or {}).get(key)
            if c:
                cells.append(f"<td class='num'>{float(c.get('mean', float('nan'))):.1f}<br>"
                             f"<small>{_e(c.get('q10'))}–{_e(c.get('q90'))}</small></td>")
            else:
                cells.append("<td class='num'>—</td>")
        rows.append(f"<tr><td>{_e(titles[s['name']])}</td><td class='num'>{med_txt}</td>"
                    f"<td class='num'>{still}</td>{''.join(cells)}</tr>")
    out.append("<h3>Time to first talks, and what happens along the way</h3>"
               "<p class='muted'>Median months from inauguration to the first talks "
               "(Kaplan–Meier), the share of runs with no talks by the horizon, and per-run "
               "counts: mean, with the 10th–90th percentile range below.</p>")
    out.append(_table(["Scenario", "Median time to first talks",
                       "No talks by horizon", *[h for _, h in _COUNTS]], rows,
                      num=range(1, 3 + len(_COUNTS))))
    return "\n".join(out)


def _parameter_section(params: Mapping[str, Any], titles: Mapping[str, str],
                       order: list[str]) -> str:
    """Monte Carlo beside parameter intervals per scenario, and the pairwise ordering shares."""
    out = [f"<h3>Parameter uncertainty</h3><p class='muted'>{int(params['draws'])} parameter "
           f"draws from the {_e(params['source'])}, each run on the same "
           f"{int(params['worlds']):,} worlds (common random numbers). The Monte Carlo "
           "interval is the noise of the runs; the interval over draws (2.5th–97.5th "
           "percentile of the per-draw shares) is what the uncertain values allow; the "
           "noise share is how much of that spread Monte Carlo noise explains.</p>"]
    rows = []
    for name in order:
        cells = params["scenarios"].get(name, {})
        row = f"<td>{_e(titles.get(name, name))}</td>"
        for key in ("talks_resumed", "talks_given_engaged"):
            c = cells.get(key) or {}
            row += (_share_cell({"p": c.get("mean"), "lo": c.get("mc_lo"),
                                 "hi": c.get("mc_hi")} if c else None)
                    + (f"<td class='num'>{_pct(c.get('param_lo'))}–{_pct(c.get('param_hi'))}"
                       "</td>" if c else "<td class='num'>—</td>"))
        share = (cells.get("talks_resumed") or {}).get("mc_share")
        row += f"<td class='num'>{_pct(share)}</td>"
        rows.append(f"<tr>{row}</tr>")
    out.append(_table(["Scenario", "P(talks resume), Monte Carlo interval", "over draws",
                       _GIVEN_ENGAGED + ", Monte Carlo interval", "over draws",
                       "Noise share of P(talks) spread"], rows, num=range(1, 6)))
    rank = {n: i for i, n in enumerate(order)}
    rows = []
    for pair in sorted(params.get("orderings", []),
                       key=lambda q: sorted((rank.get(q["a"], 0), rank.get(q["b"], 0)))):
        a, b, above, below = pair["a"], pair["b"], pair["above"], pair["below"]
        if rank.get(a, 0) > rank.get(b, 0):
            a, b, above, below = b, a, below, above
        rows.append(f"<tr><td>{_e(a)} vs {_e(b)}</td><td class='num'>{_pct(above, 0)}</td>"
                    f"<td class='num'>{_pct(pair['tied'], 0)}</td>"
                    f"<td class='num'>{_pct(below, 0)}</td></tr>")
    if rows:
        out.append("<p class='muted'>Share of parameter draws in which the first scenario's "
                   "P(talks resume) is above, tied with (within the draw's paired 95% noise) "
                   "or below the second's.</p>")
        out.append(_table(["Pair", "Above", "Tied", "Below"], rows, num=[1, 2, 3]))
    return "\n".join(out)


def _camps_section(summary: Mapping[str, Any]) -> str:
    """P(talks resume) per camp: the equal-weight average of the camp's scenarios."""
    camps = summary.get("camps") or {}
    if not camps:
        return ""
    rows = []
    for camp, c in sorted(camps.items(), key=lambda kv: -kv[1]["p"]):
        names = ", ".join(c.get("scenarios", []))
        rows.append(f"<tr><td>{_camp_badge(camp)}</td><td>{_e(names)}</td>"
                    f"{_share_cell(c)}</tr>")
    return ("<h3>By camp</h3><p class='muted'>Equal-weight average of each camp's scenarios; "
            "the 95% interval is built from the per-run camp average, because the scenarios "
            "share seeds (common random numbers).</p>"
            + _table(["Camp", "Scenarios", "P(talks resume)"], rows, num=[2]))


_PATTERNS = [("first_talks_month", "First talks"), ("months_in_talks", "Months in talks"),
             ("spells", "Spells"), ("collapses", "Collapses"),
             ("tests_per_month_in_talks", "Tests/month in talks"),
             ("tests_per_month_out_of_talks", "Tests/month out of talks")]


def _num(x: Any, digits: int = 3) -> str:
    return "n/a" if x is None else f"{float(x):.{digits}f}"


def _hindcast_terms(hindcast: Mapping[str, Any]) -> str:
    rows = []
    for r in hindcast["rows"]:
        share = {"p": r["p_talks"], "lo": r["lo"], "hi": r["hi"]}
        happened = "yes" if r["observed_talks"] else ("not yet" if r["censored"] else "no")
        first = r.get("median_first_talks_month")
        real_first = r.get("observed_first_talks_month")
        rows.append(f"<tr><td>{_e(r['title'])}</td><td>{_e(r['start'])}</td>"
                    f"{_share_cell(share)}<td>{_e(happened)}</td>"
                    f"<td class=num>{_e('–' if first is None else int(first))} / "
                    f"{_e('–' if real_first is None else real_first)}</td>"
                    f"<td class=num>{_e(r['sim_tests_q50'])} ({_e(r['sim_tests_q10'])}–"
                    f"{_e(r['sim_tests_q90'])})</td><td class=num>{_e(r['observed_tests'])}"
                    f"{' (to date)' if r['censored'] else ''}</td></tr>")
    return _table(["Term", "Start", "Simulated P(talks in term)", "Talks happened",
                   "First month of talks, simulated median / real",
                   "Missile tests, simulated median (10–90%)", "Real tests"], rows,
                  num=[2, 4, 5, 6])


def _hindcast_scores(hindcast: Mapping[str, Any]) -> str:
    month, rolling = hindcast.get("month") or {}, hindcast.get("rolling") or {}
    lines = [("Term level, Brier", hindcast.get("brier_model"), hindcast.get("brier_naive_loo"),
              hindcast.get("brier_coin")),
             ("Term level, log loss (nats)", hindcast.get("log_model"),
              hindcast.get("log_naive_loo"), hindcast.get("log_coin")),
             ("Month level, Brier (vs climatology)", month.get("brier_model"),
              month.get("brier_climatology"), None),
             ("Month level, log loss (vs climatology)", month.get("log_model"),
              month.get("log_climatology"), None),
             ("Rolling origins, Brier", rolling.get("brier_model"),
              rolling.get("brier_base_rate"), rolling.get("brier_coin")),
             ("Rolling origins, log loss", rolling.get("log_model"),
              rolling.get("log_base_rate"), rolling.get("log_coin"))]
    rows = [f"<tr><td>{_e(name)}</td><td class=num>{_num(m)}</td><td class=num>{_num(b)}</td>"
            f"<td class=num>{_num(c)}</td></tr>" for name, m, b, c in lines]
    note = (f"<p>{_e(hindcast.get('n_terms'))} completed terms scored "
            f"({_e(hindcast.get('n_censored'))} censored term kept apart); "
            f"{_e(month.get('n_months', 'n/a'))} months; {_e(rolling.get('n', 'n/a'))} "
            "rolling-origin forecasts. Lower is better for both scores. The reference is the "
            "leave-one-out base rate at term level and for rolling origins, climatology at "
            "month level; see docs/VALIDATION.md.</p>")
    return _table(["Score", "Model", "Base rate or climatology", "Coin flip"], rows,
                  num=[1, 2, 3]) + note


def _hindcast_patterns(hindcast: Mapping[str, Any]) -> str:
    rows = []
    for r in hindcast["rows"]:
        pats = r.get("patterns") or {}
        cells = "".join(f"<td class=num>{_num((pats.get(k) or {}).get('quantile'), 2)}</td>"
                        for k, _ in _PATTERNS)
        rows.append(f"<tr><td>{_e(r['scenario'])}</td>{cells}</tr>")
    return ("<h3>Patterns: quantile of the record among the simulated worlds</h3>"
            + _table(["Term"] + [label for _, label in _PATTERNS], rows,
                     num=range(1, len(_PATTERNS) + 1)))


def _hindcast_live(hindcast: Mapping[str, Any]) -> str:
    out = []
    for lv in hindcast.get("live") or []:
        out.append(f"<p>Live forecast, {_e(lv['title'])}: P(talks in the rest of the term | "
                   f"record of {_e(lv['months_observed'])} months: "
                   f"{'talks' if lv['talks_so_far'] else 'no talks'}, "
                   f"{_e(lv['tests_so_far'])} missile tests) = {_pct(lv['p'])} "
                   f"[{_pct(lv['lo'])}–{_pct(lv['hi'])}] "
                   f"(effective sample {float(lv['ess']):.0f} of {_e(lv['worlds'])} worlds; "
                   f"{_pct(lv['p_at_start'])} at the start of the term).</p>")
    return "".join(out)


def _hindcast_section(hindcast: Mapping[str, Any] | None) -> str:
    """Every term beside the record (``parley hindcast``): terms, scores, patterns, live."""
    if not hindcast:
        return ""
    head = (f"<p>{_e(hindcast.get('runs'))} simulated worlds per term, master seed "
            f"{_e(hindcast.get('seed'))}, record to {_e(hindcast.get('panel_last_month'))}."
            "</p>")
    return ('<h2 id="hindcast">Hindcast against the record</h2>' + head
            + _hindcast_terms(hindcast) + "<h3>Scores</h3>" + _hindcast_scores(hindcast)
            + _hindcast_patterns(hindcast) + _hindcast_live(hindcast))


def _sweep_section(results: Mapping[str, Any]) -> str:
    points = results.get("points")
    if points is None:
        return ""
    sweep = results.get("sweep") or {}
    params = sweep_parameters(points, sweep)
    out = ['<h2 id="sweep">Parameter sweep</h2>']
    ranges = {p["path"]: p for p in sweep.get("parameters", []) if isinstance(p, Mapping)}
    rows = [f"<tr><td><code>{_e(p)}</code></td>"
            f"<td class='num'>{_e(ranges.get(p, {}).get('low', points[p].min()))}</td>"
            f"<td class='num'>{_e(ranges.get(p, {}).get('high', points[p].max()))}</td></tr>"
            for p in params]
    meta = []
    if sweep.get("method"):
        meta.append(f"design: {_e(sweep['method'])}")
    if sweep.get("runs_per_point"):
        meta.append(f"{int(sweep['runs_per_point']):,} runs per point")
    meta.append(f"{len(points):,} points")
    out.append(f"<p class='muted'>{' · '.join(meta)}</p>")
    out.append(_table(["Swept parameter", "Low", "High"], rows, num=[1, 2]))
    if "p_talks" in points.columns:
        top = points.sort_values("p_talks", ascending=False).head(10)
        rows = []
        for _, r in top.iterrows():
            vals = "".join(f"<td class='num'>{float(r[p]):.4g}</td>" for p in params)
            ci = ""
            if "p_talks_lo" in r and "p_talks_hi" in r:
                ci = f"<br><small>{_pct(r['p_talks_lo'])}–{_pct(r['p_talks_hi'])}</small>"
            rows.append(f"<tr><td class='num'>{_e(whole_if_integral(r.get('point')))}</td>{vals}"
                        f"<td class='num'>{_pct(r['p_talks'])}{ci}</td></tr>")
        out.append("<h3>Design points with the highest chance of talks</h3>")
        out.append(_table(["Point", *params, "P(talks resume)"], rows,
                          num=range(len(params) + 2)))
    sens = results.get("sensitivity")
    if sens and sens.get("parameters"):
        method = str(sens.get("method", "")).lower()
        out.append(f"<h3>Sensitivity ({_e(method.capitalize())})</h3>")
        if method == "sobol":
            cols = [("S1", "S1_conf", "First order S1"), ("ST", "ST_conf", "Total ST")]
        else:
            cols = [("mu_star", "mu_star_conf", "μ*"), ("sigma", None, "σ")]
        rows = []
        for i, p in enumerate(sens["parameters"]):
            cells = []
            for key, conf, _ in cols:
                v = (sens.get(key) or [None] * (i + 1))[i]
                c = (sens.get(conf) or [None] * (i + 1))[i] if conf else None
                txt = "—" if v is None else f"{float(v):.3f}"
                if c is not None:
                    txt += f" <small>± {float(c):.3f}</small>"
                cells.append(f"<td class='num'>{txt}</td>")
            rows.append(f"<tr><td><code>{_e(p)}</code></td>{''.join(cells)}</tr>")
        out.append(_table(["Parameter", *[h for *_, h in cols]], rows, num=[1, 2]))
    boxes = results.get("boxes")
    if boxes and boxes.get("boxes"):
        thr = boxes.get("threshold")
        out.append("<h3>Scenario discovery</h3><p class='muted'>Boxes of parameter values "
                   f"where P(talks resume) is at least {_pct(thr, 0)}; coverage is the share "
                   "of such points inside the box, density the share of the box's points "
                   "that are such points.</p>")
        rows = []
        for i, b in enumerate(boxes["boxes"], start=1):
            lims = "<br>".join(f"<code>{_e(k)}</code> in [{float(v[0]):.3g}, {float(v[1]):.3g}]"
                               for k, v in (b.get("limits") or {}).items())
            rows.append(f"<tr><td class='num'>{i}</td><td class='num'>"
                        f"{_pct(b.get('coverage'), 0)}</td><td class='num'>"
                        f"{_pct(b.get('density'), 0)}</td><td>{lims}</td></tr>")
        out.append(_table(["Box", "Coverage", "Density", "Limits"], rows, num=[0, 1, 2]))
    return "\n".join(out)


def _scenarios_section(summary: Mapping[str, Any] | None,
                       manifest: Mapping[str, Any] | None) -> str:
    out = ['<h2 id="scenarios">Scenarios, their stances and sources</h2>',
           "<p class='muted'>Each parameter's value comes either from a cited text "
           "(<span class='basis-source'>source</span>) or from a stated "
           "<span class='basis-assumption'>assumption</span>. A range means the value is "
           "drawn afresh for every run.</p>"]
    entries = list((manifest or {}).get("scenarios") or [])
    if not entries:
        out.append("<p class='muted'>manifest.json with the resolved scenarios was not found; "
                   "only names are listed.</p><ul>")
        for s in (summary or {}).get("scenarios", []):
            out.append(f"<li>{_e(s.get('title') or s['name'])} (<code>{_e(s['name'])}</code>) "
                       f"{_camp_badge(s.get('camp'))}</li>")
        out.append("</ul>")
        return "\n".join(out)
    for entry in entries:
        res = entry.get("resolved") or {}
        name = entry.get("name") or res.get("name", "")
        title = res.get("title") or name
        out.append(f'<section class="scenario" id="scenario-{_e(name)}">')
        out.append(f"<h3>{_e(title)} <code>{_e(name)}</code> {_camp_badge(res.get('camp'))}"
                   "</h3>")
        if res.get("description"):
            out.append(f"<p>{_e(res['description'])}</p>")
        meta = []
        if entry.get("file"):
            meta.append(f"file <code>{_e(entry['file'])}</code>")
        if entry.get("hash"):
            meta.append(f"hash <code>{_e(str(entry['hash'])[:23])}…</code>")
        hz = res.get("horizon") or {}
        if hz:
            meta.append(f"from {_e(hz.get('start'))} for {_e(hz.get('months'))} months")
        if meta:
            out.append(f"<p class='muted'>{' · '.join(meta)}</p>")
        rows = []
        for where_key, label in (("world", "World"), ("shocks", "Shocks")):
            for where, key, val, basis in _stance_rows(label, res.get(where_key) or {}):
                rows.append(f"<tr><td>{_e(where)}</td><td><code>{_e(key)}</code></td>"
                            f"<td>{_e(_value(val))}</td><td>{basis}</td></tr>")
        for actor, params in (res.get("actors") or {}).items():
            role = params.get("role") if isinstance(params, Mapping) else None
            where = f"{actor} ({role})" if role and role != actor else str(actor)
            for w, key, val, basis in _stance_rows(where, params or {}):
                rows.append(f"<tr><td>{_e(w)}</td><td><code>{_e(key)}</code></td>"
                            f"<td>{_e(_value(val))}</td><td>{basis}</td></tr>")
        out.append(_table(["Who", "Parameter", "Value", "Basis"], rows))
        events = res.get("events") or []
        if events:
            rows = []
            for ev in events:
                rows.append(f"<tr><td class='num'>{_e(ev.get('month'))}</td>"
                            f"<td>{_e(ev.get('actor'))}</td>"
                            f"<td>{_e(_value(ev.get('set') or {}))}</td>"
                            f"<td>{_e(ev.get('note', ''))}</td><td>{_basis(ev)}</td></tr>")
            out.append("<h4>Scheduled events</h4>")
            out.append(_table(["Month", "Actor", "Sets", "Note", "Basis"], rows, num=[0]))
        out.append("</section>")
    return "\n".join(out)


def _figures_section(figures: list[tuple[str, str, bytes]]) -> str:
    if not figures:
        return ""
    out = ['<h2 id="figures">Figures</h2>']
    for name, caption, png in figures:
        data = base64.b64encode(png).decode("ascii")
        out.append(f'<figure id="fig-{_e(name)}"><img src="data:image/png;base64,{data}" '
                   f'alt="{_e(caption)}"><figcaption>{_e(caption)}</figcaption></figure>')
    return "\n".join(out)


def _manifest_section(manifest: Mapping[str, Any] | None) -> str:
    out = ['<h2 id="reproduce">Run manifest and how to reproduce</h2>']
    if not manifest:
        out.append("<p class='muted'>manifest.json was not found in the results directory.</p>")
        return "\n".join(out)
    if manifest.get("command"):
        out.append("<p>Re-run the whole analysis with one command, from the repository root "
                   "at the commit below:</p>")
        out.append(f"<pre><code>{_e(manifest['command'])}</code></pre>")
    facts = [("Master seed", manifest.get("master_seed")), ("Runs", manifest.get("runs")),
             ("Parallel jobs", manifest.get("jobs")), ("Started", manifest.get("started")),
             ("Finished", manifest.get("finished")),
             ("Git commit", manifest.get("git_commit") or "not recorded (not a git checkout)")]
    rows = [f"<tr><th>{_e(k)}</th><td><code>{_e(v)}</code></td></tr>" for k, v in facts
            if v is not None]
    rows += [f"<tr><th>Version of {_e(k)}</th><td><code>{_e(v)}</code></td></tr>"
             for k, v in (manifest.get("versions") or {}).items()]
    out.append(f"<table><tbody>{''.join(rows)}</tbody></table>")
    files = [(s.get("name"), s.get("file"), s.get("hash")) for s in manifest.get("scenarios", [])]
    if files:
        rows = [f"<tr><td><code>{_e(n)}</code></td><td><code>{_e(f)}</code></td>"
                f"<td><code>{_e(h)}</code></td></tr>" for n, f, h in files]
        out.append(_table(["Scenario", "File", "Hash of the file"], rows))
    return "\n".join(out)


# --------------------------------------------------------------------------- figures + page


def _newest_input(results_dir: Path) -> float:
    names = ("summary.json", "points.csv", "sensitivity.json", "boxes.json", "sweep.json",
             "hindcast.json")
    times = [(results_dir / n).stat().st_mtime for n in names if (results_dir / n).is_file()]
    return max(times, default=0.0)


def _figure_pngs(results: Mapping[str, Any], results_dir: Path) -> list[tuple[str, str, bytes]]:
    """PNG bytes of every figure: a saved PNG if up to date, else drawn here.

    Saved PNGs are looked for in figures/ (``parley plot``, run, compare, sweep)
    and beside the inputs (``parley hindcast`` writes its figures there).
    """
    newest = _newest_input(results_dir)
    out = []
    for planned in figure_plan(results):
        saved = [results_dir / "figures" / f"{planned.name}.png",
                 results_dir / f"{planned.name}.png"]
        fresh = [f for f in saved if f.is_file() and f.stat().st_mtime >= newest]
        if fresh:
            png = fresh[0].read_bytes()
        else:
            buf = io.BytesIO()
            planned.make().savefig(buf, format="png", dpi=DPI, facecolor="white")
            png = buf.getvalue()  # no fig.clear(): dropping the Figure frees it
        out.append((planned.name, planned.caption, png))
    return out


def _page(title: str, body: list[str]) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
            + "\n".join(b for b in body if b) + "\n</body>\n</html>\n")


def _nav(items: list[tuple[str, str]]) -> str:
    return ("<nav><ul>" + "".join(f'<li><a href="#{a}">{_e(t)}</a></li>' for a, t in items)
            + "</ul></nav>")


def _hindcast_report(d: Path, hindcast: Mapping[str, Any],
                     figures: list[tuple[str, str, bytes]]) -> str:
    """The report of a folder written by ``parley hindcast`` (no summary.json)."""
    n = len(hindcast.get("rows", []))
    title = f"parley: hindcast of {n} US term{'s' if n != 1 else ''} against the record"
    nav = [("question", "The question"), ("hindcast", "Hindcast")]
    if figures:
        nav.append(("figures", "Figures"))
    nav.append(("reproduce", "How to reproduce"))
    question = ("<p class='lead'><strong>The question:</strong> how well does the model, run "
                "from what each administration said at the start of its term, match the record "
                "of US–DPRK talks month by month, and what does it forecast for the current "
                "term given the record so far?</p>")
    command = (f"parley hindcast --runs {hindcast.get('runs')} --seed {hindcast.get('seed')}")
    reproduce = ('<h2 id="reproduce">How to reproduce</h2><p>From the repository root:</p>'
                 f"<pre><code>{_e(command)}</code></pre>")
    return _page(title, [f"<h1>{_e(title)}</h1>",
                         f"<p class='muted'>Results directory <code>{_e(d.resolve().name)}"
                         "</code></p>", _nav(nav), '<h2 id="question">The question</h2>',
                         question, _hindcast_section(hindcast), _figures_section(figures),
                         reproduce])


def render_report(results_dir: str | os.PathLike[str]) -> str:
    """The report for ``results_dir`` as an HTML string."""
    d = Path(results_dir)
    results = load_results(d)
    summary, manifest = results.get("summary"), results.get("manifest")
    figures = _figure_pngs(results, d)
    if not summary and results.get("points") is None:
        return _hindcast_report(d, results["hindcast"], figures)
    if summary:
        n = len(summary.get("scenarios", []))
        title = f"parley: will US–DPRK talks resume? {n} scenario{'s' if n != 1 else ''}"
    else:
        title = "parley: will US–DPRK talks resume? Parameter sweep"
    nav = [("question", "The question")]
    if summary:
        nav.append(("results", "Results"))
    if results.get("hindcast"):
        nav.append(("hindcast", "Hindcast"))
    if results.get("points") is not None:
        nav.append(("sweep", "Parameter sweep"))
    if figures:
        nav.append(("figures", "Figures"))
    nav += [("scenarios", "Scenarios, stances and sources"),
            ("reproduce", "Manifest and how to reproduce")]
    return _page(title, [
        f"<h1>{_e(title)}</h1>",
        f"<p class='muted'>Results directory <code>{_e(d.resolve().name)}</code></p>",
        _nav(nav),
        '<h2 id="question">The question</h2>',
        _question(summary, manifest),
        _summary_tables(summary) if summary else "",
        _camps_section(summary) if summary else "",
        _hindcast_section(results.get("hindcast")),
        _sweep_section(results),
        _figures_section(figures),
        _scenarios_section(summary, manifest),
        _manifest_section(manifest),
    ])


def write_report(results_dir: str | os.PathLike[str]) -> Path:
    """Write ``results_dir/report.html`` (atomically) and return its path."""
    d = Path(results_dir)
    html_text = render_report(d)
    path = d / "report.html"
    with atomic_open(path) as fh:
        fh.write(html_text.encode("utf-8"))
    return path
