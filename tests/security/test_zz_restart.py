"""Stopping and starting the app keeps every user's data, and a browser left open across the
restart reconnects by itself: the indicator leaves Live, comes back to Live, and prices move
again. Runs last in this folder (it restarts the shared app server on the same port)."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.conftest import api_user, login_via_ui, texts_change

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.usefixtures("browser")]
# arrow functions: a bare expression would be polled through eval, which the CSP forbids
LIVE = "() => (document.querySelector('#conn-status')?.innerText || '').includes('Live')"
NOT_LIVE = "() => !(document.querySelector('#conn-status')?.innerText || '').includes('Live')"


def test_restart_keeps_data_and_open_page_reconnects(page, app_server):
    name, password, token = api_user(app_server)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=app_server.url, timeout=10) as c:
        wl = c.post("/api/v1/watchlists", json={"name": "kept"}, headers=headers).json()["id"]
        for symbol in ("TCS", "INFY"):
            r = c.post(f"/api/v1/watchlists/{wl}/items", json={"symbol": symbol}, headers=headers)
            assert r.status_code in (200, 201), r.text
    login_via_ui(page, name, password)
    page.goto("/")
    page.wait_for_selector("#index-NIFTY-50")
    page.wait_for_function(LIVE)
    assert texts_change(page, "#index-NIFTY-50")

    app_server.stop()
    page.wait_for_function(NOT_LIVE, timeout=30_000)
    app_server.start()
    page.wait_for_function(LIVE, timeout=90_000)
    assert texts_change(page, "#index-NIFTY-50", 10), "prices did not resume after restart"
    assert texts_change(page, "#ticker-strip", 10)

    with httpx.Client(base_url=app_server.url, timeout=10) as c:
        r = c.get(f"/api/v1/watchlists/{wl}", headers=headers)
    assert r.status_code == 200, "the token and the data survive the restart"
    body = r.json()
    assert body["name"] == "kept"
    assert {i["symbol"] for i in body["items"]} == {"TCS", "INFY"}
    assert page.locator("#nav-username").inner_text().strip() == name
