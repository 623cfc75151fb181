"""A worker's graceful stop, before the server drops its connections.

When a worker is asked to stop (SIGTERM or SIGINT: `docker stop`, a rolling restart, Ctrl-C),
the server would drop every open connection at once, so `/ws` clients would only see an
abnormal closure (1006) and the leader lease would linger until its TTL. The production
server (`stockapp/serve.py`) runs `drain.run()` first: the parts of the app that hold
connections or leases register hooks here (close `/ws` with 1001, hand leadership over), and
while it runs the worker reports not-ready. Only then does the server stop. The whole drain
is bounded by a share of `STOCKAPP_SHUTDOWN_TIMEOUT`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger("stockapp.shutdown")

DrainHook = Callable[[], Awaitable[object]]


class Drain:
    def __init__(self) -> None:
        self._hooks: list[DrainHook] = []
        self.started_at: float | None = None

    @property
    def draining(self) -> bool:
        return self.started_at is not None

    def on_drain(self, hook: DrainHook) -> DrainHook:
        """Register an async hook run once when the worker starts to stop."""
        if hook not in self._hooks:
            self._hooks.append(hook)
        return hook

    def remove(self, hook: DrainHook) -> None:
        if hook in self._hooks:
            self._hooks.remove(hook)

    def begin(self) -> bool:
        """Mark the worker as stopping (at once, from a signal handler); False if it was."""
        if self.draining:
            return False
        self.started_at = time.monotonic()
        return True

    async def run(self, budget: float) -> None:
        """Begin, then run the hooks; later calls do nothing."""
        if self.begin():
            await self.run_hooks(budget)

    async def run_hooks(self, budget: float) -> None:
        """Run every hook concurrently, for at most `budget` seconds."""
        started = time.monotonic()
        hooks = [asyncio.ensure_future(hook()) for hook in self._hooks]
        if not hooks:
            return
        done, pending = await asyncio.wait(hooks, timeout=budget)
        for task in pending:
            task.cancel()
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                log.error("a shutdown hook failed", exc_info=task.exception())
        log.info("drained in %.2fs", time.monotonic() - started)

    def reset(self) -> None:
        """Forget a drain (tests, and a process that serves again after one)."""
        self.started_at = None


drain = Drain()


class RequestsInFlight:
    """ASGI middleware that remembers the HTTP requests being served, so that a stopping
    worker finishes them before the server lets go of their connections."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.pending: set[asyncio.Future[None]] = set()
        drain.on_drain(self.finished)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.pending.add(done)
        try:
            await self.app(scope, receive, send)
        finally:
            self.pending.discard(done)
            done.set_result(None)

    async def finished(self) -> None:
        """Wait for the requests in flight now (the drain's budget bounds the wait)."""
        if self.pending:
            await asyncio.wait(list(self.pending))
