"""Market clock for NSE/BSE from the `exchange_calendars` XBOM calendar.

NSE and BSE share holidays and hours: pre-open 09:00-09:08, normal market 09:15-15:30 IST,
closing session until 16:00. XBOM's published holidays end at its `last_session`; beyond it
(far option expiries) weekdays count as trading days, which is what NSE itself assumes until
it publishes the next year's list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo

import exchange_calendars as xcals
import pandas as pd

IST = ZoneInfo("Asia/Kolkata")
PRE_OPEN = time(9, 0)
PRE_OPEN_END = time(9, 8)
OPEN = time(9, 15)
CLOSE = time(15, 30)
POST_CLOSE_END = time(16, 0)

Status = Literal["open", "closed", "pre_open", "post_close"]


@cache
def _xbom() -> xcals.ExchangeCalendar:
    return xcals.get_calendar("XBOM")


def is_trading_day(day: date) -> bool:
    cal = _xbom()
    ts = pd.Timestamp(day)
    if cal.first_session <= ts <= cal.last_session:
        return bool(cal.is_session(ts))
    return day.weekday() < 5


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
