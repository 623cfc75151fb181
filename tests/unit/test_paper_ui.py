"""The order ticket's and Orders page's plain logic: which field a refusal concerns (taken
from the real order checks' messages), what toast an order update deserves, what an order
card shows, and that the ticket reads its fields as typed."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from stockapp.market.paper import MarketView, OrderRejected, OrderRequest, validate_order
from stockapp.market.paper.orders import Contract
from stockapp.pages.orders_state import order_row
from stockapp.paper.store import OrderData
from stockapp.state.order_ticket import field_of, parse_price
from stockapp.state.order_updates import toast_for

NOW = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)  # 10:30 IST, a Wednesday
CONTRACT = Contract("INFY", "india_nse", "equity", 1, 20.0)
LOTS = Contract("NIFTY26DEC2926000CE", "india_nse", "option", 65, None, tick=5, banded=False)
VIEW = MarketView(150_000, 150_000, None)  # LTP ₹1,500.00


def _reason(contract: Contract = CONTRACT, **fields) -> str:
    req = OrderRequest(
        **{"symbol": contract.symbol, "market": "india_nse", "side": "buy", "quantity": 1} | fields
    )
    with pytest.raises(OrderRejected) as exc:
        validate_order(req, contract, VIEW, now=NOW)
    return str(exc.value)


@pytest.mark.parametrize(
    ("fields", "contract", "field"),
    [
        ({"order_type": "limit", "price": Decimal("1500.03")}, CONTRACT, "price"),  # tick grid
        ({"order_type": "limit", "price": Decimal("2500")}, CONTRACT, "price"),  # band
        ({"order_type": "limit", "price": None}, CONTRACT, "price"),  # missing
        ({"order_type": "market", "quantity": 0}, CONTRACT, "qty"),
        ({"order_type": "market", "quantity": 10}, LOTS, "qty"),  # not a lot multiple
        ({"order_type": "sl_m", "trigger_price": Decimal("1400")}, CONTRACT, "trigger"),
    ],
)
def test_refusals_land_next_to_the_field_they_concern(fields, contract, field):
    assert field_of(_reason(contract, **fields)) == field


def test_funds_and_holdings_refusals_land_on_the_quantity():
    assert field_of("insufficient funds: this order needs ₹5.00, available ₹1.00") == "qty"
    assert field_of("you can sell at most 0 INFY (held 0, ...)") == "qty"
    assert field_of("unknown symbol 'NOSUCH' on india_nse") == ""


def test_prices_are_read_as_typed():
    assert parse_price(" ₹1,480.50 ") == Decimal("1480.50")
    assert parse_price("") is None
    for bad in ("abc", "NaN", "Infinity"):
        with pytest.raises(ValueError):
            parse_price(bad)


def _order(**changes) -> OrderData:
    base = dict(
        id=7,
        book="",
        symbol="INFY",
        market="india_nse",
        side="buy",
        order_type="limit",
        product="cnc",
        validity="day",
        quantity=5,
        price=1480.5,
        trigger_price=None,
        stop_trigger_price=None,
        stop_price=None,
        status="open",
        triggered=False,
        leg="",
        reason="",
        source="user",
        session_day="2026-12-02",
        fill_price=None,
        filled_at=None,
        placed_at="2026-12-02T05:00:00.000Z",
        updated_at="2026-12-02T05:00:00.000Z",
    )
    return OrderData(**(base | changes))


def test_toasts_for_fills_and_rejections_only():
    order = _order(status="executed", fill_price=1480.5).as_dict()
    fill = {"id": 3, "quantity": 5, "price": 1480.5, "charges": 1.85}
    toast = toast_for(order, fill)
    assert toast is not None and toast["level"] == "success"
    assert toast["title"] == "Paper order filled: Buy 5 INFY at ₹1,480.50"
    assert toast["id"] == "paper-fill-3" and "₹1.85" in toast["description"]
    rejected = toast_for(_order(status="rejected", reason="price off the grid").as_dict(), None)
    assert rejected is not None and rejected["level"] == "error"
    assert rejected["description"] == "price off the grid"
    assert toast_for(_order().as_dict(), None) is None  # placed: the ticket confirms it
    assert toast_for(_order(status="cancelled").as_dict(), None) is None


def test_order_cards_offer_modify_only_where_it_can_work():
    row = order_row(_order())
    assert row["editable"] == "1" and row["prices"] == "limit ₹1,480.50"
    assert row["placed"] == "2026-12-02 10:30:00 IST"
    assert order_row(_order(order_type="market", price=None))["editable"] == ""
    triggered_sl_m = _order(order_type="sl_m", price=None, trigger_price=1500.0, triggered=True)
    assert order_row(triggered_sl_m)["editable"] == ""
    assert order_row(_order(status="executed"))["editable"] == ""
