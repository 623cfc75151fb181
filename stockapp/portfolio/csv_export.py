"""CSV export of trades (re-importable, generic layout) and of a valued portfolio.

Trade times are written in India time with their offset (2024-05-02T10:15:23+05:30): exact
on re-import and readable to an Indian user. Prices and fees are written in plain decimal
notation exactly as stored. Every text cell that a spreadsheet would run as a formula
gets a leading apostrophe (see `csv_safe`), which the importer removes again from notes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from stockapp.portfolio.csv_safe import csv_text
from stockapp.portfolio.trades import IST, TradeIn
from stockapp.portfolio.valuation import PortfolioValuation

TRADE_COLUMNS = (
    "date",
    "symbol",
    "market",
    "side",
    "quantity",
    "price",
    "fees",
    "trade_id",
    "note",
)
HOLDING_COLUMNS = (
    "symbol",
    "market",
    "quantity",
    "avg_cost",
    "invested",
    "current_price",
    "prev_close",
    "market_value",
    "unrealized_pnl",
    "unrealized_pct",
    "day_pnl",
    "realized_pnl",
    "xirr_pct",
    "first_bought",
)
TOTAL_LABEL = "TOTAL"
# the exchange as people and brokers write it; the importer reads these back
EXCHANGE_LABELS = {"india_nse": "NSE", "india_bse": "BSE"}


def exchange_label(market: str) -> str:
    return EXCHANGE_LABELS.get(market, market)


def _plain(value: Decimal) -> str:
    return format(value, "f")


def trades_to_csv(trades: Iterable[TradeIn]) -> str:
    rows = (
        (
            trade.traded_at.astimezone(IST).isoformat(),
            trade.symbol,
            exchange_label(trade.market),
            trade.side,
            trade.quantity,
            _plain(trade.price),
            _plain(trade.fees),
            trade.trade_id or "",
            trade.note,
        )
        for trade in trades
    )
    return csv_text(TRADE_COLUMNS, rows)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(IST).date().isoformat()
    return str(value)


def holdings_to_csv(valuation: PortfolioValuation) -> str:
    """Open holdings rounded for people, then one TOTAL row; closed positions are left out
    except through the TOTAL row's realized P&L."""
    rows: list[list[str]] = []
    for holding in valuation.holdings:
        shown = holding.display()
        shown = {**shown, "market": exchange_label(str(shown["market"]))}
        rows.append([_cell(shown[column]) for column in HOLDING_COLUMNS])
    totals = valuation.totals.display()
    rows.append([TOTAL_LABEL if c == "symbol" else _cell(totals.get(c)) for c in HOLDING_COLUMNS])
    return csv_text(HOLDING_COLUMNS, rows)
