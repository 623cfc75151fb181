"""The FastAPI application mounted inside Reflex (`api_transformer`).

Standalone (`create_api(standalone=True)`) it runs the same services itself, which is how
the API tests and scripts use it without building the frontend.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from stockapp.api import (
    alerts,
    auth,
    health,
    market,
    options,
    paper,
    portfolio,
    recommendations,
    screener,
    watchlists,
    ws,
)
from stockapp.api.docs import add_docs
from stockapp.api.security import (
    SecurityMiddleware,
    add_out_of_range_handlers,
    install_log_redaction,
)
from stockapp.runtime import runtime_lifespan

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
    # outermost: inside Reflex this app wraps the pages and /_event as well
    api.add_middleware(SecurityMiddleware)
    add_out_of_range_handlers(api)
    _document_string_details(api)
    return api
