"""The seam between the price hub and the processes it serves.

With one process everything is local (`MemoryBackend`). With several workers a shared backend
(e.g. Redis pub/sub) lets one elected leader poll the union of every worker's interest and
broadcast each tick, while each worker still fans out to its own connections. The hub talks only
to this protocol, so that switch does not touch the hub.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from typing import Protocol, runtime_checkable

from stockapp.market.models import Key, Quote

QuoteConsumer = Callable[[dict[Key, Quote]], Awaitable[None]]
BroadcastHandler = Callable[[bytes], Awaitable[None]]


def drop_counts(counts: Counter[Key], keys: Iterable[Key]) -> None:
    """Take one off each key's count, forgetting keys that reach zero."""
    for key in keys:
        left = counts.get(key, 0) - 1
        if left > 0:
            counts[key] = left
        else:
            counts.pop(key, None)


@runtime_checkable
class HubBackend(Protocol):
    """Transport for published quotes and for subscription interest."""

    async def attach(self, consumer: QuoteConsumer) -> None:
        """Start delivering every published batch to `consumer` (one per hub/process)."""
        ...

    async def detach(self, consumer: QuoteConsumer) -> None:
        """Stop delivering to `consumer`."""
        ...

    async def publish(self, quotes: dict[Key, Quote]) -> None:
        """Broadcast one batch of changed quotes to every attached consumer."""
        ...

    def add_interest(self, keys: Iterable[Key]) -> None:
        """Keys this process just started to need (called on a 0 -> 1 local refcount)."""
        ...

    def drop_interest(self, keys: Iterable[Key]) -> None:
        """Keys this process no longer needs (called on a 1 -> 0 local refcount)."""
        ...

    async def poll_keys(self) -> set[Key]:
        """Keys the poller must fetch: the union of interest across processes."""
        ...

    def is_leader(self) -> bool:
        """Whether this process runs the upstream poll."""
        ...

    async def broadcast(self, payload: bytes) -> None:
        """Deliver `payload` once to the broadcast handlers of every process (this one
        included), e.g. an alert that fired on the leader reaching tabs held by any worker."""
        ...

    def on_broadcast(self, handler: BroadcastHandler) -> None:
        """Register a handler for broadcasts (one list per process)."""
        ...


class MemoryBackend:
    """Single-process backend: publishing is a direct call, interest a local refcount.

    Several hubs may share one instance (useful in tests); each `add_interest` is counted so the
    poll set is the union of all of them.
    """

    def __init__(self) -> None:
        self._consumers: list[QuoteConsumer] = []
        self._interest: Counter[Key] = Counter()
        self._handlers: list[BroadcastHandler] = []

    async def attach(self, consumer: QuoteConsumer) -> None:
        if consumer not in self._consumers:
            self._consumers.append(consumer)

    async def detach(self, consumer: QuoteConsumer) -> None:
        if consumer in self._consumers:
            self._consumers.remove(consumer)

    async def publish(self, quotes: dict[Key, Quote]) -> None:
        for consumer in tuple(self._consumers):
            await consumer(quotes)

    def add_interest(self, keys: Iterable[Key]) -> None:
        self._interest.update(keys)

    def drop_interest(self, keys: Iterable[Key]) -> None:
        drop_counts(self._interest, keys)

    async def poll_keys(self) -> set[Key]:
        return set(self._interest)

    def is_leader(self) -> bool:
        return True

    async def broadcast(self, payload: bytes) -> None:
        for handler in tuple(self._handlers):
            await handler(payload)

    def on_broadcast(self, handler: BroadcastHandler) -> None:
        if handler not in self._handlers:
            self._handlers.append(handler)
