"""Response models shared by the REST routes, so the OpenAPI document is exact."""

from __future__ import annotations

from pydantic import BaseModel

from stockapp.market.models import Instrument, Quote, iso_ms


class QuoteOut(BaseModel):
    symbol: str
    market: str
    name: str
    current_price: float
    change: float
    change_percent: float
    open: float
    high: float
    low: float
    prev_close: float
    volume: int
    timestamp: str
    stale: bool


def quote_out(q: Quote, inst: Instrument | None) -> QuoteOut:
    return QuoteOut(
        symbol=q.symbol,
        market=q.market,
        name=inst.name if inst else q.symbol,
        current_price=q.current_price,
        change=round(q.change, 2),
        change_percent=q.change_percent,
        open=q.open,
        high=q.high,
        low=q.low,
        prev_close=q.prev_close,
        volume=q.volume,
        timestamp=iso_ms(q.timestamp),
        stale=q.stale,
    )


class QuotesOut(BaseModel):
    quotes: list[QuoteOut]
    unknown: list[str] = []


class SearchResult(BaseModel):
    symbol: str
    name: str
    market: str
    sector: str
    industry: str


class SearchOut(BaseModel):
    results: list[SearchResult]


class InstrumentOut(BaseModel):
    symbol: str
    market: str
    name: str
    kind: str
    sector: str
    industry: str
    isin: str
    fno: bool
    lot_size: int | None
    tick_size: float
    market_cap: float | None
    pe: float | None
    week52_high: float
    week52_low: float
    quote: QuoteOut


class BarOut(BaseModel):
    t: str
    o: float
    h: float
    l: float  # noqa: E741
    c: float
    v: int


class HistoryOut(BaseModel):
    symbol: str
    market: str
    interval: str
    bars: list[BarOut]


class PeerOut(BaseModel):
    symbol: str
    market: str
    name: str
    industry: str
    market_cap: float | None
    pe: float | None
    quote: QuoteOut | None


class PeersOut(BaseModel):
    symbol: str
    market: str
    peers: list[PeerOut]


class MarketStatusOut(BaseModel):
    market: str
    status: str
    simulated: bool
    next_open: str
    next_close: str
    # False when today's or the next session's date rests on an estimated holiday list
    calendar_verified: bool
    calendar_note: str | None  # e.g. "holiday calendar estimated for 2027"
    hours: str  # "exchange" (NSE sessions) or "always" (a simulation open around the clock)
    time_note: str | None  # set when quote and bar times are simulated, not NSE hours


class IndexOut(BaseModel):
    symbol: str
    market: str
    name: str
    constituents: int
    quote: QuoteOut | None


class IndicesOut(BaseModel):
    indices: list[IndexOut]


class MoverOut(BaseModel):
    symbol: str
    market: str
    name: str
    sector: str
    current_price: float
    change: float
    change_percent: float
    volume: int
    value_traded: float
    week52_high: float
    week52_low: float
    timestamp: str


class MoversOut(BaseModel):
    market: str
    type: str
    movers: list[MoverOut]


class MemberOut(BaseModel):
    symbol: str
    name: str
    current_price: float
    change_percent: float


class SectorOut(BaseModel):
    sector: str
    change_percent: float
    market_cap: float
    advances: int
    declines: int
    unchanged: int
    best: MemberOut | None
    worst: MemberOut | None
    members: list[MemberOut]


class SectorsOut(BaseModel):
    market: str
    sectors: list[SectorOut]
