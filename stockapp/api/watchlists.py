"""Watchlists CRUD; every body lists its items with live quotes."""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import BaseModel, Field

from stockapp.api.deps import CurrentUser, HubDep, ObjectId, UniverseDep, db_call
from stockapp.api.schemas import QuoteOut, quote_out
from stockapp.db import watchlists as wl
from stockapp.market.hub import PriceHub
from stockapp.market.instruments import Universe
from stockapp.market.models import DEFAULT_MARKET, MARKETS

router = APIRouter(prefix="/watchlists", tags=["watchlists"])
T = TypeVar("T")


class WatchlistIn(BaseModel):
    name: str = Field(min_length=1, max_length=64)


class ItemIn(BaseModel):
    symbol: str = Field(min_length=1, max_length=32)
    market: str = DEFAULT_MARKET


class ItemOut(BaseModel):
    symbol: str
    market: str
    name: str
    quote: QuoteOut | None


class WatchlistOut(BaseModel):
    id: int
    name: str
    items: list[ItemOut]


async def _out(data: wl.WatchlistData, hub: PriceHub, universe: Universe) -> WatchlistOut:
    got = await hub.quotes(data.items)
    items = []
    for key in data.items:
        inst = universe.get(*key)
        q = got.get(key)
        items.append(
            ItemOut(
                symbol=key[0],
                market=key[1],
                name=inst.name if inst else key[0],
                quote=quote_out(q, inst) if q else None,
            )
        )
    return WatchlistOut(id=data.id, name=data.name, items=items)


@router.get("", response_model=list[WatchlistOut])
async def list_all(user: CurrentUser, hub: HubDep, universe: UniverseDep) -> list[WatchlistOut]:
    lists = await db_call(lambda s: wl.list_watchlists(s, user.id))
    return [await _out(d, hub, universe) for d in lists]


@router.post("", response_model=WatchlistOut, status_code=status.HTTP_201_CREATED)
async def create(
    body: WatchlistIn, user: CurrentUser, hub: HubDep, universe: UniverseDep
) -> WatchlistOut:
    data = await db_call(lambda s: wl.create_watchlist(s, user.id, body.name))
    return await _out(data, hub, universe)


@router.get("/{watchlist_id}", response_model=WatchlistOut)
async def get_one(
    watchlist_id: ObjectId, user: CurrentUser, hub: HubDep, universe: UniverseDep
) -> WatchlistOut:
    data = await db_call(lambda s: wl.get_watchlist(s, user.id, watchlist_id))
    return await _out(data, hub, universe)


@router.patch("/{watchlist_id}", response_model=WatchlistOut)
async def rename(
    watchlist_id: ObjectId, body: WatchlistIn, user: CurrentUser, hub: HubDep, universe: UniverseDep
) -> WatchlistOut:
    data = await db_call(lambda s: wl.rename_watchlist(s, user.id, watchlist_id, body.name))
    return await _out(data, hub, universe)


@router.delete("/{watchlist_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete(watchlist_id: ObjectId, user: CurrentUser) -> Response:
    await db_call(lambda s: wl.delete_watchlist(s, user.id, watchlist_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{watchlist_id}/items", response_model=WatchlistOut, status_code=201)
async def add_item(
    watchlist_id: ObjectId, body: ItemIn, user: CurrentUser, hub: HubDep, universe: UniverseDep
) -> WatchlistOut:
    symbol = body.symbol.strip().upper()
    market = body.market or DEFAULT_MARKET
    if market not in MARKETS:
        raise HTTPException(422, detail=f"Unknown market {market!r}")
    # ownership first, so another user's id answers 404 whatever the symbol
    await db_call(lambda s: wl.get_watchlist(s, user.id, watchlist_id))
    if universe.get(symbol, market) is None:
        raise HTTPException(422, detail=f"Unknown symbol {symbol!r} on {market}")
    data = await db_call(lambda s: wl.add_item(s, user.id, watchlist_id, symbol, market))
    return await _out(data, hub, universe)


@router.delete("/{watchlist_id}/items/{symbol}", response_model=WatchlistOut)
async def remove_item(
    watchlist_id: ObjectId,
    symbol: str,
    user: CurrentUser,
    hub: HubDep,
    universe: UniverseDep,
    market: Annotated[str | None, Query()] = None,
) -> WatchlistOut:
    sym = symbol.strip().upper()
    data = await db_call(lambda s: wl.remove_item(s, user.id, watchlist_id, sym, market or None))
    return await _out(data, hub, universe)
