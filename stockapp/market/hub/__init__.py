"""The price hub: one poller per process fanning the latest quotes out to every consumer.

`PriceHub` is the entry point; a backend carries its ticks (`MemoryBackend` in one process,
`RedisBackend` across workers) and consumers read conflated `Subscription` mailboxes.
"""

from stockapp.market.hub.backend import HubBackend, MemoryBackend
from stockapp.market.hub.core import PriceHub
from stockapp.market.hub.redis_backend import RedisBackend
from stockapp.market.hub.subscription import Subscription, SubscriptionClosed

__all__ = [
    "HubBackend",
    "MemoryBackend",
    "PriceHub",
    "RedisBackend",
    "Subscription",
    "SubscriptionClosed",
]
