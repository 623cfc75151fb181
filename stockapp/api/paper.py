"""Paper trading: virtual orders on live prices, their book, the paper portfolio and funds.

A documented extension of the public API (docs/api.md, "Paper trading"). Every order that
reaches the order checks is recorded, including rejected ones: a rejection answers 422
with the reason in `detail` and the recorded order in `order`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from stockapp.api.deps import CurrentUser, HubDep, ObjectId, UniverseDep, db_call
from stockapp.api.portfolio import PortfolioOut, portfolio_out
from stockapp.api.schemas import model_of
from stockapp.market.clock import app_now
from stockapp.market.hub import PriceHub
from stockapp.market.instruments import Universe
from stockapp.market.models import DEFAULT_MARKET, Key, Quote, iso_ms
from stockapp.market.paper import Contract, MarketView, OrderRejected, OrderRequest, to_paise
from stockapp.market.paper.contracts import OptionContract, option_quotes, resolve_contract
from stockapp.market.sim.session import from_ms
from stockapp.paper import executions, store
from stockapp.paper.engine import PaperEngine, paper_engine
from stockapp.paper.portfolio import paper_positions
from stockapp.paper.store import OrderData
from stockapp.portfolio import IST, PriceInfo, money, value_portfolio
from stockapp.records import carry
from stockapp.replay import store as replay_store
from stockapp.replay.manager import replays
from stockapp.settings import get_settings

router = APIRouter(prefix="/paper", tags=["paper trading"])

MAX_QUANTITY = 10**9
MAX_PRICE = Decimal(10**8)
Price = Decimal | None
# documented lower bound; a zero or negative price is still answered by the engine's own
# recorded rejection (422), so it is not enforced here
NON_NEGATIVE = {"minimum": 0}


class ErrorOut(BaseModel):
    detail: str


class UnprocessableOut(BaseModel):
    detail: str | list[dict[str, Any]] = Field(
        description="why, in a string; FastAPI's list of errors for a body that does not parse"
    )


class OrderIn(BaseModel):
    symbol: str = Field(
        min_length=1,
        max_length=32,
        examples=["RELIANCE", "NIFTY26DEC2926000CE"],
        description="an equity, or an NSE option as <underlying><YY><MON><DD><strike><CE|PE>",
    )
    market: str = Field(DEFAULT_MARKET, max_length=16, description="india_nse or india_bse")
    side: Literal["buy", "sell"]
    quantity: int = Field(
        ge=-MAX_QUANTITY,
        le=MAX_QUANTITY,
        description="shares (for F&O a multiple of the lot size); zero or less is rejected",
    )
    order_type: Literal["market", "limit", "sl", "sl_m", "gtt", "gtt_oco"] = "market"
    product: Literal["cnc", "mis"] = Field("cnc", description="cnc delivery, mis intraday")
    validity: Literal["day", "gtt"] | None = Field(
        None, description="default: gtt for gtt/gtt_oco orders, day otherwise"
    )
    price: Price = Field(
        None,
        le=MAX_PRICE,
        json_schema_extra=NON_NEGATIVE,
        description="limit price (OCO: target leg's)",
    )
    trigger_price: Price = Field(
        None, le=MAX_PRICE, json_schema_extra=NON_NEGATIVE, description="sl/sl_m/gtt trigger"
    )
    stop_trigger_price: Price = Field(
        None, le=MAX_PRICE, json_schema_extra=NON_NEGATIVE, description="gtt_oco stop trigger"
    )
    stop_price: Price = Field(
        None, le=MAX_PRICE, json_schema_extra=NON_NEGATIVE, description="gtt_oco stop leg's limit"
    )


class OrderPatch(BaseModel):
    quantity: int | None = Field(None, gt=0, le=MAX_QUANTITY)
    price: Price = Field(None, gt=0, le=MAX_PRICE)
    trigger_price: Price = Field(None, gt=0, le=MAX_PRICE)
    stop_trigger_price: Price = Field(None, gt=0, le=MAX_PRICE)
    stop_price: Price = Field(None, gt=0, le=MAX_PRICE)


# The order book's response row is the store's OrderData, field for field; only the API's
# documentation and the closed set of statuses are added here, so the two cannot drift apart.
_ORDER_FIELD_DOCS = {
    "book": "empty for the live market; a replay id for an order placed inside that replay",
    "triggered": "a stop-loss or GTT whose trigger was reached",
    "leg": "the OCO leg that triggered: target or stop",
    "reason": "why it was rejected or cancelled",
    "source": "user, or square_off for the 15:20 IST square-off",
}
_ORDER_FIELD_TYPES: dict[str, Any] = {
    "status": Literal["open", "executed", "cancelled", "rejected"],
}
OrderOut = model_of(OrderData, "OrderOut", types=_ORDER_FIELD_TYPES, docs=_ORDER_FIELD_DOCS)


class RejectedOut(BaseModel):
    detail: str | list[dict[str, Any]] = Field(
        description="why the order was rejected (FastAPI's list of errors for a body that "
        "does not parse: no order is recorded then)"
    )
    order: OrderOut | None = Field(
        None, description="the rejected order, as recorded in the order book"
    )


class InvalidBodyOut(BaseModel):
    """FastAPI's answer to a body or parameter that does not parse (detail is a list)."""

    detail: list[dict[str, Any]] | str


