"""Arrows and flashes tell the truth: the arrow and its colour follow the day's change, the
brief flash is the last tick. Before, the arrow showed the last tick ("NIFTY 50 ↑ -0.05%"),
and Portfolio flashed every cell of a row on every tick."""

from __future__ import annotations

import re
import time

import httpx

from tests.e2e.conftest import api_user, login_via_ui

TICKER_ITEMS = """() => [...document.querySelectorAll('#ticker-strip > div')].map(el => ({
  text: el.innerText,
  up: el.querySelectorAll('svg.lucide-arrow-up').length,
  down: el.querySelectorAll('svg.lucide-arrow-down').length,
}))"""


def _sign(text: str) -> int:
    m = re.search(r"([+-]?)(\d[\d,]*\.?\d*)%", text)
    assert m, text
    if float(m.group(2).replace(",", "")) == 0:
        return 0
    return -1 if m.group(1) == "-" else 1


def test_ticker_arrows_follow_the_days_change(page):
    page.goto("/")
    page.wait_for_selector("#ticker-strip svg")
    checked = 0
    deadline = time.time() + 6
    while time.time() < deadline:  # several ticks: each one must agree with its number
        for item in page.evaluate(TICKER_ITEMS):
            if "%" not in item["text"]:
                continue
            sign = _sign(item["text"])
            assert (item["up"], item["down"]) == (
                int(sign > 0),
                int(sign < 0),
            ), f"arrow contradicts the change: {item}"
            checked += 1
        time.sleep(0.4)
    assert checked >= 20


def test_portfolio_flashes_only_the_price(page, app_server):
    name, password, token = api_user(app_server)
    with httpx.Client(base_url=app_server.url, timeout=10) as c:
        r = c.post(
            "/api/v1/portfolio/trades",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "symbol": "RELIANCE",
                "side": "buy",
                "quantity": 5,
                "price": 1000,
                "traded_at": "2025-01-02",
            },
        )
        assert r.status_code == 201, r.text
    login_via_ui(page, name, password)
    page.goto("/portfolio")
    row = page.locator("#holding-RELIANCE")
    row.wait_for()
    seen = 0
    deadline = time.time() + 8
    while time.time() < deadline:
        flashing = row.locator(".flash-up, .flash-down").count()
        assert flashing <= 1, "more than the price cell flashes"
        seen += flashing
        page.wait_for_timeout(150)
    assert seen > 0, "the price never flashed"
