"""Every action says what happened: alert created from a bell, a duplicate watchlist
symbol, an invalid screener number, alert times in IST, no stale success beside an error."""

from __future__ import annotations

import httpx

from tests.e2e.conftest import api_user, login_via_ui, real_errors


def test_watchlist_duplicate_and_bell_alert_confirm(page, app_server):
    name, password, _ = api_user(app_server)
    login_via_ui(page, name, password)
    page.goto("/watchlist")
    box = page.locator("#watchlist-add")
    box.fill("TCS")
    box.press("Enter")
    row = page.locator("#watchlist-table tbody tr", has_text="TCS")
    row.first.wait_for()
    box.fill("tata consultancy")  # the same stock by name: already there, and it says so
    box.press("Enter")
    notice = page.locator("#watchlist-notice")
    notice.wait_for()
    assert "TCS is already in this watchlist" in notice.inner_text()
    assert row.count() == 1

    row.first.get_by_role("button", name="Create an alert").click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    dialog.locator("input").first.fill("1")
    dialog.get_by_role("button", name="Create alert").click()
    toast = page.locator("[data-sonner-toast]", has_text="Alert created: TCS")
    toast.first.wait_for(timeout=10_000)
    assert real_errors(page.errors) == []


def test_alerts_page_ist_times_and_no_stale_success(page, app_server):
    name, password, token = api_user(app_server)
    price = httpx.get(f"{app_server.url}/api/v1/quotes", params={"symbols": "INFY"}).json()[
        "quotes"
    ][0]["current_price"]
    r = httpx.post(
        f"{app_server.url}/api/v1/alerts",
        headers={"Authorization": f"Bearer {token}"},
        json={"symbol": "INFY", "condition": "price_above", "value": round(price * 0.9, 2)},
    )
    assert r.status_code == 201, r.text
    login_via_ui(page, name, password)
    page.goto("/alerts")
    event = page.locator(".alert-event").first
    event.wait_for(timeout=15_000)
    assert "IST" in event.inner_text() and "UTC" not in event.inner_text()

    box = page.locator("#alert-symbol")
    box.fill("RELIANCE")
    box.press("Enter")
    value = page.locator("#alert-form input").first
    value.fill("999999")
    page.click("#alert-create")
    page.get_by_text("is watching").wait_for()
    value.fill("abc")
    page.click("#alert-create")
    page.wait_for_timeout(1000)
    assert page.get_by_text("is watching").count() == 0  # the old success is gone


def test_screener_says_when_a_number_is_invalid(page):
    page.goto("/screener")
    page.wait_for_selector("#conn-status >> text=Live")
    placeholder = page.locator("#f-volume_ratio_min").get_attribute("placeholder")
    assert "usual volume" in placeholder
    page.fill("#f-price_min", "abc")
    page.locator("#err-price_min").wait_for()
    assert "must be a number" in page.locator("#err-price_min").inner_text()
    assert page.locator("#f-price_min").get_attribute("aria-invalid") == "true"
