"""The screener and saved screens through the real HTTP API (simulated market)."""

from __future__ import annotations

import pytest

from tests.api.conftest import register_and_login

URL = "/api/v1/screener"


def _screen(client, **params) -> dict:
    r = client.get(URL, params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == len(body["results"])
    return body


@pytest.fixture(scope="module")
def everything(api_server) -> dict:
    import httpx

    with httpx.Client(base_url=api_server, timeout=30) as c:
        r = c.get(URL)
        assert r.status_code == 200, r.text
        return r.json()


def test_unfiltered_lists_every_nse_equity_with_history_facts(client, everything):
    equities = client.get("/api/v1/market/sectors").json()["sectors"]
    n_members = sum(len(s["members"]) for s in equities)
    assert everything["total"] == everything["count"] == n_members > 100
    rows = everything["results"]
    with_rsi = [r for r in rows if r["rsi14"] is not None]
    assert len(with_rsi) == len(rows)
    assert all(0 <= r["rsi14"] <= 100 for r in rows)
    assert all(r["pct_from_52w_high"] >= 0 and r["pct_from_52w_low"] >= 0 for r in rows)
    assert all(r["avg_volume_20d"] > 0 for r in rows)
    assert all(abs(r["market_cap_cr"] * 1e7 - r["market_cap"]) < 1e5 for r in rows)


def test_rsi_price_and_sector_filters_narrow_the_set(client, everything):
    rows = everything["results"]
    rsis = sorted(r["rsi14"] for r in rows)
    cut = rsis[len(rsis) // 2]
    body = _screen(client, rsi_max=cut)
    assert 0 < body["count"] < everything["count"]
    assert all(r["rsi14"] <= cut + 1.0 for r in body["results"])  # prices move between calls

    body = _screen(client, price_min=1000, price_max=3000)
    assert 0 < body["count"] < everything["count"]
    assert all(900 <= r["price"] <= 3300 for r in body["results"])

    sector = rows[0]["sector"]
    body = _screen(client, sector=sector.upper())
    expected = {r["symbol"] for r in rows if r["sector"] == sector}
    assert {r["symbol"] for r in body["results"]} == expected
    assert all(r["sector"] == sector for r in body["results"])

    two = sorted({r["sector"] for r in rows})[:2]
    body = _screen(client, sector=two)
    assert {r["sector"] for r in body["results"]} == set(two)


def test_market_cap_in_crore_pe_and_near_high(client, everything):
    caps = sorted(r["market_cap_cr"] for r in everything["results"])
    floor = caps[int(len(caps) * 0.75)]
    body = _screen(client, mcap_min_cr=floor)
    assert 0 < body["count"] < everything["count"]
    assert all(r["market_cap_cr"] >= floor * 0.9 for r in body["results"])

    body = _screen(client, pe_min=10, pe_max=30)
    assert all(r["pe"] is not None and 9 <= r["pe"] <= 33 for r in body["results"])

    body = _screen(client, near_high_pct=10)
    assert all(r["pct_from_52w_high"] <= 11 for r in body["results"])


def test_sort_desc_and_limit(client):
    body = _screen(client, sort="change", desc="true", limit=5)
    assert body["count"] == 5 and body["total"] > 5
    changes = [r["change_pct"] for r in body["results"]]
    assert changes == sorted(changes, reverse=True)
    assert [r["change_percent"] for r in body["results"]] == changes, "the same under both names"
    for name in ("change_pct", "change_percent"):  # the earlier field name still sorts
        again = _screen(client, sort=name, desc="true", limit=5)
        assert [r["change_percent"] for r in again["results"]] == sorted(
            (r["change_percent"] for r in again["results"]), reverse=True
        )


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"price_min": 500, "price_max": 100}, "Price: minimum (500) is greater than maximum"),
        ({"rsi_min": 80, "rsi_max": 20}, "RSI: minimum"),
        ({"rsi_max": 140}, "at most 100"),
        ({"mcap_min_cr": 5000, "mcap_max_cr": 10}, "Market cap"),
        ({"sector": "Basket Weaving"}, "Unknown sector"),
        ({"sort": "colour"}, "Cannot sort by"),
    ],
)
def test_invalid_filters_are_422_with_a_clear_detail(client, params, fragment):
    r = client.get(URL, params=params)
    assert r.status_code == 422
    assert fragment in r.json()["detail"]


def test_non_numeric_filter_is_422(client):
    assert client.get(URL, params={"price_min": "cheap"}).status_code == 422


def test_saved_screens_crud_and_isolation(client):
    _, alice = register_and_login(client)
    _, bob = register_and_login(client)
    assert client.get("/api/v1/screens").status_code == 401

    body = {
        "name": "Oversold IT",
        "criteria": {"rsi_max": 35, "sectors": ["Information Technology"]},
    }
    r = client.post("/api/v1/screens", json=body, headers=alice)
    assert r.status_code == 201, r.text
    screen = r.json()
    assert screen["name"] == "Oversold IT"
    assert screen["criteria"]["rsi_max"] == 35
    assert screen["criteria"]["sectors"] == ["Information Technology"]

    assert client.post("/api/v1/screens", json=body, headers=alice).status_code == 409
    bad = {"name": "Bad", "criteria": {"rsi_min": 70, "rsi_max": 30}}
    r = client.post("/api/v1/screens", json=bad, headers=alice)
    assert r.status_code == 422 and "rsi_min" in r.json()["detail"]
    r = client.post("/api/v1/screens", json={"name": "X", "criteria": {"color": 1}}, headers=alice)
    assert r.status_code == 422

    listed = client.get("/api/v1/screens", headers=alice).json()
    assert [s["id"] for s in listed] == [screen["id"]]
    got = client.get(f"/api/v1/screens/{screen['id']}", headers=alice).json()
    assert got == screen

    results = client.get(f"/api/v1/screens/{screen['id']}/results", headers=alice).json()
    assert all(r["sector"] == "Information Technology" for r in results["results"])
    assert all(r["rsi14"] <= 36 for r in results["results"])

    # another user's screen does not exist for them
    assert client.get("/api/v1/screens", headers=bob).json() == []
    assert client.get(f"/api/v1/screens/{screen['id']}", headers=bob).status_code == 404
    assert client.get(f"/api/v1/screens/{screen['id']}/results", headers=bob).status_code == 404
    assert client.delete(f"/api/v1/screens/{screen['id']}", headers=bob).status_code == 404

    assert client.delete(f"/api/v1/screens/{screen['id']}", headers=alice).status_code == 204
    assert client.get(f"/api/v1/screens/{screen['id']}", headers=alice).status_code == 404
    assert client.get("/api/v1/screens", headers=alice).json() == []
