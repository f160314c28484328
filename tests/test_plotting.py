"""Tests of parley.outputs.figures (and its old address, plotting) on small synthetic results."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from parley.outputs import plotting
from parley.outputs.figures.workers import can_fork, share_out

HORIZON = 12
RUNS = 10_000

# name, title, camp, p(talks), median months to talks
_SCENARIOS = [
    ("trump_oh", "Trump second term (Oh 2020)", "trump", 0.40, 9.0),
    ("sanders", "Sanders administration (Yeo 2020)", "progressive", 0.60, 5.0),
    ("biden", "Biden administration (Yeo 2020)", "centrist", 0.312, None),
]


def _share(p: float, n: int = RUNS) -> dict:
    k = round(p * n)
    return {"k": k, "n": n, "p": p, "lo": round(p - 0.01, 4), "hi": round(p + 0.01, 4)}


def _scenario(i: int, name: str, title: str, camp: str, p: float, median: float | None) -> dict:
    months = list(range(HORIZON + 1))
    surv = [round(1.0 - (1.0 - 0.9 + 0.05 * i) * m / HORIZON * (p / 0.5), 4) for m in months]
    surv[0] = 1.0
    monthly_months = list(range(1, HORIZON + 1))
    tension = [round(0.3 + 0.02 * m + 0.05 * i, 4) for m in monthly_months]
    sanctions = [round(0.5 - 0.01 * m + 0.03 * i, 4) for m in monthly_months]
    return {
        "name": name,
        "title": title,
        "camp": camp,
        "runs": RUNS,
        "shares": {
            "talks_resumed": _share(p),
            "summit_held": _share(p / 2),
            "freeze_deal": _share(p / 4),
            "relief_granted": _share(p / 5),
            "crisis": _share(0.1 + 0.05 * i),
        },
        "time_to_talks": {
            "median": median,
            "month": months,
            "survival": surv,
            "lo": [round(max(0.0, s - 0.02), 4) for s in surv],
            "hi": [round(min(1.0, s + 0.02), 4) for s in surv],
        },
        "counts": {
            "tests": {"mean": 3.1 + i, "sd": 1.2, "q10": 1, "q50": 3 + i, "q90": 5 + i,
                      "values": [0, 1, 2, 3, 4, 5, 6, 7],
                      "freq": [500, 1000, 2000, 2500 - 100 * i, 2000, 1000, 600, 400 + 100 * i]},
            "icbm_tests": {"mean": 0.4, "sd": 0.6, "q10": 0, "q50": 0, "q90": 1,
                           "values": [0, 1, 2], "freq": [6500 + 100 * i, 3000, 500 - 100 * i]},
            "nuclear_tests": {"mean": 0.05, "sd": 0.2, "q10": 0, "q50": 0, "q90": 0,
                              "values": [0, 1], "freq": [9500, 500]},
            "months_in_talks": {"mean": 2.0 + i, "sd": 2.0, "q10": 0, "q50": 1 + i,
                                "q90": 6, "values": list(range(HORIZON + 1)),
                                "freq": [4000 - 500 * i] + [500] * 11 + [500 + 500 * i]},
        },
        "monthly": {
            "month": monthly_months,
            "tension": {"q10": [round(t - 0.1, 4) for t in tension], "q50": tension,
                        "q90": [round(t + 0.1, 4) for t in tension]},
            "sanctions_pressure": {"q10": [round(s - 0.1, 4) for s in sanctions],
                                   "q50": sanctions,
                                   "q90": [round(s + 0.1, 4) for s in sanctions]},
            "us_china_tension": {"q10": [0.2] * HORIZON, "q50": [0.3] * HORIZON,
                                 "q90": [0.4] * HORIZON},
            "in_talks_share": [round(min(1.0, p * m / HORIZON), 4) for m in monthly_months],
        },
    }


def make_summary(with_comparison: bool = True) -> dict:
    scenarios = [_scenario(i, *row) for i, row in enumerate(_SCENARIOS)]
    summary = {"level": 0.95, "horizon": HORIZON, "start": "2021-01", "scenarios": scenarios}
    if with_comparison:
        ref_p = 0.40
        rows = []
        for s in sorted(scenarios, key=lambda s: -s["shares"]["talks_resumed"]["p"]):
            t = s["shares"]["talks_resumed"]
            diff = round(t["p"] - ref_p, 4)
            rows.append({
                "scenario": s["name"], "camp": s["camp"], "p": t["p"], "lo": t["lo"],
                "hi": t["hi"], "diff": diff, "diff_lo": round(diff - 0.01, 4),
                "diff_hi": round(diff + 0.01, 4), "unpaired_lo": round(diff - 0.02, 4),
                "unpaired_hi": round(diff + 0.02, 4),
            })
        summary["comparison"] = {"reference": "trump_oh", "rows": rows}
    return summary


def _stance(value, source: bool = True) -> dict:
    if source:
        return {"value": value, "source": {"text": "yeo2020",
                                           "section": "The Progressive Democratic Candidates",
                                           "says": "favours step-by-step engagement"}}
    return {"value": value, "assumption": "no text speaks to this; <kept> neutral & fixed"}


def make_manifest() -> dict:
    scenarios = []
    for name, title, camp, _p, _m in _SCENARIOS:
        scenarios.append({
            "name": name,
            "file": f"scenarios/{name}.yaml",
            "hash": "sha256:" + "ab" * 32,
            "resolved": {
                "name": name, "title": title, "camp": camp,
                "description": f"{title}: what its camp says about North Korea.",
                "horizon": {"start": "2021-01", "months": HORIZON},
                "world": {"noise": _stance(0.1, source=False)},
                "shocks": {"covid_border_closure": _stance(True, source=False)},
                "actors": {
                    "washington": {"role": "washington", "outreach_rate": _stance([0.2, 0.4]),
                                   "goal": _stance("fissile_freeze")},
                    "pyongyang": {"role": "pyongyang", "provocation": _stance(0.3)},
                    "beijing": {"role": "patron", "enforcement": _stance(0.5, source=False)},
                    "seoul": {"role": "ally", "engagement": _stance(0.6)},
                },
                "events": [{"month": "2022-05", "actor": "seoul", "set": {"engagement": 0.2},
                            "note": "Yoon takes office",
                            "source": {"text": "yeo2020", "section": "Seoul",
                                       "says": "a conservative successor cools engagement"}}],
            },
        })
    return {
        "command": "parley compare scenarios/ --runs 10000 --seed 1",
        "master_seed": 1, "runs": RUNS, "jobs": 2,
        "started": "2024-01-01T00:00:00+00:00", "finished": "2024-01-01T00:10:00+00:00",
        "git_commit": "0123456789abcdef0123456789abcdef01234567",
        "versions": {"parley": "0.1.0", "mesa": "3.3.0", "numpy": "2.0.0", "python": "3.11.2"},
        "scenarios": scenarios,
    }


def make_points() -> pd.DataFrame:
    xs = [0.0, 0.25, 0.5, 0.75, 1.0]
    ys = [0.0, 0.5, 1.0]
    rows = []
    for i, (x, y) in enumerate((x, y) for y in ys for x in xs):
        p = round(0.1 + 0.6 * x + 0.2 * y, 4)
        rows.append({"point": i, "washington.outreach_rate": x, "beijing.enforcement": y,
                     "runs": 200, "p_talks": p, "p_talks_lo": round(p - 0.05, 4),
                     "p_talks_hi": round(p + 0.05, 4), "share_summit_held": p / 2,
                     "share_freeze_deal": p / 4, "share_relief_granted": p / 5,
                     "share_crisis": 0.1})
    return pd.DataFrame(rows)


SOBOL = {"method": "sobol", "outcome": "talks_resumed",
         "parameters": ["washington.outreach_rate", "beijing.enforcement"],
         "S1": [0.6, 0.2], "S1_conf": [0.05, 0.04], "ST": [0.7, 0.3], "ST_conf": [0.06, 0.05]}
MORRIS = {"method": "morris", "outcome": "talks_resumed",
          "parameters": ["washington.outreach_rate", "beijing.enforcement"],
          "mu_star": [0.2, 0.5], "mu_star_conf": [0.02, 0.05], "sigma": [0.1, 0.3]}
BOXES = {"threshold": 0.6, "boxes": [
    {"coverage": 0.8, "density": 0.9,
     "limits": {"washington.outreach_rate": [0.5, 1.0], "beijing.enforcement": [0.25, 1.0]}},
    {"coverage": 0.3, "density": 0.7, "limits": {"washington.outreach_rate": [0.75, 1.0]}},
]}
SWEEP = {"parameters": [{"path": "washington.outreach_rate", "low": 0.0, "high": 1.0},
                        {"path": "beijing.enforcement", "low": 0.0, "high": 1.0}],
         "method": "grid", "runs_per_point": 200}


def write_results(d: Path, *, summary: bool = True, sweep: bool = True,
                  manifest: bool = True) -> Path:
    """Write a small synthetic results directory in the batch layer's formats."""
    d.mkdir(parents=True, exist_ok=True)
    if summary:
        (d / "summary.json").write_text(json.dumps(make_summary()), encoding="utf-8")
    if manifest:
        (d / "manifest.json").write_text(json.dumps(make_manifest()), encoding="utf-8")
    if sweep:
        make_points().to_csv(d / "points.csv", index=False)
        (d / "sensitivity.json").write_text(json.dumps(SOBOL), encoding="utf-8")
        (d / "boxes.json").write_text(json.dumps(BOXES), encoding="utf-8")
        (d / "sweep.json").write_text(json.dumps(SWEEP), encoding="utf-8")
    return d


