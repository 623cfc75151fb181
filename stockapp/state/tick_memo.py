"""Market-wide views computed once per tick for the whole process, not once per session.

Rankings, breadth and sector figures depend only on the hub's latest quotes, which change
only when the hub delivers a batch (`PriceHub.version`). `per_tick` memoises a function of
hashable arguments until then, so a thousand open Dashboard or Movers tabs sort the market
once per tick instead of a thousand times.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from stockapp.runtime import runtime

T = TypeVar("T")


def hub_version() -> tuple[int, int]:
    hub = runtime.hub
    return (id(hub), hub.version) if hub is not None else (0, -1)


def per_tick(fn: Callable[..., T]) -> Callable[..., T]:
    cache: dict[tuple[Any, ...], tuple[tuple[int, int], T]] = {}

    @functools.wraps(fn)
    def wrapper(*args: Any) -> T:
        version = hub_version()
        hit = cache.get(args)
        if hit is not None and hit[0] == version:
            return hit[1]
        value = fn(*args)
        cache[args] = (version, value)
        return value

    return wrapper
