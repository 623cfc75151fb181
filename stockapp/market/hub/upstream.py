"""Requests to the quote provider: batching, a hard timeout per request, error accounting,
and sharing one request between concurrent callers."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Coroutine, Sequence
from typing import Any

from stockapp.market.hub import metrics
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


class SingleFlight:
    """At most one in-flight request per key; later callers wait for it instead of asking again."""

    def __init__(self) -> None:
        self._tasks: dict[Key, asyncio.Task[None]] = {}

    def get(self, key: Key) -> asyncio.Task[None] | None:
        return self._tasks.get(key)

    def launch(self, batch: list[Key], request: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(request)
        for key in batch:
            self._tasks[key] = task
        task.add_done_callback(functools.partial(self._done, batch))
        return task

    async def cancel_all(self) -> None:
        tasks = list(dict.fromkeys(self._tasks.values()))
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _done(self, batch: list[Key], task: asyncio.Task[None]) -> None:
        for key in batch:
            if self._tasks.get(key) is task:
                del self._tasks[key]
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("shared quote request failed", exc_info=exc)
