"""Market replay in the app shell, in headless Chromium: a logged-in user starts a past
session, its clock ticks and obeys pause/resume, speed, seek and stop (the server's replay
row is what the page shows, across a reload); while it runs that user's pages show the
replay's prices and market-wide lists, and another user in another browser context keeps
seeing the live market."""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime
from pathlib import Path

import httpx
import pytest

from stockapp import formatting as fmt
from stockapp.market.calendar import IST
from tests.e2e.conftest import api_user, login_via_ui, real_errors, texts_change
from tests.e2e.pages import VIEWPORTS, axe_violations
from tests.e2e.test_page_tour import BLOCKING, OVERFLOW_JS, SCHEMES


def _ist_today() -> date:
    """The exchange's date: replays list sessions before today in India, not in UTC."""
    return datetime.now(IST).date()


# the first test waits for the app's production build
pytestmark = pytest.mark.timeout(600)
REPLAY = "/api/v1/replay"
SHOTS = Path(__file__).parent / "screenshots"


def _api(app_server, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=app_server.url, headers={"Authorization": f"Bearer {token}"}, timeout=15
    )


def _replays(app_server, token: str) -> list[dict]:
    with _api(app_server, token) as c:
        r = c.get(REPLAY)
        assert r.status_code == 200, r.text
        return r.json()


def _past_session(app_server) -> date:
    r = httpx.get(
        f"{app_server.url}/api/v1/stocks/RELIANCE/history",
        params={"interval": "1d", "range": "1mo"},
        timeout=15,
    )
    assert r.status_code == 200, r.text
    days = {datetime.fromisoformat(b["t"].replace("Z", "+00:00")).date() for b in r.json()["bars"]}
    return sorted(d for d in days if d < _ist_today())[-2]


def _start_paused(app_server, token: str, at: str) -> dict:
    """A replay started through the API, moved to `at` IST and paused: its prices stand still."""
    with _api(app_server, token) as c:
        r = c.post(REPLAY, json={"date": _past_session(app_server).isoformat(), "speed": 60})
        assert r.status_code == 201, r.text
        rid = r.json()["id"]
        assert c.post(f"{REPLAY}/{rid}/seek", json={"time": at}).status_code == 200
        r = c.post(f"{REPLAY}/{rid}/pause")
        assert r.status_code == 200 and r.json()["status"] == "paused", r.text
        return r.json()


def _clock_has(page, pattern: str) -> None:
    page.wait_for_function(
        "p => new RegExp(p).test((document.getElementById('replay-clock') || {}).innerText || '')",
        arg=pattern,
    )


def _press(page, selector: str, key: str = "Enter") -> None:
    """Keyboard use of a control (and steadier than a pointer click on a loaded machine)."""
    page.focus(selector)
    page.keyboard.press(key)


def _pick(page, trigger: str, option: str) -> None:
    _press(page, trigger)
    page.get_by_role("option", name=option, exact=True).press("Enter")
    page.wait_for_selector("[role=listbox]", state="detached")


def test_replay_clock_is_driven_from_the_shell_and_kept_by_the_server(page, app_server):
    name, password, token = api_user(app_server)
    page.set_default_timeout(60_000)
    page.goto("/")
    page.wait_for_selector("#conn-status >> text=Live")
    assert page.locator("#replay-start").count() == 0, "a logged-out visitor has no replay"

    login_via_ui(page, name, password)
    page.goto("/alerts")  # a quiet page: the shell's controls are the same on every page
    page.wait_for_selector("#alerts-empty")
    assert page.get_by_role("button", name="Replay a past session").count() == 1
    _press(page, "#replay-start")
    page.wait_for_selector("#replay-day")
    day = page.locator("#replay-day").inner_text().strip()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", day) and date.fromisoformat(day) < _ist_today()
    _pick(page, "#replay-start-speed", "×60")
    _press(page, "#replay-start-submit")
    _clock_has(page, rf"^Replay {day} ×60, \d\d:\d\d IST$")
    assert texts_change(page, "#replay-clock", 8), "at 60x the clock moves a minute a second"
    (row,) = _replays(app_server, token)
    assert row["date"] == day and row["speed"] == 60 and row["status"] == "running"

    # pause from the keyboard: the clock stops, the server says paused, a reload keeps it
    _press(page, "#replay-pause")
    _clock_has(page, r"\(paused\)$")
    assert _replays(app_server, token)[0]["status"] == "paused"
    shown = page.locator("#replay-clock").inner_text()
    page.reload()
    _clock_has(page, re.escape(shown))
    assert page.get_by_role("button", name="Resume replay").count() == 1
    _press(page, "#replay-pause")
    _clock_has(page, r"IST$")
    assert _replays(app_server, token)[0]["status"] == "running"

    _pick(page, "#replay-speed", "×5")
    _clock_has(page, rf"^Replay {day} ×5, ")
    page.fill("#replay-seek-time", "14:00")
    _press(page, "#replay-seek")
    _clock_has(page, r"×5, 14:0\d IST$")
    assert _replays(app_server, token)[0]["replay_time_ist"].startswith("14:0")

    assert page.get_by_role("button", name="Stop replay").count() == 1
    _press(page, "#replay-stop")
    page.wait_for_selector("#replay-bar", state="detached")
    page.wait_for_selector("#replay-start")
    assert _replays(app_server, token) == []
    assert real_errors(page.errors) == []


