"""The logged-in user's paper trading for the order ticket, the Orders page and Portfolio's
Paper view: the same placement path as the REST API (stockapp.paper.trading), run against
the database directly, never over HTTP.

Every function takes the user id the caller has verified; orders of other users answer
NotFound exactly as the API does, so ids cannot be probed from the app either.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from stockapp.db.errors import Conflict, NotFound
from stockapp.db.session import run_db
from stockapp.market.clock import app_now
from stockapp.market.models import Key
from stockapp.market.paper import OrderRejected
from stockapp.market.paper.contracts import OptionContract, OptionSpec, resolve_contract
from stockapp.market.ticksize import tick_size
from stockapp.paper import events, store, trading
from stockapp.paper.portfolio import paper_trades
from stockapp.portfolio import Position, Trade, holdings_from_trades
from stockapp.runtime import runtime
from stockapp.services import replay
from stockapp.settings import get_settings

OrderData = store.OrderData
FundsData = store.FundsData
FillData = store.FillData
on_update = events.on_update
__all__ = ["Conflict", "NotFound", "OrderData", "OrderRejected", "on_update", "option_symbol"]


def option_symbol(underlying: str, expiry: str, strike: float, is_call: bool) -> str:
    """The trading symbol of an option chain row (NIFTY26DEC2926000CE)."""
    spec = OptionSpec(underlying, date.fromisoformat(expiry), Decimal(str(strike)), is_call)
    return spec.symbol


@dataclass(frozen=True, slots=True)
class Tradable:
    """What the ticket shows about an instrument before an order is placed."""

    symbol: str
    market: str
    lot_size: int  # 1 for cash equities
    option: bool
    tick: Decimal | None  # a fixed tick (options); None: NSE's price-linked ticks


def tradable(symbol: str, market: str) -> Tradable | None:
    """The contract `symbol` names (an equity or an NSE option), or None (unknown, index)."""
    contract = resolve_contract(runtime.universe, symbol.strip().upper(), market, app_now())
    if contract is None:
        return None
    tick = Decimal(contract.tick) / 100 if contract.tick else None
    return Tradable(
        contract.symbol,
        contract.market,
        contract.lot_size,
        isinstance(contract, OptionContract),
        tick,
    )


def price_tick(price: float, fixed: Decimal | None) -> Decimal:
    """The tick a price of this size moves by (for the ticket's step and hints)."""
    return fixed if fixed is not None else Decimal(str(tick_size(price)))


async def _book(uid: int) -> trading.PaperBook:
    """The book the user's pages trade in: their running replay's, else the live market's."""
    hub = runtime.require_hub()
    return await trading.book_for(run_db, uid, hub, await replay.active_replay_id(uid))


async def ltp(uid: int, symbol: str, market: str) -> float | None:
    """The instrument's current price in the user's market (live or their replay; an
    option priced off its underlying's quote)."""
    book = await _book(uid)
    quotes = await trading.prices(book, runtime.universe, [(symbol, market)])
    quote = quotes.get((symbol, market))
    return float(quote.current_price) if quote is not None else None


async def place(uid: int, fields: dict[str, Any]) -> OrderData:
    """Record the order (open or rejected with its reason) in the book of the market the
    user's pages show: their running replay's, else the live market's."""
    book = await _book(uid)
    return await trading.place(run_db, uid, book, runtime.universe, fields)


async def modify(uid: int, order_id: int, changes: dict[str, Decimal | int]) -> OrderData:
    """NotFound (not the user's), Conflict (no longer open) or ValueError (refused)."""
    await run_db(store.get_order, uid, order_id)  # NotFound for another user's, first
    hub = runtime.require_hub()
    return await trading.modify(run_db, uid, order_id, changes, hub, runtime.universe)


async def cancel(uid: int, order_id: int) -> OrderData:
    """NotFound (not the user's) or Conflict (no longer open)."""
    await run_db(store.get_order, uid, order_id)  # NotFound for another user's, first
    return await trading.cancel(run_db, uid, order_id, runtime.require_hub())


async def orders(uid: int) -> list[OrderData]:
    """The orders of the book the user's pages show (see `place`), newest first."""
    book_id = await replay.active_replay_id(uid) or store.LIVE
    return await run_db(lambda s: store.list_orders(s, uid, book=book_id))


async def funds(uid: int) -> FundsData:
    book_id = await replay.active_replay_id(uid) or store.LIVE
    return await run_db(store.funds, uid, get_settings().paper_opening_balance, book_id)


async def book(uid: int) -> tuple[list[Trade], dict[Key, Position], FundsData, Decimal]:
    """The user's paper fills in the book their pages show, as trades (ids negated: they
    are no real trade's ids), their FIFO positions, the virtual funds and charges paid."""
    opening = get_settings().paper_opening_balance
    book_id = await replay.active_replay_id(uid) or store.LIVE

    def read(s):
        return store.list_fills(s, uid, book_id), store.funds(s, uid, opening, book_id)

    fills, money = await run_db(read)
    trades = [replace(t, id=-(t.id or 0)) for t in paper_trades(fills)]
    charges = sum((f.charges for f in fills), Decimal(0))
    return trades, holdings_from_trades(trades), money, charges
