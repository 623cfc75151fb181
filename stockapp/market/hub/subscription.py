"""One consumer's view of the price hub: a set of keys and a conflated mailbox.

A subscription never queues: it keeps at most one pending quote per key, so a consumer that
falls behind costs memory bounded by its key count and simply receives the newest prices when it
reads again. The hub writes into the mailbox synchronously and never waits for the reader.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Protocol

from stockapp.market.models import Key, Quote


class SubscriptionClosed(Exception):
    """Raised by `Subscription.get` once the subscription (or its hub) is closed."""


class SubscriptionOwner(Protocol):
    """What a subscription needs from the hub that created it."""

    def latest(self, key: Key) -> Quote | None: ...

    def _register(self, sub: Subscription, keys: list[Key]) -> None: ...

    def _unregister(self, sub: Subscription, keys: list[Key], *, closing: bool) -> None: ...


def as_keys(keys: Iterable[Key] | Key) -> list[Key]:
    """Normalise to a de-duplicated list of (symbol, market) tuples.

    A single bare key is accepted too, because passing `("TCS", "india_nse")` where an iterable of
    keys is expected would otherwise silently subscribe to two one-letter "keys".
    """
    if isinstance(keys, tuple) and len(keys) == 2 and all(isinstance(p, str) for p in keys):
        return [keys]
    return list(dict.fromkeys((k[0], k[1]) for k in keys))


class Subscription:
    """Interest in a set of keys plus the latest undelivered quote for each of them."""

    __slots__ = (
        "_closed",
        "_drops",
        "_hub",
        "_keys",
        "_lagging",
        "_offer_seq",
        "_pending",
        "_wake",
        "label",
    )

    def __init__(self, hub: SubscriptionOwner, label: str = "") -> None:
        self._hub = hub
        self.label = label
        self._keys: frozenset[Key] = frozenset()
        self._pending: dict[Key, Quote] = {}
        self._wake = asyncio.Event()
        self._closed = False
        self._lagging = 0
        self._drops = 0
        self._offer_seq = -1

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{len(self._keys)} keys"
        return f"<Subscription {self.label or id(self)} {state}>"

    @property
    def keys(self) -> frozenset[Key]:
        return self._keys

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    @property
    def lagging_ticks(self) -> int:
        """Consecutive deliveries that found the previous one still unread."""
        return self._lagging

    @property
    def drops(self) -> int:
        """Quotes overwritten by a newer one before this subscriber read them."""
        return self._drops

    def add(self, keys: Iterable[Key] | Key) -> list[Key]:
        """Subscribe to more keys; returns the ones that were not already subscribed."""
        if self._closed:
            raise SubscriptionClosed(self.label)
        new = [k for k in as_keys(keys) if k not in self._keys]
        if new:
            self._keys = self._keys.union(new)
            self._hub._register(self, new)
        return new

    def remove(self, keys: Iterable[Key] | Key) -> list[Key]:
        """Unsubscribe from keys; returns the ones that were actually subscribed."""
        gone = [k for k in as_keys(keys) if k in self._keys]
        if gone:
            self._keys = self._keys.difference(gone)
            for key in gone:
                self._pending.pop(key, None)
            self._hub._unregister(self, gone, closing=False)
        return gone

    def set_keys(self, keys: Iterable[Key] | Key) -> tuple[list[Key], list[Key]]:
        """Replace the key set; returns (added, removed) so callers can snapshot the additions."""
        wanted = as_keys(keys)
        wanted_set = set(wanted)
        removed = self.remove([k for k in self._keys if k not in wanted_set])
        added = self.add(wanted)
        return added, removed

    def snapshot(self) -> dict[Key, Quote]:
        """Latest known quote of every subscribed key (keys without one yet are absent)."""
        latest = self._hub.latest
        out: dict[Key, Quote] = {}
        for key in self._keys:
            quote = latest(key)
            if quote is not None:
                out[key] = quote
        return out

    async def get(self, timeout: float | None = None) -> dict[Key, Quote]:  # noqa: ASYNC109
        """Wait for changed quotes and take them all; {} on timeout."""
        if not self._pending:
            try:
                async with asyncio.timeout(timeout):
                    while not self._pending:
                        if self._closed:
                            raise SubscriptionClosed(self.label)
                        self._wake.clear()
                        await self._wake.wait()
            except TimeoutError:
                if not self._pending:
                    return {}
        return self._take()

    def get_nowait(self) -> dict[Key, Quote]:
        """Take whatever is pending without waiting (possibly {})."""
        if self._closed and not self._pending:
            raise SubscriptionClosed(self.label)
        return self._take()

    def close(self) -> None:
        """Release all keys and wake any reader, which then gets SubscriptionClosed."""
        if self._closed:
            return
        self._closed = True
        keys, self._keys = list(self._keys), frozenset()
        self._pending.clear()
        self._hub._unregister(self, keys, closing=True)
        self._wake.set()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()

    def _take(self) -> dict[Key, Quote]:
        batch = self._pending
        self._pending = {}
        self._lagging = 0
        return batch

    def _offer(self, key: Key, quote: Quote, seq: int) -> bool:
        """Hot path of the fan-out; returns True when an unread quote was overwritten.

        The wake-up is only needed when the mailbox was empty: a non-empty mailbox has already
        woken its reader, and `get` only clears the event once the mailbox is drained.
        """
        pending = self._pending
        if not pending:
            pending[key] = quote
            self._offer_seq = seq
            self._wake.set()
            return False
        if self._offer_seq != seq:
            self._offer_seq = seq
            self._lagging += 1
        dropped = key in pending
        if dropped:
            self._drops += 1
        pending[key] = quote
        return dropped
