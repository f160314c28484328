"""Text formatting in parley.outputs.tables: numbers, intervals and the terminal tables."""

from __future__ import annotations

import numpy as np
import pytest

from parley.outputs import tables as T


def test_plural():
    assert T.plural(1, "nuclear test") == "1 nuclear test"
    assert T.plural(0, "nuclear test") == "0 nuclear tests"
    assert T.plural(10_000, "run") == "10,000 runs"


@pytest.mark.parametrize(("value", "text"), [
    (0.4420427400000001, "0.442043"), (np.float64(0.1), "0.100000"), (None, ""), (True, "True"),
    (26, "26"), ("no_contact", "no_contact"), (float("nan"), "nan"),
])
def test_format_value_matches_runs_csv(value, text):
    assert T.format_value(value) == text


@pytest.mark.parametrize(("p", "text"), [
    (0.25, "25.0%"), (0.0, "0.0%"), (0.000384, "0.038%"), (0.0004, "0.040%"),
    (0.0005, "0.1%"), (None, "—"),
])
def test_percent_never_shows_a_non_zero_share_as_zero(p, text):
    assert T.percent(p) == text


def test_percent_range_of_zero_in_ten_thousand():
    assert T.percent_range(0.0, 0.000384) == "0.0%–0.038%"


def test_whole_if_integral():
    assert T.whole_if_integral(3.0) == "3"
    assert T.whole_if_integral(2) == "2"
    assert T.whole_if_integral(0.5) == "0.5"
    assert T.whole_if_integral(None) == ""


def _scenario(name: str, camp: str, p: float) -> dict:
    share = {"p": p, "lo": p - 0.01, "hi": p + 0.01}
    shares = {k: share for k in ("talks_resumed", "summit_held", "freeze_deal",
                                 "relief_granted", "crisis")}
    return {"name": name, "camp": camp, "shares": shares, "time_to_talks": {"median": 4.0}}


def _summary(names: list[str], comparison: bool) -> dict:
    scenarios = [_scenario(n, "centrist", 0.5 - 0.1 * i) for i, n in enumerate(names)]
    summary = {"scenarios": scenarios}
    if comparison:
        summary["comparison"] = {"reference": names[0], "rows": [
            {"scenario": n, "diff": -0.1 * i, "diff_lo": -0.1 * i - 0.01,
             "diff_hi": -0.1 * i + 0.01} for i, n in enumerate(names)]}
    return summary


MANIFEST = {"target_runs": 10_000, "master_seed": 20201130}


def test_comparison_table_aligns_long_names():
    names = ["a_very_long_scenario_name_indeed", "b"]
    text = T.comparison_table(_summary(names, True), MANIFEST)
    lines = text.splitlines()
    assert lines[0] == ("10,000 runs per scenario, the point run (no parameter draws), "
                        "master seed 20201130")
    header, rule, *rows = lines[1:]
    assert len(rule) == len(header) and set(rule) == {"-"}
    # every column starts at the same place in the header and in each row
    start = header.index("camp")
    assert all(r[start:].startswith("centrist") for r in rows)
    start = header.index("P(new talks)")
    assert rows[0][start:].startswith("0.500 [0.490, 0.510]")
    assert rows[1][start:].startswith("0.400 [0.390, 0.410]")
    assert len({len(r) for r in rows}) == 1


def test_single_scenario_says_runs_not_runs_per_scenario():
    text = T.comparison_table(_summary(["biden"], False), {**MANIFEST, "target_runs": 1})
    assert text.splitlines()[0] == ("1 run, the point run (no parameter draws), master seed "
                                    "20201130")
    assert "per scenario" not in text and "vs " not in text




def test_comparison_table_puts_talks_given_engaged_beside_talks():
    summary = _summary(["a", "b"], True)
    summary["scenarios"][0]["talks_given_engaged"] = {"p": 0.8, "lo": 0.79, "hi": 0.81}
    summary["scenarios"][1]["talks_given_engaged"] = {"p": float("nan"), "lo": 0.0,
                                                      "hi": 1.0}  # no run engaged
    header, _, first, second = T.comparison_table(summary, MANIFEST).splitlines()[1:5]
    start = header.index("P(talks | engaged) [95% CI]")
    assert header.index("P(new talks)") < start < header.index("vs a (paired)")
    cell = first[start:start + len("P(talks | engaged) [95% CI]")]
    assert cell.strip() == "0.800 [0.790, 0.810]"
    assert second[start:start + len("P(talks | engaged) [95% CI]")].strip() == "-"


def test_ordering_lines_follow_the_ranking_and_flip_pairs_to_match():
    params = {"draws": 10, "source": "envelope", "worlds": 500, "orderings": [
        {"a": "sanders", "b": "warren", "above": 0.4, "below": 0.1, "tied": 0.5},
        {"a": "biden", "b": "sanders", "above": 0.0, "below": 1.0, "tied": 0.0}]}
    lines = T.ordering_lines(params, ["sanders", "warren", "biden"], all_pairs=True)
    assert T.ordering_lines(params, ["sanders", "warren", "biden"]) == lines[:1]
    assert lines[-2:] == ["  sanders above warren in 40% of draws, tied in 50%, below in 10%",
                          "  sanders above biden in 100% of draws, tied in 0%, below in 0%"]
    assert "10 draws from the envelope x 500 worlds" in lines[0]


def test_tier_lines_mark_a_boundary_only_where_the_ordering_holds():
    comp = {"tier_share": 0.9, "tiers": [["a", "b"], ["c"]], "adjacent": [
        {"upper": "a", "lower": "b", "above": 0.85, "tied": 0.15, "below": 0.0,
         "boundary": False},
        {"upper": "b", "lower": "c", "above": 0.95, "tied": 0.05, "below": 0.0,
         "boundary": True}]}
    lines = T.tier_lines(comp)
    assert lines[0].startswith("tiers (an ordering that holds in at least 90% of")
    assert lines[1:3] == ["  tier 1: a, b", "  tier 2: c"]
    assert lines[-2] == "  a over b: 85% / 15% / 0%"
    assert lines[-1] == "  b over c: 95% / 5% / 0%  | new tier"


def test_tier_lines_show_an_undefined_share_as_a_dash():
    comp = {"tiers": [["a", "b"]], "adjacent": [
        {"upper": "a", "lower": "b", "above": float("nan"), "tied": float("nan"),
         "below": float("nan"), "boundary": False}]}
    assert T.tier_lines(comp)[-1] == "  a over b: — / — / —"
