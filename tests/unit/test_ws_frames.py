"""/ws price frames: one shared ASGI message per (symbol, tick), handed to the server's own send."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import orjson

from stockapp.api.frames import FrameCache
from stockapp.api.ws import DIRECT_SEND, DirectSend
from stockapp.market.models import Quote


def _quote(price: float) -> Quote:
    return Quote(
        symbol="TCS", market="india_nse", current_price=price, open=99.0, high=price,
        low=98.0, prev_close=99.0, volume=10, timestamp=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )  # fmt: skip


def test_one_message_object_per_quote_shared_by_every_socket():
    cache = FrameCache()
    q = _quote(100.0)
    first = cache.message(q)
    assert cache.message(q) is first  # the second socket reuses it
    assert first["type"] == "websocket.send"
    assert orjson.loads(first["text"])["current_price"] == 100.0
    newer = cache.message(_quote(101.0))
    assert newer is not first
    assert orjson.loads(newer["text"])["current_price"] == 101.0
    assert cache.frame(_quote(102.0)) == cache.message(_quote(102.0))["text"]


def test_direct_send_hands_the_servers_send_to_websocket_scopes_only():
    seen: list[dict] = []

    async def inner(scope, receive, send):
        seen.append(dict(scope))

    async def server_send(message):
        pass

    async def receive():
        return {}

    app = DirectSend(inner)
    asyncio.run(app({"type": "websocket", "path": "/ws"}, receive, server_send))
    asyncio.run(app({"type": "http", "path": "/"}, receive, server_send))
    assert seen[0][DIRECT_SEND] is server_send
    assert DIRECT_SEND not in seen[1]
