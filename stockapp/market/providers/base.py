"""The provider interface. Another feed (Kite Connect, Finnhub) is one new module."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from stockapp.market.models import Bar, FetchResult, Key

INTERVALS = ("1m", "5m", "15m", "1h", "1d", "1wk")
RANGES = ("1d", "5d", "1mo", "6mo", "1y", "5y")


class ProviderError(Exception):
    """Upstream failed; the hub marks affected quotes stale and retries later."""


@runtime_checkable
class QuoteProvider(Protocol):
    """A source of quotes and history.

    `fetch_quotes` is one upstream request for at most `batch_size` keys; the hub calls it
    once per batch of distinct subscribed keys per tick, however many subscribers exist.

    Optional: `seconds_until_next_observation() -> float | None`, how long until the provider
    will have a newer observation than now (the simulator's next step). The hub then polls
    just after it instead of on its own phase; without it (a real feed whose updates arrive
    at unknown times) the hub polls every tick interval and reports the data's age at
    publication (`stockapp_hub_quote_age_seconds`).
    """

    name: str
    batch_size: int
    simulated: bool

    async def fetch_quotes(self, keys: Sequence[Key]) -> FetchResult: ...

    async def history(
        self, key: Key, interval: str, range_: str, *, end: datetime | None = None
    ) -> list[Bar]: ...

    async def aclose(self) -> None: ...
