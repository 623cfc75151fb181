"""Market replay through the running server: each user's replay runs at its own speed on
its own past day, controls act only on the caller's own replay, and the live market keeps
running for everyone."""

from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta

import httpx
import pytest
import websockets

from stockapp.market.calendar import IST
from tests.api.conftest import register_and_login
from tests.api.test_ws import closed_code, recv_until

REPLAY = "/api/v1/replay"


def _india_today() -> date:
    """Replays list sessions before today on the exchange's calendar, in India."""
    return datetime.now(IST).date()


@pytest.fixture(scope="module")
def sessions(api_server) -> list[date]:
    """Finished trading days, newest first, as the market's own daily bars list them."""
    r = httpx.get(
        f"{api_server}/api/v1/stocks/RELIANCE/history",
        params={"interval": "1d", "range": "1mo"},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    days = [datetime.fromisoformat(b["t"].replace("Z", "+00:00")).date() for b in r.json()["bars"]]
    return sorted({d for d in days if d < _india_today()}, reverse=True)


@pytest.fixture
def alice(client):
    return register_and_login(client)[1]


@pytest.fixture
def bob(client):
    return register_and_login(client)[1]


def _start(client, headers, **body) -> dict:
    r = client.post(REPLAY, json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def _quote(client, headers, replay_id: str, symbol: str = "RELIANCE") -> dict:
    r = client.get(f"{REPLAY}/{replay_id}/quotes", params={"symbols": symbol}, headers=headers)
    assert r.status_code == 200, r.text
    (quote,) = r.json()["quotes"]
    return quote


def _ts(quote: dict) -> datetime:
    return datetime.fromisoformat(quote["timestamp"].replace("Z", "+00:00")).astimezone(IST)


def test_two_users_replay_different_days_and_the_live_market_runs_on(client, alice, bob, sessions):
    day_a, day_b = sessions[1], sessions[4]
    a = _start(client, alice, date=day_a.isoformat(), speed=60)
    b = _start(client, bob, date=day_b.isoformat(), speed=1, time="11:00")
    assert a["status"] == b["status"] == "running"
    assert a["label"] == f"Replay {day_a.isoformat()} ×60, 09:15 IST"
    assert b["replay_time_ist"].startswith("11:00")
    qa, qb = _quote(client, alice, a["id"]), _quote(client, bob, b["id"])
    assert _ts(qa).date() == day_a and _ts(qb).date() == day_b
    live = client.get("/api/v1/quotes", params={"symbols": "RELIANCE"}).json()["quotes"][0]
    assert _ts(live).date() >= _india_today() - timedelta(days=1)  # the live market is untouched
    # Alice's replay moves a minute of session per wall second; Bob's a second per second
    time.sleep(2.0)
    qa2, qb2 = _quote(client, alice, a["id"]), _quote(client, bob, b["id"])
    assert (_ts(qa2) - _ts(qa)).total_seconds() >= 60
    assert (_ts(qb2) - _ts(qb)).total_seconds() < 30
    # neither can see or steer the other's replay
    for verb in ("pause", "resume"):
        assert client.post(f"{REPLAY}/{a['id']}/{verb}", headers=bob).status_code == 404
    assert client.get(f"{REPLAY}/{a['id']}", headers=bob).status_code == 404
    assert client.get(f"{REPLAY}/{a['id']}/quotes?symbols=TCS", headers=bob).status_code == 404
    assert client.delete(f"{REPLAY}/{a['id']}", headers=bob).status_code == 404
    assert [r["id"] for r in client.get(REPLAY, headers=bob).json()] == [b["id"]]
    assert client.get(REPLAY).status_code == 401


def test_pause_seek_speed_and_stop(client, alice, sessions):
    r = _start(client, alice, date=sessions[2].isoformat(), speed=30)
    rid = r["id"]
    paused = client.post(f"{REPLAY}/{rid}/pause", headers=alice).json()
    assert paused["status"] == "paused" and paused["label"].endswith("(paused)")
    time.sleep(0.6)
    again = client.get(f"{REPLAY}/{rid}", headers=alice).json()
    assert again["replay_time"] == paused["replay_time"]  # frozen while paused
    sought = client.post(f"{REPLAY}/{rid}/seek", json={"time": "14:05"}, headers=alice)
    assert sought.status_code == 200, sought.text
    assert sought.json()["replay_time_ist"] == "14:05:00"
    quote = _quote(client, alice, rid)
    assert _ts(quote) == datetime.fromisoformat(sought.json()["replay_time"].replace("Z", "+00:00"))
    bad = client.post(f"{REPLAY}/{rid}/seek", json={"time": "25:00"}, headers=alice)
    assert bad.status_code == 422 and "not a time" in bad.json()["detail"]
    faster = client.post(f"{REPLAY}/{rid}/speed", json={"speed": 60}, headers=alice).json()
    assert faster["speed"] == 60 and faster["status"] == "paused"
    running = client.post(f"{REPLAY}/{rid}/resume", headers=alice).json()
    assert running["status"] == "running"
    assert client.delete(f"{REPLAY}/{rid}", headers=alice).status_code == 204
    assert client.get(f"{REPLAY}/{rid}", headers=alice).status_code == 404


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"date": _india_today().isoformat()}, "finished session"),
        ({"date": (_india_today() + timedelta(days=3)).isoformat()}, "finished session"),
        ({"date": "2026-11-28"}, "no session"),  # a Saturday
        ({"date": "1999-01-04"}, "no session"),  # before the history
        ({"date": "2026-11-24"}, "no session"),  # Guru Nanak Jayanti, an exchange holiday
        ({"date": "2026-11-27", "speed": 7}, ""),
        ({"date": "27/11/2026"}, ""),
    ],
)
def test_bad_requests_are_refused_clearly(client, alice, body, words):
    r = client.post(REPLAY, json=body, headers=alice)
    assert r.status_code == 422, r.text
    assert words in str(r.json()["detail"])
    assert client.get(REPLAY, headers=alice).json() == []  # nothing half-created


