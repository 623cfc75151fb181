"""The worker's drain before a graceful stop (stockapp.shutdown): hooks run once,
concurrently, bounded, and a failing hook does not stop the others."""

from __future__ import annotations

import asyncio
import time

from stockapp.shutdown import Drain


async def test_hooks_run_once_concurrently_and_mark_the_worker_draining() -> None:
    drain = Drain()
    calls: list[str] = []

    async def slow(name: str) -> None:
        calls.append(name)
        await asyncio.sleep(0.2)

    drain.on_drain(lambda: slow("a"))
    drain.on_drain(lambda: slow("b"))
    assert not drain.draining
    started = time.monotonic()
    await drain.run(5)
    assert sorted(calls) == ["a", "b"]
    assert time.monotonic() - started < 0.39  # together, not one after the other
    assert drain.draining
    await drain.run(5)  # a second signal does not run them again
    assert len(calls) == 2


async def test_a_hook_that_hangs_is_cut_off_and_a_failing_one_is_contained() -> None:
    drain = Drain()
    finished: list[str] = []

    async def hangs() -> None:
        await asyncio.sleep(60)

    async def fails() -> None:
        raise RuntimeError("boom")

    async def works() -> None:
        finished.append("ok")

    for hook in (hangs, fails, works):
        drain.on_drain(hook)
    started = time.monotonic()
    await drain.run(0.3)
    assert time.monotonic() - started < 2
    assert finished == ["ok"]


def test_a_hook_registers_once() -> None:
    drain = Drain()

    async def hook() -> None:
        return None

    drain.on_drain(hook)
    drain.on_drain(hook)
    assert drain._hooks == [hook]
    drain.remove(hook)
    assert drain._hooks == []


async def test_the_drain_waits_for_requests_in_flight() -> None:
    from stockapp.shutdown import RequestsInFlight, drain

    release = asyncio.Event()
    sent: list[dict] = []

    async def slow_app(scope, receive, send) -> None:
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})

    async def send(message: dict) -> None:
        sent.append(message)

    app = RequestsInFlight(slow_app)
    try:
        request = asyncio.create_task(app({"type": "http"}, None, send))
        await asyncio.sleep(0.01)
        waiting = asyncio.create_task(app.finished())
        await asyncio.sleep(0.05)
        assert not waiting.done()  # the request is still being served
        release.set()
        await asyncio.wait_for(waiting, 1)
        await request
        assert sent and sent[0]["status"] == 200
    finally:
        drain.remove(app.finished)
