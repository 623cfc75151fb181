"""Where a replay's minute bars come from: the simulator's archive, or a provider's history.

The simulator can replay any finished trading day of its history; a real provider only the
days its 1-minute history still covers (a few sessions for most free feeds).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time
from typing import Protocol

from stockapp.market.calendar import IST
from stockapp.market.models import Key
from stockapp.market.providers.base import ProviderError, QuoteProvider
from stockapp.market.replay.tape import SessionMinutes


class MinuteSource(Protocol):
    async def session(self, key: Key, day: date) -> SessionMinutes | None:
        """`key`'s minute bars on `day`, or None when there are none to replay."""
        ...

    async def window(self, day: date) -> tuple[int, int] | None:
        """[start, end) of `day`'s session in epoch ms, or None if it cannot be replayed."""
        ...


class ArchiveSource:
    """The simulated exchange's own history: every finished trading day, deterministically."""

    def __init__(self, exchange) -> None:  # a SimulatedExchange (kept duck-typed: no import cycle)
        self._exchange = exchange

    async def window(self, day: date) -> tuple[int, int] | None:
        market = self._exchange.market
        if market.day is None:
            self._exchange.step()
        if day >= market.day or await self.session(market.layout.instruments[0].key, day) is None:
            return None
        return market.sessions.window_ms(day)

    async def session(self, key: Key, day: date) -> SessionMinutes | None:
        # generating a symbol's history the first time takes milliseconds: off the event loop
        return await asyncio.to_thread(self._session, key, day)

    def _session(self, key: Key, day: date) -> SessionMinutes | None:
        col = self._exchange.market.layout.col_of.get(key)
        if col is None:
            return None
        past = self._exchange.archive.past_session(col, day)
        if past is None:
            return None
        return SessionMinutes.from_bars(
            key,
            day,
            past.minutes,
            past.prev_close,
            start_ms=past.start_ms,
            week52_high=past.week52_high,
            week52_low=past.week52_low,
        )


class ProviderBarsSource:
    """A provider's recorded 1-minute bars for the day (where its history still has them).

    Minutes the provider has no bar for are not filled in: the replay runs through the bars
    it has, one a minute from the first.
    """

    def __init__(self, provider: QuoteProvider, probe: Key) -> None:
        self._provider = provider
        self._probe = probe  # an instrument that trades every session (an index)

    async def window(self, day: date) -> tuple[int, int] | None:
        tape = await self.session(self._probe, day)
        return None if tape is None else (tape.start_ms, tape.end_ms)

    async def session(self, key: Key, day: date) -> SessionMinutes | None:
        end = datetime.combine(day, time(23, 59), tzinfo=IST).astimezone(UTC)
        try:
            minutes = await self._provider.history(key, "1m", "5d", end=end)
            daily = await self._provider.history(key, "1d", "1mo", end=end)
        except (ProviderError, ValueError):
            return None
        bars = [b for b in minutes if b.t.astimezone(IST).date() == day]
        before = [b for b in daily if b.t.astimezone(IST).date() < day]
        if not bars or not before:
            return None
        return SessionMinutes.from_bars(key, day, bars, before[-1].c)
