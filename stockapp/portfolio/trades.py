"""Trade records: the only input the portfolio engine needs.

A trade is validated when it is built, so every later stage (FIFO, valuation, export) can
trust its fields: a positive whole quantity, a positive Decimal price, non-negative fees and
an aware timestamp normalised to UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from stockapp.market.models import MARKETS, Key
from stockapp.records import carry

IST = ZoneInfo("Asia/Kolkata")

Side = Literal["buy", "sell"]
SIDES: tuple[str, ...] = ("buy", "sell")


class TradeError(ValueError):
    """A trade whose fields cannot describe a real equity delivery trade."""


# Before 1990 there was no NSE and no electronic contract note to import: a date that old is
# a typo (1924 for 2024) or an attempt to skew XIRR and holding periods.
EARLIEST_TRADE_DATE = date(1990, 1, 1)


def check_trade_date(day: date) -> None:
    """TradeError for a new trade dated before EARLIEST_TRADE_DATE (India time).

    Applied where trades enter the book (API, form, import), not to stored rows."""
    if day < EARLIEST_TRADE_DATE:
        raise TradeError(f"trades before {EARLIEST_TRADE_DATE.year} are not accepted ({day})")


@dataclass(frozen=True, slots=True, kw_only=True)
class TradeIn:
    """A trade as entered or imported, before it has a database id."""

    symbol: str
    market: str
    side: str
    quantity: int
    price: Decimal
    traded_at: datetime
    fees: Decimal = Decimal(0)
    note: str = ""
    trade_id: str | None = None  # the broker's id; the key for duplicate detection

    def __post_init__(self) -> None:
        symbol = self.symbol.strip().upper() if isinstance(self.symbol, str) else ""
        if not symbol:
            raise TradeError("symbol is required")
        if self.market not in MARKETS:
            raise TradeError(f"market must be one of {', '.join(MARKETS)}, not {self.market!r}")
        if self.side not in SIDES:
            raise TradeError(f"side must be 'buy' or 'sell', not {self.side!r}")
        if isinstance(self.quantity, bool) or not isinstance(self.quantity, int):
            raise TradeError("quantity must be a whole number of shares")
        if self.quantity <= 0:
            raise TradeError("quantity must be greater than zero")
        if not isinstance(self.price, Decimal) or not self.price.is_finite() or self.price <= 0:
            raise TradeError("price must be a Decimal greater than zero")
        if not isinstance(self.fees, Decimal) or not self.fees.is_finite() or self.fees < 0:
            raise TradeError("fees must be a Decimal of zero or more")
        if self.traded_at.tzinfo is None or self.traded_at.utcoffset() is None:
            raise TradeError("traded_at must carry a time zone")
        object.__setattr__(self, "symbol", symbol)
        object.__setattr__(self, "traded_at", self.traded_at.astimezone(UTC))
        if self.trade_id is not None:
            object.__setattr__(self, "trade_id", self.trade_id.strip() or None)

    @property
    def key(self) -> Key:
        return (self.symbol, self.market)

    @property
    def trade_date(self) -> date:
        """The Indian trading date of the trade (what a contract note shows)."""
        return self.traded_at.astimezone(IST).date()

    @property
    def gross(self) -> Decimal:
        return self.price * self.quantity

    @property
    def cash_flow(self) -> Decimal:
        """Money into the account: negative for a buy (price plus fees), positive for a sell."""
        if self.side == "buy":
            return -(self.gross + self.fees)
        return self.gross - self.fees


@dataclass(frozen=True, slots=True, kw_only=True)
class Trade(TradeIn):
    """A stored trade; `id` breaks ties between trades with the same timestamp."""

    id: int | None = None

    @classmethod
    def from_input(cls, trade: TradeIn, id: int | None) -> Trade:
        return carry(cls, trade, id=id)


def trade_order(trade: TradeIn, position: int = 0) -> tuple[datetime, bool, int, int]:
    """Sort key for replaying a book: time, then id (unsaved trades last), then input order."""
    trade_db_id = getattr(trade, "id", None)
    return (trade.traded_at, trade_db_id is None, trade_db_id or 0, position)
