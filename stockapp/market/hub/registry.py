"""Who wants which key: the refcounted index the hub polls from and fans out through.

The index maps each key straight to the subscriptions holding it, so a tick's fan-out touches
only the (key, subscription) pairs that matter and allocates nothing per subscriber.
"""

from __future__ import annotations

from stockapp.market.hub import metrics
from stockapp.market.hub.backend import HubBackend
from stockapp.market.hub.subscription import Subscription
from stockapp.market.models import Key, Quote


class SubscriptionRegistry:
    """Open subscriptions and the key -> subscriptions index of one process."""

    def __init__(self, backend: HubBackend) -> None:
        self._backend = backend
        self._by_key: dict[Key, set[Subscription]] = {}
        self._open: set[Subscription] = set()

    @property
    def subscriber_count(self) -> int:
        return len(self._open)

    @property
    def key_count(self) -> int:
        return len(self._by_key)

    @property
    def keys(self) -> set[Key]:
        return set(self._by_key)

    def refcount(self, key: Key) -> int:
        subs = self._by_key.get(key)
        return len(subs) if subs else 0

    def subscriptions(self) -> list[Subscription]:
        return list(self._open)

    def open(self, sub: Subscription) -> None:
        self._open.add(sub)
        metrics.SUBSCRIBERS.inc()

    def add_keys(self, sub: Subscription, keys: list[Key]) -> list[Key]:
        """Index `sub` under `keys`; returns keys that nobody in this process held before."""
        first_holders: list[Key] = []
        by_key = self._by_key
        for key in keys:
            holders = by_key.get(key)
            if holders is None:
                by_key[key] = {sub}
                first_holders.append(key)
            else:
                holders.add(sub)
        if first_holders:
            self._backend.add_interest(first_holders)
            metrics.SUBSCRIBED_SYMBOLS.inc(len(first_holders))
        return first_holders

    def remove_keys(self, sub: Subscription, keys: list[Key]) -> None:
        released: list[Key] = []
        by_key = self._by_key
        for key in keys:
            holders = by_key.get(key)
            if holders is None:
                continue
            holders.discard(sub)
            if not holders:
                del by_key[key]
                released.append(key)
        if released:
            self._backend.drop_interest(released)
            metrics.SUBSCRIBED_SYMBOLS.dec(len(released))

    def close(self, sub: Subscription, keys: list[Key]) -> None:
        self.remove_keys(sub, keys)
        if sub in self._open:
            self._open.discard(sub)
            metrics.SUBSCRIBERS.dec()

    def fan_out(self, quotes: dict[Key, Quote], seq: int) -> tuple[int, int]:
        """Drop each quote into every holder's mailbox; returns (deliveries, conflations)."""
        by_key = self._by_key
        deliveries = 0
        drops = 0
        for key, quote in quotes.items():
            holders = by_key.get(key)
            if not holders:
                continue
            deliveries += len(holders)
            for sub in holders:
                if sub._offer(key, quote, seq):
                    drops += 1
        return deliveries, drops
