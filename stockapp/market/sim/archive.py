"""Bars for the simulated exchange's charts: generated history joined to the live days.

A column's daily series is its generated history (trading days before the simulator's first
day), then every day the simulator has finished, then today's bar from the live quote.
Intraday bars come from the live minute store for today and from a deterministic bridge
through the daily bar for earlier sessions. Generated history is cached per symbol the first
time it is needed; live minute bars exist only for the current session.

Daily and weekly bars are stamped with the day's 09:15 IST open in both clock modes, so their
UTC date is the trading date (an IST-midnight stamp would fall on the previous UTC day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from stockapp.market.calendar import session_bounds
from stockapp.market.models import Bar
from stockapp.market.sim.history import (
    OHLCV,
    generate_daily,
    index_from_members,
    resample,
    seeded_rng,
    synthetic_minutes,
    to_bars,
    weekly,
)
from stockapp.market.sim.market import LiveMarket
from stockapp.market.sim.session import (
    MINUTE_MS,
    SESSION_COUNT_RANGES,
    calendar_cutoff,
    from_ms,
    history_days,
    months_back,
    to_ms,
)

_BUCKET_MINUTES = {"1m": 1, "5m": 5, "15m": 15, "1h": 60}


@dataclass(frozen=True, slots=True)
class PastSession:
    """A finished session of one column: its minute bars and the day's reference figures."""

    start_ms: int
    minutes: OHLCV
    prev_close: float
    week52_high: float
    week52_low: float