@pytest.fixture
def results_dir(tmp_path: Path) -> Path:
    return write_results(tmp_path / "results")


# --------------------------------------------------------------------------- helpers


def _texts(fig: Figure) -> str:
    """All text on a figure, flattened (suptitles, titles, labels, tick labels, legends)."""
    return " ".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))


def _gid(fig: Figure, gid: str) -> list:
    return [a for a in fig.findobj() if getattr(a, "get_gid", lambda: None)() == gid]


def _errorbar_points(ax, gid: str) -> tuple[np.ndarray, np.ndarray]:
    for c in ax.containers:
        if c.get_label() and c[0] is not None and c[0].get_gid() == gid:
            return np.asarray(c[0].get_xdata(), float), np.asarray(c[0].get_ydata(), float)
    # ErrorbarContainer does not carry gid; look at lines instead
    lines = [ln for ln in ax.lines if ln.get_gid() == gid]
    assert lines, f"no artist with gid {gid}"
    return np.asarray(lines[0].get_xdata(), float), np.asarray(lines[0].get_ydata(), float)


def _errorbar_container(ax, label: str | None = None, index: int | None = None):
    from matplotlib.container import ErrorbarContainer

    conts = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    if label is not None:
        conts = [c for c in conts if c.get_label() == label]
    return conts if index is None else conts[index]


def _all_errorbars(ax) -> dict[float, tuple[float, float, float]]:
    """Map y position -> (x, x_lo, x_hi) from every errorbar on an axes."""
    out = {}
    for c in _errorbar_container(ax):
        line, _caps, bars = c.lines
        xs, ys = line.get_xdata(), line.get_ydata()
        segs = bars[0].get_segments()
        for x, y, seg in zip(xs, ys, segs, strict=True):
            out[round(float(y), 9)] = (float(x), float(seg[0][0]), float(seg[1][0]))
    return out


# --------------------------------------------------------------------------- scenario figures


def test_comparison_values_ranks_and_labels():
    summary = make_summary()
    fig = plotting.plot_comparison(summary)
    ax, axd = fig.axes[:2]
    rows = summary["comparison"]["rows"]
    n = len(rows)
    bars = _all_errorbars(ax)
    # rank 0 at the top (largest y)
    for rank, row in enumerate(rows):
        x, lo, hi = bars[float(n - 1 - rank)]
        assert x == pytest.approx(row["p"])
        assert lo == pytest.approx(row["lo"])
        assert hi == pytest.approx(row["hi"])
    ticks = {float(y): t.get_text().replace("\n", " ")
             for y, t in zip(ax.get_yticks(), ax.get_yticklabels(), strict=True)}
    titles = {s["name"]: s["title"] for s in summary["scenarios"]}
    for rank, row in enumerate(rows):
        assert ticks[float(n - 1 - rank)].split(" (reference)")[0] == titles[row["scenario"]]
    ticks = list(ticks.values())
    assert any("(reference)" in t for t in ticks)
    # paired differences: reference row is drawn as a marker at zero, not as an errorbar
    diffs = _all_errorbars(axd)
    for rank, row in enumerate(rows):
        y = float(n - 1 - rank)
        if row["scenario"] == "trump_oh":
            assert y not in diffs
            continue
        x, lo, hi = diffs[y]
        assert (x, lo, hi) == pytest.approx((row["diff"], row["diff_lo"], row["diff_hi"]))
    # faint unpaired interval and the zero line
    unpaired = [c for c in axd.collections if isinstance(c, LineCollection)
                and c.get_gid() == "unpaired"]
    assert len(unpaired) == 1
    segs = {float(s[0][1]): (float(s[0][0]), float(s[1][0])) for s in unpaired[0].get_segments()}
    for rank, row in enumerate(rows):
        assert segs[float(n - 1 - rank)] == pytest.approx((row["unpaired_lo"],
                                                           row["unpaired_hi"]))
    assert any(list(ln.get_xdata()) == [0.0, 0.0] for ln in axd.lines)
    # words
    assert ax.get_xlabel() == "Share of runs" and "talks resume" in ax.get_title()
    assert "difference" in axd.get_xlabel().lower() and "paired" in axd.get_title()
    assert "Trump second term" in axd.get_title()
    sup = fig.get_suptitle()
    assert "n = 10,000 runs" in sup and "95% Wilson intervals" in sup
    legend_text = [t.get_text() for t in fig.legends[0].get_texts()]
    assert {"Trump camp", "Progressive camp", "Centrist camp"} <= set(legend_text)
    # points coloured by camp
    colours = {c.get_label(): c.lines[0].get_color() for c in _errorbar_container(ax)}
    assert colours["Trump camp"] == plotting.CAMP_COLOURS["trump"]
    assert colours["Progressive camp"] == plotting.CAMP_COLOURS["progressive"]


