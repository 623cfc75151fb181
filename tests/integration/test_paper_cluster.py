"""Paper orders on a real two-worker cluster (Redis hub, one PostgreSQL): orders placed on
the leader are being filled when it is SIGKILLed; the surviving worker takes over and every
order ends up executed exactly once, with the virtual cash moved once per fill."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
import pytest

from tests.integration.test_cluster import leader_of, login

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.server]
ORDERS = "/api/v1/paper/orders"
SYMBOLS = ["RELIANCE", "TCS", "INFY", "SBIN", "ITC"]
COUNT = 30


async def test_every_order_fills_once_across_a_leader_kill(start_workers) -> None:
    cluster = start_workers(2)
    leader, (follower,) = await leader_of(cluster.workers)
    headers = {"Authorization": f"Bearer {login(leader)}"}
    ids: list[int] = []
    async with httpx.AsyncClient(base_url=leader.base, headers=headers, timeout=10) as on_l:
        for i in range(COUNT):
            body = {"symbol": SYMBOLS[i % len(SYMBOLS)], "side": "buy", "quantity": 1 + i % 3}
            r = await on_l.post(ORDERS, json=body)
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
        filled_before = len((await on_l.get(ORDERS, params={"status": "executed"})).json())
    leader.proc.kill()  # mid-stream: some fills written, some queued, some not yet matched
    async with httpx.AsyncClient(base_url=follower.base, headers=headers, timeout=10) as on_f:
        executed: list[dict] = []
        for _ in range(120):  # 30 s: takeover within 5 s, then the 10 s reload of open orders
            executed = (await on_f.get(ORDERS, params={"status": "executed"})).json()
            if len(executed) == COUNT:
                break
            await asyncio.sleep(0.25)
        assert sorted(o["id"] for o in executed) == sorted(ids), (filled_before, executed)
        trades = (await on_f.get("/api/v1/paper/trades")).json()
        funds = (await on_f.get("/api/v1/paper/funds")).json()
    assert sorted(t["order_id"] for t in trades) == sorted(ids)  # one fill per order
    spent = sum(
        Decimal(str(t["price"])) * t["quantity"] + Decimal(str(t["charges"])) for t in trades
    )
    assert Decimal(str(funds["cash"])) == Decimal(1_000_000) - spent
    assert funds["blocked"] == 0.0
