"""Dashboard, Watchlist and Market Movers in headless Chromium: they load cleanly, their
prices move on their own, the connection indicator says Live, and subscriptions follow the
page (released when tabs close)."""

from __future__ import annotations

import re
import time

import httpx

from tests.e2e.conftest import api_user, login_via_ui, real_errors, texts_change


def metric(app_server, name: str) -> float:
    text = httpx.get(f"{app_server.url}/metrics", timeout=5).text
    m = re.search(rf"^{re.escape(name)} ([0-9.e+-]+)$", text, re.M)
    return float(m.group(1)) if m else 0.0


def test_dashboard_is_live(page, app_server):
    page.goto("/")
    page.wait_for_selector("#index-NIFTY-50")
    page.wait_for_selector("#conn-status >> text=Live")
    assert texts_change(page, "#index-NIFTY-50")
    assert texts_change(page, "#ticker-strip")
    assert page.locator("#dash-gainers a").count() > 0
    assert real_errors(page.errors) == []


def test_movers_tabs_are_live(page):
    page.goto("/movers")
    page.wait_for_selector("[id^=mover-]")
    assert texts_change(page, "table tbody")
    page.get_by_role("tab", name="Most active (volume)").click()
    page.wait_for_timeout(500)
    assert page.locator("[id^=mover-]").count() == 20
    assert real_errors(page.errors) == []


def test_watchlist_add_survives_reload_and_remove_stops_streaming(page, app_server):
    name, password, _ = api_user(app_server)
    login_via_ui(page, name, password)
    page.goto("/watchlist")
    page.wait_for_selector("#watchlist-empty")
    for symbol in ("TCS", "INFY"):
        page.fill("#watchlist-add", symbol)
        page.press("#watchlist-add", "Enter")
        page.wait_for_selector(f"#row-{symbol}")
    assert texts_change(page, "#watchlist-table tbody")
    page.reload()
    page.wait_for_selector("#row-TCS")
    page.wait_for_selector("#row-INFY")
    page.wait_for_selector("#conn-status >> text=Live")

    page.get_by_role("button", name="Remove INFY").click()
    page.wait_for_selector("#row-INFY", state="detached")
    # TCS keeps streaming; INFY is gone from the page and from the session's subscription
    assert texts_change(page, "#row-TCS")
    assert page.locator("#row-INFY").count() == 0
    assert real_errors(page.errors) == []


def test_closing_tabs_releases_subscriptions(browser, app_server):
    baseline = metric(app_server, "stockapp_ui_sessions")
    contexts = []
    for _ in range(4):
        ctx = browser.new_context(base_url=app_server.url)
        p = ctx.new_page()
        p.goto("/movers")
        p.wait_for_selector("[id^=mover-]")
        contexts.append(ctx)
    assert metric(app_server, "stockapp_ui_sessions") >= baseline + 4
    for ctx in contexts:
        ctx.close()
    deadline = time.time() + 15
    while time.time() < deadline and metric(app_server, "stockapp_ui_sessions") > baseline:
        time.sleep(0.3)
    assert metric(app_server, "stockapp_ui_sessions") <= baseline


def test_global_search_slash_focus_and_open_analysis(page):
    page.goto("/movers")
    page.wait_for_selector("[id^=mover-]")
    page.locator("body").press("/")
    assert page.locator("#global-search").evaluate("e => e === document.activeElement")
    page.keyboard.type("reli")
    page.wait_for_selector("#search-results >> text=RELIANCE")
    page.locator("#search-results >> text=RELIANCE").first.click()
    page.wait_for_url("**/analysis/RELIANCE")


def test_phone_width_layout(browser, app_server):
    ctx = browser.new_context(base_url=app_server.url, viewport={"width": 390, "height": 844})
    p = ctx.new_page()
    p.goto("/movers")
    p.wait_for_selector("#mv-card-list .list-card")  # two-line cards, not the table
    # no horizontal overflow of the page itself (wide tables scroll inside their box)
    width = p.locator("html").evaluate("e => e.scrollWidth")
    assert width <= 391
    # the phone shell: the main pages in a bottom tab bar, the rest behind "More"
    assert p.get_by_role("button", name="More").is_visible()
    ctx.close()


def test_dashboard_portfolio_summary_and_watchlist_are_live(page, app_server):
    name, password, token = api_user(app_server)
    h = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=app_server.url, timeout=10) as c:
        r = c.post(
            "/api/v1/portfolio/trades",
            headers=h,
            json={
                "symbol": "RELIANCE",
                "market": "india_nse",
                "side": "buy",
                "quantity": 50,
                "price": 1200,
                "traded_at": "2024-01-10T05:00:00Z",
                "fees": 20,
            },
        )
        assert r.status_code == 201, r.text
        wid = c.get("/api/v1/watchlists", headers=h).json()[0]["id"]
        c.post(f"/api/v1/watchlists/{wid}/items", headers=h, json={"symbol": "ITC"})
    login_via_ui(page, name, password)
    page.goto("/")
    page.wait_for_selector("#dash-pf-value")
    assert page.locator("#dash-pf-value").inner_text().startswith("₹")
    assert texts_change(page, "#dash-pf-value")
    page.wait_for_selector("#dash-watchlist >> text=ITC")
    assert real_errors(page.errors) == []
