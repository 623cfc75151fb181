"""Per-process screener inputs: each symbol's daily history, fetched once, with every live
quote folded in.

History is loaded lazily the first time a screen or a comparison needs it and kept for the
life of the process. A tick only changes today's bar, so RSI(14), returns and the volume
ratio are recomputed from a short tail of closes with the live price in place of (or after)
the last bar. Rows are cached per quote object (the hub makes a new one per change), so
every session screening on the same tick shares one computation.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import talib

from stockapp.market.analytics import fundamentals
from stockapp.market.calendar import IST, session_bounds
from stockapp.market.indicators import RETURN_PERIODS, SNAPSHOT_HISTORY, YEAR_BARS
from stockapp.market.instruments import Universe
from stockapp.market.models import DEFAULT_MARKET, Bar, Instrument, Key, Quote
from stockapp.market.providers.base import ProviderError, QuoteProvider
from stockapp.market.screening.criteria import ScreenRow
from stockapp.market.screening.volume_profile import (
    SessionWindow,
    VolumeProfile,
    build_profile,
    session_fraction,
)

log = logging.getLogger("stockapp.screen_data")
HISTORY_RANGE = "5y"  # a 1-year return needs 253 sessions; "1y" holds fewer
FETCH_CHUNK = 8  # history requests in flight at once; the loop breathes between chunks
AVG_VOLUME_BARS = 20
PROFILE_SAMPLE = 12  # stocks whose intraday bars give the market's volume profile


def _same_price(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=0.005)


@dataclass(frozen=True, slots=True)
class DailyTail:
    """The last SNAPSHOT_HISTORY daily bars of one symbol, oldest first."""

    days: tuple[date, ...]
    closes: np.ndarray
    highs: np.ndarray
    lows: np.ndarray
    volumes: np.ndarray

    @classmethod
    def from_bars(cls, bars: Sequence[Bar], keep: int = SNAPSHOT_HISTORY) -> DailyTail:
        tail = list(bars[-keep:])
        return cls(
            days=tuple(b.t.astimezone(IST).date() for b in tail),
            closes=np.array([b.c for b in tail], dtype=np.float64),
            highs=np.array([b.h for b in tail], dtype=np.float64),
            lows=np.array([b.l for b in tail], dtype=np.float64),
            volumes=np.array([b.v for b in tail], dtype=np.float64),
        )

    def appends_today(self, prev_close: float) -> bool:
        """Does today's bar come after the history (True) or replace its last bar?

        The quote's previous close tells: it equals the second-last close when the
        history already holds today's forming bar, the last close when it ends yesterday.
        """
        n = len(self.closes)
        if n >= 2 and _same_price(self.closes[-2], prev_close):
            return False
        return n == 0 or _same_price(self.closes[-1], prev_close)

    def closes_with(self, price: float, prev_close: float) -> np.ndarray:
        if self.appends_today(prev_close):
            return np.append(self.closes, price)
        closes = self.closes.copy()
        closes[-1] = price
        return closes

    def avg_volume(self, prev_close: float) -> float | None:
        """Mean volume of the 20 complete sessions before today."""
        past = self.volumes if self.appends_today(prev_close) else self.volumes[:-1]
        if len(past) < AVG_VOLUME_BARS:
            return None
        return float(past[-AVG_VOLUME_BARS:].mean())


def pct_change(closes: np.ndarray, bars_back: int) -> float | None:
    """Percent change of the last close over the close `bars_back` sessions earlier."""
    if len(closes) <= bars_back or closes[-1 - bars_back] <= 0:
        return None
    return float((closes[-1] / closes[-1 - bars_back] - 1.0) * 100.0)


def returns(closes: np.ndarray) -> dict[str, float | None]:
    """1M/6M/1Y percent returns, named as RETURN_PERIODS names them."""
    return {name: pct_change(closes, bars) for name, bars in RETURN_PERIODS.items()}


def rsi14(closes: np.ndarray) -> float | None:
    if len(closes) < 15:
        return None
    value = float(talib.RSI(closes, timeperiod=14)[-1])
    return None if math.isnan(value) else value


def build_row(
    inst: Instrument, q: Quote, tail: DailyTail | None, share_by_now: float | None = None
) -> ScreenRow:
    """One screenable row: the quote's live facts plus what the history adds.

    `share_by_now` is the share of a usual day's volume traded by the quote's minute of the
    session (see `volume_profile`); the volume ratio compares today's volume so far with the
    20-day average to that minute. Without it (no intraday profile) it compares with whole
    days, which is also what it does once the session is over (share 1).
    """
    price = q.current_price
    cap, pe = fundamentals(inst, price)
    rsi = avg_volume = None
    high52, low52 = q.week52_high, q.week52_low
    if tail is not None and len(tail.closes):
        closes = tail.closes_with(price, q.prev_close)
        rsi = rsi14(closes)
        avg_volume = tail.avg_volume(q.prev_close)
        if not high52 or not low52:
            high52 = max(float(tail.highs[-YEAR_BARS:].max()), q.high or price, price)
            low52 = min(float(tail.lows[-YEAR_BARS:].min()), q.low or price, price)
    high52 = max(high52, price) if high52 else None
    low52 = min(low52, price) if low52 else None
    return ScreenRow(
        symbol=inst.symbol,
        name=inst.name,
        sector=inst.sector,
        price=price,
        change_percent=q.change_percent,
        volume=float(q.volume),
        avg_volume_20d=avg_volume,
        volume_ratio=volume_ratio(q.volume, avg_volume, share_by_now),
        rsi14=rsi,
        pct_from_52w_high=(high52 - price) / high52 * 100 if high52 else None,
        pct_from_52w_low=(price - low52) / low52 * 100 if low52 else None,
        market_cap=cap,
        pe=pe,
    )


MIN_SHARE = 0.005  # before ~0.5 % of a day's volume has traded, a ratio means nothing


def volume_ratio(volume: float, avg_volume: float | None, share: float | None) -> float | None:
    """Today's volume over the 20-day average volume to the same minute of the session."""
    if not avg_volume:
        return None
    if share is None:
        return volume / avg_volume
    if share < MIN_SHARE:
        return None
    return volume / (avg_volume * share)


