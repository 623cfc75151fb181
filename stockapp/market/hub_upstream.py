"""Requests to the quote provider: batching, a hard timeout per request, error accounting."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

from stockapp.market import hub_metrics as metrics
from stockapp.market.models import FetchResult, Key
from stockapp.market.providers.base import QuoteProvider

log = logging.getLogger(__name__)


class Upstream:
    """Wraps a provider so that a failing or hung request turns into None, never an exception."""

    def __init__(self, provider: QuoteProvider, timeout: float) -> None:
        self.provider = provider
        self.timeout = timeout
        self.batch_size = max(1, int(provider.batch_size))
        self.requests = 0
        self.errors = 0
        self.timeouts = 0

    def batches(self, keys: Sequence[Key]) -> list[list[Key]]:
        size = self.batch_size
        return [list(keys[i : i + size]) for i in range(0, len(keys), size)]

    async def fetch(self, batch: list[Key]) -> FetchResult | None:
        """One upstream request; None when it failed or timed out (logged and counted)."""
        self.requests += 1
        metrics.UPSTREAM_REQUESTS.inc()
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout):
                return await self.provider.fetch_quotes(batch)
        except TimeoutError:
            self.timeouts += 1
            log.warning("quote request for %d keys timed out after %.1fs", len(batch), self.timeout)
        except Exception as exc:
            log.warning("quote request for %d keys failed: %r", len(batch), exc)
        finally:
            metrics.UPSTREAM_SECONDS.observe(time.perf_counter() - started)
        self.errors += 1
        metrics.UPSTREAM_ERRORS.inc()
        return None