def _with_draws(summary: dict) -> dict:
    """The summary with P(talks | engaged) and a parameter-uncertainty block added."""
    names = [s["name"] for s in summary["scenarios"]]
    for i, s in enumerate(summary["scenarios"]):
        s["talks_given_engaged"] = _share(round(0.5 + 0.05 * i, 4), 5000)
    summary["parameter_uncertainty"] = {
        "draws": 4, "worlds": 2500, "source": "envelope", "orderings": [],
        "scenarios": {s["name"]: {"talks_resumed": {
            "param_lo": round(s["shares"]["talks_resumed"]["p"] - 0.1, 4),
            "param_hi": round(s["shares"]["talks_resumed"]["p"] + 0.05, 4)}}
            for s in summary["scenarios"]},
        "per_draw_talks": {n: [0.1 * i, 0.1 * i + 0.01, 0.5, 0.1 * i] for i, n in
                           enumerate(names)},
    }
    return summary


def test_comparison_shows_talks_given_engaged_and_the_interval_over_draws():
    summary = _with_draws(make_summary())
    fig = plotting.plot_comparison(summary)
    ax = fig.axes[0]
    rows = summary["comparison"]["rows"]
    n = len(rows)
    bars = _all_errorbars(ax)
    by_name = {s["name"]: s for s in summary["scenarios"]}
    band = [c for c in ax.collections if c.get_gid() == "parameter_interval"]
    assert len(band) == 1
    segs = {float(sg[0][1]): (float(sg[0][0]), float(sg[1][0]))
            for sg in band[0].get_segments()}
    for rank, row in enumerate(rows):
        y = float(n - 1 - rank)
        given = by_name[row["scenario"]]["talks_given_engaged"]
        # the hollow square sits just below its scenario's P(talks)
        x, lo, hi = bars[round(y - plotting.ENGAGED_OFFSET, 9)]
        assert (x, lo, hi) == pytest.approx((given["p"], given["lo"], given["hi"]))
        spread = summary["parameter_uncertainty"]["scenarios"][row["scenario"]]
        assert segs[y] == pytest.approx((spread["talks_resumed"]["param_lo"],
                                         spread["talks_resumed"]["param_hi"]))
    texts = _texts(fig)
    assert "P(talks resume | Pyongyang engaged)" in texts and "over 4 parameter draws" in texts
    assert "4 parameter draws × 2,500 worlds" in texts
    # and the ranking-stability figure comes with it
    names = [name for name, _, _ in plotting.iter_figures({"summary": summary})]
    assert "ranking_stability" in names
    means = plotting.ranking_means(summary)
    assert means.shape == (len(rows), 4)


def test_without_draws_there_is_no_band_and_no_ranking_figure():
    summary = make_summary()
    fig = plotting.plot_comparison(summary)
    assert not [c for c in fig.axes[0].collections if c.get_gid() == "parameter_interval"]
    assert plotting.ranking_means(summary) is None
    assert "ranking_stability" not in [n for n, _, _ in plotting.iter_figures(
        {"summary": summary})]


def test_comparison_without_comparison_block_has_one_ranked_panel():
    summary = make_summary(with_comparison=False)
    fig = plotting.plot_comparison(summary)
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    bars = _all_errorbars(ax)
    ps = [bars[y][0] for y in sorted(bars, reverse=True)]
    assert ps == sorted((s["shares"]["talks_resumed"]["p"] for s in summary["scenarios"]),
                        reverse=True)
    assert ax.get_title() and ax.get_xlabel()


def test_comparison_tolerates_round_off_and_open_intervals():
    summary = make_summary()
    row = summary["comparison"]["rows"][0]
    row.update(p=1.0, lo=0.94, hi=0.9999999999999998, diff_lo=None, diff_hi=None)
    fig = plotting.plot_comparison(summary)  # must not raise on negative/missing xerr
    ax, axd = fig.axes[:2]
    x, lo, hi = _all_errorbars(ax)[2.0]
    assert (x, lo, hi) == pytest.approx((1.0, 0.94, 1.0))
    x, lo, hi = _all_errorbars(axd)[2.0]
    assert x == lo == hi == pytest.approx(row["diff"])


def test_time_to_talks_step_curves_and_bands():
    summary = make_summary()
    fig = plotting.plot_time_to_talks(summary)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Months since inauguration"
    assert "no talks yet" in ax.get_ylabel()
    assert "Kaplan" in fig.get_suptitle() and "n = 10,000 runs" in fig.get_suptitle()
    for s in summary["scenarios"]:
        (line,) = _gid(fig, f"km_{s['name']}")
        assert line.get_drawstyle() == "steps-post"
        np.testing.assert_allclose(line.get_xdata(), s["time_to_talks"]["month"])
        np.testing.assert_allclose(line.get_ydata(), s["time_to_talks"]["survival"])
        assert line.get_label().startswith(s["title"])
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == len(summary["scenarios"])
    assert ax.get_xlim() == (0, HORIZON)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert any("median not reached" in t for t in labels)
    assert any("median 5 months" in t for t in labels)


def test_count_distributions_bar_heights_are_shares():
    summary = make_summary()
    fig = plotting.plot_count_distributions(summary)
    for s in summary["scenarios"]:
        for metric in ("tests", "icbm_tests"):
            (bars,) = [c for c in _gid_containers(fig, f"counts_{s['name']}_{metric}")]
            c = s["counts"][metric]
            freq = np.array(c["freq"], float)
            heights = [r.get_height() for r in bars]
            xs = [r.get_x() + r.get_width() / 2 for r in bars]
            np.testing.assert_allclose(heights, freq / freq.sum())
            np.testing.assert_allclose(xs, c["values"])
    text = _texts(fig)
    for words in ("Missile tests", "ICBM tests", "Months in talks", "Share of runs",
                  "Biden administration (Yeo 2020)", "n = 10,000 runs"):
        assert words in text


def _months_in_talks(values: list[int], freq: list[int]) -> dict:
    summary = make_summary(with_comparison=False)
    summary["scenarios"] = summary["scenarios"][:1]
    summary["scenarios"][0]["counts"]["months_in_talks"].update(values=values, freq=freq)
    return summary


