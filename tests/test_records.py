"""Tests for parley.analysis.records: the shipped reference data and its loaders."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from parley.analysis import records

REFDATA = Path(__file__).resolve().parents[1] / "src" / "parley" / "analysis" / "refdata"
MISSILE_CSV = REFDATA / "dprk_missile_tests_monthly.csv"
TALKS_CSV = REFDATA / "us_dprk_talks_timeline.csv"

README_YEARLY_2012_2024 = [2, 6, 19, 15, 24, 21, 0, 27, 9, 6, 69, 33, 41]
NUCLEAR = ["2006-10-09", "2009-05-25", "2013-02-12", "2016-01-06", "2016-09-09", "2017-09-03"]


def raw_missile_rows() -> list[dict[str, str]]:
    with MISSILE_CSV.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# ---------------------------------------------------------------- missile file


def test_missile_file_line_count_exact():
    with MISSILE_CSV.open(newline="", encoding="utf-8") as fh:
        lines = list(csv.reader(fh))
    assert lines[0] == ["month", "tests", "launch_days", *records.CLASS_COLUMNS]
    # header + 508 monthly rows (1984-01 .. 2026-04 is 42 * 12 + 4 = 508 months)
    assert len(lines) == 509
    assert len(lines) - 1 == 42 * 12 + 4


def test_missile_loader_shape_dtypes_and_span():
    df = records.load_missile_tests()
    assert len(df) == 508
    assert isinstance(df["month"].dtype, pd.PeriodDtype)
    assert df["month"].iloc[0] == pd.Period("1984-01", "M")
    assert df["month"].iloc[-1] == pd.Period("2026-04", "M")
    for col in ("tests", "launch_days", *records.CLASS_COLUMNS):
        assert df[col].dtype == "int64", col
        assert (df[col] >= 0).all(), col


def test_missile_months_have_no_gaps_or_duplicates():
    months = records.load_missile_tests()["month"]
    expected = pd.period_range("1984-01", "2026-04", freq="M")
    assert list(months) == list(expected)


def test_class_columns_sum_to_tests_and_launch_days_bounded():
    df = records.load_missile_tests()
    assert (df[list(records.CLASS_COLUMNS)].sum(axis=1) == df["tests"]).all()
    assert (df["launch_days"] <= df["tests"]).all()
    assert ((df["tests"] > 0) == (df["launch_days"] > 0)).all()


def test_yearly_totals_match_readme():
    df = records.load_missile_tests()
    yearly = df.groupby(df["month"].dt.year)["tests"].sum()
    assert [int(yearly[y]) for y in range(2012, 2025)] == README_YEARLY_2012_2024
    # and independently of the loader
    raw: dict[int, int] = {}
    for row in raw_missile_rows():
        year = int(row["month"][:4])
        raw[year] = raw.get(year, 0) + int(row["tests"])
    assert [raw[y] for y in range(2012, 2025)] == README_YEARLY_2012_2024


def test_loader_matches_raw_csv():
    df = records.load_missile_tests()
    raw = raw_missile_rows()
    assert [str(p) for p in df["month"]] == [r["month"] for r in raw]
    assert df["tests"].tolist() == [int(r["tests"]) for r in raw]
    assert df["icbm"].tolist() == [int(r["icbm"]) for r in raw]


def test_2017_icbm_tests_present():
    df = records.load_missile_tests().set_index("month")
    assert df.loc[pd.Period("2017-07", "M"), "icbm"] == 2  # Hwasong-14, 4 and 28 July
    assert df.loc[pd.Period("2017-11", "M"), "icbm"] == 1  # Hwasong-15, 29 November
    assert df.loc[pd.Period("2017-01", "M") : pd.Period("2017-12", "M"), "icbm"].sum() == 3


def test_nuclear_tests_are_not_in_missile_file():
    df = records.load_missile_tests().set_index("month")
    assert not any("nuc" in c.lower() for c in df.columns)
    # four of the six nuclear-test months have no missile test at all, so nuclear tests
    # cannot have been counted as missile tests there
    for date in ("2006-10-09", "2009-05-25", "2013-02-12", "2016-01-06"):
        assert df.loc[pd.Period(date[:7], "M"), "tests"] == 0, date
    # the September 2017 nuclear test month has only the Hwasong-12 IRBM flight
    row = df.loc[pd.Period("2017-09", "M")]
    assert row["tests"] == 1
    assert row["irbm_mrbm"] == 1


def test_nuclear_test_dates():
    assert [d.isoformat() for d in records.NUCLEAR_TEST_DATES] == NUCLEAR
    assert all(isinstance(d, dt.date) for d in records.NUCLEAR_TEST_DATES)
    idx = records.nuclear_test_dates()
    assert list(idx) == [pd.Timestamp(d) for d in NUCLEAR]
    monthly = records.nuclear_tests_monthly("2012-01", "2020-12")
    assert len(monthly) == 108
    assert monthly.sum() == 4
    assert monthly[pd.Period("2016-09", "M")] == 1
    assert records.nuclear_tests_monthly("1984-01", "2026-04").sum() == 6
    assert records.nuclear_tests_monthly("2018-01", "2024-12").sum() == 0


def test_missile_tests_between():
    df = records.missile_tests_between("2012-01", "2020-12")
    assert len(df) == 108
    assert df["tests"].sum() == sum(README_YEARLY_2012_2024[:9])
    with pytest.raises(ValueError):
        records.missile_tests_between("2020-12", "2012-01")
    with pytest.raises(ValueError):
        records.missile_tests_between("1983-01", "1990-12")
    with pytest.raises(ValueError):
        records.missile_tests_between("2026-01", "2026-12")


@pytest.mark.parametrize("bad", ["2012", "2012-13", "2012-00", "12-2012", "abcd-ef", ""])
def test_parse_month_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        records.parse_month(bad)


def test_parse_month_accepts_dates_and_periods():
    assert records.parse_month("2018-06") == pd.Period("2018-06", "M")
    assert records.parse_month(dt.date(2018, 6, 12)) == pd.Period("2018-06", "M")
    assert records.parse_month(pd.Timestamp("2018-06-12")) == pd.Period("2018-06", "M")


# ---------------------------------------------------------------- talks timeline


def test_timeline_rows_and_dtypes():
    with TALKS_CSV.open(newline="", encoding="utf-8") as fh:
        raw = list(csv.DictReader(fh))
    df = records.load_talks_timeline()
    assert len(df) == len(raw) == 21
    assert pd.api.types.is_datetime64_any_dtype(df["date"])
    assert pd.api.types.is_datetime64_any_dtype(df["end_date"])
    one_day = [r["end_date"] == "" for r in raw]
    assert df["end_date"].isna().tolist() == one_day
    assert (df["end_date"].dropna() >= df.loc[df["end_date"].notna(), "date"]).all()
    assert set(df["kind"]) <= records.TALKS_KINDS | records.NON_TALKS_KINDS


def test_timeline_singapore_and_stockholm():
    df = records.load_talks_timeline()
    singapore = df[df["event"].str.contains("Singapore")]
    assert len(singapore) == 1
    assert singapore["date"].iloc[0] == pd.Timestamp("2018-06-12")
    assert singapore["kind"].iloc[0] == "summit"
    stockholm = df[df["event"].str.contains("Stockholm")]
    assert len(stockholm) == 1
    assert stockholm["date"].iloc[0].strftime("%Y-%m") == "2019-10"
    assert stockholm["kind"].iloc[0] == "working_level"


def test_talks_months_trump():
    months = [str(p) for p in records.talks_months("Trump")]
    assert months == ["2018-03", "2018-04", "2018-05", "2018-06", "2019-02", "2019-06", "2019-10"]
    assert records.talks_months("trump").equals(records.talks_months("Trump"))


def test_talks_months_excludes_non_talks_kinds():
    assert len(records.talks_months("Biden")) == 0  # no_talks and refusal only
    obama = [str(p) for p in records.talks_months("Obama")]
    assert obama == ["2012-02"]  # the 2009-04 collapse is not talks
    # README: no formal talks between Stockholm (Oct 2019) and the end of 2024
    assert len(records.talks_months(start="2019-11", end="2024-12")) == 0


def test_talks_months_multi_month_event_and_clipping():
    bush = [str(p) for p in records.talks_months("Bush", "2005-01", "2005-12")]
    assert bush == ["2005-07", "2005-08", "2005-09", "2005-11"]
    all_months = records.talks_months()
    assert all_months.is_monotonic_increasing
    assert all_months.is_unique
    assert pd.Period("1994-10", "M") in all_months


def test_talks_month_indicator():
    flags = records.talks_month_indicator("2017-01", "2020-12", administration="Trump")
    assert len(flags) == 48
    assert flags.dtype == bool
    assert int(flags.sum()) == 7
    assert flags[pd.Period("2018-06", "M")]
    assert not flags[pd.Period("2018-07", "M")]


# ---------------------------------------------------------------- monthly panel


def test_panel_has_every_month_from_1993_once():
    panel = records.load_talks_panel()
    last = records.panel_last_month()
    assert last >= pd.Period("2025-12", "M")
    assert list(panel["month"]) == list(pd.period_range("1993-01", last, freq="M"))
    assert panel["month"].is_unique


def test_panel_states_are_valid_and_in_talks_follows_them():
    panel = records.load_talks_panel()
    assert set(panel["state"]) <= set(records.TALKS_STATES)
    assert (panel["in_talks"] == (panel["state"] != "none")).all()
    assert set(panel["state"]) == set(records.TALKS_STATES)  # every state is used


@pytest.mark.parametrize("month,state", [
    ("1993-05", "none"),          # before the first New York round (1993-06)
    ("1993-06", "contact"),
    ("1994-10", "agreement"),     # Agreed Framework, 1994-10-21
    ("1999-01", "agreement"),
    ("2003-01", "none"),          # NPT exit, no talks
    ("2003-08", "multilateral"),  # first Six-Party round
    ("2005-09", "multilateral"),  # Joint Statement round
    ("2006-06", "none"),          # boycott over Banco Delta Asia
    ("2007-05", "agreement"),     # initial actions in force
    ("2012-02", "agreement"),     # Leap Day deal
    ("2012-04", "none"),
    ("2015-06", "none"),
    ("2018-06", "summit"),        # Singapore
    ("2019-02", "summit"),        # Hanoi
    ("2019-06", "summit"),        # Panmunjom
    ("2019-10", "contact"),       # Stockholm
    ("2019-11", "none"),
    ("2022-06", "none"),
    ("2025-06", "none"),
])
def test_known_dates_sit_where_they_belong(month, state):
    panel = records.load_talks_panel().set_index("month")
    assert panel.loc[pd.Period(month, "M"), "state"] == state


def test_episodes_match_the_panel_and_cite_a_source():
    panel = records.load_talks_panel()
    episodes = records.load_talks_episodes()
    assert episodes["episode"].is_unique
    assert set(episodes["ended"]) <= records.EPISODE_ENDINGS
    in_episode = set()
    for ep in episodes.itertuples():
        rows = panel[panel["episode"] == ep.episode]
        assert list(rows["month"]) == list(pd.period_range(ep.start, ep.end, freq="M"))
        assert rows["in_talks"].all()
        assert ep.end_month == ep.end + 1
        assert len(ep.source) > 20 and len(ep.coding_note) > 20
        in_episode |= set(rows["month"])
    assert in_episode == set(panel.loc[panel["in_talks"], "month"])
    # an episode that ended leaves the month after it out of talks or in a new episode
    nxt = panel.set_index("month")
    for ep in episodes.itertuples():
        if ep.end_month <= records.panel_last_month():
            assert nxt.loc[ep.end_month, "episode"] != ep.episode


def test_panel_agrees_with_the_event_timeline():
    months = records.talks_months()
    panel = records.load_talks_panel().set_index("month")
    for m in months:
        if m <= records.panel_last_month():
            assert panel.loc[m, "in_talks"], m


def test_term_record_is_cut_at_the_sourced_end():
    full = records.term_record("2017-01", 48)
    assert len(full) == 48 and full["in_talks"].sum() == 17
    assert int(full["tests"].sum()) == 21 + 0 + 27 + 9
    live = records.term_record("2025-01", 48)
    assert len(live) == (records.panel_last_month() - pd.Period("2025-01", "M")).n + 1
    assert not live["in_talks"].any()
    assert records.state_before("1997-01") == "agreement"
    assert records.state_before("2005-01") == "none"
    assert records.state_before("1993-01") == "none"


def test_terms_are_the_nine_since_1993():
    assert [t.start[:4] for t in records.TERMS] == [
        "1993", "1997", "2001", "2005", "2009", "2013", "2017", "2021", "2025"]
