"""Concurrent `/ws` sockets are capped per user and per client address: the extra ones
are closed with 1008 and a reason naming the cap; closing one frees a place."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from tests.security.conftest import SecServer, new_user, start_api_process, stop_process
from tests.security.wsutil import recv_until

PER_USER, PER_IP = 3, 5


@pytest.fixture(scope="module")
def capped_server(tmp_root) -> Iterator[SecServer]:
    server = start_api_process(
        tmp_root,
        "ws-caps",
        STOCKAPP_WS_MAX_CONNECTIONS_PER_USER=str(PER_USER),
        STOCKAPP_WS_MAX_CONNECTIONS_PER_IP=str(PER_IP),
    )
    yield server
    stop_process(server.proc)


async def answered(ws_url: str, token: str) -> tuple[bool, int | None, str]:
    """Open a socket and ping: (served, close code, close reason)."""
    async with websockets.connect(f"{ws_url}?token={token}") as ws:
        try:
            await ws.send('{"action":"ping"}')
            await recv_until(ws, lambda m: m.get("type") == "pong", seconds=3)
            return True, None, ""
        except ConnectionClosed as exc:
            return False, exc.rcvd.code if exc.rcvd else 1006, exc.rcvd.reason if exc.rcvd else ""


@contextlib.asynccontextmanager
async def held(ws_url: str, token: str, n: int) -> AsyncIterator[list]:
    sockets = [await websockets.connect(f"{ws_url}?token={token}") for _ in range(n)]
    try:
        for ws in sockets:  # each one is really served
            await ws.send('{"action":"ping"}')
            await recv_until(ws, lambda m: m.get("type") == "pong", seconds=3)
        yield sockets
    finally:
        for ws in sockets:
            await ws.close()


async def test_per_user_cap_closes_extra_sockets_with_1008(capped_server):
    with httpx.Client(base_url=capped_server.url) as c:
        _, token, _ = new_user(c)
    async with held(capped_server.ws, token, PER_USER) as sockets:
        served, code, reason = await answered(capped_server.ws, token)
        assert not served and code == 1008 and "user" in reason, (code, reason)
        await sockets[0].close()
        await sockets[0].wait_closed()
        for _ in range(20):  # the server counts the closed one out as it finishes
            served, code, reason = await answered(capped_server.ws, token)
            if served:
                break
        assert served, (code, reason)


async def test_per_ip_cap_closes_extra_sockets_with_1008(capped_server):
    with httpx.Client(base_url=capped_server.url) as c:
        tokens = [new_user(c)[1] for _ in range(3)]
    async with held(capped_server.ws, tokens[0], 3), held(capped_server.ws, tokens[1], 2):
        served, code, reason = await answered(capped_server.ws, tokens[2])
        assert not served and code == 1008 and "address" in reason, (code, reason)
    served, _, _ = await answered(capped_server.ws, tokens[2])
    assert served
