"""Price hub: upstream cost, refcounts, conflation, failure handling, cache, lifecycle."""

from __future__ import annotations

import asyncio
import math
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime, timedelta

import pytest
from prometheus_client import REGISTRY

from stockapp.market.hub import MemoryBackend, PriceHub, SubscriptionClosed
from stockapp.market.hub.store import QuoteStore
from stockapp.market.models import Bar, FetchResult, Key, Quote, utcnow
from stockapp.market.providers.base import ProviderError, QuoteProvider

TICK = 0.02


def keys(n: int, prefix: str = "SYM") -> list[Key]:
    return [(f"{prefix}{i}", "india_nse") for i in range(n)]


class RecordingProvider:
    """Deterministic provider: every call moves each requested price by one step.

    Records each call's keys and loop time so tests can count requests per tick.
    """

    name = "recording"
    simulated = True

    def __init__(self, batch_size: int = 50) -> None:
        self.batch_size = batch_size
        self.calls: list[tuple[Key, ...]] = []
        self.call_times: list[float] = []
        self.versions: dict[Key, int] = defaultdict(int)
        self.frozen: set[Key] = set()
        self.missing: set[Key] = set()
        self.fail = False
        self.hang = False
        self.delay = 0.0

    async def fetch_quotes(self, keys: Sequence[Key]) -> FetchResult:
        self.calls.append(tuple(keys))
        self.call_times.append(asyncio.get_running_loop().time())
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.hang:
            await asyncio.Event().wait()
        if self.fail:
            raise ProviderError("upstream down")
        result = FetchResult()
        for key in keys:
            if key in self.missing:
                result.missing.append(key)
                continue
            if key not in self.frozen:
                self.versions[key] += 1
            price = 100.0 + self.versions[key] * 0.05
            result.quotes[key] = Quote(
                symbol=key[0],
                market=key[1],
                current_price=round(price, 2),
                open=100.0,
                high=max(100.0, price),
                low=100.0,
                prev_close=99.0,
                volume=1000 + self.versions[key],
                timestamp=utcnow(),
            )
        return result

    async def history(
        self, key: Key, interval: str, range_: str, *, end: datetime | None = None
    ) -> list[Bar]:
        return []

    async def aclose(self) -> None:
        return None

    def keys_requested(self) -> set[Key]:
        return {k for call in self.calls for k in call}


async def wait_until(pred: Callable[[], bool], within: float = 2.0) -> None:
    deadline = time.monotonic() + within
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.003)


@pytest.fixture
async def make_hub() -> AsyncIterator[Callable[..., PriceHub]]:
    hubs: list[PriceHub] = []

    def factory(provider: QuoteProvider | None = None, **kwargs: object) -> PriceHub:
        kwargs.setdefault("tick_interval", TICK)
        hub = PriceHub(provider or RecordingProvider(), **kwargs)  # type: ignore[arg-type]
        hubs.append(hub)
        return hub

    yield factory
    for hub in hubs:
        await hub.stop()


def test_recording_provider_satisfies_protocol() -> None:
    assert isinstance(RecordingProvider(), QuoteProvider)


