"""The app pages, a way to fill them for a logged-in user, and axe-core in the page.

Shared by the accessibility, phone-shell and screenshot browser tests (and usable by hand
against a running app)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / ".tools/js/node_modules/axe-core/axe.min.js"

# (slug, path, a selector that is there once the page has its data)
PAGES = [
    ("dashboard", "/", "#index-NIFTY-50"),
    ("watchlist", "/watchlist", "#row-TCS:visible, #wl-card-TCS:visible"),
    ("movers", "/movers", "[id^=mover-]:visible, #mv-card-list .list-card:visible"),
    ("portfolio", "/portfolio", "#holdings-table:visible, #holding-cards:visible"),
    ("analysis", "/analysis/TCS", "[data-ready='1']"),
    ("recommendations", "/recommendations", "table tbody tr"),
    ("peers", "/peers/TCS", "table tbody tr"),
    ("options", "/options/NIFTY", "table tbody tr"),
    ("sectors", "/sectors", "table tbody tr"),
    (
        "screener",
        "/screener",
        "#screener-results tbody tr",
    ),
    ("alerts", "/alerts", "table tbody tr, #alerts-empty"),
    ("orders", "/orders", "#orders-open .order-card"),
]
VIEWPORTS = {"desktop": (1440, 900), "phone": (390, 844)}


def fill_account(base_url: str, token: str) -> None:
    """Give a user a watchlist row, a trade and an alert, so the pages show their tables and
    their icon buttons (remove, bells) rather than empty states."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=10) as c:
        lists = c.get("/api/v1/watchlists").json()
        if not lists:
            lists = [c.post("/api/v1/watchlists", json={"name": "Main"}).json()]
        wl_id = lists[0]["id"]
        c.post(f"/api/v1/watchlists/{wl_id}/items", json={"symbol": "TCS"})
        c.post(
            "/api/v1/portfolio/trades",
            json={
                "symbol": "INFY",
                "side": "buy",
                "quantity": 10,
                "price": 1500,
                "traded_at": "2026-01-05T10:00:00+05:30",
            },
        )
        c.post(
            "/api/v1/alerts",
            json={"symbol": "TCS", "condition": "above", "value": 99999},
        )
        # an open paper order (a buy limit 5 % below the market rests) for the Orders page
        ltp = c.get("/api/v1/quotes", params={"symbols": "TCS"}).json()["quotes"][0]
        c.post(
            "/api/v1/paper/orders",
            json={
                "symbol": "TCS",
                "side": "buy",
                "quantity": 1,
                "order_type": "limit",
                "price": int(ltp["current_price"] * 0.95),
            },
        )


def settle(page, ready: str) -> None:
    page.wait_for_selector("#conn-status >> text=Live")
    with contextlib.suppress(Exception):  # a page without its data is still audited
        page.wait_for_selector(ready, timeout=15_000)
    page.wait_for_timeout(400)


def axe_violations(page) -> list[dict]:
    """axe-core's violations (WCAG 2 A/AA + best practice) for the page as it stands."""
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(content=AXE_JS.read_text())
    return page.evaluate(
        """async () => {
          const r = await axe.run(document, {resultTypes: ['violations']});
          return r.violations.map(v => ({id: v.id, impact: v.impact,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary,
                                      html: n.html.slice(0, 200)}))}));
        }"""
    )