class FundsOut(BaseModel):
    opening_balance: float
    cash: float = Field(description="opening balance plus sell proceeds less buys and charges")
    blocked: float = Field(description="held for open buy orders (value plus charges)")
    available: float


class PaperPortfolioOut(PortfolioOut):
    funds: FundsOut


# A fill is the store's FillData, money as JSON numbers and the time as ISO 8601.
FillOut = model_of(
    store.FillData,
    "FillOut",
    types={"price": float, "charges": float, "filled_at": str},
    docs={"charges": "brokerage, STT, exchange, SEBI, stamp duty and GST"},
)


AUTH = {401: {"model": ErrorOut, "description": "Not authenticated"}}
NO_REPLAY = {404: {"model": ErrorOut, "description": "No such replay of yours (`replay`)"}}
NOT_FOUND = {404: {"model": ErrorOut, "description": "No such order of yours"}}
CONFLICT = {409: {"model": ErrorOut, "description": "The order is no longer open"}}
UNPROCESSABLE = {422: {"model": UnprocessableOut, "description": "The change is refused"}}


def _out(o: store.OrderData) -> OrderOut:
    return OrderOut(**o.as_dict())


def _funds_out(f: store.FundsData) -> FundsOut:
    return FundsOut(
        opening_balance=float(money(f.opening_balance)),
        cash=float(money(f.cash)),
        blocked=float(money(f.blocked)),
        available=float(money(f.available)),
    )


@dataclass(frozen=True, slots=True)
class PaperBook:
    """Where paper orders go: the live market's book, or one of the user's replays."""

    id: str  # store.LIVE or a replay id
    hub: PriceHub
    engine: PaperEngine
    now: Callable[[], datetime]


LIVE_REPLAY_DOC = "trade inside this replay of yours (its prices, clock and account)"


async def _book(user_id: int, hub: PriceHub, replay_id: str | None) -> PaperBook:
    if not replay_id:
        return PaperBook(store.LIVE, hub, paper_engine, app_now)
    data = await db_call(lambda s: replay_store.get(s, user_id, replay_id))  # 404 if not yours
    shown = replays.shown_ms
    return PaperBook(
        data.id,
        await replays.hub(data),
        await replays.paper(data),
        lambda: from_ms(shown(data.id)),
    )


async def paper_book(
    user: CurrentUser,
    hub: HubDep,
    replay: str | None = Query(None, max_length=32, description=LIVE_REPLAY_DOC),
) -> PaperBook:
    return await _book(user.id, hub, replay)


BookDep = Annotated[PaperBook, Depends(paper_book)]


async def _market(
    book: PaperBook, universe: Universe, symbol: str, market: str
) -> tuple[Contract | None, MarketView | None]:
    """The contract and its current price (options: priced off the underlying's quote)."""
    now = book.now()
    contract = resolve_contract(universe, symbol, market, now)
    if contract is None:
        return None, None
    quote = (await _prices(book, universe, [(contract.symbol, contract.market)])).get(
        (contract.symbol, contract.market)
    )
    if quote is None or quote.current_price <= 0:
        return contract, None
    ask = getattr(quote, "ask", None)
    view = MarketView(
        to_paise(quote.current_price),
        to_paise(quote.prev_close),
        to_paise(ask) if ask else None,
    )
    return contract, view


async def _prices(book: PaperBook, universe: Universe, keys: list[Key]) -> dict[Key, Quote]:
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


async def _to_engine(book: PaperBook, order_id: int) -> None:
    row = await db_call(lambda s: executions.open_order(s, order_id))
    if row is not None:
        book.engine.order_opened(row)
    else:
        book.engine.order_closed(order_id)