class HistoryArchive:
    def __init__(self, market: LiveMarket, seed: int) -> None:
        self.market = market
        self.seed = seed
        self._generated: dict[str, OHLCV] = {}
        self._week52: dict[int, tuple[date, float, float]] = {}

    # -- daily series ----------------------------------------------------------------------

    def _history_days(self) -> tuple[date, ...]:
        return history_days(self.market.first_day)

    def generated(self, col: int) -> OHLCV:
        """The column's generated daily bars (cached; mirrors share their primary's)."""
        lay = self.market.layout
        if lay.n_eq <= col:
            return self._index_history(col)
        symbol = lay.history_symbol(col)
        cache_key = f"{lay.instruments[col].kind}:{symbol}"
        cached = self._generated.get(cache_key)
        if cached is None:
            source = int(lay.mirror_source[col - lay.n_prim]) if col >= lay.n_prim else col
            inst = lay.instruments[source]
            cached = generate_daily(
                seeded_rng(self.seed, symbol, "daily"),
                len(self._history_days()),
                float(lay.initial_close[source]),
                inst.volatility,
                inst.band_pct,
                float(lay.adv[source]),
                is_index=inst.is_index,
            )
            self._generated[cache_key] = cached
        return cached

    def _index_history(self, col: int) -> OHLCV:
        key = f"index:{self.market.layout.instruments[col].market}:{col}"
        cached = self._generated.get(key)
        if cached is None:
            lay = self.market.layout
            weights = lay.weights[col - lay.n_eq]
            members = np.flatnonzero(weights)
            cached = index_from_members(
                [self.generated(int(m)) for m in members],
                weights[members],
                lay.initial_close[members],
                float(lay.initial_close[col]),
            )
            self._generated[key] = cached
        return cached

    def daily(self, col: int, *, include_today: bool = True) -> tuple[list[date], OHLCV]:
        """Every daily bar of a column, oldest first, today's live bar last."""
        m = self.market
        days = list(self._history_days())
        parts = [self.generated(col)]
        for day, bars in m.completed:
            days.append(day)
            parts.append(bars.select(slice(col, col + 1)))
        if include_today and m.day is not None:
            days.append(m.day)
            today_v = int(np.floor(m.volume[col]))
            parts.append(_one(m.open[col], m.high[col], m.low[col], m.price[col], today_v))
        return days, OHLCV.concat(parts)

    def week52(self, col: int) -> tuple[float, float]:
        """52-week high and low: the daily bars of the last year, today's range included."""
        m = self.market
        cached = self._week52.get(col)
        if cached is None or cached[0] != m.day:
            days, bars = self.daily(col, include_today=False)
            cutoff = months_back(m.day, 12)
            keep = np.array([d > cutoff for d in days], dtype=bool)
            hi = float(bars.h[keep].max()) if keep.any() else -np.inf
            lo = float(bars.l[keep].min()) if keep.any() else np.inf
            cached = (m.day, hi, lo)
            self._week52[col] = cached
        return max(cached[1], float(m.high[col])), min(cached[2], float(m.low[col]))

    # -- charts ----------------------------------------------------------------------------

    def daily_bars(self, col: int, interval: str, range_: str, end: datetime | None) -> list[Bar]:
        days, bars = self.daily(col)
        last = self._end_day(end)
        keep = np.array([d <= last for d in days], dtype=bool)
        days, bars = [d for d in days if d <= last], bars.select(keep)
        if range_ in SESSION_COUNT_RANGES:
            count = SESSION_COUNT_RANGES[range_]
            days, bars = days[-count:], bars.select(slice(max(len(days) - count, 0), None))
        else:
            cutoff = calendar_cutoff(last, range_)
            keep = np.array([d > cutoff for d in days], dtype=bool)
            days, bars = [d for d in days if d > cutoff], bars.select(keep)
        if interval == "1wk":
            days, bars = weekly(days, bars)
        times = [session_bounds(d)[0] for d in days]
        return _until(to_bars(times, bars), end)

    def intraday_bars(
        self, col: int, interval: str, range_: str, end: datetime | None
    ) -> list[Bar]:
        m, last = self.market, self._end_day(end)
        days, daily = self.daily(col)
        positions = [i for i, d in enumerate(days) if d <= last]
        if range_ in SESSION_COUNT_RANGES:
            positions = positions[-SESSION_COUNT_RANGES[range_] :]
        else:
            cutoff = calendar_cutoff(last, range_)
            positions = [i for i in positions if days[i] > cutoff]
        out: list[Bar] = []
        for i in positions:
            day = days[i]
            if day == m.day:
                offsets, bars = m.minutes.bars(col)
            else:
                bars = self._past_minutes(col, day, daily.select(slice(i, i + 1)))
                offsets = np.arange(len(bars), dtype=np.int64)
            offsets, bars = resample(offsets, bars, _BUCKET_MINUTES[interval])
            start = m.sessions.window_ms(day)[0]
            out.extend(to_bars([from_ms(start + int(o) * MINUTE_MS) for o in offsets], bars))
        return _until(out, end)

    def _past_minutes(self, col: int, day: date, day_bar: OHLCV) -> OHLCV:
        """A finished session's minute bars: a seeded bridge through its daily bar."""
        inst = self.market.layout.instruments[col]
        rng = seeded_rng(self.seed, inst.symbol, inst.market, day.toordinal())
        minutes = self.market.sessions.minutes_in_window(day)
        return synthetic_minutes(rng, day_bar, minutes, is_index=inst.is_index)

    def past_session(self, col: int, day: date) -> PastSession | None:
        """The minute bars of a finished session with the figures a replay of it needs.

        None when `day` is not a finished trading day of the column's history.
        """
        days, daily = self.daily(col, include_today=False)
        try:
            i = days.index(day)
        except ValueError:
            return None
        if i == 0:
            return None  # no previous close to measure the day's change against
        year_ago = months_back(day, 12)
        span = [j for j in range(i) if days[j] > year_ago] or [i - 1]
        return PastSession(
            start_ms=self.market.sessions.window_ms(day)[0],
            minutes=self._past_minutes(col, day, daily.select(slice(i, i + 1))),
            prev_close=float(daily.c[i - 1]),
            week52_high=float(daily.h[span].max()),
            week52_low=float(daily.l[span].min()),
        )

    def _end_day(self, end: datetime | None) -> date:
        m = self.market
        assert m.day is not None
        if end is None:
            return m.day
        return min(m.sessions.day_of(to_ms(end)), m.day)


def _one(o: float, h: float, low: float, c: float, v: int) -> OHLCV:
    return OHLCV(np.array([o]), np.array([h]), np.array([low]), np.array([c]), np.array([v]))


def _until(bars: list[Bar], end: datetime | None) -> list[Bar]:
    return bars if end is None else [b for b in bars if b.t <= end]
