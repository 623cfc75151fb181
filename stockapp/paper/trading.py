"""Placing, changing and cancelling paper orders: one path for the REST API and the app.

Each function takes the caller's database runner (`Run`: awaits `fn(session)` in one
transaction), so the API maps persistence errors to HTTP answers and the pages to form
messages, while the steps (which book, the instrument's current price, the checks, handing
the order to the engine, telling the user's tabs and sockets) are written once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlmodel import Session

from stockapp.market.clock import app_now
from stockapp.market.hub import PriceHub
from stockapp.market.instruments import Universe
from stockapp.market.models import Key, Quote
from stockapp.market.paper import Contract, MarketView, OrderRequest, to_paise
from stockapp.market.paper.contracts import OptionContract, option_quotes, resolve_contract
from stockapp.market.sim.session import from_ms
from stockapp.paper import events, executions, store
from stockapp.paper.engine import PaperEngine, paper_engine
from stockapp.replay import store as replay_store
from stockapp.replay.manager import replays
from stockapp.settings import get_settings

T = TypeVar("T")
Run = Callable[[Callable[[Session], T]], Awaitable[T]]


@dataclass(frozen=True, slots=True)
class PaperBook:
    """Where paper orders go: the live market's book, or one of the user's replays."""

    id: str  # store.LIVE or a replay id
    hub: PriceHub
    engine: PaperEngine
    now: Callable[[], datetime]


async def book_for(run: Run, user_id: int, hub: PriceHub, replay_id: str | None) -> PaperBook:
    """The live book, or the user's replay `replay_id` (NotFound if it is not theirs)."""
    if not replay_id:
        return PaperBook(store.LIVE, hub, paper_engine, app_now)
    data = await run(lambda s: replay_store.get(s, user_id, replay_id))
    shown = replays.shown_ms
    return PaperBook(
        data.id,
        await replays.hub(data),
        await replays.paper(data),
        lambda: from_ms(shown(data.id)),
    )


async def prices(book: PaperBook, universe: Universe, keys: list[Key]) -> dict[Key, Quote]:
    """Hub quotes for instruments; option contracts priced off their underlying's quote."""
    hub, now = book.hub, book.now()
    options: dict[Key, list[OptionContract]] = {}
    plain: list[Key] = []
    for key in keys:
        contract = resolve_contract(universe, key[0], key[1], now)
        if isinstance(contract, OptionContract):
            options.setdefault(contract.underlying_key, []).append(contract)
        elif contract is not None:
            plain.append(key)
    quotes = await hub.quotes([*plain, *options]) if plain or options else {}
    out: dict[Key, Quote] = {k: quotes[k] for k in plain if k in quotes}
    for ukey, contracts in options.items():
        under, q = universe.get(*ukey), quotes.get(ukey)
        if under is not None and q is not None and q.current_price > 0:
            out.update(option_quotes(under, q.current_price, contracts, now, q.prev_close))
    return out


async def market_view(
    book: PaperBook, universe: Universe, symbol: str, market: str
) -> tuple[Contract | None, MarketView | None]:
    """The contract and its current price (options: priced off the underlying's quote)."""
    contract = resolve_contract(universe, symbol, market, book.now())
    if contract is None:
        return None, None
    key = (contract.symbol, contract.market)
    quote = (await prices(book, universe, [key])).get(key)
    if quote is None or quote.current_price <= 0:
        return contract, None
    ask = getattr(quote, "ask", None)
    view = MarketView(
        to_paise(quote.current_price),
        to_paise(quote.prev_close),
        to_paise(ask) if ask else None,
    )
    return contract, view


async def _to_engine(run: Run, book: PaperBook, order_id: int) -> None:
    row = await run(lambda s: executions.open_order(s, order_id))
    if row is not None:
        book.engine.order_opened(row)
    else:
        book.engine.order_closed(order_id)


async def place(
    run: Run, user_id: int, book: PaperBook, universe: Universe, fields: dict[str, Any]
) -> store.OrderData:
    """Record an order (open, or rejected with its reason) and start evaluating it.

    `fields` are OrderRequest's; `symbol` is matched case-insensitively and stored in its
    canonical spelling. OrderRejected only for a field outside its closed set of values.
    """
    symbol = str(fields["symbol"]).strip().upper()
    market = fields["market"]
    contract, view = await market_view(book, universe, symbol, market)
    if contract is not None:
        symbol = contract.symbol
    gtt = fields["order_type"] in ("gtt", "gtt_oco")
    validity = fields.get("validity") or ("gtt" if gtt else "day")
    req = OrderRequest(**{**fields, "symbol": symbol, "validity": validity})
    opening = get_settings().paper_opening_balance
    now = book.now()
    order = await run(
        lambda s: store.place_order(
            s, user_id, req, contract=contract, view=view, now=now, opening=opening, book=book.id
        )
    )
    if order.status != "rejected":
        await _to_engine(run, book, order.id)
    await events.publish(user_id, order)
    return order


async def modify(
    run: Run,
    user_id: int,
    order_id: int,
    changes: dict[str, Decimal | int],
    hub: PriceHub,
    universe: Universe,
) -> store.OrderData:
    """Change an open order (checked again as if new): NotFound, Conflict or ValueError."""
    current = await run(lambda s: store.get_order(s, user_id, order_id))
    book = await book_for(run, user_id, hub, current.book)
    contract, view = await market_view(book, universe, current.symbol, current.market)
    opening = get_settings().paper_opening_balance
    now = book.now()
    order = await run(
        lambda s: store.modify_order(
            s, user_id, order_id, changes, contract=contract, view=view, now=now, opening=opening
        )
    )
    await _to_engine(run, book, order.id)
    await events.publish(user_id, order)
    return order


async def cancel(run: Run, user_id: int, order_id: int, hub: PriceHub) -> store.OrderData:
    """Cancel an open order: NotFound (not the user's) or Conflict (no longer open)."""
    current = await run(lambda s: store.get_order(s, user_id, order_id))
    book = await book_for(run, user_id, hub, current.book)
    now = book.now()
    order = await run(lambda s: store.cancel_order(s, user_id, order_id, now))
    book.engine.order_closed(order_id)
    await events.publish(user_id, order)
    return order
