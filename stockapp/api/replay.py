"""Market replay: run a past session through a price hub of its own at 1x to 60x.

A replay belongs to the user who started it; another user's id answers 404. Its prices are
served under `/replay/{id}/quotes` (the shape of `GET /quotes`), and `/ws` clients can
subscribe to it by id; the live market keeps running for everyone else.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Body, HTTPException, Query, Response, status
from pydantic import BaseModel, Field

from stockapp.api import market as market_routes
from stockapp.api.deps import CurrentUser, MarketDep, UniverseDep, db_call
from stockapp.api.schemas import QuotesOut
from stockapp.market.models import iso_ms
from stockapp.market.replay import SPEEDS, ReplayError
from stockapp.market.sim.session import from_ms
from stockapp.replay import store
from stockapp.replay.control import new_clock, seek_to, shown_at
from stockapp.replay.manager import replays, wall_ms
from stockapp.replay.store import ReplayData
from stockapp.settings import get_settings

router = APIRouter(prefix="/replay", tags=["market replay"])

Speed = Literal[1, 5, 10, 30, 60]


class ReplayIn(BaseModel):
    date: dt.date = Field(description="the past trading day to replay (IST)")
    speed: Speed = Field(10, description="how many session seconds pass per wall second")
    time: str | None = Field(
        None,
        pattern=r"^\d{2}:\d{2}$",
        description="where to start, HH:MM IST (default: 09:15, the market's open)",
    )


class SeekIn(BaseModel):
    time: str = Field(pattern=r"^\d{2}:\d{2}(:\d{2})?$", description="HH:MM[:SS] IST")


class SpeedIn(BaseModel):
    speed: Speed


class ReplayOut(BaseModel):
    id: str
    date: dt.date
    speed: int
    speeds: list[int] = Field(description="the speeds a replay can run at")
    status: Literal["running", "paused", "finished"]
    replay_time: str = Field(description="the replayed moment now (UTC, ISO 8601)")
    replay_time_ist: str = Field(description="the same as HH:MM:SS IST")
    label: str = Field(description='e.g. "Replay 2026-11-27 ×10, 11:42 IST"')
    session_start: str
    session_end: str


def replay_out(data: ReplayData, wall: int | None = None) -> ReplayOut:
    clock = data.clock
    now = shown_at(data, wall_ms() if wall is None else wall)
    return ReplayOut(
        id=data.id,
        date=data.day,
        speed=clock.speed,
        speeds=list(SPEEDS),
        status=now.status,
        replay_time=iso_ms(now.shown),
        replay_time_ist=f"{now.local:%H:%M:%S}",
        label=now.label,
        session_start=iso_ms(from_ms(clock.start_ms)),
        session_end=iso_ms(from_ms(clock.end_ms)),
    )


@router.post("", response_model=ReplayOut, status_code=status.HTTP_201_CREATED)
async def start_replay(user: CurrentUser, body: ReplayIn) -> ReplayOut:
    try:
        wall, clock = await new_clock(body.date, body.speed, body.time)
    except ReplayError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc
    opening = get_settings().paper_opening_balance
    data = await db_call(lambda s: store.create(s, user.id, body.date, clock, opening))
    return replay_out(data, wall)


@router.get("", response_model=list[ReplayOut])
async def list_replays(user: CurrentUser) -> list[ReplayOut]:
    return [replay_out(d) for d in await db_call(lambda s: store.list_for(s, user.id))]


@router.get("/{replay_id}", response_model=ReplayOut)
async def get_replay(user: CurrentUser, replay_id: str) -> ReplayOut:
    return replay_out(await db_call(lambda s: store.get(s, user.id, replay_id)))


async def _change(user_id: int, replay_id: str, change) -> ReplayOut:
    wall = wall_ms()
    data = await db_call(
        lambda s: store.change_clock(s, user_id, replay_id, lambda c: change(c, wall))
    )
    replays.update(data)
    return replay_out(data, wall)


@router.post("/{replay_id}/pause", response_model=ReplayOut)
async def pause_replay(user: CurrentUser, replay_id: str) -> ReplayOut:
    return await _change(user.id, replay_id, lambda c, w: c.pause(w))


@router.post("/{replay_id}/resume", response_model=ReplayOut)
async def resume_replay(user: CurrentUser, replay_id: str) -> ReplayOut:
    return await _change(user.id, replay_id, lambda c, w: c.resume(w))


@router.post("/{replay_id}/seek", response_model=ReplayOut)
async def seek_replay(user: CurrentUser, replay_id: str, body: SeekIn) -> ReplayOut:
    return await _change(user.id, replay_id, seek_to(body.time))


@router.post("/{replay_id}/speed", response_model=ReplayOut)
async def set_replay_speed(
    user: CurrentUser, replay_id: str, body: Annotated[SpeedIn, Body()]
) -> ReplayOut:
    return await _change(user.id, replay_id, lambda c, w: c.with_speed(w, body.speed))


@router.delete("/{replay_id}", status_code=status.HTTP_204_NO_CONTENT)
async def stop_replay(user: CurrentUser, replay_id: str) -> Response:
    await db_call(lambda s: store.delete(s, user.id, replay_id))
    await replays.drop(replay_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{replay_id}/quotes", response_model=QuotesOut)
async def replay_quotes(
    user: CurrentUser,
    replay_id: str,
    universe: UniverseDep,
    market: MarketDep,
    symbols: Annotated[str, Query(max_length=4000, description="Comma-separated symbols")],
) -> QuotesOut:
    """Quotes as the replay shows them now, in the shape of `GET /quotes`."""
    data = await db_call(lambda s: store.get(s, user.id, replay_id))
    hub = await replays.hub(data)
    return await market_routes.quotes(hub, universe, market, symbols)
