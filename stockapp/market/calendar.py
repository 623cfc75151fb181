"""Market clock for NSE/BSE: trading days, hours and how far the holiday list can be trusted.

NSE and BSE share holidays and hours: pre-open 09:00-09:08, normal market 09:15-15:30 IST,
closing session until 16:00.

Holidays come from two sources, combined by one rule (`holiday_source`):

1. `exchange_calendars`' XBOM calendar, for every date between its first and last session.
   Its list is the exchange's published one and wins wherever it has data, even where the
   other source disagrees (it knows, e.g., the one-off closure of 15 January 2026).
2. Beyond that (XBOM's data ends with the last year the exchange had published when the
   package was released), the `holidays` package's NSE financial calendar
   (`holidays.financial_holidays("XNSE")`), which computes fixed-date, Christian, Hindu and
   Islamic holidays for any year.
3. Before 2001 neither source knows NSE's list; weekdays count as trading days.

A date's calendar is *verified* when it comes from a list NSE has published: XBOM's range, or
a year the `holidays` package records as taken from NSE's annual circular, provided the
package does not mark that year's date as estimated. Anything else (rule-based years, dates
the package labels "(estimated)", years neither source covers) is an *estimate*, and the app
says so (`calendar_status`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo

import exchange_calendars as xcals
import holidays
import pandas as pd
from holidays.financial.national_stock_exchange_of_india import NationalStockExchangeOfIndia

IST = ZoneInfo("Asia/Kolkata")
PRE_OPEN = time(9, 0)
PRE_OPEN_END = time(9, 8)
OPEN = time(9, 15)
CLOSE = time(15, 30)
POST_CLOSE_END = time(16, 0)

Status = Literal["open", "closed", "pre_open", "post_close"]


HolidaySource = Literal["exchange_calendars", "holidays", "weekdays"]
PACKAGE_FIRST_YEAR = 2001  # the `holidays` package's NSE calendar starts here
_PUBLISHED_YEAR = re.compile(r"\*\s*\[(\d{4})\]\(")


@cache
def _xbom() -> xcals.ExchangeCalendar:
    return xcals.get_calendar("XBOM")


@cache
def _xbom_range() -> tuple[date, date]:
    cal = _xbom()
    return cal.first_session.date(), cal.last_session.date()


@cache
def _xbom_holidays() -> frozenset[date]:
    """Weekdays inside XBOM's range on which the exchange is shut."""
    first, last = _xbom_range()
    sessions = {ts.date() for ts in _xbom().sessions}
    weekdays = pd.bdate_range(first, last)
    return frozenset(d.date() for d in weekdays if d.date() not in sessions)


@cache
def _package_year(year: int) -> dict[date, str]:
    """The `holidays` package's NSE holidays of `year`, name by date."""
    return dict(holidays.financial_holidays("XNSE", years=year).items())


@cache
def package_published_years() -> frozenset[int]:
    """Years whose NSE list the `holidays` package took from NSE's annual circular.

    The package records them as the "Historical data" links in its NSE class's docstring;
    later years are computed by rule. Reading them here means a package upgrade that adds a
    year's circular makes that year verified without a code change.
    """
    doc = NationalStockExchangeOfIndia.__doc__ or ""
    return frozenset(int(y) for y in _PUBLISHED_YEAR.findall(doc))


def _estimated_label() -> str:
    label = NationalStockExchangeOfIndia.estimated_label
    return str(label).replace("%s", "").strip()


def holiday_source(day: date) -> HolidaySource:
    """Which source decides whether `day` is a trading day (the combination rule, in code)."""
    first, last = _xbom_range()
    if first <= day <= last:
        return "exchange_calendars"
    if day.year >= PACKAGE_FIRST_YEAR:
        return "holidays"
    return "weekdays"


def is_trading_day(day: date) -> bool:
    if day.weekday() >= 5:
        return False
    source = holiday_source(day)
    if source == "exchange_calendars":
        return day not in _xbom_holidays()
    if source == "holidays":
        return day not in _package_year(day.year)
    return True


