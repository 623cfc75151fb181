"""GET /recommendations: rule-based Buy / Hold / Sell signals for a market, best score first."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel

from stockapp.api.deps import HubDep, MarketDep, UniverseDep
from stockapp.market.recommend import Rated
from stockapp.runtime import runtime
from stockapp.services.market import recommendations as recommendation_service

router = APIRouter(tags=["recommendations"])
DISCLAIMER = (
    "These are rule-based signals computed from price and volume indicators, not investment advice."
)


class RecommendationOut(BaseModel):
    symbol: str
    market: str
    name: str
    sector: str
    verdict: Literal["Buy", "Hold", "Sell"]
    score: int
    reasons: list[str]
    price: float
    change_percent: float | None
    market_cap: float | None
    rsi14: float | None
    macd: float | None
    macd_signal: float | None
    sma50: float | None
    sma200: float | None
    high_52w: float
    low_52w: float
    volume_ratio: float | None


class RecommendationsOut(BaseModel):
    market: str
    disclaimer: str
    count: int
    recommendations: list[RecommendationOut]


def _out(item: Rated) -> RecommendationOut:
    rec, inst = item.recommendation, item.instrument
    return RecommendationOut(
        symbol=inst.symbol,
        market=inst.market,
        name=inst.name,
        sector=inst.sector,
        verdict=rec.verdict,
        score=rec.score,
        reasons=rec.reasons,
        price=rec.price,
        change_percent=rec.change_percent,
        market_cap=round(item.market_cap, 2) if item.market_cap is not None else None,
        rsi14=rec.rsi14,
        macd=rec.macd,
        macd_signal=rec.macd_signal,
        sma50=rec.sma50,
        sma200=rec.sma200,
        high_52w=rec.high_52w,
        low_52w=rec.low_52w,
        volume_ratio=rec.volume_ratio,
    )


@router.get("/recommendations", response_model=RecommendationsOut)
async def recommendations(
    hub: HubDep,
    universe: UniverseDep,
    market: MarketDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    verdict: Annotated[Literal["Buy", "Hold", "Sell"] | None, Query()] = None,
) -> RecommendationsOut:
    provider = runtime.provider
    if provider is None:
        raise HTTPException(503, detail="Market data provider not running")
    service = recommendation_service()
    await service.ensure_ready(market, provider)
    got = await hub.quotes([i.key for i in universe.equities(market)])
    ratings = service.current(market, got.get)
    items = ratings.items if ratings is not None else []
    if verdict is not None:
        items = [i for i in items if i.recommendation.verdict == verdict]
    chosen = items[:limit]
    return RecommendationsOut(
        market=market,
        disclaimer=DISCLAIMER,
        count=len(chosen),
        recommendations=[_out(i) for i in chosen],
    )
