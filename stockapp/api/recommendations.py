"""GET /recommendations: rule-based Buy / Hold / Sell signals for a market, best score first."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel

from stockapp.api.deps import HubDep, MarketDep, UniverseDep
from stockapp.api.schemas import model_of
from stockapp.market.recommend import Rated
from stockapp.market.signals import Recommendation
from stockapp.records import carry
from stockapp.runtime import runtime
from stockapp.services.market import recommendations as recommendation_service

router = APIRouter(tags=["recommendations"])
DISCLAIMER = (
    "These are rule-based signals computed from price and volume indicators, not investment advice."
)


# A recommendation is the domain's Recommendation (its rule hits aside), joined with the
# instrument's market, name and sector and its market cap at the signal's price.
RecommendationOut = model_of(
    Recommendation,
    "RecommendationOut",
    exclude=("hits",),
    market=(str, ...),
    name=(str, ...),
    sector=(str, ...),
    market_cap=(float | None, ...),
)


class RecommendationsOut(BaseModel):
    market: str
    disclaimer: str
    count: int
    recommendations: list[RecommendationOut]


def _out(item: Rated) -> RecommendationOut:
    inst, cap = item.instrument, item.market_cap
    return carry(
        RecommendationOut,
        item.recommendation,
        market=inst.market,
        name=inst.name,
        sector=inst.sector,
        market_cap=round(cap, 2) if cap is not None else None,
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
