"""Money-weighted annual return (XIRR) of a holding or a whole portfolio, via pyxirr.

Cash flows are seen from the investor's pocket: a buy is money out (price x qty + fees), a
sell is money in (proceeds - fees), and what is still held counts as if sold at `now` for
its market value. Flows are dated by the Indian trading date, which is what a contract note
and a broker's P&L statement use.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

import pyxirr

from stockapp.portfolio.trades import IST, TradeIn

CashFlow = tuple[date, Decimal]


def trade_flows(trades: Iterable[TradeIn]) -> list[CashFlow]:
    return [(trade.trade_date, trade.cash_flow) for trade in trades]


def xirr(flows: Sequence[CashFlow]) -> float | None:
    """The annual rate (a fraction: 0.12 is 12 %) at which the flows' NPV is zero.

    None when it is undefined: no flows, no money both in and out, every flow on one day
    (any annualised figure would be arbitrary), or no finite solution.
    """
    flows = [(day, amount) for day, amount in flows if amount != 0]
    if not flows:
        return None
    if not any(amount > 0 for _, amount in flows) or not any(amount < 0 for _, amount in flows):
        return None
    if len({day for day, _ in flows}) < 2:
        return None
    try:
        rate = pyxirr.xirr([day for day, _ in flows], [float(amount) for _, amount in flows])
    except (pyxirr.InvalidPaymentsError, ValueError, ArithmeticError):
        return None
    if rate is None or not math.isfinite(rate):
        return None
    return float(rate)


def position_xirr(
    trades: Iterable[TradeIn], market_value: Decimal | None, now: datetime
) -> float | None:
    """XIRR of trades plus the value still held at `now` (None when that value is unknown)."""
    flows = trade_flows(trades)
    if market_value is None:
        return None
    if market_value:
        flows.append((now.astimezone(IST).date(), market_value))
    return xirr(flows)
