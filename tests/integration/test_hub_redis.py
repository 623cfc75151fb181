"""RedisBackend in one process against the real Redis, with short leases so it runs fast.

Each hub has its own provider, so which hub asked upstream is visible; "killing" a worker
cancels its backend's tasks and drops its connections without the graceful hand-over.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from datetime import datetime

import pytest
from redis.asyncio import Redis

from stockapp.market.hub import PriceHub, RedisBackend
from stockapp.market.models import Bar, FetchResult, Key, Quote, utcnow
from tests.conftest import need
from tests.integration.conftest import PrivateRedis

pytestmark = pytest.mark.redis
TICK = 0.05
X: Key = ("TCS", "india_nse")
Y: Key = ("INFY", "india_nse")


class CountingProvider:
    """Every call moves each requested price; counts requests per key."""

    name = "counting"
    simulated = True
    batch_size = 50

    def __init__(self) -> None:
        self.asked: Counter[Key] = Counter()
        self.calls = 0

    async def fetch_quotes(self, keys: Sequence[Key]) -> FetchResult:
        self.calls += 1
        out = FetchResult()
        for key in keys:
            self.asked[key] += 1
            price = round(100.0 + self.asked[key] * 0.05, 2)
            out.quotes[key] = Quote(*key, price, 100, price, 100, 99, 1, utcnow())
        return out

    async def history(
        self, key: Key, interval: str, range_: str, *, end: datetime | None = None
    ) -> list[Bar]:
        return []

    async def aclose(self) -> None:
        return None


async def until(pred: Callable[[], bool], within: float) -> float:
    """Seconds it took for `pred` to hold; fails after `within`."""
    start = time.monotonic()
    while not pred():
        if time.monotonic() - start > within:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)
    return time.monotonic() - start


async def kill(hub: PriceHub) -> None:
    """Stop a worker the hard way: no lock release, no interest removal."""
    backend = hub.backend
    assert isinstance(backend, RedisBackend)
    backend._token = None  # so the detach below cannot release the lock
    backend._written = frozenset()
    for task in backend._tasks:
        task.cancel()
    for task in backend._tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    backend._tasks = []
    redis, backend._redis = backend._redis, None
    if redis is not None:
        await redis.aclose()
    await hub.stop()


@pytest.fixture
async def cluster(redis_url: str) -> AsyncIterator[Callable[[], PriceHub]]:
    prefix = f"ut-{uuid.uuid4().hex[:8]}"
    hubs: list[PriceHub] = []

    async def start() -> PriceHub:
        backend = RedisBackend(
            redis_url, channel_prefix=prefix, lock_ttl=0.6, renew_every=0.15, interest_ttl=0.5
        )
        hub = PriceHub(CountingProvider(), tick_interval=TICK, backend=backend)
        await hub.start()
        hubs.append(hub)
        return hub

    yield start
    for hub in hubs:
        await hub.stop()


def provider(hub: PriceHub) -> CountingProvider:
    assert isinstance(hub.provider, CountingProvider)
    return hub.provider


async def test_only_the_leader_polls_and_every_worker_gets_its_ticks(cluster) -> None:
    leader = await cluster()
    follower = await cluster()
    assert leader.backend.is_leader() and not follower.backend.is_leader()
    await until(lambda: follower.backend.connected, 2)
    published: dict[datetime, Quote] = {}
    leader.add_listener(lambda batch: published.update({q.timestamp: q for q in batch.values()}))
    sub = follower.subscribe(X)
    received = [(await asyncio.wait_for(sub.get(), 2))[X] for _ in range(5)]
    prices = [q.current_price for q in received]
    assert prices == sorted(prices) and len(set(prices)) == 5 and prices[0] > 100
    assert provider(follower).calls == 0
    assert provider(leader).asked[X] >= 5
    await asyncio.sleep(0.05)
    assert all(published[q.timestamp] == q for q in received)  # every field, decoded exactly


async def test_polling_stops_when_the_last_remote_subscriber_leaves(cluster) -> None:
    leader = await cluster()
    follower = await cluster()
    sub = follower.subscribe(X)
    await asyncio.wait_for(sub.get(), 2)
    sub.close()
    await asyncio.sleep(0.3)
    asked = provider(leader).asked[X]
    await asyncio.sleep(0.3)
    assert provider(leader).asked[X] == asked


async def test_a_dead_workers_interest_expires(cluster) -> None:
    leader = await cluster()
    doomed = await cluster()
    doomed.subscribe(X)
    await until(lambda: provider(leader).asked[X] > 2, 2)
    await kill(doomed)
    await asyncio.sleep(0.5 + 0.2)  # interest_ttl, plus a tick or two
    asked = provider(leader).asked[X]
    await asyncio.sleep(0.3)
    assert provider(leader).asked[X] == asked


async def test_a_killed_leader_is_replaced_within_ttl_plus_renewal(cluster) -> None:
    leader = await cluster()
    follower = await cluster()
    sub = follower.subscribe(X)
    await asyncio.wait_for(sub.get(), 2)
    await kill(leader)
    took = await until(lambda: follower.backend.is_leader(), 0.6 + 0.15 + 0.5)
    assert took <= 0.6 + 0.15 + 0.1
    before = provider(follower).asked[X]
    await until(lambda: provider(follower).asked[X] > before + 2, 1)


async def test_stopping_the_leader_hands_over_at_once_and_leaves_no_keys(cluster) -> None:
    leader = await cluster()
    follower = await cluster()
    leader.subscribe(Y)
    backend = leader.backend
    assert isinstance(backend, RedisBackend)
    await until(lambda: backend.connected, 2)
    await leader.stop()
    took = await until(lambda: follower.backend.is_leader(), 1)
    assert took < 0.3  # the next acquisition round, not the lock's TTL
    async with Redis.from_url(backend.url) as r:
        assert await r.exists(backend.interest_prefix + backend.worker_id) == 0
        assert await r.zscore(backend.workers_key, backend.worker_id) is None


async def test_a_deposed_leader_is_fenced_before_its_next_poll(cluster) -> None:
    leader = await cluster()
    follower = await cluster()
    backend = leader.backend
    assert isinstance(backend, RedisBackend)
    async with Redis.from_url(backend.url) as r:
        await r.set(backend.lock_key, "someone-else", px=5000)
    assert await backend.poll_keys() == set()
    assert not backend.is_leader() and not follower.backend.is_leader()
    sub = follower.subscribe(X)
    await backend.publish({X: (await provider(leader).fetch_quotes([X])).quotes[X]})
    await asyncio.sleep(0.2)
    assert sub.get_nowait() == {}  # a non-leader's batches stay in its own process


async def test_a_follower_fetches_unpolled_keys_itself_for_rest(cluster) -> None:
    leader = await cluster()
    follower = await cluster()
    got = await follower.quotes([Y])
    assert got[Y].current_price > 100
    assert provider(follower).asked[Y] == 1
    await asyncio.sleep(0.2)
    assert leader.latest(Y) is None


@pytest.fixture
def private_redis(redis_url: str, tmp_path) -> Iterator[PrivateRedis]:
    binary = shutil.which("redis-server")
    need(binary is not None, "redis-server is not installed")
    server = PrivateRedis(binary or "", str(tmp_path))
    server.start()
    try:
        yield server
    finally:
        server.kill()


async def test_a_real_redis_restart_heals_without_restarting_workers(private_redis) -> None:
    hubs = []
    try:
        for _ in range(2):
            backend = RedisBackend(
                private_redis.url, channel_prefix="rs", lock_ttl=0.6, renew_every=0.15
            )
            hub = PriceHub(CountingProvider(), tick_interval=TICK, backend=backend)
            await hub.start()
            hubs.append(hub)
        await until(lambda: all(h.backend.connected for h in hubs), 2)
        subs = [h.subscribe(X) for h in hubs]
        for sub in subs:
            await asyncio.wait_for(sub.get(), 2)

        private_redis.kill()
        await until(lambda: not any(h.backend.connected for h in hubs), 2)
        await asyncio.sleep(0.6)  # the lease runs out: nobody polls blind
        assert not any(h.backend.is_leader() for h in hubs)
        await asyncio.to_thread(private_redis.start)  # empty, as after a restart
        await until(lambda: all(h.backend.connected for h in hubs), 5)
        await until(lambda: sum(h.backend.is_leader() for h in hubs) == 1, 3)
        for sub in subs:
            sub.get_nowait()
        fresh = utcnow()
        for sub in subs:  # ticks reach both workers again
            batch = await asyncio.wait_for(sub.get(), 3)
            while batch[X].timestamp < fresh:
                batch = await asyncio.wait_for(sub.get(), 3)
    finally:
        for hub in hubs:
            await hub.stop()


async def test_a_broadcast_reaches_every_worker_once(cluster) -> None:
    """Alert toasts use this: the leader's firing reaches tabs held by any worker."""
    hubs = [await cluster() for _ in range(3)]
    for hub in hubs:
        await until(lambda hub=hub: hub.backend.connected, 2)
    got: list[list[bytes]] = [[] for _ in hubs]
    for hub, inbox in zip(hubs, got, strict=True):

        async def handle(payload: bytes, inbox: list[bytes] = inbox) -> None:
            inbox.append(payload)

        hub.backend.on_broadcast(handle)
    await hubs[1].backend.broadcast(b'{"topic": "alert-event", "n": 1}')
    await until(lambda: all(got), 2)
    await asyncio.sleep(0.2)  # nothing arrives twice
    assert got == [[b'{"topic": "alert-event", "n": 1}']] * 3


