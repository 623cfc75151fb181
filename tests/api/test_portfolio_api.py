"""Portfolio through the real HTTP API: FIFO holdings, live valuation, CSV import/export."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import register_and_login

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "portfolio"
BASE = "/api/v1/portfolio"


def _trade(symbol: str, side: str, qty: int, price: float, day: int, **extra) -> dict:
    when = datetime(2024, 3, 1, 5, 0, tzinfo=UTC) + timedelta(days=day)
    return {
        "symbol": symbol,
        "market": "india_nse",
        "side": side,
        "quantity": qty,
        "price": price,
        "traded_at": when.isoformat().replace("+00:00", "Z"),
        "fees": 0,
        **extra,
    }


def _add(client: httpx.Client, headers: dict, body: dict, expect: int = 201) -> dict:
    r = client.post(f"{BASE}/trades", json=body, headers=headers)
    assert r.status_code == expect, r.text
    return r.json()


def _upload(client: httpx.Client, headers: dict, data: bytes, name: str = "trades.csv"):
    return client.post(
        f"{BASE}/import", files={"file": (name, data, "text/csv")}, headers=headers, timeout=60
    )


def _count(client: httpx.Client, headers: dict) -> int:
    r = client.get(f"{BASE}/trades", headers=headers)
    assert r.status_code == 200
    return len(r.json())


def _holding(body: dict, symbol: str) -> dict:
    return next(h for h in body["holdings"] if h["symbol"] == symbol)


@pytest.fixture
def auth(client) -> dict:
    return register_and_login(client)[1]


def test_fifo_holdings_realized_pnl_and_trade_list(client, auth):
    _add(client, auth, _trade("RELIANCE", "buy", 10, 100, 0, fees=10))
    _add(client, auth, _trade("RELIANCE", "buy", 5, 120, 1))
    sold = _add(client, auth, _trade("RELIANCE", "sell", 12, 130, 2, fees=5, note="trim"))
    assert sold["side"] == "sell" and sold["quantity"] == 12 and sold["note"] == "trim"
    assert sold["traded_at"] == "2024-03-03T05:00:00.000Z"

    body = client.get(BASE, headers=auth).json()
    rel = _holding(body, "RELIANCE")
    # FIFO: the sell takes all 10 of the first lot and 2 of the second; 3 @ 120 remain
    assert rel["quantity"] == 3
    assert rel["avg_cost"] == 120.0 and rel["invested"] == 360.0
    # 12 x 130 - 5 - (10 x 100 + 10 + 2 x 120)
    assert body["totals"]["realized_pnl"] == 305.0

    listed = client.get(f"{BASE}/trades", headers=auth).json()
    assert [t["side"] for t in listed] == ["sell", "buy", "buy"]  # newest first
    assert listed[0]["id"] == sold["id"]


def test_oversell_is_422_naming_the_shortfall(client, auth):
    _add(client, auth, _trade("TCS", "buy", 4, 3500, 0))
    r = client.post(f"{BASE}/trades", json=_trade("TCS", "sell", 10, 3600, 1), headers=auth)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert "Cannot sell 10 TCS" in detail and "only 4 held" in detail
    # a sell dated before the buy has nothing to sell at that time
    r = client.post(f"{BASE}/trades", json=_trade("TCS", "sell", 1, 3600, -3), headers=auth)
    assert r.status_code == 422 and "only 0 held" in r.json()["detail"]
    assert _count(client, auth) == 1


def test_bad_trade_bodies_are_422(client, auth):
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    cases = [
        _trade("NOSUCHCO", "buy", 1, 10, 0),
        _trade("NIFTY 50", "buy", 1, 10, 0),
        {**_trade("TCS", "buy", 1, 10, 0), "traded_at": future},
        _trade("TCS", "buy", 0, 10, 0),
        _trade("TCS", "buy", -3, 10, 0),
        _trade("TCS", "buy", 1, 0, 0),
        _trade("TCS", "hold", 1, 10, 0),
        {**_trade("TCS", "buy", 1, 10, 0), "market": "nasdaq"},
        {**_trade("TCS", "buy", 1, 10, 0), "fees": -1},
    ]
    for body in cases:
        r = client.post(f"{BASE}/trades", json=body, headers=auth)
        assert r.status_code == 422, (body, r.text)
    assert (
        "Unknown symbol"
        in client.post(f"{BASE}/trades", json=cases[0], headers=auth).json()["detail"]
    )
    assert "future" in client.post(f"{BASE}/trades", json=cases[2], headers=auth).json()["detail"]
    assert _count(client, auth) == 0


def test_deleting_a_buy_a_later_sell_needs_is_refused(client, auth):
    buy = _add(client, auth, _trade("INFY", "buy", 10, 1500, 0))
    sell = _add(client, auth, _trade("INFY", "sell", 6, 1550, 3))
    r = client.delete(f"{BASE}/trades/{buy['id']}", headers=auth)
    assert r.status_code == 422 and "Cannot sell 6 INFY" in r.json()["detail"]
    # an edit that shrinks the buy below the later sell is refused the same way
    r = client.patch(
        f"{BASE}/trades/{buy['id']}", json=_trade("INFY", "buy", 5, 1500, 0), headers=auth
    )
    assert r.status_code == 422 and "only 5 held" in r.json()["detail"]
    r = client.patch(
        f"{BASE}/trades/{buy['id']}", json=_trade("INFY", "buy", 8, 1490, 0), headers=auth
    )
    assert r.status_code == 200 and r.json()["quantity"] == 8 and r.json()["price"] == 1490
    assert client.delete(f"{BASE}/trades/{sell['id']}", headers=auth).status_code == 204
    assert client.delete(f"{BASE}/trades/{buy['id']}", headers=auth).status_code == 204
    assert _count(client, auth) == 0


def test_totals_are_sums_and_market_value_uses_live_prices(client, auth):
    _add(client, auth, _trade("RELIANCE", "buy", 7, 1400, 0, fees=12.5))
    _add(client, auth, _trade("HDFCBANK", "buy", 11, 1500, 1, fees=3))
    _add(client, auth, _trade("ITC", "buy", 40, 400, 2))
    _add(client, auth, _trade("ITC", "sell", 15, 420, 5, fees=2))
    body = client.get(BASE, headers=auth).json()
    quotes = client.get(
        "/api/v1/quotes", params={"symbols": "RELIANCE,HDFCBANK,ITC"}, headers=auth
    ).json()["quotes"]
    live = {q["symbol"]: q["current_price"] for q in quotes}

    holdings, totals = body["holdings"], body["totals"]
    assert {h["symbol"] for h in holdings} == {"RELIANCE", "HDFCBANK", "ITC"}
    for h in holdings:
        assert h["market_value"] == pytest.approx(h["quantity"] * h["current_price"], abs=0.01)
        assert h["unrealized_pnl"] == pytest.approx(h["market_value"] - h["invested"], abs=0.02)
        # the same live price as /quotes, give or take the ticks between the two calls
        assert h["current_price"] == pytest.approx(live[h["symbol"]], rel=0.02)
        assert h["current_price"] != h["avg_cost"]
    for field in ("invested", "market_value", "unrealized_pnl", "day_pnl"):
        assert totals[field] == pytest.approx(sum(h[field] for h in holdings), abs=0.03), field
    assert totals["realized_pnl"] == pytest.approx(15 * 20 - 2)
    assert totals["xirr"] is None or isinstance(totals["xirr"], float)
    assert _holding(body, "ITC")["quantity"] == 25


def test_zerodha_import_then_reimport_skips_everything(client, auth):
    data = (FIXTURES / "zerodha_tradebook.csv").read_bytes()
    r = _upload(client, auth, data, "tradebook-2024.csv")
    assert r.status_code == 200, r.text
    assert r.json() == {"imported": 15, "skipped_duplicates": 0}
    body = client.get(BASE, headers=auth).json()
    assert _holding(body, "RELIANCE")["quantity"] == 8  # 10 + 4 - 6
    assert _holding(body, "HDFCBANK")["quantity"] == 12
    assert "INFY" not in {h["symbol"] for h in body["holdings"]}  # fully sold on BSE

    r = _upload(client, auth, data, "tradebook-2024.csv")
    assert r.json() == {"imported": 0, "skipped_duplicates": 15}
    assert _count(client, auth) == 15


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("bad_row.csv", "Row 4, quantity"),
        ("oversell.csv", "Row 5, quantity: Cannot sell 9 WIPRO on 2024-04-03: only 6 held"),
    ],
)
def test_bad_file_is_422_naming_the_row_and_writes_nothing(client, auth, fixture, expected):
    _add(client, auth, _trade("SBIN", "buy", 3, 700, 0))
    r = _upload(client, auth, (FIXTURES / fixture).read_bytes(), fixture)
    assert r.status_code == 422
    assert expected in r.json()["detail"]
    assert _count(client, auth) == 1


def test_import_of_unknown_symbol_names_the_row(client, auth):
    data = b"date,symbol,side,quantity,price\n2024-01-02,TCS,buy,1,3500\n2024-01-03,ZZZQ,buy,1,9\n"
    r = _upload(client, auth, data)
    assert r.status_code == 422 and r.json()["detail"].startswith("Row 3, symbol")
    assert _count(client, auth) == 0


def _generated_book(rows: int) -> bytes:
    symbols = ["RELIANCE", "TCS", "INFY", "ITC", "SBIN", "HDFCBANK", "WIPRO", "LT"]
    start = datetime(2020, 1, 1, 4, 0, tzinfo=UTC)
    lines = ["date,symbol,exchange,side,quantity,price,fees,trade_id"]
    for i in range(rows):
        side = "sell" if i % 3 == 2 else "buy"  # sells of 5 after two buys of 10
        qty = 5 if side == "sell" else 10
        when = (start + timedelta(minutes=7 * i)).isoformat()
        price = f"{100 + (i % 97) * 1.05:.2f}"
        lines.append(f"{when},{symbols[(i // 3) % 8]},NSE,{side},{qty},{price},1.25,GEN-{i:06d}")
    return ("\n".join(lines) + "\n").encode()


def test_ten_thousand_row_import(client, auth):
    data = _generated_book(10_000)
    started = time.perf_counter()
    r = _upload(client, auth, data, "big.csv")
    elapsed = time.perf_counter() - started
    print(f"\nimported 10,000 trades ({len(data) / 1024:.0f} KB) in {elapsed:.2f} s")
    assert r.status_code == 200, r.text
    assert r.json() == {"imported": 10_000, "skipped_duplicates": 0}
    assert _count(client, auth) == 10_000
    body = client.get(BASE, headers=auth).json()
    assert sum(h["quantity"] for h in body["holdings"]) == 3334 * 10 + 3333 * 10 - 3333 * 5


def test_oversize_file_is_413(client, auth):
    from stockapp.settings import get_settings

    data = b"date,symbol,side,quantity,price\n" + b"x" * get_settings().import_max_bytes
    r = _upload(client, auth, data, "huge.csv")
    assert r.status_code == 413
    assert _count(client, auth) == 0


def test_export_reimports_as_all_duplicates(client, auth):
    r = _upload(client, auth, (FIXTURES / "generic_trades.csv").read_bytes(), "generic.csv")
    assert r.status_code == 200 and r.json()["imported"] == 12
    _add(client, auth, _trade("LT", "buy", 2, 3400, 200, note="=SUM(A1)"))
    _add(client, auth, _trade("LT", "buy", 2, 3400, 200))  # an identical second fill
    r = client.get(f"{BASE}/export.csv", headers=auth)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    text = r.text
    assert text.splitlines()[0].startswith("date,symbol,market,side,quantity,price")
    assert len(text.strip().splitlines()) == 15

    r = _upload(client, auth, text.encode(), "trades.csv")
    assert r.json() == {"imported": 0, "skipped_duplicates": 14}
    assert _count(client, auth) == 14
    notes = {t["note"] for t in client.get(f"{BASE}/trades", headers=auth).json()}
    assert "=SUM(A1)" in notes

    # and into a fresh account it rebuilds the same holdings
    other = register_and_login(client)[1]
    assert _upload(client, other, text.encode()).json() == {"imported": 14, "skipped_duplicates": 0}
    mine = {h["symbol"]: h["quantity"] for h in client.get(BASE, headers=auth).json()["holdings"]}
    theirs = {
        h["symbol"]: h["quantity"] for h in client.get(BASE, headers=other).json()["holdings"]
    }
    assert mine == theirs and mine["LT"] == 4


def test_holdings_csv_has_rows_and_total(client, auth):
    _add(client, auth, _trade("TCS", "buy", 2, 3500, 0))
    r = client.get(f"{BASE}/holdings.csv", headers=auth)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = r.text.strip().splitlines()
    assert lines[1].startswith("TCS,NSE,2,3500.00,7000.00,")
    assert lines[-1].startswith("TOTAL,")


def test_other_users_trades_are_invisible(client, auth):
    mine = _add(client, auth, _trade("ITC", "buy", 5, 420, 0))
    other = register_and_login(client)[1]
    theirs = _add(client, other, _trade("SBIN", "buy", 9, 750, 0))

    assert [t["id"] for t in client.get(f"{BASE}/trades", headers=auth).json()] == [mine["id"]]
    assert [t["id"] for t in client.get(f"{BASE}/trades", headers=other).json()] == [theirs["id"]]
    body = _trade("SBIN", "buy", 1, 1, 0)
    assert client.patch(f"{BASE}/trades/{theirs['id']}", json=body, headers=auth).status_code == 404
    assert client.delete(f"{BASE}/trades/{theirs['id']}", headers=auth).status_code == 404
    assert client.get(f"{BASE}/trades/{theirs['id']}", headers=auth).status_code == 404
    assert client.delete(f"{BASE}/trades/999999999", headers=auth).status_code == 404
    assert [h["symbol"] for h in client.get(BASE, headers=other).json()["holdings"]] == ["SBIN"]
    assert _count(client, other) == 1


def test_portfolio_routes_need_a_token(client):
    assert client.get(BASE).status_code == 401
    assert client.get(f"{BASE}/trades").status_code == 401
    assert client.get(f"{BASE}/export.csv").status_code == 401
    assert _upload(client, {}, b"x").status_code == 401


def test_openapi_documents_the_portfolio(client):
    doc = client.get("/api/v1/openapi.json").json()
    paths = doc["paths"]
    assert {"get"} <= set(paths[BASE]) and {"get", "post"} <= set(paths[f"{BASE}/trades"])
    assert {"patch", "delete"} <= set(paths[f"{BASE}/trades/{{trade_id}}"])
    assert "multipart/form-data" in paths[f"{BASE}/import"]["post"]["requestBody"]["content"]
    assert "text/csv" in paths[f"{BASE}/export.csv"]["get"]["responses"]["200"]["content"]
    holding = doc["components"]["schemas"]["HoldingOut"]["properties"]
    assert {"avg_cost", "market_value", "unrealized_pnl", "day_pnl"} <= set(holding)
