"""Paper trading end to end through the running server: orders placed over REST are
matched by the engine on the simulated market's ticks, land in the paper portfolio with
their charges, and bad input is answered 422 and recorded as a rejected order."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

import pytest

from tests.api.conftest import register_and_login

ORDERS = "/api/v1/paper/orders"


@pytest.fixture
def trader(client):
    return register_and_login(client)[1]


def _quote(client, symbol: str = "INFY") -> dict:
    r = client.get("/api/v1/quotes", params={"symbols": symbol})
    assert r.status_code == 200, r.text
    return r.json()["quotes"][0]


def _tick(price: float) -> Decimal:
    p = Decimal(str(price))
    for edge, tick in ((20000, "5"), (10000, "1"), (5000, "0.5"), (1000, "0.1"), (250, "0.05")):
        if p >= edge:
            return Decimal(tick)
    return Decimal("0.01")


def _on_grid(price: float) -> Decimal:
    """A price safely below the market, on the tick grid and inside the band."""
    p = Decimal(str(price)) * Decimal("0.97")
    tick = _tick(float(p))
    return (p / tick).to_integral_value() * tick


def _wait_status(client, headers, order_id: int, status: str, seconds: float = 10.0) -> dict:
    deadline = time.time() + seconds
    while time.time() < deadline:
        order = client.get(f"{ORDERS}/{order_id}", headers=headers).json()
        if order["status"] == status:
            return order
        time.sleep(0.1)
    return client.get(f"{ORDERS}/{order_id}", headers=headers).json()


def test_market_order_fills_on_a_tick_and_lands_in_the_paper_portfolio(client, trader):
    funds0 = client.get("/api/v1/paper/funds", headers=trader).json()
    assert funds0 == {
        "opening_balance": 1_000_000.0,
        "cash": 1_000_000.0,
        "blocked": 0.0,
        "available": 1_000_000.0,
    }
    r = client.post(ORDERS, json={"symbol": "infy", "side": "buy", "quantity": 5}, headers=trader)
    assert r.status_code == 201, r.text
    assert r.json()["status"] in ("open", "executed")
    order = _wait_status(client, trader, r.json()["id"], "executed")
    assert order["status"] == "executed", order
    price = Decimal(str(order["fill_price"]))
    assert price % _tick(float(price)) == 0  # on the tick grid
    trades = client.get("/api/v1/paper/trades", headers=trader).json()
    assert [(t["order_id"], t["quantity"]) for t in trades] == [(order["id"], 5)]
    charges = Decimal(str(trades[0]["charges"]))
    assert charges > 0
    funds = client.get("/api/v1/paper/funds", headers=trader).json()
    assert Decimal(str(funds["cash"])) == Decimal(1_000_000) - price * 5 - charges
    book = client.get("/api/v1/paper/portfolio", headers=trader).json()
    real = client.get("/api/v1/portfolio", headers=trader).json()
    assert set(book) == set(real) | {"funds"}
    assert set(book["totals"]) == set(real["totals"])
    # bought and valued on one day: no annual rate, and the totals say why (as the real book does)
    assert book["totals"]["xirr"] is None and book["totals"]["xirr_reason"], book["totals"]
    assert real["holdings"] == []  # the real book is untouched
    (holding,) = book["holdings"]
    assert set(holding) == {
        "symbol", "market", "name", "sector", "quantity", "avg_cost", "invested",
        "current_price", "prev_close", "market_value", "unrealized_pnl", "unrealized_pct",
        "day_pnl", "realized_pnl", "xirr", "xirr_reason",
    }  # fmt: skip
    assert (holding["symbol"], holding["quantity"]) == ("INFY", 5)
    assert Decimal(str(holding["invested"])) == price * 5 + charges  # charges are cost
    # sell what is held: the position closes and P&L is realized, net of both notes
    r = client.post(ORDERS, json={"symbol": "INFY", "side": "sell", "quantity": 5}, headers=trader)
    assert r.status_code == 201, r.text
    sold = _wait_status(client, trader, r.json()["id"], "executed")
    assert sold["status"] == "executed"
    trades = client.get("/api/v1/paper/trades", headers=trader).json()
    sell_price = Decimal(str(sold["fill_price"]))
    all_charges = sum(Decimal(str(t["charges"])) for t in trades)
    book = client.get("/api/v1/paper/portfolio", headers=trader).json()
    assert book["holdings"] == []
    expected = (sell_price - price) * 5 - all_charges
    assert Decimal(str(book["totals"]["realized_pnl"])) == expected


def test_limit_order_rests_can_be_modified_and_cancelled(client, trader):
    ltp = _quote(client)["current_price"]
    low = _on_grid(ltp)
    body = {"symbol": "INFY", "side": "buy", "quantity": 2, "order_type": "limit"}
    r = client.post(ORDERS, json={**body, "price": str(low)}, headers=trader)
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    assert r.json()["status"] == "open" and r.json()["validity"] == "day"
    funds = client.get("/api/v1/paper/funds", headers=trader).json()
    assert funds["blocked"] > float(low) * 2
    lower = low - _tick(float(low)) * 10
    r = client.patch(f"{ORDERS}/{oid}", json={"price": str(lower), "quantity": 3}, headers=trader)
    assert r.status_code == 200, r.text
    assert (Decimal(str(r.json()["price"])), r.json()["quantity"]) == (lower, 3)
    r = client.patch(f"{ORDERS}/{oid}", json={"price": "0.03"}, headers=trader)
    assert r.status_code == 422 and "modification refused" in r.json()["detail"]
    opened = client.get(ORDERS, params={"status": "open"}, headers=trader).json()
    assert [o["id"] for o in opened] == [oid]
    r = client.delete(f"{ORDERS}/{oid}", headers=trader)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert client.delete(f"{ORDERS}/{oid}", headers=trader).status_code == 409
    assert client.patch(f"{ORDERS}/{oid}", json={"quantity": 1}, headers=trader).status_code == 409
    assert client.get("/api/v1/paper/funds", headers=trader).json()["blocked"] == 0.0


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"symbol": "NOSUCHCO"}, "unknown symbol"),
        ({"symbol": "NIFTY 50"}, "unknown symbol"),
        ({"quantity": 0}, "greater than zero"),
        ({"order_type": "limit", "price": "off-grid"}, "not on the tick grid"),
        ({"order_type": "limit", "price": "above-band"}, "outside today's price band"),
        ({"quantity": 1_000_000}, "insufficient funds"),
        ({"side": "sell"}, "does not short-sell"),
        ({"order_type": "sl", "price": "below", "trigger_price": "below"}, "trigger above"),
    ],
)
def test_bad_orders_are_422_and_recorded_as_rejected(client, trader, change, reason):
    ltp = _quote(client)["current_price"]
    below = _on_grid(ltp)
    tick = _tick(float(below))
    assert tick > Decimal("0.01")  # INFY trades above 250, so half a tick is off the grid
    prices = {
        "off-grid": str(below + tick / 2),
        "above-band": str(_on_grid(ltp * 1.5)),
        "below": str(below),
    }
    body = {"symbol": "INFY", "side": "buy", "quantity": 1, **change}
    for field in ("price", "trigger_price"):
        if field in body:
            body[field] = prices[body[field]]
    r = client.post(ORDERS, json=body, headers=trader)
    assert r.status_code == 422, r.text
    assert reason in r.json()["detail"]
    recorded = r.json()["order"]
    assert recorded["status"] == "rejected" and recorded["reason"] == r.json()["detail"]
    rejected = client.get(ORDERS, params={"status": "rejected"}, headers=trader).json()
    assert [o["id"] for o in rejected] == [recorded["id"]]


def test_another_users_order_is_404(client, trader):
    ltp = _quote(client)["current_price"]
    body = {"symbol": "INFY", "side": "buy", "quantity": 1, "order_type": "limit"}
    r = client.post(ORDERS, json={**body, "price": str(_on_grid(ltp))}, headers=trader)
    oid = r.json()["id"]
    _, other = register_and_login(client)
    assert client.get(f"{ORDERS}/{oid}", headers=other).status_code == 404
    assert client.patch(f"{ORDERS}/{oid}", json={"quantity": 2}, headers=other).status_code == 404
    assert client.delete(f"{ORDERS}/{oid}", headers=other).status_code == 404
    assert client.get(ORDERS, headers=other).json() == []
    assert client.get(f"{ORDERS}/{oid}", headers=trader).json()["status"] == "open"
    assert client.get(ORDERS, headers={}).status_code == 401


def test_openapi_declares_the_paper_routes_errors(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"401", "422"} <= set(paths[ORDERS]["post"]["responses"])
    item = paths[ORDERS + "/{order_id}"]
    assert {"404", "409", "422"} <= set(item["patch"]["responses"])
    assert {"404", "409"} <= set(item["delete"]["responses"])
    assert "404" in item["get"]["responses"]


def test_an_nse_option_trades_in_lots_priced_off_its_underlying(client, trader):
    expiry = client.get("/api/v1/options/NIFTY/expiries").json()["expiries"][0]
    chain = client.get("/api/v1/options/NIFTY/chain", params={"expiry": expiry}).json()
    d = date.fromisoformat(expiry)
    strike = int(chain["atm_strike"])
    symbol = f"NIFTY{d:%y}{d:%b}{d:%d}{strike}CE".upper()
    body = {"symbol": symbol.lower(), "side": "buy", "quantity": 10}
    r = client.post(ORDERS, json=body, headers=trader)
    assert r.status_code == 422 and "multiple of the lot size 65" in r.json()["detail"]
    assert r.json()["order"]["symbol"] == symbol
    r = client.post(ORDERS, json={**body, "quantity": 65}, headers=trader)
    assert r.status_code == 201, r.text
    order = _wait_status(client, trader, r.json()["id"], "executed")
    assert order["status"] == "executed", order
    assert (Decimal(str(order["fill_price"])) * 100) % 5 == 0  # the options tick, 0.05
    (trade,) = client.get("/api/v1/paper/trades", headers=trader).json()
    assert trade["charges"] > 20  # a flat ₹20 brokerage plus the statutory charges
    (holding,) = client.get("/api/v1/paper/portfolio", headers=trader).json()["holdings"]
    assert (holding["symbol"], holding["quantity"]) == (symbol, 65)
    assert holding["current_price"] > 0


def test_stops_and_gtts_protect_a_holding_without_selling_it_twice(client, trader):
    r = client.post(ORDERS, json={"symbol": "INFY", "side": "buy", "quantity": 5}, headers=trader)
    assert _wait_status(client, trader, r.json()["id"], "executed")["status"] == "executed"
    ltp = _quote(client)["current_price"]
    below = _on_grid(ltp)  # 3 % under the market
    above = _on_grid(ltp * 1.06)  # 3 % over it
    oco = {
        "symbol": "INFY", "side": "sell", "quantity": 5, "order_type": "gtt_oco",
        "trigger_price": str(above), "price": str(above),
        "stop_trigger_price": str(below), "stop_price": str(below),
    }  # fmt: skip
    r = client.post(ORDERS, json=oco, headers=trader)
    assert r.status_code == 201, r.text
    assert (r.json()["validity"], r.json()["status"], r.json()["triggered"]) == (
        "gtt",
        "open",
        False,
    )
    stop = {"symbol": "INFY", "side": "sell", "quantity": 5, "order_type": "sl_m"}
    r2 = client.post(ORDERS, json={**stop, "trigger_price": str(below)}, headers=trader)
    assert r2.status_code == 422 and "sell at most 0" in r2.json()["detail"]
    assert client.delete(f"{ORDERS}/{r.json()['id']}", headers=trader).status_code == 200
    r3 = client.post(ORDERS, json={**stop, "trigger_price": str(below)}, headers=trader)
    assert r3.status_code == 201, r3.text
    lower = below - _tick(float(below)) * 5
    r4 = client.patch(
        f"{ORDERS}/{r3.json()['id']}", json={"trigger_price": str(lower)}, headers=trader
    )
    assert r4.status_code == 200 and Decimal(str(r4.json()["trigger_price"])) == lower
    holding = client.get("/api/v1/paper/portfolio", headers=trader).json()["holdings"][0]
    assert holding["quantity"] == 5  # protected, not sold
