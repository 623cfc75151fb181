"""Chart data: history with indicator warm-up, chart timeframes, and the live forming bar.

Indicators are computed over extra bars *before* the visible range so that a 20-day SMA or a
MACD has a settled value on the first visible candle. The forming bar folds each live quote
into the bar of the current interval, so a chart can move its last candle without
re-fetching history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from stockapp.market.calendar import IST
from stockapp.market.indicators import IndicatorSpec, warmup_bars
from stockapp.market.models import Bar, Key, Quote
from stockapp.market.providers.base import RANGES, QuoteProvider

# Longer ranges each interval may be fetched for, as warm-up sources (shortest first).
WARMUP_SOURCES: dict[str, tuple[str, ...]] = {
    "1m": ("5d",),
    "5m": ("5d", "1mo"),
    "15m": ("5d", "1mo"),
    "1h": ("5d", "1mo", "6mo"),
    "1d": ("1mo", "6mo", "1y", "5y"),
    "1wk": ("6mo", "1y", "5y"),
}
INTRADAY_MINUTES = {"1m": 1, "5m": 5, "15m": 15, "1h": 60}
IST_OFFSET_SECONDS = 19800  # the chart draws UTC; shifting by +5:30 shows IST wall-clock


@dataclass(frozen=True, slots=True)
class Timeframe:
    label: str
    interval: str
    range_: str


TIMEFRAMES: tuple[Timeframe, ...] = (
    Timeframe("1D", "1m", "1d"),
    Timeframe("5D", "5m", "5d"),
    Timeframe("1M", "1h", "1mo"),
    Timeframe("6M", "1d", "6mo"),
    Timeframe("1Y", "1d", "1y"),
    Timeframe("5Y", "1wk", "5y"),
)
TIMEFRAME_BY_LABEL = {tf.label: tf for tf in TIMEFRAMES}


def warmup_ranges(interval: str, range_: str) -> tuple[str, ...]:
    """The warm-up sources strictly longer than `range_`, shortest first."""
    rank = RANGES.index(range_)
    return tuple(r for r in WARMUP_SOURCES.get(interval, ()) if RANGES.index(r) > rank)


async def history_with_warmup(
    provider: QuoteProvider,
    key: Key,
    interval: str,
    range_: str,
    specs: Sequence[IndicatorSpec],
) -> tuple[list[Bar], list[Bar]]:
    """(lead, visible): the visible bars and up to `warmup_bars(specs)` bars before them.

    Longer ranges are tried shortest first until one holds enough earlier bars; a range the
    provider refuses ends the search with what was found so far. Raises ValueError when the
    visible range itself is refused.
    """
    visible = await provider.history(key, interval, range_)
    need = warmup_bars(specs)
    if not visible or need == 0:
        return [], visible
    start = visible[0].t
    lead: list[Bar] = []
    for longer in warmup_ranges(interval, range_):
        try:
            full = await provider.history(key, interval, longer)
        except ValueError:
            break
        lead = [b for b in full if b.t < start][-need:]
        if len(lead) >= need:
            break
    return lead, visible


def ending_at(bars: list[Bar], q: Quote | None) -> list[Bar]:
    """One observation, one truth: the chart ends with the price consumers were shown.

    Bars that start after the observation `q` (a provider that moved on since) are left
    out, and the last bar closes at `q`'s price, its high and low stretched to include it.
    A stale or missing quote leaves the bars as they are."""
    if q is None or q.stale or not bars:
        return bars
    kept = [b for b in bars if b.t <= q.timestamp] if bars[-1].t > q.timestamp else bars
    if not kept:
        return bars
    last, c = kept[-1], q.current_price
    return [*kept[:-1], replace(last, c=c, h=max(last.h, c), l=min(last.l, c))]


def chart_time(t: datetime, interval: str) -> int | str:
    """Intraday: UNIX seconds shifted to IST wall-clock; daily and weekly: the IST date."""
    if interval in INTRADAY_MINUTES:
        return int(t.timestamp()) + IST_OFFSET_SECONDS
    return t.astimezone(IST).date().isoformat()


def _ist_day(q: Quote) -> date:
    return q.timestamp.astimezone(IST).date()


def _week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


class FormingBar:
    """The bar of the current interval, kept up to date from live quotes.

    Intraday buckets are anchored on the last history bar's start, so they line up with the
    provider's own bucketing; bar volume is the growth of the day's cumulative volume.
    Daily and weekly bars take the day's open/high/low from the quote; a weekly bar keeps
    the volume of the week's earlier days and adds today's.
    """

    def __init__(self, interval: str, last: Bar, quote: Quote | None) -> None:
        self.interval = interval
        self.bar = last
        self._day_volume: float | None = None  # today's cumulative volume at the last fold
        self._day = last.t.astimezone(IST).date()
        self._earlier_volume = 0.0  # a weekly bar's volume from the week's earlier days
        if quote is not None:
            self._start(quote)

    def _start(self, q: Quote) -> None:
        """Take the bar as already including the day's volume so far."""
        self._day_volume = float(q.volume)
        self._day = _ist_day(q)
        self._earlier_volume = max(0.0, self.bar.v - self._day_volume)

    def fold(self, q: Quote) -> Bar | None:
        """The forming bar after `q`; None when `q` is older than the bar (nothing to do)."""
        if self._day_volume is None:
            self._start(q)
        minutes = INTRADAY_MINUTES.get(self.interval)
        if minutes:
            if q.timestamp < self.bar.t:
                return None
            self.bar = self._fold_intraday(q, minutes)
        else:
            # daily bars are stamped at the session open; a quote before it (a clock that
            # trades around the day) still belongs to that day's bar
            if _ist_day(q) < self.bar.t.astimezone(IST).date():
                return None
            self.bar = self._fold_period(q)
        return self.bar

    def _fold_intraday(self, q: Quote, minutes: int) -> Bar:
        grown = q.volume - (self._day_volume or 0.0)
        added = float(q.volume) if grown < 0 else grown  # cumulative volume reset: a new day
        self._day_volume = float(q.volume)
        price, bar = q.current_price, self.bar
        step = timedelta(minutes=minutes)
        buckets = int((q.timestamp - bar.t) / step)
        if buckets >= 1:
            return Bar(bar.t + buckets * step, price, price, price, price, int(added))
        return replace(bar, h=max(bar.h, price), l=min(bar.l, price), c=price, v=int(bar.v + added))

    def _fold_period(self, q: Quote) -> Bar:
        day, bar = _ist_day(q), self.bar
        bar_day = bar.t.astimezone(IST).date()
        weekly = self.interval == "1wk"
        new_period = _week_of(day) > _week_of(bar_day) if weekly else day > bar_day
        if new_period:
            self._earlier_volume = 0.0
            start = datetime.combine(day, bar.t.astimezone(IST).timetz()).astimezone(bar.t.tzinfo)
            bar = Bar(start, q.open, q.high, q.low, q.current_price, q.volume)
        elif day > self._day:  # a later day of the same week
            self._earlier_volume += self._day_volume or 0.0
        self._day, self._day_volume = day, float(q.volume)
        if new_period:
            return bar
        opened = bar.o if weekly else q.open
        return Bar(
            bar.t,
            opened,
            max(bar.h, q.high),
            min(bar.l, q.low),
            q.current_price,
            int(self._earlier_volume + q.volume),
        )


def bar_point(bar: Bar, interval: str) -> dict[str, float | int | str]:
    """A candle as the chart takes it, volume included (the chart splits it off)."""
    return {
        "time": chart_time(bar.t, interval),
        "open": bar.o,
        "high": bar.h,
        "low": bar.l,
        "close": bar.c,
        "volume": bar.v,
    }


def line_points(
    bars: Sequence[Bar], values: Sequence[float | None], interval: str
) -> list[dict[str, float | int | str]]:
    """{time, value} points of an indicator series; undefined values are left out."""
    return [
        {"time": chart_time(b.t, interval), "value": round(v, 4)}
        for b, v in zip(bars, values, strict=True)
        if v is not None
    ]
