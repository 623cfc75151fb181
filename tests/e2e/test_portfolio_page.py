"""Portfolio page in a real browser: trades through the form, live P&L, CSV upload."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import api_user, login_via_ui, real_errors, texts_change

SMALL_IMPORT = Path(__file__).resolve().parents[1] / "fixtures" / "portfolio" / "small_import.csv"


def _add_trade(page, symbol: str, quantity: str, price: str) -> None:
    page.fill("#trade-symbol", symbol)
    page.fill("#trade-qty", quantity)
    page.fill("#trade-price", price)
    page.fill("#trade-fees", "12.5")
    page.click("#trade-submit")


def test_trades_live_pnl_and_csv_import(page, app_server):
    name, password, _ = api_user(app_server)
    login_via_ui(page, name, password)
    page.goto("/portfolio")
    page.wait_for_selector("#portfolio-empty")

    _add_trade(page, "RELIANCE", "10", "1500")
    page.wait_for_selector("#holding-RELIANCE")
    _add_trade(page, "TCS", "3", "3400.5")
    page.wait_for_selector("#holding-TCS")
    assert "Recorded: buy 3 TCS" in page.locator("#trade-notice").inner_text()
    assert page.locator("#holdings-table .holding-row").count() == 2
    assert "₹18,001.50" in page.locator("#total-invested").inner_text()  # fees in the cost
    assert page.locator("#trades-table tbody tr").count() == 2

    # market value and P&L move on their own as prices tick
    assert texts_change(page, "#total-value", 10)
    assert texts_change(page, "#holding-RELIANCE", 10)

    # a sell of more than is held is refused with the reason
    page.click("#trade-side >> text=Sell")
    _add_trade(page, "TCS", "5", "3500")
    page.wait_for_selector("#trade-error")
    assert "only 3 held" in page.locator("#trade-error").inner_text()

    page.set_input_files("#import-drop input[type=file]", str(SMALL_IMPORT))
    page.wait_for_selector("#import-summary")
    assert page.locator("#import-summary").inner_text() == "Imported 2 trades, skipped 0 duplicates"
    page.wait_for_selector("#holding-ITC")
    assert page.locator("#holdings-table .holding-row").count() == 4
    page.wait_for_selector("#sector-chart svg")
    page.wait_for_selector("#history-chart svg", timeout=30_000)
    assert real_errors(page.errors) == []


def test_phone_width_tables_scroll_instead_of_overflowing(page, app_server):
    name, password, _ = api_user(app_server)
    page.set_viewport_size({"width": 390, "height": 844})
    login_via_ui(page, name, password)
    page.goto("/portfolio")
    page.wait_for_selector("#trade-form")
    _add_trade(page, "INFY", "4", "1450")
    page.wait_for_selector("#holding-INFY")
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= 400
    assert real_errors(page.errors) == []