def test_months_in_talks_zero_is_its_own_bar_and_the_rest_a_histogram_of_runs_with_talks():
    """A spike at 0 on a 100% scale hid the distribution of the runs with talks."""
    values = list(range(49))
    freq = [9700] + [3] * 20 + [10] * 8 + [8] * 20  # 97% of 10,000 runs never in talks
    summary = _months_in_talks(values, freq)
    name = summary["scenarios"][0]["name"]
    fig = plotting.plot_count_distributions(summary)
    (zero,) = _gid_containers(fig, f"counts_{name}_months_in_talks_zero")
    assert [r.get_height() for r in zero] == pytest.approx([0.97])
    assert zero[0].axes.get_ylim() == (0, 1)  # all runs, on a 0-100% scale
    (stairs,) = _gid(fig, f"counts_{name}_months_in_talks")  # 48 values: one outline
    heights, edges, _ = stairs.get_data()
    rest = np.array(freq[1:], float)
    np.testing.assert_allclose(heights, rest / rest.sum())  # shares of the runs with talks
    assert edges[0] == pytest.approx(0.5)  # no bar at zero in the histogram
    top = stairs.axes.get_ylim()[1]
    assert heights.max() <= top < 0.1  # scaled to the runs with talks, not to the spike
    assert "runs with talks" in _texts(fig)


def test_months_in_talks_with_no_run_in_talks_says_so():
    summary = _months_in_talks([0], [10_000])
    fig = plotting.plot_count_distributions(summary)
    (zero,) = _gid_containers(fig, f"counts_{summary['scenarios'][0]['name']}"
                                   "_months_in_talks_zero")
    assert zero[0].get_height() == pytest.approx(1.0)
    assert "no run with talks" in _texts(fig)


def test_count_distributions_many_values_are_one_outline_of_the_same_shares():
    summary = make_summary()
    s = summary["scenarios"][0]
    values = [v for v in range(60) if v != 17]  # a gap: no run had 17 tests
    freq = [10 + (v % 7) for v in values]
    s["counts"]["tests"].update(values=values, freq=freq)
    fig = plotting.plot_count_distributions(summary)
    (stairs,) = _gid(fig, f"counts_{s['name']}_tests")
    heights, edges, _baseline = stairs.get_data()
    share = dict(zip(values, np.array(freq) / sum(freq), strict=True))
    np.testing.assert_allclose(edges, np.arange(0, 61) - 0.5)
    np.testing.assert_allclose(heights, [share.get(v, 0.0) for v in range(60)])
    assert heights[17] == 0


@pytest.mark.parametrize(("ticks", "labels"), [
    ([0, 0.005, 0.01, 0.015, 0.02], ["0.0%", "0.5%", "1.0%", "1.5%", "2.0%"]),
    ([0, 0.1, 0.2, 0.3], ["0%", "10%", "20%", "30%"]),
    ([0, 0.0025, 0.005], ["0.00%", "0.25%", "0.50%"]),
    ([0.3], ["30%"]),
])
def test_step_percent_formatter_gives_every_tick_its_own_label(ticks, labels):
    assert plotting.StepPercentFormatter().format_ticks(ticks) == labels


def test_count_distribution_y_labels_of_two_scenarios_are_distinct():
    summary = make_summary(with_comparison=False)
    summary["scenarios"] = summary["scenarios"][:2]
    for s in summary["scenarios"]:  # small shares spread over many values, as in real runs
        s["counts"]["months_in_talks"].update(values=list(range(49)),
                                              freq=[300] + [200] * 47 + [300])
    fig = plotting.plot_count_distributions(summary)
    fig.canvas.draw()
    for ax in fig.axes:
        labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
        assert len(labels) == len(set(labels)) >= 3, labels


def _bars(ax, gid: str):
    """The BarContainer on ``ax`` whose rectangles carry ``gid``."""
    return next(c for c in ax.containers
                if getattr(c, "patches", None) and c.patches[0].get_gid() == gid)


def _gid_containers(fig: Figure, gid: str) -> list:
    out = []
    for ax in fig.axes:
        for c in ax.containers:
            if getattr(c, "patches", None) and c.patches[0].get_gid() == gid:
                out.append(c.patches)
    return out


def test_monthly_fans_medians_and_in_talks_share():
    summary = make_summary()
    fig = plotting.plot_monthly_fans(summary)
    for s in summary["scenarios"]:
        mon = s["monthly"]
        for key in ("tension", "sanctions_pressure"):
            (line,) = _gid(fig, f"{key}_{s['name']}")
            np.testing.assert_allclose(line.get_xdata(), mon["month"])
            np.testing.assert_allclose(line.get_ydata(), mon[key]["q50"])
            band = [c for c in line.axes.collections if isinstance(c, PolyCollection)]
            assert len(band) == 1
            verts = band[0].get_paths()[0].vertices
            assert verts[:, 1].min() == pytest.approx(min(mon[key]["q10"]))
            assert verts[:, 1].max() == pytest.approx(max(mon[key]["q90"]))
        (share,) = _gid(fig, f"in_talks_{s['name']}")
        np.testing.assert_allclose(share.get_ydata(), mon["in_talks_share"])
    # shared x axes, bottom row labelled
    assert sum(ax.get_xlabel() == "Months since inauguration" for ax in fig.axes) == 3
    assert len({ax.get_xlim() for ax in fig.axes}) == 1
    text = _texts(fig)
    for words in ("Tension", "Sanctions pressure", "Share of runs in talks",
                  "Median across runs", "10–90% of runs", "Sanders administration"):
        assert words in text


# --------------------------------------------------------------------------- sweep figures


def test_sweep_1d_single_parameter_values():
    pts = make_points()
    one = pts[pts["beijing.enforcement"] == 0.5].drop(columns="beijing.enforcement")
    fig = plotting.plot_sweep_1d(one, "washington.outreach_rate")
    ax = fig.axes[0]
    (line,) = _gid(fig, "sweep")
    np.testing.assert_allclose(line.get_xdata(), one["washington.outreach_rate"])
    np.testing.assert_allclose(line.get_ydata(), one["p_talks"])
    band = [c for c in ax.collections if isinstance(c, PolyCollection)]
    verts = band[0].get_paths()[0].vertices
    assert verts[:, 1].min() == pytest.approx(one["p_talks_lo"].min())
    assert verts[:, 1].max() == pytest.approx(one["p_talks_hi"].max())
    assert "outreach rate" in ax.get_xlabel()
    assert "P(talks resume)" in ax.get_ylabel()
    assert "n = 200 runs per point" in fig.get_suptitle()
    assert "95% Wilson intervals" in fig.get_suptitle()


def test_sweep_1d_pools_over_other_parameters():
    pts = make_points()
    fig = plotting.plot_sweep_1d(pts, "washington.outreach_rate")
    (line,) = _gid(fig, "sweep")
    expected = pts.groupby("washington.outreach_rate")["p_talks"].mean()  # equal runs
    np.testing.assert_allclose(line.get_ydata(), expected.to_numpy())
    assert "pooled" in fig.get_suptitle()


def test_sweep_2d_heatmap_equals_grid():
    pts = make_points()
    fig = plotting.plot_sweep_2d(pts, "washington.outreach_rate", "beijing.enforcement")
    ax = fig.axes[0]
    (img,) = ax.images
    expected = pts.pivot(index="beijing.enforcement", columns="washington.outreach_rate",
                         values="p_talks").to_numpy()
    np.testing.assert_allclose(np.asarray(img.get_array()), expected)
    assert "outreach rate" in ax.get_xlabel() and "enforcement" in ax.get_ylabel()
    assert len(fig.axes) == 2  # colour bar
    assert "P(talks resume)" in fig.axes[1].get_ylabel()


