"""A replay as a quote provider: the hub polls it exactly as it polls the live market.

Because a replay is just another `QuoteProvider`, everything downstream of a hub (conflated
subscriptions, /ws frames, pages, paper orders) works on replayed prices unchanged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import date, datetime

from stockapp.market.models import Bar, FetchResult, Key
from stockapp.market.providers.base import QuoteProvider
from stockapp.market.replay.sources import MinuteSource
from stockapp.market.replay.tape import SessionMinutes
from stockapp.market.sim.session import from_ms, to_ms


class ReplayProvider:
    """Quotes of `day` at the session time `shown_ms()` returns; history ends there too."""

    name = "replay"
    batch_size = 500

    def __init__(
        self,
        base: QuoteProvider,
        source: MinuteSource,
        day: date,
        shown_ms: Callable[[], int],
    ) -> None:
        self.simulated = base.simulated
        self.day = day
        self._base = base
        self._source = source
        self._shown_ms = shown_ms
        self._tapes: dict[Key, SessionMinutes | None] = {}
        self._loading: dict[Key, asyncio.Task[SessionMinutes | None]] = {}

    async def tape(self, key: Key) -> SessionMinutes | None:
        """`key`'s minute bars for the day, loaded once (concurrent callers share the load)."""
        if key in self._tapes:
            return self._tapes[key]
        task = self._loading.get(key)
        if task is None:
            task = asyncio.ensure_future(self._source.session(key, self.day))
            self._loading[key] = task
        try:
            tape = await asyncio.shield(task)
        finally:
            self._loading.pop(key, None)
        self._tapes[key] = tape
        return tape

    async def fetch_quotes(self, keys: Sequence[Key]) -> FetchResult:
        tapes = await asyncio.gather(*(self.tape(k) for k in keys))
        at = self._shown_ms()
        result = FetchResult()
        for key, tape in zip(keys, tapes, strict=True):
            if tape is None:
                result.missing.append(key)
            else:
                result.quotes[key] = tape.quote_at(at)
        return result

    async def history(
        self, key: Key, interval: str, range_: str, *, end: datetime | None = None
    ) -> list[Bar]:
        """The base provider's bars up to the replayed moment, never beyond it.

        For 1-minute bars the minute in progress is the one the replay has shown so far, so a
        chart's last candle agrees with the quote beside it.
        """
        at = self._shown_ms()
        if end is not None:
            at = min(at, to_ms(end))
        bars = await self._base.history(key, interval, range_, end=from_ms(at))
        if interval != "1m":
            return bars
        tape = await self.tape(key)
        forming = tape.forming_bar(at) if tape is not None else None
        if forming is None:
            return bars
        return [b for b in bars if b.t < forming.t] + [forming]

    async def aclose(self) -> None:
        """The base provider is shared with the live market: it is not closed here."""
        for task in self._loading.values():
            task.cancel()
