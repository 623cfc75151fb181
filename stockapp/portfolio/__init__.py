"""Portfolio domain: trades, FIFO positions, valuation with live prices, XIRR, CSV in/out.

Pure domain code: no web framework or database imports; callers adapt it to storage and API.
"""

from stockapp.portfolio.allocation import Slice, allocation
from stockapp.portfolio.csv_export import holdings_to_csv, trades_to_csv
from stockapp.portfolio.csv_io import MAX_BYTES, ImportError_, ParsedImport, parse_tradebook
from stockapp.portfolio.dedupe import drop_duplicates, fingerprint
from stockapp.portfolio.fifo import (
    Lot,
    OversellError,
    Position,
    holdings_from_trades,
    sort_trades,
    validate_deletion,
    validate_new_trade,
)
from stockapp.portfolio.returns import position_xirr, trade_flows, xirr
from stockapp.portfolio.trades import IST, Trade, TradeError, TradeIn
from stockapp.portfolio.valuation import (
    HoldingValuation,
    PortfolioTotals,
    PortfolioValuation,
    PriceInfo,
    money,
    value_at_quotes,
    value_portfolio,
    value_position,
)

__all__ = [
    "IST",
    "MAX_BYTES",
    "HoldingValuation",
    "ImportError_",
    "Lot",
    "OversellError",
    "ParsedImport",
    "PortfolioTotals",
    "PortfolioValuation",
    "Position",
    "PriceInfo",
    "Slice",
    "Trade",
    "TradeError",
    "TradeIn",
    "allocation",
    "drop_duplicates",
    "fingerprint",
    "holdings_from_trades",
    "holdings_to_csv",
    "money",
    "parse_tradebook",
    "position_xirr",
    "sort_trades",
    "trade_flows",
    "trades_to_csv",
    "validate_deletion",
    "validate_new_trade",
    "value_at_quotes",
    "value_portfolio",
    "value_position",
    "xirr",
]
