"""Prices and history as pages read them outside a tick (on load, on a choice): a fetch of
quotes the hub has not seen yet, the provider's bars, and whether the market is simulated.
Live updates arrive through the live registry instead."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from stockapp.market.chart_series import history_with_warmup
from stockapp.market.indicators import IndicatorSpec
from stockapp.market.models import Bar, Key, Quote
from stockapp.market.providers.base import QuoteProvider
from stockapp.services.market import hub, latest, provider, settings

__all__ = ["latest"]


async def fetch_missing(keys: Iterable[Key]) -> None:
    """Price, once, the symbols the hub has not seen yet (they are live from then on)."""
    running = hub()
    if running is None:
        return
    missing = [k for k in keys if running.latest(k) is None]
    if missing:
        await running.quotes(missing)


async def quote(key: Key) -> Quote | None:
    """The latest quote, fetched when the hub has none yet."""
    running = hub()
    if running is None:
        return None
    return running.latest(key) or (await running.quotes([key])).get(key)


def available() -> bool:
    """Whether market data (the provider) is running in this process."""
    return provider() is not None


def _provider():
    running = provider()
    if running is None:
        raise RuntimeError("market data is not available")
    return running


async def history(key: Key, interval: str, period: str) -> list[Bar]:
    """The provider's bars; RuntimeError when no provider runs."""
    return await _provider().history(key, interval, period)


async def chart_history(
    key: Key,
    interval: str,
    range_: str,
    specs: Sequence[IndicatorSpec],
    source: QuoteProvider | None = None,
) -> tuple[list[Bar], list[Bar]]:
    """(warm-up, visible) bars for a chart with indicators, from `source` (a replay's
    provider) or the live market's; RuntimeError when no provider runs, ValueError when the
    range is refused."""
    return await history_with_warmup(source or _provider(), key, interval, range_, specs)


def simulated() -> bool:
    """Whether prices come from the built-in simulator (the configured one before start)."""
    running = provider()
    if running is not None:
        return bool(running.simulated)
    return settings().provider == "simulated"


def market_hours() -> str:
    return settings().market_hours