def test_a_user_runs_at_most_three_replays(client, alice, sessions):
    day = sessions[0].isoformat()
    for _ in range(3):
        _start(client, alice, date=day)
    r = client.post(REPLAY, json={"date": day}, headers=alice)
    assert r.status_code == 409 and "at most 3" in r.json()["detail"]


def _wait_order(client, headers, order_id: int, seconds: float = 10.0) -> dict:
    deadline = time.time() + seconds
    while True:
        order = client.get(f"/api/v1/paper/orders/{order_id}", headers=headers).json()
        if order["status"] != "open" or time.time() > deadline:
            return order
        time.sleep(0.1)


def test_paper_orders_inside_a_replay_fill_on_its_prices_in_its_own_book(
    client, alice, bob, sessions
):
    day = sessions[3]
    rid = _start(client, alice, date=day.isoformat(), speed=60)["id"]
    book = {"replay": rid}
    quote = _quote(client, alice, rid, "INFY")
    limit = round(quote["current_price"] * 1.01, 1)  # marketable: fills at the replayed market
    r = client.post(
        "/api/v1/paper/orders",
        params=book,
        json={
            "symbol": "INFY",
            "side": "buy",
            "quantity": 4,
            "order_type": "limit",
            "price": limit,
        },
        headers=alice,
    )
    assert r.status_code == 201, r.text
    assert r.json()["book"] == rid
    order = _wait_order(client, alice, r.json()["id"])
    assert order["status"] == "executed", order
    filled_at = datetime.fromisoformat(order["filled_at"].replace("Z", "+00:00")).astimezone(IST)
    assert filled_at.date() == day  # filled in the replayed session, on its clock
    assert order["fill_price"] <= limit
    # the replay's book holds it; the live book and its funds are untouched
    replay_book = client.get("/api/v1/paper/portfolio", params=book, headers=alice).json()
    assert [(h["symbol"], h["quantity"]) for h in replay_book["holdings"]] == [("INFY", 4)]
    assert replay_book["funds"]["cash"] < replay_book["funds"]["opening_balance"]
    live_book = client.get("/api/v1/paper/portfolio", headers=alice).json()
    assert live_book["holdings"] == [] and live_book["funds"]["cash"] == 1_000_000.0
    assert client.get("/api/v1/paper/orders", headers=alice).json() == []
    assert [
        o["id"] for o in client.get("/api/v1/paper/orders", params=book, headers=alice).json()
    ] == [order["id"]]
    # another user cannot trade in, or read, this replay's book
    for path in ("/api/v1/paper/orders", "/api/v1/paper/funds", "/api/v1/paper/portfolio"):
        assert client.get(path, params=book, headers=bob).status_code == 404
    r = client.post(
        "/api/v1/paper/orders",
        params=book,
        json={"symbol": "INFY", "side": "buy", "quantity": 1},
        headers=bob,
    )
    assert r.status_code == 404


async def test_ws_streams_a_replay_to_its_owner_only(client, api_server, sessions):
    token, headers = register_and_login(client)
    other_token, _ = register_and_login(client)
    day = sessions[2]
    rid = _start(client, headers, date=day.isoformat(), speed=60)["id"]
    url = api_server.replace("http://", "ws://") + "/ws"
    async with websockets.connect(f"{url}?token={token}&replay={rid}") as ws:
        await ws.send(json.dumps({"action": "subscribe", "symbols": ["RELIANCE"]}))
        stamps = []
        while len(stamps) < 3:  # the snapshot, then two replayed ticks
            msg = await recv_until(ws, lambda m: m.get("type") == "price_update")
            stamps.append(datetime.fromisoformat(msg["timestamp"].replace("Z", "+00:00")))
        assert all(t.astimezone(IST).date() == day for t in stamps)
        assert stamps[-1] > stamps[0]  # the replay's clock moves, a minute per second
    for who, rid_ in ((other_token, rid), (token, "f" * 32)):
        async with websockets.connect(f"{url}?token={who}&replay={rid_}") as ws:
            assert await closed_code(ws) == 1008
