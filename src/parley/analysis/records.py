"""Loaders for the historical reference data shipped in ``parley/analysis/refdata``.

Two files are shipped as package data (see ``refdata/README.md`` for sources):

* ``dprk_missile_tests_monthly.csv`` -- North Korean missile flight tests per calendar
  month, 1984-01 to 2026-04, counted from the CNS North Korea Missile Test Database
  (James Martin Center for Nonproliferation Studies, for the Nuclear Threat Initiative).
  Space launches are included; nuclear tests are *not* (see :data:`NUCLEAR_TEST_DATES`).
* ``us_dprk_talks_timeline.csv`` -- dated US-DPRK (and Six-Party) negotiation events,
  1994-2021.
* ``us_dprk_talks_monthly.csv`` and ``us_dprk_talks_episodes.csv`` -- the record as a
  monthly panel from 1993-01 (the talks state of every month) and its episodes (start,
  end, how each ended, source, coding note); see :func:`load_talks_panel`.

All loaders return fresh :class:`pandas.DataFrame` objects (safe to mutate); the CSV
files are parsed once and cached.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pandas as pd

__all__ = [
    "CLASS_COLUMNS",
    "EPISODES_FILE",
    "EPISODE_ENDINGS",
    "MISSILE_FILE",
    "NON_TALKS_KINDS",
    "NUCLEAR_TEST_DATES",
    "PANEL_FILE",
    "TALKS_FILE",
    "TALKS_KINDS",
    "TALKS_STATES",
    "TERMS",
    "Term",
    "load_missile_tests",
    "load_talks_episodes",
    "load_talks_panel",
    "load_talks_timeline",
    "missile_tests_between",
    "nuclear_test_dates",
    "nuclear_tests_monthly",
    "panel_last_month",
    "parse_month",
    "refdata_bytes",
    "state_before",
    "talks_month_indicator",
    "talks_months",
    "term_record",
]

MISSILE_FILE = "dprk_missile_tests_monthly.csv"
TALKS_FILE = "us_dprk_talks_timeline.csv"
PANEL_FILE = "us_dprk_talks_monthly.csv"
EPISODES_FILE = "us_dprk_talks_episodes.csv"

#: Monthly talks states of the panel; every state but ``none`` counts as being in talks.
TALKS_STATES: tuple[str, ...] = ("none", "contact", "multilateral", "summit", "agreement")
#: How an episode ended (``ongoing`` for one still open at the end of the panel).
EPISODE_ENDINGS: frozenset[str] = frozenset(
    {"agreement", "collapse", "walkout", "suspension", "lapsed", "ongoing"}
)

#: Missile classes in the monthly file; they sum to ``tests`` in every row.
CLASS_COLUMNS: tuple[str, ...] = ("srbm", "irbm_mrbm", "icbm", "slbm", "slv", "other")

#: North Korea's six nuclear tests (from the data README; they are not in the missile file).
NUCLEAR_TEST_DATES: tuple[dt.date, ...] = (
    dt.date(2006, 10, 9),
    dt.date(2009, 5, 25),
    dt.date(2013, 2, 12),
    dt.date(2016, 1, 6),
    dt.date(2016, 9, 9),
    dt.date(2017, 9, 3),
)

#: Timeline ``kind`` values that count as formal US-DPRK talks.
TALKS_KINDS: frozenset[str] = frozenset(
    {"working_level", "summit", "multilateral_talks", "agreement"}
)
#: Timeline ``kind`` values that mark the absence or end of talks.
NON_TALKS_KINDS: frozenset[str] = frozenset({"refusal", "no_talks", "collapse"})


def _read_refdata_text(name: str) -> str:
    return refdata_bytes(name).decode("utf-8")


def refdata_bytes(name: str) -> bytes:
    """The bytes of one shipped reference file (for its checksum in a manifest)."""
    return (resources.files("parley.analysis") / "refdata" / name).read_bytes()


def parse_month(value: str | pd.Period | dt.date | pd.Timestamp) -> pd.Period:
    """Parse ``"YYYY-MM"`` (or a date/Period) into a monthly :class:`pandas.Period`.

    Raises ``ValueError`` for anything that is not a valid month.
    """
    if isinstance(value, pd.Period):
        return value.asfreq("M")
    if isinstance(value, dt.date):  # includes pd.Timestamp and datetime
        return pd.Period(year=value.year, month=value.month, freq="M")
    text = str(value).strip()
    parts = text.split("-")
    if len(parts) != 2 or len(parts[0]) != 4 or not all(p.isdigit() for p in parts):
        raise ValueError(f"not a month in YYYY-MM form: {value!r}")
    year, month = int(parts[0]), int(parts[1])
    if not 1 <= month <= 12:
        raise ValueError(f"month out of range 01-12: {value!r}")
    return pd.Period(year=year, month=month, freq="M")


@lru_cache(maxsize=1)
def _missile_tests_cached() -> pd.DataFrame:
    text = _read_refdata_text(MISSILE_FILE)
    dtypes = {c: "int64" for c in ("tests", "launch_days", *CLASS_COLUMNS)}
    df = pd.read_csv(io.StringIO(text), dtype={"month": str, **dtypes})
    df["month"] = pd.PeriodIndex(df["month"], freq="M")
    return df


def load_missile_tests() -> pd.DataFrame:
    """Monthly missile-test counts, one row per calendar month (no gaps).

    Columns: ``month`` (``period[M]``), ``tests``, ``launch_days`` and the class counts
    ``srbm, irbm_mrbm, icbm, slbm, slv, other`` (all ``int64``). The class counts sum to
    ``tests``. Rows for 2025-2026 are preliminary in the source.
    """
    return _missile_tests_cached().copy()


def missile_tests_between(start: str | pd.Period, end: str | pd.Period) -> pd.DataFrame:
    """Rows of :func:`load_missile_tests` with ``start <= month <= end`` (inclusive).

    Raises ``ValueError`` if ``start > end`` or the range is not fully covered by the data.
    """
    p0, p1 = parse_month(start), parse_month(end)
    if p0 > p1:
        raise ValueError(f"start {p0} is after end {p1}")
    df = load_missile_tests()
    first, last = df["month"].iloc[0], df["month"].iloc[-1]
    if p0 < first or p1 > last:
        raise ValueError(f"range {p0}..{p1} is outside the data ({first}..{last})")
    return df[(df["month"] >= p0) & (df["month"] <= p1)].reset_index(drop=True)


def nuclear_test_dates() -> pd.DatetimeIndex:
    """The six North Korean nuclear test dates as a :class:`pandas.DatetimeIndex`."""
    return pd.DatetimeIndex([pd.Timestamp(d) for d in NUCLEAR_TEST_DATES], name="date")


def nuclear_tests_monthly(start: str | pd.Period, end: str | pd.Period) -> pd.Series:
    """Number of nuclear tests per month over ``start..end`` (inclusive), ``int64``."""
    p0, p1 = parse_month(start), parse_month(end)
    if p0 > p1:
        raise ValueError(f"start {p0} is after end {p1}")
    months = pd.period_range(p0, p1, freq="M", name="month")
    counts = pd.Series(0, index=months, dtype="int64", name="nuclear_tests")
    for d in NUCLEAR_TEST_DATES:
        p = parse_month(d)
        if p0 <= p <= p1:
            counts[p] += 1
    return counts


@lru_cache(maxsize=1)
def _talks_cached() -> pd.DataFrame:
    text = _read_refdata_text(TALKS_FILE)
    df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    df["date"] = pd.to_datetime(df["date"], format="%Y-%m-%d")
    end = df["end_date"].str.strip().replace("", None)
    df["end_date"] = pd.to_datetime(end, format="%Y-%m-%d")
    for col in ("event", "kind", "us_administration", "source"):
        df[col] = df[col].astype(str)
    unknown = set(df["kind"]) - TALKS_KINDS - NON_TALKS_KINDS
    if unknown:  # pragma: no cover - guards against an edited data file
        raise ValueError(f"unknown event kinds in {TALKS_FILE}: {sorted(unknown)}")
    df["is_talks"] = df["kind"].isin(TALKS_KINDS)
    return df


def load_talks_timeline() -> pd.DataFrame:
    """US-DPRK negotiation events.

    Columns: ``date`` and ``end_date`` (``datetime64``; ``end_date`` is ``NaT`` for one-day
    events), ``event``, ``kind``, ``us_administration``, ``source`` (strings) and
    ``is_talks`` (bool: ``kind`` is one of :data:`TALKS_KINDS`).
    """
    return _talks_cached().copy()


def _event_months(row: pd.Series) -> list[pd.Period]:
    first = parse_month(row["date"])
    last = first if pd.isna(row["end_date"]) else parse_month(row["end_date"])
    return list(pd.period_range(first, last, freq="M"))


def talks_months(
    administration: str | None = None,
    start: str | pd.Period | None = None,
    end: str | pd.Period | None = None,
) -> pd.PeriodIndex:
    """Months in which formal US-DPRK talks took place.

    A talks event (kind in :data:`TALKS_KINDS`) covers every month from its ``date`` to its
    ``end_date`` inclusive. ``administration`` (case-insensitive, e.g. ``"Trump"``) keeps only
    events under that US administration; ``start``/``end`` (``"YYYY-MM"``) clip the result.
    Returns a sorted, duplicate-free monthly :class:`pandas.PeriodIndex`.
    """
    df = _talks_cached()
    df = df[df["is_talks"]]
    if administration is not None:
        df = df[df["us_administration"].str.lower() == administration.strip().lower()]
    months: set[pd.Period] = set()
    for _, row in df.iterrows():
        months.update(_event_months(row))
    p0 = parse_month(start) if start is not None else None
    p1 = parse_month(end) if end is not None else None
    kept = sorted(m for m in months if (p0 is None or m >= p0) and (p1 is None or m <= p1))
    return pd.PeriodIndex(kept, freq="M", name="month")


def talks_month_indicator(
    start: str | pd.Period, end: str | pd.Period, administration: str | None = None
) -> pd.Series:
    """Boolean series over every month ``start..end``: True where formal talks took place."""
    p0, p1 = parse_month(start), parse_month(end)
    if p0 > p1:
        raise ValueError(f"start {p0} is after end {p1}")
    months = pd.period_range(p0, p1, freq="M", name="month")
    talks = talks_months(administration, p0, p1)
    return pd.Series(months.isin(talks), index=months, name="talks")


# ------------------------------------------------------------------ monthly panel


@dataclass(frozen=True)
class Term:
    """A US presidential term as the hindcast reads it: first month and length."""

    name: str
    start: str
    months: int = 48


#: The nine terms since 1993 (the month of the inauguration is the term's first month).
TERMS: tuple[Term, ...] = (
    Term("clinton_1993", "1993-01"), Term("clinton_1997", "1997-01"),
    Term("bush_2001", "2001-01"), Term("bush_2005", "2005-01"),
    Term("obama_2009", "2009-01"), Term("obama_2013", "2013-01"),
    Term("trump_2017", "2017-01"), Term("biden_2021", "2021-01"),
    Term("trump_2025", "2025-01"),
)


def _check_panel(panel: pd.DataFrame, episodes: pd.DataFrame) -> list[str]:
    """Problems with the panel and episode files (an empty list when consistent)."""
    problems = []
    expected = pd.period_range(panel["month"].iloc[0], panel["month"].iloc[-1], freq="M")
    if panel["month"].iloc[0] != pd.Period("1993-01", "M") or list(panel["month"]) != list(
            expected):
        problems.append(f"{PANEL_FILE}: months must run from 1993-01 without gaps or repeats")
    bad = sorted(set(panel["state"]) - set(TALKS_STATES))
    if bad:
        problems.append(f"{PANEL_FILE}: state {bad} not one of {', '.join(TALKS_STATES)}")
    if ((panel["state"] == "none") != (panel["episode"] == "")).any():
        problems.append(f"{PANEL_FILE}: a month has an episode exactly when it is in talks")
    bad = sorted(set(episodes["ended"]) - EPISODE_ENDINGS)
    if bad:
        problems.append(f"{EPISODES_FILE}: ended {bad} not one of {sorted(EPISODE_ENDINGS)}")
    for ep in episodes.itertuples():
        months = panel.loc[panel["episode"] == ep.episode, "month"]
        span = pd.period_range(ep.start, ep.end, freq="M")
        if list(months) != list(span):
            problems.append(f"{EPISODES_FILE}: episode {ep.episode} does not cover "
                            f"{ep.start}..{ep.end} in {PANEL_FILE} exactly")
        if not ep.source.strip():
            problems.append(f"{EPISODES_FILE}: episode {ep.episode} has no source")
    unknown = set(panel["episode"]) - set(episodes["episode"]) - {""}
    if unknown:
        problems.append(f"{PANEL_FILE}: episodes {sorted(unknown)} missing in {EPISODES_FILE}")
    return problems


@lru_cache(maxsize=1)
def _panel_cached() -> tuple[pd.DataFrame, pd.DataFrame]:
    panel = pd.read_csv(io.StringIO(_read_refdata_text(PANEL_FILE)), dtype=str,
                        keep_default_na=False)
    episodes = pd.read_csv(io.StringIO(_read_refdata_text(EPISODES_FILE)), dtype=str,
                           keep_default_na=False)
    panel["month"] = pd.PeriodIndex(panel["month"], freq="M")
    for col in ("start", "end", "end_month"):
        episodes[col] = pd.PeriodIndex(episodes[col], freq="M")
    problems = _check_panel(panel, episodes)
    if problems:  # pragma: no cover - guards against an edited data file
        raise ValueError("; ".join(problems))
    panel["in_talks"] = panel["state"] != "none"
    return panel, episodes


def load_talks_panel() -> pd.DataFrame:
    """The record month by month from 1993-01 to :func:`panel_last_month`.

    Columns: ``month`` (``period[M]``), ``state`` (one of :data:`TALKS_STATES`),
    ``episode`` (the episode id, ``""`` when not in talks), ``us_administration`` and
    ``in_talks`` (bool: ``state != "none"``).  When several things happened in one month
    the state is the highest by the precedence summit > multilateral > agreement > contact
    (refdata/README.md).
    """
    return _panel_cached()[0].copy()


def load_talks_episodes() -> pd.DataFrame:
    """Episodes of talks: ``episode``, ``start``, ``end`` (last month in talks),
    ``end_month`` (first month out of talks), ``ended`` (one of :data:`EPISODE_ENDINGS`),
    ``us_administration``, ``source`` and ``coding_note``."""
    return _panel_cached()[1].copy()


def panel_last_month() -> pd.Period:
    """The latest month the panel is sourced to (terms running past it are censored)."""
    return _panel_cached()[0]["month"].iloc[-1]


def term_record(start: str, months: int) -> pd.DataFrame:
    """Panel rows and missile tests of a term, cut at the last month both are sourced.

    Columns: ``month``, ``state``, ``in_talks`` and ``tests`` (missiles that month).
    Fewer than ``months`` rows means the term is right-censored.  The month before the
    term is left out; :func:`state_before` gives it.
    """
    panel = _panel_cached()[0]
    tests = _missile_tests_cached()
    p0 = parse_month(start)
    p1 = min(p0 + (months - 1), panel["month"].iloc[-1], tests["month"].iloc[-1])
    rows = panel[(panel["month"] >= p0) & (panel["month"] <= p1)]
    counts = tests.set_index("month")["tests"]
    out = rows[["month", "state", "in_talks"]].reset_index(drop=True)
    out["tests"] = counts.reindex(out["month"]).to_numpy()
    return out


def state_before(start: str) -> str:
    """The panel's talks state in the month before ``start`` (``none`` before 1993-01)."""
    panel = _panel_cached()[0]
    prev = parse_month(start) - 1
    row = panel[panel["month"] == prev]
    return "none" if row.empty else str(row["state"].iloc[0])
