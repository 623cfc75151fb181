"""FIFO lot accounting: positions, realized P&L and oversell checks from a list of trades.

Cost basis choice: buy fees are part of the cost of the shares they bought, so `avg_cost` and
`invested` are what the shares really cost the owner (price x qty + fees), and realized P&L
is sell proceeds minus sell fees minus that cost. A lot's fees are released in proportion to
the shares taken from it, computed from the cumulative share of the lot consumed, so a lot
that is fully sold releases exactly its fees (no rounding residue accumulates). Partial fee
shares are kept to a millionth of a rupee.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from stockapp.market.models import Key
from stockapp.portfolio.trades import TradeIn, trade_order

ZERO = Decimal(0)
FEE_STEP = Decimal("0.000001")  # a ten-thousandth of a paisa


class OversellError(ValueError):
    """A sell of more shares than were held at that moment."""

    def __init__(self, trade: TradeIn, held: int):
        self.trade = trade
        self.held = held
        super().__init__(
            f"Cannot sell {trade.quantity} {trade.symbol} on {trade.trade_date.isoformat()}: "
            f"only {held} held at that time"
        )


@dataclass(frozen=True, slots=True)
class Lot:
    """The unsold remainder of one buy."""

    quantity: int
    price: Decimal
    fees: Decimal  # the part of the buy's fees that belongs to the remaining shares
    bought_at: datetime
    original_quantity: int
    trade_id: str | None = None
    id: int | None = None  # the buy's database id, when known

    @property
    def cost(self) -> Decimal:
        return self.price * self.quantity + self.fees


@dataclass(frozen=True, slots=True)
class Position:
    """Everything FIFO knows about one instrument; `quantity` may be zero (closed)."""

    symbol: str
    market: str
    quantity: int
    lots: tuple[Lot, ...]
    invested: Decimal  # cost of the remaining lots, buy fees included
    avg_cost: Decimal  # invested / quantity; zero when nothing is held
    realized_pnl: Decimal
    bought_quantity: int
    sold_quantity: int
    first_bought: datetime | None  # oldest remaining lot
    last_traded_at: datetime
    trades: tuple[TradeIn, ...] = field(repr=False)  # in replay order

    @property
    def key(self) -> Key:
        return (self.symbol, self.market)

    @property
    def is_open(self) -> bool:
        return self.quantity > 0


def _fee_share(fees: Decimal, consumed: int, original: int) -> Decimal:
    """The fees released by selling the first `consumed` of `original` shares.

    Kept to FEE_STEP so every figure has a bounded number of decimals and sums of
    positions are exact (totals equal the sum of holdings to the last digit).
    """
    if consumed == 0:
        return ZERO
    if consumed == original:
        return fees
    return (fees * consumed / original).quantize(FEE_STEP, rounding=ROUND_HALF_EVEN)


class _OpenLot:
    __slots__ = ("buy", "consumed")

    def __init__(self, buy: TradeIn):
        self.buy = buy
        self.consumed = 0

    @property
    def remaining(self) -> int:
        return self.buy.quantity - self.consumed

    def take(self, qty: int) -> Decimal:
        """Remove `qty` shares and return their cost, fees included."""
        buy = self.buy
        before = _fee_share(buy.fees, self.consumed, buy.quantity)
        self.consumed += qty
        after = _fee_share(buy.fees, self.consumed, buy.quantity)
        return buy.price * qty + (after - before)

    def freeze(self) -> Lot:
        buy = self.buy
        fees = buy.fees - _fee_share(buy.fees, self.consumed, buy.quantity)
        return Lot(
            quantity=self.remaining,
            price=buy.price,
            fees=fees,
            bought_at=buy.traded_at,
            original_quantity=buy.quantity,
            trade_id=buy.trade_id,
            id=getattr(buy, "id", None),
        )


def _replay(key: Key, trades: Sequence[TradeIn]) -> Position:
    lots: deque[_OpenLot] = deque()
    held = 0
    realized = ZERO
    bought = sold = 0
    for trade in trades:
        if trade.side == "buy":
            lots.append(_OpenLot(trade))
            held += trade.quantity
            bought += trade.quantity
            continue
        if trade.quantity > held:
            raise OversellError(trade, held)
        cost = ZERO
        left = trade.quantity
        while left:
            lot = lots[0]
            qty = min(left, lot.remaining)
            cost += lot.take(qty)
            left -= qty
            if lot.remaining == 0:
                lots.popleft()
        held -= trade.quantity
        sold += trade.quantity
        realized += trade.gross - trade.fees - cost
    frozen = tuple(lot.freeze() for lot in lots)
    invested = sum((lot.cost for lot in frozen), ZERO)
    return Position(
        symbol=key[0],
        market=key[1],
        quantity=held,
        lots=frozen,
        invested=invested,
        avg_cost=invested / held if held else ZERO,
        realized_pnl=realized,
        bought_quantity=bought,
        sold_quantity=sold,
        first_bought=frozen[0].bought_at if frozen else None,
        last_traded_at=trades[-1].traded_at,
        trades=tuple(trades),
    )


def sort_trades(trades: Iterable[TradeIn]) -> list[TradeIn]:
    """Trades in replay order: (traded_at, id), unsaved trades after saved ones at a tie."""
    indexed = list(enumerate(trades))
    indexed.sort(key=lambda pair: trade_order(pair[1], pair[0]))
    return [trade for _, trade in indexed]


def holdings_from_trades(trades: Iterable[TradeIn]) -> dict[Key, Position]:
    """Replay trades per instrument on FIFO lots; raises OversellError at the first bad sell.

    Closed positions (quantity 0) are included: they carry realized P&L.
    """
    by_key: dict[Key, list[TradeIn]] = {}
    for trade in sort_trades(trades):
        by_key.setdefault(trade.key, []).append(trade)
    return {key: _replay(key, group) for key, group in by_key.items()}


def _changed_book(
    existing: Sequence[TradeIn], new: TradeIn | None, replaces: int | None
) -> tuple[list[TradeIn], set[Key]]:
    affected: set[Key] = set()
    kept: list[TradeIn] = []
    for trade in existing:
        trade_db_id = getattr(trade, "id", None)
        if replaces is not None and trade_db_id == replaces:
            affected.add(trade.key)
            continue
        kept.append(trade)
    if replaces is not None and not affected:
        raise KeyError(f"no trade with id {replaces}")
    if new is not None:
        affected.add(new.key)
        kept.append(new)
    return [t for t in kept if t.key in affected], affected


def validate_new_trade(
    existing: Sequence[TradeIn], new: TradeIn | None, *, replaces: int | None = None
) -> dict[Key, Position]:
    """Check that the book stays valid at every point in time after a change.

    Insert: `new` only. Edit: `new` plus `replaces` (the id of the trade it supersedes; when
    omitted, a `new` whose id matches an existing trade replaces it). Delete: `new=None` and
    `replaces`. Because the whole history of the affected instruments is replayed, an edit or
    deletion of an early buy that leaves a later sell short is caught. Returns the affected
    positions as they would be after the change; raises OversellError otherwise.
    """
    if replaces is None and new is not None:
        new_id = getattr(new, "id", None)
        if new_id is not None and any(getattr(t, "id", None) == new_id for t in existing):
            replaces = new_id
    book, _ = _changed_book(existing, new, replaces)
    return holdings_from_trades(book)


def validate_deletion(existing: Sequence[TradeIn], trade_id: int) -> dict[Key, Position]:
    """Deleting a trade (by database id) must not leave any later sell short."""
    return validate_new_trade(existing, None, replaces=trade_id)
