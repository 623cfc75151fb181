"""The price hub: one poller per process, fanning the latest prices out to every consumer.

Upstream cost depends only on the number of distinct subscribed instruments: each tick sends one
request per `provider.batch_size` keys, however many /ws connections, UI sessions or alert rules
want them. Consumers get conflated mailboxes (see hub.subscription), so a slow reader costs
neither memory growth nor delay for anyone else. When upstream fails the last prices keep being
served, marked stale, until a later tick succeeds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable

from stockapp.market.hub import metrics
from stockapp.market.hub.backend import HubBackend, MemoryBackend
from stockapp.market.hub.listeners import Listener, ListenerDispatcher
from stockapp.market.hub.registry import SubscriptionRegistry
from stockapp.market.hub.store import QuoteStore
from stockapp.market.hub.subscription import Subscription, as_keys
from stockapp.market.hub.upstream import SingleFlight, Upstream
from stockapp.market.instruments import Universe
from stockapp.market.models import Key, Quote, utcnow
from stockapp.market.providers.base import QuoteProvider
from stockapp.market.snapshot import MarketSnapshot

SnapshotListener = Callable[[MarketSnapshot, dict[Key, Quote]], Awaitable[None] | None]

log = logging.getLogger(__name__)

# how long after a provider's announced observation the hub polls: enough for the clock to
# have passed it, small against any tick
PHASE_MARGIN = 0.005


class PriceHub:
    """Knows the latest price of every subscribed instrument and pushes changes to consumers.

    `fetch_timeout` bounds each upstream request (default max(2 ticks, 5 s)); keys the provider
    reports missing are skipped for `unknown_ttl` seconds; newly subscribed keys are fetched
    `first_fetch_delay` after the first subscribe() of a burst instead of at the next tick.
    """

    def __init__(
        self,
        provider: QuoteProvider,
        *,
        tick_interval: float = 1.0,
        cache_ttl: float = 1.5,
        clock: Callable[[], float] = time.monotonic,
        backend: HubBackend | None = None,
        fetch_timeout: float | None = None,
        listener_timeout: float | None = None,
        unknown_ttl: float = 60.0,
        first_fetch_delay: float | None = None,
        universe: Universe | None = None,
    ) -> None:
        if tick_interval <= 0:
            raise ValueError("tick_interval must be positive")
        self.tick_interval = tick_interval
        self.cache_ttl = cache_ttl
        self.first_fetch_delay = (
            min(0.01, tick_interval / 4) if first_fetch_delay is None else first_fetch_delay
        )
        self._clock = clock
        self._upstream = Upstream(provider, fetch_timeout or max(2 * tick_interval, 5.0))
        self._store = QuoteStore(unknown_ttl)
        self._backend: HubBackend = backend if backend is not None else MemoryBackend()
        self._registry = SubscriptionRegistry(self._backend)
        self._listeners = ListenerDispatcher(listener_timeout or self._upstream.timeout)
        self._awaiting_first: set[Key] = set()
        self._inflight = SingleFlight()
        self._wake = asyncio.Event()
        self._poll_task: asyncio.Task[None] | None = None
        self._running = False
        self._heartbeat = 0.0
        self._last_round: float | None = None
        self._seq = 0
        self._counters = metrics.HubCounters()
        self.universe = universe
        self._prices: dict[Key, float] = {}  # last delivered price per key
        self._ticks: dict[Key, int] = {}  # direction of each key's last price change
        self._snapshot = MarketSnapshot.empty(universe)

    @property
    def provider(self) -> QuoteProvider:
        return self._upstream.provider

    @property
    def fetch_timeout(self) -> float:
        return self._upstream.timeout

    @property
    def backend(self) -> HubBackend:
        return self._backend

    @property
    def version(self) -> int:
        """Grows with every delivered batch: market-wide views computed from `latest` stay
        valid until it changes (see `snapshot`)."""
        return self._seq

    def snapshot(self) -> MarketSnapshot:
        """The market at the current version: one immutable object per delivered batch,
        built on first use and shared by every reader until the next batch arrives."""
        snap = self._snapshot
        if snap.version != self._seq:
            snap = self._snapshot = MarketSnapshot(
                self._seq,
                self._store.latest,
                ticks=self._ticks,
                universe=self.universe,
                previous=snap,
            )
        return snap

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the poll loop (once; further calls are no-ops while it runs)."""
        if self._running:
            return
        self._running = True
        self._heartbeat = self._clock()
        await self._backend.attach(self._deliver)
        set_prefetch = getattr(self._backend, "set_prefetch", None)
        if set_prefetch is not None:  # a shared backend's leader fetches other workers' keys
            set_prefetch(self.quotes)
        self._listeners.start()
        self._poll_task = asyncio.create_task(self._poll_loop(), name="price-hub-poll")

    async def stop(self) -> None:
        """Stop polling, close every subscription and wait for all hub tasks to finish."""
        self._running = False
        task, self._poll_task = self._poll_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._inflight.cancel_all()
        await self._listeners.stop()
        for sub in self._registry.subscriptions():
            sub.close()
        await self._backend.detach(self._deliver)

    # -- subscriptions -----------------------------------------------------------------------

    def subscribe(self, keys: Iterable[Key] | Key = (), *, label: str = "") -> Subscription:
        """Open a subscription; keys without a known price are fetched soon, not next tick."""
        sub = Subscription(self, label)
        self._registry.open(sub)
        sub.add(keys)
        return sub

    def latest(self, key: Key) -> Quote | None:
        return self._store.latest.get(key)

    def add_listener(self, fn: Listener) -> Callable[[], None]:
        """Call `fn` with each published batch of changed quotes; returns its remover.

        Listeners run outside the tick, each bounded by listener_timeout; the dict they get is
        shared between them and must not be mutated.
        """
        return self._listeners.add(fn)

    def add_snapshot_listener(self, fn: SnapshotListener) -> Callable[[], None]:
        """Like `add_listener`, but `fn(snapshot, changed)` also gets the snapshot the batch
        belongs to (the latest one when batches were merged); returns its remover."""
        return self._listeners.add(lambda changed: fn(self.snapshot(), changed))

    @property
    def subscriber_count(self) -> int:
        return self._registry.subscriber_count

    @property
    def subscribed_keys(self) -> set[Key]:
        return self._registry.keys

    def refcount(self, key: Key) -> int:
        return self._registry.refcount(key)

    def _register(self, sub: Subscription, keys: list[Key]) -> None:
        self._registry.add_keys(sub, keys)
        now = self._clock()
        latest = self._store.latest
        unseen = [k for k in keys if k not in latest and not self._store.is_unknown(k, now)]
        if unseen:
            self._awaiting_first.update(unseen)
            self._wake.set()

    def _unregister(self, sub: Subscription, keys: list[Key], *, closing: bool) -> None:
        if closing:
            self._registry.close(sub, keys)
        else:
            self._registry.remove_keys(sub, keys)

    # -- REST --------------------------------------------------------------------------------

    async def quotes(self, keys: Iterable[Key] | Key) -> dict[Key, Quote]:
        """Latest quotes for `keys`, asking upstream only for those not fetched within cache_ttl.

        Concurrent callers share in-flight requests; unknown keys are absent from the result.
        """
        wanted = as_keys(keys)
        store = self._store
        now = self._clock()
        out: dict[Key, Quote] = {}
        waits: set[asyncio.Task[None]] = set()
        to_fetch: list[Key] = []
        for key in wanted:
            if store.is_unknown(key, now):
                continue
            if store.is_fresh(key, now, self.cache_ttl):
                out[key] = store.latest[key]
            elif (task := self._inflight.get(key)) is not None:
                waits.add(task)
            else:
                to_fetch.append(key)
        for batch in self._upstream.batches(to_fetch):
            waits.add(self._inflight.launch(batch, self._fetch_and_publish(batch)))
        if waits:
            await asyncio.wait(waits)  # unlike gather, never cancels the shared requests
            now = self._clock()
            for key in wanted:
                quote = store.latest.get(key)
                if quote is not None and key not in out and not store.is_unknown(key, now):
                    out[key] = quote
        return out

    async def _fetch_and_publish(self, batch: list[Key]) -> None:
        result = await self._upstream.fetch(batch)
        changed = self._store.ingest(batch, result, self._clock())
        if changed:
            await self._publish(changed)

    # -- polling -----------------------------------------------------------------------------

    async def _poll_loop(self) -> None:
        interval = self.tick_interval
        next_at = self._clock()
        while True:
            started = self._heartbeat = self._clock()
            if self._backend.is_leader():
                try:
                    await self._tick()
                    self._last_round = self._clock()
                except Exception:
                    self._counters.tick_errors += 1
                    log.exception("price hub tick failed")
            now = self._heartbeat = self._clock()
            locked = self._phase_locked(started, now)
            if locked is not None:
                next_at = locked
            else:
                next_at += interval
                if now > next_at:  # overran: skip the missed slots instead of bunching them up
                    missed = int((now - next_at) // interval) + 1
                    next_at += missed * interval
                    self._counters.skipped_ticks += missed
            await self._idle_until(next_at)

    def _phase_locked(self, started: float, now: float) -> float | None:
        """When the provider says when its next observation is due (the simulator's next
        step), poll just after it: prices then reach consumers a few milliseconds after they
        exist instead of up to a whole tick later. None: keep the fixed interval (a provider
        without that knowledge, or one that moves much faster than the hub polls)."""
        due = getattr(self.provider, "seconds_until_next_observation", None)
        if due is None:
            return None
        try:
            delay = due()
        except Exception:
            log.exception("provider could not tell its next observation")
            return None
        if delay is None:
            return None
        at = now + max(0.0, delay) + PHASE_MARGIN
        if at - started < self.tick_interval / 2:  # never poll more often than every half tick
            return None
        return at

    async def _idle_until(self, deadline: float) -> None:
        """Sleep until `deadline`, fetching newly subscribed keys whenever subscribe() wakes us."""
        while (delay := deadline - self._clock()) > 0:
            try:
                async with asyncio.timeout(delay):
                    await self._wake.wait()
            except TimeoutError:
                return
            self._wake.clear()
            await asyncio.sleep(self.first_fetch_delay)
            latest = self._store.latest
            fresh = [k for k in self._awaiting_first if k not in latest and self.refcount(k)]
            self._awaiting_first.clear()
            if fresh and self._backend.is_leader():
                await self.quotes(fresh)

    async def _tick(self) -> None:
        started = time.perf_counter()
        now = self._clock()
        keys = [k for k in await self._backend.poll_keys() if not self._store.is_unknown(k, now)]
        self._awaiting_first.difference_update(keys)
        batches = self._upstream.batches(sorted(keys))
        results = await asyncio.gather(*(self._upstream.fetch(batch) for batch in batches))
        changed: dict[Key, Quote] = {}
        now = self._clock()
        for batch, result in zip(batches, results, strict=True):
            changed.update(self._store.ingest(batch, result, now))
        if changed:
            await self._publish(changed)
        self._counters.tick_done(time.perf_counter() - started)

    async def _publish(self, changed: dict[Key, Quote]) -> None:
        self._counters.published(len(changed))
        newest = max(q.timestamp for q in changed.values())
        self._counters.aged((utcnow() - newest).total_seconds())
        await self._backend.publish(changed)

    async def _deliver(self, quotes: dict[Key, Quote]) -> None:
        """Backend consumer: remember the batch, hand it to local subscriptions and listeners."""
        self._store.accept(quotes, self._clock())
        self._seq += 1
        prices, ticks = self._prices, self._ticks
        for key, quote in quotes.items():
            price, old = quote.current_price, prices.get(key)
            ticks[key] = 0 if old is None or old == price else (1 if price > old else -1)
            prices[key] = price
        started = time.perf_counter()
        deliveries, drops = self._registry.fan_out(quotes, self._seq)
        self._counters.fanned_out(deliveries, drops, time.perf_counter() - started)
        self._listeners.submit(quotes)

    # -- introspection -----------------------------------------------------------------------

    def last_round_age(self) -> float | None:
        """Seconds since this process last completed a poll round as leader (None: never).
        A round counts even when nothing changed (a closed market, nothing subscribed)."""
        if self._last_round is None:
            return None
        return self._clock() - self._last_round

    @property
    def healthy(self) -> bool:
        """True unless started and the loop has not come round for several tick intervals."""
        if not self._running:
            return True
        task = self._poll_task
        if task is None or task.done():
            return False
        return self._clock() - self._heartbeat <= 3 * self.tick_interval + self.fetch_timeout

    def stats(self) -> dict[str, float | int | bool]:
        up = self._upstream
        return {
            **self._counters.as_dict(),
            "upstream_requests": up.requests,
            "upstream_errors": up.errors,
            "upstream_timeouts": up.timeouts,
            "subscribers": self._registry.subscriber_count,
            "distinct_keys": self._registry.key_count,
            "listeners": self._listeners.count,
            "listener_calls": self._listeners.calls,
            "listener_errors": self._listeners.errors,
            "leader": self._backend.is_leader(),
            "healthy": self.healthy,
        }
