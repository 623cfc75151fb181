"""Peer Comparison, Sector Analysis and Screener in a real browser against the live app."""

from __future__ import annotations

import re
import time

from tests.e2e.conftest import api_user, login_via_ui, real_errors, texts_change

TILES_JS = """() => Array.from(document.querySelectorAll('[id^="sector-tile-"]')).map(el => [
    el.id, el.querySelector('.tile-cp').innerText, getComputedStyle(el).backgroundColor])"""


def _rgb(css: str) -> tuple[int, int, int]:
    r, g, b = (int(float(x)) for x in re.findall(r"[\d.]+", css)[:3])
    return r, g, b


def _assert_colours_follow_sign(tiles: list[list[str]]) -> None:
    for tile_id, cp, bg in tiles:
        r, g, b = _rgb(bg)
        if cp.startswith("+"):
            assert g > r, (tile_id, cp, bg)
        elif cp.startswith("-"):
            assert r > g, (tile_id, cp, bg)
        else:
            assert r == g == b, (tile_id, cp, bg)


def _wait_until(fn, seconds: float = 10.0) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if fn():
            return True
        time.sleep(0.2)
    return False


def test_sector_heat_map_is_live_and_opens_constituents(page):
    page.goto("/sectors")
    page.wait_for_selector("[id^='sector-tile-']")
    first = page.evaluate(TILES_JS)
    assert len(first) >= 10
    _assert_colours_follow_sign(first)
    assert page.locator("#sector-table tbody tr").count() == len(first)

    assert texts_change(page, "#sector-heatmap", 12)
    later = page.evaluate(TILES_JS)
    _assert_colours_follow_sign(later)
    assert later != first

    tile_id, _, _ = first[0]
    page.click(f"#{tile_id}")
    page.wait_for_selector("#sector-panel [id^='member-']")
    members = page.locator("#sector-panel [id^='member-']").count()
    assert members >= 2
    assert page.locator("#sector-panel").get_by_text("stocks").count() >= 1
    assert texts_change(page, "#sector-panel tbody", 12)
    assert real_errors(page.errors) == []


def _count(page) -> int:
    return int(page.locator("#screener-count-n").inner_text())


def test_screener_filters_narrow_live_results_and_validate(page):
    page.goto("/screener")
    page.wait_for_selector("[id^='result-']")
    everything = _count(page)
    assert everything > 100
    assert texts_change(page, "#screener-results tbody", 12)

    page.fill("#f-rsi_max", "45")
    assert _wait_until(lambda: 0 < _count(page) < everything)
    rsi = page.evaluate(
        "() => Array.from(document.querySelectorAll('#screener-results tbody tr'))"
        ".map(tr => tr.children[5].innerText)"
    )
    assert rsi and all(float(v) <= 46 for v in rsi)

    page.fill("#f-price_min", "5000")
    page.fill("#f-price_max", "100")
    page.wait_for_selector("#err-price_min")
    assert "greater than maximum" in page.locator("#err-price_min").inner_text()
    page.fill("#f-price_max", "")
    page.wait_for_selector("#err-price_min", state="detached")

    page.click("#screener-form button:has-text('Reset')")
    assert _wait_until(lambda: _count(page) == everything)
    assert real_errors(page.errors) == []


def test_saved_screen_round_trip(page, app_server):
    username, password, _ = api_user(app_server)
    login_via_ui(page, username, password)
    page.goto("/screener")
    page.wait_for_selector("[id^='result-']")
    page.click("#preset-near-52-week-high")
    assert _wait_until(lambda: page.input_value("#f-near_high_pct") == "5")
    page.fill("#screen-name", "Breakouts")
    page.click("#screen-save")
    page.wait_for_selector(".saved-screen button:has-text('Breakouts')")

    page.click("#screener-form button:has-text('Reset')")
    assert _wait_until(lambda: page.input_value("#f-near_high_pct") == "")
    page.click(".saved-screen button:has-text('Breakouts')")
    assert _wait_until(lambda: page.input_value("#f-near_high_pct") == "5")

    page.get_by_label("Delete screen Breakouts").click()
    page.wait_for_selector(".saved-screen", state="detached")
    assert real_errors(page.errors) == []


def test_peer_comparison_live_with_chart_add_and_remove(page):
    page.goto("/peers/TCS")
    page.wait_for_selector("#peer-TCS")
    rows = page.locator("#peers-table tbody tr").count()
    assert rows >= 3
    page.wait_for_selector("#peers-chart .recharts-line")
    assert page.locator("#peers-chart .recharts-line").count() == rows
    assert texts_change(page, "#peers-table tbody", 12)

    page.fill("#peer-add", "RELIANCE")
    page.wait_for_selector("#peer-add-results")
    page.press("#peer-add", "Enter")
    page.wait_for_selector("#peer-RELIANCE")
    assert _wait_until(lambda: page.locator("#peers-chart .recharts-line").count() == rows + 1)

    page.get_by_label("Remove RELIANCE").click()
    page.wait_for_selector("#peer-RELIANCE", state="detached")
    assert page.locator("#peers-table tbody tr").count() == rows
    assert real_errors(page.errors) == []


def test_peer_comparison_link_with_extra_and_dropped_peers(page):
    page.goto("/peers/TCS")
    page.wait_for_selector("#peer-TCS")
    defaults = page.locator("#peers-table tbody tr").count()
    dropped = page.locator("#peers-table tbody tr").nth(1).get_attribute("id").removeprefix("peer-")
    page.goto(f"/peers/TCS?with=RELIANCE&without={dropped}")
    page.wait_for_selector("#peer-RELIANCE")
    assert page.locator(f"#peer-{dropped}").count() == 0
    assert page.locator("#peers-table tbody tr").count() == defaults


def test_peers_unknown_symbol_says_so(page):
    page.goto("/peers/NOSUCHSTOCK")
    page.wait_for_selector("#peers-error")
    assert "Unknown symbol" in page.locator("#peers-error").inner_text()
