"""Portfolio page in a real browser: trades through the form, live P&L, CSV upload."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import api_user, login_via_ui, real_errors, texts_change

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "portfolio"


def _add_trade(page, symbol: str, quantity: str, price: str) -> None:
    page.fill("#trade-symbol", symbol)
    page.fill("#trade-qty", quantity)
    page.fill("#trade-price", price)
    page.fill("#trade-fees", "12.5")
    page.click("#trade-submit")


def _recorded(page, text: str) -> None:
    """Wait for the confirmation; the form is cleared in the same update."""
    page.locator("#trade-notice", has_text=text).wait_for()
    assert page.input_value("#trade-qty") == ""


def test_trades_live_pnl_and_csv_import(page, app_server):
    name, password, _ = api_user(app_server)
    login_via_ui(page, name, password)
    page.goto("/portfolio")
    page.wait_for_selector("#portfolio-empty")

    _add_trade(page, "RELIANCE", "10", "1500")
    _recorded(page, "buy 10 RELIANCE")
    page.wait_for_selector("#holding-RELIANCE")
    _add_trade(page, "TCS", "3", "3400.5")
    _recorded(page, "buy 3 TCS at ₹3,400.50")
    page.wait_for_selector("#holding-TCS")
    assert page.locator("#holdings-table .holding-row").count() == 2
    assert "₹25,226.50" in page.locator("#total-invested").inner_text()  # fees in the cost
    assert page.locator("#trades-table tbody tr").count() == 2

    # market value and P&L move on their own as prices tick
    assert texts_change(page, "#total-value", 10)
    assert texts_change(page, "#holding-RELIANCE", 10)

    # a sell of more than is held is refused with the reason
    page.click("#trade-side >> text=Sell")
    _add_trade(page, "TCS", "5", "3500")
    page.wait_for_selector("#trade-error")
    assert "only 3 held" in page.locator("#trade-error").inner_text()

    # a file with a bad row is refused whole, naming the row
    page.set_input_files("#import-drop input[type=file]", str(FIXTURES / "bad_row.csv"))
    page.wait_for_selector("#import-error")
    assert "Row 4, quantity" in page.locator("#import-error").inner_text()
    assert page.locator("#holdings-table .holding-row").count() == 2

    page.set_input_files("#import-drop input[type=file]", str(FIXTURES / "small_import.csv"))
    page.wait_for_selector("#import-summary")
    assert page.locator("#import-summary").inner_text() == "Imported 2 trades, skipped 0 duplicates"
    page.wait_for_selector("#holding-ITC")
    assert page.locator("#holdings-table .holding-row").count() == 4

    # export through the browser: a download in the layout the import reads back
    with page.expect_download() as download:
        page.click("#export-trades")
    exported = Path(download.value.path()).read_text()
    assert exported.startswith("date,symbol,market,side,quantity,price,fees,trade_id,note")
    assert len(exported.strip().splitlines()) == 5

    # delete the newest trade (the TCS buy) after confirming
    page.locator("#trades-table .trade-delete").first.click()
    page.click("#confirm-delete")
    page.wait_for_selector("#holding-TCS", state="detached")
    assert page.locator("#trades-table tbody tr").count() == 3

    page.wait_for_selector("#sector-chart svg")
    page.wait_for_selector("#history-chart svg", timeout=30_000)

    # at phone width holdings are cards and the wide trades table scrolls inside its own
    # box, not the page
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_selector("#holding-cards #pf-card-ITC")
    widths = page.evaluate(
        "() => { const t = document.getElementById('trades-table');"
        " return [t.clientWidth, t.querySelector('table').scrollWidth]; }"
    )
    assert widths[0] <= 390 < widths[1]  # wider than the screen, so it scrolls sideways
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    assert real_errors(page.errors) == []
