"""The per-process alert engine: evaluates every active alert on every tick.

It keeps the active alerts in memory (loaded at start, updated at once when this process
creates or deletes one, and reloaded every few seconds to pick up other workers' changes),
keeps the hub subscribed to each alerted instrument so alerts fire with no page open, and
evaluates on the hub's tick listener. Only the hub leader evaluates, so with several
workers an alert fires once; the database's optimistic check (see `store.record_firing`)
makes a double fire impossible even if two processes briefly both think they lead.

Everything slow (database, webhook, toasts) happens after the tick: firings go to one
serial worker task (so a re-arm and the next firing of the same alert land in order) and
webhook POSTs run in their own background tasks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from stockapp.alerts import store, webhook
from stockapp.db.session import run_db
from stockapp.market.alerts import AlertBook, Evaluation
from stockapp.market.hub import PriceHub, Subscription
from stockapp.market.hub.listeners import register
from stockapp.market.instruments import Universe
from stockapp.market.models import Key, Quote
from stockapp.market.snapshot import MarketSnapshot
from stockapp.runtime import Runtime, on_start, on_stop

log = logging.getLogger("stockapp.alerts")

RELOAD_SECONDS = 10.0
Observer = Callable[[store.EventData], Awaitable[None]]


def is_leader(hub: PriceHub) -> bool:
    """Whether this process's hub polls upstream (always so with one process)."""
    check = getattr(hub, "is_leader", None)
    if callable(check):
        return bool(check())
    backend = getattr(hub, "_backend", None)
    leader = getattr(backend, "is_leader", None)
    return bool(leader()) if callable(leader) else True


class AlertEngine:
    def __init__(self, reload_seconds: float = RELOAD_SECONDS) -> None:
        self.reload_seconds = reload_seconds
        self.book = AlertBook()
        self.fired = 0
        self.webhooks_sent = 0
        self._hub: PriceHub | None = None
        self._sub: Subscription | None = None
        self._unlisten: Callable[[], None] | None = None
        self._observers: list[Observer] = []
        self._queue: asyncio.Queue[Evaluation] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._background: set[asyncio.Task[None]] = set()
        self._reload_soon: asyncio.Event | None = None

    @property
    def running(self) -> bool:
        return self._hub is not None

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self, hub: PriceHub, universe: Universe) -> None:
        if self._hub is not None:
            return
        self._hub = hub

        def index_key(key: Key) -> bool:
            inst = universe.get(*key)
            return bool(inst and inst.is_index)

        self.book = AlertBook(is_index=index_key)
        self._queue = asyncio.Queue()
        self._reload_soon = asyncio.Event()
        self._sub = hub.subscribe(label="alerts")
        await self.reload()
        self._unlisten = hub.add_snapshot_listener(self._on_tick)
        self._tasks = [
            asyncio.create_task(self._persist_loop(), name="alerts-persist"),
            asyncio.create_task(self._reload_loop(), name="alerts-reload"),
        ]

    async def stop(self) -> None:
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        for task in [*self._tasks, *self._background]:
            task.cancel()
        for task in [*self._tasks, *self._background]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks, self._background = [], set()
        if self._sub is not None:
            self._sub.close()
            self._sub = None
        self._hub = None

    def add_observer(self, fn: Observer) -> Callable[[], None]:
        """Call `fn(event)` for each recorded firing (toasts); returns its remover."""
        return register(self._observers, fn)

    # -- changes from this process ---------------------------------------------------------
    def alert_created(self, alert: store.AlertData, user_id: int) -> None:
        """Start evaluating a new alert at the next tick (no need to wait for a reload)."""
        if self._hub is None or not alert.active:
            return
        self.book.add(store.rule_of(alert, user_id))
        self._sync_subscription()

    def alert_deleted(self, alert_id: int) -> None:
        if self.book.remove(alert_id) is not None:
            self._sync_subscription()

    def request_reload(self) -> None:
        if self._reload_soon is not None:
            self._reload_soon.set()

    # -- internals -------------------------------------------------------------------------
    def _sync_subscription(self) -> None:
        if self._sub is not None and not self._sub.closed:
            self._sub.set_keys(self.book.keys())

    async def reload(self) -> None:
        try:
            rules = await run_db(store.active_rules)
        except Exception:
            log.exception("loading active alerts failed")
            return
        self.book.replace(rules)
        self._sync_subscription()

    async def _reload_loop(self) -> None:
        assert self._reload_soon is not None
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.reload_seconds):
                    await self._reload_soon.wait()
            self._reload_soon.clear()
            await self.reload()

    def _on_tick(self, snapshot: MarketSnapshot, _changed: dict[Key, Quote]) -> None:
        hub, sub, queue = self._hub, self._sub, self._queue
        if hub is None or sub is None or sub.closed or queue is None:
            return
        batch = sub.get_nowait()
        if not is_leader(hub):
            return
        for key in self.book.fresh_keys():
            if key not in batch and (quote := snapshot.get(key)) is not None:
                batch[key] = quote
        if not batch:
            return
        before = len(self.book)
        result = self.book.evaluate(batch)
        if len(self.book) != before:
            self._sync_subscription()
        if result.fired or result.rearmed:
            queue.put_nowait(result)

    async def _persist_loop(self) -> None:
        assert self._queue is not None
        while True:
            result = await self._queue.get()
            try:
                await self._persist(result)
            except Exception:
                log.exception("recording fired alerts failed")

    async def _persist(self, result: Evaluation) -> None:
        for rule in result.rearmed:
            await run_db(store.rearm, rule.id)
        for firing in result.fired:
            recorded = await run_db(store.record_firing, firing)
            if recorded is None:
                continue  # fired elsewhere already, or deleted meanwhile
            event, url = recorded
            self.fired += 1
            for observer in list(self._observers):
                self._spawn(self._observe(observer, event))
            if url:
                self._spawn(self._send_webhook(url, event))

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _observe(self, observer: Observer, event: store.EventData) -> None:
        try:
            await observer(event)
        except Exception:
            log.exception("alert observer failed")

    async def _send_webhook(self, url: str, event: store.EventData) -> None:
        payload = {"type": "alert", **event.as_dict()}
        payload.pop("webhook_status", None)
        payload.pop("user_id", None)
        status = await webhook.post_json(url, payload)
        self.webhooks_sent += 1
        try:
            await run_db(store.set_webhook_status, event.id, status)
        except Exception:
            log.exception("recording the webhook outcome failed")


alert_engine = AlertEngine()


@on_start
async def _start_engine(rt: Runtime) -> None:
    await alert_engine.start(rt.require_hub(), rt.universe)


@on_stop
async def _stop_engine(_rt: Runtime) -> None:
    await alert_engine.stop()
