"""Stock screener over live quotes, and each user's saved screens."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import BaseModel, Field, create_model

from stockapp.api.deps import CurrentUser, HubDep, MarketDep, ObjectId, UniverseDep, db_call
from stockapp.api.schemas import model_of
from stockapp.db import screens as saved
from stockapp.market.hub import PriceHub
from stockapp.market.instruments import Universe
from stockapp.market.models import iso_ms
from stockapp.market.screening import (
    CRORE,
    MAX_LIMIT,
    PARAMS,
    ScreenCriteria,
    ScreenParamError,
    ScreenRow,
    apply_screen,
    criteria_from_dict,
    criteria_from_params,
    shared_screen_data,
)
from stockapp.records import carry
from stockapp.runtime import runtime

router = APIRouter(tags=["screener"])
T = TypeVar("T")


def _filter(name: str) -> tuple[Any, Any]:
    """A screener filter as a query parameter, with its documented finite range (checked
    by criteria_from_params, whose messages name the filter, as the Screener page's do)."""
    param = PARAMS[name]
    return (
        float | None,
        Field(
            None,
            description=f"{param.label}, from {param.low:g} to {param.high:g}",
            json_schema_extra={"minimum": param.low, "maximum": param.high},
        ),
    )


# The screener's filters as one query model, one parameter per entry of PARAMS.
ScreenFilters = create_model("ScreenFilters", **{name: _filter(name) for name in PARAMS})


# A result is the domain's ScreenRow, field for field, plus the market cap in crore and the
# day change under its first name (`change_pct`, kept for existing clients).
ScreenResultOut = model_of(
    ScreenRow,
    "ScreenResultOut",
    market_cap_cr=(float | None, ...),
    change_pct=(float | None, Field(description="the same as change_percent (earlier name)")),
)


class ScreenerOut(BaseModel):
    market: str
    count: int = Field(description="results returned")
    total: int = Field(description="instruments matching before `limit`")
    results: list[ScreenResultOut]


class ScreenIn(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    criteria: dict[str, Any] = Field(
        default_factory=dict,
        description="ScreenCriteria fields, e.g. {'rsi_max': 30, 'sectors': ['Healthcare']}",
    )


class ScreenOut(BaseModel):
    id: int
    name: str
    criteria: dict[str, Any]
    created_at: str


def _r(value: float | None, places: int = 2) -> float | None:
    return None if value is None else round(value, places)


# decimals each rounded figure of a result keeps
_PLACES = {
    "avg_volume_20d": 0,
    "volume_ratio": 2,
    "rsi14": 2,
    "pct_from_52w_high": 2,
    "pct_from_52w_low": 2,
    "market_cap": 2,
    "pe": 2,
}


def _result(row: ScreenRow) -> BaseModel:
    cap = row.market_cap
    return carry(
        ScreenResultOut,
        row,
        change_pct=row.change_percent,
        market_cap_cr=_r(cap / CRORE) if cap is not None else None,
        **{name: _r(getattr(row, name), places) for name, places in _PLACES.items()},
    )


async def run_screen(
    criteria: ScreenCriteria, market: str, hub: PriceHub, universe: Universe
) -> ScreenerOut:
    provider = runtime.provider
    if provider is None:
        raise HTTPException(503, detail="Market data provider not running")
    data = shared_screen_data(provider, universe, market)
    await data.ensure()
    quotes = await hub.quotes([i.key for i in universe.equities(market)])
    limit = criteria.limit
    matched = apply_screen(data.rows(quotes), replace(criteria, limit=None))
    shown = matched[:limit] if limit else matched
    return ScreenerOut(
        market=market, count=len(shown), total=len(matched), results=[_result(r) for r in shown]
    )


@router.get("/screener", response_model=ScreenerOut)
async def screener(
    hub: HubDep,
    universe: UniverseDep,
    market: MarketDep,
    filters: Annotated[ScreenFilters, Query()],
    sector: Annotated[list[str], Query(description="repeat or comma-separate")] = [],  # noqa: B006
    sort: Annotated[str | None, Query(description="a result field, e.g. change_percent")] = None,
    desc: bool = False,
    limit: Annotated[int | None, Query(ge=1, le=MAX_LIMIT)] = None,
) -> ScreenerOut:
    """Equities matching every given filter, live. Market cap bounds are in crore;
    `near_high_pct=5` keeps stocks within 5 % below their 52-week high."""
    values = filters.model_dump()
    known = {i.sector for i in universe.equities(market) if i.sector}
    try:
        criteria = criteria_from_params(
            values, sectors=sector, known_sectors=known, sort=sort, descending=desc, limit=limit
        )
    except (ScreenParamError, ValueError) as exc:
        raise HTTPException(422, detail=str(exc)) from exc
    return await run_screen(criteria, market, hub, universe)


# -- saved screens ----------------------------------------------------------------------


def _screen_out(s: saved.SavedScreen) -> ScreenOut:
    return ScreenOut(id=s.id, name=s.name, criteria=s.criteria, created_at=iso_ms(s.created_at))


@router.get("/screens", response_model=list[ScreenOut])
async def list_screens(user: CurrentUser) -> list[ScreenOut]:
    return [_screen_out(s) for s in await db_call(lambda db: saved.list_screens(db, user.id))]


@router.post("/screens", response_model=ScreenOut, status_code=status.HTTP_201_CREATED)
async def create_screen(body: ScreenIn, user: CurrentUser) -> ScreenOut:
    try:
        criteria = criteria_from_dict(body.criteria)
    except (ValueError, TypeError) as exc:
        raise HTTPException(422, detail=str(exc)) from exc
    data = await db_call(lambda db: saved.create_screen(db, user.id, body.name, criteria))
    return _screen_out(data)


@router.get("/screens/{screen_id}", response_model=ScreenOut)
async def get_screen(screen_id: ObjectId, user: CurrentUser) -> ScreenOut:
    return _screen_out(await db_call(lambda db: saved.get_screen(db, user.id, screen_id)))


@router.get("/screens/{screen_id}/results", response_model=ScreenerOut)
async def screen_results(
    screen_id: ObjectId, user: CurrentUser, hub: HubDep, universe: UniverseDep, market: MarketDep
) -> ScreenerOut:
    """Run a saved screen against the live market."""
    data = await db_call(lambda db: saved.get_screen(db, user.id, screen_id))
    return await run_screen(data.to_criteria(), market, hub, universe)


@router.delete("/screens/{screen_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_screen(screen_id: ObjectId, user: CurrentUser) -> Response:
    await db_call(lambda db: saved.delete_screen(db, user.id, screen_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
