"""Portfolio: trades in, FIFO holdings out, marked to live prices; broker CSV in and out.

FIFO replay, valuation and CSV building run in the thread pool, never on the event loop
(one big book would otherwise stall every other request and socket), and positions come
from the per-user cache that a trade change invalidates (`db.positions`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, File, HTTPException, Request, Response, UploadFile, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field, field_validator

from stockapp.api.deps import CurrentUser, HubDep, ObjectId, UniverseDep, db_call
from stockapp.api.schemas import model_of
from stockapp.db import trades as tr
from stockapp.db.positions import cached_positions
from stockapp.market.hub import PriceHub
from stockapp.market.instruments import Universe
from stockapp.market.models import DEFAULT_MARKET, MARKETS, Key, iso_ms
from stockapp.portfolio import (
    IST,
    HoldingValuation,
    PortfolioValuation,
    Position,
    PriceInfo,
    Trade,
    TradeError,
    TradeIn,
    holdings_to_csv,
    money,
    trades_to_csv,
    value_portfolio,
)
from stockapp.portfolio.csv_fields import DATE_ONLY_TIME, MAX_NOTE, MAX_PRICE, MAX_QUANTITY
from stockapp.portfolio.trades import check_trade_date
from stockapp.records import carry
from stockapp.settings import get_settings

T = TypeVar("T")
CLOCK_SKEW = timedelta(minutes=5)  # tolerated lead of a client's clock over ours
MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around the file
CSV_RESPONSE = {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}


def _too_large(limit: int) -> str:
    return f"The file is larger than the {limit // 1024} KB limit"


class UploadLimitRoute(APIRoute):
    """Refuses a body whose declared length is over the import limit before it is read, so
    a huge upload costs neither the time to receive it nor disk to spool it."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def limited(request: Request) -> Response:
            limit = get_settings().import_max_bytes
            length = request.headers.get("content-length", "")
            if length.isdigit() and int(length) > limit + MULTIPART_OVERHEAD:
                return JSONResponse({"detail": _too_large(limit)}, status_code=413)
            return await handler(request)

        return limited


router = APIRouter(prefix="/portfolio", tags=["portfolio"])
upload_router = APIRouter(route_class=UploadLimitRoute)


