"""Health, readiness and Prometheus metrics.

`/health` answers whether this worker's parts work (its contract: `status`, `db`, `hub`,
`redis`), and says which worker answered and whether it leads. `/health/ready` is for load
balancers: it also requires live prices (some worker completed a poll round within three tick
intervals) and a worker that is not shutting down.
"""

from __future__ import annotations

import os

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from stockapp.db.session import check_database
from stockapp.runtime import runtime
from stockapp.shutdown import drain

router = APIRouter(tags=["health"])
metrics_router = APIRouter()
STALE_AFTER_TICKS = 3


class Health(BaseModel):
    status: str
    db: str
    hub: str
    redis: str
    pid: int
    worker_id: str | None
    leader: bool
    last_tick_age: float | None
    draining: bool


class Readiness(Health):
    ready: bool
    reasons: list[str]


async def _tick_age() -> float | None:
    """Seconds since the last poll round anywhere in the cluster (None: none recently)."""
    hub = runtime.hub
    if hub is None:
        return None
    backend = hub.backend
    if backend.is_leader():
        return hub.last_round_age()
    remote = getattr(backend, "last_tick_age", None)
    if remote is None:
        return hub.last_round_age()
    try:
        return await remote()
    except Exception:  # Redis down: no evidence of ticks
        return None


async def _check() -> Health:
    db_ok = await run_in_threadpool(check_database)
    hub = runtime.hub
    hub_state = "stopped" if hub is None else ("ok" if hub.healthy else "degraded")
    redis_state = "disabled"
    backend = hub.backend if hub is not None else None
    if runtime.settings.redis_url:
        redis_state = (
            "ok" if backend is not None and getattr(backend, "connected", False) else "down"
        )
    ok = db_ok and hub_state == "ok" and redis_state in {"ok", "disabled"}
    age = await _tick_age()
    return Health(
        status="ok" if ok else "degraded",
        db="ok" if db_ok else "down",
        hub=hub_state,
        redis=redis_state,
        pid=os.getpid(),
        worker_id=getattr(backend, "worker_id", None),
        leader=backend is not None and backend.is_leader(),
        last_tick_age=None if age is None else round(age, 3),
        draining=drain.draining,
    )


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
async def health() -> JSONResponse:
    body = await _check()
    return JSONResponse(body.model_dump(), status_code=200 if body.status == "ok" else 503)


async def readiness() -> Readiness:
    """What `/health/ready` answers (also asked by a worker that a rolling restart started,
    before the supervisor retires the worker it replaces)."""
    body = await _check()
    reasons = [f"{part} {state}" for part, state in (("db", body.db), ("redis", body.redis),
               ("hub", body.hub)) if state not in {"ok", "disabled"}]  # fmt: skip
    limit = STALE_AFTER_TICKS * runtime.settings.tick_interval
    if body.last_tick_age is None or body.last_tick_age > limit:
        reasons.append(f"no price tick within {limit:g}s")
    if body.draining:
        reasons.append("shutting down")
    return Readiness(**body.model_dump(), ready=not reasons, reasons=reasons)


@router.get("/health/ready", response_model=Readiness, responses={503: {"model": Readiness}})
async def ready() -> JSONResponse:
    out = await readiness()
    return JSONResponse(out.model_dump(), status_code=200 if out.ready else 503)


@metrics_router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