def test_sweep_2d_irregular_design_falls_back_to_scatter():
    rng = np.random.default_rng(0)
    pts = make_points()
    pts["washington.outreach_rate"] = rng.uniform(0, 1, len(pts))
    fig = plotting.plot_sweep_2d(pts, "washington.outreach_rate", "beijing.enforcement")
    ax = fig.axes[0]
    assert not ax.images
    (sc,) = _gid(fig, "heatmap")
    np.testing.assert_allclose(sorted(sc.get_array()), sorted(pts["p_talks"]))


def test_sensitivity_sobol_bars():
    fig = plotting.plot_sensitivity(SOBOL)
    ax = fig.axes[0]
    s1 = _bars(ax, "S1")
    st = _bars(ax, "ST")
    # sorted by ST descending, first at the top
    assert [p.get_width() for p in st.patches] == pytest.approx([0.7, 0.3])
    assert [p.get_width() for p in s1.patches] == pytest.approx([0.6, 0.2])
    segs = s1.errorbar.lines[2][0].get_segments()
    assert [s[1][0] - s[0][0] for s in segs] == pytest.approx([0.1, 0.08])
    by_y = sorted(zip(ax.get_yticks(), (t.get_text() for t in ax.get_yticklabels()),
                      strict=True), reverse=True)
    assert [label for _y, label in by_y] == ["Washington: outreach rate", "Beijing: enforcement"]
    assert "Sobol" in ax.get_xlabel() and ax.get_ylabel() == "Parameter"
    assert "P(talks resume)" in fig.get_suptitle()


def test_sensitivity_morris_bars():
    fig = plotting.plot_sensitivity(MORRIS)
    ax, ax2 = fig.axes
    mu = _bars(ax, "mu_star")
    sig = _bars(ax2, "sigma")
    # sorted by mu_star descending: beijing (0.5) first at top
    ys = [p.get_y() + p.get_height() / 2 for p in mu.patches]
    assert ys[0] > ys[1]
    assert [p.get_width() for p in mu.patches] == pytest.approx([0.5, 0.2])
    assert [p.get_width() for p in sig.patches] == pytest.approx([0.3, 0.1])
    segs = mu.errorbar.lines[2][0].get_segments()
    assert [s[1][0] - s[0][0] for s in segs] == pytest.approx([0.1, 0.04])
    assert "μ*" in ax.get_xlabel() and "σ" in ax2.get_xlabel()
    assert "Morris" in fig.get_suptitle()


def test_sensitivity_unknown_method():
    with pytest.raises(ValueError, match="unknown sensitivity method"):
        plotting.plot_sensitivity({"method": "fast", "parameters": ["a"]})


def test_boxes_rectangles_match_limits():
    pts = make_points()
    fig = plotting.plot_boxes(pts, BOXES, "washington.outreach_rate", "beijing.enforcement")
    ax = fig.axes[0]
    rects = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(rects) == 2
    r1, r2 = rects
    assert (r1.get_x(), r1.get_y(), r1.get_x() + r1.get_width(),
            r1.get_y() + r1.get_height()) == pytest.approx((0.5, 0.25, 1.0, 1.0))
    # box 2 does not limit beijing.enforcement: spans the sampled range
    assert (r2.get_x(), r2.get_y(), r2.get_x() + r2.get_width(),
            r2.get_y() + r2.get_height()) == pytest.approx((0.75, 0.0, 1.0, 1.0))
    (sc,) = _gid(fig, "points")
    np.testing.assert_allclose(sc.get_offsets(), pts[["washington.outreach_rate",
                                                      "beijing.enforcement"]].to_numpy())
    np.testing.assert_allclose(sc.get_array(), pts["p_talks"])
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[0] == "Box 1: coverage 80%, density 90%"
    assert "60%" in fig.get_suptitle()
    assert ax.get_xlabel() and ax.get_ylabel()


# --------------------------------------------------------------------------- saving + CLI


EXPECTED = {
    "comparison", "time_to_talks", "count_distributions", "monthly_fans",
    "sweep_washington-outreach_rate", "sweep_beijing-enforcement",
    "sweep_2d_washington-outreach_rate__beijing-enforcement", "boxes", "sensitivity",
}
MAGIC = {"png": b"\x89PNG", "svg": b"<?xml", "pdf": b"%PDF"}


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_save_figures_writes_every_figure(results_dir: Path, fmt: str):
    paths = plotting.save_figures(results_dir, fmt=fmt)
    assert {p.stem for p in paths} == EXPECTED
    for p in paths:
        assert p.parent == results_dir / "figures"
        assert p.suffix == f".{fmt}"
        assert p.read_bytes().startswith(MAGIC[fmt])
    # nothing but the figures left behind (no temp files)
    assert sorted((results_dir / "figures").iterdir()) == sorted(paths)


def test_save_figures_png_is_150_dpi(results_dir: Path):
    from PIL import Image

    paths = plotting.save_figures(results_dir)
    comparison = next(p for p in paths if p.stem == "comparison")
    with Image.open(comparison) as im:
        dpi = im.info.get("dpi")
        assert dpi is not None and round(dpi[0]) == 150
        fig = plotting.plot_comparison(json.loads((results_dir / "summary.json").read_text()))
        w, h = fig.get_size_inches()
        assert im.size == (round(w * 150), round(h * 150))


def test_save_figures_summary_only_and_sweep_only(tmp_path: Path):
    only_summary = write_results(tmp_path / "a", sweep=False)
    stems = {p.stem for p in plotting.save_figures(only_summary)}
    assert stems == {"comparison", "time_to_talks", "count_distributions", "monthly_fans"}
    only_sweep = write_results(tmp_path / "b", summary=False, manifest=False)
    stems = {p.stem for p in plotting.save_figures(only_sweep)}
    assert stems == EXPECTED - {"comparison", "time_to_talks", "count_distributions",
                                "monthly_fans"}


def test_save_figures_rejects_unknown_format(results_dir: Path):
    with pytest.raises(ValueError, match="format"):
        plotting.save_figures(results_dir, fmt="gif")


def test_save_figures_with_jobs_writes_the_same_bytes_in_the_same_order(results_dir: Path):
    serial = plotting.save_figures(results_dir)
    before = {p.name: p.read_bytes() for p in serial}
    for p in serial:
        p.unlink()
    shared = plotting.save_figures(results_dir, jobs=2)
    assert shared == serial
    assert {p.name: p.read_bytes() for p in shared} == before
    assert sorted((results_dir / "figures").iterdir()) == sorted(shared)  # no temp files


@pytest.mark.parametrize("jobs", [0, -1, 1.5, "2", True])
def test_save_figures_rejects_a_bad_jobs(results_dir: Path, jobs):
    with pytest.raises(ValueError, match="jobs"):
        plotting.save_figures(results_dir, jobs=jobs)


def _pid_of(i: int) -> tuple[int, int]:
    import os

    return i, os.getpid()


