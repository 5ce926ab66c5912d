"""One window convention: start inclusive, end exclusive, ``end`` the last day."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from repurchase.core.errors import PeriodError
from repurchase.core.periods import Period, Window, expand_periods, latest_complete_month


def test_a_period_is_a_window_of_one_month():
    p = Period.from_label("2026-02")
    assert isinstance(p, Window)
    assert (p.start, p.end_exclusive, p.end) == (
        pd.Timestamp("2026-02-01"),
        pd.Timestamp("2026-03-01"),
        pd.Timestamp("2026-02-28"),
    )
    assert (
        p.days == 28
        and p.previous.label == "2026-01"
        and p.year_ago.label == "2025-02"
        and p.shift(11).label == "2027-01"
    )


def test_window_ends_and_membership():
    w = Window.through("2026-10-31")
    assert w.end_exclusive == pd.Timestamp("2026-11-01") and w.start is None and w.days is None
    dates = pd.Series(pd.to_datetime(["2026-10-31 23:59", "2026-11-01 00:00", "1990-01-01 00:00"]))
    assert w.contains(dates).tolist() == [True, False, True]
    cut = Period.from_label("2026-10").until("2026-10-15")
    assert (cut.start, cut.end) == (pd.Timestamp("2026-10-01"), pd.Timestamp("2026-10-14"))
    assert cut.contains(dates).tolist() == [False, False, False]
    assert Period.from_label("2026-10").until("2027-01-01").end_exclusive == pd.Timestamp("2026-11-01")


def test_a_window_ends_at_midnight():
    with pytest.raises(PeriodError, match="day boundary"):
        Window.ending("2026-10-15 12:00")


def test_latest_and_ranges():
    assert latest_complete_month(pd.Timestamp("2026-10-31")).label == "2026-10"
    assert latest_complete_month(pd.Timestamp("2026-10-30")).label == "2026-09"
    assert expand_periods("2026-11..2027-01") == ["2026-11", "2026-12", "2027-01"]
    with pytest.raises(PeriodError, match="ends before it starts"):
        expand_periods("2026-05..2026-01")


def test_period_arithmetic():
    p = Period.from_label("2026-03")
    assert p.start == pd.Timestamp("2026-03-01") and p.end == pd.Timestamp("2026-03-31")
    assert p.end_exclusive == pd.Timestamp("2026-04-01")
    assert p.previous.label == "2026-02" and p.year_ago.label == "2025-03" and p.shift(10).label == "2027-01"


def test_latest_complete_month():
    # export date on the last day of a month: that month is complete
    assert latest_complete_month(pd.Timestamp("2026-10-31 20:00"), dt.date(2026, 10, 31)).label == "2026-10"
    # exported mid-month: the month before
    assert latest_complete_month(pd.Timestamp("2026-11-05"), dt.date(2026, 11, 20)).label == "2026-10"
    # no export date: the last transaction's month counts only when it ends on its last day
    assert latest_complete_month(pd.Timestamp("1998-06-30")).label == "1998-06"
    assert latest_complete_month(pd.Timestamp("1998-06-29")).label == "1998-05"


def test_expand_periods():
    assert expand_periods("2026-05..2026-10") == ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]
    assert expand_periods("latest") == ["latest"]
    with pytest.raises(PeriodError, match="ends before it starts"):
        expand_periods("2026-10..2026-05")
