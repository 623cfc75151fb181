"""Query parameters for Yahoo's chart endpoint from our interval and range names."""

from __future__ import annotations

from datetime import datetime, timedelta

from stockapp.market.calendar import market_clock, previous_trading_day, session_bounds
from stockapp.market.providers.base import INTERVALS, RANGES

# Yahoo spells an hour "60m"; the other names coincide with ours.
YAHOO_INTERVAL: dict[str, str] = {
    "1m": "1m",
    "5m": "5m",
    "15m": "15m",
    "1h": "60m",
    "1d": "1d",
    "1wk": "1wk",
}
YAHOO_RANGE: dict[str, str] = {r: r for r in RANGES}

# Ranges counted in trading sessions (as Yahoo's own `range=1d/5d` are) versus calendar spans.
_SESSIONS_IN_RANGE: dict[str, int] = {"1d": 1, "5d": 5}
_CALENDAR_SPAN: dict[str, timedelta] = {
    "1mo": timedelta(days=31),
    "6mo": timedelta(days=183),
    "1y": timedelta(days=366),
    "5y": timedelta(days=5 * 365 + 2),
}


def range_start(range_: str, end: datetime) -> datetime:
    """Start of the window of `range_` that ends at `end`.

    `1d`/`5d` begin at the open of the session that is current at `end` (or the last one
    before it), stepped back 0 or 4 further trading days, like Yahoo's relative ranges.
    """
    sessions = _SESSIONS_IN_RANGE.get(range_)
    if sessions is None:
        return end - _CALENDAR_SPAN[range_]
    day = market_clock(end).session_day
    for _ in range(sessions - 1):
        day = previous_trading_day(day)
    return session_bounds(day)[0]


def chart_params(interval: str, range_: str, end: datetime | None) -> dict[str, str]:
    """`interval` plus either `range` (up to now) or an explicit `period1`/`period2` window."""
    if interval not in YAHOO_INTERVAL:
        raise ValueError(f"unknown interval {interval!r}; expected one of {INTERVALS}")
    if range_ not in YAHOO_RANGE:
        raise ValueError(f"unknown range {range_!r}; expected one of {RANGES}")
    params = {"interval": YAHOO_INTERVAL[interval], "includePrePost": "false"}
    if end is None:
        params["range"] = YAHOO_RANGE[range_]
    else:
        params["period1"] = str(int(range_start(range_, end).timestamp()))
        params["period2"] = str(int(end.timestamp()))
    return params
