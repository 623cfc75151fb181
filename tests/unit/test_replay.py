"""Market replay: the clock's speed and controls, quotes rebuilt from minute bars, and a
chart that ends where the replayed quote is."""

from __future__ import annotations

import asyncio
from datetime import date

import numpy as np
import pytest

from stockapp.market.instruments import load_universe
from stockapp.market.providers.simulated import SimulatedExchange
from stockapp.market.replay import (
    ArchiveSource,
    ReplayClock,
    ReplayError,
    ReplayProvider,
    SessionMinutes,
)
from stockapp.market.sim.session import MINUTE_MS, to_ms

HOUR = 3_600_000
KEY = ("RELIANCE", "india_nse")


def clock(speed: int = 60, wall: int = 1_000_000) -> ReplayClock:
    return ReplayClock.begin(start_ms=0, end_ms=6 * HOUR, speed=speed, wall_ms=wall)


def test_sixty_times_replays_an_hour_in_a_minute():
    c = clock(60)
    assert c.at(1_000_000 + 60_000) == HOUR
    assert c.at(1_000_000 + 30_000) == HOUR // 2
    assert clock(1).at(1_000_000 + 60_000) == 60_000
    assert clock(10).at(1_000_000 + 90_000) == 900_000


def test_pause_resume_seek_and_speed_change_never_jump():
    c = clock(10)
    paused = c.pause(1_060_000)  # 60 s of wall at 10x: 10 minutes in
    assert paused.at(1_060_000) == paused.at(9_999_999) == 600_000
    resumed = paused.resume(2_000_000)
    assert resumed.at(2_000_000) == 600_000
    assert resumed.at(2_006_000) == 660_000
    faster = resumed.with_speed(2_006_000, 60)
    assert faster.at(2_006_000) == 660_000  # no jump at the change
    assert faster.at(2_007_000) == 720_000
    sought = faster.seek(2_007_000, 2 * HOUR)
    assert sought.at(2_008_000) == 2 * HOUR + 60_000


def test_the_clock_stops_at_the_close_and_refuses_nonsense():
    c = clock(60)
    assert c.at(1_000_000 + 10 * 60_000) == 6 * HOUR
    assert c.finished(1_000_000 + 6 * 60_000)
    assert not c.finished(1_000_000 + 5 * 60_000)
    with pytest.raises(ReplayError):
        clock(7)
    with pytest.raises(ReplayError):
        c.seek(1_000_000, 6 * HOUR + 1)
    with pytest.raises(ReplayError):
        ReplayClock.begin(0, 0, 10, 0)


@pytest.fixture(scope="module")
def exchange() -> SimulatedExchange:
    ex = SimulatedExchange(load_universe(), seed=7, hours="exchange")
    ex.step()
    return ex


@pytest.fixture(scope="module")
def past_day(exchange) -> date:
    days, _ = exchange.archive.daily(0, include_today=False)
    return days[-3]


@pytest.fixture(scope="module")
def tape(exchange, past_day) -> SessionMinutes:
    got = asyncio.run(ArchiveSource(exchange).session(KEY, past_day))
    assert got is not None
    return got


def test_quotes_walk_every_minute_bar(tape: SessionMinutes):
    n = len(tape.o)
    assert n == 375  # 09:15-15:30 IST
    for m in range(n):
        end_of_minute = tape.quote_at(tape.start_ms + m * MINUTE_MS + MINUTE_MS - 1)
        assert end_of_minute.current_price == tape.c[m]
        assert end_of_minute.high == tape.h[: m + 1].max()
        assert end_of_minute.low == tape.l[: m + 1].min()
        start = tape.quote_at(tape.start_ms + m * MINUTE_MS)
        assert start.current_price == tape.o[m]
        assert start.volume == int(tape.v[:m].sum())
        assert start.open == tape.o[0]
    final = tape.quote_at(tape.end_ms + HOUR)
    assert (final.current_price, final.volume) == (tape.c[-1], int(tape.v.sum()))


def test_replayed_day_matches_the_archive_daily_bar(exchange, past_day, tape):
    days, daily = exchange.archive.daily(exchange.market.layout.col_of[KEY])
    i = days.index(past_day)
    final = tape.quote_at(tape.end_ms)
    assert (final.open, final.high, final.low, final.current_price) == (
        daily.o[i],
        daily.h[i],
        daily.l[i],
        daily.c[i],
    )
    assert final.prev_close == daily.c[i - 1]


def test_provider_steps_a_minute_per_second_at_sixty_times(exchange, past_day, tape):
    wall = [5_000_000]
    c = ReplayClock.begin(tape.start_ms, tape.end_ms, 60, wall[0])
    provider = ReplayProvider(exchange, ArchiveSource(exchange), past_day, lambda: c.at(wall[0]))

    async def run() -> list[float]:
        seen = []
        for _ in range(60):  # one wall minute, polled once a second
            wall[0] += 1000
            got = await provider.fetch_quotes([KEY, ("NOPE", "india_nse")])
            assert got.missing == [("NOPE", "india_nse")]
            q = got.quotes[KEY]
            seen.append(q.current_price)
            assert to_ms(q.timestamp) == c.at(wall[0])
        return seen

    seen = asyncio.run(run())
    # each poll shows the open of the next minute, i.e. the close of the minute just replayed
    assert seen == [float(tape.o[m]) for m in range(1, 61)]
    assert to_ms(asyncio.run(provider.fetch_quotes([KEY])).quotes[KEY].timestamp) == (
        tape.start_ms + HOUR
    )


def test_chart_ends_at_the_replayed_quote(exchange, past_day, tape):
    shown = tape.start_ms + 42 * MINUTE_MS + 40_000  # 40 s into 09:57
    provider = ReplayProvider(exchange, ArchiveSource(exchange), past_day, lambda: shown)

    async def run():
        bars = await provider.history(KEY, "1m", "1d")
        quote = (await provider.fetch_quotes([KEY])).quotes[KEY]
        return bars, quote

    bars, quote = asyncio.run(run())
    assert len(bars) == 43 and to_ms(bars[-1].t) == tape.start_ms + 42 * MINUTE_MS
    assert bars[-1].c == quote.current_price
    assert max(b.h for b in bars) == quote.high and min(b.l for b in bars) == quote.low
    assert [b.c for b in bars[:-1]] == list(np.asarray(tape.c[:42], dtype=float))


def test_days_without_a_session_are_refused(exchange, past_day):
    source = ArchiveSource(exchange)
    assert asyncio.run(source.window(past_day)) is not None
    assert asyncio.run(source.window(exchange.market.day)) is None  # today is not finished
    saturday = date(2026, 11, 28)
    assert asyncio.run(source.window(saturday)) is None