needs_fork = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="workers are forked only on Linux")


@pytest.fixture
def forking(monkeypatch):
    """Fork here even under pytest-xdist, whose worker runs threads of its own (idle, in
    its channel's reads): can_fork would send every task to the caller and the tests
    below would pass without a worker."""
    from parley.outputs.figures import workers

    monkeypatch.setattr(workers, "can_fork", lambda: True)


@needs_fork
def test_share_out_runs_the_tasks_in_workers_and_keeps_their_order(forking):
    import os
    from functools import partial

    tasks = [partial(_pid_of, i) for i in range(6)]
    got = share_out(tasks, jobs=2, costs=[1, 5, 2, 2, 9, 1])
    assert [i for i, _ in got] == list(range(6))
    pids = {pid for _, pid in got}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2


@needs_fork
def test_share_out_reruns_here_what_a_worker_could_not_do(forking):
    import os

    parent = os.getpid()

    def only_here(i: int) -> int:
        if os.getpid() != parent:
            raise RuntimeError("not in a worker")
        return i

    assert share_out([lambda i=i: only_here(i) for i in range(3)], jobs=2) == [0, 1, 2]

    def broken() -> int:
        raise ValueError("a figure that cannot be drawn")

    with pytest.raises(ValueError, match="cannot be drawn"):  # raised here, as serially
        share_out([lambda: 1, broken, lambda: 3], jobs=2)


def test_share_out_runs_here_in_order_with_one_job_or_another_thread():
    import os
    import threading
    from functools import partial

    tasks = [partial(_pid_of, i) for i in range(3)]
    here = [(i, os.getpid()) for i in range(3)]
    assert share_out(tasks, jobs=1) == here
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not can_fork()  # a fork would copy the other thread's locks
        assert share_out(tasks, jobs=2) == here
    finally:
        stop.set()
        other.join()


def _png(fig: Figure) -> bytes:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=plotting.DPI, facecolor="white")
    return buf.getvalue()


def test_fixed_ticks_and_the_median_line_draw_the_same_bytes(monkeypatch):
    """The small multiples' shortcuts (ticks computed once, the median line added
    without autoscaling) draw exactly what the plain matplotlib calls drew."""
    from parley.outputs.figures import distributions

    summary = make_summary()
    fast = [_png(plotting.plot_count_distributions(summary)),
            _png(plotting.plot_monthly_fans(summary))]
    monkeypatch.setattr(distributions, "fix_ticks", lambda fig: None)
    monkeypatch.setattr(distributions, "_median_line", lambda ax, x: ax.axvline(
        x, color="black", linewidth=1, linestyle="--"))
    plain = [_png(plotting.plot_count_distributions(summary)),
             _png(plotting.plot_monthly_fans(summary))]
    assert fast == plain


def test_fix_ticks_keeps_the_ticks_in_view_and_their_labels():
    from matplotlib.ticker import FixedFormatter, FixedLocator

    from parley.outputs.figures.common import fix_ticks

    def shared_pair() -> Figure:
        fig = Figure()
        a, b = fig.subplots(2, 1, sharex=True)
        a.plot([0.3, 47.2], [0.0012, 0.0391])
        b.plot([1, 40], [5, 7])
        return fig

    plain, fixed = shared_pair(), shared_pair()
    fix_ticks(fixed)
    assert _png(fixed) == _png(plain)
    for ax_plain, ax_fixed in zip(plain.axes, fixed.axes, strict=True):
        for axis in ("xaxis", "yaxis"):
            p, f = getattr(ax_plain, axis), getattr(ax_fixed, axis)
            assert isinstance(f.get_major_locator(), FixedLocator)
            assert isinstance(f.get_major_formatter(), FixedFormatter)
            lo, hi = p.get_view_interval()
            shown = [(t.get_loc(), t.label1.get_text()) for t in p._update_ticks()]
            assert [(t.get_loc(), t.label1.get_text()) for t in f._update_ticks()] == shown
            assert all(lo <= loc <= hi for loc in f.get_majorticklocs())

def _parser() -> argparse.ArgumentParser:
    from parley.cli import build_parser

    return build_parser("plot")


def test_cli_plot_prints_paths(results_dir: Path, capsys):
    args = _parser().parse_args(["plot", str(results_dir), "--format", "svg"])
    from parley.cli.plot import run_plot

    assert args.func is run_plot
    assert args.func(args) == 0
    out = capsys.readouterr().out.split()
    assert len(out) == len(EXPECTED)
    assert all(Path(p).is_file() and p.endswith(".svg") for p in out)


