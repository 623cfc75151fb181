"""Daily-use lists on a phone and on a desk:

- at 390 px Watchlist, Portfolio holdings and Movers show two-line cards (symbol and live
  LTP on top, change in ₹ and %, and quantity/P&L for a holding, below), each a link to
  Analysis; at 1440 px the tables, and no cards;
- the option chain's strike column stays in view while calls and puts scroll past it;
- Movers filters by index (NIFTY 50 / NIFTY 100 / NIFTY MIDCAP 100 / all) and shows the
  change in rupees;
- choosing the same CSV file again runs the import again.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from stockapp.market.instruments import load_universe
from tests.e2e.conftest import Page, api_user, login_via_ui, real_errors, texts_change
from tests.e2e.pages import fill_account

# the first test also waits for the app server's production build
pytestmark = pytest.mark.timeout(480)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "portfolio"
NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth"


def phone_context(browser, app_server):
    context = browser.new_context(base_url=app_server.url, viewport={"width": 390, "height": 844})
    page = Page(context.new_page())
    page.set_default_timeout(60_000)
    return context, page


def lines(card) -> list[str]:
    return [t.strip() for t in card.locator(".lc-line").all_inner_texts()]


def flashes_only_the_price(page, scope: str) -> bool:
    """Over a few ticks, something in `scope` flashes, and only inside a price."""
    seen = False
    for _ in range(12):
        where = page.locator(scope).first.evaluate(
            "s => [...s.querySelectorAll('.flash-up, .flash-down')]"
            ".map(e => !!e.closest('.lc-price'))"
        )
        if not all(where):
            return False
        seen = seen or bool(where)
        page.wait_for_timeout(500)
    return seen


def test_phone_lists_are_two_line_cards_linked_to_analysis(browser, app_server):
    name, password, token = api_user(app_server)
    fill_account(app_server.url, token)  # watchlist TCS, a trade of 10 INFY
    context, page = phone_context(browser, app_server)
    login_via_ui(page, name, password)

    page.goto("/watchlist")
    card = page.locator("#wl-card-TCS")
    card.wait_for()
    assert not page.locator("#row-TCS").is_visible()  # the table is for wide screens
    top, second = lines(card)
    assert top.startswith("TCS") and "₹" in top
    assert second[0] in "+-0" and "%" in second  # the day's change in ₹ and %
    assert card.get_by_role("button", name="Remove TCS").is_visible()
    assert page.evaluate(NO_SIDEWAYS)
    # keyboard reachable: the card's body is a link to Analysis
    link = card.get_by_role("link")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/analysis/TCS")

    page.goto("/portfolio")
    card = page.locator("#pf-card-INFY")
    card.wait_for()
    assert not page.locator("#holding-INFY").is_visible()
    top, second = lines(card)
    assert top.startswith("INFY") and "NSE" in top and "₹" in top
    assert "10 sh" in second and "%" in second
    expect(card.locator("a")).to_have_attribute("href", "/analysis/INFY")
    assert texts_change(page, "#pf-card-INFY .lc-price", 15)  # live
    assert flashes_only_the_price(page, "#pf-card-INFY")
    assert page.evaluate(NO_SIDEWAYS)

    page.goto("/movers")
    cards = page.locator("#mv-card-list .list-card")
    cards.first.wait_for()
    assert cards.count() == page.locator("[id^=mover-]").count() > 0
    assert not page.locator("[id^=mover-]").first.is_visible()
    assert texts_change(page, "#mv-card-list .lc-price", 15)
    assert flashes_only_the_price(page, "#mv-card-list")
    assert page.evaluate(NO_SIDEWAYS)
    assert real_errors(page.errors) == []
    context.close()


def test_desktop_shows_tables_not_cards(page, app_server):
    name, password, token = api_user(app_server)
    fill_account(app_server.url, token)
    page.set_viewport_size({"width": 1440, "height": 900})
    login_via_ui(page, name, password)
    page.goto("/watchlist")
    page.wait_for_selector("#row-TCS")
    assert not page.locator("#wl-card-TCS").is_visible()
    page.goto("/portfolio")
    page.wait_for_selector("#holding-INFY")
    assert not page.locator("#pf-card-INFY").is_visible()


def test_option_chain_strike_column_stays_in_view_on_a_phone(browser, app_server):
    context, page = phone_context(browser, app_server)
    page.goto("/options/NIFTY")
    page.wait_for_selector("#atm-row")
    region = page.get_by_role("region", name="Option chain")
    strike = page.locator("#atm-row .strike-cell")
    widths = region.evaluate("e => [e.clientWidth, e.scrollWidth]")
    assert widths[1] > widths[0]  # calls and puts are wider than the screen
    for left in (0, widths[1] // 2, widths[1]):
        region.evaluate(f"e => {{ e.scrollLeft = {left}; }}")
        page.wait_for_timeout(100)
        box = strike.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (left, box)
    assert page.evaluate(NO_SIDEWAYS)
    context.close()


def test_movers_index_filter_and_rupee_change(page, app_server):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto("/movers")
    page.wait_for_selector("[id^=mover-]")
    headers = page.locator("table thead th").all_inner_texts()
    assert "Change ₹" in headers, headers
    col = headers.index("Change ₹") + 1
    rupees = page.locator(f"[id^=mover-] td:nth-child({col})").first.inner_text()
    pct = page.locator("[id^=mover-] td:nth-child(3)").first.inner_text()
    assert rupees[:1] == pct[:1] and rupees[:1] in "+-"  # gainers: both signed alike

    universe = load_universe()
    nifty50 = universe.members(["NIFTY 50"])
    page.get_by_role("combobox", name="Index").click()
    page.get_by_role("option", name="NIFTY 50", exact=True).click()
    expect(page.locator("#movers-index")).to_have_text("NIFTY 50")
    page.wait_for_timeout(1500)  # a tick or two
    symbols = [
        i.removeprefix("mover-")
        for i in page.locator("[id^=mover-]").evaluate_all("rows => rows.map(r => r.id)")
    ]
    assert symbols and set(symbols) <= nifty50, set(symbols) - nifty50

    page.goto("/movers?index=midcap100&tab=losers")
    page.wait_for_selector("[id^=mover-]")
    expect(page.locator("#movers-index")).to_have_text("NIFTY MIDCAP 100")
    midcap = universe.members(["NIFTY MIDCAP 100"])
    ids = page.locator("[id^=mover-]").evaluate_all("rows => rows.map(r => r.id.slice(6))")
    assert set(ids) <= midcap


def test_choosing_the_same_csv_again_reimports(page, app_server):
    name, password, _ = api_user(app_server)
    login_via_ui(page, name, password)
    page.goto("/portfolio")
    page.wait_for_selector("#portfolio-empty")
    csv = str(FIXTURES / "small_import.csv")
    page.set_input_files("#import-drop input[type=file]", csv)
    expect(page.locator("#import-summary")).to_have_text("Imported 2 trades, skipped 0 duplicates")
    # the file input is empty again, so the browser reports the same file as a new choice
    page.wait_for_function("document.querySelector('#import-drop input[type=file]').value === ''")
    page.set_input_files("#import-drop input[type=file]", csv)
    expect(page.locator("#import-summary")).to_have_text("Imported 0 trades, skipped 2 duplicates")
    assert real_errors(page.errors) == []
