"""Paper trading domain: order kinds and checks, the fill model, contract-note charges.

Pure: no database, no event loop, no web framework. The engine (stockapp/paper) feeds ticks
into an `OrderBook` and persists the fills it reports.
"""

from stockapp.market.paper.charges import Charges, compute_charges, rate_card
from stockapp.market.paper.fills import (
    PENDING,
    WORKING,
    Evaluation,
    Fill,
    OrderBook,
    Tick,
    Trigger,
    WorkingOrder,
    market_price,
    step,
)
from stockapp.market.paper.orders import (
    Accepted,
    Contract,
    MarketView,
    OrderRejected,
    OrderRequest,
    OrderType,
    Product,
    Status,
    Validity,
    close_at,
    equity_contract,
    from_paise,
    lot_size,
    market_open,
    session_day,
    square_off_at,
    to_paise,
    validate_order,
)

__all__ = [
    "PENDING",
    "WORKING",
    "Accepted",
    "Charges",
    "Contract",
    "Evaluation",
    "Fill",
    "MarketView",
    "OrderBook",
    "OrderRejected",
    "OrderRequest",
    "OrderType",
    "Product",
    "Status",
    "Tick",
    "Trigger",
    "Validity",
    "WorkingOrder",
    "close_at",
    "compute_charges",
    "equity_contract",
    "from_paise",
    "lot_size",
    "market_open",
    "market_price",
    "rate_card",
    "session_day",
    "square_off_at",
    "step",
    "to_paise",
    "validate_order",
]
