"""Market data for pages: the universe, latest quotes and the data provider of this worker.

Every accessor is safe before the hub has started (it answers empty), so a page rendered
while the worker is still starting shows placeholders instead of failing.
"""

from __future__ import annotations

from collections.abc import Iterable

from stockapp.market.instruments import Universe
from stockapp.market.models import Instrument, Key, Quote
from stockapp.market.providers.base import QuoteProvider
from stockapp.runtime import runtime
from stockapp.settings import Settings


def universe() -> Universe:
    """Every listed instrument (equities and indices), loaded once per process."""
    return runtime.universe


def instrument(market: str, symbol: str) -> Instrument | None:
    return runtime.universe.get(market, symbol)


def settings() -> Settings:
    return runtime.settings


def provider() -> QuoteProvider | None:
    """The upstream data provider (history, fundamentals); None before start-up."""
    return runtime.provider


def latest(key: Key) -> Quote | None:
    """The last quote the hub has for `key`, without asking upstream."""
    hub = runtime.hub
    return hub.latest(key) if hub is not None else None


def latest_many(keys: Iterable[Key]) -> dict[Key, Quote]:
    """The last quotes the hub has for `keys`; keys without one are absent."""
    hub = runtime.hub
    if hub is None:
        return {}
    out = {}
    for key in keys:
        quote = hub.latest(key)
        if quote is not None:
            out[key] = quote
    return out


async def quotes(keys: Iterable[Key]) -> dict[Key, Quote]:
    """Current quotes for `keys`, fetched upstream for those the hub has not seen yet."""
    hub = runtime.hub
    if hub is None:
        return {}
    return await hub.quotes(list(keys))
