"""A deterministic simulated NSE/BSE exchange: the default market-data provider.

It needs no network and no API key, and for a given seed and sequence of observation times it
always produces the same prices, which makes it the provider for development, demos and
tests. Prices obey the exchange's rules (tick grid, daily circuit bands), move together the
way real stocks do (market and sector factors), and indices are computed from their members.

Indices report volume 0: an index is not traded, and summing members' share counts across
very different prices would not mean anything.

The market advances only when asked (`fetch_quotes`, `history`, `step`), to the injected
clock's `now()`, on a fixed grid of `tick_interval` seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime

import numpy as np

from stockapp.market.instruments import Universe
from stockapp.market.models import Bar, FetchResult, Key, Quote, utcnow
from stockapp.market.sim import (
    HistoryArchive,
    Hours,
    LiveMarket,
    SessionModel,
    check_interval_range,
    from_ms,
    to_ms,
)


class SimulatedExchange:
    """Implements `QuoteProvider` over a simulated market for every instrument in `universe`."""

    name = "simulated"
    simulated = True
    batch_size = 500

    def __init__(
        self,
        universe: Universe,
        seed: int = 42,
        now: Callable[[], datetime] = utcnow,
        tick_interval: float = 1.0,
        hours: Hours = "always",
    ) -> None:
        if tick_interval <= 0:
            raise ValueError("tick_interval must be positive")
        self.universe = universe
        self.seed = seed
        self.hours = hours
        self.tick_interval = tick_interval
        self._now = now
        self.market = LiveMarket(universe, seed, SessionModel(hours), round(tick_interval * 1000))
        self.archive = HistoryArchive(self.market, seed)

    # -- live ------------------------------------------------------------------------------

    def step(self, now: datetime | None = None) -> None:
        """Advance the whole market to `now` (default: the injected clock)."""
        when = now if now is not None else self._now()
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        self.market.advance_to(to_ms(when))

    def seconds_until_next_observation(self) -> float:
        """Seconds until the market's next step on its grid: the hub polls just after it, so
        a price is fetched within milliseconds of existing (see `QuoteProvider`)."""
        tick, now = self.market.tick_ms, to_ms(self._now())
        return ((now // tick + 1) * tick - now) / 1000

    def _observed_lately(self) -> bool:
        """Stepped within the last two ticks: someone (the hub) is observing the market."""
        m = self.market
        return m.day is not None and to_ms(self._now()) - m.last_ms <= 2 * m.tick_ms

    def quote(self, key: Key) -> Quote | None:
        """The current quote for `key` without advancing time; None for unknown keys."""
        col = self.market.layout.col_of.get(key)
        if col is None:
            return None
        if self.market.day is None:
            self.step()
        m = self.market
        inst = m.layout.instruments[col]
        high52, low52 = self.archive.week52(col)
        return Quote(
            symbol=inst.symbol,
            market=inst.market,
            current_price=float(m.price[col]),
            open=float(m.open[col]),
            high=float(m.high[col]),
            low=float(m.low[col]),
            prev_close=float(m.prev_close[col]),
            volume=int(np.floor(m.volume[col])),
            timestamp=from_ms(m.last_ms),
            week52_high=high52,
            week52_low=low52,
        )

    def snapshot(self, keys: Iterable[Key]) -> dict[Key, Quote]:
        """Quotes for the known keys among `keys`, as of the last step."""
        out: dict[Key, Quote] = {}
        for key in keys:
            q = self.quote(key)
            if q is not None:
                out[key] = q
        return out

    def session_window(self, day: date) -> tuple[datetime, datetime]:
        """[open, close) of the simulator's session on `day` (its whole day when always open)."""
        start, end = self.market.sessions.window_ms(day)
        return from_ms(start), from_ms(end)

    def keys(self) -> list[Key]:
        """Every key this exchange quotes."""
        return list(self.market.layout.col_of)

    async def fetch_quotes(self, keys: Sequence[Key]) -> FetchResult:
        self.step()
        quotes = self.snapshot(keys)
        return FetchResult(quotes=quotes, missing=[k for k in keys if k not in quotes])

    # -- history ---------------------------------------------------------------------------

    async def history(
        self, key: Key, interval: str, range_: str, *, end: datetime | None = None
    ) -> list[Bar]:
        """Bars oldest first; today's last bar is the live quote.

        One observation, one truth: while the hub observes the market every tick, history
        does not advance it (that would end the chart a step ahead of the price the hub
        published); a market nobody observed lately is brought up to now first."""
        check_interval_range(interval, range_)
        col = self.market.layout.col_of.get(key)
        if col is None:
            raise ValueError(f"unknown instrument {key[0]!r} on {key[1]!r}")
        if not self._observed_lately():
            self.step()
        if end is not None and end.tzinfo is None:
            end = end.replace(tzinfo=UTC)
        if interval in ("1d", "1wk"):
            return self.archive.daily_bars(col, interval, range_, end)
        return self.archive.intraday_bars(col, interval, range_, end)

    async def aclose(self) -> None:
        """Nothing to release: the simulator holds no connections."""