class ScreenData:
    """Daily tails for every equity of one market, and rows built from live quotes."""

    def __init__(
        self, provider: QuoteProvider, universe: Universe, market: str = DEFAULT_MARKET
    ) -> None:
        self.provider = provider
        self.universe = universe
        self.market = market
        self._tails: dict[Key, DailyTail] = {}
        self._task: asyncio.Task[None] | None = None
        self._rows: dict[Key, tuple[Quote, ScreenRow]] = {}
        self.profile: VolumeProfile | None = None
        self._window_of: SessionWindow = getattr(provider, "session_window", session_bounds)

    @property
    def ready(self) -> bool:
        task = self._task
        return task is not None and task.done() and not task.cancelled() and not task.exception()

    async def ensure(self) -> None:
        """Load the history once; concurrent callers wait for the same load, and a load
        that failed or was cancelled is retried by the next caller."""
        task = self._task
        if task is None or (task.done() and (task.cancelled() or task.exception() is not None)):
            self._task = asyncio.get_running_loop().create_task(self._load())
        await asyncio.shield(self._task)

    async def _load(self) -> None:
        equities = sorted(self.universe.equities(self.market), key=lambda i: i.symbol)
        for start in range(0, len(equities), FETCH_CHUNK):
            chunk = equities[start : start + FETCH_CHUNK]
            await asyncio.gather(*(self._load_one(inst.key) for inst in chunk))
            await asyncio.sleep(0)  # let ticks and sockets through between chunks
        self.profile = await self._load_profile(equities)
        self._rows.clear()
        log.info("screen data ready: %d of %d symbols", len(self._tails), len(equities))

    async def _load_one(self, key: Key) -> None:
        try:
            bars = await self.provider.history(key, "1d", HISTORY_RANGE)
        except (ProviderError, ValueError, OSError) as exc:
            log.warning("no daily history for %s: %s", key[0], exc)
            return
        if bars:
            self._tails[key] = DailyTail.from_bars(bars)

    async def _load_profile(self, equities: Sequence[Instrument]) -> VolumeProfile | None:
        """The market's intraday volume profile from a sample of the largest stocks."""
        sample = sorted(equities, key=lambda i: (-i.shares_outstanding * i.ref_price, i.symbol))
        sample = sample[:PROFILE_SAMPLE]
        series = []
        for inst in sample:
            try:
                series.append(await self.provider.history(inst.key, "15m", "1mo"))
            except (ProviderError, ValueError, OSError) as exc:
                log.warning("no intraday history for %s: %s", inst.symbol, exc)
            await asyncio.sleep(0)
        return build_profile(series, self._window_of, timedelta(minutes=15))

    def share_by_now(self, q: Quote) -> float | None:
        """Share of a usual day's volume traded by the quote's minute of the session."""
        if self.profile is None:
            return None
        return self.profile.share_at(session_fraction(q.timestamp, self._window_of))

    def tail(self, key: Key) -> DailyTail | None:
        return self._tails.get(key)

    def row(self, inst: Instrument, q: Quote) -> ScreenRow:
        hit = self._rows.get(inst.key)
        if hit is not None and hit[0] is q:
            return hit[1]
        row = build_row(inst, q, self._tails.get(inst.key), self.share_by_now(q))
        if self.ready:
            self._rows[inst.key] = (q, row)
        return row

    def rows(self, quotes: Mapping[Key, Quote]) -> list[ScreenRow]:
        """Rows for every equity of the market that has a quote, in symbol order."""
        out = []
        for inst in sorted(self.universe.equities(self.market), key=lambda i: i.symbol):
            q = quotes.get(inst.key)
            if q is not None:
                out.append(self.row(inst, q))
        return out

    def returns(self, key: Key, q: Quote | None) -> dict[str, float | None]:
        """1M/6M/1Y returns to the live price (to the last close without a quote)."""
        tail = self._tails.get(key)
        if tail is None or not len(tail.closes):
            return {name: None for name in RETURN_PERIODS}
        closes = tail.closes if q is None else tail.closes_with(q.current_price, q.prev_close)
        return returns(closes)

    def closes_since(self, key: Key, sessions: int) -> tuple[tuple[date, ...], np.ndarray]:
        """The last `sessions` daily closes with their dates (empty without history)."""
        tail = self._tails.get(key)
        if tail is None:
            return (), np.empty(0)
        return tail.days[-sessions:], tail.closes[-sessions:]


