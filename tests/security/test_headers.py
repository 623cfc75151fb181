"""Security headers on API responses (pages: see test_browser_security.py)."""

from __future__ import annotations

import httpx

from stockapp.api.security import PAGE_CSP


def assert_security_headers(r: httpx.Response) -> None:
    h = r.headers
    assert h.get("x-content-type-options") == "nosniff", dict(h)
    assert h.get("x-frame-options") == "DENY"
    assert h.get("referrer-policy")
    csp = h.get("content-security-policy", "")
    for directive in (
        "default-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'self'",
    ):
        assert directive in csp, csp


def test_api_health_has_security_headers(api):
    r = api.get("/api/v1/health")
    assert r.status_code == 200
    assert_security_headers(r)
    assert r.headers["content-security-policy"] == PAGE_CSP


def test_errors_and_openapi_have_security_headers(api):
    for path in ("/api/v1/nope", "/api/v1/openapi.json", "/api/v1/auth/me"):
        assert_security_headers(api.get(path))


def test_docs_pages_need_no_other_site(api):
    """The docs' assets are served by the app itself: the policy names no CDN."""
    for path in ("/api/docs", "/api/redoc"):
        r = api.get(path)
        assert r.status_code == 200
        assert_security_headers(r)
        assert "https:" not in r.headers["content-security-policy"]
        assert "script-src 'self' 'unsafe-inline'" in r.headers["content-security-policy"]
