"""A graceful stop of the production server, without a frontend build: `python -m
stockapp.serve --backend-only` serves the API and `/ws` from supervised Granian workers on
SQLite, with the same drain as the shipped command. Every `/ws` client, including one to
which nothing is being sent (Granian holds a close frame back while a receive is pending on
the same socket), gets 1001 with a reason at once, not a bare closure when the worker is
finally stopped."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
import websockets

from tests.conftest import free_port
from tests.integration.conftest import ROOT, Proc

pytestmark = pytest.mark.server
SHUTDOWN_TIMEOUT = 6.0


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Proc, int]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STOCKAPP_", "REFLEX_"))}
    env.update(
        STOCKAPP_ENV="test",
        STOCKAPP_DATABASE_URL=f"sqlite:///{tmp_path / 'stop.db'}",
        STOCKAPP_JWT_SECRET="stop-secret-" + "z" * 40,
        STOCKAPP_TICK_INTERVAL="0.25",
        STOCKAPP_SHUTDOWN_TIMEOUT=str(SHUTDOWN_TIMEOUT),
        STOCKAPP_LOGIN_IP_LIMIT="100000/minute",
        STOCKAPP_REGISTER_IP_LIMIT="100000/minute",
        GRANIAN_WORKERS="1",
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
    )
    migrate = [sys.executable, "-m", "stockapp.db.migrate"]
    assert Proc(migrate, env, tmp_path / "migrate.log").popen.wait(120) == 0
    proc = Proc(
        [sys.executable, "-m", "stockapp.serve", "--backend-only", str(port)],
        env,
        tmp_path / "server.log",
    )
    deadline = time.monotonic() + 120
    while True:
        assert proc.alive() and time.monotonic() < deadline, proc.tail()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    try:
        yield proc, port
    finally:
        proc.kill()


def _token(port: int) -> str:
    name, password = f"s_{uuid.uuid4().hex[:10]}", "stop password 1"
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as c:
        assert c.post("/api/v1/auth/register", json={"username": name, "password": password})
        r = c.post("/api/v1/auth/token", data={"username": name, "password": password})
        assert r.status_code == 200, r.text
        return r.json()["access_token"]


async def test_sigterm_tells_every_idle_client_1001_at_once(server: tuple[Proc, int]) -> None:
    proc, port = server
    url = f"ws://127.0.0.1:{port}/ws?token={_token(port)}"
    closes: list[tuple[float, int | None, str]] = []
    ready = [False] * 6

    async def client(i: int) -> None:
        """Even ones stream prices; odd ones subscribe to nothing, so the server sends
        them nothing either, as a socket that just connected or a quiet market would."""
        async with websockets.connect(url) as ws:
            action = {"action": "subscribe", "symbol": "TCS"} if i % 2 == 0 else {"action": "ping"}
            await ws.send(orjson.dumps(action).decode())
            try:
                async for text in ws:  # and never sends again: its server reader just waits
                    ready[i] = orjson.loads(text).get("type") in {"price_update", "pong"}
            except websockets.ConnectionClosed:
                pass
            closes.append((time.monotonic(), ws.close_code, ws.close_reason))

    tasks = [asyncio.create_task(client(i)) for i in range(len(ready))]
    deadline = time.monotonic() + 15
    while not all(ready) and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    assert all(ready), ready
    os.kill(proc.popen.pid, signal.SIGTERM)
    sent = time.monotonic()
    await asyncio.wait(tasks, timeout=SHUTDOWN_TIMEOUT + 5)
    assert {(code, reason) for _, code, reason in closes} == {(1001, "server shutting down")}
    assert len(closes) == len(ready)
    # told by the drain, not cut off when the worker is stopped after the drain's budget
    assert max(at for at, _, _ in closes) - sent < SHUTDOWN_TIMEOUT / 2
    assert proc.popen.wait(SHUTDOWN_TIMEOUT + 5) == 0, proc.tail()
