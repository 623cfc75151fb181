"""Interactive API docs (Swagger UI at /api/docs, ReDoc at /api/redoc) served with their
JavaScript and CSS from this app, so they render on a machine without internet access.

FastAPI's default pages load Swagger UI from a CDN; offline that left /api/docs blank
("SwaggerUIBundle is not defined"). The assets come from the pinned `fastapi-offline`
package (Swagger UI 5, ReDoc 2), which ships them as package data.
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_URL = "/api/docs"
REDOC_URL = "/api/redoc"
ASSETS_URL = "/api/docs-assets"


def assets_dir() -> str:
    return str(resources.files("fastapi_offline") / "static")


def add_docs(api: FastAPI, openapi_url: str) -> None:
    """Routes for both doc pages and their assets (the FastAPI app has docs_url=None)."""
    api.mount(ASSETS_URL, StaticFiles(directory=assets_dir()), name="docs-assets")
    title = api.title

    @api.get(DOCS_URL, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} · Swagger UI",
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url="/favicon.ico",
        )

    @api.get(REDOC_URL, include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{title} · ReDoc",
            redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url="/favicon.ico",
            with_google_fonts=False,
        )
