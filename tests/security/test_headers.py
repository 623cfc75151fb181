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


def test_docs_page_gets_a_policy_that_allows_swagger(api):
    r = api.get("/api/docs")
    assert r.status_code == 200
    assert_security_headers(r)
    assert "cdn.jsdelivr.net" in r.headers["content-security-policy"]
