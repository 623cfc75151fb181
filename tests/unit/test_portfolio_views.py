"""Portfolio page display rows and trade-form reading (no browser, no server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from stockapp.pages.portfolio_views import (
    allocations,
    holding_row,
    signed_inr,
    totals_view,
    trade_from_form,
)
from stockapp.portfolio import IST, PriceInfo, TradeIn, holdings_from_trades, value_portfolio
from stockapp.portfolio.allocation import TOP_HOLDINGS

D = Decimal


def _buy(symbol: str, qty: int, price: str, fees: str = "0") -> TradeIn:
    return TradeIn(
        symbol=symbol,
        market="india_nse",
        side="buy",
        quantity=qty,
        price=D(price),
        fees=D(fees),
        traded_at=datetime(2024, 5, 2, 10, 0, tzinfo=IST),
    )


def _valued(trades: list[TradeIn], prices: dict[str, tuple[float, float]]):
    positions = holdings_from_trades(trades)
    info = {(s, "india_nse"): PriceInfo(p, pc) for s, (p, pc) in prices.items()}
    now = datetime(2024, 6, 3, 10, 0, tzinfo=IST)
    return value_portfolio(positions, info, now.date(), now)


def test_signed_inr_leads_with_the_sign():
    assert signed_inr(D("1234.5")) == "+₹1,234.50"
    assert signed_inr(D("-80")) == "-₹80.00"
    assert signed_inr(D("0")) == "₹0.00"
    assert signed_inr(None) == "—"
    assert signed_inr(D("123456.789")) == "+₹1,23,456.79"


def test_holding_row_and_totals_are_display_strings():
    valued = _valued([_buy("TCS", 3, "3400", fees="12")], {"TCS": (3500.0, 3450.0)})
    row = holding_row(valued.holdings[0], "up")
    assert row["symbol"] == "TCS" and row["exch"] == "NSE" and row["d"] == "up"
    assert row["invested"] == "₹10,212.00" and row["avg"] == "₹3,404.00"
    assert row["value"] == "₹10,500.00" and row["pnl"] == "+₹288.00"
    assert row["day"] == "+₹150.00" and row["pnl_pct"] == "+2.82%"
    assert row["chg"] == "+50.00 (+1.45%)"  # the price's day change, for the phone card
    totals = totals_view(valued)
    assert totals["value"] == "₹10,500.00" and totals["realized"] == "₹0.00"
    assert all(isinstance(v, str) for v in totals.values())


def test_unpriced_holding_shows_dashes_and_counts_at_cost_in_allocation():
    valued = _valued([_buy("TCS", 1, "100"), _buy("INFY", 1, "300")], {"TCS": (100.0, 100.0)})
    infy = next(h for h in valued.holdings if h.symbol == "INFY")
    assert holding_row(infy, "")["value"] == "—" and holding_row(infy, "")["chg"] == ""
    _, by_holding = allocations(valued)
    assert {r["name"]: r["pct"] for r in by_holding} == {"INFY": 75.0, "TCS": 25.0}


def test_allocation_groups_sectors_and_folds_small_holdings_into_others():
    symbols = ["TCS", "INFY", "WIPRO", "HDFCBANK", "ICICIBANK", "SBIN", "ITC", "LT"]
    symbols += ["RELIANCE", "MARUTI", "AXISBANK", "SUNPHARMA"]
    trades = [_buy(s, i + 1, "100") for i, s in enumerate(symbols)]
    valued = _valued(trades, {s: (100.0, 100.0) for s in symbols})
    by_sector, by_holding = allocations(valued)
    assert len(by_holding) == TOP_HOLDINGS and by_holding[-1]["name"] == "Others"
    assert sum(r["value"] for r in by_holding) == pytest.approx(sum(range(1, 13)) * 100)
    assert sum(r["pct"] for r in by_sector) == pytest.approx(100, abs=0.5)
    it = next(r for r in by_sector if r["name"] == "Information Technology")
    assert it["value"] == pytest.approx((1 + 2 + 3) * 100)
    assert all(r["fill"].startswith("#") for r in by_sector + by_holding)


def _form(**over: str) -> dict[str, str]:
    base = {
        "symbol": "reliance",
        "quantity": "10",
        "price": "2,742.35",
        "fees": "",
        "note": " first ",
        "traded_at": "2024-05-02T10:15",
    }
    return {**base, **over}


def test_trade_form_reads_india_time_and_cleans_fields():
    trade = trade_from_form(_form(), "india_nse", "buy")
    assert trade.symbol == "RELIANCE" and trade.quantity == 10
    assert trade.price == D("2742.35") and trade.fees == 0 and trade.note == "first"
    assert trade.traded_at == datetime(2024, 5, 2, 4, 45, tzinfo=UTC)


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"quantity": ""}, "Quantity is empty"),
        ({"quantity": "2.5"}, "whole number"),
        ({"price": "0"}, "Price must be greater than zero"),
        ({"fees": "-1"}, "Fees cannot be negative"),
        ({"symbol": "NOSUCHCO"}, "Unknown symbol NOSUCHCO on NSE"),
        ({"symbol": "NIFTY 50"}, "'NIFTY 50' is not a valid trading symbol"),
        ({"traded_at": "02/05/2024"}, "is not a YYYY-MM-DD date"),
        ({"traded_at": ""}, "Date is empty"),
    ],
)
def test_trade_form_errors_name_the_field(over, message):
    with pytest.raises(ValueError, match=message):
        trade_from_form(_form(**over), "india_nse", "buy")


def test_trade_form_refuses_the_future():
    later = (datetime.now(IST) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    with pytest.raises(ValueError, match="future"):
        trade_from_form(_form(traded_at=later), "india_nse", "sell")