@pytest.mark.parametrize("subscribers", [1, 100, 1000])
async def test_upstream_requests_per_tick_do_not_depend_on_subscribers(
    make_hub: Callable[..., PriceHub], subscribers: int
) -> None:
    provider = RecordingProvider(batch_size=5)
    hub = make_hub(provider)
    pool = keys(12)
    subs = [hub.subscribe(pool, label=f"s{i}") for i in range(subscribers)]
    assert hub.refcount(pool[0]) == subscribers
    assert hub.subscriber_count == subscribers
    await hub.start()
    await wait_until(lambda: hub.stats()["ticks"] >= 6)
    await hub.stop()

    # Every tick asks for the same sorted batches, whatever the number of subscribers; a tick
    # cut short by stop() has made either all of its requests or none.
    ordered = sorted(pool)
    per_tick = [tuple(ordered[i : i + 5]) for i in range(0, len(ordered), 5)]
    assert len(per_tick) == math.ceil(len(pool) / provider.batch_size)
    ticks = hub.stats()["ticks"]
    assert len(provider.calls) in (ticks * len(per_tick), (ticks + 1) * len(per_tick))
    assert provider.calls == per_tick * (len(provider.calls) // len(per_tick))
    assert all(s.closed for s in subs)


async def test_remove_and_close_stop_fetching_and_release_refcounts(
    make_hub: Callable[..., PriceHub],
) -> None:
    provider = RecordingProvider()
    hub = make_hub(provider)
    k1, k2, k3 = keys(3)
    a = hub.subscribe([k1, k2], label="a")
    b = hub.subscribe([k2, k3], label="b")
    await hub.start()
    await a.get(timeout=1)
    assert hub.refcount(k2) == 2

    assert a.remove([k1, k3]) == [k1]
    assert hub.refcount(k1) == 0
    assert hub.subscribed_keys == {k2, k3}
    await b.get(timeout=1)
    provider.calls.clear()
    for _ in range(3):
        await b.get(timeout=1)
    assert provider.calls
    assert k1 not in provider.keys_requested()
    assert provider.keys_requested() == {k2, k3}

    with b:
        pass
    assert b.closed and hub.refcount(k3) == 0 and hub.refcount(k2) == 1
    a.close()
    a.close()
    assert hub.subscriber_count == 0
    assert hub.subscribed_keys == set()
    assert hub.stats()["distinct_keys"] == 0
    ticks = hub.stats()["ticks"]
    await wait_until(lambda: hub.stats()["ticks"] >= ticks + 2)
    provider.calls.clear()
    await wait_until(lambda: hub.stats()["ticks"] >= ticks + 4)
    assert provider.calls == []


async def test_only_changed_quotes_are_published(make_hub: Callable[..., PriceHub]) -> None:
    provider = RecordingProvider()
    moving, frozen = keys(2)
    provider.frozen.add(frozen)
    hub = make_hub(provider)
    batches: list[dict[Key, Quote]] = []
    hub.add_listener(lambda q: batches.append(dict(q)))
    sub = hub.subscribe([moving, frozen])
    await hub.start()
    first = await sub.get(timeout=1)
    assert set(first) == {moving, frozen}
    prices = [first[moving].current_price]
    for _ in range(4):
        batch = await sub.get(timeout=1)
        assert set(batch) == {moving}
        prices.append(batch[moving].current_price)
    assert prices == sorted(set(prices))
    await wait_until(lambda: len(batches) >= 4)
    assert all(frozen not in b for b in batches[1:])
    assert hub.latest(frozen) is not None
    assert sub.snapshot()[moving].current_price >= prices[-1]


async def test_slow_reader_is_conflated_not_queued(make_hub: Callable[..., PriceHub]) -> None:
    hub = make_hub()
    pool = keys(3)
    lazy = hub.subscribe(pool, label="lazy")
    probe = hub.subscribe(pool[:1], label="probe")
    await hub.start()
    for _ in range(10):
        await probe.get(timeout=1)
        assert lazy.pending_count <= len(pool)
    assert lazy.pending_count == len(pool)
    assert lazy.drops >= len(pool) * 7
    assert lazy.lagging_ticks >= 7
    assert hub.stats()["queue_drops"] >= lazy.drops
    assert hub.stats()["conflations"] == hub.stats()["queue_drops"]

    batch = lazy.get_nowait()
    assert set(batch) == set(pool)
    assert all(
        batch[k] is hub.latest(k) or batch[k].timestamp <= hub.latest(k).timestamp for k in pool
    )
    assert lazy.pending_count == 0 and lazy.lagging_ticks == 0
    assert lazy.get_nowait() == {}


async def test_stalled_subscriber_does_not_delay_the_others(
    make_hub: Callable[..., PriceHub],
) -> None:
    hub = make_hub()
    pool = keys(4)
    stalled = hub.subscribe(pool, label="stalled")
    readers = [hub.subscribe(pool, label=f"r{i}") for i in range(50)]
    received = [0] * len(readers)

    async def consume(i: int) -> None:
        while True:
            await readers[i].get()
            received[i] += 1

    await hub.start()
    await readers[0].get(timeout=1)
    start_ticks = hub.stats()["ticks"]
    tasks = [asyncio.create_task(consume(i)) for i in range(len(readers))]
    await wait_until(lambda: hub.stats()["ticks"] >= start_ticks + 10)
    ticks = hub.stats()["ticks"] - start_ticks
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert min(received) >= ticks - 2
    assert stalled.pending_count == len(pool)
    assert stalled.lagging_ticks >= ticks - 2


async def test_new_subscription_gets_first_prices_well_within_a_tick(
    make_hub: Callable[..., PriceHub],
) -> None:
    provider = RecordingProvider()
    hub = make_hub(provider, tick_interval=0.5)
    old, new = keys(2)
    first = hub.subscribe([old])
    await hub.start()
    await first.get(timeout=1)
    calls_before = len(provider.calls)

    started = time.monotonic()
    sub = hub.subscribe([new])
    assert len(provider.calls) == calls_before  # subscribe itself never waits on upstream
    assert sub.snapshot() == {}
    batch = await sub.get(timeout=1)
    elapsed = time.monotonic() - started
    assert set(batch) == {new}
    assert elapsed < 0.25
    assert set(sub.snapshot()) == {new}
    assert provider.calls[calls_before:] == [(new,)]


async def test_burst_of_subscribes_is_fetched_in_one_request(
    make_hub: Callable[..., PriceHub],
) -> None:
    provider = RecordingProvider()
    hub = make_hub(provider, tick_interval=0.5)
    anchor = hub.subscribe(keys(1, "A"))
    await hub.start()
    await anchor.get(timeout=1)
    calls_before = len(provider.calls)
    subs = [hub.subscribe([k]) for k in keys(20)]
    await wait_until(lambda: all(s.snapshot() for s in subs), within=0.4)
    assert len(provider.calls) == calls_before + 1


async def test_provider_errors_mark_quotes_stale_and_recovery_clears_it(
    make_hub: Callable[..., PriceHub],
) -> None:
    provider = RecordingProvider()
    hub = make_hub(provider)
    pool = keys(2)
    sub = hub.subscribe(pool)
    await hub.start()
    before = await sub.get(timeout=1)
    while len(before) < len(pool):
        before |= await sub.get(timeout=1)
    assert not any(q.stale for q in before.values())

    provider.fail = True
    await wait_until(lambda: all(hub.latest(k).stale for k in pool))
    stale = sub.get_nowait()
    while len(stale) < len(pool) or not all(q.stale for q in stale.values()):
        stale |= await sub.get(timeout=1)
    assert hub.stats()["upstream_errors"] >= 1
    assert hub.healthy
    for key in pool:
        assert hub.latest(key).stale
        assert hub.latest(key).current_price >= before[key].current_price
    errors = hub.stats()["upstream_errors"]
    await wait_until(lambda: hub.stats()["upstream_errors"] >= errors + 2)
    assert sub.get_nowait() == {}  # still stale: nothing new to publish

    provider.fail = False
    recovered = await sub.get(timeout=1)
    assert recovered and not any(q.stale for q in recovered.values())
    await wait_until(lambda: not any(hub.latest(k).stale for k in pool))


async def test_hung_provider_times_out_and_the_loop_keeps_ticking(
    make_hub: Callable[..., PriceHub],
) -> None:
    provider = RecordingProvider()
    hub = make_hub(provider, fetch_timeout=0.05)
    key = keys(1)[0]
    sub = hub.subscribe([key])
    await hub.start()
    await sub.get(timeout=1)
    provider.hang = True
    ticks = hub.stats()["ticks"]
    await wait_until(lambda: hub.stats()["ticks"] >= ticks + 3)
    assert hub.stats()["upstream_timeouts"] >= 3
    assert hub.latest(key).stale
    assert hub.healthy
    provider.hang = False
    batch = await sub.get(timeout=1)
    while batch[key].stale:
        batch = await sub.get(timeout=1)
    assert not hub.latest(key).stale


async def test_overrunning_ticks_are_skipped_not_bunched(make_hub: Callable[..., PriceHub]) -> None:
    provider = RecordingProvider()
    provider.delay = 2.5 * TICK
    hub = make_hub(provider)
    hub.subscribe(keys(1))
    await hub.start()
    await wait_until(lambda: hub.stats()["ticks"] >= 5)
    assert hub.stats()["skipped_ticks"] >= 4
    gaps = [b - a for a, b in zip(provider.call_times, provider.call_times[1:], strict=False)]
    assert min(gaps) >= 2.5 * TICK * 0.9


async def test_listeners_get_each_tick_and_a_failing_one_breaks_nothing(
    make_hub: Callable[..., PriceHub],
) -> None:
    hub = make_hub(listener_timeout=0.05)
    pool = keys(3)
    sync_batches: list[set[Key]] = []
    async_batches: list[set[Key]] = []

    def boom(quotes: dict[Key, Quote]) -> None:
        raise RuntimeError("listener bug")

    async def record(quotes: dict[Key, Quote]) -> None:
        await asyncio.sleep(0)
        async_batches.append(set(quotes))

    hub.add_listener(boom)
    remove_sync = hub.add_listener(lambda q: sync_batches.append(set(q)))
    hub.add_listener(record)
    sub = hub.subscribe(pool)
    await hub.start()
    await sub.get(timeout=1)
    await wait_until(lambda: len(async_batches) >= 1)
    sync_batches.clear()
    async_batches.clear()
    ticks = hub.stats()["ticks"]
    await wait_until(lambda: hub.stats()["ticks"] >= ticks + 8)
    await asyncio.sleep(0.005)
    done = hub.stats()["ticks"] - ticks
    assert done - 1 <= len(sync_batches) <= done + 1
    assert all(b == set(pool) for b in sync_batches)
    assert abs(len(async_batches) - len(sync_batches)) <= 1
    assert hub.stats()["listener_errors"] >= done - 1

    remove_sync()
    remove_sync()
    count = len(sync_batches)
    await sub.get(timeout=1)
    await sub.get(timeout=1)
    assert len(sync_batches) == count


async def test_slow_listener_does_not_slow_ticks(make_hub: Callable[..., PriceHub]) -> None:
    hub = make_hub(listener_timeout=0.03)

    entered, finished = asyncio.Event(), []

    async def sleepy(quotes: dict[Key, Quote]) -> None:
        entered.set()
        await asyncio.sleep(10)
        finished.append(True)

    hub.add_listener(sleepy)
    sub = hub.subscribe(keys(2))
    await hub.start()
    await asyncio.wait_for(entered.wait(), 5)
    for _ in range(6):  # ticks keep coming while the listener is still stuck in its first call
        await sub.get(timeout=5)
    assert not finished
    await wait_until(lambda: hub.stats()["listener_errors"] >= 1)


async def test_quotes_uses_cache_and_single_flight(make_hub: Callable[..., PriceHub]) -> None:
    provider = RecordingProvider(batch_size=2)
    provider.delay = 0.02
    now = [1000.0]
    hub = make_hub(provider, cache_ttl=1.5, clock=lambda: now[0])
    k1, k2 = keys(2)

    results = await asyncio.gather(*(hub.quotes([k1, k2]) for _ in range(10)))
    assert len(provider.calls) == 1
    assert all(r == results[0] for r in results) and set(results[0]) == {k1, k2}

    now[0] += 1.0
    assert await hub.quotes([k2, k1]) == results[0]
    assert len(provider.calls) == 1

    now[0] += 1.0
    fresh = await hub.quotes([k1, k2])
    assert len(provider.calls) == 2
    assert fresh[k1].current_price > results[0][k1].current_price

    more = keys(5, "M")
    got = await hub.quotes(more)
    assert set(got) == set(more)
    assert len(provider.calls) == 2 + math.ceil(5 / provider.batch_size)


async def test_quotes_omits_unknown_keys_and_remembers_them(
    make_hub: Callable[..., PriceHub],
) -> None:
    provider = RecordingProvider()
    now = [0.0]
    hub = make_hub(provider, clock=lambda: now[0], unknown_ttl=30)
    good, bad = ("TCS", "india_nse"), ("NOPE", "india_nse")
    provider.missing.add(bad)
    assert set(await hub.quotes([good, bad])) == {good}
    now[0] += 5
    assert set(await hub.quotes([good, bad])) == {good}
    assert [bad in call for call in provider.calls] == [True, False]
    now[0] += 30
    await hub.quotes([bad])
    assert bad in provider.calls[-1]


async def test_quotes_serves_stale_prices_when_upstream_fails(
    make_hub: Callable[..., PriceHub],
) -> None:
    provider = RecordingProvider()
    now = [0.0]
    hub = make_hub(provider, clock=lambda: now[0])
    key = ("INFY", "india_nse")
    ok = (await hub.quotes([key]))[key]
    provider.fail = True
    now[0] += 10
    stale = (await hub.quotes(key))[key]
    assert stale.stale and stale.current_price == ok.current_price
    calls = len(provider.calls)
    await asyncio.gather(*(hub.quotes([key]) for _ in range(5)))
    assert len(provider.calls) == calls  # failure is cached briefly too
    assert hub.stats()["upstream_errors"] == 1


async def test_start_stop_idempotent_and_leave_no_tasks(make_hub: Callable[..., PriceHub]) -> None:
    baseline = asyncio.all_tasks()
    hub = make_hub()
    assert hub.healthy
    sub = hub.subscribe(keys(3))
    await hub.start()
    await hub.start()
    names = [t.get_name() for t in asyncio.all_tasks() - baseline]
    assert names.count("price-hub-poll") == 1
    await sub.get(timeout=1)
    assert hub.healthy
    waiter = asyncio.create_task(sub.get())
    await asyncio.sleep(0)
    slow_rest = asyncio.create_task(hub.quotes(keys(2, "R")))
    await asyncio.sleep(0)

    await hub.stop()
    await hub.stop()
    with pytest.raises(SubscriptionClosed):
        await waiter
    await slow_rest
    assert asyncio.all_tasks() - baseline == set()
    assert hub.subscriber_count == 0 and hub.subscribed_keys == set()
    assert hub.healthy
    with pytest.raises(SubscriptionClosed):
        await sub.get()
    with pytest.raises(SubscriptionClosed):
        sub.add(keys(1))


async def test_subscription_key_management(make_hub: Callable[..., PriceHub]) -> None:
    hub = make_hub()
    a, b, c = keys(3)
    sub = hub.subscribe(a, label="single-key")
    assert sub.keys == frozenset({a})
    assert sub.add([a, b, b]) == [b]
    added, removed = sub.set_keys([b, c])
    assert added == [c] and removed == [a]
    assert sub.keys == frozenset({b, c})
    assert (hub.refcount(a), hub.refcount(b), hub.refcount(c)) == (0, 1, 1)
    sub.add([["X", "india_bse"]])  # type: ignore[list-item]
    assert ("X", "india_bse") in sub.keys
    assert await sub.get(timeout=0.01) == {}
    async with sub:
        pass
    assert sub.closed and hub.refcount(b) == 0 and hub.subscriber_count == 0


async def test_follower_process_receives_without_polling(
    make_hub: Callable[..., PriceHub],
) -> None:
    class FollowerBackend(MemoryBackend):
        """Shares the leader's channel and interest, like a second worker would."""

        def __init__(self, leader: MemoryBackend) -> None:
            super().__init__()
            self._consumers = leader._consumers
            self._interest = leader._interest

        def is_leader(self) -> bool:
            return False

    shared = MemoryBackend()
    leader_provider, follower_provider = RecordingProvider(), RecordingProvider()
    leader = make_hub(leader_provider, backend=shared)
    follower = make_hub(follower_provider, backend=FollowerBackend(shared))
    key = keys(1)[0]
    await leader.start()
    await follower.start()
    sub = follower.subscribe([key])
    assert leader.refcount(key) == 0 and follower.refcount(key) == 1
    batch = await sub.get(timeout=1)
    assert key in batch and follower.latest(key) is not None
    assert follower_provider.calls == []
    assert key in leader_provider.keys_requested()
    assert follower.stats()["leader"] is False and follower.healthy


async def test_metrics_are_exported(make_hub: Callable[..., PriceHub]) -> None:
    def sample(name: str) -> float:
        return REGISTRY.get_sample_value(name) or 0.0

    ticks, requests = (
        sample("stockapp_hub_ticks_total"),
        sample("stockapp_hub_upstream_requests_total"),
    )
    published = sample("stockapp_hub_quotes_published_total")
    fanouts = sample("stockapp_hub_fanout_seconds_count")
    subscribers = sample("stockapp_hub_subscribers")
    hub = make_hub()
    sub = hub.subscribe(keys(2))
    assert sample("stockapp_hub_subscribers") == subscribers + 1
    await hub.start()
    await sub.get(timeout=1)
    await sub.get(timeout=1)
    assert sample("stockapp_hub_ticks_total") >= ticks + 1
    assert sample("stockapp_hub_upstream_requests_total") >= requests + 2
    assert sample("stockapp_hub_quotes_published_total") >= published + 2
    assert sample("stockapp_hub_fanout_seconds_count") >= fanouts + 2
    sub.close()
    assert sample("stockapp_hub_subscribers") == subscribers
    assert REGISTRY.get_sample_value("stockapp_hub_subscribed_symbols") is not None


async def test_healthy_reflects_a_stalled_loop_and_recovers(
    make_hub: Callable[..., PriceHub],
) -> None:
    offset = [0.0]
    hub = make_hub(clock=lambda: time.monotonic() + offset[0], fetch_timeout=0.05)
    sub = hub.subscribe(keys(1))
    await hub.start()
    await sub.get(timeout=1)
    assert hub.healthy
    offset[0] += 60.0  # as if the loop had been blocked for a minute
    assert not hub.healthy
    await wait_until(lambda: hub.stats()["skipped_ticks"] > 0)
    assert hub.healthy
    assert hub.stats()["skipped_ticks"] >= 60 / TICK - 10
    ticks = hub.stats()["ticks"]
    await wait_until(lambda: hub.stats()["ticks"] >= ticks + 2)  # back on its schedule


def test_store_ignores_overtaken_responses_and_marks_failures_stale() -> None:
    store = QuoteStore(unknown_ttl=10)
    key = ("SBIN", "india_nse")

    def quote(price: float, at: datetime) -> Quote:
        return Quote("SBIN", "india_nse", price, price, price, price, price, 1, at)

    t0 = utcnow()
    newer, older = quote(101.0, t0), quote(99.0, t0 - timedelta(seconds=1))
    assert store.ingest([key], FetchResult(quotes={key: newer}), 0.0) == {key: newer}
    assert store.ingest([key], FetchResult(quotes={key: older}), 0.1) == {}
    assert store.latest[key] is newer
    changed = store.ingest([key], None, 0.2)
    assert changed[key].stale and changed[key].current_price == 101.0
    assert store.ingest([key], None, 0.3) == {}  # already stale: nothing new to say
    assert store.is_fresh(key, 0.5, ttl=1.0) and not store.is_fresh(key, 1.5, ttl=1.0)
    assert store.ingest([key], FetchResult(missing=[key]), 2.0) == {}
    assert store.is_unknown(key, 5.0) and not store.is_unknown(key, 12.5)


async def test_memory_backend_broadcast_calls_every_handler_once():
    from stockapp.market.hub import MemoryBackend

    backend, seen = MemoryBackend(), []

    async def handle(payload: bytes) -> None:
        seen.append(payload)

    backend.on_broadcast(handle)
    backend.on_broadcast(handle)  # registering twice does not double deliveries
    await backend.broadcast(b"x")
    assert seen == [b"x"]
