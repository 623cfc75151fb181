"""Marking FIFO positions to market: value, unrealized and day P&L, XIRR, portfolio totals.

Everything stays Decimal at full precision; `money()` and the `display()` helpers round to
paise for presentation only, so totals are exact sums of the holdings' unrounded figures.

Day P&L measures what the market did to the position today, at trade prices without fees
(charges are already in realized and unrealized P&L): shares held since before today move
from the previous close, shares bought today from their buy price, and shares sold today
count their sell price against the previous close (or buy price, if also bought today).
Equivalently: value now + today's sell value - value at yesterday's close of the shares held
at the start of today - today's buy value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from stockapp.market.models import Key, Quote
from stockapp.portfolio.fifo import ZERO, Position
from stockapp.portfolio.returns import (
    XirrResult,
    position_xirr_result,
    trade_flows,
    xirr_result,
)
from stockapp.portfolio.trades import IST

PAISE = Decimal("0.01")
HUNDRED = Decimal(100)


def money(value: Decimal) -> Decimal:
    """Round to paise, half up, as contract notes do."""
    return value.quantize(PAISE, rounding=ROUND_HALF_UP)


def _decimal(value: Decimal | float | int | str) -> Decimal:
    # str() first so a float quote such as 2890.55 becomes exactly 2890.55
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass(frozen=True, slots=True)
class PriceInfo:
    """Live price of one instrument; floats from a Quote are converted exactly as printed."""

    current_price: Decimal
    prev_close: Decimal

    def __post_init__(self) -> None:
        object.__setattr__(self, "current_price", _decimal(self.current_price))
        object.__setattr__(self, "prev_close", _decimal(self.prev_close))


def _pct(part: Decimal, whole: Decimal) -> Decimal | None:
    return part / whole * HUNDRED if whole else None


@dataclass(frozen=True, slots=True)
class HoldingValuation:
    """One position marked to market. Price-dependent fields are None without a price."""

    position: Position = field(repr=False)
    price: PriceInfo | None
    market_value: Decimal | None
    unrealized_pnl: Decimal | None
    unrealized_pct: Decimal | None  # percent of invested
    day_pnl: Decimal | None
    xirr: float | None  # annual fraction
    xirr_reason: str | None = None  # why `xirr` is None (undefined or ambiguous)

    @property
    def key(self) -> Key:
        return self.position.key

    @property
    def symbol(self) -> str:
        return self.position.symbol

    @property
    def market(self) -> str:
        return self.position.market

    @property
    def quantity(self) -> int:
        return self.position.quantity

    @property
    def avg_cost(self) -> Decimal:
        return self.position.avg_cost

    @property
    def invested(self) -> Decimal:
        return self.position.invested

    @property
    def realized_pnl(self) -> Decimal:
        return self.position.realized_pnl

    def display(self) -> dict[str, object]:
        """Presentation figures: money in paise, percentages to 2 dp, XIRR as a percent."""
        price = self.price
        return {
            "symbol": self.symbol,
            "market": self.market,
            "quantity": self.quantity,
            "avg_cost": money(self.avg_cost),
            "invested": money(self.invested),
            "current_price": money(price.current_price) if price else None,
            "prev_close": money(price.prev_close) if price else None,
            "market_value": _opt_money(self.market_value),
            "unrealized_pnl": _opt_money(self.unrealized_pnl),
            "unrealized_pct": _opt_money(self.unrealized_pct),
            "day_pnl": _opt_money(self.day_pnl),
            "realized_pnl": money(self.realized_pnl),
            "xirr_pct": _xirr_pct(self.xirr),
            "first_bought": self.position.first_bought,
        }


def _opt_money(value: Decimal | None) -> Decimal | None:
    return None if value is None else money(value)


def _xirr_pct(rate: float | None) -> Decimal | None:
    return None if rate is None else money(Decimal(repr(rate)) * HUNDRED)


@dataclass(frozen=True, slots=True)
class PortfolioTotals:
    """Sums over holdings and closed positions; unpriced holdings add only `invested`."""

    invested: Decimal
    market_value: Decimal
    unrealized_pnl: Decimal
    unrealized_pct: Decimal | None  # of the invested amount of priced holdings
    realized_pnl: Decimal
    day_pnl: Decimal
    xirr: float | None  # None while any open holding lacks a price
    unpriced: tuple[Key, ...] = ()
    xirr_reason: str | None = None  # why `xirr` is None (undefined or ambiguous)

    def display(self) -> dict[str, object]:
        return {
            "invested": money(self.invested),
            "market_value": money(self.market_value),
            "unrealized_pnl": money(self.unrealized_pnl),
            "unrealized_pct": _opt_money(self.unrealized_pct),
            "realized_pnl": money(self.realized_pnl),
            "day_pnl": money(self.day_pnl),
            "xirr_pct": _xirr_pct(self.xirr),
        }


@dataclass(frozen=True, slots=True)
class PortfolioValuation:
    """The whole book at one moment; `totals` are exact sums over `holdings` and `closed`."""

    holdings: tuple[HoldingValuation, ...]  # open positions, by symbol then market
    closed: tuple[HoldingValuation, ...]  # fully sold positions (realized P&L only)
    totals: PortfolioTotals


def day_pnl(position: Position, price: PriceInfo | None, today: date) -> Decimal | None:
    bought_qty = sold_qty = 0
    bought_value = sold_value = ZERO
    for trade in position.trades:
        if trade.trade_date != today:
            continue
        if trade.side == "buy":
            bought_qty += trade.quantity
            bought_value += trade.gross
        else:
            sold_qty += trade.quantity
            sold_value += trade.gross
    start_qty = position.quantity - bought_qty + sold_qty
    if price is None:
        return ZERO if position.quantity == 0 and start_qty == 0 else None
    now_value = price.current_price * position.quantity
    return now_value + sold_value - price.prev_close * start_qty - bought_value


def value_position(
    position: Position, price: PriceInfo | None, today: date, now: datetime
) -> HoldingValuation:
    if price is None and position.quantity:
        return HoldingValuation(
            position,
            None,
            None,
            None,
            None,
            day_pnl(position, None, today),
            None,
            "no price for the holding yet",
        )
    market_value = price.current_price * position.quantity if price else ZERO
    unrealized = market_value - position.invested
    result = position_xirr_result(position.trades, market_value, now)
    return HoldingValuation(
        position=position,
        price=price,
        market_value=market_value,
        unrealized_pnl=unrealized,
        unrealized_pct=_pct(unrealized, position.invested),
        day_pnl=day_pnl(position, price, today),
        xirr=result.rate,
        xirr_reason=result.reason,
    )


def value_portfolio(
    positions: Mapping[Key, Position],
    prices: Mapping[Key, PriceInfo],
    today: date,
    now: datetime,
) -> PortfolioValuation:
    """Mark every position to `prices`.

    `today` is the IST trading date the prices belong to (the session day), and `now` the
    moment the value is taken for XIRR.
    """
    valued = [
        value_position(pos, prices.get(key), today, now) for key, pos in sorted(positions.items())
    ]
    holdings = tuple(v for v in valued if v.quantity > 0)
    closed = tuple(v for v in valued if v.quantity == 0)
    priced = [h for h in holdings if h.market_value is not None]
    unpriced = tuple(h.key for h in holdings if h.market_value is None)
    market_value = sum((h.market_value or ZERO for h in priced), ZERO)
    unrealized = sum((h.unrealized_pnl or ZERO for h in priced), ZERO)
    flows = [flow for v in valued for flow in trade_flows(v.position.trades)]
    whole = XirrResult(None, "some holdings have no price yet")
    if not unpriced:
        if market_value:
            flows.append((now.astimezone(IST).date(), market_value))
        whole = xirr_result(flows)
    totals = PortfolioTotals(
        invested=sum((h.invested for h in holdings), ZERO),
        market_value=market_value,
        unrealized_pnl=unrealized,
        unrealized_pct=_pct(unrealized, sum((h.invested for h in priced), ZERO)),
        realized_pnl=sum((v.realized_pnl for v in valued), ZERO),
        day_pnl=sum((v.day_pnl or ZERO for v in valued), ZERO),
        xirr=whole.rate,
        unpriced=unpriced,
        xirr_reason=whole.reason,
    )
    return PortfolioValuation(holdings=holdings, closed=closed, totals=totals)


def value_at_quotes(
    positions: Mapping[Key, Position], quotes: Mapping[Key, Quote], now: datetime
) -> PortfolioValuation:
    """Mark the open positions to live `quotes` (a market snapshot's), as of `now`."""
    prices = {
        key: PriceInfo(q.current_price, q.prev_close)
        for key, pos in positions.items()
        if pos.quantity > 0 and (q := quotes.get(key)) is not None
    }
    return value_portfolio(positions, prices, now.astimezone(IST).date(), now)
