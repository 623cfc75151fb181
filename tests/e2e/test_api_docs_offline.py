"""The API docs render in Chromium with every other site unreachable (before, Swagger UI
came from a CDN and /api/docs stayed blank offline)."""

from __future__ import annotations

from urllib.parse import urlparse


def _block_other_sites(page, app_server) -> list[str]:
    own = urlparse(app_server.url).netloc
    tried: list[str] = []

    def route(r):
        if urlparse(r.request.url).netloc == own:
            return r.continue_()
        tried.append(r.request.url)
        return r.abort()

    page.route("**/*", route)
    return tried


def test_swagger_ui_renders_offline(page, app_server):
    tried = _block_other_sites(page, app_server)
    page.goto("/api/docs")
    page.wait_for_selector(".swagger-ui .opblock")
    assert page.locator(".swagger-ui .opblock").count() > 20
    assert page.locator(".opblock-summary-path", has_text="/api/v1/stocks/search").count() == 1
    assert tried == []
    assert not [e for e in page.errors if "SwaggerUIBundle" in e]


def test_redoc_renders_offline(page, app_server):
    tried = _block_other_sites(page, app_server)
    page.goto("/api/redoc")
    page.get_by_text("/api/v1/stocks/search").first.wait_for()
    assert page.locator("h1", has_text="stockapp API").count() >= 1
    assert tried == []
