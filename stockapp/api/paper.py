"""Paper trading: virtual orders on live prices, their book, the paper portfolio and funds.

A documented extension of the public API (docs/api.md, "Paper trading"). Every order that
reaches the order checks is recorded, including rejected ones: a rejection answers 422
with the reason in `detail` and the recorded order in `order`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from stockapp.api.deps import CurrentUser, HubDep, ObjectId, UniverseDep, db_call
from stockapp.api.portfolio import PortfolioOut, portfolio_out
from stockapp.api.schemas import model_of
from stockapp.market.models import DEFAULT_MARKET, iso_ms
from stockapp.market.paper import OrderRejected
from stockapp.paper import store, trading
from stockapp.paper.portfolio import paper_positions
from stockapp.paper.store import OrderData
from stockapp.paper.trading import PaperBook
from stockapp.portfolio import IST, PriceInfo, money, value_portfolio
from stockapp.records import carry
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
    exclude=("user_id",),
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


LIVE_REPLAY_DOC = "trade inside this replay of yours (its prices, clock and account)"


async def paper_book(
    user: CurrentUser,
    hub: HubDep,
    replay: str | None = Query(None, max_length=32, description=LIVE_REPLAY_DOC),
) -> PaperBook:
    return await trading.book_for(db_call, user.id, hub, replay)


BookDep = Annotated[PaperBook, Depends(paper_book)]


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
    fields = body.model_dump()
    try:
        order = await trading.place(db_call, user.id, book, universe, fields)
    except OrderRejected as exc:  # cannot happen past the Literal fields; kept for safety
        return JSONResponse({"detail": str(exc)}, status_code=422)
    if order.status == "rejected":
        return JSONResponse(
            {"detail": order.reason, "order": order.as_dict()},
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
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
    changes = body.model_dump(exclude_none=True)
    return _out(await trading.modify(db_call, user.id, order_id, changes, hub, universe))


@router.delete(
    "/orders/{order_id}", response_model=OrderOut, responses={**AUTH, **NOT_FOUND, **CONFLICT}
)
async def cancel_order(order_id: ObjectId, user: CurrentUser, hub: HubDep) -> OrderOut:
    """Cancel an open order; answers the cancelled order."""
    return _out(await trading.cancel(db_call, user.id, order_id, hub))


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
    quotes = await trading.prices(book, universe, held)
    prices = {k: PriceInfo(q.current_price, q.prev_close) for k, q in quotes.items()}
    now = book.now()
    valued = value_portfolio(positions, prices, now.astimezone(IST).date(), now)
    base = portfolio_out(valued, now, universe)
    return PaperPortfolioOut(**dict(base), funds=_funds_out(funds))
