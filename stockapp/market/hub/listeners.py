"""Per-tick callbacks (alert evaluation, pre-serialised /ws frames) kept off the tick's path.

Listeners run in their own task so that a slow or failing one can never delay polling or the
fan-out. If they fall behind, the next call receives the merged changes (latest quote per key)
instead of a backlog.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from stockapp.market.models import Key, Quote

log = logging.getLogger(__name__)

Listener = Callable[[dict[Key, Quote]], Awaitable[None] | None]
T = TypeVar("T")


def register(callbacks: list[T], fn: T) -> Callable[[], None]:
    """Append `fn` to `callbacks`; returns its remover (a second call does nothing)."""
    callbacks.append(fn)

    def remove() -> None:
        if fn in callbacks:
            callbacks.remove(fn)

    return remove


class ListenerDispatcher:
    """Calls every listener once per published batch, each bounded by `timeout`."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.calls = 0
        self.errors = 0
        self._listeners: list[Listener] = []
        self._pending: dict[Key, Quote] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def count(self) -> int:
        return len(self._listeners)

    def add(self, fn: Listener) -> Callable[[], None]:
        return register(self._listeners, fn)

    def submit(self, quotes: dict[Key, Quote]) -> None:
        if self._listeners and self._task is not None:
            self._pending.update(quotes)
            self._wake.set()

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="price-hub-listeners")

    async def stop(self) -> None:
        task, self._task = self._task, None
        self._pending = {}
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._pending = self._pending, {}
            if batch:
                await self._call_all(batch)

    async def _call_all(self, batch: dict[Key, Quote]) -> None:
        waiting: list[Awaitable[None]] = []
        for fn in tuple(self._listeners):
            self.calls += 1
            try:
                result = fn(batch)
            except Exception:
                self.errors += 1
                log.exception("price hub listener %r failed", fn)
                continue
            if inspect.isawaitable(result):
                waiting.append(self._bounded(fn, result))
        if waiting:
            await asyncio.gather(*waiting)

    async def _bounded(self, fn: Listener, result: Awaitable[None]) -> None:
        try:
            async with asyncio.timeout(self.timeout):
                await result
        except TimeoutError:
            self.errors += 1
            log.warning("price hub listener %r took longer than %.1fs", fn, self.timeout)
        except Exception:
            self.errors += 1
            log.exception("price hub listener %r failed", fn)