@router.post(
    "/orders",
    response_model=OrderOut,
    status_code=status.HTTP_201_CREATED,
    responses={
        **AUTH,
        **NO_REPLAY,
        422: {
            "model": RejectedOut | InvalidBodyOut,
            "description": "Rejected (recorded in the order book with its reason): unknown "
            "symbol, quantity not a multiple of the lot size, price off the tick grid or "
            "outside the band, insufficient virtual funds, ... A body that does not parse "
            "gets FastAPI's validation error instead (detail is then a list).",
        },
    },
)
async def place_order(
    body: OrderIn, user: CurrentUser, book: BookDep, universe: UniverseDep
) -> OrderOut | JSONResponse:
    symbol, market = body.symbol.strip().upper(), body.market
    contract, view = await _market(book, universe, symbol, market)
    if contract is not None:
        symbol = contract.symbol  # the canonical spelling
    gtt = body.order_type in ("gtt", "gtt_oco")
    validity = body.validity or ("gtt" if gtt else "day")
    try:
        req = carry(OrderRequest, body, symbol=symbol, market=market, validity=validity)
    except OrderRejected as exc:  # cannot happen past the Literal fields; kept for safety
        return JSONResponse({"detail": str(exc)}, status_code=422)
    opening = get_settings().paper_opening_balance
    now = book.now()
    order = await db_call(
        lambda s: store.place_order(
            s, user.id, req, contract=contract, view=view, now=now, opening=opening, book=book.id
        )
    )
    if order.status == "rejected":
        return JSONResponse(
            {"detail": order.reason, "order": order.as_dict()},
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    await _to_engine(book, order.id)
    return _out(order)


@router.get("/orders", response_model=list[OrderOut], responses={**AUTH, **NO_REPLAY})
async def list_orders(
    user: CurrentUser,
    book: BookDep,
    status_: Literal["open", "executed", "cancelled", "rejected"] | None = Query(
        None, alias="status", description="only orders in this state"
    ),
) -> list[OrderOut]:
    """Newest first (at most 500)."""
    orders = await db_call(lambda s: store.list_orders(s, user.id, status_, book=book.id))
    return [_out(o) for o in orders]


@router.get("/orders/{order_id}", response_model=OrderOut, responses={**AUTH, **NOT_FOUND})
async def get_order(order_id: ObjectId, user: CurrentUser) -> OrderOut:
    return _out(await db_call(lambda s: store.get_order(s, user.id, order_id)))


@router.patch(
    "/orders/{order_id}",
    response_model=OrderOut,
    responses={**AUTH, **NOT_FOUND, **CONFLICT, **UNPROCESSABLE},
)
async def modify_order(
    order_id: ObjectId,
    body: OrderPatch,
    user: CurrentUser,
    hub: HubDep,
    universe: UniverseDep,
) -> OrderOut:
    """Change the quantity or prices of an open order; it is checked again as if new."""
    current = await db_call(lambda s: store.get_order(s, user.id, order_id))
    book = await _book(user.id, hub, current.book)
    contract, view = await _market(book, universe, current.symbol, current.market)
    changes = body.model_dump(exclude_none=True)
    opening = get_settings().paper_opening_balance
    now = book.now()
    order = await db_call(
        lambda s: store.modify_order(
            s,
            user.id,
            order_id,
            changes,
            contract=contract,
            view=view,
            now=now,
            opening=opening,
        )
    )
    await _to_engine(book, order.id)
    return _out(order)


@router.delete(
    "/orders/{order_id}", response_model=OrderOut, responses={**AUTH, **NOT_FOUND, **CONFLICT}
)
async def cancel_order(order_id: ObjectId, user: CurrentUser, hub: HubDep) -> OrderOut:
    """Cancel an open order; answers the cancelled order."""
    current = await db_call(lambda s: store.get_order(s, user.id, order_id))
    book = await _book(user.id, hub, current.book)
    now = book.now()
    order = await db_call(lambda s: store.cancel_order(s, user.id, order_id, now))
    book.engine.order_closed(order_id)
    return _out(order)


@router.get("/funds", response_model=FundsOut, responses={**AUTH, **NO_REPLAY})
async def get_funds(user: CurrentUser, book: BookDep) -> FundsOut:
    opening = get_settings().paper_opening_balance
    return _funds_out(await db_call(lambda s: store.funds(s, user.id, opening, book.id)))


@router.get("/trades", response_model=list[FillOut], responses={**AUTH, **NO_REPLAY})
async def list_trades(user: CurrentUser, book: BookDep) -> list[FillOut]:
    """Every fill, oldest first, with its contract-note charges."""
    fills = await db_call(lambda s: store.list_fills(s, user.id, book.id))
    return [
        carry(
            FillOut,
            f,
            price=float(f.price),
            charges=float(f.charges),
            filled_at=iso_ms(f.filled_at),
        )
        for f in fills
    ]


@router.get("/portfolio", response_model=PaperPortfolioOut, responses={**AUTH, **NO_REPLAY})
async def paper_portfolio(
    user: CurrentUser, book: BookDep, universe: UniverseDep
) -> PaperPortfolioOut:
    """The paper book in the shape of GET /api/v1/portfolio, plus the funds."""
    opening = get_settings().paper_opening_balance

    def read(s):
        return store.list_fills(s, user.id, book.id), store.funds(s, user.id, opening, book.id)

    fills, funds = await db_call(read)
    positions = paper_positions(fills)
    held = [k for k, p in positions.items() if p.quantity > 0]
    quotes = await _prices(book, universe, held)
    prices = {k: PriceInfo(q.current_price, q.prev_close) for k, q in quotes.items()}
    now = book.now()
    valued = value_portfolio(positions, prices, now.astimezone(IST).date(), now)
    base = portfolio_out(valued, now, universe)
    return PaperPortfolioOut(**dict(base), funds=_funds_out(funds))
