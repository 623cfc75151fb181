"""Against the real app (`reflex run --env prod`): security headers on pages and API, the
pages working under the Content-Security-Policy, cross-site WebSocket hijacking refused on
both sockets (/ws and Reflex's /_event), and no token in the server log."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import pytest
import websockets

from tests.e2e.conftest import api_user, login_via_ui, real_errors, texts_change
from tests.security.test_headers import assert_security_headers
from tests.security.wsutil import refused

pytestmark = [pytest.mark.browser, pytest.mark.server]
EVIL = "https://evil.example"


def event_socket(app_server) -> str:
    return (
        app_server.url.replace("http://", "ws://")
        + f"/_event/?EIO=4&transport=websocket&token={uuid.uuid4()}"
    )


@pytest.mark.parametrize("path", ["/", "/watchlist", "/login", "/api/v1/health"])
def test_pages_and_api_carry_security_headers(app_server, path):
    r = httpx.get(app_server.url + path, timeout=10, follow_redirects=True)
    assert r.status_code == 200
    for response in [*r.history, r]:  # redirects too
        assert_security_headers(response)


async def test_event_socket_refuses_foreign_origin_accepts_own(app_server):
    how = await refused(event_socket(app_server), origin=EVIL)
    assert how in {"403", "1008"}, how
    async with websockets.connect(event_socket(app_server), origin=app_server.url) as ws:
        opening = await asyncio.wait_for(ws.recv(), 5)
        assert str(opening).startswith("0{")  # Engine.IO "open" packet: accepted


async def test_ws_refuses_foreign_origin_on_the_app(app_server):
    _, _, token = api_user(app_server)
    how = await refused(
        app_server.url.replace("http://", "ws://") + f"/ws?token={token}", origin=EVIL
    )
    assert how in {"403", "1008"}, how


def test_watchlist_page_works_under_the_policy(page, app_server):
    """CSP violations show up as console errors; the page must load clean and stay live."""
    name, password, _ = api_user(app_server)
    login_via_ui(page, name, password)
    page.goto("/watchlist")
    page.fill("#watchlist-add", "TCS")
    page.press("#watchlist-add", "Enter")
    try:
        page.wait_for_selector("#row-TCS")
    except Exception:
        page.screenshot(path=str(app_server.log.parent / "csp-watchlist.png"))
        raise AssertionError(f"watchlist did not render; console: {page.errors}") from None
    page.wait_for_function("document.querySelector('#conn-status')?.innerText.includes('Live')")
    assert texts_change(page, "#watchlist-table tbody")
    page.goto("/")
    page.wait_for_selector("#index-NIFTY-50")
    assert texts_change(page, "#index-NIFTY-50")
    violations = [e for e in page.errors if "Content Security Policy" in e or "Refused to" in e]
    assert violations == []
    assert real_errors(page.errors) == []


async def test_token_never_in_the_app_log(app_server):
    _, password, token = api_user(app_server)
    url = app_server.url.replace("http://", "ws://") + f"/ws?token={token}"
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps({"action": "ping"}))
        await asyncio.wait_for(ws.recv(), 5)
    async with httpx.AsyncClient(base_url=app_server.url, timeout=10) as c:
        r = await c.get("/api/v1/watchlists", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200
        await c.get(f"/api/v1/watchlists?token={token}")
    await asyncio.sleep(0.5)
    text = app_server.log.read_text(errors="replace")
    assert token not in text and token.split(".")[2] not in text
    assert password not in text
