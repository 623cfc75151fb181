"""Intraday series shaped like NSE sessions (exchange hours) and an always-open simulation
whose times say they are simulated."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from itertools import pairwise

import pytest

from stockapp.market.calendar import CLOSE, IST, OPEN, is_trading_day, market_clock
from stockapp.market.instruments import load_universe
from stockapp.market.providers.simulated import SimulatedExchange
from stockapp.market.sim import ALWAYS_OPEN_NOTE, time_note

KEY = ("RELIANCE", "india_nse")
MOMENTS = [
    datetime(2026, 11, 18, 11, 42, tzinfo=IST),  # mid-session
    datetime(2026, 11, 18, 9, 5, tzinfo=IST),  # pre-open
    datetime(2026, 11, 18, 20, 0, tzinfo=IST),  # evening
    datetime(2026, 11, 21, 12, 0, tzinfo=IST),  # Saturday
    datetime(2026, 11, 23, 2, 0, tzinfo=IST),  # 02:00 on a Monday
    datetime(2026, 11, 24, 11, 0, tzinfo=IST),  # Guru Nanak Jayanti, a Tuesday holiday
]


def _history(at: datetime, interval: str, range_: str):
    exchange = SimulatedExchange(load_universe(), now=lambda: at, hours="exchange")
    return asyncio.run(exchange.history(KEY, interval, range_))


@pytest.mark.parametrize("at", MOMENTS)
def test_exchange_hours_1d_is_one_session_inside_nse_hours(at: datetime) -> None:
    bars = _history(at, "1m", "1d")
    local = [b.t.astimezone(IST) for b in bars]
    assert bars and all(OPEN <= t.time() < CLOSE and is_trading_day(t.date()) for t in local)
    # today's session, or the last one when the market is shut
    assert {t.date() for t in local} == {market_clock(at).session_day}


@pytest.mark.parametrize("at", MOMENTS)
def test_exchange_hours_5d_joins_five_sessions_without_gaps(at: datetime) -> None:
    bars = _history(at, "5m", "5d")
    local = [b.t.astimezone(IST) for b in bars]
    days = sorted({t.date() for t in local})
    assert len(days) == 5 and all(is_trading_day(d) for d in days)
    for a, b in pairwise(days):  # consecutive trading days
        assert all(not is_trading_day(a + timedelta(days=i)) for i in range(1, (b - a).days))
    assert all(OPEN <= t.time() < CLOSE for t in local)
    for day in days[:-1]:  # complete sessions: a bar every 5 minutes from 09:15 to 15:25
        times = [t.time() for t in local if t.date() == day]
        assert len(times) == 75 and times[0] == OPEN


def test_always_open_times_are_labelled_simulated() -> None:
    assert time_note(simulated=True, hours="always") == ALWAYS_OPEN_NOTE
    assert "simulated" in ALWAYS_OPEN_NOTE
    assert time_note(simulated=True, hours="exchange") is None
    assert time_note(simulated=False, hours="always") is None
    # the always-open simulation does chart bars at 02:00 IST: hence the label
    at = datetime(2026, 11, 18, 2, 30, tzinfo=IST)
    exchange = SimulatedExchange(load_universe(), now=lambda: at, hours="always")
    bars = asyncio.run(exchange.history(KEY, "1m", "1d"))
    assert any(b.t.astimezone(IST).time() < OPEN for b in bars)
