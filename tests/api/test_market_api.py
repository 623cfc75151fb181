"""Market-data routes through the real HTTP server with the simulated market."""

from __future__ import annotations

import math
import os
import re

from stockapp.market.calendar import clock_calendar_status
from stockapp.market.clock import app_now
from stockapp.settings import get_settings

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_quotes_contract_and_unknown(client):
    r = client.get(
        "/api/v1/quotes", params={"symbols": "RELIANCE,TCS,NOTREAL", "market": "india_nse"}
    )
    assert r.status_code == 200
    body = r.json()
    assert body["unknown"] == ["NOTREAL"]
    assert [q["symbol"] for q in body["quotes"]] == ["RELIANCE", "TCS"]
    for q in body["quotes"]:
        assert set(q) >= {
            "symbol",
            "market",
            "name",
            "current_price",
            "change",
            "change_percent",
            "open",
            "high",
            "low",
            "prev_close",
            "volume",
            "timestamp",
            "stale",
        }
        assert q["change"] == round(q["current_price"] - q["prev_close"], 2)
        assert q["change_percent"] == round(q["change"] / q["prev_close"] * 100, 2) or math.isclose(
            q["change_percent"],
            (q["current_price"] - q["prev_close"]) / q["prev_close"] * 100,
            abs_tol=0.01,
        )
        assert ISO_MS.match(q["timestamp"])
        assert q["low"] <= q["current_price"] <= q["high"]


def test_quotes_bad_input_is_4xx(client):
    assert client.get("/api/v1/quotes", params={"symbols": ""}).status_code == 422
    assert (
        client.get("/api/v1/quotes", params={"symbols": "TCS", "market": "nyse"}).status_code == 422
    )
    assert client.get("/api/v1/quotes").status_code == 422


def test_bse_and_index_quotes(client):
    r = client.get(
        "/api/v1/quotes", params={"symbols": "SENSEX,RELIANCE", "market": "india_bse"}
    ).json()
    assert {q["symbol"] for q in r["quotes"]} == {"SENSEX", "RELIANCE"}
    r = client.get("/api/v1/quotes", params={"symbols": "NIFTY 50"}).json()
    assert r["quotes"][0]["symbol"] == "NIFTY 50"


def test_search(client):
    r = client.get("/api/v1/stocks/search", params={"q": "reli"}).json()
    assert r["results"][0]["symbol"] == "RELIANCE"
    assert set(r["results"][0]) == {"symbol", "name", "market", "sector", "industry"}
    assert client.get("/api/v1/stocks/search", params={"q": ""}).status_code == 422


def test_search_ranks_indices_and_large_caps(client):
    """Once "nifty" found no index first and "tata" missed Tata Motors."""
    nifty = client.get("/api/v1/stocks/search", params={"q": "nifty", "limit": 3}).json()
    assert nifty["results"][0]["symbol"] == "NIFTY 50"
    tata = client.get("/api/v1/stocks/search", params={"q": "tata", "limit": 8}).json()
    assert "TMPV" in [r["symbol"] for r in tata["results"]]
    larsen = client.get("/api/v1/stocks/search", params={"q": "larsen"}).json()
    assert larsen["results"][0]["symbol"] == "LT"


def test_instrument_facts(client):
    r = client.get("/api/v1/stocks/RELIANCE")
    assert r.status_code == 200
    body = r.json()
    assert body["isin"].startswith("INE") and body["lot_size"] and body["market_cap"] > 1e12
    assert body["pe"] > 0 and body["week52_high"] >= body["week52_low"] > 0
    assert body["quote"]["symbol"] == "RELIANCE"
    assert client.get("/api/v1/stocks/NOPE").status_code == 404


def test_history_intraday_last_bar_is_live(client):
    r = client.get("/api/v1/stocks/TCS/history", params={"interval": "1m", "range": "1d"}).json()
    bars = r["bars"]
    assert bars and all(
        b["l"] <= min(b["o"], b["c"]) <= max(b["o"], b["c"]) <= b["h"] for b in bars
    )
    assert [b["t"] for b in bars] == sorted(b["t"] for b in bars)
    live = client.get("/api/v1/quotes", params={"symbols": "TCS"}).json()["quotes"][0][
        "current_price"
    ]
    last = client.get(
        "/api/v1/stocks/TCS/history", params={"interval": "1m", "range": "1d"}
    ).json()["bars"][-1]
    assert abs(last["c"] - live) / live < 0.01  # the same tick, or one tick apart


def test_history_ends_with_the_quoted_price(client):
    """One observation, one truth: the chart's last close is the price /quotes gives, not a
    simulator step the hub has not published yet."""

    def quoted() -> float:
        r = client.get("/api/v1/quotes", params={"symbols": "TCS"})
        return r.json()["quotes"][0]["current_price"]

    checked = 0
    for _ in range(40):
        before = quoted()
        last = client.get(
            "/api/v1/stocks/TCS/history", params={"interval": "1m", "range": "1d"}
        ).json()["bars"][-1]
        if quoted() != before:
            continue  # the hub published a newer tick meanwhile: nothing to compare
        assert last["c"] == before
        checked += 1
        if checked >= 5:
            break
    assert checked >= 5