def _price_of(app_server, token: str, rid: str, symbol: str) -> str:
    with _api(app_server, token) as c:
        r = c.get(f"{REPLAY}/{rid}/quotes", params={"symbols": symbol})
        assert r.status_code == 200, r.text
        return fmt.number(r.json()["quotes"][0]["current_price"])


def test_a_users_replay_drives_their_pages_and_nobody_elses(browser, app_server):
    contexts = [browser.new_context(base_url=app_server.url) for _ in range(2)]
    alice, bob = (c.new_page() for c in contexts)
    for p in (alice, bob):
        p.set_default_timeout(60_000)
    a_name, a_pass, a_token = api_user(app_server)
    b_name, b_pass, _ = api_user(app_server)
    replay = _start_paused(app_server, a_token, "11:00")
    login_via_ui(alice, a_name, a_pass)
    login_via_ui(bob, b_name, b_pass)
    try:
        for p in (alice, bob):
            p.goto("/movers")
            p.wait_for_selector("[id^=mover-]")
        _clock_has(alice, r"11:00 IST \(paused\)$")
        assert bob.locator("#replay-bar").count() == 0

        # alice's movers are the replay's: ranked on its snapshot, priced at its 11:00
        first = alice.locator("[id^=mover-]").first
        symbol = first.get_attribute("id").removeprefix("mover-")
        price = _price_of(app_server, a_token, replay["id"], symbol)
        alice.wait_for_function(
            "([s, p]) => (document.getElementById('mover-' + s) || {}).innerText.includes(p)",
            arg=[symbol, price],
        )
        assert not texts_change(alice, "table tbody", 3), "a paused replay stands still"
        assert texts_change(bob, "table tbody"), "bob's market is live and moves"

        # the dashboard's index cards and gainers follow the replay too
        alice.goto("/")
        alice.wait_for_selector("#index-NIFTY-50")
        nifty = _price_of(app_server, a_token, replay["id"], "NIFTY 50")
        alice.wait_for_function(
            "p => document.getElementById('index-NIFTY-50').innerText.includes(p)", arg=nifty
        )

        # stopping the replay puts alice back on the live market at once
        _press(alice, "#replay-stop")
        alice.wait_for_selector("#replay-bar", state="detached")
        assert texts_change(alice, "#index-NIFTY-50")
    finally:
        for c in contexts:
            c.close()


@pytest.mark.parametrize(("scheme", "label"), itertools.product(SCHEMES, VIEWPORTS))
def test_replay_shell_reads_well_and_passes_axe(browser, app_server, scheme, label):
    width, height = VIEWPORTS[label]
    name, password, token = api_user(app_server)
    _start_paused(app_server, token, "11:42")
    context = browser.new_context(
        base_url=app_server.url, viewport={"width": width, "height": height}, color_scheme=scheme
    )
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        login_via_ui(page, name, password)
        page.goto("/movers")
        # a phone shows the movers as cards, the table rows hidden
        page.wait_for_selector("[id^=mover-]", state="attached")
        _clock_has(page, r"11:42 IST \(paused\)$")
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=SHOTS / f"replay-shell-{label}-{scheme}.png", animations="disabled")
        overflow = page.evaluate(OVERFLOW_JS)
        assert overflow["scroll"] <= overflow["inner"] and overflow["wide"] == [], overflow
        bad = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
        assert bad == [], bad
    finally:
        context.close()
