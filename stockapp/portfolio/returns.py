"""Money-weighted annual return (XIRR) of a holding or a whole portfolio, via pyxirr.

Cash flows are seen from the investor's pocket: a buy is money out (price x qty + fees), a
sell is money in (proceeds - fees), and what is still held counts as if sold at `now` for
its market value. Flows are dated by the Indian trading date, which is what a contract note
and a broker's P&L statement use.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import pairwise

import numpy as np
import pyxirr
from scipy.optimize import brentq

from stockapp.portfolio.trades import IST, TradeIn

CashFlow = tuple[date, Decimal]


def trade_flows(trades: Iterable[TradeIn]) -> list[CashFlow]:
    return [(trade.trade_date, trade.cash_flow) for trade in trades]


@dataclass(frozen=True, slots=True)
class XirrResult:
    """An XIRR, or None with the reason it is undefined."""

    rate: float | None
    reason: str | None = None


# 1 + rate on a log grid from -99.9 % to +99,900 % a year: where NPV changes sign between two
# neighbours there is a root. Two roots closer than one grid step are not told apart.
_GROWTH_GRID = np.geomspace(1e-3, 1e3, 1201)


def _sign_changes(values: Sequence[float]) -> int:
    signs = [v > 0 for v in values if v != 0]
    return sum(1 for a, b in pairwise(signs) if a != b)


def npv_roots(flows: Sequence[CashFlow]) -> list[float]:
    """Approximate annual rates (fractions) at which the flows' NPV crosses zero.

    By Descartes' rule of signs the flows' NPV, a polynomial in 1/(1+rate), has at most as
    many positive roots as the date-ordered flows change sign; with one change there is
    exactly one. With more, NPV is evaluated on a grid of rates and its sign changes counted.
    """
    by_day: dict[date, float] = {}
    for day, amount in flows:
        by_day[day] = by_day.get(day, 0.0) + float(amount)
    days = sorted(by_day)
    amounts = np.array([by_day[d] for d in days])
    if _sign_changes(amounts.tolist()) <= 1:
        return []  # at most one root: nothing to disambiguate
    years = np.array([(d - days[0]).days / 365.0 for d in days])

    def npv(growth: float) -> float:
        return float((amounts * growth ** (-years)).sum())

    with np.errstate(over="ignore", invalid="ignore"):
        values = (amounts[None, :] * _GROWTH_GRID[:, None] ** (-years[None, :])).sum(axis=1)
    finite = np.isfinite(values)
    grid, values = _GROWTH_GRID[finite], values[finite]
    crossings = np.flatnonzero(np.sign(values[:-1]) * np.sign(values[1:]) < 0)
    return [float(brentq(npv, grid[i], grid[i + 1])) - 1 for i in crossings]


def xirr_result(flows: Sequence[CashFlow]) -> XirrResult:
    """The annual rate (a fraction: 0.12 is 12 %) at which the flows' NPV is zero.

    None, with a reason, when it is undefined: no flows, no money both in and out, every flow
    on one day (any annualised figure would be arbitrary), more than one rate solving it (e.g.
    -1000, +2300, -1320 a year apart: both 10 % and 20 %; picking one would be arbitrary), or
    no finite solution.
    """
    flows = [(day, amount) for day, amount in flows if amount != 0]
    if not flows:
        return XirrResult(None, "no cash flows")
    if not any(amount > 0 for _, amount in flows) or not any(amount < 0 for _, amount in flows):
        return XirrResult(None, "money went only one way (no flow both out and in)")
    if len({day for day, _ in flows}) < 2:
        return XirrResult(None, "every cash flow is on one day")
    roots = npv_roots(flows)
    if len(roots) > 1:
        listed = ", ".join(f"{r * 100:.1f}%" for r in roots)
        return XirrResult(None, f"ambiguous: several rates solve these flows ({listed} a year)")
    try:
        rate = pyxirr.xirr([day for day, _ in flows], [float(amount) for _, amount in flows])
    except (pyxirr.InvalidPaymentsError, ValueError, ArithmeticError):
        rate = None
    if rate is None or not math.isfinite(rate):
        return XirrResult(None, "no finite rate solves these flows")
    return XirrResult(float(rate))


def xirr(flows: Sequence[CashFlow]) -> float | None:
    """`xirr_result(flows).rate`: the rate, or None when undefined or ambiguous."""
    return xirr_result(flows).rate


def position_xirr_result(
    trades: Iterable[TradeIn], market_value: Decimal | None, now: datetime
) -> XirrResult:
    """XIRR of trades plus the value still held at `now` (None when that value is unknown)."""
    flows = trade_flows(trades)
    if market_value is None:
        return XirrResult(None, "no price for the holding yet")
    if market_value:
        flows.append((now.astimezone(IST).date(), market_value))
    return xirr_result(flows)


def position_xirr(
    trades: Iterable[TradeIn], market_value: Decimal | None, now: datetime
) -> float | None:
    return position_xirr_result(trades, market_value, now).rate
