"""The phone shell at 390x844: a compact header with search behind an icon button, and a
bottom tab bar (Dashboard, Watchlist, Movers, Portfolio, More -> the rest)."""

from __future__ import annotations

from playwright.sync_api import expect


def test_phone_header_is_compact_with_search_behind_an_icon(browser, app_server):
    context = browser.new_context(base_url=app_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto("/")
    page.wait_for_selector("#conn-status >> text=Live")
    header = page.locator(".top-bar").bounding_box()
    assert header["height"] <= 60, header  # was ~40% of the first screen
    assert not page.locator("#global-search").is_visible()
    toggle = page.get_by_role("button", name="Search instruments")
    toggle.click()
    page.wait_for_selector("#global-search", state="visible")
    assert page.evaluate("document.activeElement.id") == "global-search"
    assert toggle.get_attribute("aria-expanded") == "true"
    page.keyboard.type("infosys")
    page.wait_for_selector("#search-results .search-result")
    page.keyboard.press("Enter")
    page.wait_for_url("**/analysis/INFY")
    context.close()


def test_phone_tab_bar_reaches_every_page(browser, app_server):
    context = browser.new_context(base_url=app_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto("/")
    page.wait_for_selector("#conn-status >> text=Live")
    bar = page.get_by_role("navigation", name="Main pages")
    assert bar.is_visible()
    box = bar.bounding_box()
    assert box["y"] + box["height"] >= 844 - 1  # pinned to the bottom of the screen
    labels = [t.strip() for t in bar.locator(".tab-link").all_inner_texts()]
    assert labels == ["Dashboard", "Watchlist", "Movers", "Portfolio", "More"]
    expect(bar.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")

    bar.get_by_role("link", name="Movers").click()
    page.wait_for_url("**/movers")
    expect(bar.get_by_role("link", name="Movers")).to_have_attribute("aria-current", "page")

    bar.get_by_role("button", name="More").click()
    menu = page.locator("#more-menu")
    menu.wait_for()
    for name in ("Analysis", "Recommendations", "Options Chain", "Screener", "Alerts"):
        assert menu.get_by_role("link", name=name, exact=True).is_visible(), name
    menu.get_by_role("link", name="Alerts", exact=True).click()
    page.wait_for_url("**/alerts")
    context.close()


def test_desktop_keeps_the_sidebar_and_no_tab_bar(page):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto("/")
    page.wait_for_selector("#global-search", state="visible")
    assert not page.get_by_role("navigation", name="Main pages").is_visible()
    assert not page.locator("#search-toggle").is_visible()
