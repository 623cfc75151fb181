"""Response models shared by the REST routes, so the OpenAPI document is exact.

Where a response row is a domain record, its model is derived from the domain type
(`model_of`) rather than kept by hand beside it, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, get_type_hints

from pydantic import BaseModel, Field, create_model

from stockapp.market.models import Instrument, Quote, iso_ms
from stockapp.records import carry, field_names


def model_of(
    source: type,
    model_name: str,
    /,
    *,
    exclude: Iterable[str] = (),
    types: Mapping[str, Any] | None = None,
    docs: Mapping[str, str] | None = None,
    **extra: Any,
) -> type[BaseModel]:
    """A response model with the fields of the domain type `source`, field for field: minus
    `exclude`, with `types` narrowing a field's type (a Literal for a closed set), `docs` its
    description, and `extra` fields (create_model's `name=(type, default)`) appended."""
    hints, types, docs, skip = get_type_hints(source), types or {}, docs or {}, set(exclude)
    fields: dict[str, Any] = {
        f: (types.get(f, hints[f]), Field(description=docs.get(f)))
        for f in field_names(source)
        if f not in skip
    }
    return create_model(model_name, **fields, **extra)


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
    return carry(
        QuoteOut,
        q,
        name=inst.name if inst else q.symbol,
        change=round(q.change, 2),
        timestamp=iso_ms(q.timestamp),
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
