"""Watchlists CRUD with live quotes; other users' watchlists answer 404."""

from __future__ import annotations

from tests.api.conftest import register_and_login


def test_crud_with_live_quotes(client, user):
    _, h = user
    lists = client.get("/api/v1/watchlists", headers=h).json()
    assert isinstance(lists, list) and lists[0]["name"] == "My Watchlist"
    r = client.post("/api/v1/watchlists", json={"name": "Banks"}, headers=h)
    assert r.status_code == 201
    wid = r.json()["id"]
    assert client.post("/api/v1/watchlists", json={"name": "Banks"}, headers=h).status_code == 409
    for sym in ("HDFCBANK", "ICICIBANK", "HDFCBANK"):
        r = client.post(
            f"/api/v1/watchlists/{wid}/items",
            json={"symbol": sym, "market": "india_nse"},
            headers=h,
        )
        assert r.status_code == 201
    body = client.get(f"/api/v1/watchlists/{wid}", headers=h).json()
    assert [i["symbol"] for i in body["items"]] == ["HDFCBANK", "ICICIBANK"]
    assert all(i["quote"]["current_price"] > 0 for i in body["items"])
    r = client.post(f"/api/v1/watchlists/{wid}/items", json={"symbol": "ZZZZ"}, headers=h)
    assert r.status_code == 422
    r = client.patch(f"/api/v1/watchlists/{wid}", json={"name": "PSU & Private Banks"}, headers=h)
    assert r.json()["name"] == "PSU & Private Banks"
    r = client.delete(f"/api/v1/watchlists/{wid}/items/ICICIBANK", headers=h)
    assert [i["symbol"] for i in r.json()["items"]] == ["HDFCBANK"]
    assert client.delete(f"/api/v1/watchlists/{wid}/items/ICICIBANK", headers=h).status_code == 404
    assert client.delete(f"/api/v1/watchlists/{wid}", headers=h).status_code == 204
    assert client.get(f"/api/v1/watchlists/{wid}", headers=h).status_code == 404


def test_other_users_watchlists_are_404(client, user):
    _, alice = user
    _, bob = register_and_login(client)
    wid = client.post("/api/v1/watchlists", json={"name": "Private"}, headers=alice).json()["id"]
    assert client.get(f"/api/v1/watchlists/{wid}", headers=bob).status_code == 404
    assert (
        client.patch(f"/api/v1/watchlists/{wid}", json={"name": "x"}, headers=bob).status_code
        == 404
    )
    assert client.delete(f"/api/v1/watchlists/{wid}", headers=bob).status_code == 404
    r = client.post(f"/api/v1/watchlists/{wid}/items", json={"symbol": "TCS"}, headers=bob)
    assert r.status_code == 404
    assert client.delete(f"/api/v1/watchlists/{wid}/items/TCS", headers=bob).status_code == 404
    assert wid not in [w["id"] for w in client.get("/api/v1/watchlists", headers=bob).json()]
    assert client.get(f"/api/v1/watchlists/{wid}", headers=alice).status_code == 200


def test_requires_auth_and_validates(client, user):
    assert client.get("/api/v1/watchlists").status_code == 401
    _, h = user
    assert client.post("/api/v1/watchlists", json={"name": ""}, headers=h).status_code == 422
    assert client.post("/api/v1/watchlists", json={"name": "   "}, headers=h).status_code == 422
    assert client.get("/api/v1/watchlists/abc", headers=h).status_code == 422


def test_concurrent_adds_lose_nothing(client, user):
    import concurrent.futures as cf

    import httpx

    _, h = user
    wid = client.post("/api/v1/watchlists", json={"name": "Race"}, headers=h).json()["id"]
    symbols = ["TCS", "INFY", "WIPRO", "HCLTECH", "TECHM", "LTIM", "SBIN", "ITC"]

    def add(sym):
        with httpx.Client(base_url=str(client.base_url), timeout=10) as c:
            return c.post(
                f"/api/v1/watchlists/{wid}/items", json={"symbol": sym}, headers=h
            ).status_code

    with cf.ThreadPoolExecutor(8) as pool:
        assert set(pool.map(add, symbols)) == {201}
    items = client.get(f"/api/v1/watchlists/{wid}", headers=h).json()["items"]
    assert sorted(i["symbol"] for i in items) == sorted(symbols)
