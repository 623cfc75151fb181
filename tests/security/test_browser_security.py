"""Against the real app (`reflex run --env prod`): security headers on pages and API, the
pages working under the Content-Security-Policy, cross-site WebSocket hijacking refused on
both sockets (/ws and Reflex's /_event), and no token in the server log."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid

import httpx
import pytest
import websockets

from tests.e2e.conftest import api_user, login_via_ui, real_errors, texts_change
from tests.security.test_headers import assert_security_headers
from tests.security.wsutil import refused

# `browser` puts these tests with the other browser tests (run last, sharing one app server)
pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.usefixtures("browser")]
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


def in_thread(coro_fn):
    """Run a coroutine on its own loop in a thread: sync Playwright owns the main loop."""
    result: dict = {}

    def target() -> None:
        try:
            result["value"] = asyncio.run(coro_fn())
        except BaseException as exc:
            result["error"] = exc

    t = threading.Thread(target=target)
    t.start()
    t.join(60)
    if "error" in result:
        raise result["error"]
    return result.get("value")


def test_event_socket_refuses_foreign_origin_accepts_own(app_server):
    async def check() -> str:
        how = await refused(event_socket(app_server), origin=EVIL)
        async with websockets.connect(event_socket(app_server), origin=app_server.url) as ws:
            opening = await asyncio.wait_for(ws.recv(), 5)
            assert str(opening).startswith("0{")  # Engine.IO "open" packet: accepted
        return how

    assert in_thread(check) in {"403", "1008"}


def test_ws_refuses_foreign_origin_on_the_app(app_server):
    _, _, token = api_user(app_server)
    url = app_server.url.replace("http://", "ws://") + f"/ws?token={token}"
    assert in_thread(lambda: refused(url, origin=EVIL)) in {"403", "1008"}


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


def test_token_never_in_the_app_log(app_server):
    _, password, token = api_user(app_server)
    url = app_server.url.replace("http://", "ws://") + f"/ws?token={token}"

    async def use_ws() -> None:
        async with websockets.connect(url) as ws:
            await ws.send(json.dumps({"action": "ping"}))
            await asyncio.wait_for(ws.recv(), 5)

    in_thread(use_ws)
    with httpx.Client(base_url=app_server.url, timeout=10) as c:
        r = c.get("/api/v1/watchlists", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200
        c.get(f"/api/v1/watchlists?token={token}")
    time.sleep(0.5)
    text = app_server.log.read_text(errors="replace")
    assert token not in text and token.split(".")[2] not in text
    assert password not in text
