"""The instrument combobox and the trade form, driven from the keyboard in Chromium.

Before: Enter in the trade form's Symbol field submitted the form ("Quantity is empty"),
and after an error "reliance" + Enter saved a trade with the stale quantity and price.
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import api_user, login_via_ui, real_errors


def _options(page, listbox: str) -> list[str]:
    return page.locator(f"#{listbox} [role=option]").all_inner_texts()


def test_trade_form_enter_picks_and_never_saves(page, app_server):
    name, password, _ = api_user(app_server)
    login_via_ui(page, name, password)
    page.goto("/portfolio")
    page.wait_for_selector("#portfolio-empty")
    symbol = page.locator("#trade-symbol")
    assert symbol.get_attribute("role") == "combobox"

    # a company name and Enter picks the highlighted suggestion; nothing is submitted
    symbol.fill("larsen")
    page.locator("#trade-suggestions [role=option]", has_text="LT").wait_for()
    assert symbol.get_attribute("aria-activedescendant") == "trade-symbol-opt-0"
    symbol.press("Enter")
    page.wait_for_selector("#trade-suggestions", state="detached")
    assert symbol.input_value() == "LT"
    assert page.locator("#trade-error").count() == 0
    expect(page.locator("#trade-price")).not_to_have_value("")  # the live price, filled in

    # an error, then "reliance" + Enter: picks RELIANCE and saves nothing
    page.fill("#trade-qty", "30")
    page.fill("#trade-price", "950")
    page.fill("#trade-note", "x" * 10)
    symbol.fill("")
    page.click("#trade-submit")
    page.wait_for_selector("#trade-error")
    symbol.fill("reliance")
    page.locator("#trade-suggestions [role=option]", has_text="RELIANCE").wait_for()
    symbol.press("Enter")
    page.wait_for_selector("#trade-suggestions", state="detached")
    assert symbol.input_value() == "RELIANCE"
    page.press("#trade-qty", "Enter")  # Enter in a field that is not the last one
    page.wait_for_timeout(800)
    assert page.locator("#trade-notice").count() == 0
    assert page.locator("#trades-table tbody tr").count() == 0

    # Enter in the last field saves, and the whole form clears
    page.fill("#trade-price", "950")
    page.press("#trade-note", "Enter")
    page.locator("#trade-notice", has_text="buy 30 RELIANCE").wait_for()
    assert symbol.input_value() == ""
    assert page.input_value("#trade-qty") == ""
    assert page.input_value("#trade-note") == ""
    assert page.locator("#trades-table tbody tr").count() == 1
    assert real_errors(page.errors) == []


def test_global_search_arrows_enter_and_escape(page):
    page.goto("/sectors")
    box = page.locator("#global-search")
    box.fill("tata")
    page.locator("#search-results [role=option]").first.wait_for()
    found = _options(page, "search-results")
    assert any(t.startswith("TMPV") for t in found), found  # Tata Motors by name
    assert box.get_attribute("aria-expanded") == "true"

    box.press("ArrowDown")
    page.wait_for_selector("#global-search[aria-activedescendant=global-search-opt-1]")
    second = page.locator("#global-search-opt-1")
    assert second.get_attribute("aria-selected") == "true"
    assert "combo-active" in (second.get_attribute("class") or "")
    wanted = second.inner_text().split()[0]
    box.press("ArrowUp")
    page.wait_for_selector("#global-search[aria-activedescendant=global-search-opt-0]")
    box.press("ArrowDown")
    page.wait_for_selector("#global-search[aria-activedescendant=global-search-opt-1]")
    box.press("Enter")
    page.wait_for_url(f"**/analysis/{wanted}")
    # as a user would: the new page is on screen (its chart drawn) before the next search
    page.wait_for_selector("#candle-chart[data-ready='1']", timeout=30_000)

    box.fill("infosys")  # typed and entered at once: acts on the text, not a stale list
    box.press("Enter")
    page.wait_for_url("**/analysis/INFY")

    box.fill("nifty")
    page.locator("#search-results [role=option]").first.wait_for()
    assert _options(page, "search-results")[0].startswith("NIFTY 50")
    box.press("Escape")
    page.wait_for_selector("#search-results", state="detached")
    assert box.get_attribute("aria-expanded") == "false"

    box.fill("hdfc")  # left open, then another page: the box starts empty and closed
    page.locator("#search-results [role=option]").first.wait_for()
    page.goto("/movers")
    page.wait_for_selector("#conn-status >> text=Live")
    assert box.input_value() == ""
    assert page.locator("#search-results").count() == 0
