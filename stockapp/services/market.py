"""Market data for pages: the universe, latest quotes and the data provider of this worker.

The one module of `services` that reads the runtime: each running part has one typed
accessor here (`snapshot`, `hub`, `universe`, `provider`, `settings`), and the other
services build on those.

Every accessor is safe before the hub has started (it answers empty), so a page rendered
while the worker is still starting shows placeholders instead of failing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from stockapp.market.hub import PriceHub
from stockapp.market.instruments import Universe
from stockapp.market.models import Key, Quote
from stockapp.market.providers.base import QuoteProvider
from stockapp.market.recommend import RecommendationService
from stockapp.market.screening import ScreenData, shared_screen_data
from stockapp.market.snapshot import MarketSnapshot
from stockapp.runtime import on_start, runtime
from stockapp.settings import Settings

_EMPTY: dict[int, MarketSnapshot] = {}


def snapshot() -> MarketSnapshot:
    """The market now: the hub's current snapshot (an empty one before start-up).

    Live pages get the snapshot with every tick (`_apply_live(snapshot, changed)`); this is
    for event handlers such as a page's `on_load`."""
    hub = runtime.hub
    if hub is not None:
        return hub.snapshot()
    empty = _EMPTY.get(id(runtime.universe))
    if empty is None:
        empty = _EMPTY[id(runtime.universe)] = MarketSnapshot.empty(runtime.universe)
    return empty


def hub() -> PriceHub | None:
    """The running price hub, for the live registry that keeps sessions subscribed to it.
    Pages read prices from `snapshot()` instead."""
    return runtime.hub


def settings() -> Settings:
    """This worker's settings (the environment's, read once)."""
    return runtime.settings


def on_hub_start(fn: Callable[[PriceHub], Awaitable[None]]) -> None:
    """Run `fn(hub)` after each start of this worker's hub."""

    @on_start
    async def _started(rt) -> None:
        await fn(rt.require_hub())


def universe() -> Universe:
    """Every listed instrument (equities and indices), loaded once per process."""
    return runtime.universe


def provider() -> QuoteProvider | None:
    """The upstream data provider (history, fundamentals); None before start-up."""
    return runtime.provider


def latest(key: Key) -> Quote | None:
    """The last quote the hub has for `key`, without asking upstream."""
    return snapshot().get(key)


def recommendations() -> RecommendationService:
    """The worker's rating service (created on first use, shared by pages and the API)."""
    service = runtime.extras.get("recommendations")
    if service is None:
        service = runtime.extras["recommendations"] = RecommendationService(runtime.universe)
    return service


def screen_data(market: str = "india_nse") -> ScreenData | None:
    """The worker's screener history for `market` (None before start-up); `await
    data.ensure()` loads it once."""
    provider = runtime.provider
    return shared_screen_data(provider, runtime.universe, market) if provider else None