def relative_performance(
    data: ScreenData, keys: Sequence[Key], quotes: Mapping[Key, Quote], sessions: int
) -> tuple[tuple[date, ...], list[dict[date, float] | None]]:
    """Each key's daily closes over the last `sessions`, rebased to 100 at the first, with
    today's point at the live price; the axis is the dates of the first key with history.
    A key without history gets None, so the list stays aligned with `keys`."""
    axis: tuple[date, ...] = ()
    series: list[dict[date, float] | None] = []
    for key in keys:
        days, closes = data.closes_since(key, sessions)
        if not len(closes) or closes[0] <= 0:
            series.append(None)
            continue
        q, tail = quotes.get(key), data.tail(key)
        if q is not None and tail is not None:
            if tail.appends_today(q.prev_close):  # history ends yesterday: today is new
                days = (*days[1:], q.timestamp.astimezone(IST).date())
                closes = np.append(closes[1:], q.current_price)
            else:
                closes = closes.copy()
                closes[-1] = q.current_price
        axis = axis or days
        series.append(dict(zip(days, (closes / closes[0] * 100).round(2).tolist(), strict=True)))
    return axis, series


_shared: dict[str, ScreenData] = {}


def shared_screen_data(
    provider: QuoteProvider, universe: Universe, market: str = DEFAULT_MARKET
) -> ScreenData:
    """The process's ScreenData for a market; a new provider (restart) starts afresh."""
    data = _shared.get(market)
    if data is None or data.provider is not provider or data.universe is not universe:
        data = ScreenData(provider, universe, market)
        _shared[market] = data
    return data