async def test_a_retiring_leader_hands_over_at_once_and_never_leads_again(cluster) -> None:
    leader = await cluster()
    follower = await cluster()
    backend = leader.backend
    assert isinstance(backend, RedisBackend) and backend.is_leader()
    sub = leader.subscribe(X)
    await asyncio.wait_for(sub.get(), 2)
    await backend.retire()  # a graceful stop has begun
    assert not backend.is_leader()
    took = await until(lambda: follower.backend.is_leader(), 1)
    assert took < 0.3  # the next acquisition round, not the lock's TTL
    before = provider(follower).asked[X]
    await until(lambda: provider(follower).asked[X] > before + 2, 1)
    await asyncio.wait_for(sub.get(), 2)  # the stopping worker still gets the new ticks
    await kill(follower)  # with the new leader gone, the retired one must not step in
    await asyncio.sleep(0.6 + 0.3)
    assert not backend.is_leader()


async def test_every_worker_sees_how_long_ago_the_leader_polled(cluster) -> None:
    leader = await cluster()
    follower = await cluster()
    backend = follower.backend
    assert isinstance(backend, RedisBackend)
    await until(lambda: backend.connected, 2)
    age = await backend.last_tick_age()
    assert age is not None and age < 1.0  # rounds every 50 ms, even with nothing subscribed
    assert leader.last_round_age() is not None and follower.last_round_age() is None
    await kill(leader)
    await until(lambda: backend.is_leader(), 2)  # the follower takes over and ticks
    await asyncio.sleep(0.2)
    age = await backend.last_tick_age()
    assert age is not None and age < 1.0
