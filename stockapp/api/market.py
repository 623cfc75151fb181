"""Market-data routes: quotes, search, instrument facts, history, indicators, market views."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from stockapp.api.deps import HubDep, MarketDep, UniverseDep, lookup_instrument
from stockapp.api.schemas import (
    BarOut,
    HistoryOut,
    IndexOut,
    IndicesOut,
    InstrumentOut,
    MarketStatusOut,
    MemberOut,
    MoverOut,
    MoversOut,
    PeerOut,
    PeersOut,
    QuotesOut,
    SearchOut,
    SearchResult,
    SectorOut,
    SectorsOut,
    quote_out,
)
from stockapp.market import analytics
from stockapp.market.calendar import clock_calendar_status, market_clock
from stockapp.market.chart_series import ending_at, history_with_warmup
from stockapp.market.clock import app_now
from stockapp.market.indicators import compute_indicators, parse_indicator_spec
from stockapp.market.models import Bar, Instrument, iso_ms
from stockapp.market.options import current_lot_size
from stockapp.market.providers.base import INTERVALS, RANGES
from stockapp.market.sim import time_note
from stockapp.market.ticksize import tick_size
from stockapp.records import carry
from stockapp.runtime import runtime

router = APIRouter(tags=["market"])
MAX_SYMBOLS_PER_QUOTE_CALL = 200


def _fundamentals(inst: Instrument, price: float) -> tuple[float | None, float | None]:
    cap, pe = analytics.fundamentals(inst, price)
    return cap, (round(pe, 2) if pe is not None else None)


RangeQuery = Annotated[str, Query(alias="range")]  # `range` is also a Python builtin


@router.get("/quotes", response_model=QuotesOut)
async def quotes(
    hub: HubDep,
    universe: UniverseDep,
    market: MarketDep,
    symbols: Annotated[str, Query(max_length=4000, description="Comma-separated symbols")],
) -> QuotesOut:
    wanted = [s.strip().upper() for s in symbols.split(",") if s.strip()]
    if not wanted:
        raise HTTPException(422, detail="Give at least one symbol in `symbols`")
    if len(wanted) > MAX_SYMBOLS_PER_QUOTE_CALL:
        raise HTTPException(422, detail=f"At most {MAX_SYMBOLS_PER_QUOTE_CALL} symbols per call")
    wanted = list(dict.fromkeys(wanted))
    known = [(s, market) for s in wanted if (s, market) in universe]
    got = await hub.quotes(known)
    out = [quote_out(got[k], universe.get(*k)) for k in known if k in got]
    unknown = [s for s in wanted if (s, market) not in got]
    return QuotesOut(quotes=out, unknown=unknown)


@router.get("/stocks/search", response_model=SearchOut)
def search(
    universe: UniverseDep,
    q: Annotated[str, Query(min_length=1, max_length=64)],
    market: Annotated[str | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> SearchOut:
    if market not in (None, "", "india_nse", "india_bse"):
        raise HTTPException(422, detail=f"Unknown market {market!r}")
    found = universe.search(q, market or None, limit)
    return SearchOut(results=[carry(SearchResult, i) for i in found])


@router.get("/stocks/{symbol}", response_model=InstrumentOut)
async def instrument(
    symbol: str, hub: HubDep, universe: UniverseDep, market: MarketDep
) -> InstrumentOut:
    inst = lookup_instrument(universe, symbol, market)
    q = (await hub.quotes([inst.key])).get(inst.key)
    if q is None:
        raise HTTPException(503, detail="No price available yet; try again shortly")
    cap, pe = _fundamentals(inst, q.current_price)
    return carry(
        InstrumentOut,
        inst,
        lot_size=current_lot_size(inst, app_now()) if inst.fno else None,
        tick_size=0.01 if inst.is_index else tick_size(q.current_price),
        market_cap=cap,
        pe=pe,
        week52_high=q.week52_high,
        week52_low=q.week52_low,
        quote=quote_out(q, inst),
    )


def _check_interval_range(interval: str, range_: str) -> None:
    if interval not in INTERVALS:
        raise HTTPException(422, detail=f"interval must be one of {', '.join(INTERVALS)}")
    if range_ not in RANGES:
        raise HTTPException(422, detail=f"range must be one of {', '.join(RANGES)}")


async def _history(inst: Instrument, interval: str, range_: str) -> list[Bar]:
    _check_interval_range(interval, range_)
    provider = runtime.provider
    if provider is None:
        raise HTTPException(503, detail="Market data provider not running")
    try:
        return await provider.history(inst.key, interval, range_)
    except ValueError as exc:
        raise HTTPException(422, detail=str(exc)) from exc


def _bar_out(b: Bar) -> BarOut:
    return BarOut(t=iso_ms(b.t), o=b.o, h=b.h, l=b.l, c=b.c, v=b.v)


@router.get("/stocks/{symbol}/history", response_model=HistoryOut)
async def history(
    symbol: str,
    universe: UniverseDep,
    market: MarketDep,
    interval: str = "1d",
    range: RangeQuery = "1y",
) -> HistoryOut:
    inst = lookup_instrument(universe, symbol, market)
    hub = runtime.hub
    # the hub's observation first (fetched now if it is older than its cache allows); the
    # last bar is then built from it, not from a provider that may have moved on since
    observed = (await hub.quotes([inst.key])).get(inst.key) if hub is not None else None
    bars = await _history(inst, interval, range)
    if hub is not None:
        bars = ending_at(bars, hub.latest(inst.key) or observed)
    return HistoryOut(
        symbol=inst.symbol, market=inst.market, interval=interval, bars=[_bar_out(b) for b in bars]
    )


@router.get("/stocks/{symbol}/indicators")
async def indicators(
    symbol: str,
    universe: UniverseDep,
    market: MarketDep,
    interval: str = "1d",
    range: RangeQuery = "1y",
    names: Annotated[str, Query(max_length=200)] = "sma:20,ema:20,rsi:14,macd:12:26:9,bbands:20:2",
) -> dict[str, list[float | None] | list[str]]:
    """Indicator series aligned with the history bars of the same interval and range,
    computed over extra history before the range so values exist from the first bar."""
    inst = lookup_instrument(universe, symbol, market)
    try:
        specs = parse_indicator_spec(names)
    except ValueError as exc:
        raise HTTPException(422, detail=str(exc)) from exc
    _check_interval_range(interval, range)
    provider = runtime.provider
    if provider is None:
        raise HTTPException(503, detail="Market data provider not running")
    try:
        lead, visible = await history_with_warmup(provider, inst.key, interval, range, specs)
    except ValueError as exc:
        raise HTTPException(422, detail=str(exc)) from exc
    if not visible:
        return {"t": []}
    series = compute_indicators([*lead, *visible], specs, warmup=len(lead))
    return {"t": [iso_ms(b.t) for b in visible], **series}


@router.get("/stocks/{symbol}/peers", response_model=PeersOut)
async def peers(
    symbol: str,
    hub: HubDep,
    universe: UniverseDep,
    market: MarketDep,
    limit: Annotated[int, Query(ge=1, le=30)] = 8,
) -> PeersOut:
    inst = lookup_instrument(universe, symbol, market)
    found = universe.peers(inst, limit)
    got = await hub.quotes([p.key for p in found])
    out = []
    for p in found:
        q = got.get(p.key)
        cap, pe = _fundamentals(p, q.current_price if q else p.ref_price)
        out.append(carry(PeerOut, p, market_cap=cap, pe=pe, quote=quote_out(q, p) if q else None))
    return PeersOut(symbol=inst.symbol, market=inst.market, peers=out)


@router.get("/market/status", response_model=MarketStatusOut)
def market_status(market: MarketDep) -> MarketStatusOut:
    settings = runtime.settings
    simulated = bool(runtime.provider and runtime.provider.simulated) or (
        runtime.provider is None and settings.provider == "simulated"
    )
    now = app_now()
    clock = market_clock(now)
    status = clock.status
    if simulated and settings.market_hours == "always":
        status = "open"
    calendar = clock_calendar_status(now)
    return MarketStatusOut(
        market=market,
        status=status,
        simulated=simulated,
        next_open=iso_ms(clock.next_open),
        next_close=iso_ms(clock.next_close),
        calendar_verified=calendar.verified,
        calendar_note=calendar.note,
        hours=settings.market_hours if simulated else "exchange",
        time_note=time_note(simulated, settings.market_hours),
    )


@router.get("/market/indices", response_model=IndicesOut)
async def indices(hub: HubDep, universe: UniverseDep) -> IndicesOut:
    idx = universe.indices()
    got = await hub.quotes([i.key for i in idx])
    return IndicesOut(
        indices=[
            IndexOut(
                symbol=i.symbol,
                market=i.market,
                name=i.name,
                constituents=len(i.constituents),
                quote=quote_out(got[i.key], i) if i.key in got else None,
            )
            for i in idx
        ]
    )


@router.get("/market/movers", response_model=MoversOut)
async def movers(
    hub: HubDep,
    universe: UniverseDep,
    market: MarketDep,
    type: Annotated[str, Query(description="|".join(analytics.MOVER_KINDS))] = "gainers",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> MoversOut:
    if type not in analytics.MOVER_KINDS:
        raise HTTPException(422, detail=f"type must be one of {', '.join(analytics.MOVER_KINDS)}")
    equities = universe.equities(market)
    got = await hub.quotes([i.key for i in equities])
    pairs = [(i, got[i.key]) for i in equities if i.key in got]
    ranked = analytics.rank_movers(pairs, type, limit)
    return MoversOut(
        market=market,
        type=type,
        movers=[
            carry(
                MoverOut,
                q,
                name=i.name,
                sector=i.sector,
                change=round(q.change, 2),
                value_traded=round(q.volume * q.current_price, 2),
                timestamp=iso_ms(q.timestamp),
            )
            for i, q in ranked
        ],
    )


def _member(pair) -> MemberOut | None:
    if pair is None:
        return None
    i, q = pair
    return MemberOut(
        symbol=i.symbol, name=i.name, current_price=q.current_price, change_percent=q.change_percent
    )


@router.get("/market/sectors", response_model=SectorsOut)
async def sectors(hub: HubDep, universe: UniverseDep, market: MarketDep) -> SectorsOut:
    equities = universe.equities(market)
    got = await hub.quotes([i.key for i in equities])
    views = analytics.sector_views(equities, got)
    return SectorsOut(
        market=market,
        sectors=[
            SectorOut(
                sector=v.sector,
                change_percent=v.change_percent,
                market_cap=round(v.market_cap, 2),
                advances=v.breadth.advances,
                declines=v.breadth.declines,
                unchanged=v.breadth.unchanged,
                best=_member(v.best),
                worst=_member(v.worst),
                members=[_member(m) for m in v.members],
            )
            for v in views
        ],
    )
