"""Paper trading in a real browser on the live simulated market: the order ticket from a
Watchlist row, the fill's toast, the Orders page, and Portfolio's Paper view."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_CEILING, Decimal
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import api_user, login_via_ui, real_errors, texts_change
from tests.e2e.pages import VIEWPORTS, axe_violations, fill_account, settle

SHOTS = Path(__file__).parent / "screenshots"

# the first browser test of a session waits for the production build
pytestmark = pytest.mark.timeout(600)


def _watch(base_url: str, token: str, symbol: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=10) as c:
        lists = c.get("/api/v1/watchlists").json()
        if not lists:
            lists = [c.post("/api/v1/watchlists", json={"name": "Main"}).json()]
        r = c.post(f"/api/v1/watchlists/{lists[0]['id']}/items", json={"symbol": symbol})
        assert r.status_code in (200, 201), r.text


def _crossing_buy_limit(base_url: str, symbol: str) -> str:
    """A buy limit 1 % above the last price, in whole rupees (on every tick grid below
    ₹10,000): at or above the ask, so it fills at the next tick."""
    quote = httpx.get(f"{base_url}/api/v1/quotes", params={"symbols": symbol}).json()["quotes"][0]
    price = (Decimal(str(quote["current_price"])) * Decimal("1.01")).to_integral_value(
        ROUND_CEILING
    )
    return str(price)


def _open_ticket(page, symbol: str) -> None:
    page.goto("/watchlist")
    # the table row on a wide screen, the row's card on a phone
    rows = f"#row-{symbol} .trade-button, #wl-card-{symbol} .trade-button"
    page.locator(rows).locator("visible=true").first.click()
    page.wait_for_selector("#order-ticket")
    assert page.locator("#ticket-symbol").inner_text() == symbol
    assert page.locator("#ticket-ltp").inner_text().startswith("₹")


def test_limit_order_from_watchlist_fills_and_shows_in_orders_and_paper_portfolio(page, app_server):
    name, password, token = api_user(app_server)
    _watch(app_server.url, token, "TCS")
    login_via_ui(page, name, password)
    _open_ticket(page, "TCS")

    # a price off the tick grid is refused next to the price field, and kept as rejected
    page.fill("#ticket-qty", "2")
    page.fill("#ticket-price", "1000.03")
    page.press("#ticket-price", "Enter")
    page.wait_for_selector("#ticket-error-price")
    assert "tick grid" in page.locator("#ticket-error-price").inner_text()

    # a buy limit at or above the ask: placed with Enter, filled at the next tick
    page.fill("#ticket-price", _crossing_buy_limit(app_server.url, "TCS"))
    page.press("#ticket-price", "Enter")
    toast = page.locator("[data-sonner-toast]", has_text="Paper order filled: Buy 2 TCS")
    toast.first.wait_for()
    # the ticket closes on placing (its close may reach the page just after the fill's toast)
    page.wait_for_selector("#order-ticket", state="detached", timeout=10_000)

    page.goto("/orders")
    page.click("#tab-executed")
    card = page.locator("#orders-executed .order-card", has_text="TCS")
    card.wait_for()
    assert "Filled at ₹" in card.inner_text()
    page.click("#tab-rejected")
    assert "tick grid" in page.locator("#orders-rejected .order-reason").first.inner_text()

    # Portfolio's Paper view: the paper holding, valued live, with the virtual funds
    page.goto("/portfolio")
    page.wait_for_selector("#portfolio-empty")  # no real trades
    page.click("#paper-switch")
    page.wait_for_selector("#holding-TCS")
    assert page.locator("#paper-charges").inner_text().startswith("₹")
    assert page.locator("#total-pnl").inner_text().strip() not in ("", "—")
    assert texts_change(page, "#holding-TCS", 15)  # live prices move its P&L
    # the switch survives navigation
    page.goto("/watchlist")
    page.goto("/portfolio")
    page.wait_for_selector("#holding-TCS")
    assert page.locator("#paper-switch").get_attribute("data-state") == "checked"
    assert real_errors(page.errors) == []


def test_ticket_keyboard_and_fields_by_order_type(page, app_server):
    name, password, token = api_user(app_server)
    _watch(app_server.url, token, "INFY")
    login_via_ui(page, name, password)
    _open_ticket(page, "INFY")
    assert page.locator("#ticket-price").count() == 1  # limit: a price, no trigger
    assert page.locator("#ticket-trigger").count() == 0
    page.click("#ticket-type")
    page.get_by_role("option", name="Stop-loss market (SL-M)").click()
    page.wait_for_selector("#ticket-trigger")
    assert page.locator("#ticket-price").count() == 0
    page.click("#ticket-type")
    page.get_by_role("option", name="GTT OCO (target + stop)").click()
    for field in ("#ticket-price", "#ticket-trigger", "#ticket-stop-trigger", "#ticket-stop-price"):
        page.wait_for_selector(field)
    assert "GTT" in page.locator("#ticket-validity").inner_text()
    page.keyboard.press("Escape")
    page.wait_for_selector("#order-ticket", state="detached")


def test_orders_page_modifies_and_cancels_an_open_order(page, app_server):
    name, password, token = api_user(app_server)
    quote = httpx.get(f"{app_server.url}/api/v1/quotes", params={"symbols": "INFY"}).json()
    resting = int(quote["quotes"][0]["current_price"] * 0.95)  # a buy limit that rests
    r = httpx.post(
        f"{app_server.url}/api/v1/paper/orders",
        json={
            "symbol": "INFY",
            "side": "buy",
            "quantity": 4,
            "order_type": "limit",
            "price": resting,
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 201, r.text
    order_id = r.json()["id"]
    login_via_ui(page, name, password)
    page.goto("/orders")
    card = page.locator(f"#order-{order_id}")
    card.wait_for()
    card.get_by_role("button", name=f"Modify order {order_id}").click()
    page.fill("#edit-qty", "6")
    page.fill("#edit-price", str(resting - 1))
    page.press("#edit-price", "Enter")
    page.wait_for_selector("#edit-save", state="detached")
    page.locator(f"#order-{order_id}", has_text=f"₹{resting - 1:,}").wait_for()
    assert card.inner_text().startswith("BUY") and "Qty 6 · Limit" in card.inner_text()

    card.get_by_role("button", name=f"Cancel order {order_id}").click()
    page.wait_for_selector("#orders-open-empty")
    page.click("#tab-cancelled")
    assert "cancelled by you" in page.locator(f"#order-{order_id}").inner_text()
    assert real_errors(page.errors) == []


def _past_session(base_url: str) -> str:
    r = httpx.get(
        f"{base_url}/api/v1/stocks/RELIANCE/history",
        params={"interval": "1d", "range": "1mo"},
        timeout=10,
    )
    days = sorted({b["t"][:10] for b in r.json()["bars"]}, reverse=True)
    return next(d for d in days if d < date.today().isoformat())


def test_limit_order_during_a_replay_at_60x_fills_in_the_replays_book(page, app_server):
    name, password, token = api_user(app_server)
    headers = {"Authorization": f"Bearer {token}"}
    _watch(app_server.url, token, "TCS")
    with httpx.Client(base_url=app_server.url, headers=headers, timeout=10) as c:
        r = c.post("/api/v1/replay", json={"date": _past_session(app_server.url), "speed": 60})
        assert r.status_code == 201, r.text
        replay_id = r.json()["id"]
        quote = c.get(f"/api/v1/replay/{replay_id}/quotes", params={"symbols": "TCS"}).json()
    ltp = Decimal(str(quote["quotes"][0]["current_price"]))
    login_via_ui(page, name, password)
    _open_ticket(page, "TCS")
    page.fill("#ticket-qty", "3")
    page.fill("#ticket-price", str((ltp * Decimal("1.01")).to_integral_value(ROUND_CEILING)))
    page.press("#ticket-price", "Enter")
    toast = page.locator("[data-sonner-toast]", has_text="Paper order filled: Buy 3 TCS")
    toast.first.wait_for()

    # the fill is in the replay's book, not the live one
    with httpx.Client(base_url=app_server.url, headers=headers, timeout=10) as c:
        live = c.get("/api/v1/paper/orders").json()
        inside = c.get("/api/v1/paper/orders", params={"replay": replay_id}).json()
    assert live == []
    assert [(o["symbol"], o["status"], o["book"]) for o in inside] == [
        ("TCS", "executed", replay_id)
    ]

    page.goto("/portfolio")
    page.click("#paper-switch")
    page.wait_for_selector("#holding-TCS")
    assert page.locator("#total-pnl").inner_text().strip() not in ("", "—")
    assert texts_change(page, "#holding-TCS", 15)  # valued on the replay's moving prices
    assert real_errors(page.errors) == []


OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_ticket_orders_and_paper_view_read_well_at_both_sizes(browser, app_server, scheme):
    """Screenshots for people (tests/e2e/screenshots/), no sideways scroll at 390 px, and
    axe finds nothing critical or serious in the open ticket, Orders or the Paper view."""
    name, password, token = api_user(app_server)
    fill_account(app_server.url, token)
    with httpx.Client(base_url=app_server.url, timeout=10) as c:  # one executed order too
        c.post(
            "/api/v1/paper/orders",
            json={"symbol": "INFY", "side": "buy", "quantity": 5},
            headers={"Authorization": f"Bearer {token}"},
        )
    SHOTS.mkdir(exist_ok=True)
    problems = []
    for label, (width, height) in VIEWPORTS.items():
        context = browser.new_context(
            base_url=app_server.url,
            viewport={"width": width, "height": height},
            color_scheme=scheme,
        )
        page = context.new_page()
        page.set_default_timeout(30_000)
        login_via_ui(page, name, password)
        for slug, open_view in (
            ("ticket", lambda p: _open_ticket(p, "TCS")),
            ("orders", lambda p: p.goto("/orders")),
            ("paper-portfolio", _paper_view),
        ):
            open_view(page)
            settle(page, "#order-ticket, #orders-open .order-card, #paper-funds")
            shot = SHOTS / f"paper-{slug}-{label}-{scheme}.png"
            page.screenshot(path=shot, full_page=True, animations="disabled", timeout=90_000)
            for v in axe_violations(page):
                if v["impact"] in ("critical", "serious"):
                    problems.append(f"{slug} {label}: {v['id']} {v['nodes'][0]['target']}")
            if label == "phone" and page.evaluate(OVERFLOW) > 0:
                problems.append(f"{slug} scrolls sideways at 390 px")
        context.close()
    assert problems == []


def _paper_view(page) -> None:
    page.goto("/portfolio")
    page.wait_for_selector("#paper-switch")
    if page.locator("#paper-switch").get_attribute("data-state") != "checked":
        page.click("#paper-switch")
    # the holdings table on a wide screen, a card per holding on a phone
    page.locator("#holding-INFY, [id^=pf-card-INFY]").locator("visible=true").first.wait_for()
