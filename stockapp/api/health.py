"""Health and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from stockapp.db.session import check_database
from stockapp.runtime import runtime

router = APIRouter(tags=["health"])
metrics_router = APIRouter()


class Health(BaseModel):
    status: str
    db: str
    hub: str
    redis: str


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
async def health() -> JSONResponse:
    db_ok = await run_in_threadpool(check_database)
    hub = runtime.hub
    hub_state = "stopped" if hub is None else ("ok" if hub.healthy else "degraded")
    redis_state = "disabled"
    backend = getattr(hub, "backend", None) if hub is not None else None
    if runtime.settings.redis_url:
        redis_state = (
            "ok" if backend is not None and getattr(backend, "connected", False) else "down"
        )
    ok = db_ok and hub_state == "ok" and redis_state in {"ok", "disabled"}
    body = Health(
        status="ok" if ok else "degraded",
        db="ok" if db_ok else "down",
        hub=hub_state,
        redis=redis_state,
    )
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)


@metrics_router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
