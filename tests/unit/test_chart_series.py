"""Chart helpers: warm-up history selection and the live forming bar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from stockapp.market.chart_series import (
    IST_OFFSET_SECONDS,
    FormingBar,
    chart_time,
    history_with_warmup,
    line_points,
    warmup_ranges,
)
from stockapp.market.indicators import parse_indicator_spec
from stockapp.market.models import Bar, Quote

T0 = datetime(2026, 3, 3, 4, 0, tzinfo=UTC)  # Tuesday 09:30 IST


def quote(at: datetime, price: float, volume: int, **kw) -> Quote:
    fields = {"open": 100.0, "high": max(price, 101.0), "low": min(price, 99.0), **kw}
    return Quote("X", "india_nse", price, prev_close=100.0, volume=volume, timestamp=at, **fields)


def test_warmup_ranges_are_longer_than_the_visible_one():
    assert warmup_ranges("5m", "5d") == ("1mo",)
    assert warmup_ranges("1d", "6mo") == ("1y", "5y")
    assert warmup_ranges("1m", "5d") == ()


class FakeProvider:
    def __init__(self, bars: list[Bar], refuse: set[str]):
        self.bars, self.refuse, self.calls = bars, refuse, []

    async def history(self, key, interval, range_, *, end=None):
        self.calls.append(range_)
        if range_ in self.refuse:
            raise ValueError("not served")
        keep = {"6mo": 120, "1y": 250, "5y": 1250}[range_]
        return self.bars[-keep:]


def _daily(n: int) -> list[Bar]:
    return [
        Bar(T0 - timedelta(days=n - i), 100 + i, 101 + i, 99 + i, 100 + i, 1000) for i in range(n)
    ]


async def test_history_with_warmup_stops_at_the_first_sufficient_range():
    provider = FakeProvider(_daily(1300), refuse=set())
    specs = parse_indicator_spec("sma:20,rsi:14")  # needs 140 earlier bars
    lead, visible = await history_with_warmup(provider, ("X", "india_nse"), "1d", "6mo", specs)
    assert len(visible) == 120 and len(lead) == 140
    assert provider.calls == ["6mo", "1y", "5y"]  # 1y holds only 130 earlier bars
    lead, _ = await history_with_warmup(provider, ("X", "india_nse"), "1d", "6mo", specs[:1])
    assert len(lead) == 19 and lead[-1].t < visible[0].t


async def test_history_with_warmup_keeps_what_it_has_when_a_range_is_refused():
    provider = FakeProvider(_daily(1300), refuse={"5y"})
    lead, _ = await history_with_warmup(
        provider, ("X", "india_nse"), "1d", "6mo", parse_indicator_spec("rsi:14")
    )
    assert len(lead) == 130


def test_chart_time_shifts_intraday_to_ist_and_dates_daily_bars():
    assert chart_time(T0, "1m") == int(T0.timestamp()) + IST_OFFSET_SECONDS
    assert chart_time(datetime(2026, 3, 2, 20, 0, tzinfo=UTC), "1d") == "2026-03-03"


def test_line_points_skip_undefined_values():
    bars = _daily(3)
    points = line_points(bars, [None, 1.5, 2.25], "1d")
    assert [p["value"] for p in points] == [1.5, 2.25]


def test_intraday_forming_bar_updates_then_opens_the_next_bucket():
    last = Bar(T0, 100, 100.5, 99.5, 100.2, 500)
    forming = FormingBar("5m", last, quote(T0 + timedelta(minutes=1), 100.2, 10_000))
    bar = forming.fold(quote(T0 + timedelta(minutes=2), 101.0, 10_300))
    assert (bar.t, bar.o, bar.h, bar.l, bar.c, bar.v) == (T0, 100, 101.0, 99.5, 101.0, 800)
    bar = forming.fold(quote(T0 + timedelta(minutes=11), 99.0, 10_400))
    assert bar.t == T0 + timedelta(minutes=10)
    assert (bar.o, bar.h, bar.l, bar.c, bar.v) == (99.0, 99.0, 99.0, 99.0, 100)
    assert forming.fold(quote(T0 - timedelta(minutes=1), 50.0, 10_500)) is None


def test_forming_bar_without_a_quote_at_load_does_not_count_the_day_twice():
    last = Bar(T0, 100, 100.5, 99.5, 100.2, 500)
    forming = FormingBar("1m", last, None)
    assert forming.fold(quote(T0 + timedelta(seconds=20), 100.4, 250_000)).v == 500
    assert forming.fold(quote(T0 + timedelta(seconds=40), 100.4, 250_040)).v == 540


def test_daily_forming_bar_follows_the_day_and_rolls_to_a_new_one():
    last = Bar(T0 - timedelta(minutes=15), 100, 102, 98, 101, 5000)
    forming = FormingBar("1d", last, quote(T0, 101, 5000))
    bar = forming.fold(quote(T0 + timedelta(hours=1), 103, 6000, high=103.5, low=98))
    assert (bar.o, bar.h, bar.l, bar.c, bar.v) == (100.0, 103.5, 98, 103, 6000)
    early = T0 - timedelta(hours=2)  # before the 09:15 stamp, same IST day
    assert forming.fold(quote(early, 102, 6100, high=103.5, low=98)).c == 102
    assert forming.fold(quote(T0 - timedelta(days=1), 90, 1)) is None
    nxt = forming.fold(quote(T0 + timedelta(days=1), 104, 700, open=104, high=104, low=104))
    assert nxt.t == last.t + timedelta(days=1)
    assert (nxt.o, nxt.c, nxt.v) == (104, 104, 700)


@pytest.mark.parametrize("days_later", [1, 2])
def test_weekly_forming_bar_keeps_earlier_days_volume(days_later: int):
    monday = datetime(2026, 3, 2, 3, 45, tzinfo=UTC)
    last = Bar(monday, 90, 110, 85, 100, 9000)  # Mon + Tue so far; Tue volume 4000
    forming = FormingBar("1wk", last, quote(T0, 100, 4000))
    bar = forming.fold(quote(T0 + timedelta(hours=2), 101, 4500, high=112))
    assert (bar.o, bar.h, bar.l, bar.v) == (90, 112, 85, 9500)
    later = T0 + timedelta(days=days_later)
    bar = forming.fold(quote(later, 95, 300, open=100, high=100, low=80))
    assert (bar.t, bar.o, bar.h, bar.l, bar.c, bar.v) == (monday, 90, 112, 80, 95, 9800)
