"""Display rows for the Portfolio page: valued holdings, totals, allocations and trades as
the short strings and chart rows the browser shows, plus reading the trade form.

No Reflex here: these are plain functions of the domain objects, so they are easy to test.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from stockapp import formatting as fmt
from stockapp.formatting import signed_inr
from stockapp.portfolio import (
    IST,
    HoldingValuation,
    PortfolioValuation,
    PriceInfo,
    Slice,
    Trade,
    TradeError,
    TradeIn,
    allocation,
    money,
)
from stockapp.portfolio import csv_fields as cf
from stockapp.services.instruments import known_equity, name_of, sector_of
from stockapp.state.views import key_str

CLOCK_SKEW = timedelta(minutes=5)
PALETTE = (
    "#3e63dd",
    "#30a46c",
    "#e5484d",
    "#f76b15",
    "#8e4ec6",
    "#12a594",
    "#d6409f",
    "#ffc53d",
    "#0090ff",
    "#978365",
    "#8da4ef",
    "#7c66dc",
)


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else fmt.pct(money(value))


def _xirr(rate: float | None) -> str:
    return "—" if rate is None else fmt.pct(rate * 100)


def exchange(market: str) -> str:
    return "BSE" if market == "india_bse" else "NSE"


def now_local() -> str:
    return datetime.now(IST).strftime("%Y-%m-%dT%H:%M")


def _day_change(price: PriceInfo | None) -> str:
    """ "+12.30 (+0.85%)": the price against the previous close ("" without a price)."""
    if price is None:
        return ""
    change = money(price.current_price - price.prev_close)
    pct = change / price.prev_close * 100 if price.prev_close else None
    return f"{fmt.signed(float(change))} ({_pct(pct)})"


def holding_row(h: HoldingValuation, direction: str) -> dict[str, str]:
    price = h.price
    return {
        "k": key_str(h.key),
        "symbol": h.symbol,
        "name": name_of(h.symbol, h.market),
        "exch": exchange(h.market),
        "qty": fmt.number(h.quantity, 0),
        "avg": fmt.inr(money(h.avg_cost)),
        "invested": fmt.inr(money(h.invested)),
        "ltp": fmt.inr(money(price.current_price)) if price else "—",
        "chg": _day_change(price),  # the price's own, for the phone card's second line
        "value": fmt.inr(money(h.market_value)) if h.market_value is not None else "—",
        "pnl": signed_inr(h.unrealized_pnl),
        "pnl_pct": _pct(h.unrealized_pct),
        "day": signed_inr(h.day_pnl),
        "xirr": _xirr(h.xirr),
        "d": direction,
    }


def totals_view(valued: PortfolioValuation) -> dict[str, str]:
    t = valued.totals
    return {
        "invested": fmt.inr(money(t.invested)),
        "value": fmt.inr(money(t.market_value)),
        "pnl": signed_inr(t.unrealized_pnl),
        "pnl_pct": _pct(t.unrealized_pct),
        "realized": signed_inr(t.realized_pnl),
        "day": signed_inr(t.day_pnl),
        "xirr": _xirr(t.xirr),
    }


def _chart_rows(slices: list[Slice]) -> list[dict[str, Any]]:
    return [
        {
            "name": s.name,
            "value": float(round(s.amount, 2)),
            "pct": float(round(s.pct, 1)),
            "fill": PALETTE[i % len(PALETTE)],
        }
        for i, s in enumerate(slices)
    ]


def allocations(valued: PortfolioValuation) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(by sector, by holding) as chart rows; unpriced holdings count at cost."""
    by_sector, by_holding = allocation(valued.holdings, lambda h: sector_of(h.symbol, h.market))
    return _chart_rows(by_sector), _chart_rows(by_holding)


def trade_row(t: Trade) -> dict[str, str]:
    return {
        "id": str(t.id),
        "when": t.traded_at.astimezone(IST).strftime("%Y-%m-%d %H:%M"),
        "symbol": t.symbol,
        "exch": exchange(t.market),
        "side": t.side,
        "qty": fmt.number(t.quantity, 0),
        "price": fmt.inr(t.price),
        "fees": fmt.inr(t.fees),
        "note": t.note,
    }


def trade_from_form(form: dict[str, Any], market: str, side: str) -> TradeIn:
    """The form's trade, or ValueError with a message that names the field."""
    try:
        symbol = cf.parse_symbol(str(form.get("symbol", "")))
        quantity = cf.parse_quantity(str(form.get("quantity", "")))
        price = cf.parse_price(str(form.get("price", "")))
        fees = cf.parse_fees(str(form.get("fees", "")))
        note = cf.parse_note(str(form.get("note", "")))
        when = cf.parse_when(str(form.get("traded_at", "")))
    except cf.FieldError as exc:
        text = str(exc)
        raise ValueError(text[:1].upper() + text[1:]) from None
    if not known_equity(symbol, market):
        raise ValueError(f"Unknown symbol {symbol} on {exchange(market)}")
    if when > datetime.now(UTC) + CLOCK_SKEW:
        raise ValueError("Date and time are in the future")
    try:
        return TradeIn(
            symbol=symbol,
            market=market,
            side=side,
            quantity=quantity,
            price=price,
            fees=fees,
            note=note,
            traded_at=when,
        )
    except TradeError as exc:
        raise ValueError(str(exc)) from None
