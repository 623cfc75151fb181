"""Prices and history as pages read them outside a tick (on load, on a choice): the hub's
latest quote, a fetch of quotes it has not seen yet, the provider's bars, and whether the
market is simulated. Live updates arrive through the live registry instead."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from stockapp.market.chart_series import history_with_warmup
from stockapp.market.indicators import IndicatorSpec
from stockapp.market.models import Bar, Key, Quote
from stockapp.runtime import runtime
from stockapp.services.market import latest

__all__ = ["latest"]


async def fetch_missing(keys: Iterable[Key]) -> None:
    """Price, once, the symbols the hub has not seen yet (they are live from then on)."""
    hub = runtime.hub
    if hub is None:
        return
    missing = [k for k in keys if hub.latest(k) is None]
    if missing:
        await hub.quotes(missing)


async def quote(key: Key) -> Quote | None:
    """The latest quote, fetched when the hub has none yet."""
    hub = runtime.hub
    if hub is None:
        return None
    return hub.latest(key) or (await hub.quotes([key])).get(key)


def available() -> bool:
    """Whether market data (the provider) is running in this process."""
    return runtime.provider is not None


async def history(key: Key, interval: str, period: str) -> list[Bar]:
    """The provider's bars; RuntimeError when no provider runs."""
    provider = runtime.provider
    if provider is None:
        raise RuntimeError("market data is not available")
    return await provider.history(key, interval, period)


def simulated() -> bool:
    """Whether prices come from the built-in simulator (the configured one before start)."""
    provider = runtime.provider
    if provider is not None:
        return bool(provider.simulated)
    return runtime.settings.provider == "simulated"


def market_hours() -> str:
    return runtime.settings.market_hours


async def chart_history(
    key: Key, interval: str, range_: str, specs: Sequence[IndicatorSpec]
) -> tuple[list[Bar], list[Bar]]:
    """(warm-up, visible) bars for a chart with indicators; RuntimeError when no provider
    runs, ValueError when the range is refused."""
    provider = runtime.provider
    if provider is None:
        raise RuntimeError("market data is not available")
    return await history_with_warmup(provider, key, interval, range_, specs)
