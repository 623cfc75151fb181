"""Losing the live connection, bare per-symbol routes and unknown paths, in Chromium.

Before: a dropped socket showed Reflex's developer toast ("Cannot connect to server:
websocket error… ws://…/_event") while the dots kept pulsing green; /analysis, /peers and
/options without a symbol, and unknown paths, gave a bare "404: Page not found"."""

from __future__ import annotations

# Test-only page script: keeps the page's WebSockets so the test can close them, and
# while `__socketDown` is set points new ones at a closed port (the server is "gone").
SOCKET_SWITCH = """
window.__sockets = [];
window.__socketDown = false;
const RealWebSocket = window.WebSocket;
window.WebSocket = function (url, protocols) {
  const target = window.__socketDown ? 'ws://127.0.0.1:9/_event/' : url;
  const socket = new RealWebSocket(target, protocols);
  window.__sockets.push(socket);
  return socket;
};
window.WebSocket.prototype = RealWebSocket.prototype;
Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
"""


class SocketSwitch:
    """Cuts Reflex's event socket (and every reconnect) and restores it."""

    def __init__(self, page):
        self.page = page
        page.add_init_script(SOCKET_SWITCH)

    def cut(self) -> None:
        self.page.evaluate("window.__socketDown = true; window.__sockets.forEach(s => s.close())")

    def restore(self) -> None:
        self.page.evaluate("window.__socketDown = false")


DOT_COLOURS = """() => [...document.querySelectorAll('.live-dot')]
  .map(d => getComputedStyle(d).backgroundColor)"""
STALE_MARKS = """() => [...document.querySelectorAll('#ticker-strip .live-price')]
  .map(p => getComputedStyle(p, '::after').content)"""


def test_lost_connection_shows_one_calm_banner_and_stale_prices(page):
    switch = SocketSwitch(page)
    page.goto("/")
    page.wait_for_selector("#conn-status >> text=Live")
    page.wait_for_selector("#ticker-strip .live-price")
    live_colours = page.evaluate(DOT_COLOURS)
    assert live_colours and page.locator(".conn-lost").count() == 0
    assert set(page.evaluate(STALE_MARKS)) == {"none"}

    switch.cut()
    banner = page.locator("#connection-banner")
    banner.wait_for()
    assert banner.get_attribute("role") == "status"
    page.wait_for_timeout(1500)  # several failed reconnects: still one calm message
    text = page.locator("body").inner_text()
    for developer_text in ("Cannot connect", "ws://", "_event", "websocket error"):
        assert developer_text not in text
    assert page.locator("#connection-banner").count() == 1
    grey = page.evaluate(DOT_COLOURS)
    assert not set(grey) & set(live_colours)  # every dot changed colour (grey)
    assert set(page.evaluate(STALE_MARKS)) == {'"stale"'}  # every price marked stale

    switch.restore()
    banner.wait_for(state="detached", timeout=30_000)
    page.wait_for_selector("#conn-status >> text=Live")
    assert page.locator(".conn-lost").count() == 0
    assert set(page.evaluate(STALE_MARKS)) == {"none"}


def _wait_remembered(page, section: str, symbol: str) -> None:
    key = f"stockapp_last_{section}"
    for _ in range(80):
        if page.evaluate(f"localStorage.getItem('{key}')") == symbol:
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"{symbol} not remembered for {section}")


def test_bare_symbol_routes_open_a_picker_then_the_last_symbol(page):
    page.goto("/analysis")
    page.wait_for_selector("#symbol-picker")
    page.wait_for_selector("#conn-status >> text=Live")
    box = page.locator("#symbol-pick")
    box.fill("larsen")
    box.press("Enter")
    page.wait_for_url("**/analysis/LT")
    _wait_remembered(page, "analysis", "LT")

    page.goto("/peers")  # nothing used there yet: the picker
    page.wait_for_selector("#symbol-picker")
    assert page.locator("#symbol-picker").inner_text().startswith("Which stock")

    page.goto("/analysis")  # the last symbol used there
    page.wait_for_url("**/analysis/LT")
    page.goto("/options/BANKNIFTY")
    _wait_remembered(page, "options", "BANKNIFTY")
    page.goto("/options")
    page.wait_for_url("**/options/BANKNIFTY")


def test_unknown_path_is_a_404_inside_the_shell(page):
    page.goto("/no-such-page/at-all")
    page.wait_for_selector("#not-found")
    assert page.locator(".sidebar a[href='/movers']").count() == 1  # navigation is there
    page.locator(".sidebar a[href='/movers']").click()
    page.wait_for_url("**/movers")
    current = page.locator(".sidebar a[aria-current=page]")
    current.wait_for()
    assert current.inner_text() == "Market Movers"
    assert page.locator(".sidebar a[aria-current=page]").count() == 1
