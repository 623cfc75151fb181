"""When the simulated exchange trades, and which days a history range covers.

Two clocks:

* ``always`` - the simulator trades around the clock so that a demo shows moving prices at
  any hour. Its "day" is the IST calendar date and its session window is that whole date
  (IST midnight to midnight). Generated history still only has NSE trading days; days the
  simulator itself lives through are recorded as they happen, weekends included.
* ``exchange`` - NSE hours from `stockapp.market.calendar`: a day starts at pre-open (09:00
  IST, when the open price is discovered), ticks from 09:15 to 15:30 and is then frozen until
  the next trading day's pre-open.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal

from stockapp.market import calendar as cal
from stockapp.market.providers.base import INTERVALS, RANGES

Hours = Literal["always", "exchange"]
ALWAYS_OPEN_NOTE = (
    "Simulated market open around the clock: chart times are simulated, not NSE hours "
    "(NSE trades 09:15-15:30 IST on trading days)."
)


def time_note(simulated: bool, hours: str) -> str | None:
    """What a chart must say about its time axis: the always-open simulation trades at hours
    and on days NSE is shut, so its times are labelled simulated (None: real NSE hours)."""
    return ALWAYS_OPEN_NOTE if simulated and hours == "always" else None


MINUTE_MS = 60_000
HISTORY_YEARS = 5

# Which ranges each bar interval may be asked for (intraday bars exist for recent sessions
# only; daily and weekly bars make no sense for a single session).
ALLOWED_RANGES: dict[str, tuple[str, ...]] = {
    "1m": ("1d", "5d"),
    "5m": ("1d", "5d", "1mo"),
    "15m": ("1d", "5d", "1mo"),
    "1h": ("1d", "5d", "1mo", "6mo"),
    "1d": ("5d", "1mo", "6mo", "1y", "5y"),
    "1wk": ("1mo", "6mo", "1y", "5y"),
}
SESSION_COUNT_RANGES: dict[str, int] = {"1d": 1, "5d": 5}
_MONTHS_BACK: dict[str, int] = {"1mo": 1, "6mo": 6, "1y": 12, "5y": 60}


def check_interval_range(interval: str, range_: str) -> None:
    """Raise ValueError naming what is wrong with an interval/range request."""
    if interval not in INTERVALS:
        raise ValueError(f"unknown interval {interval!r}; expected one of {', '.join(INTERVALS)}")
    if range_ not in RANGES:
        raise ValueError(f"unknown range {range_!r}; expected one of {', '.join(RANGES)}")
    allowed = ALLOWED_RANGES[interval]
    if range_ not in allowed:
        raise ValueError(
            f"interval {interval!r} is not available for range {range_!r}; "
            f"with {interval!r} use range {', '.join(allowed)}"
        )


def months_back(day: date, months: int) -> date:
    """The same day-of-month `months` earlier, clamped to the month's length."""
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    month = month0 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def calendar_cutoff(end_day: date, range_: str) -> date:
    """Days strictly after this belong to a calendar range (1mo, 6mo, 1y, 5y) ending at end_day."""
    return months_back(end_day, _MONTHS_BACK[range_])


@lru_cache(maxsize=4096)
def _is_trading_day(day: date) -> bool:
    return cal.is_trading_day(day)


@lru_cache(maxsize=8)
def history_days(anchor: date) -> tuple[date, ...]:
    """Trading days of the generated daily history: a little over five years before `anchor`."""
    start = months_back(anchor, HISTORY_YEARS * 12) - timedelta(days=14)
    return tuple(cal.trading_days(start, anchor - timedelta(days=1)))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)


def to_ms(ts: datetime) -> int:
    """Epoch milliseconds (exact integer arithmetic; naive times are read as UTC)."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return (ts - _EPOCH) // _ONE_MS


def from_ms(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=int(ms))


class SessionModel:
    """Maps wall-clock time to the simulated trading day and its session window."""

    def __init__(self, hours: Hours) -> None:
        if hours not in ("always", "exchange"):
            raise ValueError(f"hours must be 'always' or 'exchange', not {hours!r}")
        self.hours: Hours = hours

    def day_of(self, now_ms: int) -> date:
        """The day whose prices are current at `now_ms`."""
        local = from_ms(now_ms).astimezone(cal.IST)
        today = local.date()
        if self.hours == "always":
            return today
        if _is_trading_day(today) and local.time() >= cal.PRE_OPEN:
            return today
        return self.previous_day(today)

    def next_day(self, day: date) -> date:
        if self.hours == "always":
            return day + timedelta(days=1)
        nxt = day + timedelta(days=1)
        while not _is_trading_day(nxt):
            nxt += timedelta(days=1)
        return nxt

    def previous_day(self, day: date) -> date:
        if self.hours == "always":
            return day - timedelta(days=1)
        prev = day - timedelta(days=1)
        while not _is_trading_day(prev):
            prev -= timedelta(days=1)
        return prev

    def window_ms(self, day: date) -> tuple[int, int]:
        """[start, end) of the day's continuous trading, in epoch milliseconds."""
        if self.hours == "always":
            start = datetime.combine(day, time(0, 0), tzinfo=cal.IST)
            return to_ms(start), to_ms(start + timedelta(days=1))
        open_, close = cal.session_bounds(day)
        return to_ms(open_), to_ms(close)

    def minutes_in_window(self, day: date) -> int:
        start, end = self.window_ms(day)
        return max((end - start) // MINUTE_MS, 1)
