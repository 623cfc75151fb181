"""Analysis (live header + lightweight-charts candles) and Recommendations (live table and
heat map) in a real browser against the real app."""

from __future__ import annotations

import re
import time

from stockapp.pages.recommendations import heat_color, parse_pct
from tests.e2e.conftest import real_errors, texts_change

CHART = "#candle-chart"


def _chart_attr(page, name: str) -> str:
    return page.locator(CHART).get_attribute(f"data-{name}") or ""


def _attr_changes(page, name: str, seconds: float) -> bool:
    first = _chart_attr(page, name)
    deadline = time.time() + seconds
    while time.time() < deadline:
        time.sleep(0.25)
        if _chart_attr(page, name) != first:
            return True
    return False


def test_analysis_chart_moves_live_and_switches_timeframe(page):
    page.goto("/analysis/RELIANCE")
    page.wait_for_selector(f"{CHART}[data-ready='1']")
    page.wait_for_function("() => Number(document.querySelector('#candle-chart').dataset.bars) > 0")
    assert page.locator(f"{CHART} canvas").count() > 0
    assert float(_chart_attr(page, "last-close")) > 0
    assert _attr_changes(page, "last-close", 10), "the forming candle did not move"
    assert _attr_changes(page, "last-rsi", 10), "the RSI pane did not move with the candle"
    assert int(_chart_attr(page, "live-indicators")) >= 3  # SMA 20, SMA 50 and RSI by default
    assert texts_change(page, "#ltp", 10), "header price did not change"
    assert page.locator("#peers-link").get_attribute("href") == "/peers/RELIANCE"
    assert page.locator("#options-link").get_attribute("href") == "/options/RELIANCE"
    assert page.locator("#market-cap").inner_text().startswith("₹")
    # the default always-open simulation trades at hours NSE is shut: the chart says so
    assert "chart times are simulated" in page.locator("#chart-time-note").inner_text()

    page.click("#tf-1Y")
    page.wait_for_function(
        "() => /^\\d{4}-\\d{2}-\\d{2}$/.test(document.querySelector('#candle-chart')"
        ".dataset.lastTime || '')"
    )
    assert 200 < int(_chart_attr(page, "bars")) < 270  # about a year of trading days
    panes_before = page.locator(f"{CHART} canvas").count()
    page.click("#pane-macd")
    page.wait_for_function(
        f"() => document.querySelectorAll('{CHART} canvas').length > {panes_before}"
    )
    assert _attr_changes(page, "last-close", 10), "daily candle did not move"
    assert real_errors(page.errors) == []


def test_analysis_index_links_and_unknown_symbol(page):
    page.goto("/analysis/NIFTY%20BANK")
    page.wait_for_selector(f"{CHART}[data-ready='1']")
    assert page.locator("#options-link").get_attribute("href") == "/options/BANKNIFTY"
    assert page.locator("#peers-link").count() == 0
    page.goto("/analysis/NOSUCHCO")
    box = page.wait_for_selector("#not-found")
    assert "NOSUCHCO" in box.inner_text() and "Search" in box.inner_text()
    assert page.locator("#not-found a").count() > 0  # suggestions to open instead
    assert real_errors(page.errors) == []


TILES_JS = """() => Object.fromEntries([...document.querySelectorAll('.heat-tile')].map(t => [
  t.id, [t.querySelector('.tile-pct').innerText, getComputedStyle(t).backgroundColor]]))"""


def _tiles(page) -> dict[str, tuple[str, str]]:
    """Every tile's displayed % change and background colour, read in one go."""
    return {k: tuple(v) for k, v in page.evaluate(TILES_JS).items()}


def test_recommendations_live_table_and_heat_map(page):
    page.goto("/recommendations")
    page.wait_for_selector("#rec-table tbody tr")
    assert "not investment advice" in page.locator("#disclaimer").inner_text()
    assert page.locator("#rec-table tbody tr").count() >= 10
    assert texts_change(page, "#rec-table tbody tr .price", 10), "table prices are not live"

    before = _tiles(page)
    assert len(before) > 100 and "tile-RELIANCE" in before
    time.sleep(5)
    after = _tiles(page)
    for tiles in (before, after):
        for tile, (pct, color) in tiles.items():
            assert color == heat_color(parse_pct(pct)), (tile, pct, color)
    moved = [t for t in after if after[t][0] != before[t][0]]
    recoloured = [t for t in after if after[t][1] != before[t][1]]
    assert moved, "no tile's % change moved"
    assert recoloured, "no tile's colour followed its % change"

    page.click("#filter-Sell")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#rec-table tbody .verdict')]"
        ".every(b => b.innerText.trim() === 'Sell')"
    )
    scores = [int(s) for s in page.locator("#rec-table tbody .score").all_inner_texts()]
    assert all(s <= -25 for s in scores)
    assert real_errors(page.errors) == []
    assert re.search(r"Sell \(\d+\)", page.locator("#filter-Sell").inner_text())


def test_alert_created_from_the_analysis_page(page, app_server):
    import httpx

    from tests.e2e.conftest import api_user, login_via_ui

    name, password, token = api_user(app_server)
    login_via_ui(page, name, password)
    page.goto("/analysis/INFY")
    page.get_by_label("Create an alert").click()
    page.get_by_role("button", name="Create alert").click()
    page.get_by_role("button", name="Create alert").wait_for(state="detached")
    alerts = httpx.get(
        f"{app_server.url}/api/v1/alerts", headers={"Authorization": f"Bearer {token}"}, timeout=10
    ).json()
    assert [(a["symbol"], a["condition"]) for a in alerts] == [("INFY", "price_above")]