def test_history_daily_five_years(client):
    bars = client.get(
        "/api/v1/stocks/INFY/history", params={"interval": "1d", "range": "5y"}
    ).json()["bars"]
    assert len(bars) > 1100
    bad = client.get("/api/v1/stocks/INFY/history", params={"interval": "7m", "range": "1d"})
    assert bad.status_code == 422


def test_indicators_shape_and_errors(client):
    r = client.get(
        "/api/v1/stocks/TCS/indicators",
        params={"interval": "1d", "range": "1y", "names": "sma:20,rsi:14,macd:12:26:9,bbands:20:2"},
    )
    assert r.status_code == 200
    body = r.json()
    n = len(body["t"])
    for k in (
        "sma_20",
        "rsi_14",
        "macd",
        "macd_signal",
        "macd_hist",
        "bb_upper",
        "bb_middle",
        "bb_lower",
    ):
        assert len(body[k]) == n
        assert body[k][0] is not None, f"{k} defined from the first bar (warm-up history used)"
    assert client.get("/api/v1/stocks/TCS/indicators", params={"names": "foo:3"}).status_code == 422


def test_market_status(client):
    body = client.get("/api/v1/market/status").json()
    assert body["status"] in {"open", "closed", "pre_open", "post_close"}
    assert body["simulated"] is True
    assert ISO_MS.match(body["next_open"]) and ISO_MS.match(body["next_close"])
    expected = clock_calendar_status(app_now())
    assert body["calendar_verified"] is expected.verified
    assert body["calendar_note"] == expected.note
    # the test server runs the default always-open simulation: its times are simulated
    assert body["hours"] == "always" and "simulated" in body["time_note"]


def test_indices_movers_sectors(client):
    idx = client.get("/api/v1/market/indices").json()["indices"]
    assert {"NIFTY 50", "SENSEX", "NIFTY BANK"} <= {i["symbol"] for i in idx}
    gainers = client.get("/api/v1/market/movers", params={"type": "gainers", "limit": 10}).json()[
        "movers"
    ]
    pct = [m["change_percent"] for m in gainers]
    assert pct == sorted(pct, reverse=True) and all(p > 0 for p in pct)
    active = client.get("/api/v1/market/movers", params={"type": "active", "limit": 5}).json()[
        "movers"
    ]
    assert [m["volume"] for m in active] == sorted((m["volume"] for m in active), reverse=True)
    assert client.get("/api/v1/market/movers", params={"type": "sideways"}).status_code == 422
    sectors = client.get("/api/v1/market/sectors").json()["sectors"]
    assert len(sectors) >= 10
    for s in sectors:
        assert s["advances"] + s["declines"] + s["unchanged"] == len(s["members"])


def test_peers_same_industry(client):
    body = client.get("/api/v1/stocks/HDFCBANK/peers").json()
    assert body["peers"] and all(p["symbol"] != "HDFCBANK" for p in body["peers"])
    assert body["peers"][0]["industry"] == client.get("/api/v1/stocks/HDFCBANK").json()["industry"]


def test_health_and_metrics(client):
    body = client.get("/api/v1/health").json()
    assert {k: body[k] for k in ("status", "db", "hub", "redis")} == {
        "status": "ok",
        "db": "ok",
        "hub": "ok",
        "redis": "disabled",
    }
    # which worker answered: one process, its own (in-memory) leader
    assert body["pid"] == os.getpid() and body["leader"] is True and body["draining"] is False
    text = client.get("/metrics").text
    assert "stockapp_hub_ticks_total" in text


def test_ready_when_prices_tick(client):
    r = client.get("/api/v1/health/ready")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ready"] is True and body["reasons"] == []
    # the hub's poll loop came round within three tick intervals
    assert 0 <= body["last_tick_age"] <= 3 * get_settings().tick_interval


def test_openapi_lists_routes(client):
    doc = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/quotes",
        "/api/v1/watchlists",
        "/api/v1/auth/token",
        "/api/v1/market/movers",
    ):
        assert path in doc["paths"]
    assert client.get("/api/docs").status_code == 200


def test_docs_assets_are_served_locally(client):
    """Offline, a CDN-hosted Swagger UI left /api/docs blank."""
    for page, asset in (
        ("/api/docs", "/api/docs-assets/swagger-ui-bundle.js"),
        ("/api/redoc", "/api/docs-assets/redoc.standalone.js"),
    ):
        html = client.get(page).text
        assert asset in html and "cdn.jsdelivr.net" not in html
        r = client.get(asset)
        assert r.status_code == 200 and len(r.content) > 100_000
    assert client.get("/api/docs-assets/swagger-ui.css").status_code == 200
