"""Alerts REST, ownership, and firing end to end through the running server (engine + webhook)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from tests.api.conftest import register_and_login


def _price(client, symbol: str = "RELIANCE") -> float:
    r = client.get("/api/v1/quotes", params={"symbols": symbol})
    assert r.status_code == 200, r.text
    return r.json()["quotes"][0]["current_price"]


def _wait_events(client, headers, count: int = 1, seconds: float = 8.0) -> list[dict]:
    deadline = time.time() + seconds
    while time.time() < deadline:
        events = client.get("/api/v1/alerts/events", headers=headers).json()
        if len(events) >= count:
            return events
        time.sleep(0.1)
    return client.get("/api/v1/alerts/events", headers=headers).json()


def test_crud_and_ownership(client, user):
    _, headers = user
    body = {"symbol": "tcs", "condition": "price_below", "value": 1.0, "repeat": True}
    r = client.post("/api/v1/alerts", json=body, headers=headers)
    assert r.status_code == 201, r.text
    alert = r.json()
    assert alert["symbol"] == "TCS" and alert["market"] == "india_nse"
    assert alert["active"] and alert["armed"] and alert["repeat"]
    assert client.get(f"/api/v1/alerts/{alert['id']}", headers=headers).json() == alert
    assert [a["id"] for a in client.get("/api/v1/alerts", headers=headers).json()] == [alert["id"]]

    _, other = register_and_login(client)
    assert client.get(f"/api/v1/alerts/{alert['id']}", headers=other).status_code == 404
    assert client.delete(f"/api/v1/alerts/{alert['id']}", headers=other).status_code == 404
    assert client.get("/api/v1/alerts", headers=other).json() == []
    assert client.get("/api/v1/alerts", headers={}).status_code == 401

    assert client.delete(f"/api/v1/alerts/{alert['id']}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/alerts/{alert['id']}", headers=headers).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"symbol": "NOSUCH", "condition": "price_above", "value": 10},
        {"symbol": "TCS", "condition": "price_sideways", "value": 10},
        {"symbol": "TCS", "condition": "price_above", "value": -3},
        {"symbol": "TCS", "condition": "price_above", "value": "abc"},
        {"symbol": "TCS", "market": "nasdaq", "condition": "price_above", "value": 10},
    ],
)
def test_validation(client, user, body):
    r = client.post("/api/v1/alerts", json=body, headers=user[1])
    assert r.status_code == 422, r.text


def test_non_finite_value_is_rejected(client, user):
    raw = '{"symbol": "TCS", "condition": "price_above", "value": NaN}'
    headers = {**user[1], "Content-Type": "application/json"}
    assert client.post("/api/v1/alerts", content=raw, headers=headers).status_code == 422


def test_one_shot_alert_fires_once_and_events_are_private(client, user):
    _, headers = user
    _, other = register_and_login(client)
    price = _price(client)
    body = {"symbol": "RELIANCE", "condition": "price_above", "value": round(price * 0.9, 2)}
    alert = client.post("/api/v1/alerts", json=body, headers=headers).json()
    events = _wait_events(client, headers)
    assert len(events) == 1, events
    event = events[0]
    assert event["alert_id"] == alert["id"] and event["symbol"] == "RELIANCE"
    assert event["message"].startswith("RELIANCE rose above ₹") and event["price"] > body["value"]
    assert event["triggered_at"].endswith("Z")
    time.sleep(1.0)  # several more ticks with the condition still true
    assert len(client.get("/api/v1/alerts/events", headers=headers).json()) == 1
    after = client.get(f"/api/v1/alerts/{alert['id']}", headers=headers).json()
    assert after["active"] is False and after["last_triggered_at"]
    assert client.get("/api/v1/alerts/events", headers=other).json() == []


def test_repeating_alert_stays_active(client, user):
    _, headers = user
    body = {"symbol": "INFY", "condition": "change_pct_above", "value": -100, "repeat": True}
    alert = client.post("/api/v1/alerts", json=body, headers=headers).json()
    events = _wait_events(client, headers)
    assert len(events) == 1
    time.sleep(0.8)  # never stops holding, so it never re-arms
    assert len(client.get("/api/v1/alerts/events", headers=headers).json()) == 1
    after = client.get(f"/api/v1/alerts/{alert['id']}", headers=headers).json()
    assert after["active"] is True and after["armed"] is False


class _Receiver(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        self.received.append(
            {"body": json.loads(self.rfile.read(length)), "type": self.headers["Content-Type"]}
        )
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_args):
        pass


def test_webhook_receives_the_fired_alert(client, user, monkeypatch):
    from stockapp.settings import get_settings

    # the receiver listens on loopback: a self-hosted setup that allows private targets
    monkeypatch.setattr(get_settings(), "webhook_allow_private", True)
    _, headers = user
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/hook"
        assert client.get("/api/v1/alerts/webhook", headers=headers).json() == {"webhook_url": None}
        r = client.put("/api/v1/alerts/webhook", json={"webhook_url": url}, headers=headers)
        assert r.status_code == 200 and r.json()["webhook_url"] == url
        bad = client.put("/api/v1/alerts/webhook", json={"webhook_url": "ftp://x"}, headers=headers)
        assert bad.status_code == 422
        price = _price(client, "TCS")
        body = {"symbol": "TCS", "condition": "price_below", "value": round(price * 1.1, 2)}
        alert = client.post("/api/v1/alerts", json=body, headers=headers).json()
        deadline = time.time() + 8
        while not _Receiver.received and time.time() < deadline:
            time.sleep(0.05)
        assert _Receiver.received, "the webhook was not called"
        got = _Receiver.received[0]
        assert got["type"].startswith("application/json")
        assert got["body"]["alert_id"] == alert["id"] and got["body"]["symbol"] == "TCS"
        assert "fell below" in got["body"]["message"] and "user_id" not in got["body"]
        deadline = time.time() + 5
        while time.time() < deadline:
            events = client.get("/api/v1/alerts/events", headers=headers).json()
            if events and events[0]["webhook_status"]:
                break
            time.sleep(0.1)
        assert events[0]["webhook_status"] == "200"
    finally:
        server.shutdown()
        server.server_close()
