"""Price alerts: CRUD, the fired-events feed and the user's webhook."""

from __future__ import annotations

import math
from typing import Annotated, TypeVar

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import BaseModel, Field

from stockapp.alerts import store
from stockapp.alerts.engine import alert_engine
from stockapp.api.deps import CurrentUser, ObjectId, UniverseDep, db_call
from stockapp.api.schemas import model_of
from stockapp.market.alerts import ALERT_VALUE_RANGE, CONDITIONS, InvalidRule
from stockapp.market.models import DEFAULT_MARKET, MARKETS
from stockapp.records import carry

router = APIRouter(prefix="/alerts", tags=["alerts"])
T = TypeVar("T")


class AlertIn(BaseModel):
    symbol: str = Field(min_length=1, max_length=32)
    market: str = DEFAULT_MARKET
    condition: str = Field(description=" | ".join(CONDITIONS))
    value: float = Field(
        0.0,
        # documented here, checked by validate_rule (per condition, with a clear message)
        json_schema_extra={"minimum": ALERT_VALUE_RANGE[0], "maximum": ALERT_VALUE_RANGE[1]},
        description="Price in INR (up to 1e9), or day change in percent (-100 to 10000); "
        "ignored for 52-week alerts",
    )
    repeat: bool = False


# An alert and a fired event are the store's records, field for field (the owner's id aside).
AlertOut = model_of(store.AlertData, "AlertOut")
EventOut = model_of(store.EventData, "EventOut", exclude=("user_id",))


class WebhookIn(BaseModel):
    webhook_url: str | None = Field(None, max_length=store.MAX_WEBHOOK_LENGTH)


class WebhookOut(BaseModel):
    webhook_url: str | None


def _event_out(e: store.EventData) -> EventOut:
    return carry(EventOut, e)


@router.get("", response_model=list[AlertOut])
async def list_alerts(user: CurrentUser) -> list[AlertOut]:
    rows = await db_call(lambda s: store.list_alerts(s, user.id))
    return [carry(AlertOut, a) for a in rows]


@router.post("", response_model=AlertOut, status_code=status.HTTP_201_CREATED)
async def create_alert(body: AlertIn, user: CurrentUser, universe: UniverseDep) -> AlertOut:
    symbol = body.symbol.strip().upper()
    market = body.market or DEFAULT_MARKET
    if market not in MARKETS:
        raise HTTPException(422, detail=f"Unknown market {market!r}")
    if universe.get(symbol, market) is None:
        raise HTTPException(422, detail=f"Unknown symbol {symbol!r} on {market}")
    if body.condition not in CONDITIONS:
        raise HTTPException(
            422, detail=f"Unknown condition {body.condition!r}; use one of {', '.join(CONDITIONS)}"
        )
    if not math.isfinite(body.value):
        raise HTTPException(422, detail="value must be a finite number")
    try:
        data = await db_call(
            lambda s: store.create_alert(
                s, user.id, symbol, market, body.condition, body.value, body.repeat
            )
        )
    except InvalidRule as exc:
        raise HTTPException(422, detail=str(exc)) from exc
    alert_engine.alert_created(data, user.id)
    return carry(AlertOut, data)


@router.get("/events", response_model=list[EventOut])
async def list_events(
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=store.EVENTS_LIMIT)] = 100,
) -> list[EventOut]:
    rows = await db_call(lambda s: store.list_events(s, user.id, limit))
    return [_event_out(e) for e in rows]


@router.get("/webhook", response_model=WebhookOut)
async def get_webhook(user: CurrentUser) -> WebhookOut:
    return WebhookOut(webhook_url=await db_call(lambda s: store.get_webhook(s, user.id)))


@router.put("/webhook", response_model=WebhookOut)
async def set_webhook(body: WebhookIn, user: CurrentUser) -> WebhookOut:
    url = await db_call(lambda s: store.set_webhook(s, user.id, body.webhook_url))
    return WebhookOut(webhook_url=url)


@router.get("/{alert_id}", response_model=AlertOut)
async def get_alert(alert_id: ObjectId, user: CurrentUser) -> AlertOut:
    data = await db_call(lambda s: store.get_alert(s, user.id, alert_id))
    return carry(AlertOut, data)


@router.delete("/{alert_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_alert(alert_id: ObjectId, user: CurrentUser) -> Response:
    await db_call(lambda s: store.delete_alert(s, user.id, alert_id))
    alert_engine.alert_deleted(alert_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