# -- models -------------------------------------------------------------------------------
class TradeBody(BaseModel):
    symbol: str = Field(min_length=1, max_length=32, examples=["RELIANCE"])
    market: str = Field(DEFAULT_MARKET, description="india_nse (default) or india_bse")
    side: Literal["buy", "sell"]
    quantity: int = Field(gt=0, le=MAX_QUANTITY, description="whole shares")
    price: Decimal = Field(gt=0, le=MAX_PRICE, description="price per share in INR")
    traded_at: datetime = Field(
        description="ISO 8601; without an offset it is UTC; a bare date (YYYY-MM-DD) means "
        "that day's market open in India"
    )
    fees: Decimal = Field(Decimal(0), ge=0, le=MAX_PRICE, description="brokerage and charges")
    note: str = Field("", max_length=MAX_NOTE)

    @field_validator("traded_at", mode="before")
    @classmethod
    def _date_means_market_open(cls, value: object) -> object:
        if isinstance(value, str) and len(value.strip()) == 10:
            day = date.fromisoformat(value.strip())
            return datetime.combine(day, DATE_ONLY_TIME, tzinfo=IST)
        return value

    @field_validator("traded_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# A stored trade is the portfolio's Trade, money as JSON numbers and the time as ISO 8601.
TradeOut = model_of(
    Trade,
    "TradeOut",
    types={"id": int, "price": float, "fees": float, "traded_at": str},
    docs={"trade_id": "broker trade id, or a fingerprint for imports"},
)


class HoldingOut(BaseModel):
    symbol: str
    market: str
    name: str
    sector: str
    quantity: int
    avg_cost: float = Field(description="invested / quantity; buy fees are part of the cost")
    invested: float
    current_price: float | None
    prev_close: float | None
    market_value: float | None
    unrealized_pnl: float | None
    unrealized_pct: float | None = Field(description="percent of invested")
    day_pnl: float | None
    realized_pnl: float
    xirr: float | None = Field(description="annual fraction (0.12 = 12%), null if undefined")
    xirr_reason: str | None = Field(None, description="why xirr is null (undefined, ambiguous)")


class TotalsOut(BaseModel):
    invested: float
    market_value: float
    unrealized_pnl: float
    unrealized_pct: float | None
    realized_pnl: float
    day_pnl: float
    xirr: float | None = Field(description="annual fraction (0.12 = 12%), null if undefined")
    xirr_reason: str | None = Field(None, description="why xirr is null (undefined, ambiguous)")


class PortfolioOut(BaseModel):
    holdings: list[HoldingOut]
    totals: TotalsOut
    as_of: str = Field(description="when the prices were taken")


class ImportOut(BaseModel):
    imported: int
    skipped_duplicates: int


# -- helpers ------------------------------------------------------------------------------


def _opt(value: Decimal | None) -> float | None:
    return None if value is None else float(money(value))


def trade_out(trade: Trade) -> TradeOut:
    return carry(
        TradeOut,
        trade,
        id=trade.id or 0,
        price=float(trade.price),
        fees=float(trade.fees),
        traded_at=iso_ms(trade.traded_at),
    )


def _trade_in(body: TradeBody, universe: Universe) -> TradeIn:
    symbol = body.symbol.strip().upper()
    market = body.market or DEFAULT_MARKET
    if market not in MARKETS:
        raise HTTPException(
            422, detail=f"Unknown market {market!r}; use one of {', '.join(MARKETS)}"
        )
    inst = universe.get(symbol, market)
    if inst is None or inst.is_index:
        raise HTTPException(422, detail=f"Unknown symbol {symbol!r} on {market}")
    if body.traded_at > datetime.now(UTC) + CLOCK_SKEW:
        raise HTTPException(422, detail=f"traded_at {iso_ms(body.traded_at)} is in the future")
    try:
        check_trade_date(body.traded_at.astimezone(IST).date())
        return carry(TradeIn, body, symbol=symbol, market=market, note=body.note.strip())
    except TradeError as exc:
        raise HTTPException(422, detail=str(exc)) from exc


async def live_prices(hub: PriceHub, keys: list[Key]) -> dict[Key, PriceInfo]:
    quotes = await hub.quotes(keys) if keys else {}
    return {k: PriceInfo(q.current_price, q.prev_close) for k, q in quotes.items()}


async def valuation(
    hub: PriceHub, positions: dict[Key, Position]
) -> tuple[PortfolioValuation, datetime]:
    held = [k for k, p in positions.items() if p.quantity > 0]
    prices = await live_prices(hub, held)
    now = datetime.now(UTC)
    valued = await run_in_threadpool(
        value_portfolio, positions, prices, now.astimezone(IST).date(), now
    )
    return valued, now


def holding_out(h: HoldingValuation, universe: Universe) -> HoldingOut:
    inst = universe.get(h.symbol, h.market)
    return HoldingOut(
        symbol=h.symbol,
        market=h.market,
        name=inst.name if inst else h.symbol,
        sector=inst.sector if inst else "",
        quantity=h.quantity,
        avg_cost=float(money(h.avg_cost)),
        invested=float(money(h.invested)),
        current_price=_opt(h.price.current_price) if h.price else None,
        prev_close=_opt(h.price.prev_close) if h.price else None,
        market_value=_opt(h.market_value),
        unrealized_pnl=_opt(h.unrealized_pnl),
        unrealized_pct=_opt(h.unrealized_pct),
        day_pnl=_opt(h.day_pnl),
        realized_pnl=float(money(h.realized_pnl)),
        xirr=h.xirr,
        xirr_reason=h.xirr_reason,
    )


async def _positions(user_id: int) -> dict[Key, Position]:
    return await db_call(lambda s: cached_positions(s, user_id))


def portfolio_out(valued: PortfolioValuation, now: datetime, universe: Universe) -> PortfolioOut:
    """The response body of a valued book (the real portfolio and the paper one share it)."""
    t = valued.totals
    return PortfolioOut(
        holdings=[holding_out(h, universe) for h in valued.holdings],
        totals=TotalsOut(
            invested=float(money(t.invested)),
            market_value=float(money(t.market_value)),
            unrealized_pnl=float(money(t.unrealized_pnl)),
            unrealized_pct=_opt(t.unrealized_pct),
            realized_pnl=float(money(t.realized_pnl)),
            day_pnl=float(money(t.day_pnl)),
            xirr=t.xirr,
            xirr_reason=t.xirr_reason,
        ),
        as_of=iso_ms(now),
    )


# -- routes -------------------------------------------------------------------------------
@router.get("", response_model=PortfolioOut)
async def portfolio(user: CurrentUser, hub: HubDep, universe: UniverseDep) -> PortfolioOut:
    valued, now = await valuation(hub, await _positions(user.id))
    return await run_in_threadpool(portfolio_out, valued, now, universe)


@router.get("/trades", response_model=list[TradeOut])
async def list_trades(user: CurrentUser) -> list[TradeOut]:
    return await db_call(
        lambda s: [trade_out(t) for t in tr.list_trades(s, user.id, newest_first=True)]
    )


@router.post("/trades", response_model=TradeOut, status_code=status.HTTP_201_CREATED)
async def add_trade(body: TradeBody, user: CurrentUser, universe: UniverseDep) -> TradeOut:
    trade = _trade_in(body, universe)
    return trade_out(await db_call(lambda s: tr.add_trade(s, user.id, trade)))


@router.get("/trades/{trade_id}", response_model=TradeOut)
async def get_trade(trade_id: ObjectId, user: CurrentUser) -> TradeOut:
    return trade_out(await db_call(lambda s: tr.get_trade(s, user.id, trade_id)))


@router.patch("/trades/{trade_id}", response_model=TradeOut)
async def edit_trade(
    trade_id: ObjectId, body: TradeBody, user: CurrentUser, universe: UniverseDep
) -> TradeOut:
    # ownership first, so another user's id answers 404 whatever the body says
    await db_call(lambda s: tr.get_trade(s, user.id, trade_id))
    trade = _trade_in(body, universe)
    return trade_out(await db_call(lambda s: tr.update_trade(s, user.id, trade_id, trade)))


@router.delete("/trades/{trade_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_trade(trade_id: ObjectId, user: CurrentUser) -> Response:
    await db_call(lambda s: tr.delete_trade(s, user.id, trade_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@upload_router.post("/import", response_model=ImportOut)
async def import_file(
    file: Annotated[
        UploadFile, File(description="Zerodha Console tradebook or generic CSV (UTF-8)")
    ],
    user: CurrentUser,
    universe: UniverseDep,
) -> ImportOut:
    limit = get_settings().import_max_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, detail=_too_large(limit))
    name = file.filename or ""

    def known(symbol: str, market: str) -> bool:
        inst = universe.get(symbol, market)
        return inst is not None and not inst.is_index

    imported, skipped = await db_call(
        lambda s: tr.import_csv(s, user.id, data, filename=name, known=known, max_bytes=limit)
    )
    return ImportOut(imported=imported, skipped_duplicates=skipped)


router.include_router(upload_router)


def _csv(text: str, filename: str) -> Response:
    return Response(
        content=text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/export.csv", response_class=Response, responses=CSV_RESPONSE)
async def export_trades(user: CurrentUser) -> Response:
    """Every trade, oldest first, in the generic layout the import reads back."""
    text = await db_call(lambda s: trades_to_csv(tr.list_trades(s, user.id)))
    return _csv(text, "trades.csv")


@router.get("/holdings.csv", response_class=Response, responses=CSV_RESPONSE)
async def export_holdings(user: CurrentUser, hub: HubDep) -> Response:
    valued, _ = await valuation(hub, await _positions(user.id))
    return _csv(await run_in_threadpool(holdings_to_csv, valued), "holdings.csv")
