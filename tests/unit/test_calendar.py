"""The combined holiday calendar: XBOM where it has data, the `holidays` package beyond."""

from __future__ import annotations

from datetime import date, timedelta

import exchange_calendars as xcals
import pandas as pd

from stockapp.market.calendar import (
    IST,
    calendar_status,
    clock_calendar_status,
    holiday_source,
    is_trading_day,
    is_verified_day,
    is_verified_year,
    market_clock,
    next_trading_day,
)


def test_republic_day_2027_is_a_holiday() -> None:
    assert holiday_source(date(2027, 1, 26)) == "holidays"
    assert not is_trading_day(date(2027, 1, 26))
    assert is_trading_day(date(2027, 1, 25))
    assert next_trading_day(date(2027, 1, 25)) == date(2027, 1, 27)


def test_every_2026_date_follows_the_exchange_list() -> None:
    xbom = xcals.get_calendar("XBOM")
    day = date(2026, 1, 1)
    while day.year == 2026:
        assert holiday_source(day) == "exchange_calendars"
        assert is_trading_day(day) == bool(xbom.is_session(pd.Timestamp(day))), day
        day += timedelta(days=1)
    # where the sources disagree the exchange's list wins: 15 Jan 2026 was shut on XBOM only
    assert not is_trading_day(date(2026, 1, 15))
    assert is_verified_year(2026)


def test_years_beyond_the_published_lists_are_estimated() -> None:
    assert not is_verified_year(2027)
    assert not is_verified_day(date(2027, 1, 20))
    status = calendar_status(date(2026, 12, 30), date(2027, 1, 25))
    assert not status.verified
    assert status.estimated_years == (2027,)
    assert status.note == "holiday calendar estimated for 2027"
    assert calendar_status(date(2026, 12, 2)).verified
    assert calendar_status(date(2026, 12, 2)).note is None


def test_dates_outside_every_calendar_answer_as_estimates() -> None:
    for day in (date(1990, 3, 5), date(2150, 6, 1)):
        status = calendar_status(day)
        assert not status.verified and status.note is not None
        assert is_trading_day(day) == (day.weekday() < 5)
    assert market_clock(pd.Timestamp("2150-06-01T05:00:00Z").to_pydatetime()).status == "open"


def test_market_clock_status_turns_estimated_when_the_next_session_is_in_2027() -> None:
    from datetime import datetime

    assert clock_calendar_status(datetime(2026, 12, 2, 11, 0, tzinfo=IST)).verified
    # after the last session of 2026 the next open is in an estimated year
    late = clock_calendar_status(datetime(2026, 12, 31, 16, 0, tzinfo=IST))
    assert late.note == "holiday calendar estimated for 2027"
    assert not clock_calendar_status(datetime(2027, 1, 20, 10, 0, tzinfo=IST)).verified


def test_app_clock_moves_and_restores() -> None:
    from datetime import UTC, datetime

    from stockapp.market import clock

    start = datetime(2027, 1, 20, 4, 30, tzinfo=UTC)
    clock.set_sim_start(start)
    try:
        assert clock.is_shifted()
        assert abs((clock.app_now() - start).total_seconds()) < 5
    finally:
        clock.set_sim_start(None)
    assert not clock.is_shifted()
    assert abs((clock.app_now() - datetime.now(UTC)).total_seconds()) < 1