def is_verified_day(day: date) -> bool:
    """True when `day`'s open/shut status comes from a list NSE has published."""
    source = holiday_source(day)
    if source == "exchange_calendars":
        return True
    if source == "weekdays" or day.year not in package_published_years():
        return False
    return _estimated_label() not in _package_year(day.year).get(day, "")


@cache
def is_verified_year(year: int) -> bool:
    """True when every date of `year` is verified (see `is_verified_day`)."""
    first, last = _xbom_range()
    if first <= date(year, 1, 1) and date(year, 12, 31) <= last:
        return True
    days = pd.date_range(date(year, 1, 1), date(year, 12, 31))
    return all(is_verified_day(d.date()) for d in days)


@dataclass(frozen=True, slots=True)
class CalendarStatus:
    """How far the holiday calendar can be trusted for some dates, with a note for users."""

    verified: bool
    estimated_years: tuple[int, ...]
    note: str | None  # e.g. "holiday calendar estimated for 2027"; None when verified


def calendar_status(*days: date) -> CalendarStatus:
    """Whether the holiday calendar covering `days` is verified; never raises for a date."""
    years = sorted({d.year for d in days if not is_verified_day(d)})
    if not years:
        return CalendarStatus(True, (), None)
    listed = ", ".join(str(y) for y in years)
    return CalendarStatus(False, tuple(years), f"holiday calendar estimated for {listed}")


def previous_trading_day(day: date) -> date:
    """The trading day strictly before `day`."""
    d = day - timedelta(days=1)
    while not is_trading_day(d):
        d -= timedelta(days=1)
    return d


def next_trading_day(day: date) -> date:
    """The trading day strictly after `day`."""
    d = day + timedelta(days=1)
    while not is_trading_day(d):
        d += timedelta(days=1)
    return d


def trading_days(start: date, end: date) -> list[date]:
    """Trading days in [start, end], oldest first."""
    out = []
    d = start
    while d <= end:
        if is_trading_day(d):
            out.append(d)
        d += timedelta(days=1)
    return out


def _at(day: date, t: time) -> datetime:
    return datetime.combine(day, t, tzinfo=IST).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class ClockReading:
    status: Status
    next_open: datetime
    next_close: datetime
    session_day: date  # the trading day whose prices are current (today, or the last one)


def market_clock(now: datetime) -> ClockReading:
    """Status of the exchange at `now` (aware), with the next open and close in UTC."""
    local = now.astimezone(IST)
    today = local.date()
    t = local.time()
    if is_trading_day(today):
        if t < PRE_OPEN:
            status: Status = "closed"
        elif t < OPEN:
            status = "pre_open"  # order entry 09:00-09:08, then matching until 09:15
        elif t < CLOSE:
            status = "open"
        elif t < POST_CLOSE_END:
            status = "post_close"
        else:
            status = "closed"
        next_open = _at(today, OPEN) if t < OPEN else _at(next_trading_day(today), OPEN)
        next_close = _at(today, CLOSE) if t < CLOSE else _at(next_trading_day(today), CLOSE)
        session_day = today if t >= PRE_OPEN else previous_trading_day(today)
    else:
        status = "closed"
        nxt = next_trading_day(today)
        next_open, next_close = _at(nxt, OPEN), _at(nxt, CLOSE)
        session_day = previous_trading_day(today)
    return ClockReading(status, next_open, next_close, session_day)


def session_bounds(day: date) -> tuple[datetime, datetime]:
    """Normal-market open and close of `day` in UTC."""
    return _at(day, OPEN), _at(day, CLOSE)


def clock_calendar_status(now: datetime) -> CalendarStatus:
    """Calendar status of what the market clock says at `now`: today and the next session."""
    reading = market_clock(now)
    today = now.astimezone(IST).date()
    return calendar_status(today, reading.next_open.astimezone(IST).date())
