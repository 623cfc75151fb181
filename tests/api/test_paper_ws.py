"""/ws `order_update` (extension) with a real WebSocket client: orders placed over REST reach
their owner's sockets as they are placed, rejected and filled, and nobody else's."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets

from tests.api.conftest import register_and_login

ORDERS = "/api/v1/paper/orders"


@pytest.fixture
def ws_url(api_server) -> str:
    return api_server.replace("http://", "ws://") + "/ws"


async def next_update(ws, seconds: float = 15.0) -> dict:
    """The next order_update on the socket (price frames and the like are skipped)."""

    async def loop() -> dict:
        while True:
            msg = json.loads(await ws.recv())
            if msg.get("type") == "order_update":
                return msg

    return await asyncio.wait_for(loop(), seconds)


async def place(api_server: str, headers: dict, body: dict) -> httpx.Response:
    async with httpx.AsyncClient(base_url=api_server, timeout=10) as http:
        return await http.post(ORDERS, json=body, headers=headers)


async def test_a_market_order_placed_over_rest_arrives_as_placed_then_filled(
    ws_url, api_server, client
):
    token, headers = register_and_login(client)
    async with websockets.connect(f"{ws_url}?token={token}") as ws:
        r = await place(api_server, headers, {"symbol": "INFY", "side": "buy", "quantity": 3})
        assert r.status_code == 201, r.text
        order_id = r.json()["id"]
        updates = [await next_update(ws)]
        while updates[-1]["order"]["status"] != "executed":
            updates.append(await next_update(ws))
    placed, filled = updates[0], updates[-1]
    assert placed["order"]["id"] == order_id and placed["order"]["status"] == "open"
    assert placed["fill"] is None
    assert filled["order"]["id"] == order_id
    assert filled["order"]["symbol"] == "INFY" and filled["order"]["quantity"] == 3
    fill = filled["fill"]
    assert fill["quantity"] == 3 and fill["price"] == filled["order"]["fill_price"]
    assert fill["charges"] > 0
    # the REST book agrees with what the socket said
    trades = client.get("/api/v1/paper/trades", headers=headers).json()
    assert [(t["order_id"], t["price"], t["charges"]) for t in trades] == [
        (order_id, fill["price"], fill["charges"])
    ]


async def test_a_rejected_order_arrives_with_its_reason(ws_url, api_server, client):
    token, headers = register_and_login(client)
    async with websockets.connect(ws_url) as ws:
        await ws.send(json.dumps({"action": "auth", "token": token}))  # first-message auth
        r = await place(api_server, headers, {"symbol": "NOSUCHCO", "side": "buy", "quantity": 1})
        assert r.status_code == 422, r.text
        update = await next_update(ws)
    assert update["order"]["id"] == r.json()["order"]["id"]
    assert update["order"]["status"] == "rejected"
    assert "unknown symbol" in update["order"]["reason"]


async def test_updates_go_only_to_the_owner(ws_url, api_server, client):
    token_a, headers_a = register_and_login(client)
    token_b, headers_b = register_and_login(client)
    async with (
        websockets.connect(f"{ws_url}?token={token_a}") as ws_a,
        websockets.connect(f"{ws_url}?token={token_b}") as ws_b,
    ):
        r_a = await place(api_server, headers_a, {"symbol": "TCS", "side": "buy", "quantity": 1})
        assert r_a.status_code == 201, r_a.text
        assert (await next_update(ws_a))["order"]["id"] == r_a.json()["id"]
        # B's socket saw nothing of A's order: the first update B gets is B's own
        r_b = await place(api_server, headers_b, {"symbol": "INFY", "side": "buy", "quantity": 1})
        assert r_b.status_code == 201, r_b.text
        first_b = await next_update(ws_b)
    assert first_b["order"]["id"] == r_b.json()["id"]