@pytest.mark.parametrize("kind", ["missing", "empty"])
def test_cli_plot_bad_dir_exits_2(tmp_path: Path, capsys, kind: str):
    d = tmp_path / "nope"
    if kind == "empty":
        d.mkdir()
    from parley.cli import main

    assert main(["plot", str(d)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert err.startswith("error:") and "\n" not in err
    assert "Traceback" not in err


def test_figures_do_not_import_model_or_pyplot():
    import ast

    from parley.outputs import figures

    imported = set()
    for path in Path(figures.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module or "")
    # atomic writing, the Wilson interval, outcome labels, the error family, the parameter
    # table (ladder rungs), validated reading of result files, the calibration statistics,
    # when the figure workers may fork
    allowed = {"parley.results.store", "parley.analysis.intervals", "parley.outcomes",
               "parley.errors", "parley.params", "parley.results.load",
               "parley.analysis.abc_summary", "parley.forking"}
    outside = {m for m in imported - allowed if not m.startswith("parley.outputs.figures")}
    assert not any(m.startswith(("parley", "mesa")) for m in outside), outside
    assert "matplotlib.pyplot" not in imported


def test_importing_plotting_loads_neither_mesa_nor_the_model():
    import subprocess
    import sys

    code = ("import sys, parley.outputs.plotting, parley.outputs.report; "
            "print(sorted(m for m in sys.modules if m == 'mesa' or m.startswith("
            "('parley.model', 'parley.agents', 'parley.rules'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


# --------------------------------------------------------------------------- defects, pinned


def _fits_its_canvas(fig: Figure) -> None:
    """Nothing drawn (labels, titles, legends) reaches past the figure's edges."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    box = fig.get_tightbbox(canvas.get_renderer())  # inches
    w, h = fig.get_size_inches()
    assert box.x0 >= -0.02 and box.y0 >= -0.02, (box, w, h)
    assert box.x1 <= w + 0.02 and box.y1 <= h + 0.02, (box, w, h)


def _one_scenario(p: float, title: str = "Trump second term (Yeo 2020 reading)") -> dict:
    summary = make_summary(with_comparison=False)
    s = summary["scenarios"][0]
    s.update(title=title, talks_given_engaged=_share(min(0.99, p + 0.2), 3000))
    s["shares"]["talks_resumed"] = _share(p)
    summary["scenarios"] = [s]
    return summary


@pytest.mark.parametrize("p", [0.017, 0.43, 0.62, 0.96])
def test_single_scenario_comparison_starts_at_zero_and_keeps_its_words_inside(p):
    """It started its axis near the share (50% and more) and cut its x label."""
    fig = plotting.plot_comparison(_one_scenario(p))
    assert fig.axes[0].get_xlim()[0] == 0
    _fits_its_canvas(fig)


def test_every_figure_of_a_results_folder_keeps_its_words_inside(results_dir: Path):
    for name, _caption, fig in plotting.iter_figures(results_dir):
        try:
            _fits_its_canvas(fig)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from None


def _camp_summary(camps: dict[str, str], with_comparison: bool) -> dict:
    summary = make_summary(with_comparison=with_comparison)
    for s in summary["scenarios"]:
        s["camp"] = camps.get(s["name"], s["camp"])
    for r in (summary.get("comparison") or {}).get("rows", []):
        r["camp"] = camps.get(r["scenario"], r["camp"])
    return summary


@pytest.mark.parametrize("with_comparison", [True, False])
def test_a_camp_outside_the_colour_table_is_named_for_itself(with_comparison):
    """A new camp was drawn in grey and named "Other"."""
    summary = _camp_summary({"biden": "libertarian", "sanders": "green_party"},
                            with_comparison)
    fig = plotting.plot_comparison(summary)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert {"Libertarian camp", "Green party camp", "Trump camp"} <= set(legend)
    assert "Other" not in legend
    colours = {c.get_label(): c.lines[0].get_color() for c in _errorbar_container(fig.axes[0])}
    new = {colours["Libertarian camp"], colours["Green party camp"]}
    assert len(new) == 2 and not new & set(plotting.CAMP_COLOURS.values())
    styles = plotting.scenario_styles(summary["scenarios"])
    assert styles["biden"]["camp"] == "libertarian"
    assert styles["biden"]["color"] == colours["Libertarian camp"]


def test_a_scenario_without_a_camp_is_other():
    summary = _camp_summary({"biden": ""}, with_comparison=False)
    legend = [t.get_text() for t in plotting.plot_comparison(summary).legends[0].get_texts()]
    assert "Other" in legend


LADDER_PATH = "washington.relief_precondition"
RUNGS = ["nothing upfront", "fissile freeze", "nuclear and missile freeze",
         "verifiable irreversible steps", "substantial disarmament"]


def _ladder_points(values: list[float], p: list[float], other: list[float] | None = None
                   ) -> pd.DataFrame:
    rows = []
    for i, (x, pv) in enumerate(zip(values, p, strict=True)):
        row = {"point": i, LADDER_PATH: x}
        if other is not None:
            row["washington.outreach_rate"] = other[i]
        rows.append({**row, "runs": 1000, "p_talks": pv, "p_talks_lo": pv - 0.02,
                     "p_talks_hi": pv + 0.02})
    return pd.DataFrame(rows)


def _tick_words(axis) -> list[str]:
    return [t.get_text().replace("\n", " ") for t in axis.get_ticklabels()]


def test_a_ladder_sweep_has_its_rungs_for_ticks_and_markers_without_a_line():
    """The ladder sweep read 0-1 and drew lines between discrete rungs."""
    from parley.params import LADDER

    pts = _ladder_points([0.0, 0.25, 0.5, 0.75, 1.0], [0.31, 0.25, 0.09, 0.04, 0.014])
    fig = plotting.plot_sweep_1d(pts, LADDER_PATH)
    ax = fig.axes[0]
    assert _tick_words(ax.xaxis) == RUNGS
    np.testing.assert_allclose(ax.get_xticks(), list(LADDER.values()))
    assert not [c for c in ax.collections if isinstance(c, PolyCollection)]  # no band
    lines = [ln for ln in ax.lines if ln.get_gid() == "sweep"]
    assert lines and all(ln.get_linestyle() == "None" for ln in lines)
    assert lines[0].get_marker() == "o"
    np.testing.assert_allclose(lines[0].get_ydata(), pts["p_talks"])
    (bars,) = _errorbar_container(ax)
    segments = bars.lines[2][0].get_segments()
    ends = [y for s in segments for y in (s[0][1], s[1][1])]
    assert ends == pytest.approx([y for lo, hi in zip(pts["p_talks_lo"], pts["p_talks_hi"],
                                                      strict=True) for y in (lo, hi)])
    _fits_its_canvas(fig)


def test_a_ladder_sampled_between_rungs_is_pooled_at_the_nearest_rung():
    pts = _ladder_points([0.05, 0.1, 0.2, 0.3, 0.9], [0.3, 0.32, 0.2, 0.22, 0.01])
    fig = plotting.plot_sweep_1d(pts, LADDER_PATH)
    (line,) = [ln for ln in fig.axes[0].lines
               if ln.get_gid() == "sweep" and ln.get_marker() == "o"]
    np.testing.assert_allclose(line.get_xdata(), [0.0, 0.25, 1.0])
    np.testing.assert_allclose(line.get_ydata(), [0.31, 0.21, 0.01])
    assert "pooled" in fig.get_suptitle()


def test_a_ladder_axis_of_a_heatmap_is_named_for_its_rungs():
    values = [0.0, 0.25, 0.5, 0.75, 1.0] * 2
    pts = _ladder_points(values, [0.3, 0.25, 0.1, 0.05, 0.01] * 2, other=[0.0] * 5 + [1.0] * 5)
    fig = plotting.plot_sweep_2d(pts, LADDER_PATH, "washington.outreach_rate")
    ax = fig.axes[0]
    assert ax.images and _tick_words(ax.xaxis) == RUNGS
    assert _tick_words(ax.yaxis) == ["0", "1"]


def test_only_ladder_stances_are_ladders():
    from parley.params import LADDER

    assert plotting.ladder_rungs(LADDER_PATH) == LADDER
    assert plotting.ladder_rungs("pyongyang.attitude_threshold") is None
    assert plotting.ladder_rungs("pyongyang.max_concession") is None  # a number on the scale
    assert plotting.ladder_rungs("no_such.thing") is None


def test_a_summary_without_optional_blocks_still_gets_its_figures(tmp_path: Path):
    """summary.json gains and loses optional fields; figures draw what is there."""
    summary = make_summary()
    for s in summary["scenarios"]:
        for key in ("time_to_talks", "counts", "monthly", "talks_given_engaged"):
            s.pop(key, None)
    summary["parameter_uncertainty"] = {"draws": 3, "scenarios": {}}  # a block without cells
    summary["tiers"] = {"future": "field"}
    d = tmp_path / "lean"
    d.mkdir()
    (d / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    assert [p.stem for p in plotting.save_figures(d)] == ["comparison"]


# --------------------------------------------------------------------------- code size


def _complexity(fn) -> int:
    """McCabe's number, as radon counts it: 1 + each branch, loop, handler, boolean
    operator and comprehension clause (nested functions count on their own)."""
    import ast

    count = 1
    todo = list(ast.iter_child_nodes(fn))
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        if isinstance(node, ast.If | ast.For | ast.While | ast.IfExp | ast.ExceptHandler
                      | ast.AsyncFor | ast.match_case | ast.Assert):
            count += 1
        elif isinstance(node, ast.BoolOp):
            count += len(node.values) - 1
        elif isinstance(node, ast.comprehension):
            count += 1 + len(node.ifs)
        todo.extend(ast.iter_child_nodes(node))
    return count


def test_output_functions_stay_small():
    """No function of parley.outputs over 50 lines or a complexity of 12."""
    import ast

    root = Path(plotting.__file__).parent
    too_big = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines, cc = node.end_lineno - node.lineno + 1, _complexity(node)
                if lines > 50 or cc > 12:
                    too_big.append(f"{path.relative_to(root)}:{node.name} {lines} lines, "
                                   f"complexity {cc}")
    assert too_big == []


# --------------------------------------------------------------------------- hindcast


def make_hindcast() -> dict:
    patterns = {k: {"quantile": q} for k, q in zip(
        ["first_talks_month", "months_in_talks", "spells", "collapses",
         "tests_per_month_in_talks", "tests_per_month_out_of_talks"],
        [0.46, 0.97, 0.5, 0.02, None, 0.5], strict=True)}
    rows = [{"scenario": name, "title": name, "censored": censored, "patterns": patterns}
            for name, censored in (("clinton_1993", False), ("bush_2001", False),
                                   ("trump_2025", True))]
    for r, (p, seen, draws) in zip(rows, [(0.9, True, (0.7, 1.0)), (0.3, False, (None, None)),
                                         (0.5, None, (0.1, 0.95))], strict=True):
        r.update(p_talks=p, lo=p - 0.02, hi=p + 0.02, talks_param_lo=draws[0],
                 talks_param_hi=draws[1], observed_talks=seen, p_new_spell=p / 2,
                 new_spell_lo=p / 2 - 0.01, new_spell_hi=p / 2 + 0.01,
                 new_spell_param_lo=draws[0], new_spell_param_hi=draws[1],
                 observed_new_spell=seen)
    forecasts = [{"scenario": r["scenario"], "origin": o, "p": 0.2 * i + 0.1,
                  "observed": i == 0} for i, r in enumerate(rows[:2]) for o in (0, 6, 12)]
    return {"rows": rows, "runs": 40, "seed": 1,
            "month": {"n_months": 96, "log_model": 0.7, "log_climatology": None,
                      "reliability": [{"mean_p": 0.05, "observed": 0.1, "n": 60},
                                      {"mean_p": 0.8, "observed": 0.9, "n": 36}]},
            "rolling": {"forecasts": forecasts, "brier_model": 0.2, "brier_base_rate": 0.26}}


def test_a_hindcast_folder_gets_its_figures_from_save_figures(tmp_path: Path):
    """`parley plot` on a hindcast folder drew nothing: the record figures were not in the
    figure catalogue."""
    d = tmp_path / "hc"
    d.mkdir()
    (d / "hindcast.json").write_text(json.dumps(make_hindcast()), encoding="utf-8")
    stems = [p.stem for p in plotting.save_figures(d)]
    assert stems == ["hindcast_reliability", "hindcast_patterns", "hindcast_rolling",
                     "hindcast_terms"]


def test_the_terms_figure_shows_both_intervals_and_colours_what_happened():
    from matplotlib.colors import to_hex

    from parley.outputs.figures.record import TERM_TARGETS, plot_terms

    hindcast = make_hindcast()
    rows = hindcast["rows"]
    fig = plot_terms(hindcast)
    assert len(fig.axes) == len(TERM_TARGETS) == 2
    for ax, (keys, _) in zip(fig.axes, TERM_TARGETS.values(), strict=True):
        p_key, lo_key, hi_key, dlo_key, dhi_key, _ = keys
        points = [a for a in ax.collections if a.get_gid() == "term_point"]
        assert [tuple(pc.get_offsets()[0]) for pc in points] == [
            (r[p_key], y) for y, r in enumerate(rows)]
        # happened, did not happen, not yet known (the live term)
        assert [to_hex(pc.get_facecolors()[0]) for pc in points] == [
            to_hex("tab:red"), to_hex("tab:gray"), to_hex("white")]
        lines = {gid: [ln for ln in ax.lines if ln.get_gid() == gid]
                 for gid in ("draw_interval", "mc_interval")}
        # the point-run term (no draws) has no interval over draws
        assert [(tuple(ln.get_xdata()), ln.get_ydata()[0]) for ln in lines["draw_interval"]] == [
            ((rows[y][dlo_key], rows[y][dhi_key]), y) for y in (0, 2)]
        assert [tuple(ln.get_xdata()) for ln in lines["mc_interval"]] == [
            (r[lo_key], r[hi_key]) for r in rows]
        bottom, top = ax.get_ylim()
        assert top < bottom  # the first term on top
    _fits_its_canvas(fig)


def test_a_hindcast_without_the_term_probabilities_draws_no_terms_figure():
    from parley.outputs.figures.record import record_figure_names

    hindcast = make_hindcast()
    del hindcast["rows"][1]["p_new_spell"]
    assert "hindcast_terms" not in record_figure_names(hindcast)
    assert "hindcast_terms" in record_figure_names(make_hindcast())


def test_the_pattern_figure_writes_dark_cells_in_white_and_marks_missing_ones():
    from parley.outputs.figures.record import plot_patterns

    fig = plot_patterns(make_hindcast())
    texts = {(t.get_text(), t.get_color()) for t in _gid(fig, "pattern_value")}
    assert ("0.97", "white") in texts and ("0.02", "white") in texts
    assert ("0.46", "black") in texts and ("n/a", "black") in texts
    _fits_its_canvas(fig)


def test_the_rolling_figure_puts_the_first_term_on_top_and_says_what_red_is():
    from parley.outputs.figures.record import plot_rolling

    fig = plot_rolling(make_hindcast())
    ax = fig.axes[0]
    labels = {t.get_text(): y for y, t in zip(ax.get_yticks(), ax.get_yticklabels(),
                                              strict=True)}
    bottom, top = ax.get_ylim()
    assert top < bottom  # inverted: row 0 at the top
    assert labels["clinton_1993"] == 0
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["talks followed", "no talks followed"]


def test_a_scattered_design_is_not_joined_by_a_line():
    """An LHS sweep drew a zig-zag line through points whose other parameters differ."""
    rng = np.random.default_rng(3)
    n = 12
    pts = pd.DataFrame({"point": range(n), "washington.outreach_rate": rng.uniform(0, 1, n),
                        "beijing.enforcement": rng.uniform(0, 1, n), "runs": 200,
                        "p_talks": rng.uniform(0.2, 0.8, n)})
    pts["p_talks_lo"], pts["p_talks_hi"] = pts["p_talks"] - 0.05, pts["p_talks"] + 0.05
    fig = plotting.plot_sweep_1d(pts, "washington.outreach_rate")
    ax = fig.axes[0]
    lines = [ln for ln in ax.lines if ln.get_gid() == "sweep" and ln.get_marker() == "o"]
    assert lines and lines[0].get_linestyle() == "None"
    assert not [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert "its own values of the other swept parameters" in fig.get_suptitle()
