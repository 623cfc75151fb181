"""/ws with a real WebSocket client (the `websockets` library) against the running server."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.api.conftest import register_and_login


@pytest.fixture
def ws_url(api_server) -> str:
    return api_server.replace("http://", "ws://") + "/ws"


@pytest.fixture
def token(client) -> str:
    return register_and_login(client)[0]


async def recv(ws, seconds: float = 5.0) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), seconds))


async def recv_until(ws, pred, seconds: float = 6.0) -> dict:
    async def loop():
        while True:
            msg = json.loads(await ws.recv())
            if pred(msg):
                return msg

    return await asyncio.wait_for(loop(), seconds)


async def closed_code(ws, seconds: float = 6.0) -> int:
    try:
        async with asyncio.timeout(seconds):
            while True:
                await ws.recv()
    except ConnectionClosed as exc:
        return exc.rcvd.code if exc.rcvd else 1006
    raise AssertionError("socket stayed open")


async def test_subscribe_confirm_snapshot_then_updates(ws_url, token):
    async with websockets.connect(f"{ws_url}?token={token}") as ws:
        await ws.send(
            json.dumps({"action": "subscribe", "symbol": "RELIANCE", "market": "india_nse"})
        )
        assert await recv(ws) == {
            "type": "subscription_confirmed",
            "symbol": "RELIANCE",
            "market": "india_nse",
        }
        snap = await recv(ws)
        assert snap["type"] == "price_update" and snap["symbol"] == "RELIANCE"
        for field in ("current_price", "change", "change_percent", "volume", "timestamp", "market"):
            assert field in snap
        assert snap["timestamp"].endswith("Z") and len(snap["timestamp"].split(".")[1]) == 4
        nxt = await recv_until(ws, lambda m: m["type"] == "price_update", seconds=6)
        assert nxt["symbol"] == "RELIANCE"


async def test_first_message_auth_and_symbols_list(ws_url, token):
    async with websockets.connect(ws_url) as ws:
        await ws.send(json.dumps({"action": "auth", "token": token}))
        await ws.send(json.dumps({"action": "subscribe", "symbols": ["TCS", "INFY"]}))
        got = set()
        while len(got) < 2:
            m = await recv(ws)
            if m["type"] == "subscription_confirmed":
                got.add(m["symbol"])
        assert got == {"TCS", "INFY"}
        await ws.send(json.dumps({"action": "ping"}))
        await recv_until(ws, lambda m: m["type"] == "pong")


async def test_unsubscribe_stops_updates(ws_url, token):
    async with websockets.connect(f"{ws_url}?token={token}") as ws:
        await ws.send(json.dumps({"action": "subscribe", "symbols": ["HDFCBANK", "ITC"]}))
        await recv_until(ws, lambda m: m["type"] == "price_update" and m["symbol"] == "HDFCBANK")
        await ws.send(json.dumps({"action": "unsubscribe", "symbol": "HDFCBANK"}))
        await recv_until(ws, lambda m: m["type"] == "unsubscribed" and m["symbol"] == "HDFCBANK")
        seen = []
        try:
            async with asyncio.timeout(3):
                while True:
                    seen.append(await recv(ws))
        except TimeoutError:
            pass
        symbols = {m.get("symbol") for m in seen if m["type"] == "price_update"}
        assert "HDFCBANK" not in symbols and "ITC" in symbols


async def test_error_codes_keep_connection_open(ws_url, token):
    async with websockets.connect(f"{ws_url}?token={token}") as ws:
        cases = [
            ("{not json", "bad_json"),
            (json.dumps({"action": "dance"}), "unknown_action"),
            (json.dumps({"action": "subscribe", "symbol": "NOPE123"}), "unknown_symbol"),
            (json.dumps([1, 2, 3]), "invalid_message"),
            (json.dumps({"action": "subscribe"}), "invalid_message"),
            (
                json.dumps({"action": "subscribe", "symbol": "TCS", "market": "nasdaq"}),
                "invalid_message",
            ),
            (json.dumps({"action": 5}), "invalid_message"),
        ]
        for text, code in cases:
            await ws.send(text)
            m = await recv_until(ws, lambda m: m["type"] == "error")
            assert m["code"] == code, (text, m)
            assert m["message"]
        await ws.send(b"\x00\x01binary")
        m = await recv_until(ws, lambda m: m["type"] == "error")
        assert m["code"] == "invalid_message"
        await ws.send(json.dumps({"action": "ping"}))
        await recv_until(ws, lambda m: m["type"] == "pong")


async def test_too_many_subscriptions(ws_url, token):
    from stockapp.market.instruments import load_universe

    many = [i.symbol for i in load_universe().equities("india_nse")]
    assert len(many) > 200
    async with websockets.connect(f"{ws_url}?token={token}", max_size=None) as ws:
        await ws.send(json.dumps({"action": "subscribe", "symbols": many[:201]}))
        m = await recv_until(ws, lambda m: m["type"] == "error")
        assert m["code"] == "too_many_subscriptions"


async def test_oversized_message_closes_1009(ws_url, token):
    async with websockets.connect(f"{ws_url}?token={token}") as ws:
        await ws.send(json.dumps({"action": "ping", "pad": "x" * 5000}))
        assert await closed_code(ws) == 1009


async def test_flood_is_rate_limited_then_closed(ws_url, token):
    async with websockets.connect(f"{ws_url}?token={token}") as ws:
        for _ in range(200):
            await ws.send('{"action":"ping"}')
        codes = []
        try:
            async with asyncio.timeout(5):
                while True:
                    m = json.loads(await ws.recv())
                    codes.append(m.get("code") or m["type"])
        except ConnectionClosed as exc:
            assert exc.rcvd and exc.rcvd.code == 1008
        else:  # pragma: no cover
            raise AssertionError("flooding socket was not closed")
        assert "rate_limited" in codes


@pytest.mark.parametrize("bad", ["", "garbage", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."])
async def test_bad_query_token_refused(ws_url, bad):
    with pytest.raises((InvalidStatus, ConnectionClosed)) as info:
        async with websockets.connect(f"{ws_url}?token={bad}") as ws:
            await recv(ws)
    if isinstance(info.value, InvalidStatus):
        assert info.value.response.status_code == 403
    else:
        assert info.value.rcvd.code == 1008


async def test_missing_auth_message_closes_1008(ws_url):
    async with websockets.connect(ws_url) as ws:
        await ws.send(json.dumps({"action": "subscribe", "symbol": "TCS"}))
        assert await closed_code(ws) == 1008


async def test_foreign_origin_refused_same_origin_allowed(ws_url, token, api_server):
    with pytest.raises(InvalidStatus) as info:
        async with websockets.connect(f"{ws_url}?token={token}", origin="https://evil.example"):
            pass
    assert info.value.response.status_code == 403
    async with websockets.connect(f"{ws_url}?token={token}", origin=api_server) as ws:
        await ws.send('{"action":"ping"}')
        assert (await recv(ws))["type"] == "pong"


async def test_reconnect_and_resubscribe_gets_snapshot(ws_url, token):
    for _ in range(2):
        async with websockets.connect(f"{ws_url}?token={token}") as ws:
            await ws.send(json.dumps({"action": "subscribe", "symbol": "SBIN"}))
            await recv_until(ws, lambda m: m["type"] == "subscription_confirmed")
            snap = await recv(ws, seconds=2)
            assert snap["type"] == "price_update" and snap["symbol"] == "SBIN"


async def test_batch_extension_groups_a_ticks_updates(ws_url, token):
    async with websockets.connect(f"{ws_url}?token={token}&batch=1") as ws:
        await ws.send(json.dumps({"action": "subscribe", "symbols": ["TCS", "INFY", "SBIN"]}))
        batched = await recv_until(ws, lambda m: m["type"] == "price_updates", seconds=8)
        assert len(batched["updates"]) >= 2
        for u in batched["updates"]:
            assert u["type"] == "price_update" and u["symbol"] in {"TCS", "INFY", "SBIN"}
            assert u["timestamp"].endswith("Z")


async def test_no_repeated_price_after_the_snapshot(ws_url, token):
    async with websockets.connect(f"{ws_url}?token={token}") as ws:
        await ws.send(json.dumps({"action": "subscribe", "symbol": "ADANIPORTS"}))
        seen = []
        try:
            async with asyncio.timeout(2.5):
                while True:
                    m = await recv(ws)
                    if m["type"] == "price_update":
                        seen.append((m["timestamp"], m["current_price"], m["volume"]))
        except TimeoutError:
            pass
        assert seen and len(seen) == len(set(seen)), seen
