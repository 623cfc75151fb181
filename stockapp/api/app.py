"""The FastAPI application mounted inside Reflex (`api_transformer`).

Standalone (`create_api(standalone=True)`) it runs the same services itself, which is how
the API tests and scripts use it without building the frontend.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc

from stockapp.api import (
    alerts,
    auth,
    health,
    market,
    options,
    paper,
    portfolio,
    recommendations,
    replay,
    screener,
    watchlists,
    ws,
)
from stockapp.api.contract import add_api_not_found, document_errors
from stockapp.api.docs import add_docs
from stockapp.api.security import (
    SecurityMiddleware,
    add_out_of_range_handlers,
    install_log_redaction,
)
from stockapp.api.upload_guard import UploadGuard
from stockapp.runtime import runtime_lifespan
from stockapp.shutdown import RequestsInFlight

API_PREFIX = "/api/v1"


def api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX)
    for module in (
        auth,
        health,
        market,
        watchlists,
        portfolio,
        alerts,
        options,
        screener,
        recommendations,
        paper,
        replay,
    ):
        router.include_router(module.router)
    return router


def _document_string_details(api: FastAPI) -> None:
    """Our own 422s say what is wrong in a string `detail`; FastAPI's validation errors
    carry a list. Document both, so clients (and schema checks) accept either."""
    build = api.openapi

    def openapi() -> dict:
        if api.openapi_schema is not None:
            return api.openapi_schema
        schema = build()
        error = schema.get("components", {}).get("schemas", {}).get("HTTPValidationError", {})
        detail = error.get("properties", {}).get("detail")
        if detail is not None and "anyOf" not in detail:
            listed = {k: v for k, v in detail.items() if k != "title"}
            error["properties"]["detail"] = {
                "anyOf": [{"type": "string"}, listed],
                "title": "Detail",
            }
        return schema

    api.openapi = openapi  # type: ignore[method-assign]


DB_UNAVAILABLE = "The database is unavailable; nothing was saved. Try again shortly."


def add_database_outage_handler(api: FastAPI) -> None:
    """The database down (stopped, restarting, unreachable) is a temporary condition, not a
    bug: 503 with a clear message instead of 500. Every write runs in one transaction
    (`run_db`), so a failed one left nothing behind."""

    async def unavailable(_request: Request, _exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": DB_UNAVAILABLE}, 503, headers={"Retry-After": "5"})

    for error in (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError):
        api.add_exception_handler(error, unavailable)


def create_api(*, standalone: bool = False) -> FastAPI:
    install_log_redaction()
    api = FastAPI(
        title="stockapp API",
        version="1.0.0",
        description="Live NSE/BSE quotes, watchlists, portfolio, options and alerts.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # served by add_docs, with local assets
        redoc_url=None,
        lifespan=runtime_lifespan if standalone else None,
    )
    api.include_router(api_router())
    add_docs(api, f"{API_PREFIX}/openapi.json")
    api.include_router(health.metrics_router)
    api.add_api_websocket_route("/ws", ws.websocket_endpoint)
    add_api_not_found(api, API_PREFIX)  # after every API route: JSON 404, not the HTML page
    api.add_middleware(ws.DirectSend)  # /ws price frames skip Starlette's send wrappers
    api.add_middleware(RequestsInFlight)  # a stopping worker finishes these first
    # inside Reflex this app wraps the pages, /_event and /_upload as well
    api.add_middleware(UploadGuard)
    api.add_middleware(SecurityMiddleware)  # outermost: its headers reach every answer
    add_out_of_range_handlers(api)
    add_database_outage_handler(api)
    _document_string_details(api)
    document_errors(api, API_PREFIX)
    return api
