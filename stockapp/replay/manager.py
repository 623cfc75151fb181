"""The replay hubs of this worker: one `PriceHub` per replay somebody here is watching.

A replay's prices are a pure function of its stored clock, so every worker builds its own
hub for it on demand and all of them agree. Clock changes made through this worker apply at
once; changes made through another worker are picked up within `REFRESH_SECONDS` (the rows
are re-read then), and a replay deleted elsewhere stops here too. A hub nobody has
subscribed to for `IDLE_SECONDS` is stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field

from stockapp.db.session import run_db
from stockapp.market.hub import PriceHub
from stockapp.market.providers.base import QuoteProvider
from stockapp.market.replay import (
    ArchiveSource,
    MinuteSource,
    ProviderBarsSource,
    ReplayProvider,
)
from stockapp.market.sim.session import from_ms
from stockapp.paper.engine import PaperEngine
from stockapp.replay import store
from stockapp.replay.store import ReplayData
from stockapp.runtime import Runtime, on_stop, runtime

log = logging.getLogger("stockapp.replay")

REFRESH_SECONDS = 1.0
IDLE_SECONDS = 300.0


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


def minute_source(provider: QuoteProvider, probe) -> MinuteSource:
    """The simulator replays from its archive; a real feed from its 1-minute history."""
    if getattr(provider, "archive", None) is not None:
        return ArchiveSource(provider)
    return ProviderBarsSource(provider, probe)


@dataclass
class _Entry:
    data: ReplayData
    hub: PriceHub
    paper: PaperEngine
    idle_since: float | None = field(default=None)


class ReplayHubs:
    def __init__(self, rt: Runtime) -> None:
        self._rt = rt
        self._entries: dict[str, _Entry] = {}
        self._lock = asyncio.Lock()
        self._refresher: asyncio.Task[None] | None = None
        self._source: MinuteSource | None = None
        self._source_of: QuoteProvider | None = None

    def source(self) -> MinuteSource:
        provider = self._rt.require_provider()
        if self._source is None or self._source_of is not provider:
            self._source_of = provider
            probe = self._rt.universe.indices()[0].key
            self._source = minute_source(provider, probe)
        return self._source

    async def window(self, day) -> tuple[int, int] | None:
        return await self.source().window(day)

    def current(self, rid: str) -> ReplayData | None:
        """The newest clock this worker knows for replay `rid` (re-read every second), or
        None when no hub for it runs here."""
        entry = self._entries.get(rid)
        return entry.data if entry is not None else None

    def shown_ms(self, rid: str) -> int:
        """The session time replay `rid` shows now on this worker."""
        return self._entries[rid].data.clock.at(wall_ms())

    async def hub(self, data: ReplayData) -> PriceHub:
        """The running hub of replay `data` on this worker (started on first use)."""
        async with self._lock:
            entry = self._entries.get(data.id)
            if entry is None:
                provider = ReplayProvider(
                    self._rt.require_provider(),
                    self.source(),
                    data.day,
                    lambda rid=data.id: self.shown_ms(rid),
                )
                settings = self._rt.settings
                # with the universe, so market-wide views (movers, sectors) work on it
                hub = PriceHub(
                    provider, tick_interval=settings.tick_interval, universe=self._rt.universe
                )
                paper = PaperEngine(
                    hours=settings.market_hours,
                    opening=settings.paper_opening_balance,
                    clock=lambda rid=data.id: from_ms(self.shown_ms(rid)),
                    book_id=data.id,
                )
                entry = _Entry(data, hub, paper)
                self._entries[data.id] = entry
                await hub.start()
                await paper.start(hub, self._rt.universe)
                self._ensure_refresher()
            else:
                entry.data = data
            return entry.hub

    async def paper(self, data: ReplayData) -> PaperEngine:
        """The engine matching paper orders placed inside replay `data` on its prices."""
        await self.hub(data)
        return self._entries[data.id].paper

    def update(self, data: ReplayData) -> None:
        """A clock change made through this worker: applies at the next tick."""
        entry = self._entries.get(data.id)
        if entry is not None:
            entry.data = data

    async def drop(self, rid: str) -> None:
        entry = self._entries.pop(rid, None)
        if entry is not None:
            await entry.paper.stop()
            await entry.hub.stop()

    async def stop_all(self) -> None:
        task, self._refresher = self._refresher, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for rid in list(self._entries):
            await self.drop(rid)

    def _ensure_refresher(self) -> None:
        if self._refresher is None or self._refresher.done():
            self._refresher = asyncio.create_task(self._refresh_loop(), name="replay-refresh")

    async def _refresh_loop(self) -> None:
        while self._entries:
            await asyncio.sleep(REFRESH_SECONDS)
            try:
                await self.refresh()
            except Exception:  # a database hiccup: keep the clocks we have, retry next time
                log.exception("replay refresh failed")

    async def refresh(self) -> None:
        """Re-read the clocks of this worker's replays; stop deleted and idle ones."""
        stored = await run_db(store.by_ids, list(self._entries))
        now = time.monotonic()
        for rid, entry in list(self._entries.items()):
            data = stored.get(rid)
            if data is None:
                await self.drop(rid)
                continue
            entry.data = data
            if entry.hub.subscriber_count > 1:  # more than the paper engine's own
                entry.idle_since = None
            elif entry.idle_since is None:
                entry.idle_since = now
            elif now - entry.idle_since > IDLE_SECONDS:
                await self.drop(rid)


replays = ReplayHubs(runtime)


@on_stop
async def _stop_replays(_rt: Runtime) -> None:
    await replays.stop_all()
