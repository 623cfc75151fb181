"""Options chain page (live chain, Greeks toggle, non-F&O message) and Alerts page (an alert
created near the price fires a toast by push)."""

from __future__ import annotations

import time

import httpx

from tests.e2e.conftest import api_user, login_via_ui, real_errors, texts_change


def _eventually(check, seconds: float = 10.0) -> bool:
    """Poll from Python: the page's CSP forbids the eval behind wait_for_function."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def test_options_chain_is_live(page, app_server):
    page.goto("/options/NIFTY")
    page.wait_for_selector("#chain-table tbody tr")
    assert page.locator("#chain-table tbody tr").count() == 21
    assert page.locator("#atm-row").count() == 1
    assert page.locator("#chain-pcr").inner_text().strip() != ""
    assert texts_change(page, "#chain-table tbody", 10), "chain numbers did not move"
    assert texts_change(page, "#spot-price", 10), "underlying price did not move"

    headers = page.locator("#chain-table thead").inner_text()
    assert "IV" not in headers.split()
    page.click("#greeks-toggle")
    assert _eventually(lambda: "IV" in page.locator("#chain-table thead").inner_text().split())
    assert real_errors(page.errors) == []


def test_options_non_fno_symbol_explains(page, app_server):
    page.goto("/options/BAJAJHLDNG")
    page.wait_for_selector("#options-error")
    assert "no listed options" in page.locator("#options-error").inner_text()


def test_alert_near_price_fires_a_toast(page, app_server):
    username, password, _ = api_user(app_server)
    login_via_ui(page, username, password)
    price = httpx.get(f"{app_server.url}/api/v1/quotes", params={"symbols": "RELIANCE"}).json()[
        "quotes"
    ][0]["current_price"]
    page.goto("/alerts")
    page.wait_for_selector("#alerts-empty")
    page.fill("#alert-symbol", "RELIANCE")
    page.locator(".alert-symbol-result").first.click()
    value = page.locator("#alert-form input").first
    assert _eventually(lambda: value.input_value() != "")  # prefilled from the live price
    value.fill(f"{price * 0.95:.2f}")
    page.click("#alert-create")
    toast = page.locator("[data-sonner-toast]", has_text="rose above")
    toast.first.wait_for(timeout=10_000)
    assert "RELIANCE" in toast.first.inner_text()
    page.wait_for_selector(".alert-event")
    assert "Triggered" in page.locator("#alerts-table").inner_text()
    assert real_errors(page.errors) == []
