"""Price hub backend for several workers: one elected poller, ticks fanned out over Redis.

Leadership is a lease: a lock key set with NX and a TTL, renewed every `renew_every` while its
value is still this worker's token. The holder treats itself as leader only until
`renewal sent + 0.85 * lock_ttl`, which ends before the key can expire in Redis, and a follower
can only take the lock once it has expired, so two workers never both believe they lead. On
top of that the leader's interest read is fenced: one Lua script returns nothing unless the
lock still holds its token, so a deposed leader cannot start another poll, and it re-checks its
lease before broadcasting a tick. Alerts evaluate only on the leader and the database's
conditional UPDATE stops a double fire in any case left.

Interest: each worker keeps its local refcounts and writes its whole key set to Redis on every
change and every `renew_every` (a heartbeat); the set and the worker's registration expire
after `interest_ttl`, so a killed worker's symbols stop being polled by themselves. New keys
are also announced on a channel so the leader fetches them at once instead of next tick.

Fan-out: the leader publishes one message per tick; every other worker hands the decoded batch
to its hub. The leader delivers its own batches locally (no round trip, and its clients keep
ticking if Redis drops the pub/sub connection). A follower's REST fetch of a key nobody polls
goes straight upstream and is delivered to that worker only: the channel carries only what
the lease holder published.

Outages: every connection is re-made with jittered backoff, the pub/sub resubscribed and the
lock re-acquired without restarting anything; meanwhile each worker serves its last quotes.
`connected` reports whether both the pub/sub and the command connections are up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import secrets
import socket
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.connection import parse_url
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from stockapp.market.hub import wire
from stockapp.market.hub.backend import BroadcastHandler, QuoteConsumer, drop_counts
from stockapp.market.models import Key, Quote

log = logging.getLogger("stockapp.hub.redis")

Prefetch = Callable[[list[Key]], Awaitable[Any]]
_FAILURES = (RedisError, OSError, TimeoutError)


def _backoff(attempt: int, cap: float) -> float:
    return min(cap, 0.05 * 2**attempt) * random.uniform(0.5, 1.0)


class RedisBackend:
    """HubBackend over Redis: leader lease, per-worker interest, pub/sub tick fan-out."""

    def __init__(
        self,
        url: str,
        *,
        channel_prefix: str = "stockapp",
        lock_ttl: float = 3.0,
        renew_every: float = 1.0,
        interest_ttl: float = 5.0,
        op_timeout: float = 1.0,
        worker_id: str | None = None,
        tick_window: float = 3.0,
    ) -> None:
        if not 0 < renew_every < lock_ttl * 0.85:
            raise ValueError("renew_every must be well below lock_ttl")
        self.url = url
        self.lock_ttl = lock_ttl
        self.renew_every = renew_every
        self.interest_ttl = max(interest_ttl, 2 * renew_every)
        self.op_timeout = op_timeout
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        db = parse_url(url).get("db", 0)
        base = f"{channel_prefix}:db{db}"  # channels are server-wide, keys per database
        self.client_name = f"{channel_prefix}:hub:{self.worker_id}"  # for CLIENT LIST / KILL
        self.lock_key = f"{base}:leader"
        self.workers_key = f"{base}:workers"
        self.interest_prefix = f"{base}:interest:"
        self.ticks_channel = f"{base}:ticks"
        self.interest_channel = f"{base}:interest-added"
        self.broadcast_channel = f"{base}:broadcast"
        # set by the leader at every poll round, expiring after `tick_window`: whether any
        # worker ticks, readable by all without comparing clocks across hosts
        self.ticking_key = f"{base}:ticking"
        self.tick_window = tick_window
        self._handlers: list[BroadcastHandler] = []
        self._redis: Redis | None = None
        self._scripts: dict[str, Any] = {}
        self._consumer: QuoteConsumer | None = None
        self._prefetch: Prefetch | None = None
        self._interest: Counter[Key] = Counter()
        self._written: frozenset[str] = frozenset()
        self._dirty = asyncio.Event()
        self._token: str | None = None
        self._lease_until = 0.0
        self._last_union: set[Key] = set()
        self._pubsub_ok = False
        self._commands_ok = False
        self._tasks: list[asyncio.Task[None]] = []
        self._spawned: set[asyncio.Task[Any]] = set()
        self.takeovers = 0
        self.retiring = False  # stopping: never lead again

    # -- HubBackend ----------------------------------------------------------------------------

    async def attach(self, consumer: QuoteConsumer) -> None:
        self._consumer = consumer
        if self._redis is not None:
            return
        # No socket_timeout: redis-py would wrap sends in asyncio.wait_for, which on Python
        # 3.11 can swallow a cancellation (and hang shutdown); every call here is bounded by
        # asyncio.timeout instead.
        self._redis = Redis.from_url(
            self.url,
            socket_connect_timeout=self.op_timeout,
            client_name=self.client_name,
            retry=Retry(NoBackoff(), 0),  # the loops below retry, with backoff
        )
        for name in ("RENEW_LOCK", "RELEASE_LOCK", "WRITE_INTEREST", "FENCED_INTEREST"):
            self._scripts[name] = self._redis.register_script(getattr(wire, name))
        with contextlib.suppress(*_FAILURES):  # lead from the first tick when Redis is up
            async with asyncio.timeout(2 * self.op_timeout):
                await self._round()
        self._tasks = [
            asyncio.create_task(self._listen_loop(), name="hub-redis-listen"),
            asyncio.create_task(self._maintain_loop(), name="hub-redis-lease"),
        ]

    async def detach(self, consumer: QuoteConsumer) -> None:
        if consumer != self._consumer:  # bound methods are equal, not identical
            return
        self._consumer = None
        tasks = [*self._tasks, *self._spawned]
        for task in tasks:
            task.cancel()
        if tasks:  # bounded: a task that ignored its cancellation must not block shutdown
            await asyncio.wait(tasks, timeout=2 * self.op_timeout)
        self._tasks = []
        redis, self._redis = self._redis, None
        if redis is None:
            return
        with contextlib.suppress(*_FAILURES):
            async with asyncio.timeout(2 * self.op_timeout):
                if self._token is not None:  # hand over now instead of after the TTL
                    await self._scripts["RELEASE_LOCK"](keys=[self.lock_key], args=[self._token])
                await redis.zrem(self.workers_key, self.worker_id)
                await redis.delete(self.interest_prefix + self.worker_id)
        self._token = None
        self._pubsub_ok = self._commands_ok = False
        with contextlib.suppress(*_FAILURES):
            await redis.aclose()

    async def retire(self) -> None:
        """A graceful stop has begun: hand leadership over now (another worker takes the
        lock at its next round instead of after the TTL) and never take it again. Ticks
        from the new leader keep arriving until the worker is gone."""
        self.retiring = True
        token, self._token, self._lease_until = self._token, None, 0.0
        if token is None or self._redis is None:
            return
        with contextlib.suppress(*_FAILURES):
            async with asyncio.timeout(self.op_timeout):
                await self._scripts["RELEASE_LOCK"](keys=[self.lock_key], args=[token])
        log.info("leadership released for shutdown (%s)", self.worker_id)

    async def publish(self, quotes: dict[Key, Quote]) -> None:
        if self.is_leader() and self._redis is not None:
            try:
                async with asyncio.timeout(self.op_timeout):
                    await self._redis.publish(
                        self.ticks_channel, wire.encode_ticks(self.worker_id, quotes.values())
                    )
            except _FAILURES as exc:
                self._commands_ok = False
                log.warning("publishing a tick to Redis failed: %s", exc)
        if self._consumer is not None:
            await self._consumer(quotes)

    async def broadcast(self, payload: bytes) -> None:
        """Handled here at once, and by the other workers through the pub/sub channel (a
        message's first line names its sender, who skips it)."""
        await self._run_handlers(payload)
        if self._redis is None:
            return
        try:
            async with asyncio.timeout(self.op_timeout):
                await self._redis.publish(
                    self.broadcast_channel, self.worker_id.encode() + b"\n" + payload
                )
        except _FAILURES as exc:
            self._commands_ok = False
            log.warning("broadcasting to the other workers failed: %s", exc)

    def on_broadcast(self, handler: BroadcastHandler) -> None:
        if handler not in self._handlers:
            self._handlers.append(handler)

    async def _run_handlers(self, payload: bytes) -> None:
        for handler in tuple(self._handlers):
            try:
                await handler(payload)
            except Exception:
                log.exception("a broadcast handler failed")

    def add_interest(self, keys: Iterable[Key]) -> None:
        self._interest.update(keys)
        self._dirty.set()

    def drop_interest(self, keys: Iterable[Key]) -> None:
        drop_counts(self._interest, keys)
        self._dirty.set()

    async def poll_keys(self) -> set[Key]:
        """The union of every live worker's interest, read only while we hold the lock."""
        local = set(self._interest)
        token = self._token
        if token is None or not self.is_leader():
            return set()
        try:
            async with asyncio.timeout(self.op_timeout):
                members = await self._scripts["FENCED_INTEREST"](
                    keys=[self.lock_key, self.workers_key], args=[token, self.interest_prefix]
                )
        except _FAILURES:
            self._commands_ok = False
            return local | self._last_union  # still within our lease: poll what we knew
        if members is None:
            self._lost_lock()
            return set()
        if self._redis is not None:
            with contextlib.suppress(*_FAILURES):
                async with asyncio.timeout(self.op_timeout):
                    window_ms = int(self.tick_window * 1000)
                    await self._redis.set(self.ticking_key, token, px=window_ms)
        self._last_union = {k for m in members if (k := wire.member_key(m)) is not None}
        return local | self._last_union

    def is_leader(self) -> bool:
        return self._token is not None and time.monotonic() < self._lease_until

    # -- extras --------------------------------------------------------------------------------

    def set_prefetch(self, fetch: Prefetch) -> None:
        """How the leader fetches keys other workers just subscribed (the hub's `quotes`)."""
        self._prefetch = fetch

    async def last_tick_age(self) -> float | None:
        """Seconds since any worker's last poll round, if within `tick_window` (else None)."""
        if self._redis is None:
            return None
        async with asyncio.timeout(self.op_timeout):
            left = await self._redis.pttl(self.ticking_key)
        return None if left < 0 else max(0.0, self.tick_window - left / 1000)

    @property
    def connected(self) -> bool:
        return self._pubsub_ok and self._commands_ok

    # -- lease and interest --------------------------------------------------------------------

    async def _maintain_loop(self) -> None:
        attempt = 0
        next_round = time.monotonic() + self.renew_every
        while True:
            delay = next_round - time.monotonic()
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self._dirty.wait()
            try:
                async with asyncio.timeout(2 * self.op_timeout):
                    if time.monotonic() >= next_round:
                        await self._round()
                        next_round = time.monotonic() + self.renew_every * random.uniform(0.8, 1)
                    else:
                        await asyncio.sleep(0.005)  # let a burst of subscribes land first
                        await self._write_interest()
                attempt = 0
            except _FAILURES as exc:
                if self._commands_ok:
                    log.warning("Redis unreachable, retrying: %s", exc)
                self._commands_ok = False
                attempt += 1
                await asyncio.sleep(_backoff(attempt, self.renew_every))
                next_round = min(next_round, time.monotonic())

    async def _round(self) -> None:
        """Renew or acquire the lock, then rewrite our interest (which is the heartbeat)."""
        assert self._redis is not None
        sent = time.monotonic()
        lease = self.lock_ttl * 0.85
        ttl_ms = int(self.lock_ttl * 1000)
        if self._token is not None:
            if await self._scripts["RENEW_LOCK"](keys=[self.lock_key], args=[self._token, ttl_ms]):
                self._lease_until = sent + lease
            else:
                self._lost_lock()
        if self._token is None and not self.retiring:
            token = f"{self.worker_id}:{secrets.token_hex(4)}"
            if await self._redis.set(self.lock_key, token, nx=True, px=ttl_ms):
                self._token, self._lease_until = token, sent + lease
                self.takeovers += 1
                log.info("this worker now polls upstream (leader %s)", self.worker_id)
        await self._write_interest()

    async def _write_interest(self) -> None:
        assert self._redis is not None
        self._dirty.clear()
        members = sorted(wire.key_member(k) for k in self._interest)
        try:
            await self._scripts["WRITE_INTEREST"](
                keys=[self.workers_key, self.interest_prefix + self.worker_id],
                args=[self.worker_id, int(self.interest_ttl * 1000), *members],
            )
        except BaseException:
            self._dirty.set()  # not written: try again
            raise
        self._commands_ok = True
        added = set(members) - self._written
        self._written = frozenset(members)
        if added and not self.is_leader():  # the leader's own hub fetches its new keys
            await self._redis.publish(
                self.interest_channel, wire.encode_interest(self.worker_id, sorted(added))
            )

    def _lost_lock(self) -> None:
        if self._token is not None:
            log.warning("leadership lost (%s)", self.worker_id)
        self._token = None
        self._lease_until = 0.0

    async def _fetch_for_others(self, keys: list[Key]) -> None:
        try:
            if self._prefetch is not None:
                await self._prefetch(keys)
        except Exception:
            log.exception("fetching keys another worker subscribed failed")

    # -- pub/sub -------------------------------------------------------------------------------

    async def _listen_loop(self) -> None:
        attempt = 0
        while True:
            pubsub: PubSub | None = None
            try:
                assert self._redis is not None
                pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
                async with asyncio.timeout(2 * self.op_timeout):
                    await pubsub.subscribe(
                        self.ticks_channel, self.interest_channel, self.broadcast_channel
                    )
                self._pubsub_ok = True
                attempt = 0
                await self._receive(pubsub)
            except _FAILURES as exc:
                if self._pubsub_ok:
                    log.warning("Redis pub/sub connection lost, reconnecting: %s", exc)
                self._pubsub_ok = False
                attempt += 1
                await asyncio.sleep(_backoff(attempt, 2.0))
            finally:
                if pubsub is not None:
                    with contextlib.suppress(Exception):
                        await pubsub.aclose()

    async def _receive(self, pubsub: PubSub) -> None:
        """Handle messages until the connection fails; a silent one is probed with PING."""
        quiet_limit = 5.0
        last_seen = time.monotonic()
        pinged = False
        while True:
            message = await pubsub.get_message(timeout=0.5)
            now = time.monotonic()
            if message is None:
                if now - last_seen > quiet_limit + 2 * self.op_timeout:
                    raise ConnectionError("no answer to PING on the pub/sub connection")
                if now - last_seen > quiet_limit and not pinged:
                    async with asyncio.timeout(self.op_timeout):
                        await pubsub.ping()
                    pinged = True
                continue
            last_seen, pinged = now, False
            if message.get("type") == "message":
                await self._handle(message["channel"], message["data"])

    async def _handle(self, channel: bytes | str, data: bytes) -> None:
        name = channel.decode() if isinstance(channel, bytes) else channel
        try:
            if name == self.ticks_channel:
                sender, quotes = wire.decode_ticks(data)
                if sender != self.worker_id and quotes and self._consumer is not None:
                    await self._consumer(quotes)
            elif name == self.broadcast_channel:
                sender, _, payload = data.partition(b"\n")
                if sender.decode() != self.worker_id:
                    await self._run_handlers(payload)
            elif name == self.interest_channel:
                sender, keys = wire.decode_interest(data)
                if sender != self.worker_id and keys and self.is_leader() and self._prefetch:
                    task = asyncio.create_task(self._fetch_for_others(keys), name="hub-prefetch")
                    self._spawned.add(task)
                    task.add_done_callback(self._spawned.discard)
        except ValueError as exc:
            log.warning("ignoring a message on %s: %s", name, exc)
        except Exception:
            log.exception("handling a message on %s failed", name)
