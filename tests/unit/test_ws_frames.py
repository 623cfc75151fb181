"""/ws price frames: one shared ASGI message per (symbol, tick), taken from the hub's market
snapshot and handed to the server's own send."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import orjson

from stockapp.api.frames import price_message
from stockapp.api.ws import DIRECT_SEND, DirectSend
from stockapp.market.models import Quote
from stockapp.market.snapshot import MarketSnapshot

KEY = ("TCS", "india_nse")
T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _quote(price: float, at: datetime = T0) -> Quote:
    return Quote(
        symbol="TCS", market="india_nse", current_price=price, open=99.0, high=price,
        low=98.0, prev_close=99.0, volume=10, timestamp=at,
    )  # fmt: skip


def test_one_message_object_per_quote_shared_by_every_socket():
    q = _quote(100.0)
    snap = MarketSnapshot(1, {KEY: q})
    sent, first = price_message(snap, KEY, q)
    assert sent is q
    assert price_message(snap, KEY, q)[1] is first  # the second socket reuses it
    assert first["type"] == "websocket.send"
    assert orjson.loads(first["text"])["current_price"] == 100.0
    # the next version keeps the message while the key's quote is the same object
    assert price_message(MarketSnapshot(2, {KEY: q}, previous=snap), KEY, q)[1] is first
    newer = _quote(101.0, T0 + timedelta(seconds=1))
    snap3 = MarketSnapshot(3, {KEY: newer}, previous=snap)
    sent, message = price_message(snap3, KEY, newer)
    assert sent is newer and message is not first
    assert orjson.loads(message["text"])["current_price"] == 101.0


def test_a_conflated_batch_sends_the_snapshots_newer_quote():
    old, new = _quote(100.0), _quote(102.0, T0 + timedelta(seconds=2))
    sent, message = price_message(MarketSnapshot(5, {KEY: new}), KEY, old)
    assert sent is new
    assert orjson.loads(message["text"])["current_price"] == 102.0


def test_a_quote_newer_than_the_snapshot_is_sent_as_it_is():
    old, new = _quote(100.0), _quote(103.0, T0 + timedelta(seconds=3))
    sent, message = price_message(MarketSnapshot(5, {KEY: old}), KEY, new)
    assert sent is new
    assert orjson.loads(message["text"])["current_price"] == 103.0
    assert price_message(MarketSnapshot(5, {}), KEY, new)[0] is new


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
